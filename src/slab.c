/*
 * The Treiber slab algorithm (layout in include/shmprim/layout.h): the core.
 * This comment is the slab's protocol, in one place; the other slab files
 * (src/slab_internal.h lists them) label their steps from it. Every call into
 * the atomics seam names its memory order and carries a label "STEP: pairs
 * with STEP" from the tables below.
 *
 * free_head = tag << 32 | index. Every successful push or pop installs tag+1
 * (slab_next_tag), so a CAS that read the head before other pops/pushes fails
 * even when the same index is back on top (ABA).
 *
 * pop (try_alloc):                             push (free paths):
 *   old = load_acquire(free_head)        (A1)    old = load_relaxed(free_head)
 *   next = load_relaxed(meta[i].next)            store_relaxed(meta[i].next, old.index)
 *   m = load_relaxed(meta[i].reclaim_mark)       store_relaxed(meta[i].free_tag, tag+1)
 *   CAS(free_head, old -> {next, tag+1},         CAS(free_head, old -> {i, tag+1},
 *       acquire, acquire)                (A2)        release, relaxed)          (F2)
 *   w = load_acquire(meta[i].state_gen)  (A3)
 *   if reclaim_mark still m:
 *     CAS(state_gen, w (FREE) -> ALLOCATED|me gen+1,
 *         acq_rel, acquire)              (A3)
 * F2 -> A1/A2 makes the pusher's link store (and everything it did to the slot
 * before freeing it) visible to the popper; a later pusher's CAS continues the
 * release sequence, and so does reclaim's splice (R5). A popper may read a
 * link that is being rewritten, but then the head's tag has moved and its CAS
 * fails, so the stale link is never used. The link, free_tag and reclaim_mark
 * are relaxed atomics, ordered by the CASes around them.
 *
 * Slot transitions are one CAS on state_gen (acq_rel) taking (generation,
 * state, owner) together: a handle whose generation is stale can never win
 * against the slot's current owner, a double free finds the state already
 * FREE, and the owner is recorded by the very step that takes the slot (A3)
 * or gives it back (F1). The release half of each publishes the slot's data
 * as its holder left it; the acquire half of the next one (whoever takes the
 * slot, or the word's next reader) sees it. The steps on state_gen:
 *   A3  alloc:        FREE gen g -> ALLOCATED|me gen g+1   acq_rel, acquire on failure
 *   F1  free:         ALLOCATED or IN_FLIGHT -> FREE|FREEING|me   acq_rel
 *                     (the same CAS, transition(), marks ALLOCATED -> IN_FLIGHT)
 *   F3  finish:       FREE|FREEING|me -> FREE, after the push   release
 *   F4  undo:         FREE|FREEING|me -> as before F1, the push having hit
 *                     its retry bound                       acq_rel
 *   D1  adopt:        IN_FLIGHT|sender -> IN_FLIGHT|me      acq_rel
 *   K1, K2            the cache (below)                     acq_rel
 *   R3, R4            reclaim (src/slab_reclaim.c)
 * and the loads that go before them (acquire, the CAS's expected value):
 * A3's, F1's, D1's. Pairs (reader <- writer of the word it reads):
 *   A3, K1, K2 <- F1 (directly, or through F3, an RMW on the same word that
 *                 continues F1's release sequence), K2; A3 also <- R4
 *   F1, D1     <- A3, K1, F1 (the previous holder's mark_in_flight), D1, F4
 *   R3, R4     <- F3, F1, A3 (R4: the finished word carries this push's
 *                 free_tag with it)
 *   Q1 (slot_data) <- A3, K1, F1, D1
 *
 * Init and attach: I1, the init's store of magic (release), pairs with I2,
 * attach's load of it (acquire): a header read after I2 is the one the init
 * wrote. I3, attach's load of the head (acquire, pairs with F2, R5), only
 * range-checks the index. I4 (src/slab_region.c) reads slot_count relaxed, a
 * hint that I2's header re-validates.
 *
 * Crash windows, and what reclaim (src/slab_reclaim.c) does about them:
 *   A2..A3     FREE, off the list, not pushed since the reclaim began: an
 *              orphan, taken back by any reclaim. It writes a new mark before
 *              its CAS, so a live popper that was merely slow sees the mark
 *              change (or loses the CAS) and starts over; the popper writes
 *              nothing to the slot before A3.
 *              A3 is a CAS although the pop made the slot ours: the pop
 *              records nobody, so this orphan rule must be able to take a
 *              slot whose popper is alive, and then the popper has to lose.
 *              A plain store would land on a slot already relisted.
 *   after A3   ALLOCATED|owner: taken back by reclaim(owner).
 *   free       F1: ALLOCATED/IN_FLIGHT -> FREE|FREEING|me, F2: push, F3: -> FREE
 *              (a CAS that fails harmlessly if the slot was popped meanwhile).
 *              While FREEING is set the slot is the freer's: reclaim(freer)
 *              finishes the free, everyone else leaves it alone. F3 is what
 *              lets R4 tell a popped slot (FREE) from one a live process is
 *              still freeing (FREE|FREEING|freer); without it both look alike.
 *
 * Per-handle cache (src/slab_cache.c; set_cache, off by default). A cached
 * slot is a free in progress that is never pushed: F1, then the (index,
 * generation) goes into the handle's private array. Every reclaim but
 * reclaim(me) leaves such a slot alone (busy); reclaim(me) finds it FREEING,
 * off the list and not pushed since its detach, and takes it, as it does for a
 * free that died before its push. The cache hands it out with one CAS
 *   K1: FREE|FREEING|me gen g -> ALLOCATED|me gen g+1 (acq_rel)
 * which also orders the previous owner's writes (its F1 released them)
 * before the new owner's. It gives it back to the list with
 *   K2: FREE|FREEING|me gen g -> FREE|FREEING|me gen g+1 (acq_rel), F2, F3
 * K2 steps the generation so that a copy of the handle (struct copy, fork)
 * still holding (index, g) fails K1 or K2 on it instead of allocating a slot
 * that is on the list, or pushing one that is allocated; whoever loses a K1
 * or K2 drops the entry. Between K2 and the push the slot is FREEING|me as
 * in any free, so the crash windows are the ones above.
 *
 * Reclaim (src/slab_reclaim.c, its steps 1-5 there): R1 takes the reclaim
 * lock (acquire) and R6 drops it (release), pairing with each other across
 * reclaims (R1 also takes over, by a CAS from exactly the value read, a lock
 * whose holder is an impossible id or verified dead); R2 detaches the list (acq_rel: acquire pairs with F2, R5, so the
 * chain's links are visible); R3 walks it (state loads acquire, pairing with
 * F1, F3); R4 scans every slot (the state load acquire pairs with F3, A3, F1;
 * its take is an acq_rel CAS whose release carries the new mark to a popper
 * at A3, which loses); R5 splices the chain back (release, pairs with A1, A2).
 * The audit (Q3) and free_count_approx (Q2) read the head acquire (pairs with
 * F2, R5) and the links relaxed, a snapshot; the owner scan of audit_owners and
 * reclaim_dead (Q4) reads the state words acquire, as Q1.
 *
 * Hostile peer: indices read from shared memory are range-checked before use,
 * every retry loop is bounded (SHMPRIM_SLAB_RETRY_LIMIT), geometry comes from
 * the private handle.
 *
 * Every CAS here is strong. A weak one may fail spuriously any number of
 * times under C11, and each failure counts toward the retry bound: CONTENDED
 * would no longer mean that another party moved the word. On x86-64 both are
 * one lock cmpxchg; on an LL/SC machine the strong form retries a lost
 * reservation inside the CAS. It also leaves the model checker no spurious
 * failure to cap, so the slab scenarios are exhaustive (backends/model/README.md).
 */
