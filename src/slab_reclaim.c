/*
 * The slab's reclaim, which takes back what dead processes left (R1..R6), and
 * the audit (Q3). The protocol, the crash windows reclaim answers and the
 * labels: the top of src/slab.c.
 */
#include <string.h>

#include "slab_internal.h"

/* ---- reclaim ----
 *
 * 1. (R1) Take the reclaim lock (owner id; a dead holder's lock is taken over by
 *    the reclaim of that holder), so one private chain exists at a time.
 * 2. (R2) Detach the whole free list with one CAS (head -> END, tag T). Poppers
 *    now see an empty list; pushes start a new list whose tags, after T,
 *    they record in free_tag.
 * 3. (R3) Walk the detached chain (private now) marking each slot with T and
 *    finishing frees left FREEING on it; cut it at a bad index, a non-FREE
 *    slot or a cycle (the cut-off slots are then judged by the scan like any
 *    other).
 * 4. (R4) Scan every slot once: its state word, then free_tag (a pusher writes it
 *    before its push, and finishes the free with release after it), then the
 *    head's tag, now. Take (one CAS on state_gen, so exactly one party wins)
 *    and append to the chain:
 *      FREE, unmarked, tag not in (T, now], FREEING|dead   dead died mid-free
 *      FREE, unmarked, tag not in (T, now], no FREEING     popped by an
 *          allocator that has not allocated it: dead, or alive and about to
 *          see the new mark (written first) or lose the CAS, and start over
 *      ALLOCATED|dead, IN_FLIGHT|dead (with the flag)
 *    and leave alone free slots some live process is freeing (busy) and
 *    anything pushed since T.
 * 5. (R5) Splice the chain onto the live list with one CAS; (R6) unlock.
 */

static void chain_append(shmprim_slab_raw *slab, uint32_t *first, uint32_t *last, uint32_t index)
{
	slab_store_link(&slab->meta[index], SHMPRIM_SLAB_END);
	if (*last == SHMPRIM_SLAB_END)
		*first = index;
	else
		slab_store_link(&slab->meta[*last], index);
	*last = index;
}

