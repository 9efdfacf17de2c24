/* Attach refuses an image written by a machine of the other byte order with
 * SHMPRIM_ERR_WRONG_ENDIAN, in the region and raw forms, for rings and slabs.
 * The images are not edited copies of a local one: they are the bytes that
 * real processes wrote, a little-endian one (x86_64: layout.golden) and a
 * big-endian one (s390x under qemu: layout.golden-be), turned into arrays by
 * tests/unit/endian-images at build time. On each host the other order's
 * images must be refused and left untouched, and this order's own images
 * (the control) must attach and hold exactly the entries and free slots the
 * writer left, so the refusal is about byte order and nothing else. */
#include "unit_util.h"

#include "endian_images.h"

TestSuite(endian, .timeout = UNIT_TIMEOUT_S);

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define NATIVE_IMAGES big_images
#define FOREIGN_IMAGES little_images
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_IMAGES little_images
#define FOREIGN_IMAGES big_images
#else
#error "test_endian.c needs __BYTE_ORDER__"
#endif

/* The image in scratch memory aligned as attach requires. */
static shmprim_heap_region load(const struct endian_image *img)
{
	shmprim_heap_region heap = unit_heap(img->len);

	memcpy(heap.base, img->bytes, img->len);
	return heap;
}

static size_t slab_meta_len(const struct endian_image *img)
{
	return (size_t)img->a * SHMPRIM_SLAB_META_STRIDE;
}

/* Region and raw attach of one image; both must give `want`, writing nothing. */
static void attach_both_forms(const struct endian_image *img, shmprim_status want, const char *order)
{
	shmprim_heap_region heap = load(img);
	unsigned char *b = (unsigned char *)heap.base;
	shmprim_region region = shmprim_region_from_raw(heap.base, img->len);
	shmprim_status st, raw_st;

	if (img->ring) {
		shmprim_spsc ring;
		shmprim_spsc_raw raw;

		st = shmprim_spsc_attach(&ring, region, 0);
		raw_st = shmprim_spsc_raw_attach(&raw, b, b + SHMPRIM_SPSC_HEADER_SIZE, img->len - SHMPRIM_SPSC_HEADER_SIZE);
	} else {
		shmprim_slab slab;
		shmprim_slab_raw raw;
		size_t meta = slab_meta_len(img);

		st = shmprim_slab_attach(&slab, region, 0);
		raw_st = shmprim_slab_raw_attach(&raw, b, b + SHMPRIM_SLAB_HEADER_SIZE, meta,
		                                 b + SHMPRIM_SLAB_HEADER_SIZE + meta,
		                                 img->len - SHMPRIM_SLAB_HEADER_SIZE - meta);
	}
	cr_assert_eq(st, want, "%s %s %u/%u, region form: %d (%s), want %d", order, img->ring ? "ring" : "slab",
	             (unsigned)img->a, (unsigned)img->b, st, shmprim_status_str(st), want);
	cr_assert_eq(raw_st, want, "%s %s %u/%u, raw form: %d (%s), want %d", order, img->ring ? "ring" : "slab",
	             (unsigned)img->a, (unsigned)img->b, raw_st, shmprim_status_str(raw_st), want);
	cr_assert_eq(memcmp(heap.base, img->bytes, img->len), 0, "attach wrote to a %s image", order);
	shmprim_heap_region_free(&heap);
}

Test(endian, the_images_are_of_both_orders)
{
	size_t i;
	unsigned ring = 0, slab = 0;

	for (i = 0; i < ENDIAN_IMAGE_COUNT; i++) {
		const unsigned char *l = little_images[i].bytes, *b = big_images[i].bytes;
		uint32_t magic = little_images[i].ring ? SHMPRIM_SPSC_MAGIC : SHMPRIM_SLAB_MAGIC;

		cr_assert_eq(little_images[i].len, big_images[i].len);
		cr_assert_eq((uint32_t)l[0] | (uint32_t)l[1] << 8 | (uint32_t)l[2] << 16 | (uint32_t)l[3] << 24, magic);
		cr_assert_eq((uint32_t)b[3] | (uint32_t)b[2] << 8 | (uint32_t)b[1] << 16 | (uint32_t)b[0] << 24, magic);
		/* Version 3, each in its writer's order. */
		cr_assert_eq(l[4], SHMPRIM_LAYOUT_VERSION);
		cr_assert_eq(b[7], SHMPRIM_LAYOUT_VERSION);
		if (little_images[i].ring)
			ring++;
		else
			slab++;
	}
	cr_assert_eq(ring, 3);
	cr_assert_eq(slab, 1);
}

