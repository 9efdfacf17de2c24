/*
 * The Treiber slab algorithm (layout in include/shmprim/layout.h).
 *
 * free_head = tag << 32 | index. Every successful push or pop installs tag+1,
 * so a CAS that read the head before other pops/pushes fails even when the
 * same index is back on top (ABA).
 *
 * pop (try_alloc):                            push (free paths):
 *   old = load_acquire(free_head)       (A1)    old = load_relaxed(free_head)
 *   next = load_relaxed(meta[i].next)           store_relaxed(meta[i].next, old.index)
 *   m = load_relaxed(meta[i].reclaim_mark)      store_relaxed(meta[i].free_tag, tag+1)
 *   CAS(free_head, old -> {next, tag+1},        CAS(free_head, old -> {i, tag+1},
 *       acquire, acquire)               (A2)        release, relaxed)        (F2)
 *   w = load_acquire(meta[i].state_gen)
 *   if reclaim_mark still m:
 *     state_gen CAS w (FREE) -> ALLOCATED|me, gen+1 (A3)
 * F2 -> A1/A2 makes the pusher's link store (and everything it did to the slot
 * before freeing it) visible to the popper; a later pusher's CAS continues the
 * release sequence. A popper may read a link that is being rewritten, but then
 * the head's tag has moved and its CAS fails, so the stale link is never used.
 *
 * Slot transitions are one CAS on state_gen (acq_rel) taking (generation,
 * state, owner) together: a handle whose generation is stale can never win
 * against the slot's current owner, a double free finds the state already
 * FREE, and the owner is recorded by the very step that takes the slot (A3)
 * or gives it back (the free's CAS to FREE|FREEING|me).
 *
 * Crash windows, and what reclaim (bottom of this file) does about them:
 *   A2..A3     FREE, off the list, not pushed since the reclaim began: an
 *              orphan, taken back by any reclaim. It writes a new mark before
 *              its CAS, so a live popper that was merely slow sees the mark
 *              change (or loses the CAS) and starts over; the popper writes
 *              nothing to the slot before A3.
 *   after A3   ALLOCATED|owner: taken back by reclaim(owner).
 *   free       ALLOCATED/IN_FLIGHT -> FREE|FREEING|me, push, -> FREE (finish,
 *              a CAS that fails harmlessly if the slot was popped meanwhile).
 *              While FREEING is set the slot is the freer's: reclaim(freer)
 *              finishes the free, everyone else leaves it alone.
 *
 * Per-handle cache (set_cache; off by default). A cached slot is a free in
 * progress that is never pushed: the free's CAS to FREE|FREEING|me, then the
 * (index, generation) goes into the handle's private array. Every reclaim but
 * reclaim(me) leaves such a slot alone (busy); reclaim(me) finds it FREEING,
 * off the list and not pushed since its detach, and takes it, as it does for a
 * free that died before its push. The cache hands it out with one CAS
 *   C1: FREE|FREEING|me gen g -> ALLOCATED|me gen g+1 (acq_rel)
 * which also orders the previous owner's writes (its free's CAS released them)
 * before the new owner's. It gives it back to the list with
 *   C2: FREE|FREEING|me gen g -> FREE|FREEING|me gen g+1 (acq_rel), push, finish
 * C2 steps the generation so that a copy of the handle (struct copy, fork)
 * still holding (index, g) fails C1 or C2 on it instead of allocating a slot
 * that is on the list, or pushing one that is allocated; whoever loses a C1
 * or C2 drops the entry. Between C2 and the push the slot is FREEING|me as
 * in any free, so the crash windows are the ones above.
 *
 * Hostile peer: indices read from shared memory are range-checked before use,
 * every retry loop is bounded, geometry comes from the private handle.
 */
#include <string.h>

#include <shmprim/slab.h>

#include "../backends/shmprim_atomic.h"
#include "checksum.h"
#include "mutation.h"
#include "placement.h"
#include "test_hooks.h"

#ifdef SHMPRIM_COUNT_LOOPS
__thread unsigned long shmprim_loop_count;
#endif
#ifdef SHMPRIM_TEST_HOOKS
void (*volatile shmprim_window_hook)(int window);
#endif

/* CAS retries before giving up with CONTENDED: far above what real contention
 * needs, low enough that a peer rewriting the head forever cannot hang us. */
#define SLAB_RETRY_LIMIT SHMPRIM_SLAB_RETRY_LIMIT
/* Times A3 re-reads a popped slot whose word changed legitimately (its freer
 * finishing, FREE|FREEING -> FREE) before calling it corrupt. */
#define SLAB_A3_TRIES 4u

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
#define STATE_GEN(gen, state) WORD(gen, state, 0)
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
static int word_valid(uint64_t w)
{
	uint32_t kind = KIND_OF(w);

	if (kind == SHMPRIM_SLOT_FREE)
		return 1;
	return (kind == SHMPRIM_SLOT_ALLOCATED || kind == SHMPRIM_SLOT_IN_FLIGHT) && !IS_FREEING(w);
}

/* The state a refusal reports: the kind, or the raw value if it is no state. */
static uint32_t reported_state(uint64_t w)
{
	return word_valid(w) ? KIND_OF(w) : STATE_OF(w);
}

static int slot_count_ok(uint32_t n)
{
	return n != 0 && n <= SHMPRIM_SLAB_MAX_SLOTS;
}

static int slot_size_ok(uint32_t n)
{
	return n != 0 && n <= SHMPRIM_SLAB_MAX_SLOT_SIZE;
}

static uint32_t data_stride_of(uint32_t slot_size)
{
	return (slot_size + (SHMPRIM_SLOT_ALIGN - 1)) & ~(SHMPRIM_SLOT_ALIGN - 1);
}

