/** @file
 * Regions: a borrowed view of memory {base, len}, and a heap region that owns one. */
#ifndef SHMPRIM_REGION_H
#define SHMPRIM_REGION_H

#include <stddef.h>
#include <shmprim/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A view of len bytes at base; owns nothing. Structures are placed in it at an
 * offset that must be a multiple of SHMPRIM_ALIGN from base (base itself must be
 * SHMPRIM_ALIGN-aligned: mmap and the heap region guarantee it). */
typedef struct shmprim_region {
	/** first byte (SHMPRIM_ALIGN-aligned) */
	void *base;
	/** bytes from base */
	size_t len;
} shmprim_region;

/** Zeroed, SHMPRIM_ALIGN-aligned heap memory, for tests and single-process use. */
typedef struct shmprim_heap_region {
	/** the allocation (NULL once freed) */
	void *base;
	/** its size in bytes */
	size_t len;
} shmprim_heap_region;

/** A region over memory the caller owns (e.g. an mmap).
 * @param base first byte; must be SHMPRIM_ALIGN-aligned for structures to be placed in it
 * @param len  bytes from base
 * @return the view {base, len} */
SHMPRIM_API shmprim_region shmprim_region_from_raw(void *base, size_t len);

/** Bytes a layout gives one structure: [offset, offset + len). */
typedef struct shmprim_extent {
	/** from the region's base; a multiple of SHMPRIM_ALIGN */
	size_t offset;
	/** bytes the structure may use */
	size_t len;
} shmprim_extent;

/** Checks a layout before init or attach: every extent SHMPRIM_ALIGN-aligned
 * (MISALIGNED), non-empty and inside the region (REGION_TOO_SMALL), and no
 * two overlapping (SHMPRIM_ERR_OVERLAP). Pass the same extents to the
 * _attach_expect calls, which then keep each structure inside its own.
 * @param region  the region the structures will sit in
 * @param extents count extents, in any order
 * @param count   number of extents
 * @return SHMPRIM_OK, or the first problem found */
SHMPRIM_API shmprim_status shmprim_region_check_extents(shmprim_region region, const shmprim_extent *extents,
                                                        size_t count);

/** Allocates zeroed, SHMPRIM_ALIGN-aligned heap memory.
 * len 0 is allowed (base is still a valid, freeable allocation). On failure
 * *out is {NULL, 0} and SHMPRIM_ERR_NO_MEMORY is returned.
 * @param out receives the allocation; free it with shmprim_heap_region_free()
 * @param len bytes wanted
 * @return SHMPRIM_OK, SHMPRIM_ERR_NULL_ARGUMENT or SHMPRIM_ERR_NO_MEMORY */
SHMPRIM_API shmprim_status shmprim_heap_region_new_zeroed(shmprim_heap_region *out, size_t len);
/** The heap region as a region (a view; the heap region keeps owning the memory).
 * @param heap an allocated heap region
 * @return {heap->base, heap->len} */
SHMPRIM_API shmprim_region shmprim_heap_region_region(const shmprim_heap_region *heap);
/** Frees the memory and resets *heap to {NULL, 0}; NULL or already-freed is a no-op.
 * @param heap the heap region to free, or NULL */
SHMPRIM_API void shmprim_heap_region_free(shmprim_heap_region *heap);

#ifdef __cplusplus
}
#endif

#endif
