/*
 * Claim words (include/shmprim/claim.h): taking, checking and giving back a
 * side. Freestanding: liveness comes in as a function, so the model checker
 * can stand in for /proc.
 *
 * Pairings:
 *   K1 (take's CAS, acq_rel) pairs with K3 (release's CAS, release): a new
 *      holder sees every write its predecessor made before giving the side
 *      back or closing it. A holder that died made no K3; what it wrote is
 *      read back through the structure's own acquire loads.
 *   K2 (check's load, acquire) pairs with K1: a holder that finds another
 *      token has lost the side, and sees the new holder's state.
 *   K4 (peek's load, acquire) pairs with K3: the peer that reads CLOSED also
 *      sees everything the closer published before closing.
 */
#ifndef SHMPRIM_CLAIM_WORD_H
#define SHMPRIM_CLAIM_WORD_H

#include <shmprim/claim.h>

/* How a claimant learns whether a holder is alive (shmprim_proc_liveness in a
 * real process). */
typedef shmprim_liveness (*sp_liveness_fn)(shmprim_proc_token token);

/* What a claim word value says (no liveness check). */
shmprim_side_state sp_claim_state(uint64_t word);

/* Fills *h (if not NULL) from a word and its holder's liveness (used only
 * when the word is a token). */
void sp_claim_decode(uint64_t word, shmprim_liveness live, shmprim_claim_holder *h);

/* Takes the side for me. SHMPRIM_OK: *previous receives what the word held
 * (SHMPRIM_CLAIM_FREE, or the dead or impossible holder taken over from).
 * SHMPRIM_ERR_CLAIMED: held by a live or unverifiable process (*holder says
 * who). SHMPRIM_ERR_CLOSED: closed for good. SHMPRIM_ERR_CONTENDED: the word
 * kept changing (bounded retries). holder may be NULL. */
shmprim_status sp_claim_take(uint64_t *word, shmprim_proc_token me, sp_liveness_fn liveness,
                             shmprim_claim_holder *holder, uint64_t *previous);

/* SHMPRIM_OK while the word still holds me, else SHMPRIM_ERR_CLAIM_LOST. */
shmprim_status sp_claim_check(uint64_t *word, shmprim_proc_token me);

/* Gives the side back: the word goes from me to to (SHMPRIM_CLAIM_FREE or
 * SHMPRIM_CLAIM_CLOSED). SHMPRIM_ERR_CLAIM_LOST if it no longer held me (it is
 * left as it was). */
shmprim_status sp_claim_give_back(uint64_t *word, shmprim_proc_token me, uint64_t to);

/* The word's value for a peer (K4). */
uint64_t sp_claim_peek(uint64_t *word);

#endif