size_t shmprim_slab_meta_size(uint32_t slot_count)
{
	uint64_t n;

	if (!slot_count_ok(slot_count))
		return 0;
	n = (uint64_t)slot_count * SHMPRIM_SLAB_META_STRIDE;
	return n > (uint64_t)SIZE_MAX / 4 ? 0 : (size_t)n;
}

size_t shmprim_slab_data_size(uint32_t slot_count, uint32_t slot_size)
{
	uint64_t n;

	if (!slot_count_ok(slot_count) || !slot_size_ok(slot_size))
		return 0;
	n = (uint64_t)slot_count * data_stride_of(slot_size);
	return n > (uint64_t)SIZE_MAX / 4 ? 0 : (size_t)n;
}

size_t shmprim_slab_required_size(uint32_t slot_count, uint32_t slot_size)
{
	size_t meta = shmprim_slab_meta_size(slot_count);
	size_t data = shmprim_slab_data_size(slot_count, slot_size);

	/* each term is at most SIZE_MAX / 4, so the sum cannot wrap */
	return (meta && data) ? SHMPRIM_SLAB_HEADER_SIZE + meta + data : 0;
}

static shmprim_status check_geometry_args(uint32_t slot_count, uint32_t slot_size)
{
	if (!slot_count_ok(slot_count))
		return SHMPRIM_ERR_BAD_SLOT_COUNT;
	if (!slot_size_ok(slot_size))
		return SHMPRIM_ERR_BAD_SLOT_SIZE;
	if (!shmprim_slab_required_size(slot_count, slot_size))
		return SHMPRIM_ERR_REGION_TOO_SMALL;
	return SHMPRIM_OK;
}

static void fill_handle(shmprim_slab_raw *slab, void *header, void *meta, void *data, uint32_t slot_count,
                        uint32_t slot_size)
{
	slab->header = (shmprim_slab_header *)header;
	slab->meta = (shmprim_slab_meta *)meta;
	slab->data = (unsigned char *)data;
	slab->slot_count = slot_count;
	slab->slot_size = slot_size;
	slab->data_stride = data_stride_of(slot_size);
	slab->owner_id = 0;
	slab->cache_size = 0;
	slab->cache_len = 0;
	slab->cache_returned = 0;
}

shmprim_status shmprim_slab_raw_init(shmprim_slab_raw *slab, void *header, void *meta, size_t meta_len, void *data,
                                     size_t data_len, uint32_t slot_count, uint32_t slot_size)
{
	shmprim_slab_header *h = (shmprim_slab_header *)header;
	shmprim_slab_meta *m = (shmprim_slab_meta *)meta;
	shmprim_status st;
	uint32_t i;

	if (!slab || !header || !meta || !data)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!shmprim_is_aligned(header, SHMPRIM_ALIGN) || !shmprim_is_aligned(meta, SHMPRIM_ALIGN) ||
	    !shmprim_is_aligned(data, SHMPRIM_SLOT_ALIGN))
		return SHMPRIM_ERR_MISALIGNED;
	st = check_geometry_args(slot_count, slot_size);
	if (st != SHMPRIM_OK)
		return st;
	if (meta_len < shmprim_slab_meta_size(slot_count) || data_len < shmprim_slab_data_size(slot_count, slot_size))
		return SHMPRIM_ERR_REGION_TOO_SMALL;

	memset(h, 0, sizeof(*h));
	h->version = SHMPRIM_LAYOUT_VERSION;
	h->slot_count = slot_count;
	h->slot_size = slot_size;
	h->data_stride = data_stride_of(slot_size);
	h->meta_stride = SHMPRIM_SLAB_META_STRIDE;
	h->meta_bytes = shmprim_slab_meta_size(slot_count);
	h->data_bytes = shmprim_slab_data_size(slot_count, slot_size);
	h->header_size = SHMPRIM_SLAB_HEADER_SIZE;
	h->magic = SHMPRIM_SLAB_MAGIC;
	h->checksum = shmprim_fnv1a(h, SHMPRIM_SLAB_CHECKSUM_SPAN);
	h->magic = 0;
	memset(m, 0, shmprim_slab_meta_size(slot_count));
	for (i = 0; i < slot_count; i++)
		m[i].next_free = i + 1 < slot_count ? i + 1 : SHMPRIM_SLAB_END;
	h->free_head = HEAD(0, 0);
	sp_store_release_u32(&h->magic, SHMPRIM_SLAB_MAGIC);
	fill_handle(slab, header, meta, data, slot_count, slot_size);
	return SHMPRIM_OK;
}

static shmprim_status validate_header(const shmprim_slab_header *local)
{
	if (local->magic != SHMPRIM_SLAB_MAGIC)
		return local->magic == shmprim_bswap32(SHMPRIM_SLAB_MAGIC) ? SHMPRIM_ERR_WRONG_ENDIAN
		                                                          : SHMPRIM_ERR_BAD_MAGIC;
	if (local->version != SHMPRIM_LAYOUT_VERSION)
		return SHMPRIM_ERR_BAD_VERSION;
	if (!slot_count_ok(local->slot_count))
		return SHMPRIM_ERR_BAD_SLOT_COUNT;
	if (!slot_size_ok(local->slot_size))
		return SHMPRIM_ERR_BAD_SLOT_SIZE;
	if (local->data_stride != data_stride_of(local->slot_size) || local->meta_stride != SHMPRIM_SLAB_META_STRIDE ||
	    local->meta_bytes != (uint64_t)local->slot_count * SHMPRIM_SLAB_META_STRIDE ||
	    local->data_bytes != (uint64_t)local->slot_count * local->data_stride ||
	    local->header_size != SHMPRIM_SLAB_HEADER_SIZE || local->flags != 0 || local->reserved_a != 0 ||
	    !shmprim_all_zero(local->reserved0, sizeof(local->reserved0)))
		return SHMPRIM_ERR_BAD_GEOMETRY;
	if (local->checksum != shmprim_fnv1a(local, SHMPRIM_SLAB_CHECKSUM_SPAN))
		return SHMPRIM_ERR_BAD_CHECKSUM;
	return SHMPRIM_OK;
}

