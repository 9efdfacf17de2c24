/*
 * The slab's reclaim, which takes back what dead processes left (R1..R6),
 * reclaim_dead (every dead owner in one call), and the audits (Q3, Q4). The protocol, the crash windows reclaim answers and the
 * labels: the top of src/slab.c.
 */
#include <string.h>

#include "slab_internal.h"

/* ---- reclaim ----
 *
 * 1. (R1) Take the reclaim lock (owner id), so one private chain exists at a
 *    time. The lock is taken over, by one CAS from exactly the value read, from
 *    a holder that cannot be reclaiming: an impossible id (above
 *    SHMPRIM_SLAB_OWNER_MAX, which no set_owner accepts: a scribbler's), the id
 *    being reclaimed (dead by the caller's word), or, in reclaim_dead, an id its
 *    liveness check says is dead. A live holder keeps it (CONTENDED): with pid
 *    ids a live reclaimer's pid reads alive, and the CAS from exactly the value
 *    checked never replaces a holder that was not checked. A dead holder's
 *    detached chain is then found by the scan (4) as orphans.
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
 *    anything pushed since T. "dead" is a set of ids: one for reclaim, a
 *    batch of up to SHMPRIM_SLAB_OWNERS_PER_PASS for reclaim_dead.
 * 5. (R5) Splice the chain onto the live list with one CAS; (R6) unlock.
 *
 * reclaim_dead runs passes under one lock: scan the states for the smallest
 * SHMPRIM_SLAB_OWNERS_PER_PASS owner ids above the last pass's, check each
 * one's liveness, run steps 2-5 for the dead ones (the first pass always, for
 * orphans). Ids only grow from pass to pass, so each is checked once; a slab
 * whose owners change faster than the passes end stops at the pass bound.
 */

/* An owner-id set, sorted ascending: the dead ids of one reclaim, or the ids
 * one scan gathers. Index of id, or n if absent. */
static uint32_t owner_find(const uint32_t *ids, uint32_t n, uint32_t id)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (ids[mid] == id)
			return mid;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return n;
}

static void chain_append(shmprim_slab_raw *slab, uint32_t *first, uint32_t *last, uint32_t index)
{
	slab_store_link(&slab->meta[index], SHMPRIM_SLAB_END);
	if (*last == SHMPRIM_SLAB_END)
		*first = index;
	else
		slab_store_link(&slab->meta[*last], index);
	*last = index;
}

/* R1: takes the reclaim lock for me (see step 1): from 0, or from a holder
 * that cannot be reclaiming. *from receives the holder taken over (0: none),
 * *life what liveness said of it (SHMPRIM_ALIVE if it was not asked). */
static int lock_take(uint32_t *lock, uint32_t me, uint32_t dead, shmprim_slab_liveness_fn liveness, void *arg,
                     uint32_t *from, shmprim_liveness *life)
{
	uint32_t held = 0;

	*from = 0;
	*life = SHMPRIM_ALIVE;
	if (sp_cas_u32(lock, &held, me, SP_ACQUIRE, SP_RELAXED)) /* R1: pairs with R6 */
		return 1;
	if (held == me)
		return 0; /* another handle with our id, alive: we are */
	if (held <= SHMPRIM_SLAB_OWNER_MAX && held != dead) {
		if (!liveness)
			return 0;
		*life = liveness(held, arg);
		if (*life != SHMPRIM_DEAD)
			return 0;
	}
	/* R1, a takeover: pairs with R6 of the last live holder; exactly the value checked */
	if (!sp_cas_u32(lock, &held, me, SP_ACQUIRE, SP_RELAXED))
		return 0;
	*from = held;
	return 1;
}

static void lock_drop(uint32_t *lock, uint32_t me)
{
	sp_cas_u32(lock, &me, 0, SP_RELEASE, SP_RELAXED); /* R6: pairs with R1 */
}

/* Steps 2-5 under the lock, for the sorted ids dead[0..ndead) (ndead may be
 * 0: orphans only). Adds to *r; per[k] (may be NULL) gets dead[k]'s slots. */