#include <string.h>

#include "checksum.h"
#include "placement.h"
#include "slab_cache.h"

#ifdef SHMPRIM_COUNT_LOOPS
__thread unsigned long shmprim_loop_count;
#endif
#ifdef SHMPRIM_TEST_HOOKS
void (*volatile shmprim_window_hook)(int window);
#endif

/* Times A3 re-reads a popped slot whose word changed legitimately (its freer
 * finishing, FREE|FREEING -> FREE) before calling it corrupt. */
#define SLAB_A3_TRIES 4u

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

shmprim_status shmprim_slabcore_check_geometry(uint32_t slot_count, uint32_t slot_size)
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
	st = shmprim_slabcore_check_geometry(slot_count, slot_size);
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
	sp_store_release_u32(&h->magic, SHMPRIM_SLAB_MAGIC); /* I1: pairs with I2 */
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
shmprim_status shmprim_slabcore_check_expect(const shmprim_slab_expect *expect)
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
shmprim_status shmprim_slabcore_attach_checked(shmprim_slab_raw *slab, void *header, void *meta, size_t meta_len,
                                               void *data, size_t data_len, const shmprim_slab_expect *expect,
                                               shmprim_status too_big)
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
	local.magic = sp_load_acquire_u32(&h->magic); /* I2: pairs with I1 */
	memcpy((unsigned char *)&local + sizeof(local.magic), (const unsigned char *)h + sizeof(local.magic),
	       offsetof(shmprim_slab_header, free_head) - sizeof(local.magic));
	st = validate_header(&local);
	if (st != SHMPRIM_OK)
		return st;
	if (expect && !geometry_expected(&local, expect))
		return SHMPRIM_ERR_UNEXPECTED_GEOMETRY;
	if (local.meta_bytes > (uint64_t)meta_len || local.data_bytes > (uint64_t)data_len)
		return too_big;
	head = sp_load_acquire_u64(&h->free_head); /* I3: pairs with F2, R5 */
	if (HEAD_INDEX(head) != SHMPRIM_SLAB_END && HEAD_INDEX(head) >= local.slot_count)
		return SHMPRIM_ERR_CORRUPT;
	fill_handle(slab, header, meta, data, local.slot_count, local.slot_size);
	return SHMPRIM_OK;
}

