/*
 * The slab's per-handle free-slot cache (set_cache) from one thread: bounds,
 * LIFO reuse, exact list/cache counts around the give-back of a full cache,
 * capacity hidden from other handles until a flush, refusals identical to the
 * uncached slab, copies of one handle, set_owner, shrinking, both forms.
 */
#include "unit_util.h"

TestSuite(slab_cache, .timeout = UNIT_TIMEOUT_S);

#define JUNK_ERR { (shmprim_status)77, 0xAAAAAAAAu, 0xBBBBBBBBu }

static shmprim_heap_region make_slab(shmprim_slab *slab, uint32_t count, uint32_t cache)
{
	shmprim_heap_region heap = unit_heap(shmprim_slab_required_size(count, 32));

	cr_assert_eq(shmprim_slab_init(slab, shmprim_heap_region_region(&heap), 0, count, 32), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_set_cache(slab, cache), SHMPRIM_OK, "set_cache(%u)", cache);
	return heap;
}

static shmprim_slot_handle alloc_ok(shmprim_slab *slab)
{
	shmprim_slot_handle h = { 0xFFFFFFFFu, 0xFFFFFFFFu };

	cr_assert_eq(shmprim_slab_try_alloc(slab, &h), SHMPRIM_ALLOC_OK);
	return h;
}

static uint64_t word_of(const shmprim_slab *slab, uint32_t index)
{
	return slab->raw.meta[index].state_gen;
}

/* The state word as src/slab.c writes it (layout.h). */
static uint64_t word(uint32_t gen, uint32_t kind, uint32_t owner, int freeing)
{
	return ((uint64_t)gen << 32) | kind | (freeing ? SHMPRIM_SLAB_FREEING : 0) |
	       ((uint64_t)owner << SHMPRIM_SLAB_OWNER_SHIFT);
}

static void expect_audit(shmprim_slab *slab, uint32_t listed, uint32_t off_list, uint32_t freeing, uint32_t allocated,
                         const char *when)
{
	shmprim_slab_audit_report a;

	memset(&a, 0xEE, sizeof(a));
	shmprim_slab_audit(slab, &a);
	cr_assert(a.list_ok, "%s: list broken", when);
	cr_assert_eq(a.on_free_list, listed, "%s: %u listed, want %u", when, a.on_free_list, listed);
	cr_assert_eq(a.free_off_list, off_list, "%s: %u free off the list, want %u", when, a.free_off_list, off_list);
	cr_assert_eq(a.freeing_off_list, freeing, "%s: %u freeing off the list, want %u", when, a.freeing_off_list,
	             freeing);
	cr_assert_eq(a.allocated, allocated, "%s: %u allocated, want %u", when, a.allocated, allocated);
	cr_assert_eq(a.in_flight, 0, "%s", when);
	cr_assert_eq(a.bad_state, 0, "%s", when);
	cr_assert_eq(shmprim_slab_free_count_approx(slab), listed, "%s: free count", when);
}

Test(slab_cache, set_cache_bounds)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, 4, 0);
	uint32_t n;

	cr_assert_eq(slab.raw.cache_size, 0, "no cache by default");
	cr_assert_eq(slab.raw.cache_len, 0);
	for (n = 0; n <= SHMPRIM_SLAB_CACHE_MAX; n++) {
		cr_assert_eq(shmprim_slab_set_cache(&slab, n), SHMPRIM_OK, "n %u", n);
		cr_assert_eq(slab.raw.cache_size, n);
		cr_assert_eq(shmprim_slab_raw_set_cache(&slab.raw, n), SHMPRIM_OK, "raw, n %u", n);
	}
	cr_assert_eq(SHMPRIM_SLAB_CACHE_MAX, 32);
	cr_assert_eq(shmprim_slab_set_cache(&slab, 33), SHMPRIM_ERR_INVALID_ARGUMENT);
	cr_assert_eq(shmprim_slab_raw_set_cache(&slab.raw, 33), SHMPRIM_ERR_INVALID_ARGUMENT);
	cr_assert_eq(shmprim_slab_set_cache(&slab, 0xFFFFFFFFu), SHMPRIM_ERR_INVALID_ARGUMENT);
	cr_assert_eq(slab.raw.cache_size, 32, "a refused size changed the size");
	cr_assert_eq(shmprim_slab_set_cache(NULL, 1), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_slab_raw_set_cache(NULL, 1), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_slab_flush_cache(NULL), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_slab_raw_flush_cache(NULL), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_slab_flush_cache(&slab), SHMPRIM_OK, "flushing an empty cache");
	/* attach starts a handle without a cache */
	cr_assert_eq(shmprim_slab_attach(&slab, shmprim_heap_region_region(&heap), 0), SHMPRIM_OK);
	cr_assert_eq(slab.raw.cache_size, 0);
	shmprim_heap_region_free(&heap);
}