/* An expectation some valid slab can meet. */
static shmprim_status check_expect(const shmprim_slab_expect *expect)
{
	if (!slot_size_ok(expect->slot_size))
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	if (expect->min_slot_count != 0 && expect->max_slot_count != 0 &&
	    expect->min_slot_count > expect->max_slot_count)
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	return SHMPRIM_OK;
}

static int geometry_expected(const shmprim_slab_header *local, const shmprim_slab_expect *expect)
{
	return local->slot_size == expect->slot_size &&
	       (expect->min_slot_count == 0 || local->slot_count >= expect->min_slot_count) &&
	       (expect->max_slot_count == 0 || local->slot_count <= expect->max_slot_count);
}

/* expect may be NULL (the plain attach); too_big as in src/spsc.c. */
static shmprim_status attach_checked(shmprim_slab_raw *slab, void *header, void *meta, size_t meta_len, void *data,
                                     size_t data_len, const shmprim_slab_expect *expect, shmprim_status too_big)
{
	shmprim_slab_header *h = (shmprim_slab_header *)header;
	shmprim_slab_header local;
	shmprim_status st;
	uint64_t head;

	if (!slab || !header || !meta || !data)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!shmprim_is_aligned(header, SHMPRIM_ALIGN) || !shmprim_is_aligned(meta, SHMPRIM_ALIGN) ||
	    !shmprim_is_aligned(data, SHMPRIM_SLOT_ALIGN))
		return SHMPRIM_ERR_MISALIGNED;
	local.magic = sp_load_acquire_u32(&h->magic);
	memcpy((unsigned char *)&local + sizeof(local.magic), (const unsigned char *)h + sizeof(local.magic),
	       offsetof(shmprim_slab_header, free_head) - sizeof(local.magic));
	st = validate_header(&local);
	if (st != SHMPRIM_OK)
		return st;
	if (expect && !geometry_expected(&local, expect))
		return SHMPRIM_ERR_UNEXPECTED_GEOMETRY;
	if (local.meta_bytes > (uint64_t)meta_len || local.data_bytes > (uint64_t)data_len)
		return too_big;
	head = sp_load_acquire_u64(&h->free_head);
	if (HEAD_INDEX(head) != SHMPRIM_SLAB_END && HEAD_INDEX(head) >= local.slot_count)
		return SHMPRIM_ERR_CORRUPT;
	fill_handle(slab, header, meta, data, local.slot_count, local.slot_size);
	return SHMPRIM_OK;
}

shmprim_status shmprim_slab_raw_attach(shmprim_slab_raw *slab, void *header, void *meta, size_t meta_len,
                                       void *data, size_t data_len)
{
	return attach_checked(slab, header, meta, meta_len, data, data_len, NULL, SHMPRIM_ERR_REGION_TOO_SMALL);
}

shmprim_status shmprim_slab_raw_attach_expect(shmprim_slab_raw *slab, void *header, void *meta, size_t meta_len,
                                              void *data, size_t data_len, const shmprim_slab_expect *expect)
{
	shmprim_status st;

	if (!expect)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = check_expect(expect);
	if (st != SHMPRIM_OK)
		return st;
	return attach_checked(slab, header, meta, meta_len, data, data_len, expect, SHMPRIM_ERR_REGION_TOO_SMALL);
}

static inline uint32_t load_link(shmprim_slab_meta *m)
{
	if (SLAB_LINK_PLAIN) {
		sp_plain_read(&m->next_free, sizeof(m->next_free));
		return *(volatile uint32_t *)&m->next_free;
	}
	return sp_load_relaxed_u32(&m->next_free);
}

static inline void store_link(shmprim_slab_meta *m, uint32_t next)
{
	if (SLAB_LINK_PLAIN) {
		sp_plain_write(&m->next_free, sizeof(m->next_free));
		*(volatile uint32_t *)&m->next_free = next;
		return;
	}
	sp_store_relaxed_u32(&m->next_free, next);
}

/* C1: the newest cached slot that is still ours (see the top of this file).
 * A failed CAS means a copy of this handle, or a reclaim, took the slot: the
 * entry is dropped and the next one tried. */
static int cache_take(shmprim_slab_raw *slab, shmprim_slot_handle *out)
{
	while (slab->cache_len != 0) {
		shmprim_slot_handle c = slab->cache[--slab->cache_len];
		uint64_t *word = &slab->meta[c.index].state_gen;
		uint64_t w = FREEING_WORD(c.generation, slab->owner_id);
		uint64_t to = WORD(c.generation + SLAB_GEN_STEP, SHMPRIM_SLOT_ALLOCATED, slab->owner_id);

		SHMPRIM_LOOP_TICK();
		if (GEN_RETIRES(c.generation)) {
			/* its last generation has been handed out: retire, try the next */
			sp_cas_u64(word, &w, RETIRED_WORD, SLAB_STATE_ORDER, SP_RELAXED);
			continue;
		}
		if (SLAB_CACHE_TAKE_BY_STORE) {
			if (SLAB_STATE_LOAD(word) != w)
				continue;
			sp_store_release_u64(word, to);
		} else if (!sp_cas_u64(word, &w, to, SLAB_STATE_ORDER, SP_RELAXED)) {
			continue;
		}
		out->index = c.index;
		out->generation = c.generation + SLAB_GEN_STEP;
		return 1;
	}
	return 0;
}

