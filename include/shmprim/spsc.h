/*
 * Wait-free single-producer / single-consumer ring of fixed-size entries.
 *
 * Raw form (shmprim_spsc_raw_*): the caller places the header and the slots
 * wherever it likes (e.g. in its own mmap layout). Region form (shmprim_spsc_*):
 * header and slots sit together in a region at an offset; it delegates to the
 * raw form. init writes a fresh ring; attach validates an existing one (written
 * by any backend, compiler or word size) and copies its geometry into the
 * private handle, so nothing re-reads geometry from shared memory afterwards.
 *
 * split() hands out the producer and the consumer; exactly one of each may be
 * in use at a time across all processes (pass NULL for the side you don't take).
 * Handles are private memory: use each from one thread at a time.
 */
#ifndef SHMPRIM_SPSC_H
#define SHMPRIM_SPSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <shmprim/layout.h>
#include <shmprim/region.h>
#include <shmprim/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum shmprim_push_result {
	SHMPRIM_PUSH_OK = 0,
	SHMPRIM_PUSH_WOULD_BLOCK = 1, /* ring full */
	SHMPRIM_PUSH_CORRUPT = 2      /* the consumer's index is impossible (more than capacity behind) */
} shmprim_push_result;

/* Private copy of where entries live (layout.h: cells of entries_per_cell
 * entries under one seq word), taken at init/attach and never re-read from
 * shared memory. */
typedef struct shmprim_spsc_geometry {
	unsigned char *slots;     /* first cell */
	uint32_t capacity;
	uint32_t mask;            /* capacity - 1 */
	uint32_t entry_size;
	uint32_t entry_pitch;     /* entry_size rounded up to SHMPRIM_SLOT_ALIGN */
	uint32_t entries_per_cell;
	uint32_t cell_stride;
	uint32_t cell_gap;        /* cell_stride - entries_per_cell * entry_pitch */
	uint32_t cell_mul;        /* cell of ring index i = i * cell_mul >> cell_shift */
	uint32_t cell_shift;
} shmprim_spsc_geometry;

/* Private view of a ring: pointers into shared memory plus a copy of its geometry. */
typedef struct shmprim_spsc_raw {
	shmprim_spsc_header *header;
	shmprim_spsc_geometry geo;
} shmprim_spsc_raw;

typedef struct shmprim_spsc {
	shmprim_spsc_raw raw;
	shmprim_region region;
	size_t offset;
} shmprim_spsc;

/* Fields are private; the struct is public so handles can live on the stack. */
typedef struct shmprim_spsc_producer {
	shmprim_spsc_geometry geo;
	uint32_t *head;           /* shared: published count */
	const uint32_t *tail;     /* shared: consumer's count */
	uint32_t local_head;      /* next position to write */
	uint32_t cached_tail;     /* last tail seen; reloaded only when the ring looks full */
} shmprim_spsc_producer;

typedef struct shmprim_spsc_consumer {
	shmprim_spsc_geometry geo;
	const uint32_t *head;
	uint32_t *tail;
	uint32_t local_tail;      /* next position to read */
	uint32_t cached_head;     /* entries before this are known published; refreshed only when reached */
} shmprim_spsc_consumer;

/* Cell number of ring index i: a multiply and shift, exact for every index
 * below SHMPRIM_SPSC_MAX_CAPACITY (see cell_divider in src/spsc.c). */
static inline uint32_t shmprim_spsc_cell_number(const shmprim_spsc_geometry *geo, uint32_t index)
{
	return (uint32_t)(((uint64_t)index * geo->cell_mul) >> geo->cell_shift);
}

/* The cell (its seq word first) holding the entry for a position. */
static inline unsigned char *shmprim_spsc_cell_at(const shmprim_spsc_geometry *geo, uint32_t position)
{
	return geo->slots + (size_t)shmprim_spsc_cell_number(geo, position & geo->mask) * geo->cell_stride;
}

/* The entry bytes for a position: plain arithmetic on private geometry.
 * cell * cell_stride + (index - cell * entries_per_cell) * entry_pitch,
 * folded into index * entry_pitch + cell * cell_gap. */