/* A freed slot stays with the handle (FREE|FREEING|owner, off the list) and the
 * next allocation gets it back, newest first, generation + 1. */
Test(slab_cache, lifo_reuse_generation_plus_one)
{
	enum { COUNT = 6 };
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, COUNT, 4);
	shmprim_slot_handle h[3], again;
	uint64_t head;
	int i;

	cr_assert_eq(shmprim_slab_set_owner(&slab, 9), SHMPRIM_OK);
	for (i = 0; i < 3; i++)
		h[i] = alloc_ok(&slab);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(shmprim_slab_free_allocated(&slab, h[i]), SHMPRIM_OK);
		cr_assert_eq(word_of(&slab, h[i].index), word(1, SHMPRIM_SLOT_FREE, 9, 1), "slot %u cached as FREEING|9",
		             h[i].index);
		cr_assert_null(shmprim_slab_slot_data(&slab, h[i]), "a cached slot has no data for its old handle");
	}
	cr_assert_eq(slab.raw.cache_len, 3);
	expect_audit(&slab, COUNT - 3, 3, 3, 0, "three cached");
	head = slab.raw.header->free_head;
	for (i = 2; i >= 0; i--) {
		again = alloc_ok(&slab);
		cr_assert_eq(again.index, h[i].index, "LIFO: expected slot %u, got %u", h[i].index, again.index);
		cr_assert_eq(again.generation, 2);
		cr_assert_eq(word_of(&slab, again.index), word(2, SHMPRIM_SLOT_ALLOCATED, 9, 0));
	}
	cr_assert_eq(slab.raw.header->free_head, head, "the cache touched the shared head");
	cr_assert_eq(slab.raw.cache_len, 0);
	expect_audit(&slab, COUNT - 3, 0, 0, 3, "all taken back");
	/* an empty cache falls back to the list */
	again = alloc_ok(&slab);
	cr_assert_eq(again.generation, 1);
	cr_assert_neq(slab.raw.header->free_head, head);
	shmprim_heap_region_free(&heap);
}

/* Pairs on a warm cache never touch the head: 2 RMWs on the slot's own word. */
Test(slab_cache, pairs_leave_the_head_alone)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, 4, 32);
	shmprim_slot_handle h = alloc_ok(&slab);
	uint64_t head = slab.raw.header->free_head;
	uint32_t n;

	cr_assert_eq(shmprim_slab_free_allocated(&slab, h), SHMPRIM_OK);
	for (n = 2; n <= 1001; n++) {
		shmprim_slot_handle g = alloc_ok(&slab);

		cr_assert_eq(g.index, h.index);
		cr_assert_eq(g.generation, n);
		if (n % 2) {
			cr_assert_eq(shmprim_slab_free_allocated(&slab, g), SHMPRIM_OK);
		} else {
			cr_assert_eq(shmprim_slab_mark_in_flight(&slab, g), SHMPRIM_OK);
			cr_assert_eq(shmprim_slab_free(&slab, g), SHMPRIM_OK);
		}
	}
	cr_assert_eq(slab.raw.header->free_head, head);
	cr_assert_eq(slab.raw.cache_returned, 0);
	cr_assert_eq(shmprim_slab_flush_cache(&slab), SHMPRIM_OK);
	cr_assert_eq(slab.raw.cache_returned, 1);
	cr_assert_eq(word_of(&slab, h.index), word(1002, SHMPRIM_SLOT_FREE, 0, 0), "given back: one more step");
	expect_audit(&slab, 4, 0, 0, 0, "flushed");
	shmprim_heap_region_free(&heap);
}

