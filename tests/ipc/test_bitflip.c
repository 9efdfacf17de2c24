/*
 * Attach refuses every single-bit flip of every immutable header byte (line 0
 * of the ring and of the slab), each with an error that names what is wrong
 * with that field. Exhaustive: 2 x 128 bytes x 8 bits, for several geometries.
 * (The same flips on headers written by every other build, 32-bit included,
 * run in the ipc-interop test through ipc_peer flip.)
 */
#include "ipc_common.h"

#include <criterion/criterion.h>

typedef struct field {
	size_t off, len;
	const char *name;
	shmprim_status allowed[4]; /* terminated by SHMPRIM_OK */
} field;

#define E(x) SHMPRIM_ERR_##x

/* What a flip of each field may be reported as (several where the flipped
 * value is a valid value of its own, so the mismatch shows further on). */
static const field ring_fields[] = {
	{ 0, 4, "magic", { E(BAD_MAGIC), SHMPRIM_OK } },
	{ 4, 4, "version", { E(BAD_VERSION), SHMPRIM_OK } },
	{ 8, 4, "capacity", { E(BAD_CAPACITY), E(BAD_GEOMETRY), SHMPRIM_OK } },
	{ 12, 4, "entry_size", { E(BAD_ENTRY_SIZE), E(BAD_GEOMETRY), E(BAD_CHECKSUM), SHMPRIM_OK } },
	{ 16, 4, "cell_stride", { E(BAD_GEOMETRY), SHMPRIM_OK } },
	{ 20, 4, "header_size", { E(BAD_GEOMETRY), SHMPRIM_OK } },
	{ 24, 8, "slots_bytes", { E(BAD_GEOMETRY), SHMPRIM_OK } },
	{ 32, 4, "flags", { E(BAD_GEOMETRY), SHMPRIM_OK } },
	{ 36, 4, "entries_per_cell", { E(BAD_GEOMETRY), SHMPRIM_OK } },
	{ 40, 4, "checksum", { E(BAD_CHECKSUM), SHMPRIM_OK } },
	{ 44, 84, "reserved0", { E(BAD_GEOMETRY), SHMPRIM_OK } },
};

static const field slab_fields[] = {
	{ 0, 4, "magic", { E(BAD_MAGIC), SHMPRIM_OK } },
	{ 4, 4, "version", { E(BAD_VERSION), SHMPRIM_OK } },
	{ 8, 4, "slot_count", { E(BAD_SLOT_COUNT), E(BAD_GEOMETRY), SHMPRIM_OK } },
	{ 12, 4, "slot_size", { E(BAD_SLOT_SIZE), E(BAD_GEOMETRY), E(BAD_CHECKSUM), SHMPRIM_OK } },
	{ 16, 4, "data_stride", { E(BAD_GEOMETRY), SHMPRIM_OK } },
	{ 20, 4, "meta_stride", { E(BAD_GEOMETRY), SHMPRIM_OK } },
	{ 24, 8, "meta_bytes", { E(BAD_GEOMETRY), SHMPRIM_OK } },
	{ 32, 8, "data_bytes", { E(BAD_GEOMETRY), SHMPRIM_OK } },
	{ 40, 4, "header_size", { E(BAD_GEOMETRY), SHMPRIM_OK } },
	{ 44, 4, "flags", { E(BAD_GEOMETRY), SHMPRIM_OK } },
	{ 48, 4, "reserved_a", { E(BAD_GEOMETRY), SHMPRIM_OK } },
	{ 52, 4, "checksum", { E(BAD_CHECKSUM), SHMPRIM_OK } },
	{ 56, 72, "reserved0", { E(BAD_GEOMETRY), SHMPRIM_OK } },
};

static const field *field_at(const field *f, size_t n, size_t byte)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (byte >= f[i].off && byte < f[i].off + f[i].len)
			return &f[i];
	return NULL;
}

static int allowed(const field *f, shmprim_status st)
{
	int i;

	for (i = 0; f->allowed[i] != SHMPRIM_OK; i++)
		if (f->allowed[i] == st)
			return 1;
	return 0;
}