shmprim_alloc_result shmprim_slab_raw_try_alloc(shmprim_slab_raw *slab, shmprim_slot_handle *out)
{
	uint64_t *free_head = &slab->header->free_head;
	uint64_t old;
	uint32_t tries, k, index = 0;
	uint64_t w = 0;

	if (slab->cache_len != 0 && cache_take(slab, out))
		return SHMPRIM_ALLOC_OK;
	old = SLAB_POP_LOAD(free_head);                                      /* A1 */

	for (tries = 0;; tries++) {
		shmprim_slab_meta *m;
		uint32_t next, mark;

		SHMPRIM_LOOP_TICK();
		if (SLAB_POP_BOUNDED && tries == SLAB_RETRY_LIMIT)
			return SHMPRIM_ALLOC_CONTENDED;
		index = HEAD_INDEX(old);
		if (index == SHMPRIM_SLAB_END)
			return SHMPRIM_ALLOC_WOULD_BLOCK;
		if (index >= slab->slot_count)
			return SHMPRIM_ALLOC_CORRUPT;
		m = &slab->meta[index];
		next = load_link(m);
		if (next != SHMPRIM_SLAB_END && next >= slab->slot_count) {
			/* Either a racing pop/push rewrote the link (the head moved) or
			 * the list is corrupt (it did not). */
			uint64_t again = SLAB_POP_LOAD(free_head);

			if (again == old)
				return SHMPRIM_ALLOC_CORRUPT;
			old = again;
			continue;
		}
		/* Only a reclaim writes the mark: a new one before it takes a slot
		 * that was popped but never allocated. */
		mark = sp_load_relaxed_u32(&m->reclaim_mark);
		SHMPRIM_WINDOW(SHMPRIM_WINDOW_POP_TRY);
		if (!sp_cas_weak_u64(free_head, &old, HEAD(SLAB_NEXT_TAG(HEAD_TAG(old)), next), SLAB_POP_ORDER,
		                     SLAB_POP_ORDER))                               /* A2 */
			continue;

		/* Off the list, and nothing written yet: a crash here leaves an
		 * orphan any reclaim takes back. */
		SHMPRIM_WINDOW(SHMPRIM_WINDOW_POPPED);
		w = SLAB_STATE_LOAD(&m->state_gen);
		for (k = 0; k < SLAB_A3_TRIES; k++) {
			int retire;

			/* Read after the state (acquire), which a reclaim changes only
			 * after writing its mark: a changed mark means it took the slot. */
			if (sp_load_relaxed_u32(&m->reclaim_mark) != mark)
				break;
			if (KIND_OF(w) != SHMPRIM_SLOT_FREE)
				return SHMPRIM_ALLOC_CORRUPT;
			/* Owner and state in one step (A3), or the slot retired if its
			 * last generation is spent; a failure reloads w, with acquire so
			 * that the mark read above sees a reclaim's. */
			retire = GEN_RETIRES(GEN_OF(w));
			if (sp_cas_u64(&m->state_gen, &w,
			               retire ? RETIRED_WORD
			                      : WORD(GEN_OF(w) + SLAB_GEN_STEP, SHMPRIM_SLOT_ALLOCATED, slab->owner_id),
			               SLAB_STATE_ORDER, SLAB_STATE_ORDER == SP_RELAXED ? SP_RELAXED : SP_ACQUIRE)) {
				if (retire)
					break; /* off the list for good: pop the next */
				out->index = index;
				out->generation = GEN_OF(w) + SLAB_GEN_STEP;
				return SHMPRIM_ALLOC_OK;
			}
		}
		if (k == SLAB_A3_TRIES)
			return SHMPRIM_ALLOC_CORRUPT; /* a peer keeps rewriting a slot only we may touch */
		old = SLAB_POP_LOAD(free_head);          /* a reclaim took it, or it retired: start over */
	}
}

/* budget: CAS attempts left to this call for all its pushes together (a free
 * with a full cache, a flush: up to SHMPRIM_SLAB_CACHE_MAX + 1 pushes), so
 * the call's bound does not grow with the cache (slab.h, "Bounds"). */
static shmprim_status push_free(shmprim_slab_raw *slab, uint32_t index, uint32_t *budget)
{
	uint64_t *free_head = &slab->header->free_head;
	uint64_t old = sp_load_relaxed_u64(free_head);

	while (*budget != 0 || !SLAB_PUSH_BOUNDED) {
		uint32_t tag = SLAB_NEXT_TAG(HEAD_TAG(old));

		*budget -= *budget != 0;
		SHMPRIM_LOOP_TICK();
		SHMPRIM_WINDOW(SHMPRIM_WINDOW_PUSH_TRY);
		store_link(&slab->meta[index], HEAD_INDEX(old));
		sp_store_relaxed_u32(&slab->meta[index].free_tag, tag);
		if (sp_cas_weak_u64(free_head, &old, HEAD(tag, index), SLAB_PUSH_ORDER, SP_RELAXED)) /* F2 */
			return SHMPRIM_OK;
	}
	return SHMPRIM_ERR_CONTENDED;
}

static shmprim_status report(shmprim_slot_error *err, shmprim_status code, uint32_t expected, uint32_t actual)
{
	if (err) {
		err->code = code;
		err->expected = expected;
		err->actual = actual;
	}
	return code;
}

/* Moves h's slot from state `from` to `to` if h is still its current handle:
 * to ALLOCATED/IN_FLIGHT keeping the recorded owner, or (freeing) to
 * FREE|FREEING with the caller as owner, in the same CAS. */
