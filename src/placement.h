/* Where a structure goes inside a region: shared by the ring's and the slab's
 * region forms. Overflow-free: offset and size are compared, never added. */
#ifndef SHMPRIM_PLACEMENT_H
#define SHMPRIM_PLACEMENT_H

#include <stdint.h>
#include <shmprim/layout.h>
#include <shmprim/region.h>

/* On success *at = base + offset, which is SHMPRIM_ALIGN-aligned and has at
 * least `needed` bytes of the region behind it. */
static inline shmprim_status shmprim_place(shmprim_region region, size_t offset, size_t needed, unsigned char **at)
{
	unsigned char *p;

	if (!region.base)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (offset > region.len)
		return SHMPRIM_ERR_REGION_TOO_SMALL;
	p = (unsigned char *)region.base + offset;
	if ((uintptr_t)p % SHMPRIM_ALIGN != 0)
		return SHMPRIM_ERR_MISALIGNED;
	if (region.len - offset < needed)
		return SHMPRIM_ERR_REGION_TOO_SMALL;
	*at = p;
	return SHMPRIM_OK;
}

static inline int shmprim_is_aligned(const void *p, uintptr_t align)
{
	return ((uintptr_t)p % align) == 0;
}

#endif
