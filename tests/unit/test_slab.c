/*
 * The Treiber slab from one thread: exhaustion, every legal and illegal slot
 * transition with its exact error details, generations, slot data pointers,
 * free counts, both forms, bad arguments and a corrupted free list.
 */
#include "unit_util.h"

/* Below Meson's 60 s, so a hang is reported by Criterion, which also reaps its worker. */
TestSuite(slab, .timeout = UNIT_TIMEOUT_S);

static shmprim_heap_region make_slab(shmprim_slab *slab, uint32_t count, uint32_t size)
{
	size_t need = shmprim_slab_required_size(count, size);
	shmprim_heap_region heap;

	cr_assert_neq(need, 0, "required_size(%u, %u) is 0", count, size);
	heap = unit_heap(need);
	cr_assert_eq(shmprim_slab_init(slab, shmprim_heap_region_region(&heap), 0, count, size), SHMPRIM_OK,
	             "init count %u size %u", count, size);
	return heap;
}

static shmprim_slot_handle alloc_ok(shmprim_slab *slab)
{
	shmprim_slot_handle h = { 0xFFFFFFFFu, 0xFFFFFFFFu };

	cr_assert_eq(shmprim_slab_try_alloc(slab, &h), SHMPRIM_ALLOC_OK);
	return h;
}

/* The call's status and the three fields it wrote to err. */
static void expect_err(shmprim_status got, const shmprim_slot_error *err, shmprim_status code, uint32_t expected,
                       uint32_t actual, const char *what)
{
	cr_assert_eq(got, code, "%s: status %d (%s), expected %d", what, got, shmprim_status_str(got), code);
	cr_assert_eq(err->code, code, "%s: err.code %d", what, err->code);
	cr_assert_eq(err->expected, expected, "%s: err.expected %u, want %u", what, err->expected, expected);
	cr_assert_eq(err->actual, actual, "%s: err.actual %u, want %u", what, err->actual, actual);
}

/* err is filled with junk first, so a call that forgets a field is caught. */
#define JUNK_ERR { (shmprim_status)77, 0xAAAAAAAAu, 0xBBBBBBBBu }

static uint64_t state_gen_of(const shmprim_slab *slab, uint32_t index)
{
	return slab->raw.meta[index].state_gen;
}

/* ---- exhaustion ---- */

Test(slab, alloc_until_exhausted)
{
	enum { COUNT = 8 };
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, COUNT, 40);
	int seen[COUNT] = { 0 };
	shmprim_slot_handle h;
	uint32_t i;

	cr_assert_eq(shmprim_slab_slot_count(&slab), COUNT);
	cr_assert_eq(shmprim_slab_slot_size(&slab), 40);
	cr_assert_eq(shmprim_slab_free_count_approx(&slab), COUNT);
	for (i = 0; i < COUNT; i++) {
		h = alloc_ok(&slab);
		cr_assert_lt(h.index, COUNT, "handle #%u index %u", i, h.index);
		cr_assert_eq(seen[h.index], 0, "index %u handed out twice", h.index);
		seen[h.index] = 1;
		cr_assert_eq(h.generation, 1, "first handle of slot %u has generation %u", h.index, h.generation);
		cr_assert_eq(shmprim_slab_free_count_approx(&slab), COUNT - i - 1);
	}
	cr_assert_eq(shmprim_slab_try_alloc(&slab, &h), SHMPRIM_ALLOC_WOULD_BLOCK);
	cr_assert_eq(shmprim_slab_try_alloc(&slab, &h), SHMPRIM_ALLOC_WOULD_BLOCK);
	cr_assert_eq(shmprim_slab_free_count_approx(&slab), 0);
	cr_assert_eq(slab.raw.header->free_head & 0xFFFFFFFFu, SHMPRIM_SLAB_END);
	shmprim_heap_region_free(&heap);
}

/* With one free slot, allocation must return exactly that slot, next generation. */
Test(slab, freed_slot_is_the_one_reused)
{
	enum { COUNT = 4 };
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, COUNT, 16);
	shmprim_slot_handle h[COUNT], again;
	uint32_t i;

	for (i = 0; i < COUNT; i++)
		h[i] = alloc_ok(&slab);
	cr_assert_eq(shmprim_slab_free_allocated(&slab, h[2]), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_free_count_approx(&slab), 1);
	again = alloc_ok(&slab);
	cr_assert_eq(again.index, h[2].index);
	cr_assert_eq(again.generation, 2);
	cr_assert_eq(shmprim_slab_try_alloc(&slab, &again), SHMPRIM_ALLOC_WOULD_BLOCK);
	shmprim_heap_region_free(&heap);
}

/* ---- legal transitions ---- */

Test(slab, alloc_mark_in_flight_free)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, 4, 40);
	shmprim_slot_error err = JUNK_ERR;
	shmprim_slot_handle h = alloc_ok(&slab);

	cr_assert_eq(state_gen_of(&slab, h.index), (1ull << 32) | SHMPRIM_SLOT_ALLOCATED);
	expect_err(shmprim_slab_mark_in_flight_ex(&slab, h, &err), &err, SHMPRIM_OK, 0, 0, "mark_in_flight");
	cr_assert_eq(state_gen_of(&slab, h.index), (1ull << 32) | SHMPRIM_SLOT_IN_FLIGHT);
	cr_assert_eq(shmprim_slab_free_count_approx(&slab), 3);
	err = (shmprim_slot_error)JUNK_ERR;
	expect_err(shmprim_slab_free_ex(&slab, h, &err), &err, SHMPRIM_OK, 0, 0, "free");
	cr_assert_eq(state_gen_of(&slab, h.index), (1ull << 32) | SHMPRIM_SLOT_FREE);
	cr_assert_eq(shmprim_slab_free_count_approx(&slab), 4);
	shmprim_heap_region_free(&heap);
}

