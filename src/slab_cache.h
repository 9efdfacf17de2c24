/*
 * The per-handle cache's two hot steps, inlined into try_alloc and free
 * (src/slab.c); the rest of the cache is src/slab_cache.c, and its protocol
 * the top of src/slab.c.
 */
#ifndef SHMPRIM_SLAB_CACHE_H
#define SHMPRIM_SLAB_CACHE_H

#include "slab_internal.h"

/* K1: the newest cached slot that is still ours. A failed CAS means a copy of
 * this handle, or a reclaim, took the slot: the entry is dropped and the next
 * one tried. */
static inline int shmprim_slabcache_take(shmprim_slab_raw *slab, shmprim_slot_handle *out)
{
	while (slab->cache_len != 0) {
		shmprim_slot_handle c = slab->cache[--slab->cache_len];
		uint64_t *word = &slab->meta[c.index].state_gen;
		uint64_t w = FREEING_WORD(c.generation, slab->owner_id);
		uint64_t to = WORD(c.generation + 1u, SHMPRIM_SLOT_ALLOCATED, slab->owner_id);

		SHMPRIM_LOOP_TICK();
		if (GEN_RETIRES(c.generation)) {
			/* its last generation has been handed out: retire, try the next */
			sp_cas_u64(word, &w, RETIRED_WORD, SP_ACQ_REL, SP_RELAXED); /* K1, retiring: pairs with F1, K2 */
			continue;
		}
		/* K1: pairs with F1, K2 */
		if (!sp_cas_u64(word, &w, to, SP_ACQ_REL, SP_RELAXED))
			continue;
		out->index = c.index;
		out->generation = c.generation + 1u;
		return 1;
	}
	return 0;
}

int shmprim_slabcache_make_room(shmprim_slab_raw *slab, uint32_t *budget);

/* Keeps a slot just moved to FREE|FREEING|me (F1); a full cache first gives
 * back its older half. 0 if there is still no room: the caller then pushes
 * the slot itself. */
static inline int shmprim_slabcache_put(shmprim_slab_raw *slab, shmprim_slot_handle h, uint32_t *budget)
{
	if (slab->cache_len >= slab->cache_size && !shmprim_slabcache_make_room(slab, budget))
		return 0;
	slab->cache[slab->cache_len++] = h;
	return 1;
}

#endif