Test(endian, other_order_ring_and_slab_are_refused_in_both_forms)
{
	size_t i;

	for (i = 0; i < ENDIAN_IMAGE_COUNT; i++)
		attach_both_forms(&FOREIGN_IMAGES[i], SHMPRIM_ERR_WRONG_ENDIAN, "other-order");
}

Test(endian, own_order_ring_and_slab_attach_in_both_forms)
{
	size_t i;

	for (i = 0; i < ENDIAN_IMAGE_COUNT; i++)
		attach_both_forms(&NATIVE_IMAGES[i], SHMPRIM_OK, "own-order");
}

/* The writer pushed 0..capacity and popped 0 and 1: entries 2..capacity wait,
 * entry n's byte k being n*16 + k. */
Test(endian, own_order_rings_hold_the_writers_entries)
{
	size_t i;

	for (i = 0; i < ENDIAN_IMAGE_COUNT; i++) {
		const struct endian_image *img = &NATIVE_IMAGES[i];
		shmprim_heap_region heap;
		shmprim_spsc ring;
		shmprim_spsc_producer p;
		shmprim_spsc_consumer c;
		unsigned char e[64];
		uint32_t n, k;

		if (!img->ring)
			continue;
		heap = load(img);
		cr_assert_eq(shmprim_spsc_attach(&ring, shmprim_region_from_raw(heap.base, img->len), 0), SHMPRIM_OK);
		shmprim_spsc_split(&ring, &p, &c);
		for (n = 2; n <= img->a; n++) {
			cr_assert(shmprim_spsc_pop(&c, e), "ring %u/%u: entry %u missing", (unsigned)img->a,
			          (unsigned)img->b, (unsigned)n);
			for (k = 0; k < img->b; k++)
				cr_assert_eq(e[k], (unsigned char)(n * 16 + k), "ring %u/%u entry %u byte %u",
				             (unsigned)img->a, (unsigned)img->b, (unsigned)n, (unsigned)k);
		}
		cr_assert_not(shmprim_spsc_pop(&c, e), "ring %u/%u: more than the writer left", (unsigned)img->a,
		              (unsigned)img->b);
		shmprim_heap_region_free(&heap);
	}
}

/* The writer allocated 0, 1, 2, then freed 1 (in flight) and 0: the free
 * list is 0 -> 1 -> 3, and slot 2 is still allocated. */
Test(endian, own_order_slab_holds_the_writers_free_list)
{
	static const uint32_t order[] = { 0, 1, 3 };
	size_t i;

	for (i = 0; i < ENDIAN_IMAGE_COUNT; i++) {
		const struct endian_image *img = &NATIVE_IMAGES[i];
		shmprim_heap_region heap;
		shmprim_slab slab;
		shmprim_slot_handle h;
		size_t j;

		if (img->ring)
			continue;
		heap = load(img);
		cr_assert_eq(shmprim_slab_attach(&slab, shmprim_region_from_raw(heap.base, img->len), 0), SHMPRIM_OK);
		for (j = 0; j < 3; j++) {
			cr_assert_eq(shmprim_slab_try_alloc(&slab, &h), SHMPRIM_ALLOC_OK);
			cr_assert_eq(h.index, order[j], "allocation %zu got slot %u", j, (unsigned)h.index);
		}
		cr_assert_eq(shmprim_slab_try_alloc(&slab, &h), SHMPRIM_ALLOC_WOULD_BLOCK);
		shmprim_heap_region_free(&heap);
	}
}