Test(slab, alloc_free_allocated)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, 4, 40);
	shmprim_slot_error err = JUNK_ERR;
	shmprim_slot_handle h = alloc_ok(&slab);

	expect_err(shmprim_slab_free_allocated_ex(&slab, h, &err), &err, SHMPRIM_OK, 0, 0, "free_allocated");
	cr_assert_eq(state_gen_of(&slab, h.index), (1ull << 32) | SHMPRIM_SLOT_FREE);
	cr_assert_eq(shmprim_slab_free_count_approx(&slab), 4);
	shmprim_heap_region_free(&heap);
}

Test(slab, plain_calls_and_null_err)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, 2, 8);
	shmprim_slot_handle h = alloc_ok(&slab);

	cr_assert_eq(shmprim_slab_free(&slab, h), SHMPRIM_ERR_INVALID_STATE);
	cr_assert_eq(shmprim_slab_mark_in_flight(&slab, h), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_mark_in_flight(&slab, h), SHMPRIM_ERR_INVALID_STATE);
	cr_assert_eq(shmprim_slab_free_allocated(&slab, h), SHMPRIM_ERR_INVALID_STATE);
	cr_assert_eq(shmprim_slab_free_ex(&slab, h, NULL), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_free_ex(&slab, h, NULL), SHMPRIM_ERR_INVALID_STATE);
	h = alloc_ok(&slab);
	cr_assert_eq(shmprim_slab_mark_in_flight_ex(&slab, h, NULL), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_free_allocated_ex(&slab, h, NULL), SHMPRIM_ERR_INVALID_STATE);
	cr_assert_eq(shmprim_slab_free(&slab, h), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_free_count_approx(&slab), 2);
	shmprim_heap_region_free(&heap);
}

/* ---- illegal transitions: exact status, expected and actual ---- */

Test(slab, free_on_allocated)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, 4, 40);
	shmprim_slot_error err = JUNK_ERR;
	shmprim_slot_handle h = alloc_ok(&slab);

	expect_err(shmprim_slab_free_ex(&slab, h, &err), &err, SHMPRIM_ERR_INVALID_STATE, SHMPRIM_SLOT_IN_FLIGHT,
	           SHMPRIM_SLOT_ALLOCATED, "free on ALLOCATED");
	cr_assert_eq(err.expected, 2);
	cr_assert_eq(err.actual, 1);
	/* Refused: nothing changed, and the handle still works. */
	cr_assert_eq(state_gen_of(&slab, h.index), (1ull << 32) | SHMPRIM_SLOT_ALLOCATED);
	cr_assert_eq(shmprim_slab_free_count_approx(&slab), 3);
	cr_assert_eq(shmprim_slab_free_allocated(&slab, h), SHMPRIM_OK);
	shmprim_heap_region_free(&heap);
}

Test(slab, mark_in_flight_on_in_flight)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, 4, 40);
	shmprim_slot_error err = JUNK_ERR;
	shmprim_slot_handle h = alloc_ok(&slab);

	cr_assert_eq(shmprim_slab_mark_in_flight(&slab, h), SHMPRIM_OK);
	expect_err(shmprim_slab_mark_in_flight_ex(&slab, h, &err), &err, SHMPRIM_ERR_INVALID_STATE,
	           SHMPRIM_SLOT_ALLOCATED, SHMPRIM_SLOT_IN_FLIGHT, "mark_in_flight on IN_FLIGHT");
	cr_assert_eq(state_gen_of(&slab, h.index), (1ull << 32) | SHMPRIM_SLOT_IN_FLIGHT);
	cr_assert_eq(shmprim_slab_free(&slab, h), SHMPRIM_OK);
	shmprim_heap_region_free(&heap);
}

Test(slab, free_allocated_on_in_flight)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, 4, 40);
	shmprim_slot_error err = JUNK_ERR;
	shmprim_slot_handle h = alloc_ok(&slab);

	cr_assert_eq(shmprim_slab_mark_in_flight(&slab, h), SHMPRIM_OK);
	expect_err(shmprim_slab_free_allocated_ex(&slab, h, &err), &err, SHMPRIM_ERR_INVALID_STATE,
	           SHMPRIM_SLOT_ALLOCATED, SHMPRIM_SLOT_IN_FLIGHT, "free_allocated on IN_FLIGHT");
	cr_assert_eq(state_gen_of(&slab, h.index), (1ull << 32) | SHMPRIM_SLOT_IN_FLIGHT);
	cr_assert_eq(shmprim_slab_free_count_approx(&slab), 3);
	shmprim_heap_region_free(&heap);
}

