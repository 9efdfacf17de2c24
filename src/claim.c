/* Claim words: see src/claim_word.h for the pairings. */
#include "claim_word.h"

#include "../backends/shmprim_atomic.h"
#include "test_hooks.h"

/* A CAS fails only when the word changed; each change is another claimant
 * winning, so a few rounds settle it or the caller retries. */
#define CLAIM_ROUNDS 8

shmprim_side_state sp_claim_state(uint64_t word)
{
	if (word == SHMPRIM_CLAIM_FREE)
		return SHMPRIM_SIDE_FREE;
	if (word == SHMPRIM_CLAIM_CLOSED)
		return SHMPRIM_SIDE_CLOSED;
	if (shmprim_proc_token_pid(word) != 0)
		return SHMPRIM_SIDE_HELD;
	return SHMPRIM_SIDE_IMPOSSIBLE;
}

void sp_claim_decode(uint64_t word, shmprim_liveness live, shmprim_claim_holder *h)
{
	if (!h)
		return;
	h->word = word;
	h->state = sp_claim_state(word);
	h->pid = h->state == SHMPRIM_SIDE_HELD ? shmprim_proc_token_pid(word) : 0;
	h->start_ticks = h->state == SHMPRIM_SIDE_HELD ? (word & SHMPRIM_TOKEN_START_MASK) : 0;
	h->liveness = h->state == SHMPRIM_SIDE_HELD ? live : SHMPRIM_DEAD;
}

shmprim_status sp_claim_take(uint64_t *word, shmprim_proc_token me, sp_liveness_fn liveness,
                             shmprim_claim_holder *holder, uint64_t *previous)
{
	uint64_t seen = sp_load_acquire_u64(word); /* a first look; K1 decides */
	int round;

	for (round = 0; round < CLAIM_ROUNDS; round++) {
		shmprim_side_state state = sp_claim_state(seen);
		shmprim_liveness live = SHMPRIM_DEAD;

		SHMPRIM_LOOP_TICK();

		if (state == SHMPRIM_SIDE_CLOSED) {
			sp_claim_decode(seen, SHMPRIM_DEAD, holder);
			return SHMPRIM_ERR_CLOSED;
		}
		if (state == SHMPRIM_SIDE_HELD) {
			live = seen == me ? SHMPRIM_ALIVE : liveness(seen);
			if (live != SHMPRIM_DEAD) {
				sp_claim_decode(seen, live, holder);
				return SHMPRIM_ERR_CLAIMED; /* me included: a side is taken once */
			}
		}
		/* FREE, a verified-dead holder, or a value no claim writes. */
		if (sp_cas_u64(word, &seen, me, SP_ACQ_REL, SP_ACQUIRE)) { /* K1: pairs with K3 */
			sp_claim_decode(seen, live, holder);
			if (previous)
				*previous = seen;
			return SHMPRIM_OK;
		}
	}
	sp_claim_decode(seen, SHMPRIM_LIVENESS_UNKNOWN, holder);
	return SHMPRIM_ERR_CONTENDED;
}

shmprim_status sp_claim_check(uint64_t *word, shmprim_proc_token me)
{
	return sp_load_acquire_u64(word) == me ? SHMPRIM_OK : SHMPRIM_ERR_CLAIM_LOST; /* K2: pairs with K1 */
}

shmprim_status sp_claim_give_back(uint64_t *word, shmprim_proc_token me, uint64_t to)
{
	uint64_t expected = me;

	/* K3: pairs with K1 (the next holder) and K4 (the peer reading CLOSED). */
	return sp_cas_u64(word, &expected, to, SP_RELEASE, SP_RELAXED) ? SHMPRIM_OK : SHMPRIM_ERR_CLAIM_LOST;
}

uint64_t sp_claim_peek(uint64_t *word)
{
	return sp_load_acquire_u64(word); /* K4: pairs with K3 */
}
