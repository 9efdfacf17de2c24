/* Regions: the borrowed view and the heap region that owns its memory. */
#include "unit_util.h"

/* Below Meson's 60 s, so a hang is reported by Criterion, which also reaps its worker. */
TestSuite(region, .timeout = UNIT_TIMEOUT_S);

/* The huge-allocation test expects posix_memalign to fail with NULL; ASan's
 * allocator aborts on such requests unless told to return NULL. Only an
 * ASan build calls this. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

Test(region, heap_region_is_zeroed_aligned_and_sized)
{
	static const size_t lens[] = { 1, 63, 64, 65, 1000, 4096, 1u << 20 };
	size_t i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		shmprim_heap_region heap = { (void *)1, 12345 };
		shmprim_region r;

		cr_assert_eq(shmprim_heap_region_new_zeroed(&heap, lens[i]), SHMPRIM_OK, "len %zu", lens[i]);
		cr_assert_not_null(heap.base, "len %zu", lens[i]);
		cr_assert_eq((uintptr_t)heap.base % SHMPRIM_ALIGN, 0, "len %zu: base %p not 64-aligned", lens[i],
		             heap.base);
		cr_assert_eq(heap.len, lens[i]);
		cr_assert(unit_all_bytes(heap.base, heap.len, 0), "len %zu: not zeroed", lens[i]);
		/* All of it is ours to write. */
		memset(heap.base, 0xC3, heap.len);
		r = shmprim_heap_region_region(&heap);
		cr_assert_eq(r.base, heap.base);
		cr_assert_eq(r.len, lens[i]);
		shmprim_heap_region_free(&heap);
		cr_assert_null(heap.base);
		cr_assert_eq(heap.len, 0);
	}
}

Test(region, heap_region_of_length_zero)
{
	shmprim_heap_region heap;

	cr_assert_eq(shmprim_heap_region_new_zeroed(&heap, 0), SHMPRIM_OK);
	cr_assert_not_null(heap.base, "a zero-length heap region still has a base");
	cr_assert_eq((uintptr_t)heap.base % SHMPRIM_ALIGN, 0);
	cr_assert_eq(heap.len, 0);
	shmprim_heap_region_free(&heap);
	cr_assert_null(heap.base);
	cr_assert_eq(heap.len, 0);
}

Test(region, free_resets_and_twice_is_harmless)
{
	shmprim_heap_region heap = unit_heap(256);

	shmprim_heap_region_free(&heap);
	cr_assert_null(heap.base);
	cr_assert_eq(heap.len, 0);
	shmprim_heap_region_free(&heap);
	cr_assert_null(heap.base);
	cr_assert_eq(heap.len, 0);
	shmprim_heap_region_free(NULL);
}

Test(region, new_zeroed_failures)
{
	shmprim_heap_region heap = { (void *)1, 12345 };

	cr_assert_eq(shmprim_heap_region_new_zeroed(NULL, 64), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_heap_region_new_zeroed(&heap, SIZE_MAX - 4096), SHMPRIM_ERR_NO_MEMORY);
	cr_assert_null(heap.base, "a failed allocation leaves base NULL");
	cr_assert_eq(heap.len, 0, "a failed allocation leaves len 0");
	shmprim_heap_region_free(&heap);
}

Test(region, region_from_raw_and_of_nothing)
{
	unsigned char buf[128];
	shmprim_region r = shmprim_region_from_raw(buf, sizeof(buf));
	shmprim_region none = shmprim_heap_region_region(NULL);
	shmprim_heap_region freed = { NULL, 0 };

	cr_assert_eq(r.base, (void *)buf);
	cr_assert_eq(r.len, 128);
	r = shmprim_region_from_raw(NULL, 0);
	cr_assert_null(r.base);
	cr_assert_eq(r.len, 0);
	cr_assert_null(none.base);
	cr_assert_eq(none.len, 0);
	none = shmprim_heap_region_region(&freed);
	cr_assert_null(none.base);
	cr_assert_eq(none.len, 0);
}

/* A heap region is a usable home for both structures. */
Test(region, heap_region_hosts_a_ring_and_a_slab)
{
	const size_t ring_need = shmprim_spsc_required_size(4, 8);
	const size_t slab_off = (ring_need + SHMPRIM_ALIGN - 1) / SHMPRIM_ALIGN * SHMPRIM_ALIGN;
	shmprim_heap_region heap = unit_heap(slab_off + shmprim_slab_required_size(2, 16));
	shmprim_region r = shmprim_heap_region_region(&heap);
	shmprim_spsc ring;
	shmprim_slab slab;
	shmprim_slot_handle h;

	cr_assert_eq(shmprim_spsc_init(&ring, r, 0, 4, 8), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_init(&slab, r, slab_off, 2, 16), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_try_alloc(&slab, &h), SHMPRIM_ALLOC_OK);
	cr_assert_eq(shmprim_spsc_attach(&ring, r, 0), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_attach(&slab, r, slab_off), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_free_count_approx(&slab), 1);
	shmprim_heap_region_free(&heap);
}

/* A layout's extents: in the region, aligned, and disjoint (issue 12). */
Test(region, extents_must_be_aligned_inside_and_disjoint)
{
	shmprim_heap_region heap = unit_heap(4096);
	shmprim_region r = shmprim_heap_region_region(&heap);
	shmprim_extent ok[2] = { { 0, 1024 }, { 1024, 3072 } };
	shmprim_extent overlap[2] = { { 0, 1088 }, { 1024, 3072 } };
	shmprim_extent inside[2] = { { 1024, 3072 }, { 2048, 64 } };
	shmprim_extent past[1] = { { 1024, 3073 } };
	shmprim_extent huge[1] = { { 64, SIZE_MAX } };
	shmprim_extent misaligned[1] = { { 8, 64 } };
	shmprim_extent empty[1] = { { 0, 0 } };

	cr_assert_eq(shmprim_region_check_extents(r, ok, 2), SHMPRIM_OK);
	cr_assert_eq(shmprim_region_check_extents(r, overlap, 2), SHMPRIM_ERR_OVERLAP);
	cr_assert_eq(shmprim_region_check_extents(r, inside, 2), SHMPRIM_ERR_OVERLAP);
	cr_assert_eq(shmprim_region_check_extents(r, past, 1), SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_region_check_extents(r, huge, 1), SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_region_check_extents(r, misaligned, 1), SHMPRIM_ERR_MISALIGNED);
	cr_assert_eq(shmprim_region_check_extents(r, empty, 1), SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_region_check_extents(r, NULL, 0), SHMPRIM_OK);
	cr_assert_eq(shmprim_region_check_extents(r, NULL, 1), SHMPRIM_ERR_NULL_ARGUMENT);
	shmprim_heap_region_free(&heap);
}
