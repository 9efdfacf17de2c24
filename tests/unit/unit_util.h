/* Helpers shared by the unit suites: scratch regions and per-entry byte patterns. */
#ifndef SHMPRIM_TEST_UNIT_UTIL_H
#define SHMPRIM_TEST_UNIT_UTIL_H

#include <criterion/criterion.h>
#include <shmprim/shmprim.h>
#include <stdint.h>
#include <string.h>

/* Per-test limit (seconds); tests/unit/meson.build gives each program 60. */
#define UNIT_TIMEOUT_S 30

/* Zeroed, SHMPRIM_ALIGN-aligned scratch memory; the test stops if there is none. */
static inline shmprim_heap_region unit_heap(size_t len)
{
	shmprim_heap_region heap;

	cr_assert_eq(shmprim_heap_region_new_zeroed(&heap, len), SHMPRIM_OK, "cannot allocate %zu bytes", len);
	return heap;
}

/* Byte k of entry n. Byte 0 is n's low byte, so entries 256 apart at most
 * share it; the rest is a hash of (n, k), so a byte from the wrong entry or
 * the wrong place in an entry shows up. */
static inline unsigned char unit_pattern(uint32_t n, size_t k)
{
	uint32_t x;

	if (k == 0)
		return (unsigned char)n;
	x = n * 2654435761u + (uint32_t)k * 40503u + 0x9e37u;
	x ^= x >> 15;
	x *= 2246822519u;
	x ^= x >> 13;
	return (unsigned char)x;
}

static inline void unit_fill(unsigned char *buf, size_t len, uint32_t n)
{
	size_t k;

	for (k = 0; k < len; k++)
		buf[k] = unit_pattern(n, k);
}

/* Index of the first byte of buf that is not unit_pattern(n, .), or len. */
static inline size_t unit_first_mismatch(const unsigned char *buf, size_t len, uint32_t n)
{
	size_t k;

	for (k = 0; k < len; k++)
		if (buf[k] != unit_pattern(n, k))
			return k;
	return len;
}

static inline int unit_all_bytes(const void *p, size_t len, unsigned char value)
{
	const unsigned char *b = (const unsigned char *)p;
	size_t k;

	for (k = 0; k < len; k++)
		if (b[k] != value)
			return 0;
	return 1;
}

#endif