/* Cache of 4, five frees: the fifth finds it full, gives back the oldest two
 * (4 - 4/2), then keeps itself. */
Test(slab_cache, full_cache_gives_back_its_older_half)
{
	enum { COUNT = 16, N = 4 };
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, COUNT, N);
	shmprim_slot_handle h[N + 1], g;
	int i;

	for (i = 0; i <= N; i++)
		h[i] = alloc_ok(&slab);
	expect_audit(&slab, COUNT - N - 1, 0, 0, N + 1, "five allocated");
	for (i = 0; i < N; i++)
		cr_assert_eq(shmprim_slab_free_allocated(&slab, h[i]), SHMPRIM_OK);
	expect_audit(&slab, COUNT - N - 1, N, N, 1, "four cached");
	cr_assert_eq(shmprim_slab_free_allocated(&slab, h[N]), SHMPRIM_OK);
	cr_assert_eq(slab.raw.cache_len, 3);
	cr_assert_eq(slab.raw.cache_returned, 2);
	expect_audit(&slab, COUNT - N - 1 + 2, 3, 3, 0, "two given back, three cached");
	for (i = 0; i < 2; i++)
		cr_assert_eq(word_of(&slab, h[i].index), word(2, SHMPRIM_SLOT_FREE, 0, 0), "slot %u given back",
		             h[i].index);
	for (i = 2; i <= N; i++)
		cr_assert_eq(word_of(&slab, h[i].index), word(1, SHMPRIM_SLOT_FREE, 0, 1), "slot %u cached", h[i].index);
	cr_assert_eq(slab.raw.cache[0].index, h[2].index, "oldest first");
	cr_assert_eq(slab.raw.cache[2].index, h[N].index);

	g = alloc_ok(&slab);
	cr_assert_eq(g.index, h[N].index, "the newest comes back first");
	cr_assert_eq(g.generation, 2);
	cr_assert_eq(shmprim_slab_flush_cache(&slab), SHMPRIM_OK);
	cr_assert_eq(slab.raw.cache_len, 0);
	cr_assert_eq(slab.raw.cache_returned, 4);
	expect_audit(&slab, COUNT - 1, 0, 0, 1, "flushed");
	/* flushed oldest first, so the newest cached slot is on top of the list, stepped once */
	g = alloc_ok(&slab);
	cr_assert_eq(g.index, h[3].index);
	cr_assert_eq(g.generation, 3);
	shmprim_heap_region_free(&heap);
}

/* Slots in one handle's cache are invisible to others until it flushes. */
Test(slab_cache, other_handles_see_would_block_until_flush)
{
	enum { COUNT = 4 };
	shmprim_slab a, b;
	shmprim_heap_region heap = make_slab(&a, COUNT, 8);
	shmprim_slot_handle h[COUNT], got[COUNT];
	uint32_t i, seen = 0;

	cr_assert_eq(shmprim_slab_attach(&b, shmprim_heap_region_region(&heap), 0), SHMPRIM_OK);
	for (i = 0; i < COUNT; i++)
		h[i] = alloc_ok(&a);
	for (i = 0; i < COUNT; i++)
		cr_assert_eq(shmprim_slab_free_allocated(&a, h[i]), SHMPRIM_OK);
	expect_audit(&b, 0, COUNT, COUNT, 0, "all cached by a");
	cr_assert_eq(shmprim_slab_try_alloc(&b, &got[0]), SHMPRIM_ALLOC_WOULD_BLOCK);
	cr_assert_eq(shmprim_slab_flush_cache(&a), SHMPRIM_OK);
	expect_audit(&b, COUNT, 0, 0, 0, "flushed");
	for (i = 0; i < COUNT; i++) {
		got[i] = alloc_ok(&b);
		cr_assert_eq(got[i].generation, 3, "allocated, given back (+1), allocated: 3");
		seen |= 1u << got[i].index;
	}
	cr_assert_eq(seen, (1u << COUNT) - 1);
	cr_assert_eq(shmprim_slab_try_alloc(&a, &got[0]), SHMPRIM_ALLOC_WOULD_BLOCK);
	shmprim_heap_region_free(&heap);
}

/* Double frees, frees of cached slots and stale handles: the same refusals,
 * field for field, with and without a cache. */
typedef struct refusals {
	shmprim_slot_error e[6];
	shmprim_slot_handle again;
} refusals;

