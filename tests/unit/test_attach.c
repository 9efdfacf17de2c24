/*
 * attach() against hostile headers: a freshly initialised ring (capacity 16,
 * entry 8) and slab (4 slots of 40 bytes) are copied, one thing in the copy
 * is changed, and attach must answer with the specific status. Then every
 * single-bit flip of line 0 (bytes 0..127) of both headers.
 *
 * Offsets are literals from include/shmprim/layout.h (test_layout asserts them).
 */
#include "unit_util.h"

/* Below Meson's 60 s, so a hang is reported by Criterion, which also reaps its worker. */
TestSuite(attach, .timeout = UNIT_TIMEOUT_S);

#define RING_CAP 16u
#define RING_ENTRY 8u
#define RING_NEED (384u + 3u * 64u)                /* 16 entries: 3 cells of up to 7 */
#define SLAB_COUNT 4u
#define SLAB_SIZE 40u
#define SLAB_NEED (256u + SLAB_COUNT * 64u + SLAB_COUNT * 40u) /* 672 */

/* One change to a copy: `width` bytes (1, 4 or 8) at `offset` set to `value`. */
struct edit {
	const char *what;
	size_t offset;
	unsigned width;
	uint64_t value;
	shmprim_status want;
};

static void put(shmprim_heap_region *img, size_t offset, unsigned width, uint64_t value)
{
	unsigned char *at = (unsigned char *)img->base + offset;
	uint32_t v32 = (uint32_t)value;
	uint8_t v8 = (uint8_t)value;

	if (width == 8)
		memcpy(at, &value, 8);
	else if (width == 4)
		memcpy(at, &v32, 4);
	else
		memcpy(at, &v8, 1);
}

/* A zeroed image of `len` bytes with a ring initialised at offset 0. */
static shmprim_heap_region ring_image(size_t len, uint32_t capacity, uint32_t entry_size)
{
	shmprim_heap_region img = unit_heap(len);
	shmprim_spsc ring;

	cr_assert_eq(shmprim_spsc_init(&ring, shmprim_heap_region_region(&img), 0, capacity, entry_size), SHMPRIM_OK);
	return img;
}

static shmprim_heap_region slab_image(size_t len)
{
	shmprim_heap_region img = unit_heap(len);
	shmprim_slab slab;

	cr_assert_eq(shmprim_slab_init(&slab, shmprim_heap_region_region(&img), 0, SLAB_COUNT, SLAB_SIZE), SHMPRIM_OK);
	return img;
}

/* attach must only read: the image is the same afterwards. */
static shmprim_status ring_attach(shmprim_heap_region *img, size_t len)
{
	unsigned char *before = malloc(img->len);
	shmprim_spsc ring;
	shmprim_status st;

	cr_assert(before);
	memcpy(before, img->base, img->len);
	st = shmprim_spsc_attach(&ring, shmprim_region_from_raw(img->base, len), 0);
	cr_assert_eq(memcmp(before, img->base, img->len), 0, "ring attach wrote to the region");
	free(before);
	return st;
}

static shmprim_status slab_attach(shmprim_heap_region *img, size_t len)
{
	unsigned char *before = malloc(img->len);
	shmprim_slab slab;
	shmprim_status st;

	cr_assert(before);
	memcpy(before, img->base, img->len);
	st = shmprim_slab_attach(&slab, shmprim_region_from_raw(img->base, len), 0);
	cr_assert_eq(memcmp(before, img->base, img->len), 0, "slab attach wrote to the region");
	free(before);
	return st;
}

