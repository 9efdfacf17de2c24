/* Header checksum: 32-bit FNV-1a. Each step (xor a byte, multiply by an odd
 * prime) is a bijection on the state, so any change confined to one byte of
 * the span (every single-bit flip) changes the result. */
#ifndef SHMPRIM_CHECKSUM_H
#define SHMPRIM_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t shmprim_fnv1a(const void *bytes, size_t n)
{
	const unsigned char *p = (const unsigned char *)bytes;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static inline int shmprim_all_zero(const void *bytes, size_t n)
{
	const unsigned char *p = (const unsigned char *)bytes;
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static inline uint32_t shmprim_bswap32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

#endif
