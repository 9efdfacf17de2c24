#define _POSIX_C_SOURCE 200112L /* posix_memalign */

#include <shmprim/layout.h>
#include <shmprim/region.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

shmprim_region shmprim_region_from_raw(void *base, size_t len)
{
	shmprim_region r;

	r.base = base;
	r.len = len;
	return r;
}

shmprim_status shmprim_region_check_extents(shmprim_region region, const shmprim_extent *extents, size_t count)
{
	size_t i, j;

	if (!region.base || (!extents && count != 0))
		return SHMPRIM_ERR_NULL_ARGUMENT;
	for (i = 0; i < count; i++) {
		const shmprim_extent *e = &extents[i];

		if (((uintptr_t)region.base + e->offset) % SHMPRIM_ALIGN != 0)
			return SHMPRIM_ERR_MISALIGNED;
		/* compared, never added: no overflow */
		if (e->len == 0 || e->offset > region.len || region.len - e->offset < e->len)
			return SHMPRIM_ERR_REGION_TOO_SMALL;
	}
	for (i = 0; i < count; i++)
		for (j = i + 1; j < count; j++) {
			const shmprim_extent *a = &extents[i], *b = &extents[j];

			/* both lie in the region, so offset + len cannot wrap */
			if (a->offset < b->offset + b->len && b->offset < a->offset + a->len)
				return SHMPRIM_ERR_OVERLAP;
		}
	return SHMPRIM_OK;
}

shmprim_status shmprim_heap_region_new_zeroed(shmprim_heap_region *out, size_t len)
{
	void *p = NULL;
	size_t alloc_len = len ? len : 1;

	if (!out)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	out->base = NULL;
	out->len = 0;
	if (posix_memalign(&p, SHMPRIM_ALIGN, alloc_len) != 0)
		return SHMPRIM_ERR_NO_MEMORY;
	memset(p, 0, alloc_len);
	out->base = p;
	out->len = len;
	return SHMPRIM_OK;
}

shmprim_region shmprim_heap_region_region(const shmprim_heap_region *heap)
{
	return shmprim_region_from_raw(heap ? heap->base : NULL, heap ? heap->len : 0);
}

void shmprim_heap_region_free(shmprim_heap_region *heap)
{
	if (!heap)
		return;
	free(heap->base);
	heap->base = NULL;
	heap->len = 0;
}