static shmprim_status reclaim_locked(shmprim_slab_raw *slab, const uint32_t *dead, uint32_t ndead, uint32_t flags,
                                     shmprim_reclaim_report *r, shmprim_slab_owner_slots *per)
{
	uint64_t *free_head = &slab->header->free_head;
	uint64_t old;
	uint32_t mark, first, last, cur, steps, i, tries, corrupt = 0;

	/* 2: detach */
	old = sp_load_acquire_u64(free_head); /* R2: pairs with F2, R5 */
	for (tries = 0;; tries++) {
		SHMPRIM_LOOP_TICK();
		if (tries == SLAB_RETRY_BOUND)
			return SHMPRIM_ERR_CONTENDED;
		if (sp_cas_u64(free_head, &old, HEAD(slab_next_tag(old), SHMPRIM_SLAB_END),
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
		corrupt++;
		if (last == SHMPRIM_SLAB_END)
			first = SHMPRIM_SLAB_END;
		else
			slab_store_link(&slab->meta[last], SHMPRIM_SLAB_END);
	}

	/* 4: scan */
	for (i = 0; i < slab->slot_count; i++) {
		shmprim_slab_meta *m = &slab->meta[i];
		uint64_t w = sp_load_acquire_u64(&m->state_gen); /* R4: pairs with F3, A3, F1 */
		uint32_t *kind, *mine = NULL, k;
		uint64_t to;

		SHMPRIM_LOOP_TICK();
		if (!slab_word_valid(w)) {
			corrupt++;
			continue;
		}
		k = owner_find(dead, ndead, OWNER_OF(w));
		if (KIND_OF(w) == SHMPRIM_SLOT_FREE) {
			uint32_t tag, now;

			if (sp_load_relaxed_u32(&m->reclaim_mark) == mark) /* R4: R3's mark (ours) */
				continue; /* on the detached list */
			tag = sp_load_relaxed_u32(&m->free_tag); /* R4: written at F2, seen through F3 -> the load above */
			now = HEAD_TAG(sp_load_acquire_u64(free_head)); /* R4: pairs with F2, R5 */
			if ((uint32_t)(tag - mark - 1u) < (uint32_t)(now - mark))
				continue; /* pushed since the detach */
			if (IS_FREEING(w)) {
				if (k == ndead) {
					r->busy++;
					continue;
				}
				kind = &r->freeing;
				mine = per ? &per[k].freeing : NULL;
			} else {
				kind = &r->orphans;
			}
			/* A popper between A2 and A3 may hold this slot: the new mark,
			 * before the CAS (release), tells it the slot is gone. */
			sp_store_relaxed_u32(&m->reclaim_mark, mark); /* R4: released by the CAS below, for A3 */
			/* A slot whose generations are spent is retired, not listed. */
			to = GEN_RETIRES(GEN_OF(w)) ? RETIRED_WORD : WORD(GEN_OF(w) + 1u, SHMPRIM_SLOT_FREE, 0);
		} else {
			if (k == ndead)
				continue;
			if (KIND_OF(w) == SHMPRIM_SLOT_IN_FLIGHT && !(flags & SHMPRIM_RECLAIM_IN_FLIGHT))
				continue;
			kind = &r->allocated;
			if (per)
				mine = KIND_OF(w) == SHMPRIM_SLOT_IN_FLIGHT ? &per[k].in_flight : &per[k].allocated;
			to = WORD(GEN_OF(w), SHMPRIM_SLOT_FREE, 0);
		}
		/* Lost the CAS: a live process moved the slot on; it is not orphaned. */
		if (!sp_cas_u64(&m->state_gen, &w, to, SP_ACQ_REL, SP_RELAXED) || /* R4: pairs with A3, F1, F3 */
		    to == RETIRED_WORD)
			continue;
		chain_append(slab, &first, &last, i);
		(*kind)++;
		if (mine)
			(*mine)++;
		r->reclaimed++;
	}
	r->corrupt += corrupt;

	/* 5: splice the chain back (its slots are private until this CAS) */
	if (first != SHMPRIM_SLAB_END) {
		old = sp_load_relaxed_u64(free_head); /* R5: the CAS checks it */
		for (tries = 0;; tries++) {
			uint32_t tag = slab_next_tag(old);

			SHMPRIM_LOOP_TICK();
			/* The chain stays off the list, unmarked for the next
			 * reclaim, which takes its slots back as orphans. */
			if (tries == SLAB_RETRY_BOUND)
				return SHMPRIM_ERR_CONTENDED;
			slab_store_link(&slab->meta[last], HEAD_INDEX(old));
			/* R5: pairs with A1, A2 */
			if (sp_cas_u64(free_head, &old, HEAD(tag, first), SP_RELEASE, SP_RELAXED))
				break;
		}
	}
	return corrupt ? SHMPRIM_ERR_CORRUPT : SHMPRIM_OK;
}

shmprim_status shmprim_slab_raw_reclaim(shmprim_slab_raw *slab, uint32_t dead, uint32_t flags,
                                        shmprim_reclaim_report *out)
{
	shmprim_reclaim_report r;
	shmprim_liveness life;
	shmprim_status st;
	uint32_t *lock, me, from;

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
	if (!lock_take(lock, me, dead, NULL, NULL, &from, &life))
		return SHMPRIM_ERR_CONTENDED;
	st = reclaim_locked(slab, &dead, 1, flags, &r, NULL);
	lock_drop(lock, me);
	if (out)
		*out = r;
	return st;
}

/* ---- owner tables: the smallest ids above a floor, with what each holds ---- */

typedef struct owner_table {
	uint32_t cap, len;
	uint32_t ids[SHMPRIM_SLAB_OWNERS_PER_PASS];           /* sorted */
	shmprim_slab_owner_slots held[SHMPRIM_SLAB_OWNERS_PER_PASS]; /* held[k] for ids[k] */
	uint32_t slots_beyond; /* slots of ids that did not fit (or were pushed out) */
} owner_table;

static uint32_t held_total(const shmprim_slab_owner_slots *h)
{
	return h->allocated + h->in_flight + h->freeing;
}

/* Counts one slot of owner id in the given state (a slot kind, or 3 for FREEING). */
static void owner_table_add(owner_table *t, uint32_t id, uint32_t state)
{
	uint32_t k = owner_find(t->ids, t->len, id), j;
	shmprim_slab_owner_slots *h;

	if (k == t->len) {
		/* not there: keep the cap smallest ids, pushing the largest out */
		if (t->len == t->cap && id > t->ids[t->len - 1]) {
			t->slots_beyond++;
			return;
		}
		if (t->len == t->cap)
			t->slots_beyond += held_total(&t->held[--t->len]);
		for (k = t->len; k > 0 && t->ids[k - 1] > id; k--)
			;
		for (j = t->len; j > k; j--) {
			t->ids[j] = t->ids[j - 1];
			t->held[j] = t->held[j - 1];
		}
		t->ids[k] = id;
		memset(&t->held[k], 0, sizeof(t->held[k]));
		t->held[k].owner = id;
		t->len++;
	}
	h = &t->held[k];
	if (state == SHMPRIM_SLOT_ALLOCATED)
		h->allocated++;
	else if (state == SHMPRIM_SLOT_IN_FLIGHT)
		h->in_flight++;
	else
		h->freeing++;
}

/* One scan of the states (Q4): the owners above floor, their slots; *anon the
 * anonymous slots (may be NULL). An owner's slots: ALLOCATED, FREE|FREEING,
 * IN_FLIGHT when in_flight. */
static void owner_scan(shmprim_slab_raw *slab, owner_table *t, uint32_t cap, uint32_t floor, int in_flight,
                       uint32_t *anon)
{
	uint32_t i;

	t->cap = cap;
	t->len = 0;
	t->slots_beyond = 0;
	for (i = 0; i < slab->slot_count; i++) {
		uint64_t w = sp_load_acquire_u64(&slab->meta[i].state_gen); /* Q4: as Q1 */
		uint32_t state, owner = OWNER_OF(w);

		SHMPRIM_LOOP_TICK();
		if (!slab_word_valid(w))
			continue;
		state = KIND_OF(w);
		if (state == SHMPRIM_SLOT_FREE) {
			if (!IS_FREEING(w))
				continue;
			state = 3u;
		} else if (state == SHMPRIM_SLOT_IN_FLIGHT && !in_flight) {
			continue;
		}
		if (owner == 0) {
			if (anon)
				(*anon)++;
			continue;
		}
		if (owner > floor)
			owner_table_add(t, owner, state);
	}
}

shmprim_status shmprim_slabcore_reclaim_dead(shmprim_slab_raw *slab, uint32_t flags,
                                             shmprim_slab_liveness_fn liveness, void *arg,
                                             shmprim_slab_dead_report *out)
{
	shmprim_slab_dead_report r;
	owner_table t;
	uint32_t dead[SHMPRIM_SLAB_OWNERS_PER_PASS];
	shmprim_slab_owner_slots got[SHMPRIM_SLAB_OWNERS_PER_PASS];
	shmprim_liveness holder_life;
	shmprim_status result = SHMPRIM_OK;
	uint32_t *lock, me, floor = 0, ndead, k;
	unsigned long pass, passes;

	memset(&r, 0, sizeof(r));
	if (out)
		*out = r;
	if (!slab || !liveness)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	me = slab->owner_id;
	if (me == 0)
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	lock = &slab->header->reclaim_lock;
	if (!lock_take(lock, me, 0, liveness, arg, &r.lock_taken_from, &holder_life))
		return SHMPRIM_ERR_CONTENDED;

	passes = SHMPRIM_SLAB_RECLAIM_DEAD_PASSES(slab->slot_count);
	for (pass = 0; pass < passes; pass++) {
		shmprim_status st;

		owner_scan(slab, &t, SHMPRIM_SLAB_OWNERS_PER_PASS, floor, (flags & SHMPRIM_RECLAIM_IN_FLIGHT) != 0,
		           NULL);
		ndead = 0;
		for (k = 0; k < t.len; k++) {
			uint32_t id = t.ids[k];
			/* The lock's dead holder was asked already: once per owner. */
			shmprim_liveness life = id == me ? SHMPRIM_ALIVE
			                      : id == r.lock_taken_from ? holder_life
			                      : liveness(id, arg);

			if (life == SHMPRIM_DEAD)
				dead[ndead++] = id; /* still sorted */
			else
				r.owners_alive++;
		}
		if (ndead > 0 || pass == 0) {
			memset(got, 0, sizeof(got));
			st = reclaim_locked(slab, dead, ndead, flags, &r.total, got);
			if (st != SHMPRIM_OK && result != SHMPRIM_ERR_CONTENDED)
				result = st; /* CONTENDED (call again) outranks CORRUPT */
			for (k = 0; k < ndead; k++) {
				if (r.dead_listed < SHMPRIM_SLAB_REPORT_OWNERS) {
					shmprim_slab_dead_owner *d = &r.dead[r.dead_listed++];

					d->slots = got[k];
					d->slots.owner = dead[k];
					d->status = st;
				} else {
					r.dead_unlisted++;
				}
			}
			r.owners_dead += ndead;
		}
		if (t.slots_beyond == 0)
			break; /* every owner above floor was in this pass */
		floor = t.ids[t.len - 1];
		if (pass + 1 == passes)
			result = SHMPRIM_ERR_CONTENDED; /* owners appearing faster than the passes end */
	}
	lock_drop(lock, me);
	if (out)
		*out = r;
	return result;
}

void shmprim_slab_raw_audit_owners(shmprim_slab_raw *slab, shmprim_slab_owner_audit *out)
{
	owner_table t;
	shmprim_slab_owner_audit r;
	uint32_t k;

	memset(&r, 0, sizeof(r));
	owner_scan(slab, &t, SHMPRIM_SLAB_REPORT_OWNERS, 0, 1, &r.anonymous);
	r.owners_listed = t.len;
	r.slots_unlisted = t.slots_beyond;
	for (k = 0; k < t.len; k++)
		r.owner[k] = t.held[k];
	*out = r;
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