static void run_refusals(uint32_t cache, refusals *out)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, 4, cache);
	shmprim_slot_handle h = alloc_ok(&slab), x;
	int k;

	for (k = 0; k < 6; k++)
		out->e[k] = (shmprim_slot_error)JUNK_ERR;
	cr_assert_eq(shmprim_slab_free_allocated(&slab, h), SHMPRIM_OK);
	shmprim_slab_free_allocated_ex(&slab, h, &out->e[0]);
	shmprim_slab_free_ex(&slab, h, &out->e[1]);
	shmprim_slab_mark_in_flight_ex(&slab, h, &out->e[2]);
	cr_assert_null(shmprim_slab_slot_data(&slab, h), "cache %u", cache);
	out->again = alloc_ok(&slab);
	shmprim_slab_free_allocated_ex(&slab, h, &out->e[3]);
	shmprim_slab_mark_in_flight_ex(&slab, h, &out->e[4]);
	x = out->again;
	x.generation++;
	shmprim_slab_free_allocated_ex(&slab, x, &out->e[5]);
	cr_assert_eq(word_of(&slab, out->again.index), word(2, SHMPRIM_SLOT_ALLOCATED, 0, 0), "cache %u", cache);
	cr_assert_eq(shmprim_slab_free_allocated(&slab, out->again), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_flush_cache(&slab), SHMPRIM_OK);
	expect_audit(&slab, 4, 0, 0, 0, cache ? "refusals, cache on" : "refusals, cache off");
	shmprim_heap_region_free(&heap);
}

Test(slab_cache, refusals_are_the_same_as_without_cache)
{
	static const shmprim_slot_error want[6] = {
		{ SHMPRIM_ERR_INVALID_STATE, SHMPRIM_SLOT_ALLOCATED, SHMPRIM_SLOT_FREE },   /* double free_allocated */
		{ SHMPRIM_ERR_INVALID_STATE, SHMPRIM_SLOT_IN_FLIGHT, SHMPRIM_SLOT_FREE },   /* free after free */
		{ SHMPRIM_ERR_INVALID_STATE, SHMPRIM_SLOT_ALLOCATED, SHMPRIM_SLOT_FREE },   /* mark after free */
		{ SHMPRIM_ERR_GENERATION_MISMATCH, 1, 2 },                                  /* stale free */
		{ SHMPRIM_ERR_GENERATION_MISMATCH, 1, 2 },                                  /* stale mark */
		{ SHMPRIM_ERR_GENERATION_MISMATCH, 3, 2 },                                  /* future */
	};
	refusals off, on;
	int k;

	run_refusals(0, &off);
	run_refusals(4, &on);
	for (k = 0; k < 6; k++) {
		cr_assert(off.e[k].code == want[k].code && off.e[k].expected == want[k].expected &&
		                  off.e[k].actual == want[k].actual,
		          "refusal %d without cache: %d %u %u", k, off.e[k].code, off.e[k].expected, off.e[k].actual);
		cr_assert(on.e[k].code == want[k].code && on.e[k].expected == want[k].expected &&
		                  on.e[k].actual == want[k].actual,
		          "refusal %d with cache: %d %u %u", k, on.e[k].code, on.e[k].expected, on.e[k].actual);
	}
	cr_assert(off.again.index == on.again.index && off.again.generation == on.again.generation);
}

/* Two copies of one handle (a struct copy, as a fork makes) share the cached
 * entries: each slot goes to exactly one of them. */
