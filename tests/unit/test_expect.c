/*
 * Attach with the geometry the caller expects (issue 12, item 1). A creator
 * -- hostile, restarted or simply built differently -- writes a ring or slab
 * whose header is valid, checksum included, but whose geometry is not what
 * the attacher was written for. The _expect forms must refuse it with
 * SHMPRIM_ERR_UNEXPECTED_GEOMETRY before any entry is copied, and the region
 * forms must refuse a structure that runs past the extent declared for it
 * (SHMPRIM_ERR_OVERLAP) instead of reaching over its neighbour. The suite
 * also runs under ASan (build-asan), where the old, unchecked path would
 * write past the caller's 8-byte buffer.
 */
#include "unit_util.h"

TestSuite(expect, .timeout = UNIT_TIMEOUT_S);

/* The demo's layout (examples/demo.c): a ring of slot handles at offset 0 and
 * a slab of 64-byte slots right after it. */
#define DEMO_CAPACITY 256u
#define DEMO_SLOTS 512u
#define DEMO_SLOT_SIZE 64u

static size_t demo_ring_extent(void)
{
	return shmprim_spsc_required_size(DEMO_CAPACITY, sizeof(shmprim_slot_handle));
}

static size_t demo_slab_offset(void)
{
	return (demo_ring_extent() + SHMPRIM_ALIGN - 1) / SHMPRIM_ALIGN * SHMPRIM_ALIGN;
}

static size_t demo_len(void)
{
	return demo_slab_offset() + shmprim_slab_required_size(DEMO_SLOTS, DEMO_SLOT_SIZE);
}

static const shmprim_spsc_expect demo_ring_expect = { sizeof(shmprim_slot_handle), DEMO_CAPACITY, DEMO_CAPACITY };
static const shmprim_slab_expect demo_slab_expect = { DEMO_SLOT_SIZE, DEMO_SLOTS, DEMO_SLOTS };

Test(expect, honest_demo_layout_attaches)
{
	shmprim_heap_region heap = unit_heap(demo_len());
	shmprim_region region = shmprim_heap_region_region(&heap);
	shmprim_spsc ring;
	shmprim_slab slab;

	cr_assert_eq(shmprim_spsc_init(&ring, region, 0, DEMO_CAPACITY, sizeof(shmprim_slot_handle)), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_init(&slab, region, demo_slab_offset(), DEMO_SLOTS, DEMO_SLOT_SIZE), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_attach_expect(&ring, region, 0, demo_ring_extent(), &demo_ring_expect), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_capacity(&ring), DEMO_CAPACITY);
	cr_assert_eq(shmprim_slab_attach_expect(&slab, region, demo_slab_offset(),
	                                        shmprim_slab_required_size(DEMO_SLOTS, DEMO_SLOT_SIZE), &demo_slab_expect),
	             SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_slot_count(&slab), DEMO_SLOTS);
	shmprim_heap_region_free(&heap);
}

/* The reported attack: a ring of 256-byte entries where the consumer pops into
 * an 8-byte handle. Refused in region and raw form; nothing written to the
 * handle (under ASan the old path was a stack-buffer-overflow WRITE of 256). */
