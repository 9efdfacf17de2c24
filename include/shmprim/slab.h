/*
 * Lock-free slab of fixed-size slots: a Treiber stack of free slots with an
 * ABA tag, and per-slot (generation, state) words.
 *
 * Slot life: FREE --try_alloc--> ALLOCATED --mark_in_flight--> IN_FLIGHT --free--> FREE,
 * and ALLOCATED --free_allocated--> FREE. Every allocation bumps the slot's
 * generation (a slot's first handle has generation 1); a handle whose
 * generation no longer matches is refused, so stale handles can't free or
 * move a slot that has a new owner. Any number of threads/processes may call
 * every operation concurrently.
 *
 * Raw form (shmprim_slab_raw_*): header, meta array and data array are caller
 * pointers. Region form (shmprim_slab_*): all three sit together in a region
 * at an offset; it delegates to the raw form.
 */
#ifndef SHMPRIM_SLAB_H
#define SHMPRIM_SLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <shmprim/layout.h>
#include <shmprim/region.h>
#include <shmprim/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum shmprim_slot_state {
	SHMPRIM_SLOT_FREE = 0,
	SHMPRIM_SLOT_ALLOCATED = 1,
	SHMPRIM_SLOT_IN_FLIGHT = 2
} shmprim_slot_state;

typedef struct shmprim_slot_handle {
	uint32_t index;
	uint32_t generation;
} shmprim_slot_handle;

typedef enum shmprim_alloc_result {
	SHMPRIM_ALLOC_OK = 0,
	SHMPRIM_ALLOC_WOULD_BLOCK = 1, /* no free slot */
	SHMPRIM_ALLOC_CORRUPT = 2,     /* shared state failed validation; nothing was allocated */
	SHMPRIM_ALLOC_CONTENDED = 3    /* retry bound hit under extreme contention; try again */
} shmprim_alloc_result;

/* What a refused slot operation saw. For SHMPRIM_ERR_INVALID_INDEX: expected =
 * slot count, actual = handle index. GENERATION_MISMATCH: expected = handle's
 * generation, actual = slot's. INVALID_STATE: expected = the state the call
 * needs, actual = the slot's (any value, as read). Otherwise both 0. */
typedef struct shmprim_slot_error {
	shmprim_status code;
	uint32_t expected;
	uint32_t actual;
} shmprim_slot_error;

typedef struct shmprim_slab_raw {
	shmprim_slab_header *header;
	shmprim_slab_meta *meta;
	unsigned char *data;
	uint32_t slot_count;
	uint32_t slot_size;
	uint32_t data_stride;
} shmprim_slab_raw;

typedef struct shmprim_slab {
	shmprim_slab_raw raw;
	shmprim_region region;
	size_t offset;
} shmprim_slab;

/* ---- sizes (0 if slot_count or slot_size is invalid) ---- */
SHMPRIM_API size_t shmprim_slab_meta_size(uint32_t slot_count);
SHMPRIM_API size_t shmprim_slab_data_size(uint32_t slot_count, uint32_t slot_size);
SHMPRIM_API size_t shmprim_slab_required_size(uint32_t slot_count, uint32_t slot_size);

/* ---- raw form ---- */
/* header: SHMPRIM_SLAB_HEADER_SIZE bytes, SHMPRIM_ALIGN-aligned; meta: SHMPRIM_ALIGN-aligned;
 * data: SHMPRIM_SLOT_ALIGN-aligned. */
SHMPRIM_API shmprim_status shmprim_slab_raw_init(shmprim_slab_raw *slab, void *header, void *meta, size_t meta_len,
                                                 void *data, size_t data_len, uint32_t slot_count,
                                                 uint32_t slot_size);
SHMPRIM_API shmprim_status shmprim_slab_raw_attach(shmprim_slab_raw *slab, void *header, void *meta,
                                                   size_t meta_len, void *data, size_t data_len);
SHMPRIM_API shmprim_alloc_result shmprim_slab_raw_try_alloc(shmprim_slab_raw *slab, shmprim_slot_handle *out);
SHMPRIM_API shmprim_status shmprim_slab_raw_mark_in_flight(shmprim_slab_raw *slab, shmprim_slot_handle h,
                                                           shmprim_slot_error *err);
SHMPRIM_API shmprim_status shmprim_slab_raw_free(shmprim_slab_raw *slab, shmprim_slot_handle h,
                                                 shmprim_slot_error *err);
SHMPRIM_API shmprim_status shmprim_slab_raw_free_allocated(shmprim_slab_raw *slab, shmprim_slot_handle h,
                                                           shmprim_slot_error *err);
SHMPRIM_API void *shmprim_slab_raw_slot_data(shmprim_slab_raw *slab, shmprim_slot_handle h);
SHMPRIM_API uint32_t shmprim_slab_raw_free_count_approx(shmprim_slab_raw *slab);

/* ---- region form ---- */
SHMPRIM_API shmprim_status shmprim_slab_init(shmprim_slab *slab, shmprim_region region, size_t offset,
                                             uint32_t slot_count, uint32_t slot_size);
SHMPRIM_API shmprim_status shmprim_slab_attach(shmprim_slab *slab, shmprim_region region, size_t offset);
SHMPRIM_API shmprim_alloc_result shmprim_slab_try_alloc(shmprim_slab *slab, shmprim_slot_handle *out);
SHMPRIM_API shmprim_status shmprim_slab_mark_in_flight(shmprim_slab *slab, shmprim_slot_handle h);
SHMPRIM_API shmprim_status shmprim_slab_free(shmprim_slab *slab, shmprim_slot_handle h);
SHMPRIM_API shmprim_status shmprim_slab_free_allocated(shmprim_slab *slab, shmprim_slot_handle h);
/* The same three with the details of a refusal written to *err (err may be NULL). */
SHMPRIM_API shmprim_status shmprim_slab_mark_in_flight_ex(shmprim_slab *slab, shmprim_slot_handle h,
                                                          shmprim_slot_error *err);
SHMPRIM_API shmprim_status shmprim_slab_free_ex(shmprim_slab *slab, shmprim_slot_handle h, shmprim_slot_error *err);
SHMPRIM_API shmprim_status shmprim_slab_free_allocated_ex(shmprim_slab *slab, shmprim_slot_handle h,
                                                          shmprim_slot_error *err);
/* Pointer to the slot's slot_size bytes, or NULL if h's index is out of range or
 * its generation is not the slot's current one. */
SHMPRIM_API void *shmprim_slab_slot_data(shmprim_slab *slab, shmprim_slot_handle h);
SHMPRIM_API uint32_t shmprim_slab_slot_size(const shmprim_slab *slab);
SHMPRIM_API uint32_t shmprim_slab_slot_count(const shmprim_slab *slab);
/* Walks the free list (at most slot_count steps): exact only when no one else is using the slab. */
SHMPRIM_API uint32_t shmprim_slab_free_count_approx(shmprim_slab *slab);

#ifdef __cplusplus
}
#endif

#endif