Test(slab, double_free_is_refused_and_not_pushed_twice)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, 4, 40);
	shmprim_slot_error err = JUNK_ERR;
	shmprim_slot_handle h = alloc_ok(&slab), a, b;

	cr_assert_eq(shmprim_slab_mark_in_flight(&slab, h), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_free(&slab, h), SHMPRIM_OK);
	expect_err(shmprim_slab_free_ex(&slab, h, &err), &err, SHMPRIM_ERR_INVALID_STATE, SHMPRIM_SLOT_IN_FLIGHT,
	           SHMPRIM_SLOT_FREE, "second free");
	err = (shmprim_slot_error)JUNK_ERR;
	expect_err(shmprim_slab_free_allocated_ex(&slab, h, &err), &err, SHMPRIM_ERR_INVALID_STATE,
	           SHMPRIM_SLOT_ALLOCATED, SHMPRIM_SLOT_FREE, "free_allocated after free");
	err = (shmprim_slot_error)JUNK_ERR;
	expect_err(shmprim_slab_mark_in_flight_ex(&slab, h, &err), &err, SHMPRIM_ERR_INVALID_STATE,
	           SHMPRIM_SLOT_ALLOCATED, SHMPRIM_SLOT_FREE, "mark_in_flight after free");
	cr_assert_eq(shmprim_slab_free_count_approx(&slab), 4, "a refused free changed the free list");
	/* The slot is on the list once: two allocations get two different slots. */
	a = alloc_ok(&slab);
	b = alloc_ok(&slab);
	cr_assert_neq(a.index, b.index);

	h = alloc_ok(&slab);
	cr_assert_eq(shmprim_slab_free_allocated(&slab, h), SHMPRIM_OK);
	err = (shmprim_slot_error)JUNK_ERR;
	expect_err(shmprim_slab_free_allocated_ex(&slab, h, &err), &err, SHMPRIM_ERR_INVALID_STATE,
	           SHMPRIM_SLOT_ALLOCATED, SHMPRIM_SLOT_FREE, "second free_allocated");
	cr_assert_eq(shmprim_slab_free_count_approx(&slab), 2);
	shmprim_heap_region_free(&heap);
}

Test(slab, index_out_of_range)
{
	static const uint32_t bad[] = { 5, 6, 0x7FFFFFFFu, SHMPRIM_SLAB_END };
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, 5, 40);
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		shmprim_slot_handle h = { bad[i], 1 };
		shmprim_slot_error err = JUNK_ERR;

		expect_err(shmprim_slab_mark_in_flight_ex(&slab, h, &err), &err, SHMPRIM_ERR_INVALID_INDEX, 5, bad[i],
		           "mark_in_flight out of range");
		err = (shmprim_slot_error)JUNK_ERR;
		expect_err(shmprim_slab_free_ex(&slab, h, &err), &err, SHMPRIM_ERR_INVALID_INDEX, 5, bad[i],
		           "free out of range");
		err = (shmprim_slot_error)JUNK_ERR;
		expect_err(shmprim_slab_free_allocated_ex(&slab, h, &err), &err, SHMPRIM_ERR_INVALID_INDEX, 5, bad[i],
		           "free_allocated out of range");
		cr_assert_null(shmprim_slab_slot_data(&slab, h), "slot_data for index %u", bad[i]);
	}
	cr_assert_eq(shmprim_slab_free_count_approx(&slab), 5);
	shmprim_heap_region_free(&heap);
}

Test(slab, stale_generation)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, 1, 40);
	shmprim_slot_error err = JUNK_ERR;
	shmprim_slot_handle old = alloc_ok(&slab), cur, forged;

	cr_assert_eq(shmprim_slab_free_allocated(&slab, old), SHMPRIM_OK);
	cur = alloc_ok(&slab);
	cr_assert_eq(cur.index, old.index);
	cr_assert_eq(cur.generation, 2);

	expect_err(shmprim_slab_mark_in_flight_ex(&slab, old, &err), &err, SHMPRIM_ERR_GENERATION_MISMATCH, 1, 2,
	           "mark_in_flight, stale");
	err = (shmprim_slot_error)JUNK_ERR;
	expect_err(shmprim_slab_free_allocated_ex(&slab, old, &err), &err, SHMPRIM_ERR_GENERATION_MISMATCH, 1, 2,
	           "free_allocated, stale");
	cr_assert_eq(shmprim_slab_mark_in_flight(&slab, cur), SHMPRIM_OK);
	err = (shmprim_slot_error)JUNK_ERR;
	expect_err(shmprim_slab_free_ex(&slab, old, &err), &err, SHMPRIM_ERR_GENERATION_MISMATCH, 1, 2,
	           "free, stale");
	/* A generation from the future is refused the same way. */
	forged.index = cur.index;
	forged.generation = 7;
	err = (shmprim_slot_error)JUNK_ERR;
	expect_err(shmprim_slab_free_ex(&slab, forged, &err), &err, SHMPRIM_ERR_GENERATION_MISMATCH, 7, 2,
	           "free, generation 7");
	/* The current owner was not disturbed. */
	cr_assert_eq(state_gen_of(&slab, cur.index), (2ull << 32) | SHMPRIM_SLOT_IN_FLIGHT);
	cr_assert_eq(shmprim_slab_free(&slab, cur), SHMPRIM_OK);
	shmprim_heap_region_free(&heap);
}

/* ---- generations ---- */