shmprim_status shmprim_slab_raw_reclaim(shmprim_slab_raw *slab, uint32_t dead, uint32_t flags,
                                        shmprim_reclaim_report *out)
{
	shmprim_reclaim_report r;
	uint32_t *lock;
	uint64_t *free_head;
	uint64_t old;
	uint32_t me, held, mark, first, last, cur, steps, i, tries;

	/* Every return leaves a report: zeros unless the reclaim did something. */
	memset(&r, 0, sizeof(r));
	if (out)
		*out = r;
	if (!slab)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	me = slab->owner_id;
	if (dead == 0 || dead > SHMPRIM_SLAB_OWNER_MAX || me == 0 || me == dead)
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	lock = &slab->header->reclaim_lock;
	free_head = &slab->header->free_head;

	held = 0;
	if (!sp_cas_u32(lock, &held, me, SP_ACQUIRE, SP_RELAXED) && /* R1: pairs with R6 */
	    (held != dead || !sp_cas_u32(lock, &held, me, SP_ACQUIRE, SP_RELAXED))) /* R1, from a dead holder */
		return SHMPRIM_ERR_CONTENDED;

	/* 2: detach */
	old = sp_load_acquire_u64(free_head); /* R2: pairs with F2, R5 */
	for (tries = 0;; tries++) {
		SHMPRIM_LOOP_TICK();
		if (tries == SHMPRIM_SLAB_RETRY_LIMIT) {
			sp_cas_u32(lock, &me, 0, SP_RELEASE, SP_RELAXED); /* R6: pairs with R1 */
			return SHMPRIM_ERR_CONTENDED;
		}
		if (sp_cas_weak_u64(free_head, &old, HEAD(slab_next_tag(old), SHMPRIM_SLAB_END),
		                    SP_ACQ_REL, SP_ACQUIRE)) /* R2: pairs with F2, R5 */
			break;
	}
	mark = slab_next_tag(old);

	/* 3: walk and mark the detached chain */
	first = HEAD_INDEX(old);
	last = SHMPRIM_SLAB_END;
	cur = first;
	for (steps = 0; cur != SHMPRIM_SLAB_END; steps++) {
		shmprim_slab_meta *m;

		SHMPRIM_LOOP_TICK();
		if (cur >= slab->slot_count || steps == slab->slot_count)
			break;
		m = &slab->meta[cur];
		if (sp_load_relaxed_u32(&m->reclaim_mark) == mark) /* R3: our own mark, a cycle */
			break;
		{
			uint64_t w = sp_load_acquire_u64(&m->state_gen); /* R3: pairs with F1, F3 */

			if (!slab_word_valid(w) || KIND_OF(w) != SHMPRIM_SLOT_FREE)
				break;
			/* Pushed but its free not finished: finish it, so a stale
			 * FREEING never outlives a freer that died (a live one's own
			 * finishing CAS then simply fails). */
			if (IS_FREEING(w))
				sp_cas_u64(&m->state_gen, &w, WORD(GEN_OF(w), SHMPRIM_SLOT_FREE, 0),
				           SP_RELAXED, SP_RELAXED); /* R3: the chain is private, R5 publishes it */
		}
		sp_store_relaxed_u32(&m->reclaim_mark, mark); /* R3: read back by R4, this thread */
		last = cur;
		cur = slab_load_link(m);
	}
	if (cur != SHMPRIM_SLAB_END) {
		r.corrupt++;
		if (last == SHMPRIM_SLAB_END)
			first = SHMPRIM_SLAB_END;
		else
			slab_store_link(&slab->meta[last], SHMPRIM_SLAB_END);
	}

	/* 4: scan */
	for (i = 0; i < slab->slot_count; i++) {
		shmprim_slab_meta *m = &slab->meta[i];
		uint64_t w = sp_load_acquire_u64(&m->state_gen); /* R4: pairs with F3, A3, F1 */
		uint32_t *kind;
		uint64_t to;

		SHMPRIM_LOOP_TICK();
		if (!slab_word_valid(w)) {
			r.corrupt++;
			continue;
		}
		if (KIND_OF(w) == SHMPRIM_SLOT_FREE) {
			uint32_t tag, now;

			if (sp_load_relaxed_u32(&m->reclaim_mark) == mark) /* R4: R3's mark (ours) */
				continue; /* on the detached list */
			tag = sp_load_relaxed_u32(&m->free_tag); /* R4: written at F2, seen through F3 -> the load above */
			now = HEAD_TAG(sp_load_acquire_u64(free_head)); /* R4: pairs with F2, R5 */
			if ((uint32_t)(tag - mark - 1u) < (uint32_t)(now - mark))
				continue; /* pushed since the detach */
			if (IS_FREEING(w)) {
				if (OWNER_OF(w) != dead) {
					r.busy++;
					continue;
				}
				kind = &r.freeing;
			} else {
				kind = &r.orphans;
			}
			/* A popper between A2 and A3 may hold this slot: the new mark,
			 * before the CAS (release), tells it the slot is gone. */
			sp_store_relaxed_u32(&m->reclaim_mark, mark); /* R4: released by the CAS below, for A3 */
			/* A slot whose generations are spent is retired, not listed. */
			to = GEN_RETIRES(GEN_OF(w)) ? RETIRED_WORD : WORD(GEN_OF(w) + 1u, SHMPRIM_SLOT_FREE, 0);
		} else {
			if (OWNER_OF(w) != dead)
				continue;
			if (KIND_OF(w) == SHMPRIM_SLOT_IN_FLIGHT && !(flags & SHMPRIM_RECLAIM_IN_FLIGHT))
				continue;
			kind = &r.allocated;
			to = WORD(GEN_OF(w), SHMPRIM_SLOT_FREE, 0);
		}
		/* Lost the CAS: a live process moved the slot on; it is not orphaned. */
		if (!sp_cas_u64(&m->state_gen, &w, to, SP_ACQ_REL, SP_RELAXED) || /* R4: pairs with A3, F1, F3 */
		    to == RETIRED_WORD)
			continue;
		chain_append(slab, &first, &last, i);
		(*kind)++;
		r.reclaimed++;
	}

	/* 5: splice the chain back (its slots are private until this CAS) */
	if (first != SHMPRIM_SLAB_END) {
		old = sp_load_relaxed_u64(free_head); /* R5: the CAS checks it */
		for (tries = 0;; tries++) {
			uint32_t tag = slab_next_tag(old);

			SHMPRIM_LOOP_TICK();
			if (tries == SHMPRIM_SLAB_RETRY_LIMIT) {
				/* The chain stays off the list, unmarked for the next
				 * reclaim, which takes its slots back as orphans. */
				sp_cas_u32(lock, &me, 0, SP_RELEASE, SP_RELAXED); /* R6: pairs with R1 */
				if (out)
					*out = r;
				return SHMPRIM_ERR_CONTENDED;
			}
			slab_store_link(&slab->meta[last], HEAD_INDEX(old));
			/* R5: pairs with A1, A2 */
			if (sp_cas_weak_u64(free_head, &old, HEAD(tag, first), SP_RELEASE, SP_RELAXED))
				break;
		}
	}
	sp_cas_u32(lock, &me, 0, SP_RELEASE, SP_RELAXED); /* R6: pairs with R1 */
	if (out)
		*out = r;
	return r.corrupt ? SHMPRIM_ERR_CORRUPT : SHMPRIM_OK;
}