Test(expect, ring_with_256_byte_entries_is_refused)
{
	size_t len = shmprim_spsc_required_size(64, 256);
	shmprim_heap_region heap = unit_heap(len);
	shmprim_region region = shmprim_heap_region_region(&heap);
	unsigned char *base = (unsigned char *)heap.base;
	shmprim_spsc ring;
	shmprim_spsc_raw raw;
	shmprim_spsc_expect any_capacity = { sizeof(shmprim_slot_handle), 0, 0 };

	cr_assert_eq(shmprim_spsc_init(&ring, region, 0, 64, 256), SHMPRIM_OK);
	memset(&ring, 0, sizeof(ring));
	cr_assert_eq(shmprim_spsc_attach_expect(&ring, region, 0, len, &any_capacity), SHMPRIM_ERR_UNEXPECTED_GEOMETRY);
	cr_assert_eq(shmprim_spsc_attach_expect(&ring, region, 0, len, &demo_ring_expect),
	             SHMPRIM_ERR_UNEXPECTED_GEOMETRY);
	cr_assert_eq(shmprim_spsc_raw_attach_expect(&raw, base, base + SHMPRIM_SPSC_HEADER_SIZE,
	                                            len - SHMPRIM_SPSC_HEADER_SIZE, &any_capacity),
	             SHMPRIM_ERR_UNEXPECTED_GEOMETRY);
	/* The plain form accepts it, and says what the caller must then check. */
	cr_assert_eq(shmprim_spsc_attach(&ring, region, 0), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_entry_size(&ring), 256u);
	shmprim_heap_region_free(&heap);
}

/* A typed consumer never copies more than sizeof(type), whatever the header says. */
SHMPRIM_SPSC_TYPED(handle_ring, shmprim_slot_handle)

Test(expect, typed_pop_never_copies_past_its_type)
{
	size_t len = shmprim_spsc_required_size(64, 256);
	shmprim_heap_region heap = unit_heap(len);
	shmprim_region region = shmprim_heap_region_region(&heap);
	shmprim_spsc ring;
	shmprim_spsc_producer producer;
	shmprim_spsc_consumer consumer;
	unsigned char big[256];
	shmprim_slot_handle h = { 7, 7 };

	cr_assert_eq(shmprim_spsc_init(&ring, region, 0, 64, 256), SHMPRIM_OK);
	shmprim_spsc_split(&ring, &producer, &consumer);
	memset(big, 0xAB, sizeof(big));
	cr_assert_eq(shmprim_spsc_push(&producer, big), SHMPRIM_PUSH_OK);
	cr_assert_eq(handle_ring_pop(&consumer, &h), false);
	cr_assert_eq(h.index, 7u);
	cr_assert_eq(handle_ring_pop_burst(&consumer, &h, 1), 0u);
	cr_assert_eq(handle_ring_push(&producer, &h), SHMPRIM_PUSH_CORRUPT);
	shmprim_heap_region_free(&heap);
}

Test(expect, ring_capacity_bounds)
{
	size_t len = shmprim_spsc_required_size(64, 8);
	shmprim_heap_region heap = unit_heap(len);
	shmprim_region region = shmprim_heap_region_region(&heap);
	shmprim_spsc ring;
	shmprim_spsc_expect e = { 8, 0, 0 };

	cr_assert_eq(shmprim_spsc_init(&ring, region, 0, 64, 8), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_attach_expect(&ring, region, 0, len, &e), SHMPRIM_OK);
	e.min_capacity = 64;
	e.max_capacity = 64;
	cr_assert_eq(shmprim_spsc_attach_expect(&ring, region, 0, len, &e), SHMPRIM_OK);
	e.min_capacity = 128;
	e.max_capacity = 0;
	cr_assert_eq(shmprim_spsc_attach_expect(&ring, region, 0, len, &e), SHMPRIM_ERR_UNEXPECTED_GEOMETRY);
	e.min_capacity = 0;
	e.max_capacity = 32;
	cr_assert_eq(shmprim_spsc_attach_expect(&ring, region, 0, len, &e), SHMPRIM_ERR_UNEXPECTED_GEOMETRY);
	/* Expectations no ring can meet. */
	e.min_capacity = 64;
	e.max_capacity = 32;
	cr_assert_eq(shmprim_spsc_attach_expect(&ring, region, 0, len, &e), SHMPRIM_ERR_INVALID_ARGUMENT);
	e.entry_size = 0;
	e.min_capacity = 0;
	e.max_capacity = 0;
	cr_assert_eq(shmprim_spsc_attach_expect(&ring, region, 0, len, &e), SHMPRIM_ERR_INVALID_ARGUMENT);
	e.entry_size = SHMPRIM_SPSC_MAX_ENTRY_SIZE + 1;
	cr_assert_eq(shmprim_spsc_attach_expect(&ring, region, 0, len, &e), SHMPRIM_ERR_INVALID_ARGUMENT);
	cr_assert_eq(shmprim_spsc_attach_expect(&ring, region, 0, len, NULL), SHMPRIM_ERR_NULL_ARGUMENT);
	e.entry_size = 8;
	cr_assert_eq(shmprim_spsc_attach_expect(&ring, region, 0, SHMPRIM_SPSC_HEADER_SIZE - 1, &e),
	             SHMPRIM_ERR_INVALID_ARGUMENT);
	cr_assert_eq(shmprim_spsc_attach_expect(&ring, region, 0, len + 1, &e), SHMPRIM_ERR_REGION_TOO_SMALL);
	shmprim_heap_region_free(&heap);
}