Test(slab, generation_increases_by_one_per_allocation)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, 1, 8);
	uint32_t n;

	for (n = 1; n <= 100; n++) {
		shmprim_slot_handle h = alloc_ok(&slab);

		cr_assert_eq(h.index, 0);
		cr_assert_eq(h.generation, n, "allocation #%u has generation %u", n, h.generation);
		if (n % 2)
			cr_assert_eq(shmprim_slab_free_allocated(&slab, h), SHMPRIM_OK);
		else {
			cr_assert_eq(shmprim_slab_mark_in_flight(&slab, h), SHMPRIM_OK);
			cr_assert_eq(shmprim_slab_free(&slab, h), SHMPRIM_OK);
		}
	}
	/* Frees and refused calls never move the generation; only allocation does. */
	cr_assert_eq(state_gen_of(&slab, 0), 100ull << 32);
	shmprim_heap_region_free(&heap);
}

Test(slab, stale_handle_refused_after_reuse)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, 2, 32);
	shmprim_slot_handle a = alloc_ok(&slab), b, again;
	unsigned char *pa, *pb;

	pa = shmprim_slab_slot_data(&slab, a);
	cr_assert_not_null(pa);
	cr_assert_eq(shmprim_slab_free_allocated(&slab, a), SHMPRIM_OK);
	b = alloc_ok(&slab);
	cr_assert_eq(b.index, a.index);
	pb = shmprim_slab_slot_data(&slab, b);
	cr_assert_eq(pb, pa, "same slot, same memory");
	memset(pb, 0x77, 32);
	cr_assert_null(shmprim_slab_slot_data(&slab, a), "stale handle still gets data");
	cr_assert_eq(shmprim_slab_free_allocated(&slab, a), SHMPRIM_ERR_GENERATION_MISMATCH);
	cr_assert_eq(shmprim_slab_mark_in_flight(&slab, a), SHMPRIM_ERR_GENERATION_MISMATCH);
	cr_assert_eq(shmprim_slab_free(&slab, a), SHMPRIM_ERR_GENERATION_MISMATCH);
	cr_assert(unit_all_bytes(pb, 32, 0x77));
	cr_assert_eq(shmprim_slab_free_count_approx(&slab), 1, "a stale free put the slot back");
	again = alloc_ok(&slab);
	cr_assert_neq(again.index, b.index);
	shmprim_heap_region_free(&heap);
}

/* ---- slot data ---- */

static void check_slot_data(uint32_t size, uint32_t stride)
{
	enum { COUNT = 6 };
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, COUNT, size);
	shmprim_slot_handle h[COUNT];
	unsigned char *p[COUNT];
	uint32_t i, j;

	cr_assert_eq(slab.raw.data_stride, stride, "size %u: data_stride %u", size, slab.raw.data_stride);
	/* Never-allocated slots (generation 0, FREE) have no data. */
	for (i = 0; i < COUNT; i++)
		cr_assert_null(shmprim_slab_slot_data(&slab, (shmprim_slot_handle){ i, 0 }), "free slot %u", i);
	for (i = 0; i < COUNT; i++) {
		h[i] = alloc_ok(&slab);
		p[i] = shmprim_slab_slot_data(&slab, h[i]);
		cr_assert_not_null(p[i]);
		cr_assert_eq(p[i], slab.raw.data + (size_t)h[i].index * stride, "size %u: slot %u at the wrong place",
		             size, h[i].index);
		cr_assert_eq((uintptr_t)p[i] % SHMPRIM_SLOT_ALIGN, 0, "size %u: slot %u misaligned", size, h[i].index);
		cr_assert_geq(p[i], slab.raw.data, "slot before the data area");
		cr_assert_leq((size_t)(p[i] - slab.raw.data) + size, (size_t)COUNT * stride, "slot past the data area");
		/* Wrong generations and out-of-range indices get nothing. */
		cr_assert_null(shmprim_slab_slot_data(&slab, (shmprim_slot_handle){ h[i].index, 2 }));
		cr_assert_null(shmprim_slab_slot_data(&slab, (shmprim_slot_handle){ h[i].index, 0 }));
	}
	for (i = 0; i < COUNT; i++)
		for (j = i + 1; j < COUNT; j++) {
			cr_assert_neq(p[i], p[j]);
			cr_assert(p[i] + size <= p[j] || p[j] + size <= p[i], "size %u: slots %u and %u overlap", size,
			          h[i].index, h[j].index);
		}
	/* Write every slot whole, then read every slot back: no write reached another slot. */
	for (i = 0; i < COUNT; i++)
		unit_fill(p[i], size, h[i].index);
	for (i = 0; i < COUNT; i++)
		cr_assert_eq(unit_first_mismatch(p[i], size, h[i].index), size, "size %u: slot %u overwritten", size,
		             h[i].index);
	cr_assert_null(shmprim_slab_slot_data(&slab, (shmprim_slot_handle){ COUNT, 1 }));
	/* IN_FLIGHT still has data; FREE does not, even with the right generation. */
	cr_assert_eq(shmprim_slab_mark_in_flight(&slab, h[0]), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_slot_data(&slab, h[0]), p[0]);
	cr_assert_eq(shmprim_slab_free(&slab, h[0]), SHMPRIM_OK);
	cr_assert_null(shmprim_slab_slot_data(&slab, h[0]), "freed slot still gets data");
	shmprim_heap_region_free(&heap);
}

Test(slab, slot_data_size_40) { check_slot_data(40, 40); }
Test(slab, slot_data_size_13) { check_slot_data(13, 16); }
Test(slab, slot_data_size_1) { check_slot_data(1, 8); }
Test(slab, slot_data_size_4096) { check_slot_data(4096, 4096); }