static shmprim_status slab_raw_attach(shmprim_heap_region *img)
{
	unsigned char *b = (unsigned char *)img->base;
	shmprim_slab_raw raw;

	return shmprim_slab_raw_attach(&raw, b, b + 256, SLAB_COUNT * 64, b + 256 + SLAB_COUNT * 64,
	                               SLAB_COUNT * SLAB_SIZE);
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- ring header fields ---- */

static const struct edit ring_edits[] = {
	{ "magic garbage", 0, 4, 0x12345678u, SHMPRIM_ERR_BAD_MAGIC },
	{ "magic zero", 0, 4, 0, SHMPRIM_ERR_BAD_MAGIC },
	{ "magic of a slab", 0, 4, SHMPRIM_SLAB_MAGIC, SHMPRIM_ERR_BAD_MAGIC },
	{ "magic byte-swapped", 0, 4, 0x52535053u, SHMPRIM_ERR_WRONG_ENDIAN },
	{ "version 0", 4, 4, 0, SHMPRIM_ERR_BAD_VERSION },
	{ "version 1 (head stored on every push)", 4, 4, 1, SHMPRIM_ERR_BAD_VERSION },
	{ "version 2 (one seq per entry)", 4, 4, 2, SHMPRIM_ERR_BAD_VERSION },
	{ "version 3 (no claim words)", 4, 4, 3, SHMPRIM_ERR_BAD_VERSION },
	{ "version 5", 4, 4, 5, SHMPRIM_ERR_BAD_VERSION },
	{ "version byte-swapped", 4, 4, 0x04000000u, SHMPRIM_ERR_BAD_VERSION },
	{ "capacity 0", 8, 4, 0, SHMPRIM_ERR_BAD_CAPACITY },
	{ "capacity 3", 8, 4, 3, SHMPRIM_ERR_BAD_CAPACITY },
	{ "capacity 2^31+1", 8, 4, 0x80000001u, SHMPRIM_ERR_BAD_CAPACITY },
	{ "entry_size 0", 12, 4, 0, SHMPRIM_ERR_BAD_ENTRY_SIZE },
	{ "entry_size 1MiB+1", 12, 4, (1u << 20) + 1, SHMPRIM_ERR_BAD_ENTRY_SIZE },
	{ "cell_stride 16 (version 2's slot)", 16, 4, 16, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "cell_stride 72", 16, 4, 72, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "cell_stride 0", 16, 4, 0, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "header_size 383", 20, 4, 383, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "header_size 256", 20, 4, 256, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "header_size 0", 20, 4, 0, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "slots_bytes 191", 24, 8, 191, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "slots_bytes 193", 24, 8, 193, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "slots_bytes 256 (16 slots of version 2)", 24, 8, 256, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "slots_bytes 0", 24, 8, 0, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "slots_bytes 192+2^32", 24, 8, 192 + (1ull << 32), SHMPRIM_ERR_BAD_GEOMETRY },
	{ "flags 1", 32, 4, 1, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "flags 2^31", 32, 4, 0x80000000u, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "entries_per_cell 1", 36, 4, 1, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "entries_per_cell 8", 36, 4, 8, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "entries_per_cell 0", 36, 4, 0, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "reserved byte 44", 44, 1, 1, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "reserved byte 80", 80, 1, 0x80, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "reserved byte 127", 127, 1, 0xFF, SHMPRIM_ERR_BAD_GEOMETRY },
	/* Valid values that trip a derived field: entry 8 -> 9 or 16 puts 3 in a cell. */
	{ "entry_size 9", 12, 4, 9, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "entry_size 16", 12, 4, 16, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "capacity 8", 8, 4, 8, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "capacity 32", 8, 4, 32, SHMPRIM_ERR_BAD_GEOMETRY },
	/* Valid values that keep the geometry consistent: only the checksum sees them. */
	{ "entry_size 7 (same cells)", 12, 4, 7, SHMPRIM_ERR_BAD_CHECKSUM },
	{ "entry_size 1 (same cells)", 12, 4, 1, SHMPRIM_ERR_BAD_CHECKSUM },
	{ "checksum zero", 40, 4, 0, SHMPRIM_ERR_BAD_CHECKSUM },
};

Test(attach, ring_header_fields)
{
	size_t i;

	for (i = 0; i < N_OF(ring_edits); i++) {
		const struct edit *e = &ring_edits[i];
		shmprim_heap_region img = ring_image(RING_NEED, RING_CAP, RING_ENTRY);
		shmprim_status st;

		put(&img, e->offset, e->width, e->value);
		st = ring_attach(&img, img.len);
		cr_assert_eq(st, e->want, "ring, %s: got %d (%s), expected %d (%s)", e->what, st, shmprim_status_str(st),
		             e->want, shmprim_status_str(e->want));
		shmprim_heap_region_free(&img);
	}
}

/* The stored checksum one off from the right one. */
Test(attach, checksum_off_by_one)
{
	shmprim_heap_region ring = ring_image(RING_NEED, RING_CAP, RING_ENTRY);
	shmprim_heap_region slab = slab_image(SLAB_NEED);
	uint32_t sum;

	memcpy(&sum, (unsigned char *)ring.base + 40, 4);
	put(&ring, 40, 4, sum + 1);
	cr_assert_eq(ring_attach(&ring, ring.len), SHMPRIM_ERR_BAD_CHECKSUM);
	memcpy(&sum, (unsigned char *)slab.base + 52, 4);
	put(&slab, 52, 4, sum - 1);
	cr_assert_eq(slab_attach(&slab, slab.len), SHMPRIM_ERR_BAD_CHECKSUM);
	shmprim_heap_region_free(&ring);
	shmprim_heap_region_free(&slab);
}

/* capacity 16 -> 32 in a region large enough for 32: with slots_bytes left
 * at 16 entries' worth (3 cells) the geometry is inconsistent; with it updated
 * too (5 cells), every field is valid and only the checksum catches it. */
Test(attach, ring_capacity_16_to_32_in_a_larger_region)
{
	const size_t big = 384 + 5 * 64;
	shmprim_heap_region img = ring_image(big, RING_CAP, RING_ENTRY);

	put(&img, 8, 4, 32);
	cr_assert_eq(ring_attach(&img, big), SHMPRIM_ERR_BAD_GEOMETRY);
	put(&img, 24, 8, 5 * 64);
	cr_assert_eq(ring_attach(&img, big), SHMPRIM_ERR_BAD_CHECKSUM);
	shmprim_heap_region_free(&img);
}

Test(attach, ring_entry_8_to_9_with_consistent_geometry)
{
	const size_t big = 384 + 6 * 64;
	shmprim_heap_region img = ring_image(big, RING_CAP, RING_ENTRY);

	/* 9-byte entries: pitch 16, 3 to a cell, 6 cells for 16 */
	put(&img, 12, 4, 9);
	put(&img, 36, 4, 3);
	put(&img, 24, 8, 6 * 64);
	cr_assert_eq(ring_attach(&img, big), SHMPRIM_ERR_BAD_CHECKSUM);
	shmprim_heap_region_free(&img);
}

Test(attach, ring_region_shorter_than_slots)
{
	shmprim_heap_region img = ring_image(RING_NEED, RING_CAP, RING_ENTRY);
	shmprim_spsc_raw raw;
	unsigned char *b = (unsigned char *)img.base;

	cr_assert_eq(ring_attach(&img, RING_NEED), SHMPRIM_OK);
	cr_assert_eq(ring_attach(&img, RING_NEED - 1), SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(ring_attach(&img, 384), SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(ring_attach(&img, 383), SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_spsc_raw_attach(&raw, b, b + 384, 191), SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_spsc_raw_attach(&raw, b, b + 384, 192), SHMPRIM_OK);
	shmprim_heap_region_free(&img);
}

Test(attach, ring_head_tail_distance)
{
	static const struct {
		uint32_t head, tail;
		shmprim_status want;
	} cases[] = {
		{ 16, 0, SHMPRIM_OK },                    /* full */
		{ 17, 0, SHMPRIM_ERR_CORRUPT },           /* more than capacity published */
		/* tail ahead of head by up to capacity: a producer died between
		 * publishing slots and head, and the consumer took them (split
		 * repairs head); further ahead is impossible. */
		{ 0, 1, SHMPRIM_OK },
		{ 0, 16, SHMPRIM_OK },
		{ 0, 17, SHMPRIM_ERR_CORRUPT },
		{ 0xFFFFFFF9u, 7, SHMPRIM_OK },           /* 14 ahead across the wrap */
		{ 0x80000000u, 0, SHMPRIM_ERR_CORRUPT },
		{ 0, 0x80000000u, SHMPRIM_ERR_CORRUPT },
		{ 5, 0xFFFFFFF9u, SHMPRIM_OK },           /* 12 apart across the u32 wrap */
		{ 9, 0xFFFFFFF9u, SHMPRIM_OK },           /* 16 apart across the wrap */
		{ 10, 0xFFFFFFF9u, SHMPRIM_ERR_CORRUPT }, /* 17 apart across the wrap */
		{ 1000, 1000, SHMPRIM_OK },
	};
	size_t i;

	for (i = 0; i < N_OF(cases); i++) {
		shmprim_heap_region img = ring_image(RING_NEED, RING_CAP, RING_ENTRY);
		shmprim_status st;

		put(&img, 128, 4, cases[i].head);
		put(&img, 256, 4, cases[i].tail);
		st = ring_attach(&img, img.len);
		cr_assert_eq(st, cases[i].want, "head %u tail %u: got %s", cases[i].head, cases[i].tail,
		             shmprim_status_str(st));
		shmprim_heap_region_free(&img);
	}
}

/* ---- slab header fields ---- */

static const struct edit slab_edits[] = {
	{ "magic garbage", 0, 4, 0x12345678u, SHMPRIM_ERR_BAD_MAGIC },
	{ "magic zero", 0, 4, 0, SHMPRIM_ERR_BAD_MAGIC },
	{ "magic of a ring", 0, 4, SHMPRIM_SPSC_MAGIC, SHMPRIM_ERR_BAD_MAGIC },
	{ "magic byte-swapped", 0, 4, 0x4C535053u, SHMPRIM_ERR_WRONG_ENDIAN },
	{ "version 0", 4, 4, 0, SHMPRIM_ERR_BAD_VERSION },
	{ "version 1 (head stored on every push)", 4, 4, 1, SHMPRIM_ERR_BAD_VERSION },
	{ "version 2", 4, 4, 2, SHMPRIM_ERR_BAD_VERSION },
	{ "version 3 (the ring's claim words came with 4)", 4, 4, 3, SHMPRIM_ERR_BAD_VERSION },
	{ "version 5", 4, 4, 5, SHMPRIM_ERR_BAD_VERSION },
	{ "slot_count 0", 8, 4, 0, SHMPRIM_ERR_BAD_SLOT_COUNT },
	{ "slot_count 2^30+1", 8, 4, 0x40000001u, SHMPRIM_ERR_BAD_SLOT_COUNT },
	{ "slot_size 0", 12, 4, 0, SHMPRIM_ERR_BAD_SLOT_SIZE },
	{ "slot_size 16MiB+1", 12, 4, (1u << 24) + 1, SHMPRIM_ERR_BAD_SLOT_SIZE },
	{ "data_stride 48", 16, 4, 48, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "data_stride 0", 16, 4, 0, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "meta_stride 32", 20, 4, 32, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "meta_stride 128", 20, 4, 128, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "meta_bytes 255", 24, 8, 255, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "meta_bytes 320", 24, 8, 320, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "data_bytes 161", 32, 8, 161, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "data_bytes 0", 32, 8, 0, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "header_size 255", 40, 4, 255, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "header_size 384", 40, 4, 384, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "flags 1", 44, 4, 1, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "reserved_a 1", 48, 4, 1, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "reserved byte 56", 56, 1, 1, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "reserved byte 127", 127, 1, 0xFF, SHMPRIM_ERR_BAD_GEOMETRY },
	/* Valid values that trip a derived field. */
	{ "slot_size 41", 12, 4, 41, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "slot_count 3", 8, 4, 3, SHMPRIM_ERR_BAD_GEOMETRY },
	{ "slot_count 8", 8, 4, 8, SHMPRIM_ERR_BAD_GEOMETRY },
	/* Valid and consistent: only the checksum sees it. */
	{ "slot_size 39 (same stride)", 12, 4, 39, SHMPRIM_ERR_BAD_CHECKSUM },
	{ "slot_size 33 (same stride)", 12, 4, 33, SHMPRIM_ERR_BAD_CHECKSUM },
	{ "checksum zero", 52, 4, 0, SHMPRIM_ERR_BAD_CHECKSUM },
	{ "checksum 0xFFFFFFFF", 52, 4, 0xFFFFFFFFu, SHMPRIM_ERR_BAD_CHECKSUM },
	/* The free list head is checked too (not checksummed: it changes). */
	{ "free_head index 4", 128, 8, 4, SHMPRIM_ERR_CORRUPT },
	{ "free_head index 2^32-2", 128, 8, (9ull << 32) | 0xFFFFFFFEu, SHMPRIM_ERR_CORRUPT },
	{ "free_head empty", 128, 8, (9ull << 32) | SHMPRIM_SLAB_END, SHMPRIM_OK },
	{ "free_head index 3, tag 9", 128, 8, (9ull << 32) | 3u, SHMPRIM_OK },
};

Test(attach, slab_header_fields)
{
	size_t i;

	for (i = 0; i < N_OF(slab_edits); i++) {
		const struct edit *e = &slab_edits[i];
		shmprim_heap_region img = slab_image(SLAB_NEED);
		shmprim_status st, raw_st;

		put(&img, e->offset, e->width, e->value);
		st = slab_attach(&img, img.len);
		cr_assert_eq(st, e->want, "slab, %s: got %d (%s), expected %d (%s)", e->what, st, shmprim_status_str(st),
		             e->want, shmprim_status_str(e->want));
		raw_st = slab_raw_attach(&img);
		cr_assert_eq(raw_st, e->want, "raw slab, %s: got %d (%s), expected %d (%s)", e->what, raw_st,
		             shmprim_status_str(raw_st), e->want, shmprim_status_str(e->want));
		shmprim_heap_region_free(&img);
	}
}

/* slot_count 4 -> 3 with meta_bytes and data_bytes to match: consistent, so
 * only the checksum catches it. */
Test(attach, slab_slot_count_4_to_3_with_consistent_geometry)
{
	shmprim_heap_region img = slab_image(SLAB_NEED);

	put(&img, 8, 4, 3);
	put(&img, 24, 8, 3 * 64);
	put(&img, 32, 8, 3 * 40);
	cr_assert_eq(slab_attach(&img, img.len), SHMPRIM_ERR_BAD_CHECKSUM);
	shmprim_heap_region_free(&img);
}

Test(attach, slab_region_shorter_than_slots)
{
	shmprim_heap_region img = slab_image(SLAB_NEED);
	unsigned char *b = (unsigned char *)img.base;
	shmprim_slab_raw raw;

	cr_assert_eq(slab_attach(&img, SLAB_NEED), SHMPRIM_OK);
	cr_assert_eq(slab_attach(&img, SLAB_NEED - 1), SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(slab_attach(&img, 256 + 256), SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(slab_attach(&img, 256 + 100), SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(slab_attach(&img, 256), SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(slab_attach(&img, 255), SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_slab_raw_attach(&raw, b, b + 256, 255, b + 512, 160), SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_slab_raw_attach(&raw, b, b + 256, 256, b + 512, 159), SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_slab_raw_attach(&raw, b, b + 256, 256, b + 512, 160), SHMPRIM_OK);
	shmprim_heap_region_free(&img);
}

/* ---- wrong kind, or nothing there ---- */

Test(attach, wrong_kind_and_zeroed_memory)
{
	shmprim_heap_region ring = ring_image(1024, RING_CAP, RING_ENTRY);
	shmprim_heap_region slab = slab_image(1024);
	shmprim_heap_region zero = unit_heap(1024);
	unsigned char *z = (unsigned char *)zero.base;
	shmprim_spsc_raw rr;
	shmprim_slab_raw sr;

	cr_assert_eq(slab_attach(&ring, 1024), SHMPRIM_ERR_BAD_MAGIC, "a ring attached as a slab");
	cr_assert_eq(ring_attach(&slab, 1024), SHMPRIM_ERR_BAD_MAGIC, "a slab attached as a ring");
	cr_assert_eq(ring_attach(&zero, 1024), SHMPRIM_ERR_BAD_MAGIC, "zeroed memory as a ring");
	cr_assert_eq(slab_attach(&zero, 1024), SHMPRIM_ERR_BAD_MAGIC, "zeroed memory as a slab");
	cr_assert_eq(shmprim_spsc_raw_attach(&rr, z, z + 384, 640), SHMPRIM_ERR_BAD_MAGIC);
	cr_assert_eq(shmprim_slab_raw_attach(&sr, z, z + 256, 256, z + 512, 512), SHMPRIM_ERR_BAD_MAGIC);
	/* And the untouched images do attach. */
	cr_assert_eq(ring_attach(&ring, 1024), SHMPRIM_OK);
	cr_assert_eq(slab_attach(&slab, 1024), SHMPRIM_OK);
	shmprim_heap_region_free(&ring);
	shmprim_heap_region_free(&slab);
	shmprim_heap_region_free(&zero);
}

/* ---- every single-bit flip of line 0 ---- */

/* What a flip in each byte of the ring's line 0 must produce. entry_size 8:
 * clearing bit 3 gives 0, bits 20..31 exceed 1 MiB, any other bit changes
 * the entries per cell; capacity 16: one flip gives 0 or a non-power of two. */
static int ring_flip_ok(size_t byte, shmprim_status st)
{
	if (byte < 4)
		return st == SHMPRIM_ERR_BAD_MAGIC;
	if (byte < 8)
		return st == SHMPRIM_ERR_BAD_VERSION;
	if (byte < 12)
		return st == SHMPRIM_ERR_BAD_CAPACITY;
	if (byte < 16)
		return st == SHMPRIM_ERR_BAD_ENTRY_SIZE || st == SHMPRIM_ERR_BAD_GEOMETRY;
	if (byte < 40)
		return st == SHMPRIM_ERR_BAD_GEOMETRY; /* stride, header_size, slots_bytes, flags, entries_per_cell */
	if (byte < 44)
		return st == SHMPRIM_ERR_BAD_CHECKSUM;
	return st == SHMPRIM_ERR_BAD_GEOMETRY; /* reserved */
}

/* Slab, slot_count 4: clearing bit 2 gives 0, bits 30/31 exceed 2^30, any
 * other bit breaks meta_bytes; slot_size 40: bits 24..31 exceed 16 MiB, any
 * other bit changes the stride. */
static int slab_flip_ok(size_t byte, shmprim_status st)
{
	if (byte < 4)
		return st == SHMPRIM_ERR_BAD_MAGIC;
	if (byte < 8)
		return st == SHMPRIM_ERR_BAD_VERSION;
	if (byte < 12)
		return st == SHMPRIM_ERR_BAD_SLOT_COUNT || st == SHMPRIM_ERR_BAD_GEOMETRY;
	if (byte < 16)
		return st == SHMPRIM_ERR_BAD_SLOT_SIZE || st == SHMPRIM_ERR_BAD_GEOMETRY;
	if (byte < 52)
		return st == SHMPRIM_ERR_BAD_GEOMETRY;
	if (byte < 56)
		return st == SHMPRIM_ERR_BAD_CHECKSUM;
	return st == SHMPRIM_ERR_BAD_GEOMETRY;
}

Test(attach, ring_every_bit_flip_of_line_0)
{
	shmprim_heap_region pristine = ring_image(RING_NEED, RING_CAP, RING_ENTRY);
	shmprim_heap_region img = unit_heap(RING_NEED);
	unsigned char *b = (unsigned char *)img.base;
	unsigned flips = 0;
	size_t byte;
	int bit;

	for (byte = 0; byte < 128; byte++)
		for (bit = 0; bit < 8; bit++) {
			shmprim_spsc_raw raw;
			shmprim_status st, raw_st;

			memcpy(img.base, pristine.base, RING_NEED);
			b[byte] ^= (unsigned char)(1u << bit);
			st = ring_attach(&img, RING_NEED);
			cr_assert(ring_flip_ok(byte, st), "ring byte %zu bit %d: %d (%s)", byte, bit, st,
			          shmprim_status_str(st));
			raw_st = shmprim_spsc_raw_attach(&raw, b, b + 384, RING_NEED - 384);
			cr_assert_eq(raw_st, st, "ring byte %zu bit %d: raw attach %s, region attach %s", byte, bit,
			             shmprim_status_str(raw_st), shmprim_status_str(st));
			flips++;
		}
	cr_assert_eq(flips, 1024);
	shmprim_heap_region_free(&img);
	shmprim_heap_region_free(&pristine);
}

Test(attach, slab_every_bit_flip_of_line_0)
{
	shmprim_heap_region pristine = slab_image(SLAB_NEED);
	shmprim_heap_region img = unit_heap(SLAB_NEED);
	unsigned char *b = (unsigned char *)img.base;
	unsigned flips = 0;
	size_t byte;
	int bit;

	for (byte = 0; byte < 128; byte++)
		for (bit = 0; bit < 8; bit++) {
			shmprim_status st, raw_st;

			memcpy(img.base, pristine.base, SLAB_NEED);
			b[byte] ^= (unsigned char)(1u << bit);
			st = slab_attach(&img, SLAB_NEED);
			cr_assert(slab_flip_ok(byte, st), "slab byte %zu bit %d: %d (%s)", byte, bit, st,
			          shmprim_status_str(st));
			raw_st = slab_raw_attach(&img);
			cr_assert(slab_flip_ok(byte, raw_st), "raw slab byte %zu bit %d: %d (%s)", byte, bit, raw_st,
			          shmprim_status_str(raw_st));
			flips++;
		}
	cr_assert_eq(flips, 1024);
	shmprim_heap_region_free(&img);
	shmprim_heap_region_free(&pristine);
}
