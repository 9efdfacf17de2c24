/* Regions: a borrowed view of memory {base, len}, and a heap region that owns one. */
#ifndef SHMPRIM_REGION_H
#define SHMPRIM_REGION_H

#include <stddef.h>
#include <shmprim/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A view of len bytes at base; owns nothing. Structures are placed in it at an
 * offset that must be a multiple of SHMPRIM_ALIGN from base (base itself must be
 * SHMPRIM_ALIGN-aligned: mmap and the heap region guarantee it). */
typedef struct shmprim_region {
	void *base;
	size_t len;
} shmprim_region;

/* Zeroed, SHMPRIM_ALIGN-aligned heap memory, for tests and single-process use. */
typedef struct shmprim_heap_region {
	void *base;
	size_t len;
} shmprim_heap_region;

SHMPRIM_API shmprim_region shmprim_region_from_raw(void *base, size_t len);

/* Bytes a layout gives one structure: [offset, offset + len). */
typedef struct shmprim_extent {
	size_t offset;
	size_t len;
} shmprim_extent;

/* Checks a layout before init or attach: every extent SHMPRIM_ALIGN-aligned
 * (MISALIGNED), non-empty and inside the region (REGION_TOO_SMALL), and no
 * two overlapping (SHMPRIM_ERR_OVERLAP). Pass the same extents to the
 * _attach_expect calls, which then keep each structure inside its own. */
SHMPRIM_API shmprim_status shmprim_region_check_extents(shmprim_region region, const shmprim_extent *extents,
                                                        size_t count);

/* len 0 is allowed (base is still a valid, freeable allocation). On failure
 * *out is {NULL, 0} and SHMPRIM_ERR_NO_MEMORY is returned. */
SHMPRIM_API shmprim_status shmprim_heap_region_new_zeroed(shmprim_heap_region *out, size_t len);
SHMPRIM_API shmprim_region shmprim_heap_region_region(const shmprim_heap_region *heap);
/* Frees the memory and resets *heap to {NULL, 0}; NULL or already-freed is a no-op. */
SHMPRIM_API void shmprim_heap_region_free(shmprim_heap_region *heap);

#ifdef __cplusplus
}
#endif

#endif