Test(slab, free_count_exact_when_idle)
{
	enum { COUNT = 10 };
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, COUNT, 24);
	shmprim_slot_handle h[COUNT];
	uint32_t i;

	cr_assert_eq(shmprim_slab_free_count_approx(&slab), COUNT);
	for (i = 0; i < 7; i++) {
		h[i] = alloc_ok(&slab);
		cr_assert_eq(shmprim_slab_free_count_approx(&slab), COUNT - i - 1);
	}
	for (i = 0; i < 7; i++) {
		if (i % 2)
			cr_assert_eq(shmprim_slab_free_allocated(&slab, h[i]), SHMPRIM_OK);
		else {
			cr_assert_eq(shmprim_slab_mark_in_flight(&slab, h[i]), SHMPRIM_OK);
			cr_assert_eq(shmprim_slab_free_count_approx(&slab), COUNT - 7 + i, "in flight is not free");
			cr_assert_eq(shmprim_slab_free(&slab, h[i]), SHMPRIM_OK);
		}
		cr_assert_eq(shmprim_slab_free_count_approx(&slab), COUNT - 7 + i + 1);
	}
	shmprim_heap_region_free(&heap);
}

/* ---- forms and sizes ---- */

Test(slab, sizes)
{
	cr_assert_eq(shmprim_slab_meta_size(4), 256);
	cr_assert_eq(shmprim_slab_data_size(4, 40), 160);
	cr_assert_eq(shmprim_slab_data_size(3, 13), 48);
	cr_assert_eq(shmprim_slab_required_size(4, 40), 256 + 256 + 160);
	cr_assert_eq(shmprim_slab_required_size(1, 1), 256 + 64 + 8);
	cr_assert_eq(shmprim_slab_meta_size(0), 0);
	cr_assert_eq(shmprim_slab_meta_size(SHMPRIM_SLAB_MAX_SLOTS + 1), 0);
	cr_assert_eq(shmprim_slab_data_size(4, 0), 0);
	cr_assert_eq(shmprim_slab_data_size(4, SHMPRIM_SLAB_MAX_SLOT_SIZE + 1), 0);
	cr_assert_eq(shmprim_slab_required_size(0, 8), 0);
	cr_assert_eq(shmprim_slab_required_size(8, 0), 0);
	/* The largest slab: 2^30 slots of 16 MiB is 2^54 bytes of data, fine in 64 bits. */
	if (sizeof(size_t) >= 8)
		cr_assert_eq((uint64_t)shmprim_slab_required_size(SHMPRIM_SLAB_MAX_SLOTS, SHMPRIM_SLAB_MAX_SLOT_SIZE),
		             256ull + (1ull << 30) * 64 + (1ull << 30) * (1ull << 24));
	else
		cr_assert_eq(shmprim_slab_required_size(SHMPRIM_SLAB_MAX_SLOTS, SHMPRIM_SLAB_MAX_SLOT_SIZE), 0);
}

Test(slab, raw_form_separate_buffers)
{
	enum { COUNT = 3, SIZE = 20, STRIDE = 24, PAD = 64 };
	shmprim_heap_region hb = unit_heap(SHMPRIM_SLAB_HEADER_SIZE + PAD);
	shmprim_heap_region mb = unit_heap(COUNT * 64 + PAD);
	shmprim_heap_region db = unit_heap(COUNT * STRIDE + PAD);
	unsigned char *data = (unsigned char *)db.base;
	shmprim_slab_raw slab, again;
	shmprim_slot_error err = JUNK_ERR;
	shmprim_slot_handle h[COUNT], extra;
	uint32_t i;

	memset(hb.base, 0xEE, hb.len);
	memset(mb.base, 0xEE, mb.len);
	memset(db.base, 0xEE, db.len);
	cr_assert_eq(shmprim_slab_raw_init(&slab, hb.base, mb.base, COUNT * 64 - 1, db.base, COUNT * STRIDE, COUNT, SIZE),
	             SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_slab_raw_init(&slab, hb.base, mb.base, COUNT * 64, db.base, COUNT * STRIDE - 1, COUNT, SIZE),
	             SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_slab_raw_init(&slab, hb.base, mb.base, COUNT * 64, db.base, COUNT * STRIDE, COUNT, SIZE),
	             SHMPRIM_OK);
	cr_assert(unit_all_bytes((unsigned char *)hb.base + SHMPRIM_SLAB_HEADER_SIZE, PAD, 0xEE), "init wrote past the header");
	cr_assert(unit_all_bytes((unsigned char *)mb.base + COUNT * 64, PAD, 0xEE), "init wrote past the meta");
	cr_assert(unit_all_bytes(data, db.len, 0xEE), "init wrote slot data");
	cr_assert_eq(shmprim_slab_raw_free_count_approx(&slab), COUNT);

	for (i = 0; i < COUNT; i++) {
		unsigned char *p;

		cr_assert_eq(shmprim_slab_raw_try_alloc(&slab, &h[i]), SHMPRIM_ALLOC_OK);
		p = shmprim_slab_raw_slot_data(&slab, h[i]);
		cr_assert_eq(p, data + (size_t)h[i].index * STRIDE);
		unit_fill(p, SIZE, 100 + h[i].index);
	}
	cr_assert_eq(shmprim_slab_raw_try_alloc(&slab, &extra), SHMPRIM_ALLOC_WOULD_BLOCK);
	for (i = 0; i < COUNT; i++)
		cr_assert_eq(unit_first_mismatch(data + (size_t)h[i].index * STRIDE, SIZE, 100 + h[i].index), SIZE);
	cr_assert(unit_all_bytes(data + COUNT * STRIDE, PAD, 0xEE), "a slot write went past the data");

	cr_assert_eq(shmprim_slab_raw_attach(&again, hb.base, mb.base, COUNT * 64 - 1, db.base, COUNT * STRIDE),
	             SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_slab_raw_attach(&again, hb.base, mb.base, COUNT * 64, db.base, COUNT * STRIDE - 1),
	             SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_slab_raw_attach(&again, hb.base, mb.base, COUNT * 64, db.base, COUNT * STRIDE), SHMPRIM_OK);
	cr_assert(again.slot_count == COUNT && again.slot_size == SIZE && again.data_stride == STRIDE);
	/* A second handle sees and changes the same slots. */
	cr_assert_eq(shmprim_slab_raw_mark_in_flight(&again, h[1], &err), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_raw_free(&slab, h[1], &err), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_raw_free_count_approx(&again), 1);
	cr_assert_eq(shmprim_slab_raw_free_allocated(&again, h[0], &err), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_raw_free_allocated(&slab, h[2], &err), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_raw_free_count_approx(&slab), COUNT);

	shmprim_heap_region_free(&hb);
	shmprim_heap_region_free(&mb);
	shmprim_heap_region_free(&db);
}