Test(slab_cache, copied_handle_never_allocates_a_slot_twice)
{
	enum { COUNT = 6 };
	shmprim_slab a, b;
	shmprim_heap_region heap = make_slab(&a, COUNT, 8);
	shmprim_slot_handle h[3], ga[2], gb[2];
	uint32_t seen = 0;
	int i;

	for (i = 0; i < 3; i++)
		h[i] = alloc_ok(&a);
	for (i = 0; i < 3; i++)
		cr_assert_eq(shmprim_slab_free_allocated(&a, h[i]), SHMPRIM_OK);
	b = a; /* both hold h[0..2] cached */
	ga[0] = alloc_ok(&a);
	gb[0] = alloc_ok(&b); /* its newest entry (h[2]) is a's now: dropped */
	ga[1] = alloc_ok(&a); /* h[1] is b's now: dropped */
	gb[1] = alloc_ok(&b); /* h[0] is a's: dropped; empty cache: the list */
	cr_assert(ga[0].index == h[2].index && ga[0].generation == 2);
	cr_assert(gb[0].index == h[1].index && gb[0].generation == 2);
	cr_assert(ga[1].index == h[0].index && ga[1].generation == 2);
	cr_assert_eq(gb[1].generation, 1, "from the list");
	for (i = 0; i < 2; i++) {
		cr_assert_eq(seen & (1u << ga[i].index), 0);
		seen |= 1u << ga[i].index;
		cr_assert_eq(seen & (1u << gb[i].index), 0);
		seen |= 1u << gb[i].index;
	}
	cr_assert_eq(a.raw.cache_len, 0);
	cr_assert_eq(b.raw.cache_len, 0);
	expect_audit(&a, COUNT - 4, 0, 0, 4, "four distinct slots");

	/* Copy a non-empty cache again: one copy flushes, the other's entries are
	 * stale and it neither allocates nor pushes them. */
	for (i = 0; i < 2; i++) {
		cr_assert_eq(shmprim_slab_free_allocated(&a, ga[i]), SHMPRIM_OK);
		cr_assert_eq(shmprim_slab_free_allocated(&b, gb[i]), SHMPRIM_OK);
	}
	b = a;
	cr_assert_eq(shmprim_slab_flush_cache(&b), SHMPRIM_OK);
	cr_assert_eq(b.raw.cache_returned, 2);
	expect_audit(&a, COUNT - 2, 2, 2, 0, "b gave back a's two slots; the old b's two still cached");
	cr_assert_eq(shmprim_slab_flush_cache(&a), SHMPRIM_OK);
	cr_assert_eq(a.raw.cache_returned, 0, "a's entries were stale: nothing pushed twice");
	expect_audit(&a, COUNT - 2, 2, 2, 0, "stale flush changed nothing");
	shmprim_heap_region_free(&heap);
}

Test(slab_cache, set_owner_flushes)
{
	enum { COUNT = 4 };
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, COUNT, 4);
	shmprim_slot_handle h[2], g;
	int i;

	cr_assert_eq(shmprim_slab_set_owner(&slab, 5), SHMPRIM_OK);
	for (i = 0; i < 2; i++)
		h[i] = alloc_ok(&slab);
	for (i = 0; i < 2; i++)
		cr_assert_eq(shmprim_slab_free_allocated(&slab, h[i]), SHMPRIM_OK);
	cr_assert_eq(word_of(&slab, h[0].index), word(1, SHMPRIM_SLOT_FREE, 5, 1));
	cr_assert_eq(shmprim_slab_set_owner(&slab, SHMPRIM_SLAB_OWNER_MAX + 1), SHMPRIM_ERR_INVALID_ARGUMENT);
	cr_assert_eq(slab.raw.cache_len, 2, "a refused set_owner flushed");
	cr_assert_eq(shmprim_slab_set_owner(&slab, 6), SHMPRIM_OK);
	cr_assert_eq(slab.raw.cache_len, 0);
	cr_assert_eq(slab.raw.cache_size, 4, "the size stays");
	for (i = 0; i < 2; i++)
		cr_assert_eq(word_of(&slab, h[i].index), word(2, SHMPRIM_SLOT_FREE, 0, 0));
	expect_audit(&slab, COUNT, 0, 0, 0, "set_owner flushed");
	g = alloc_ok(&slab);
	cr_assert_eq(word_of(&slab, g.index), word(3, SHMPRIM_SLOT_ALLOCATED, 6, 0));
	cr_assert_eq(shmprim_slab_free_allocated(&slab, g), SHMPRIM_OK);
	cr_assert_eq(word_of(&slab, g.index), word(3, SHMPRIM_SLOT_FREE, 6, 1), "cached under the new id");
	shmprim_heap_region_free(&heap);
}

