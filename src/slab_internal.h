/*
 * What the slab's source files share, and nothing else: the encodings of the
 * state word and the free-list head, the two free-list helpers whose memory
 * orders the protocol depends on, and the functions one file calls in
 * another. The protocol itself (the steps A1..A3, F1..F4, K1, K2, R1..R6 and
 * how they pair) is described once, at the top of src/slab.c.
 *
 *   src/slab.c          core: geometry, init/attach, the tagged Treiber list,
 *                       alloc and free, slot states, the queries
 *   src/slab_cache.c    the per-handle cache (K1, K2)
 *   src/slab_reclaim.c  reclaim (R1..R6), reclaim_dead's passes, the audits
 *   src/slab_recover.c  reclaim_dead's entry points, with the pid liveness default
 *   src/slab_region.c   the region form: placement, then the raw form
 *
 * Private to the library: not installed, and the functions below are hidden
 * (the library builds with -fvisibility=hidden; only SHMPRIM_API is exported).
 */
#ifndef SHMPRIM_SLAB_INTERNAL_H
#define SHMPRIM_SLAB_INTERNAL_H

#include <shmprim/slab.h>

#include "../backends/shmprim_atomic.h"
#include "test_hooks.h"

/* state_gen: generation << 32 | state; state = kind (bits 0-1) | FREEING
 * (bit 2, FREE only) | owner << 3. */
#define STATE_OF(w) ((uint32_t)(w))
#define GEN_OF(w) ((uint32_t)((w) >> 32))
#define KIND_OF(w) (STATE_OF(w) & SHMPRIM_SLAB_KIND_MASK)
#define OWNER_OF(w) (STATE_OF(w) >> SHMPRIM_SLAB_OWNER_SHIFT)
#define IS_FREEING(w) ((STATE_OF(w) & SHMPRIM_SLAB_FREEING) != 0)
#define WORD(gen, kind, owner) \
	(((uint64_t)(gen) << 32) | (uint32_t)(kind) | ((uint32_t)(owner) << SHMPRIM_SLAB_OWNER_SHIFT))
#define FREEING_WORD(gen, owner) (WORD(gen, SHMPRIM_SLOT_FREE, owner) | SHMPRIM_SLAB_FREEING)
/* The attempts of every retry loop (slab.h, "Bounds"): the public limit.
 * Only a model-checker scenario lowers it (sp_retry_bound), so that the
 * give-up paths run without 100000 failed CASes. */
#define SLAB_RETRY_BOUND sp_retry_bound(SHMPRIM_SLAB_RETRY_LIMIT)
/* free_head: tag << 32 | index. */
#define HEAD_INDEX(w) ((uint32_t)(w))
#define HEAD_TAG(w) ((uint32_t)((w) >> 32))
#define HEAD(tag, index) (((uint64_t)(tag) << 32) | (uint32_t)(index))
/* Generation lifetime (slab.h): a slot whose generation has reached
 * SHMPRIM_SLAB_GEN_LAST is retired at its next allocation instead of being
 * handed out again, so a generation never repeats and no stale handle can
 * match. Retired: ALLOCATED, owner 0 (no reclaim takes it), generation
 * SHMPRIM_SLAB_GEN_RETIRED, which no handle ever carries. */
#define RETIRED_WORD WORD(SHMPRIM_SLAB_GEN_RETIRED, SHMPRIM_SLOT_ALLOCATED, 0)
#define GEN_RETIRES(gen) ((gen) >= SHMPRIM_SLAB_GEN_LAST)

/* FREE with any owner/FREEING bits; ALLOCATED or IN_FLIGHT without FREEING. */
static inline int slab_word_valid(uint64_t w)
{
	uint32_t kind = KIND_OF(w);

	if (kind == SHMPRIM_SLOT_FREE)
		return 1;
	return (kind == SHMPRIM_SLOT_ALLOCATED || kind == SHMPRIM_SLOT_IN_FLIGHT) && !IS_FREEING(w);
}

/* The state a refusal reports: the kind, or the raw value if it is no state. */
static inline uint32_t slab_reported_state(uint64_t w)
{
	return slab_word_valid(w) ? KIND_OF(w) : STATE_OF(w);
}

/* The tag a push, a pop, a detach or a splice installs on the head it read:
 * a new one every time, so a CAS that read an older head fails (ABA). */
static inline uint32_t slab_next_tag(uint64_t head)
{
	return HEAD_TAG(head) + 1u;
}

/* The free-list link. An atomic, relaxed: a popper may read a link a pusher
 * is rewriting (a stale one fails A2's CAS, the head's tag having moved), and
 * the link it uses was published by the head CAS (F2, R5 -> A1, A2). */
static inline uint32_t slab_load_link(shmprim_slab_meta *m)
{
	return sp_load_relaxed_u32(&m->next_free); /* A2, R3: a link F2 or R5 published */
}

static inline void slab_store_link(shmprim_slab_meta *m, uint32_t next)
{
	sp_store_relaxed_u32(&m->next_free, next); /* F2, R3, R4, R5: published by the head CAS that follows */
}

/* src/slab.c */
shmprim_status shmprim_slabcore_check_geometry(uint32_t slot_count, uint32_t slot_size);
shmprim_status shmprim_slabcore_check_expect(const shmprim_slab_expect *expect);
shmprim_status shmprim_slabcore_attach_checked(shmprim_slab_raw *slab, void *header, void *meta, size_t meta_len,
                                               void *data, size_t data_len, const shmprim_slab_expect *expect,
                                               shmprim_status too_big);
/* src/slab_reclaim.c: reclaim_dead with a liveness function (src/slab_recover.c
 * supplies the pid default: the algorithm needs no OS, the default does) */
shmprim_status shmprim_slabcore_reclaim_dead(shmprim_slab_raw *slab, uint32_t flags,
                                             shmprim_slab_liveness_fn liveness, void *arg,
                                             shmprim_slab_dead_report *report);
shmprim_status shmprim_slabcore_push_and_finish(shmprim_slab_raw *slab, uint32_t index, uint32_t gen,
                                                uint32_t *budget);


#endif