static shmprim_status transition(shmprim_slab_raw *slab, shmprim_slot_handle h, uint32_t from, uint32_t to,
                                 int freeing, shmprim_slot_error *err, uint64_t *was)
{
	uint64_t *word;
	uint64_t w;
	uint32_t tries;

	if (h.index >= slab->slot_count)
		return report(err, SHMPRIM_ERR_INVALID_INDEX, slab->slot_count, h.index);
	word = &slab->meta[h.index].state_gen;
	w = SLAB_STATE_LOAD(word);
	for (tries = 0; tries < SLAB_RETRY_LIMIT; tries++) {
		uint64_t next;

		SHMPRIM_LOOP_TICK();
		if (GEN_OF(w) != h.generation || h.generation > SHMPRIM_SLAB_GEN_LAST)
			return report(err, SHMPRIM_ERR_GENERATION_MISMATCH, h.generation, GEN_OF(w));
		if (!word_valid(w) || KIND_OF(w) != from)
			return report(err, SHMPRIM_ERR_INVALID_STATE, from, reported_state(w));
		next = freeing ? FREEING_WORD(h.generation, slab->owner_id) : WORD(h.generation, to, OWNER_OF(w));
		if (was)
			*was = w;
		if (SLAB_STATE_CHECK_THEN_STORE) {
			sp_store_release_u64(word, next);
			return report(err, SHMPRIM_OK, 0, 0);
		}
		/* On failure w is reloaded and re-checked: the only legitimate
		 * reasons are another holder of the same handle racing us, and an
		 * adopt() changing the owner of an in-flight slot. */
		if (sp_cas_u64(word, &w, next, SLAB_STATE_ORDER, SP_RELAXED))
			return report(err, SHMPRIM_OK, 0, 0);
	}
	return report(err, SHMPRIM_ERR_CONTENDED, 0, 0);
}

shmprim_status shmprim_slab_raw_mark_in_flight(shmprim_slab_raw *slab, shmprim_slot_handle h,
                                               shmprim_slot_error *err)
{
	return transition(slab, h, SHMPRIM_SLOT_ALLOCATED, SHMPRIM_SLOT_IN_FLIGHT, 0, err, NULL);
}

/* Pushes a slot this handle is freeing (FREE|FREEING|me, generation gen) and
 * finishes the free. On CONTENDED the slot stays FREE|FREEING off the list: a
 * reclaim of this owner finishes the free. */
static shmprim_status push_and_finish(shmprim_slab_raw *slab, uint32_t index, uint32_t gen, uint32_t *budget)
{
	shmprim_status st = push_free(slab, index, budget);
	uint64_t freeing;

	if (st == SHMPRIM_OK) {
		SHMPRIM_WINDOW(SHMPRIM_WINDOW_PUSHED);
		/* On the list: finish, so the slot is nobody's. Release, so that a
		 * reclaim that sees the finished word also sees this push's
		 * free_tag. Fails harmlessly if the slot was popped meanwhile. */
		freeing = FREEING_WORD(gen, slab->owner_id);
		sp_cas_u64(&slab->meta[index].state_gen, &freeing, WORD(gen, SHMPRIM_SLOT_FREE, 0), SLAB_PUSH_ORDER,
		           SP_RELAXED);
	}
	return st;
}

/* C2 (see the top of this file), then push and finish. A failed C2 means the
 * slot is no longer ours to give back: the entry is dropped (OK). On
 * CONTENDED the slot stays claimed and cached, *c naming its new generation. */