Test(slab_cache, shrinking_gives_back_the_excess)
{
	enum { COUNT = 8 };
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, COUNT, 8);
	shmprim_slot_handle h[6];
	int i;

	for (i = 0; i < 6; i++)
		h[i] = alloc_ok(&slab);
	for (i = 0; i < 6; i++)
		cr_assert_eq(shmprim_slab_free_allocated(&slab, h[i]), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_set_cache(&slab, 6), SHMPRIM_OK);
	cr_assert_eq(slab.raw.cache_len, 6, "no excess");
	cr_assert_eq(shmprim_slab_set_cache(&slab, 2), SHMPRIM_OK);
	cr_assert_eq(slab.raw.cache_len, 2);
	cr_assert(slab.raw.cache[0].index == h[4].index && slab.raw.cache[1].index == h[5].index, "the newest stay");
	expect_audit(&slab, COUNT - 2, 2, 2, 0, "shrunk to 2");
	cr_assert_eq(shmprim_slab_set_cache(&slab, 0), SHMPRIM_OK);
	expect_audit(&slab, COUNT, 0, 0, 0, "cache off");
	/* off again: a free goes straight to the list, the generation untouched */
	h[0] = alloc_ok(&slab);
	cr_assert_eq(shmprim_slab_free_allocated(&slab, h[0]), SHMPRIM_OK);
	cr_assert_eq(word_of(&slab, h[0].index), word(h[0].generation, SHMPRIM_SLOT_FREE, 0, 0));
	expect_audit(&slab, COUNT, 0, 0, 0, "cache off, one pair");
	shmprim_heap_region_free(&heap);
}

/* The raw form, on separate buffers, through the raw calls only. */
Test(slab_cache, raw_form)
{
	enum { COUNT = 5 };
	shmprim_heap_region hb = unit_heap(SHMPRIM_SLAB_HEADER_SIZE), mb = unit_heap(COUNT * 64), db = unit_heap(COUNT * 8);
	shmprim_slab_raw slab, other;
	shmprim_slab_audit_report a;
	shmprim_slot_handle h[COUNT], g;
	shmprim_slot_error err = JUNK_ERR;
	int i;

	cr_assert_eq(shmprim_slab_raw_init(&slab, hb.base, mb.base, COUNT * 64, db.base, COUNT * 8, COUNT, 8), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_raw_attach(&other, hb.base, mb.base, COUNT * 64, db.base, COUNT * 8), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_raw_set_cache(&slab, 2), SHMPRIM_OK);
	for (i = 0; i < COUNT; i++)
		cr_assert_eq(shmprim_slab_raw_try_alloc(&slab, &h[i]), SHMPRIM_ALLOC_OK);
	for (i = 0; i < COUNT; i++)
		cr_assert_eq(shmprim_slab_raw_free_allocated(&slab, h[i], &err), SHMPRIM_OK);
	/* 2 cached; the third free gave back 1 (2 - 2/2); so did the fourth and fifth */
	cr_assert_eq(slab.cache_len, 2);
	cr_assert_eq(slab.cache_returned, 3);
	shmprim_slab_raw_audit(&other, &a);
	cr_assert(a.list_ok && a.on_free_list == 3 && a.free_off_list == 2 && a.freeing_off_list == 2 && a.allocated == 0);
	cr_assert_eq(shmprim_slab_raw_free_allocated(&other, h[4], &err), SHMPRIM_ERR_INVALID_STATE, "cached is FREE");
	cr_assert_eq(shmprim_slab_raw_try_alloc(&slab, &g), SHMPRIM_ALLOC_OK);
	cr_assert(g.index == h[4].index && g.generation == 2);
	cr_assert_eq(shmprim_slab_raw_free(&slab, g, &err), SHMPRIM_ERR_INVALID_STATE);
	cr_assert_eq(shmprim_slab_raw_mark_in_flight(&slab, g, &err), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_raw_free(&other, g, &err), SHMPRIM_OK, "another handle frees it: to the list");
	cr_assert_eq(shmprim_slab_raw_flush_cache(&slab), SHMPRIM_OK);
	shmprim_slab_raw_audit(&other, &a);
	cr_assert(a.list_ok && a.on_free_list == COUNT && a.free_off_list == 0 && a.freeing_off_list == 0);
	cr_assert_eq(shmprim_slab_raw_free_count_approx(&slab), COUNT);
	shmprim_heap_region_free(&hb);
	shmprim_heap_region_free(&mb);
	shmprim_heap_region_free(&db);
}