shmprim_status shmprim_slab_raw_attach(shmprim_slab_raw *slab, void *header, void *meta, size_t meta_len,
                                       void *data, size_t data_len)
{
	return shmprim_slabcore_attach_checked(slab, header, meta, meta_len, data, data_len, NULL,
	                                       SHMPRIM_ERR_REGION_TOO_SMALL);
}

shmprim_status shmprim_slab_raw_attach_expect(shmprim_slab_raw *slab, void *header, void *meta, size_t meta_len,
                                              void *data, size_t data_len, const shmprim_slab_expect *expect)
{
	shmprim_status st;

	if (!expect)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = shmprim_slabcore_check_expect(expect);
	if (st != SHMPRIM_OK)
		return st;
	return shmprim_slabcore_attach_checked(slab, header, meta, meta_len, data, data_len, expect,
	                                       SHMPRIM_ERR_REGION_TOO_SMALL);
}

shmprim_alloc_result shmprim_slab_raw_try_alloc(shmprim_slab_raw *slab, shmprim_slot_handle *out)
{
	uint64_t *free_head = &slab->header->free_head;
	uint64_t old;
	uint32_t tries, k, index = 0;
	uint64_t w = 0;

	if (slab->cache_len != 0 && shmprim_slabcache_take(slab, out))
		return SHMPRIM_ALLOC_OK;
	old = sp_load_acquire_u64(free_head); /* A1: pairs with F2, R5 */

	for (tries = 0;; tries++) {
		shmprim_slab_meta *m;
		uint32_t next, mark;

		SHMPRIM_LOOP_TICK();
		if (tries == SLAB_RETRY_BOUND)
			return SHMPRIM_ALLOC_CONTENDED;
		index = HEAD_INDEX(old);
		if (index == SHMPRIM_SLAB_END)
			return SHMPRIM_ALLOC_WOULD_BLOCK;
		if (index >= slab->slot_count)
			return SHMPRIM_ALLOC_CORRUPT;
		m = &slab->meta[index];
		next = slab_load_link(m);
		if (next != SHMPRIM_SLAB_END && next >= slab->slot_count) {
			/* Either a racing pop/push rewrote the link (the head moved) or
			 * the list is corrupt (it did not). */
			uint64_t again = sp_load_acquire_u64(free_head); /* A1 again: pairs with F2, R5 */

			if (again == old)
				return SHMPRIM_ALLOC_CORRUPT;
			old = again;
			continue;
		}
		/* Only a reclaim writes the mark: a new one before it takes a slot
		 * that was popped but never allocated. */
		mark = sp_load_relaxed_u32(&m->reclaim_mark); /* A2: re-read at A3, see R4 */
		SHMPRIM_WINDOW(SHMPRIM_WINDOW_POP_TRY);
		if (!sp_cas_u64(free_head, &old, HEAD(slab_next_tag(old), next),
		                SP_ACQUIRE, SP_ACQUIRE)) /* A2: pairs with F2, R5 */
			continue;

		/* Off the list, and nothing written yet: a crash here leaves an
		 * orphan any reclaim takes back. */
		SHMPRIM_WINDOW(SHMPRIM_WINDOW_POPPED);
		w = sp_load_acquire_u64(&m->state_gen); /* A3's expected word: pairs with F1, F3, K2, R4 */
		for (k = 0; k < SLAB_A3_TRIES; k++) {
			int retire;

			/* Read after the state (acquire), which a reclaim changes only
			 * after writing its mark: a changed mark means it took the slot. */
			if (sp_load_relaxed_u32(&m->reclaim_mark) != mark) /* A3: R4's mark, after the acquire */
				break;
			if (KIND_OF(w) != SHMPRIM_SLOT_FREE)
				return SHMPRIM_ALLOC_CORRUPT;
			/* Owner and state in one step (A3), or the slot retired if its
			 * last generation is spent; a failure reloads w, with acquire so
			 * that the mark read above sees a reclaim's. */
			retire = GEN_RETIRES(GEN_OF(w));
			if (sp_cas_u64(&m->state_gen, &w,
			               retire ? RETIRED_WORD
			                      : WORD(GEN_OF(w) + 1u, SHMPRIM_SLOT_ALLOCATED, slab->owner_id),
			               SP_ACQ_REL, SP_ACQUIRE)) { /* A3: pairs with F1, F3, K2, R4 */
				if (retire)
					break; /* off the list for good: pop the next */
				out->index = index;
				out->generation = GEN_OF(w) + 1u;
				return SHMPRIM_ALLOC_OK;
			}
		}
		if (k == SLAB_A3_TRIES)
			return SHMPRIM_ALLOC_CORRUPT; /* a peer keeps rewriting a slot only we may touch */
		/* a reclaim took it, or it retired: start over */
		old = sp_load_acquire_u64(free_head); /* A1 again: pairs with F2, R5 */
	}
}