/* In the demo's layout, a forged ring header with the right entry size but a
 * capacity whose slots run over the slab: refused by the extent even when the
 * caller accepts any capacity, and the slab is left intact. */
Test(expect, ring_claiming_the_slab_is_refused_as_overlap)
{
	shmprim_heap_region heap = unit_heap(demo_len());
	shmprim_region region = shmprim_heap_region_region(&heap);
	shmprim_spsc ring;
	shmprim_slab slab;
	shmprim_slab_audit_report audit;
	shmprim_spsc_expect any_capacity = { sizeof(shmprim_slot_handle), 0, 0 };
	uint32_t forged = DEMO_CAPACITY * 8; /* still fits the region, runs over the slab */

	cr_assert_leq(shmprim_spsc_required_size(forged, sizeof(shmprim_slot_handle)), demo_len());
	cr_assert_gt(shmprim_spsc_required_size(forged, sizeof(shmprim_slot_handle)), demo_slab_offset());
	cr_assert_eq(shmprim_slab_init(&slab, region, demo_slab_offset(), DEMO_SLOTS, DEMO_SLOT_SIZE), SHMPRIM_OK);
	/* The forger writes only its header (init would also zero the cells over the slab). */
	{
		shmprim_heap_region scratch = unit_heap(shmprim_spsc_required_size(forged, sizeof(shmprim_slot_handle)));

		cr_assert_eq(shmprim_spsc_init(&ring, shmprim_heap_region_region(&scratch), 0, forged,
		                               sizeof(shmprim_slot_handle)),
		             SHMPRIM_OK);
		memcpy(heap.base, scratch.base, SHMPRIM_SPSC_HEADER_SIZE);
		shmprim_heap_region_free(&scratch);
	}
	cr_assert_eq(shmprim_spsc_attach_expect(&ring, region, 0, demo_ring_extent(), &any_capacity),
	             SHMPRIM_ERR_OVERLAP);
	cr_assert_eq(shmprim_spsc_attach_expect(&ring, region, 0, demo_ring_extent(), &demo_ring_expect),
	             SHMPRIM_ERR_UNEXPECTED_GEOMETRY);
	/* The plain form would have accepted it. */
	cr_assert_eq(shmprim_spsc_attach(&ring, region, 0), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_attach_expect(&slab, region, demo_slab_offset(),
	                                        shmprim_slab_required_size(DEMO_SLOTS, DEMO_SLOT_SIZE), &demo_slab_expect),
	             SHMPRIM_OK);
	shmprim_slab_audit(&slab, &audit);
	cr_assert(audit.list_ok);
	cr_assert_eq(audit.on_free_list, DEMO_SLOTS);
	shmprim_heap_region_free(&heap);
}