void shmprim_slab_raw_audit(shmprim_slab_raw *slab, shmprim_slab_audit_report *out)
{
	shmprim_slab_audit_report r;
	uint32_t index, i, free_total = 0, freeing_total = 0, freeing_listed = 0;

	memset(&r, 0, sizeof(r));
	r.list_ok = true;
	index = HEAD_INDEX(sp_load_acquire_u64(&slab->header->free_head)); /* Q3: pairs with F2, R5 */
	while (index != SHMPRIM_SLAB_END) {
		uint64_t w;

		SHMPRIM_LOOP_TICK();
		if (index >= slab->slot_count || r.on_free_list == slab->slot_count ||
		    (w = sp_load_acquire_u64(&slab->meta[index].state_gen), !slab_word_valid(w)) || /* Q3: as Q1 */
		    KIND_OF(w) != SHMPRIM_SLOT_FREE) {
			r.list_ok = false; /* bad index, a cycle (more links than slots) or a busy slot */
			break;
		}
		r.on_free_list++;
		freeing_listed += IS_FREEING(w); /* pushed, its free not finished yet */
		index = sp_load_relaxed_u32(&slab->meta[index].next_free); /* Q3: a link, published by F2, R5 */
	}
	for (i = 0; i < slab->slot_count; i++) {
		uint64_t w = sp_load_acquire_u64(&slab->meta[i].state_gen); /* Q3: as Q1 */

		SHMPRIM_LOOP_TICK();
		switch (slab_word_valid(w) ? KIND_OF(w) : 3u) {
		case SHMPRIM_SLOT_FREE:
			free_total++;
			freeing_total += IS_FREEING(w);
			break;
		case SHMPRIM_SLOT_ALLOCATED: r.allocated++; break;
		case SHMPRIM_SLOT_IN_FLIGHT: r.in_flight++; break;
		default: r.bad_state++; break;
		}
	}
	r.free_off_list = free_total > r.on_free_list ? free_total - r.on_free_list : 0;
	r.freeing_off_list = freeing_total > freeing_listed ? freeing_total - freeing_listed : 0;
	*out = r;
}
