/*
 * The ring, the slab and the atomics backends with no C library at all
 * (-ffreestanding -nostdlib -static): the C counterpart of the Rust crate's
 * no_std core. Only the hosted parts (the heap region, OS regions, blocking
 * waits) stay out. Memory is static; the compiler may still emit calls to
 * memcpy/memset/memmove/memcmp, so they are defined here.
 *
 * Exit status 0: every check passed; N: check N (numbered below) failed.
 */
#include <shmprim/shmprim.h>

#include "freestanding_start.h"

#ifndef FREESTANDING_BACKEND
#error "define FREESTANDING_BACKEND to the expected backend name"
#endif

/* ---- the four functions GCC and Clang require of a freestanding environment ---- */

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = (unsigned char *)dst;
	const unsigned char *s = (const unsigned char *)src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = (unsigned char *)dst;
	const unsigned char *s = (const unsigned char *)src;

	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = (unsigned char *)dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

/* ---- the test ---- */

#define CHECK(n, cond) do { if (!(cond)) return (n); } while (0)

enum { CAP = 8, SLOTS = 8, SLOT_SIZE = 12 };

/* Static shared memory, cache-line aligned as the layout requires (no allocator here). */
#define SHARED __attribute__((aligned(SHMPRIM_ALIGN)))
static SHARED shmprim_spsc_header ring_header;
static SHARED unsigned char ring_slots[(CAP + 6) / 7 * 64]; /* 8-byte entries: 7 to a 64-byte cell */
static SHARED shmprim_slab_header slab_header;
static SHARED shmprim_slab_meta slab_meta[SLOTS];
static SHARED unsigned char slab_data[SLOTS * 16]; /* 12-byte slots: stride 16 */

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int freestanding_main(void)
{
	shmprim_spsc_raw ring, ring2;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_slab_raw slab;
	shmprim_slot_handle h[SLOTS], extra;
	shmprim_slot_error err;
	uint64_t in = 0, out = 0, v;
	unsigned round, i, seen = 0;
	int ok = 1;

	CHECK(1, same(shmprim_backend_name(), FREESTANDING_BACKEND));
	CHECK(2, same(shmprim_status_str(SHMPRIM_OK), "ok"));

	/* Ring (raw form): fill, would block, FIFO across wraps, attach. */
	CHECK(3, shmprim_spsc_raw_init(&ring, &ring_header, ring_slots, sizeof(ring_slots), CAP, 8) == SHMPRIM_OK);
	shmprim_spsc_raw_split(&ring, &p, &c);
	for (i = 0; i < CAP; i++, in++)
		CHECK(4, shmprim_spsc_push(&p, &in) == SHMPRIM_PUSH_OK);
	CHECK(5, shmprim_spsc_push(&p, &in) == SHMPRIM_PUSH_WOULD_BLOCK);
	CHECK(6, shmprim_spsc_raw_attach(&ring2, &ring_header, ring_slots, sizeof(ring_slots)) == SHMPRIM_OK &&
	                 ring2.geo.capacity == CAP && shmprim_spsc_raw_snapshot(&ring2).len == CAP);
	for (round = 0; round < 1000; round++) {
		unsigned batch = round % (CAP + 1);

		for (i = 0; i < batch; i++, out++)
			if (!shmprim_spsc_pop(&c, &v) || v != out)
				ok = 0;
		for (i = 0; i < batch; i++, in++)
			if (shmprim_spsc_push(&p, &in) != SHMPRIM_PUSH_OK)
				ok = 0;
	}
	while (shmprim_spsc_pop(&c, &v))
		if (v != out++)
			ok = 0;
	CHECK(7, ok && in == out && shmprim_spsc_consumer_is_empty(&c));

	/* Slab (raw form): every slot once, generations, stale and double frees refused. */
	CHECK(8, shmprim_slab_raw_init(&slab, &slab_header, slab_meta, sizeof(slab_meta), slab_data, sizeof(slab_data),
	                               SLOTS, SLOT_SIZE) == SHMPRIM_OK);
	for (i = 0; i < SLOTS; i++) {
		CHECK(9, shmprim_slab_raw_try_alloc(&slab, &h[i]) == SHMPRIM_ALLOC_OK);
		CHECK(10, h[i].index < SLOTS && h[i].generation == 1 && !(seen & (1u << h[i].index)));
		seen |= 1u << h[i].index;
		memset(shmprim_slab_raw_slot_data(&slab, h[i]), (int)i, SLOT_SIZE);
	}
	CHECK(11, shmprim_slab_raw_try_alloc(&slab, &extra) == SHMPRIM_ALLOC_WOULD_BLOCK);
	CHECK(12, shmprim_slab_raw_mark_in_flight(&slab, h[5], &err) == SHMPRIM_OK &&
	                  shmprim_slab_raw_free(&slab, h[5], &err) == SHMPRIM_OK);
	CHECK(13, shmprim_slab_raw_free(&slab, h[5], &err) == SHMPRIM_ERR_INVALID_STATE);
	CHECK(14, shmprim_slab_raw_try_alloc(&slab, &extra) == SHMPRIM_ALLOC_OK && extra.index == h[5].index &&
	                  extra.generation == 2);
	CHECK(15, shmprim_slab_raw_free_allocated(&slab, h[5], &err) == SHMPRIM_ERR_GENERATION_MISMATCH &&
	                  err.expected == 1 && err.actual == 2);
	h[5] = extra;
	for (i = 0; i < SLOTS; i++)
		CHECK(16, shmprim_slab_raw_free_allocated(&slab, h[i], &err) == SHMPRIM_OK);
	CHECK(17, shmprim_slab_raw_free_count_approx(&slab) == SLOTS);
	return 0;
}