/* F2. budget: CAS attempts left to this call for all its pushes together (a
 * free with a full cache, a flush: up to SHMPRIM_SLAB_CACHE_MAX + 1 pushes),
 * so the call's bound does not grow with the cache (slab.h, "Bounds"). */
static shmprim_status push_free(shmprim_slab_raw *slab, uint32_t index, uint32_t *budget)
{
	uint64_t *free_head = &slab->header->free_head;
	uint64_t old = sp_load_relaxed_u64(free_head); /* F2: the CAS checks it */

	while (*budget != 0) {
		uint32_t tag = slab_next_tag(old);

		(*budget)--;
		SHMPRIM_LOOP_TICK();
		SHMPRIM_WINDOW(SHMPRIM_WINDOW_PUSH_TRY);
		slab_store_link(&slab->meta[index], HEAD_INDEX(old));
		sp_store_relaxed_u32(&slab->meta[index].free_tag, tag); /* F2: for R4, published by F3 */
		/* F2: pairs with A1, A2, R2 */
		if (sp_cas_u64(free_head, &old, HEAD(tag, index), SP_RELEASE, SP_RELAXED))
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

/* F1 (and mark_in_flight): moves h's slot from state `from` to `to` if h is
 * still its current handle: to ALLOCATED/IN_FLIGHT keeping the recorded
 * owner, or (freeing) to FREE|FREEING with the caller as owner, in the same
 * CAS. */
static shmprim_status transition(shmprim_slab_raw *slab, shmprim_slot_handle h, uint32_t from, uint32_t to,
                                 int freeing, shmprim_slot_error *err, uint64_t *was)
{
	uint64_t *word;
	uint64_t w;
	uint32_t tries;

	if (h.index >= slab->slot_count)
		return report(err, SHMPRIM_ERR_INVALID_INDEX, slab->slot_count, h.index);
	word = &slab->meta[h.index].state_gen;
	w = sp_load_acquire_u64(word); /* F1's expected word: pairs with A3, K1, F1, D1, F4 */
	for (tries = 0; tries < SLAB_RETRY_BOUND; tries++) {
		uint64_t next;

		SHMPRIM_LOOP_TICK();
		if (GEN_OF(w) != h.generation || h.generation > SHMPRIM_SLAB_GEN_LAST)
			return report(err, SHMPRIM_ERR_GENERATION_MISMATCH, h.generation, GEN_OF(w));
		if (!slab_word_valid(w) || KIND_OF(w) != from)
			return report(err, SHMPRIM_ERR_INVALID_STATE, from, slab_reported_state(w));
		next = freeing ? FREEING_WORD(h.generation, slab->owner_id) : WORD(h.generation, to, OWNER_OF(w));
		if (was)
			*was = w;
		/* On failure w is reloaded and re-checked: the only legitimate
		 * reasons are another holder of the same handle racing us, and an
		 * adopt() changing the owner of an in-flight slot. */
		if (sp_cas_u64(word, &w, next, SP_ACQ_REL, SP_RELAXED)) /* F1: pairs with A3, K1, F1, D1, F4 */
			return report(err, SHMPRIM_OK, 0, 0);
	}
	return report(err, SHMPRIM_ERR_CONTENDED, 0, 0);
}

shmprim_status shmprim_slab_raw_mark_in_flight(shmprim_slab_raw *slab, shmprim_slot_handle h,
                                               shmprim_slot_error *err)
{
	return transition(slab, h, SHMPRIM_SLOT_ALLOCATED, SHMPRIM_SLOT_IN_FLIGHT, 0, err, NULL);
}

/* F2, then F3: pushes a slot this handle is freeing (FREE|FREEING|me,
 * generation gen) and finishes the free. On CONTENDED the slot stays
 * FREE|FREEING off the list: a reclaim of this owner finishes the free. */
shmprim_status shmprim_slabcore_push_and_finish(shmprim_slab_raw *slab, uint32_t index, uint32_t gen,
                                                uint32_t *budget)
{
	shmprim_status st = push_free(slab, index, budget);
	uint64_t freeing;

	if (st == SHMPRIM_OK) {
		SHMPRIM_WINDOW(SHMPRIM_WINDOW_PUSHED);
		/* On the list: finish, so the slot is nobody's. Release, so that a
		 * reclaim that sees the finished word also sees this push's
		 * free_tag. Fails harmlessly if the slot was popped meanwhile. */
		freeing = FREEING_WORD(gen, slab->owner_id);
		sp_cas_u64(&slab->meta[index].state_gen, &freeing, WORD(gen, SHMPRIM_SLOT_FREE, 0),
		           SP_RELEASE, SP_RELAXED); /* F3: pairs with R4, A3 */
	}
	return st;
}

/* F4. A free whose push hit the retry bound: the slot is FREE|FREEING|me, off
 * the list, where a second free would find it FREE (INVALID_STATE) and only a
 * reclaim of this (live) owner could take it. Put the word back as it was
 * before the free, so that CONTENDED means what it says (no effect, retry
 * with the same handle). Nobody else may change the word meanwhile except
 * a reclaim of this owner, which finishes the free itself: if the CAS
 * loses to it, the free is done. */
static shmprim_status undo_free(shmprim_slab_raw *slab, shmprim_slot_handle h, uint64_t was)
{
	uint64_t freeing = FREEING_WORD(h.generation, slab->owner_id);

	if (sp_cas_u64(&slab->meta[h.index].state_gen, &freeing, was, SP_ACQ_REL, SP_RELAXED)) /* F4: pairs with F1 */
		return SHMPRIM_ERR_CONTENDED;
	return SHMPRIM_OK;
}

static shmprim_status release_slot(shmprim_slab_raw *slab, shmprim_slot_handle h, uint32_t from,
                                   shmprim_slot_error *err)
{
	uint64_t was = 0;
	uint32_t budget = SLAB_RETRY_BOUND;
	shmprim_status st = transition(slab, h, from, SHMPRIM_SLOT_FREE, 1, err, &was);

	if (st != SHMPRIM_OK)
		return st;
	SHMPRIM_WINDOW(SHMPRIM_WINDOW_FREED);
	if (slab->cache_size != 0 && shmprim_slabcache_put(slab, h, &budget))
		return report(err, SHMPRIM_OK, 0, 0);
	st = shmprim_slabcore_push_and_finish(slab, h.index, h.generation, &budget);
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

shmprim_status shmprim_slab_raw_adopt(shmprim_slab_raw *slab, shmprim_slot_handle h, shmprim_slot_error *err)
{
	uint64_t *word;
	uint64_t w;
	uint32_t tries;

	if (h.index >= slab->slot_count)
		return report(err, SHMPRIM_ERR_INVALID_INDEX, slab->slot_count, h.index);
	word = &slab->meta[h.index].state_gen;
	w = sp_load_acquire_u64(word); /* D1's expected word: pairs with F1, D1 */
	for (tries = 0; tries < SLAB_RETRY_BOUND; tries++) {
		SHMPRIM_LOOP_TICK();
		if (GEN_OF(w) != h.generation || h.generation > SHMPRIM_SLAB_GEN_LAST)
			return report(err, SHMPRIM_ERR_GENERATION_MISMATCH, h.generation, GEN_OF(w));
		if (!slab_word_valid(w) || KIND_OF(w) != SHMPRIM_SLOT_IN_FLIGHT)
			return report(err, SHMPRIM_ERR_INVALID_STATE, SHMPRIM_SLOT_IN_FLIGHT, slab_reported_state(w));
		if (sp_cas_u64(word, &w, WORD(h.generation, SHMPRIM_SLOT_IN_FLIGHT, slab->owner_id),
		               SP_ACQ_REL, SP_RELAXED)) /* D1: pairs with F1, D1 */
			return report(err, SHMPRIM_OK, 0, 0);
	}
	return report(err, SHMPRIM_ERR_CONTENDED, 0, 0);
}

/* ---- queries: a snapshot each, exact only while nobody else moves ---- */

void *shmprim_slab_raw_slot_data(shmprim_slab_raw *slab, shmprim_slot_handle h)
{
	uint64_t w;

	if (h.index >= slab->slot_count)
		return NULL;
	w = sp_load_acquire_u64(&slab->meta[h.index].state_gen); /* Q1: pairs with A3, K1, F1, D1 */
	if (GEN_OF(w) != h.generation || h.generation > SHMPRIM_SLAB_GEN_LAST || !slab_word_valid(w) ||
	    KIND_OF(w) == SHMPRIM_SLOT_FREE)
		return NULL;
	return slab->data + (size_t)h.index * slab->data_stride;
}

uint32_t shmprim_slab_raw_free_count_approx(shmprim_slab_raw *slab)
{
	uint32_t index = HEAD_INDEX(sp_load_acquire_u64(&slab->header->free_head)); /* Q2: pairs with F2, R5 */
	uint32_t n = 0;

	while (index != SHMPRIM_SLAB_END && index < slab->slot_count && n < slab->slot_count) {
		SHMPRIM_LOOP_TICK();
		n++;
		index = sp_load_relaxed_u32(&slab->meta[index].next_free); /* Q2: a link, published by F2, R5 */
	}
	return n;
}