static inline unsigned char *shmprim_spsc_entry_at(const shmprim_spsc_geometry *geo, uint32_t position)
{
	uint32_t index = position & geo->mask;

	return geo->slots + SHMPRIM_SPSC_CELL_OVERHEAD + (size_t)index * geo->entry_pitch +
	       (size_t)shmprim_spsc_cell_number(geo, index) * geo->cell_gap;
}

/* A racy snapshot: exact only when both sides are idle. head counts the
 * published entries: the shared head (stored only every few entries) plus the
 * published slots after it. */
typedef struct shmprim_spsc_snapshot {
	uint32_t head;
	uint32_t tail;
	uint32_t capacity;
	uint32_t len;             /* head - tail, clamped to capacity */
} shmprim_spsc_snapshot;

/* ---- sizes ---- */
/* Bytes for the slots array; 0 if capacity or entry_size is invalid. */
SHMPRIM_API size_t shmprim_spsc_slots_size(uint32_t capacity, uint32_t entry_size);
/* Header + slots, for the region form; 0 if capacity or entry_size is invalid. */
SHMPRIM_API size_t shmprim_spsc_required_size(uint32_t capacity, uint32_t entry_size);

/* What an attacher expects of a ring someone else created. A header can be
 * valid, checksum included, and still describe another ring than the one this
 * process was written for (another build, a restarted or hostile creator):
 * the checksum only proves the header is self-consistent, since anyone can
 * compute it. The _expect attach forms compare the geometry with this and
 * refuse anything else with SHMPRIM_ERR_UNEXPECTED_GEOMETRY.
 *   entry_size    must equal the header's: the size of the buffers the
 *                 caller pushes from and pops into (required, 1..MAX_ENTRY_SIZE)
 *   min_capacity, max_capacity   the header's capacity must lie between them
 *                 (0: no bound on that side; for an exact capacity pass it twice) */
typedef struct shmprim_spsc_expect {
	uint32_t entry_size;
	uint32_t min_capacity;
	uint32_t max_capacity;
} shmprim_spsc_expect;

/* ---- raw form ---- */
/* header: SHMPRIM_SPSC_HEADER_SIZE bytes, SHMPRIM_ALIGN-aligned.
 * slots: slots_len >= shmprim_spsc_slots_size(), SHMPRIM_SLOT_ALIGN-aligned. */
SHMPRIM_API shmprim_status shmprim_spsc_raw_init(shmprim_spsc_raw *ring, void *header, void *slots,
                                                 size_t slots_len, uint32_t capacity, uint32_t entry_size);
/* The attach to use: validates the header, then refuses a geometry other than
 * *expect (SHMPRIM_ERR_UNEXPECTED_GEOMETRY), then one whose slots do not fit in
 * slots_len (SHMPRIM_ERR_REGION_TOO_SMALL). INVALID_ARGUMENT for an expectation
 * that no ring can meet (entry_size 0 or too large, min_capacity > max_capacity). */
SHMPRIM_API shmprim_status shmprim_spsc_raw_attach_expect(shmprim_spsc_raw *ring, void *header, void *slots,
                                                          size_t slots_len, const shmprim_spsc_expect *expect);
/* Attach with no expectation: accepts any valid ring that fits in slots_len.
 * The caller MUST then check shmprim_spsc_entry_size (raw: ring->geo.entry_size)
 * against the size of every buffer it pushes from or pops into, and the
 * capacity against what it planned for: push and pop copy entry_size bytes,
 * whatever the caller's buffer holds. Prefer the _expect form. */
SHMPRIM_API shmprim_status shmprim_spsc_raw_attach(shmprim_spsc_raw *ring, void *header, void *slots,
                                                   size_t slots_len);
SHMPRIM_API void shmprim_spsc_raw_split(const shmprim_spsc_raw *ring, shmprim_spsc_producer *producer,
                                        shmprim_spsc_consumer *consumer);
SHMPRIM_API shmprim_spsc_snapshot shmprim_spsc_raw_snapshot(const shmprim_spsc_raw *ring);

/* ---- region form ---- */
SHMPRIM_API shmprim_status shmprim_spsc_init(shmprim_spsc *ring, shmprim_region region, size_t offset,
                                             uint32_t capacity, uint32_t entry_size);