Test(slab, raw_form_bad_arguments)
{
	shmprim_heap_region heap = unit_heap(4096);
	unsigned char *b = (unsigned char *)heap.base;
	shmprim_slab_raw slab;

	cr_assert_eq(shmprim_slab_raw_init(NULL, b, b + 256, 256, b + 1024, 256, 4, 8), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_slab_raw_init(&slab, NULL, b + 256, 256, b + 1024, 256, 4, 8), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_slab_raw_init(&slab, b, NULL, 256, b + 1024, 256, 4, 8), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_slab_raw_init(&slab, b, b + 256, 256, NULL, 256, 4, 8), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_slab_raw_init(&slab, b + 8, b + 256, 256, b + 1024, 256, 4, 8), SHMPRIM_ERR_MISALIGNED);
	cr_assert_eq(shmprim_slab_raw_init(&slab, b, b + 264, 256, b + 1024, 256, 4, 8), SHMPRIM_ERR_MISALIGNED);
	cr_assert_eq(shmprim_slab_raw_init(&slab, b, b + 256, 256, b + 1028, 256, 4, 8), SHMPRIM_ERR_MISALIGNED);
	cr_assert_eq(shmprim_slab_raw_attach(NULL, b, b + 256, 256, b + 1024, 256), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_slab_raw_attach(&slab, b, b + 264, 256, b + 1024, 256), SHMPRIM_ERR_MISALIGNED);
	cr_assert(unit_all_bytes(heap.base, heap.len, 0), "a refused init wrote");
	/* data needs only SHMPRIM_SLOT_ALIGN. */
	cr_assert_eq(shmprim_slab_raw_init(&slab, b, b + 256, 256, b + 1032, 256, 4, 8), SHMPRIM_OK);
	shmprim_heap_region_free(&heap);
}

Test(slab, region_form_bad_arguments)
{
	const size_t need = shmprim_slab_required_size(4, 40);
	shmprim_heap_region heap = unit_heap(need + 128);
	shmprim_region region = shmprim_heap_region_region(&heap);
	shmprim_slab slab;

	cr_assert_eq(shmprim_slab_init(&slab, region, 0, 0, 40), SHMPRIM_ERR_BAD_SLOT_COUNT);
	cr_assert_eq(shmprim_slab_init(&slab, region, 0, SHMPRIM_SLAB_MAX_SLOTS + 1, 40), SHMPRIM_ERR_BAD_SLOT_COUNT);
	cr_assert_eq(shmprim_slab_init(&slab, region, 0, 0xFFFFFFFFu, 40), SHMPRIM_ERR_BAD_SLOT_COUNT);
	cr_assert_eq(shmprim_slab_init(&slab, region, 0, 4, 0), SHMPRIM_ERR_BAD_SLOT_SIZE);
	cr_assert_eq(shmprim_slab_init(&slab, region, 0, 4, SHMPRIM_SLAB_MAX_SLOT_SIZE + 1), SHMPRIM_ERR_BAD_SLOT_SIZE);
	cr_assert_eq(shmprim_slab_init(&slab, region, 0, SHMPRIM_SLAB_MAX_SLOTS, 40), SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_slab_init(&slab, region, 8, 4, 40), SHMPRIM_ERR_MISALIGNED);
	cr_assert_eq(shmprim_slab_init(&slab, region, 96, 4, 40), SHMPRIM_ERR_MISALIGNED);
	cr_assert_eq(shmprim_slab_init(&slab, shmprim_region_from_raw(heap.base, need - 1), 0, 4, 40),
	             SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_slab_init(&slab, shmprim_region_from_raw(heap.base, 64 + need - 1), 64, 4, 40),
	             SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_slab_init(NULL, region, 0, 4, 40), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_slab_init(&slab, shmprim_region_from_raw(NULL, need), 0, 4, 40), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_slab_attach(NULL, region, 0), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_slab_attach(&slab, shmprim_region_from_raw(NULL, need), 0), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_slab_attach(&slab, region, 8), SHMPRIM_ERR_MISALIGNED);
	cr_assert(unit_all_bytes(heap.base, heap.len, 0), "a refused init wrote");
	cr_assert_eq(shmprim_slab_init(&slab, shmprim_region_from_raw(heap.base, 64 + need), 64, 4, 40), SHMPRIM_OK);
	shmprim_heap_region_free(&heap);
}