/* The slab case of the report: re-initialised with 910 slots of 8 bytes. */
Test(expect, slab_of_910_slots_of_8_bytes_is_refused)
{
	size_t len = shmprim_slab_required_size(DEMO_SLOTS, DEMO_SLOT_SIZE);
	shmprim_heap_region heap = unit_heap(len);
	shmprim_region region = shmprim_heap_region_region(&heap);
	unsigned char *base = (unsigned char *)heap.base;
	shmprim_slab slab;
	shmprim_slab_raw raw;
	shmprim_slab_expect any_count = { DEMO_SLOT_SIZE, 0, 0 };
	size_t meta = shmprim_slab_meta_size(910);

	cr_assert_leq(shmprim_slab_required_size(910, 8), len);
	cr_assert_eq(shmprim_slab_init(&slab, region, 0, 910, 8), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_attach_expect(&slab, region, 0, len, &demo_slab_expect),
	             SHMPRIM_ERR_UNEXPECTED_GEOMETRY);
	cr_assert_eq(shmprim_slab_attach_expect(&slab, region, 0, len, &any_count), SHMPRIM_ERR_UNEXPECTED_GEOMETRY);
	cr_assert_eq(shmprim_slab_raw_attach_expect(&raw, base, base + SHMPRIM_SLAB_HEADER_SIZE, meta,
	                                            base + SHMPRIM_SLAB_HEADER_SIZE + meta,
	                                            len - SHMPRIM_SLAB_HEADER_SIZE - meta, &any_count),
	             SHMPRIM_ERR_UNEXPECTED_GEOMETRY);
	cr_assert_eq(shmprim_slab_attach(&slab, region, 0), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_slot_size(&slab), 8u);
	shmprim_heap_region_free(&heap);
}

Test(expect, slab_count_bounds_and_overlap)
{
	size_t small = shmprim_slab_required_size(8, 64);
	size_t len = shmprim_slab_required_size(16, 64);
	shmprim_heap_region heap = unit_heap(len);
	shmprim_region region = shmprim_heap_region_region(&heap);
	shmprim_slab slab;
	shmprim_slab_expect e = { 64, 0, 0 };

	cr_assert_eq(shmprim_slab_init(&slab, region, 0, 16, 64), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_attach_expect(&slab, region, 0, len, &e), SHMPRIM_OK);
	/* 16 slots where the caller declared room for 8: past its extent. */
	cr_assert_eq(shmprim_slab_attach_expect(&slab, region, 0, small, &e), SHMPRIM_ERR_OVERLAP);
	e.max_slot_count = 8;
	cr_assert_eq(shmprim_slab_attach_expect(&slab, region, 0, len, &e), SHMPRIM_ERR_UNEXPECTED_GEOMETRY);
	e.max_slot_count = 0;
	e.min_slot_count = 17;
	cr_assert_eq(shmprim_slab_attach_expect(&slab, region, 0, len, &e), SHMPRIM_ERR_UNEXPECTED_GEOMETRY);
	e.min_slot_count = 16;
	e.max_slot_count = 16;
	cr_assert_eq(shmprim_slab_attach_expect(&slab, region, 0, len, &e), SHMPRIM_OK);
	e.min_slot_count = 17;
	cr_assert_eq(shmprim_slab_attach_expect(&slab, region, 0, len, &e), SHMPRIM_ERR_INVALID_ARGUMENT);
	e.min_slot_count = 0;
	e.max_slot_count = 0;
	e.slot_size = 0;
	cr_assert_eq(shmprim_slab_attach_expect(&slab, region, 0, len, &e), SHMPRIM_ERR_INVALID_ARGUMENT);
	e.slot_size = 64;
	cr_assert_eq(shmprim_slab_attach_expect(&slab, region, 0, SHMPRIM_SLAB_HEADER_SIZE - 1, &e),
	             SHMPRIM_ERR_INVALID_ARGUMENT);
	cr_assert_eq(shmprim_slab_attach_expect(&slab, region, 0, len + 1, &e), SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_slab_attach_expect(&slab, region, 0, len, NULL), SHMPRIM_ERR_NULL_ARGUMENT);
	shmprim_heap_region_free(&heap);
}