/* The attach to use in a region shared with other structures: as the raw
 * _expect form, and the ring (header and slots) must end within `extent`
 * bytes from offset, the bytes the caller's layout gives it (normally
 * shmprim_spsc_required_size of the geometry it expects): a header claiming
 * more is refused with SHMPRIM_ERR_OVERLAP instead of reaching over the next
 * structure. REGION_TOO_SMALL if extent runs past the region, INVALID_ARGUMENT
 * for an extent smaller than a header. */
SHMPRIM_API shmprim_status shmprim_spsc_attach_expect(shmprim_spsc *ring, shmprim_region region, size_t offset,
                                                      size_t extent, const shmprim_spsc_expect *expect);
/* No expectation and no extent: the ring may claim everything from offset to
 * the region's end. The caller MUST check entry size and capacity afterwards
 * (see shmprim_spsc_raw_attach) and that the ring ends before any neighbour
 * (offset + shmprim_spsc_required_size(capacity, entry_size)). Prefer the _expect form. */
SHMPRIM_API shmprim_status shmprim_spsc_attach(shmprim_spsc *ring, shmprim_region region, size_t offset);
SHMPRIM_API void shmprim_spsc_split(shmprim_spsc *ring, shmprim_spsc_producer *producer,
                                    shmprim_spsc_consumer *consumer);
SHMPRIM_API shmprim_spsc_snapshot shmprim_spsc_snapshot_of(const shmprim_spsc *ring);
SHMPRIM_API uint32_t shmprim_spsc_capacity(const shmprim_spsc *ring);
SHMPRIM_API uint32_t shmprim_spsc_entry_size(const shmprim_spsc *ring);
/* Approximate (racy) unless both sides are idle. */
SHMPRIM_API bool shmprim_spsc_is_empty(const shmprim_spsc *ring);
SHMPRIM_API uint32_t shmprim_spsc_len(const shmprim_spsc *ring);

/* ---- producer ---- */
/* Copies entry_size bytes from entry into the ring. */
SHMPRIM_API shmprim_push_result shmprim_spsc_push(shmprim_spsc_producer *producer, const void *entry);
/* Approximate: true if the producer's view says full (may reload the consumer's index). */
SHMPRIM_API bool shmprim_spsc_is_full(shmprim_spsc_producer *producer);
/* Approximate free space: capacity minus entries not yet consumed as last seen. */
SHMPRIM_API uint32_t shmprim_spsc_available(shmprim_spsc_producer *producer);

/* ---- consumer ---- */
/* Copies the oldest entry into entry_out and returns true, or returns false if empty. */
SHMPRIM_API bool shmprim_spsc_pop(shmprim_spsc_consumer *consumer, void *entry_out);
/* Exact for the consumer (nothing it has not popped can disappear). */
SHMPRIM_API bool shmprim_spsc_consumer_is_empty(shmprim_spsc_consumer *consumer);
/* Approximate: entries published and not yet popped, as last seen. */
SHMPRIM_API uint32_t shmprim_spsc_consumer_len(shmprim_spsc_consumer *consumer);

/* ---- batches ----
 * entries: n entries of entry_size bytes each, back to back in the caller's
 * memory. Bulk moves all n or none; burst moves as many as it can (0..n).
 * Each returns the count moved; the whole batch costs one call, one index
 * store and (push) at most one reload of the consumer's index.
 * *result (may be NULL): SHMPRIM_PUSH_OK if all n were pushed, WOULD_BLOCK if
 * fewer (not enough room), CORRUPT if the consumer's index is impossible (then
 * nothing was pushed). */
SHMPRIM_API uint32_t shmprim_spsc_push_bulk(shmprim_spsc_producer *producer, const void *entries, uint32_t n,
                                            shmprim_push_result *result);
SHMPRIM_API uint32_t shmprim_spsc_push_burst(shmprim_spsc_producer *producer, const void *entries, uint32_t n,
                                             shmprim_push_result *result);
SHMPRIM_API uint32_t shmprim_spsc_pop_bulk(shmprim_spsc_consumer *consumer, void *entries_out, uint32_t n);
SHMPRIM_API uint32_t shmprim_spsc_pop_burst(shmprim_spsc_consumer *consumer, void *entries_out, uint32_t n);