static void flip_all(const char *what, unsigned char *img, size_t len, size_t off, const field *fields,
                     size_t nfields, shmprim_status (*attach)(shmprim_region, size_t))
{
	unsigned counts[SHMPRIM_STATUS_COUNT_] = { 0 };
	size_t byte;
	unsigned bit, total = 0;
	int s;

	cr_assert_eq(attach(shmprim_region_from_raw(img, len), off), SHMPRIM_OK, "%s: the clean image", what);
	for (byte = 0; byte < 128; byte++) {
		const field *f = field_at(fields, nfields, byte);

		cr_assert_not_null(f, "%s byte %zu belongs to no field", what, byte);
		for (bit = 0; bit < 8; bit++) {
			shmprim_status st;

			img[off + byte] ^= (unsigned char)(1u << bit);
			st = attach(shmprim_region_from_raw(img, len), off);
			img[off + byte] ^= (unsigned char)(1u << bit);
			cr_assert(allowed(f, st), "%s: %s byte %zu bit %u: %s", what, f->name, byte, bit,
			          shmprim_status_str(st));
			counts[st]++;
			total++;
		}
	}
	cr_assert_eq(total, 1024);
	cr_assert_eq(attach(shmprim_region_from_raw(img, len), off), SHMPRIM_OK, "%s: restored", what);
	for (s = 0; s < SHMPRIM_STATUS_COUNT_; s++)
		if (counts[s])
			cr_log_info("%s: %4u x %s", what, counts[s], shmprim_status_str((shmprim_status)s));
}

static shmprim_status ring_attach(shmprim_region r, size_t off)
{
	shmprim_spsc ring;

	return shmprim_spsc_attach(&ring, r, off);
}

static shmprim_status slab_attach(shmprim_region r, size_t off)
{
	shmprim_slab slab;

	return shmprim_slab_attach(&slab, r, off);
}

Test(bitflip, every_header_bit_of_the_ring)
{
	static const uint32_t geos[][2] = { { 1, 1 }, { 64, 24 }, { 1024, 13 }, { 2, 4096 } };
	size_t g;

	for (g = 0; g < sizeof(geos) / sizeof(geos[0]); g++) {
		shmprim_heap_region heap;
		shmprim_spsc ring;
		char what[64];
		size_t need = shmprim_spsc_required_size(geos[g][0], geos[g][1]) + 128;

		cr_assert_eq(shmprim_heap_region_new_zeroed(&heap, need), SHMPRIM_OK);
		cr_assert_eq(shmprim_spsc_init(&ring, shmprim_heap_region_region(&heap), 64, geos[g][0], geos[g][1]),
		             SHMPRIM_OK);
		snprintf(what, sizeof(what), "ring %ux%u", geos[g][0], geos[g][1]);
		flip_all(what, heap.base, heap.len, 64, ring_fields, sizeof(ring_fields) / sizeof(ring_fields[0]),
		         ring_attach);
		shmprim_heap_region_free(&heap);
	}
}

Test(bitflip, every_header_bit_of_the_slab)
{
	static const uint32_t geos[][2] = { { 1, 1 }, { 64, 64 }, { 1000, 13 }, { 3, 100000 } };
	size_t g;

	for (g = 0; g < sizeof(geos) / sizeof(geos[0]); g++) {
		shmprim_heap_region heap;
		shmprim_slab slab;
		char what[64];
		size_t need = shmprim_slab_required_size(geos[g][0], geos[g][1]) + 128;

		cr_assert_eq(shmprim_heap_region_new_zeroed(&heap, need), SHMPRIM_OK);
		cr_assert_eq(shmprim_slab_init(&slab, shmprim_heap_region_region(&heap), 128, geos[g][0], geos[g][1]),
		             SHMPRIM_OK);
		snprintf(what, sizeof(what), "slab %ux%u", geos[g][0], geos[g][1]);
		flip_all(what, heap.base, heap.len, 128, slab_fields, sizeof(slab_fields) / sizeof(slab_fields[0]),
		         slab_attach);
		shmprim_heap_region_free(&heap);
	}
}

/* Every byte swapped end for end: the other byte order is named as such. */
Test(bitflip, other_byte_order_is_named)
{
	shmprim_heap_region heap;
	shmprim_spsc ring;
	shmprim_slab slab;
	unsigned char *b;
	size_t need = shmprim_spsc_required_size(8, 8) + shmprim_slab_required_size(4, 8) + 64;

	cr_assert_eq(shmprim_heap_region_new_zeroed(&heap, need), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_init(&ring, shmprim_heap_region_region(&heap), 0, 8, 8), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_init(&slab, shmprim_heap_region_region(&heap), 512, 4, 8), SHMPRIM_OK);
	b = heap.base;
	{
		unsigned char t;

		t = b[0], b[0] = b[3], b[3] = t;
		t = b[1], b[1] = b[2], b[2] = t;
		t = b[512], b[512] = b[515], b[515] = t;
		t = b[513], b[513] = b[514], b[514] = t;
	}
	cr_assert_eq(shmprim_spsc_attach(&ring, shmprim_heap_region_region(&heap), 0), SHMPRIM_ERR_WRONG_ENDIAN);
	cr_assert_eq(shmprim_slab_attach(&slab, shmprim_heap_region_region(&heap), 512), SHMPRIM_ERR_WRONG_ENDIAN);
	shmprim_heap_region_free(&heap);
}