static shmprim_status cache_return(shmprim_slab_raw *slab, shmprim_slot_handle *c, uint32_t *budget)
{
	uint64_t *word = &slab->meta[c->index].state_gen;
	uint64_t w = FREEING_WORD(c->generation, slab->owner_id);
	uint32_t gen = c->generation + 1u;

	if (SLAB_CACHE_RETURN_UNCLAIMED) {
		if (SLAB_STATE_LOAD(word) != w)
			return SHMPRIM_OK;
		gen = c->generation;
	} else if (!sp_cas_u64(word, &w, FREEING_WORD(gen, slab->owner_id), SLAB_STATE_ORDER, SP_RELAXED)) {
		return SHMPRIM_OK;
	}
	slab->cache_returned++;
	c->generation = gen;
	SHMPRIM_WINDOW(SHMPRIM_WINDOW_FREED);
	return push_and_finish(slab, c->index, gen, budget);
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

/* Keeps a slot just moved to FREE|FREEING|me; a full cache first gives back
 * its older half. 0 if there is still no room (the give-back hit the retry
 * bound): the caller then pushes the slot itself. */
static int cache_put(shmprim_slab_raw *slab, shmprim_slot_handle h, uint32_t *budget)
{
	if (slab->cache_len >= slab->cache_size)
		(void)cache_give_back(slab, slab->cache_len - slab->cache_size / 2, budget);
	if (slab->cache_len >= slab->cache_size)
		return 0;
	slab->cache[slab->cache_len++] = h;
	return 1;
}

/* A free whose push hit the retry bound: the slot is FREE|FREEING|me, off the
 * list, where a second free would find it FREE (INVALID_STATE) and only a
 * reclaim of this (live) owner could take it. Put the word back as it was
 * before the free, so that CONTENDED means what it says (no effect, retry
 * with the same handle). Nobody else may change the word meanwhile except
 * a reclaim of this owner, which finishes the free itself: if the CAS
 * loses to it, the free is done. */
static shmprim_status undo_free(shmprim_slab_raw *slab, shmprim_slot_handle h, uint64_t was)
{
	uint64_t freeing = FREEING_WORD(h.generation, slab->owner_id);

	if (sp_cas_u64(&slab->meta[h.index].state_gen, &freeing, was, SLAB_STATE_ORDER, SP_RELAXED))
		return SHMPRIM_ERR_CONTENDED;
	return SHMPRIM_OK;
}

static shmprim_status release_slot(shmprim_slab_raw *slab, shmprim_slot_handle h, uint32_t from,
                                   shmprim_slot_error *err)
{
	uint64_t was = 0;
	uint32_t budget = SLAB_RETRY_LIMIT;
	shmprim_status st = transition(slab, h, from, SHMPRIM_SLOT_FREE, 1, err, &was);

	if (st != SHMPRIM_OK)
		return st;
	SHMPRIM_WINDOW(SHMPRIM_WINDOW_FREED);
	if (slab->cache_size != 0 && cache_put(slab, h, &budget))
		return report(err, SHMPRIM_OK, 0, 0);
	st = push_and_finish(slab, h.index, h.generation, &budget);
	if (st == SHMPRIM_ERR_CONTENDED)
		st = undo_free(slab, h, was);
	return report(err, st, 0, 0);
}

shmprim_status shmprim_slab_raw_free(shmprim_slab_raw *slab, shmprim_slot_handle h, shmprim_slot_error *err)
{
	return release_slot(slab, h, SHMPRIM_SLOT_IN_FLIGHT, err);
}

shmprim_status shmprim_slab_raw_free_allocated(shmprim_slab_raw *slab, shmprim_slot_handle h,
                                               shmprim_slot_error *err)
{
	return release_slot(slab, h, SHMPRIM_SLOT_ALLOCATED, err);
}

void *shmprim_slab_raw_slot_data(shmprim_slab_raw *slab, shmprim_slot_handle h)
{
	uint64_t w;

	if (h.index >= slab->slot_count)
		return NULL;
	w = sp_load_acquire_u64(&slab->meta[h.index].state_gen);
	if (GEN_OF(w) != h.generation || h.generation > SHMPRIM_SLAB_GEN_LAST || !word_valid(w) ||
	    KIND_OF(w) == SHMPRIM_SLOT_FREE)
		return NULL;
	return slab->data + (size_t)h.index * slab->data_stride;
}

uint32_t shmprim_slab_raw_free_count_approx(shmprim_slab_raw *slab)
{
	uint32_t index = HEAD_INDEX(sp_load_acquire_u64(&slab->header->free_head));
	uint32_t n = 0;

	while (index != SHMPRIM_SLAB_END && index < slab->slot_count && n < slab->slot_count) {
		SHMPRIM_LOOP_TICK();
		n++;
		index = sp_load_relaxed_u32(&slab->meta[index].next_free);
	}
	return n;
}

shmprim_status shmprim_slab_raw_set_owner(shmprim_slab_raw *slab, uint32_t owner_id)
{
	if (!slab)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (owner_id > SHMPRIM_SLAB_OWNER_MAX)
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	if (slab->cache_len != 0) {
		/* cached slots carry the old id: give them back under it */
		uint32_t budget = SLAB_RETRY_LIMIT;
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
		uint32_t budget = SLAB_RETRY_LIMIT;
		shmprim_status st = cache_give_back(slab, slab->cache_len - n, &budget);

		if (st != SHMPRIM_OK)
			return st;
	}
	slab->cache_size = n;
	return SHMPRIM_OK;
}

shmprim_status shmprim_slab_raw_flush_cache(shmprim_slab_raw *slab)
{
	uint32_t budget = SLAB_RETRY_LIMIT;

	if (!slab)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	return cache_give_back(slab, slab->cache_len, &budget);
}

shmprim_status shmprim_slab_raw_adopt(shmprim_slab_raw *slab, shmprim_slot_handle h, shmprim_slot_error *err)
{
	uint64_t *word;
	uint64_t w;
	uint32_t tries;

	if (h.index >= slab->slot_count)
		return report(err, SHMPRIM_ERR_INVALID_INDEX, slab->slot_count, h.index);
	word = &slab->meta[h.index].state_gen;
	w = SLAB_STATE_LOAD(word);
	for (tries = 0; tries < SLAB_RETRY_LIMIT; tries++) {
		SHMPRIM_LOOP_TICK();
		if (GEN_OF(w) != h.generation || h.generation > SHMPRIM_SLAB_GEN_LAST)
			return report(err, SHMPRIM_ERR_GENERATION_MISMATCH, h.generation, GEN_OF(w));
		if (!word_valid(w) || KIND_OF(w) != SHMPRIM_SLOT_IN_FLIGHT)
			return report(err, SHMPRIM_ERR_INVALID_STATE, SHMPRIM_SLOT_IN_FLIGHT, reported_state(w));
		if (sp_cas_u64(word, &w, WORD(h.generation, SHMPRIM_SLOT_IN_FLIGHT, slab->owner_id), SLAB_STATE_ORDER,
		               SP_RELAXED))
			return report(err, SHMPRIM_OK, 0, 0);
	}
	return report(err, SHMPRIM_ERR_CONTENDED, 0, 0);
}

/* ---- reclaim ----
 *
 * 1. Take the reclaim lock (owner id; a dead holder's lock is taken over by
 *    the reclaim of that holder), so one private chain exists at a time.
 * 2. Detach the whole free list with one CAS (head -> END, tag T). Poppers
 *    now see an empty list; pushes start a new list whose tags, after T,
 *    they record in free_tag.
 * 3. Walk the detached chain (private now) marking each slot with T and
 *    finishing frees left FREEING on it; cut it at a bad index, a non-FREE
 *    slot or a cycle (the cut-off slots are then judged by the scan like any
 *    other).
 * 4. Scan every slot once: its state word, then free_tag (a pusher writes it
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
 * 5. Splice the chain onto the live list with one CAS; unlock.
 */

static void chain_append(shmprim_slab_raw *slab, uint32_t *first, uint32_t *last, uint32_t index)
{
	store_link(&slab->meta[index], SHMPRIM_SLAB_END);
	if (*last == SHMPRIM_SLAB_END)
		*first = index;
	else
		store_link(&slab->meta[*last], index);
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
	if (!sp_cas_u32(lock, &held, me, SP_ACQUIRE, SP_RELAXED) &&
	    (held != dead || !sp_cas_u32(lock, &held, me, SP_ACQUIRE, SP_RELAXED)))
		return SHMPRIM_ERR_CONTENDED;

	/* 2: detach */
	old = sp_load_acquire_u64(free_head);
	for (tries = 0;; tries++) {
		SHMPRIM_LOOP_TICK();
		if (tries == SLAB_RETRY_LIMIT) {
			sp_cas_u32(lock, &me, 0, SP_RELEASE, SP_RELAXED);
			return SHMPRIM_ERR_CONTENDED;
		}
		if (sp_cas_weak_u64(free_head, &old, HEAD(SLAB_NEXT_TAG(HEAD_TAG(old)), SHMPRIM_SLAB_END), SP_ACQ_REL,
		                    SP_ACQUIRE))
			break;
	}
	mark = SLAB_NEXT_TAG(HEAD_TAG(old));

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
		if (sp_load_relaxed_u32(&m->reclaim_mark) == mark)
			break;
		{
			uint64_t w = sp_load_acquire_u64(&m->state_gen);

			if (!word_valid(w) || KIND_OF(w) != SHMPRIM_SLOT_FREE)
				break;
			/* Pushed but its free not finished: finish it, so a stale
			 * FREEING never outlives a freer that died (a live one's own
			 * finishing CAS then simply fails). */
			if (IS_FREEING(w))
				sp_cas_u64(&m->state_gen, &w, WORD(GEN_OF(w), SHMPRIM_SLOT_FREE, 0), SP_RELAXED, SP_RELAXED);
		}
		sp_store_relaxed_u32(&m->reclaim_mark, mark);
		last = cur;
		cur = load_link(m);
	}
	if (cur != SHMPRIM_SLAB_END) {
		r.corrupt++;
		if (last == SHMPRIM_SLAB_END)
			first = SHMPRIM_SLAB_END;
		else
			store_link(&slab->meta[last], SHMPRIM_SLAB_END);
	}

	/* 4: scan */
	for (i = 0; i < slab->slot_count; i++) {
		shmprim_slab_meta *m = &slab->meta[i];
		uint64_t w = sp_load_acquire_u64(&m->state_gen);
		uint32_t *kind;
		uint64_t to;

		SHMPRIM_LOOP_TICK();
		if (!word_valid(w)) {
			r.corrupt++;
			continue;
		}
		if (KIND_OF(w) == SHMPRIM_SLOT_FREE) {
			uint32_t tag, now;

			if (sp_load_relaxed_u32(&m->reclaim_mark) == mark)
				continue; /* on the detached list */
			tag = sp_load_relaxed_u32(&m->free_tag);
			now = HEAD_TAG(sp_load_acquire_u64(free_head));
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
			sp_store_relaxed_u32(&m->reclaim_mark, mark);
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
		if (!sp_cas_u64(&m->state_gen, &w, to, SP_ACQ_REL, SP_RELAXED) || to == RETIRED_WORD)
			continue;
		chain_append(slab, &first, &last, i);
		(*kind)++;
		r.reclaimed++;
	}

	/* 5: splice the chain back (its slots are private until this CAS) */
	if (first != SHMPRIM_SLAB_END) {
		old = sp_load_relaxed_u64(free_head);
		for (tries = 0;; tries++) {
			uint32_t tag = SLAB_NEXT_TAG(HEAD_TAG(old));

			SHMPRIM_LOOP_TICK();
			if (tries == SLAB_RETRY_LIMIT) {
				/* The chain stays off the list, unmarked for the next
				 * reclaim, which takes its slots back as orphans. */
				sp_cas_u32(lock, &me, 0, SP_RELEASE, SP_RELAXED);
				if (out)
					*out = r;
				return SHMPRIM_ERR_CONTENDED;
			}
			store_link(&slab->meta[last], HEAD_INDEX(old));
			if (sp_cas_weak_u64(free_head, &old, HEAD(tag, first), SP_RELEASE, SP_RELAXED))
				break;
		}
	}
	sp_cas_u32(lock, &me, 0, SP_RELEASE, SP_RELAXED);
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
	index = HEAD_INDEX(sp_load_acquire_u64(&slab->header->free_head));
	while (index != SHMPRIM_SLAB_END) {
		uint64_t w;

		SHMPRIM_LOOP_TICK();
		if (index >= slab->slot_count || r.on_free_list == slab->slot_count ||
		    (w = sp_load_acquire_u64(&slab->meta[index].state_gen), !word_valid(w)) ||
		    KIND_OF(w) != SHMPRIM_SLOT_FREE) {
			r.list_ok = false; /* bad index, a cycle (more links than slots) or a busy slot */
			break;
		}
		r.on_free_list++;
		freeing_listed += IS_FREEING(w); /* pushed, its free not finished yet */
		index = sp_load_relaxed_u32(&slab->meta[index].next_free);
	}
	for (i = 0; i < slab->slot_count; i++) {
		uint64_t w = sp_load_acquire_u64(&slab->meta[i].state_gen);

		SHMPRIM_LOOP_TICK();
		switch (word_valid(w) ? KIND_OF(w) : 3u) {
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

/* ---- region form: placement, then the raw form ---- */

shmprim_status shmprim_slab_init(shmprim_slab *slab, shmprim_region region, size_t offset, uint32_t slot_count,
                                 uint32_t slot_size)
{
	unsigned char *at;
	shmprim_status st;
	size_t meta, data;

	if (!slab)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = check_geometry_args(slot_count, slot_size);
	if (st != SHMPRIM_OK)
		return st;
	meta = shmprim_slab_meta_size(slot_count);
	data = shmprim_slab_data_size(slot_count, slot_size);
	st = shmprim_place(region, offset, shmprim_slab_required_size(slot_count, slot_size), &at);
	if (st != SHMPRIM_OK)
		return st;
	st = shmprim_slab_raw_init(&slab->raw, at, at + SHMPRIM_SLAB_HEADER_SIZE, meta,
	                           at + SHMPRIM_SLAB_HEADER_SIZE + meta, data, slot_count, slot_size);
	if (st == SHMPRIM_OK) {
		slab->region = region;
		slab->offset = offset;
	}
	return st;
}

/* The region forms' attach: the slab must lie within extent bytes from
 * offset; expect may be NULL. */
static shmprim_status attach_in_region(shmprim_slab *slab, shmprim_region region, size_t offset, size_t extent,
                                       const shmprim_slab_expect *expect, shmprim_status too_big)
{
	unsigned char *at;
	shmprim_status st;
	size_t room;
	uint32_t count;
	size_t meta;

	st = shmprim_place(region, offset, extent, &at);
	if (st != SHMPRIM_OK)
		return st;
	room = extent - SHMPRIM_SLAB_HEADER_SIZE;
	/* Where data starts depends on slot_count: read it once, and let the raw
	 * attach re-validate everything against its own single read. Hostile
	 * values only shift the split of `room`, which raw attach bounds. */
	count = sp_load_relaxed_u32(&((shmprim_slab_header *)at)->slot_count);
	meta = shmprim_slab_meta_size(count);
	if (!meta || meta > room)
		meta = room < SHMPRIM_ALIGN ? 0 : room - room % SHMPRIM_ALIGN;
	st = attach_checked(&slab->raw, at, at + SHMPRIM_SLAB_HEADER_SIZE, meta, at + SHMPRIM_SLAB_HEADER_SIZE + meta,
	                    room - meta, expect, too_big);
	if (st == SHMPRIM_OK && slab->raw.slot_count != count)
		st = SHMPRIM_ERR_CORRUPT; /* the header changed between the two reads */
	if (st == SHMPRIM_OK) {
		slab->region = region;
		slab->offset = offset;
	}
	return st;
}

shmprim_status shmprim_slab_attach(shmprim_slab *slab, shmprim_region region, size_t offset)
{
	unsigned char *at;
	shmprim_status st;

	if (!slab)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = shmprim_place(region, offset, SHMPRIM_SLAB_HEADER_SIZE, &at);
	if (st != SHMPRIM_OK)
		return st;
	return attach_in_region(slab, region, offset, region.len - offset, NULL, SHMPRIM_ERR_REGION_TOO_SMALL);
}

shmprim_status shmprim_slab_attach_expect(shmprim_slab *slab, shmprim_region region, size_t offset, size_t extent,
                                          const shmprim_slab_expect *expect)
{
	shmprim_status st;

	if (!slab || !expect)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = check_expect(expect);
	if (st != SHMPRIM_OK)
		return st;
	if (extent < SHMPRIM_SLAB_HEADER_SIZE)
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	return attach_in_region(slab, region, offset, extent, expect, SHMPRIM_ERR_OVERLAP);
}

shmprim_alloc_result shmprim_slab_try_alloc(shmprim_slab *slab, shmprim_slot_handle *out)
{
	return shmprim_slab_raw_try_alloc(&slab->raw, out);
}

shmprim_status shmprim_slab_mark_in_flight(shmprim_slab *slab, shmprim_slot_handle h)
{
	return shmprim_slab_raw_mark_in_flight(&slab->raw, h, NULL);
}

shmprim_status shmprim_slab_free(shmprim_slab *slab, shmprim_slot_handle h)
{
	return shmprim_slab_raw_free(&slab->raw, h, NULL);
}

shmprim_status shmprim_slab_free_allocated(shmprim_slab *slab, shmprim_slot_handle h)
{
	return shmprim_slab_raw_free_allocated(&slab->raw, h, NULL);
}

shmprim_status shmprim_slab_mark_in_flight_ex(shmprim_slab *slab, shmprim_slot_handle h, shmprim_slot_error *err)
{
	return shmprim_slab_raw_mark_in_flight(&slab->raw, h, err);
}

shmprim_status shmprim_slab_free_ex(shmprim_slab *slab, shmprim_slot_handle h, shmprim_slot_error *err)
{
	return shmprim_slab_raw_free(&slab->raw, h, err);
}

shmprim_status shmprim_slab_free_allocated_ex(shmprim_slab *slab, shmprim_slot_handle h, shmprim_slot_error *err)
{
	return shmprim_slab_raw_free_allocated(&slab->raw, h, err);
}

void *shmprim_slab_slot_data(shmprim_slab *slab, shmprim_slot_handle h)
{
	return shmprim_slab_raw_slot_data(&slab->raw, h);
}

uint32_t shmprim_slab_slot_size(const shmprim_slab *slab)
{
	return slab->raw.slot_size;
}

uint32_t shmprim_slab_slot_count(const shmprim_slab *slab)
{
	return slab->raw.slot_count;
}

uint32_t shmprim_slab_free_count_approx(shmprim_slab *slab)
{
	return shmprim_slab_raw_free_count_approx(&slab->raw);
}

shmprim_status shmprim_slab_set_owner(shmprim_slab *slab, uint32_t owner_id)
{
	return shmprim_slab_raw_set_owner(slab ? &slab->raw : NULL, owner_id);
}

shmprim_status shmprim_slab_set_cache(shmprim_slab *slab, uint32_t n)
{
	return shmprim_slab_raw_set_cache(slab ? &slab->raw : NULL, n);
}

shmprim_status shmprim_slab_flush_cache(shmprim_slab *slab)
{
	return shmprim_slab_raw_flush_cache(slab ? &slab->raw : NULL);
}

shmprim_status shmprim_slab_adopt(shmprim_slab *slab, shmprim_slot_handle h)
{
	return shmprim_slab_raw_adopt(&slab->raw, h, NULL);
}

shmprim_status shmprim_slab_reclaim(shmprim_slab *slab, uint32_t dead_owner, uint32_t flags,
                                    shmprim_reclaim_report *report)
{
	return shmprim_slab_raw_reclaim(slab ? &slab->raw : NULL, dead_owner, flags, report);
}

void shmprim_slab_audit(shmprim_slab *slab, shmprim_slab_audit_report *report)
{
	shmprim_slab_raw_audit(&slab->raw, report);
}