/* ---- zero-copy ----
 * Producer: k = reserve(n) finds up to n free slots (0..n, *result as for
 * push_burst) without publishing anything; write entry i < k in place at
 * shmprim_spsc_reserved_entry(producer, i); commit(m) publishes the first m of
 * them, in order. m must not exceed k: commit never publishes past the free
 * space the producer knows of, and returns the count it published.
 * Consumer: k = peek(n) finds up to n published entries (0..n); read entry
 * i < k in place at shmprim_spsc_peeked_entry(consumer, i); release(m) hands
 * the first m slots back to the producer (only slots that peek would still
 * report; returns the count released). Until commit / release, nothing
 * changes for the other side, so reserve and peek may be repeated. */
SHMPRIM_API uint32_t shmprim_spsc_reserve(shmprim_spsc_producer *producer, uint32_t n, shmprim_push_result *result);
SHMPRIM_API uint32_t shmprim_spsc_commit(shmprim_spsc_producer *producer, uint32_t n);
SHMPRIM_API uint32_t shmprim_spsc_peek(shmprim_spsc_consumer *consumer, uint32_t n);
SHMPRIM_API uint32_t shmprim_spsc_release(shmprim_spsc_consumer *consumer, uint32_t n);

/* Entry i of the current reservation / peek: plain pointer arithmetic on the
 * private handle (no shared word is read), so it inlines. Entries are
 * SHMPRIM_SLOT_ALIGN-aligned; only i < the count reserve/peek returned is valid. */
static inline void *shmprim_spsc_reserved_entry(const shmprim_spsc_producer *producer, uint32_t i)
{
	return shmprim_spsc_entry_at(&producer->geo, producer->local_head + i);
}

static inline const void *shmprim_spsc_peeked_entry(const shmprim_spsc_consumer *consumer, uint32_t i)
{
	return shmprim_spsc_entry_at(&consumer->geo, consumer->local_tail + i);
}

/* ---- typed wrappers ----
 * SHMPRIM_SPSC_TYPED(name, type) defines static inline name_push, name_pop,
 * name_push_burst and name_pop_burst for a ring whose entry_size is
 * sizeof(type) (alignof(type) must be <= SHMPRIM_SLOT_ALIGN). The bursts go
 * through reserve/commit and peek/release, so each entry is moved by a plain
 * typed assignment in the caller's code, with one library call per side per
 * batch. A handle whose entry_size is not sizeof(type) moves nothing: push
 * returns SHMPRIM_PUSH_CORRUPT, pop false, bursts 0. */
#define SHMPRIM_SPSC_TYPED(name, type)                                                                  \
	static inline shmprim_push_result name##_push(shmprim_spsc_producer *producer, const type *entry) \
	{                                                                                                \
		if (producer->geo.entry_size != sizeof(type))                                            \
			return SHMPRIM_PUSH_CORRUPT;                                                     \
		return shmprim_spsc_push(producer, entry);                                               \
	}                                                                                                \
	static inline bool name##_pop(shmprim_spsc_consumer *consumer, type *entry_out)                  \
	{                                                                                                \
		if (consumer->geo.entry_size != sizeof(type))                                            \
			return false;                                                                    \
		return shmprim_spsc_pop(consumer, entry_out);                                            \
	}                                                                                                \
	static inline uint32_t name##_push_burst(shmprim_spsc_producer *producer, const type *entries,   \
	                                         uint32_t n)                                             \
	{                                                                                                \
		uint32_t k, i;                                                                           \
		if (producer->geo.entry_size != sizeof(type))                                            \
			return 0;                                                                        \
		k = shmprim_spsc_reserve(producer, n, NULL);                                             \
		for (i = 0; i < k; i++)                                                                  \
			*(type *)shmprim_spsc_reserved_entry(producer, i) = entries[i];                  \
		return shmprim_spsc_commit(producer, k);                                                 \
	}                                                                                                \
	static inline uint32_t name##_pop_burst(shmprim_spsc_consumer *consumer, type *entries_out,      \
	                                        uint32_t n)                                              \
	{                                                                                                \
		uint32_t k, i;                                                                           \
		if (consumer->geo.entry_size != sizeof(type))                                            \
			return 0;                                                                        \
		k = shmprim_spsc_peek(consumer, n);                                                      \
		for (i = 0; i < k; i++)                                                                  \
			entries_out[i] = *(const type *)shmprim_spsc_peeked_entry(consumer, i);          \
		return shmprim_spsc_release(consumer, k);                                                \
	}

#ifdef __cplusplus
}
#endif

#endif