Test(slab, region_form_at_nonzero_offset)
{
	const size_t offset = 128, need = shmprim_slab_required_size(4, 40);
	shmprim_heap_region heap = unit_heap(offset + need + 64);
	unsigned char *base = (unsigned char *)heap.base;
	shmprim_slab slab, other;
	shmprim_slot_handle h;

	memset(base, 0x5A, heap.len);
	cr_assert_eq(shmprim_slab_init(&slab, shmprim_heap_region_region(&heap), offset, 4, 40), SHMPRIM_OK);
	cr_assert_eq((unsigned char *)slab.raw.header, base + offset);
	cr_assert_eq((unsigned char *)slab.raw.meta, base + offset + 256);
	cr_assert_eq(slab.raw.data, base + offset + 256 + 4 * 64);
	h = alloc_ok(&slab);
	memset(shmprim_slab_slot_data(&slab, h), 0x11, 40);
	cr_assert(unit_all_bytes(base, offset, 0x5A), "bytes before the offset changed");
	cr_assert(unit_all_bytes(base + offset + need, 64, 0x5A), "bytes after the slab changed");
	cr_assert_eq(shmprim_slab_attach(&other, shmprim_heap_region_region(&heap), offset), SHMPRIM_OK);
	cr_assert_eq(other.raw.data, slab.raw.data);
	cr_assert_eq(shmprim_slab_slot_data(&other, h), shmprim_slab_slot_data(&slab, h));
	cr_assert_eq(shmprim_slab_free_count_approx(&other), 3);
	shmprim_heap_region_free(&heap);
}

/* ---- corrupted free list ---- */

Test(slab, corrupt_free_head_index)
{
	static const uint32_t bad[] = { 4, 5, 1000, 0xFFFFFFFEu };
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, 4, 40);
	shmprim_slot_handle h;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t forged = (7ull << 32) | bad[i];

		slab.raw.header->free_head = forged;
		cr_assert_eq(shmprim_slab_try_alloc(&slab, &h), SHMPRIM_ALLOC_CORRUPT, "free_head index %u", bad[i]);
		cr_assert_eq(slab.raw.header->free_head, forged, "a refused alloc moved the head");
		cr_assert_eq(shmprim_slab_free_count_approx(&slab), 0, "free count with head index %u", bad[i]);
	}
	shmprim_heap_region_free(&heap);
}

Test(slab, corrupt_next_link)
{
	static const uint32_t bad[] = { 4, 77, 0xFFFFFFFEu };
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, 4, 40);
	shmprim_slot_handle h;
	uint64_t head_before;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		slab.raw.meta[0].next_free = bad[i];
		head_before = slab.raw.header->free_head;
		cr_assert_eq(shmprim_slab_try_alloc(&slab, &h), SHMPRIM_ALLOC_CORRUPT, "next link %u", bad[i]);
		cr_assert_eq(slab.raw.header->free_head, head_before, "a refused alloc moved the head");
		cr_assert_eq(state_gen_of(&slab, 0), 0, "a refused alloc allocated slot 0");
		/* The walk stops at the bad link instead of following it. */
		cr_assert_eq(shmprim_slab_free_count_approx(&slab), 1);
	}
	shmprim_heap_region_free(&heap);
}

/* A cycle in the free list cannot hand one slot out twice or hang the walk. */
Test(slab, free_list_cycle)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, 4, 40);
	shmprim_slot_handle h;

	slab.raw.meta[0].next_free = 0;
	cr_assert_eq(shmprim_slab_free_count_approx(&slab), 4, "walk bounded by slot_count");
	h = alloc_ok(&slab);
	cr_assert_eq(h.index, 0);
	cr_assert_eq(shmprim_slab_try_alloc(&slab, &h), SHMPRIM_ALLOC_CORRUPT, "slot 0 handed out twice");
	shmprim_heap_region_free(&heap);
}

/* A slot on the free list whose state is not FREE is not handed out. */
Test(slab, listed_slot_not_free_is_corrupt)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, 4, 40);
	shmprim_slot_handle h;

	slab.raw.meta[0].state_gen = (3ull << 32) | SHMPRIM_SLOT_IN_FLIGHT;
	cr_assert_eq(shmprim_slab_try_alloc(&slab, &h), SHMPRIM_ALLOC_CORRUPT);
	cr_assert_eq(state_gen_of(&slab, 0), (3ull << 32) | SHMPRIM_SLOT_IN_FLIGHT, "the slot's word changed");
	shmprim_heap_region_free(&heap);
}

/* ---- generation lifetime (issue 12, item 2) ----
 * A 1-slot slab with a cache of 1, as reported: the slot's generation is
 * started near the end of its range by writing the state word (the test's
 * hook; reaching it by allocation takes 2^32 cycles). Before the rule, the
 * generation wrapped to 0 and the handle from the very first allocation
 * (generation 1) freed the new owner's slot. */
static void set_free_generation(shmprim_slab *slab, uint32_t index, uint32_t gen)
{
	slab->raw.meta[index].state_gen = (uint64_t)gen << 32 | SHMPRIM_SLOT_FREE;
}

