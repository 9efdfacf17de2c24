/*
 * The slab's per-handle cache (set_cache; off by default): a freed slot kept
 * in the handle's private array, FREE|FREEING|me and off the list, handed out
 * again by K1 or given back to the list by K2 and a push. The protocol, the
 * labels (K1, K2, F1..F3, A3, R4) and why the cache is safe against copies of
 * the handle and against reclaim: the top of src/slab.c.
 */
#include "slab_cache.h"

/* K2, then push and finish (F2, F3). A failed K2 means the slot is no longer
 * ours to give back: the entry is dropped (OK). On CONTENDED the slot stays
 * claimed and cached, *c naming its new generation. */
static shmprim_status cache_return(shmprim_slab_raw *slab, shmprim_slot_handle *c, uint32_t *budget)
{
	uint64_t *word = &slab->meta[c->index].state_gen;
	uint64_t w = FREEING_WORD(c->generation, slab->owner_id);
	uint32_t gen = c->generation + 1u;

	/* K2: pairs with F1, K2 */
	if (!sp_cas_u64(word, &w, FREEING_WORD(gen, slab->owner_id), SP_ACQ_REL, SP_RELAXED))
		return SHMPRIM_OK;
	slab->cache_returned++;
	c->generation = gen;
	SHMPRIM_WINDOW(SHMPRIM_WINDOW_FREED);
	return shmprim_slabcore_push_and_finish(slab, c->index, gen, budget);
}

/* Gives the oldest n cached slots back; stops at the first failure, keeping
 * that slot and the rest cached, in order. */
static shmprim_status cache_give_back(shmprim_slab_raw *slab, uint32_t n, uint32_t *budget)
{
	shmprim_status st = SHMPRIM_OK;
	uint32_t i, kept = 0;

	for (i = 0; i < slab->cache_len; i++) {
		shmprim_slot_handle c = slab->cache[i];

		if (i < n && st == SHMPRIM_OK) {
			st = cache_return(slab, &c, budget);
			if (st == SHMPRIM_OK)
				continue;
		}
		slab->cache[kept++] = c;
	}
	slab->cache_len = kept;
	return st;
}

/* A full cache gives back its older half, so that put has room again
 * (src/slab_cache.h). 0 if it still has none (the give-back hit the retry
 * bound). */
int shmprim_slabcache_make_room(shmprim_slab_raw *slab, uint32_t *budget)
{
	(void)cache_give_back(slab, slab->cache_len - slab->cache_size / 2, budget);
	return slab->cache_len < slab->cache_size;
}

shmprim_status shmprim_slab_raw_set_owner(shmprim_slab_raw *slab, uint32_t owner_id)
{
	if (!slab)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (owner_id > SHMPRIM_SLAB_OWNER_MAX)
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	if (slab->cache_len != 0) {
		/* cached slots carry the old id: give them back under it */
		uint32_t budget = SLAB_RETRY_BOUND;
		shmprim_status st = cache_give_back(slab, slab->cache_len, &budget);

		if (st != SHMPRIM_OK)
			return st;
	}
	slab->owner_id = owner_id;
	return SHMPRIM_OK;
}

shmprim_status shmprim_slab_raw_set_cache(shmprim_slab_raw *slab, uint32_t n)
{
	if (!slab)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (n > SHMPRIM_SLAB_CACHE_MAX)
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	if (slab->cache_len > n) {
		uint32_t budget = SLAB_RETRY_BOUND;
		shmprim_status st = cache_give_back(slab, slab->cache_len - n, &budget);

		if (st != SHMPRIM_OK)
			return st;
	}
	slab->cache_size = n;
	return SHMPRIM_OK;
}

shmprim_status shmprim_slab_raw_flush_cache(shmprim_slab_raw *slab)
{
	uint32_t budget = SLAB_RETRY_BOUND;

	if (!slab)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	return cache_give_back(slab, slab->cache_len, &budget);
}