Test(slab, stale_handle_refused_across_the_generation_limit)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make_slab(&slab, 1, 16);
	shmprim_slot_handle first, h, forged = { 0, SHMPRIM_SLAB_GEN_RETIRED };
	shmprim_slot_error err;
	shmprim_slab_audit_report a;
	uint32_t k, handed = 0;

	cr_assert_eq(shmprim_slab_set_cache(&slab, 1), SHMPRIM_OK);
	first = alloc_ok(&slab);
	cr_assert_eq(first.generation, 1u);
	cr_assert_eq(shmprim_slab_free_allocated(&slab, first), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_flush_cache(&slab), SHMPRIM_OK);
	set_free_generation(&slab, 0, SHMPRIM_SLAB_GEN_LAST - 2); /* what ~2^32 more cycles leave */
	for (k = 0; k < (1u << 17); k++) { /* past the old wrap, 2^16 + 3 allocations away */
		if (shmprim_slab_try_alloc(&slab, &h) != SHMPRIM_ALLOC_OK)
			break;
		handed++;
		cr_assert_neq(h.generation, first.generation, "generation %u handed out twice", h.generation);
		expect_err(shmprim_slab_free_allocated_ex(&slab, first, &err), &err, SHMPRIM_ERR_GENERATION_MISMATCH,
		           first.generation, h.generation, "the first allocation's handle");
		cr_assert_eq(shmprim_slab_free_allocated(&slab, h), SHMPRIM_OK, "the owner's own free");
	}
	/* GEN_LAST - 1 and GEN_LAST handed out, then the slot retired. */
	cr_assert_eq(handed, 2u);
	cr_assert_eq(shmprim_slab_try_alloc(&slab, &h), SHMPRIM_ALLOC_WOULD_BLOCK);
	cr_assert_eq(state_gen_of(&slab, 0), ((uint64_t)SHMPRIM_SLAB_GEN_RETIRED << 32) | SHMPRIM_SLOT_ALLOCATED);
	cr_assert_eq(shmprim_slab_free_allocated(&slab, first), SHMPRIM_ERR_GENERATION_MISMATCH);
	cr_assert_eq(shmprim_slab_free_allocated(&slab, forged), SHMPRIM_ERR_GENERATION_MISMATCH);
	cr_assert_null(shmprim_slab_slot_data(&slab, forged));
	shmprim_slab_audit(&slab, &a);
	cr_assert(a.list_ok);
	cr_assert_eq(a.on_free_list, 0u);
	cr_assert_eq(a.allocated, 1u);
	cr_assert_eq(a.free_off_list, 0u);
	shmprim_heap_region_free(&heap);
}

/* The exact boundary: GEN_LAST - 2 free hands out GEN_LAST - 1 and GEN_LAST,
 * then the slot retires, in the plain and the cache path, and the other slot
 * carries on. */
Test(slab, the_last_generation_is_handed_out_once_then_the_slot_retires)
{
	int cached;

	for (cached = 0; cached <= 1; cached++) {
		shmprim_slab slab;
		shmprim_heap_region heap = make_slab(&slab, 2, 16);
		shmprim_slot_handle h, other;

		cr_assert_eq(shmprim_slab_set_cache(&slab, cached ? 1u : 0u), SHMPRIM_OK);
		set_free_generation(&slab, 0, SHMPRIM_SLAB_GEN_LAST - 2);
		h = alloc_ok(&slab);
		cr_assert_eq(h.index, 0u);
		cr_assert_eq(h.generation, SHMPRIM_SLAB_GEN_LAST - 1);
		cr_assert_eq(shmprim_slab_free_allocated(&slab, h), SHMPRIM_OK);
		if (cached) {
			/* from the cache: the same slot, its last generation */
			h = alloc_ok(&slab);
			cr_assert_eq(h.index, 0u);
			cr_assert_eq(h.generation, SHMPRIM_SLAB_GEN_LAST);
			cr_assert_eq(shmprim_slab_free_allocated(&slab, h), SHMPRIM_OK);
		} else {
			h = alloc_ok(&slab);
			cr_assert_eq(h.index, 0u);
			cr_assert_eq(h.generation, SHMPRIM_SLAB_GEN_LAST);
			cr_assert_eq(shmprim_slab_free_allocated(&slab, h), SHMPRIM_OK);
		}
		/* slot 0 is spent: the next allocation retires it and takes slot 1 */
		other = alloc_ok(&slab);
		cr_assert_eq(other.index, 1u, "cache %d: got slot %u", cached, other.index);
		cr_assert_eq(other.generation, 1u);
		cr_assert_eq(state_gen_of(&slab, 0),
		             ((uint64_t)SHMPRIM_SLAB_GEN_RETIRED << 32) | SHMPRIM_SLOT_ALLOCATED);
		cr_assert_eq(shmprim_slab_free_allocated(&slab, h), SHMPRIM_ERR_GENERATION_MISMATCH);
		cr_assert_eq(shmprim_slab_free_allocated(&slab, other), SHMPRIM_OK);
		cr_assert_eq(shmprim_slab_flush_cache(&slab), SHMPRIM_OK);
		other = alloc_ok(&slab);
		cr_assert_eq(other.index, 1u);
		cr_assert_eq(shmprim_slab_try_alloc(&slab, &h), SHMPRIM_ALLOC_WOULD_BLOCK);
		shmprim_heap_region_free(&heap);
	}
}
