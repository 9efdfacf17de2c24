/** @file
 * Wait-free single-producer / single-consumer ring of fixed-size entries.
 *
 * Raw form (shmprim_spsc_raw_*): the caller places the header and the slots
 * wherever it likes (e.g. in its own mmap layout). Region form (shmprim_spsc_*):
 * header and slots sit together in a region at an offset; it delegates to the
 * raw form. init writes a fresh ring; attach validates an existing one (written
 * by any backend, compiler or word size) and copies its geometry into the
 * private handle, so nothing re-reads geometry from shared memory afterwards.
 *
 * Sides. take_producer() / take_consumer() hand out one side and claim it
 * in the ring's header (claim.h): a second taker, in this process or another,
 * is refused with SHMPRIM_ERR_CLAIMED and told who holds the side; a holder
 * verified dead is taken over (the takeover rules are in docs/ipc.md, "Claims,
 * takeover and close"). leave gives a side back for a successor; close ends
 * it for good, and the peer then gets SHMPRIM_ERR_END (consumer: after every
 * entry pushed before the close) or SHMPRIM_ERR_CLOSED (producer).
 * split() hands out unclaimed sides: the opt-out for callers who arbitrate
 * themselves. Nothing then stops a second producer or consumer, and exactly
 * one of each may be in use at a time across all processes (pass NULL for the
 * side you don't take). Handles are private memory: use each from one thread
 * at a time.
 *
 * Return conventions. shmprim_status is the one convention for new code: the
 * statused calls (try_push, try_pop, take, leave, close) use it, and the
 * blocking calls in wait.h. The older forms (push's shmprim_push_result,
 * pop's bool, the batch and zero-copy counts) keep working unchanged; see
 * docs/compatibility.md for how a form is deprecated.
 */
#ifndef SHMPRIM_SPSC_H
#define SHMPRIM_SPSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <shmprim/claim.h>
#include <shmprim/layout.h>
#include <shmprim/region.h>
#include <shmprim/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What a push (or a batch, in its result argument) did. */
typedef enum shmprim_push_result {
	SHMPRIM_PUSH_OK = 0,          /**< pushed */
	SHMPRIM_PUSH_WOULD_BLOCK = 1, /**< ring full */
	SHMPRIM_PUSH_CORRUPT = 2      /**< the consumer's index is impossible (more than capacity behind) */
} shmprim_push_result;

/** Private copy of where entries live (layout.h: cells of entries_per_cell
 * entries under one seq word), taken at init/attach and never re-read from
 * shared memory. */
typedef struct shmprim_spsc_geometry {
	unsigned char *slots;     /**< first cell */
	/** entries, a power of two */
	uint32_t capacity;
	uint32_t mask;            /**< capacity - 1 */
	/** bytes per entry */
	uint32_t entry_size;
	uint32_t entry_pitch;     /**< entry_size rounded up to SHMPRIM_SLOT_ALIGN */
	/** entries sharing one seq word: 7, 3, 2 or 1 */
	uint32_t entries_per_cell;
	/** bytes from one cell to the next */
	uint32_t cell_stride;
	uint32_t cell_mul;        /**< cell of ring index i = i * cell_mul >> cell_shift */
	/** see cell_mul */
	uint32_t cell_shift;
} shmprim_spsc_geometry;

/** Private view of a ring: pointers into shared memory plus a copy of its geometry. */
typedef struct shmprim_spsc_raw {
	/** the header in shared memory */
	shmprim_spsc_header *header;
	/** where the entries are, copied at init/attach */
	shmprim_spsc_geometry geo;
} shmprim_spsc_raw;

/** A ring in a region (region form): the raw view plus where it sits. */
typedef struct shmprim_spsc {
	/** the ring itself */
	shmprim_spsc_raw raw;
	/** the region it sits in */
	shmprim_region region;
	/** its header's offset in the region */
	size_t offset;
} shmprim_spsc;

/** The producer side (from split). Fields are private; the struct is public so
 * handles can live on the stack. Every call writes local_head or cached_tail,
 * so the fields sit between two SHMPRIM_HANDLE_PAD pads: a producer and a
 * consumer kept side by side (one struct holding both ends, as a
 * thread-to-thread queue does) never share a cache line, wherever they lie. */
typedef struct shmprim_spsc_producer {
	/** private: keeps whatever lies before the handle off its lines */
	unsigned char pad_before[SHMPRIM_HANDLE_PAD];
	/** copy of the ring's geometry */
	shmprim_spsc_geometry geo;
	uint32_t *head;           /**< shared: published count */
	const uint32_t *tail;     /**< shared: consumer's count */
	uint32_t local_head;      /**< next position to write */
	uint32_t cached_tail;     /**< last tail seen; reloaded only when the ring looks full */
	/** this side's claim (claim.h): the token it was taken with; 0 from split (unclaimed) */
	uint64_t token;
	/** private: when push_wait next checks the consumer while pushes succeed (CLOCK_MONOTONIC ns) */
	uint64_t next_check_ns;
	/** private: keeps whatever lies after the handle off its lines */
	unsigned char pad_after[SHMPRIM_HANDLE_PAD];
} shmprim_spsc_producer;

/** The consumer side (from split). Fields are private, as the producer's, and
 * padded the same way (every call writes local_tail or cached_head). */
typedef struct shmprim_spsc_consumer {
	/** private: keeps whatever lies before the handle off its lines */
	unsigned char pad_before[SHMPRIM_HANDLE_PAD];
	/** copy of the ring's geometry */
	shmprim_spsc_geometry geo;
	/** shared: the producer's published count */
	const uint32_t *head;
	/** shared: the consumed count this side stores */
	uint32_t *tail;
	uint32_t local_tail;      /**< next position to read */
	uint32_t cached_head;     /**< entries before this are known published; refreshed only when reached */
	/** this side's claim (claim.h): the token it was taken with; 0 from split (unclaimed) */
	uint64_t token;
	/** private: keeps whatever lies after the handle off its lines */
	unsigned char pad_after[SHMPRIM_HANDLE_PAD];
} shmprim_spsc_consumer;

/** Cell number of ring index i: a multiply and shift, exact for every index
 * below SHMPRIM_SPSC_MAX_CAPACITY (see cell_divider in src/spsc.c).
 * @param geo   the handle's geometry
 * @param index ring index (position & mask)
 * @return the cell holding that index */
static inline uint32_t shmprim_spsc_cell_number(const shmprim_spsc_geometry *geo, uint32_t index)
{
	return (uint32_t)(((uint64_t)index * geo->cell_mul) >> geo->cell_shift);
}

/** The entry bytes for a position: plain arithmetic on private geometry,
 * from the start of the cell whose seq word publishes it.
 * @param geo      the handle's geometry
 * @param position free-running position
 * @return the entry's first byte */
static inline unsigned char *shmprim_spsc_entry_at(const shmprim_spsc_geometry *geo, uint32_t position)
{
	uint32_t index = position & geo->mask;
	uint32_t cell = shmprim_spsc_cell_number(geo, index);

	return geo->slots + (size_t)cell * geo->cell_stride + SHMPRIM_SPSC_CELL_OVERHEAD +
	       (size_t)(index - cell * geo->entries_per_cell) * geo->entry_pitch;
}

/** A racy snapshot: exact only when both sides are idle. head counts the
 * published entries: the shared head (stored only every few entries) plus the
 * published slots after it. */
typedef struct shmprim_spsc_snapshot {
	/** entries published */
	uint32_t head;
	/** entries consumed */
	uint32_t tail;
	/** the ring's capacity */
	uint32_t capacity;
	uint32_t len;             /**< head - tail, clamped to capacity */
} shmprim_spsc_snapshot;

/* ---- sizes ---- */
/** Bytes for the slots array (raw form).
 * @param capacity   entries, a power of two up to SHMPRIM_SPSC_MAX_CAPACITY
 * @param entry_size bytes per entry, 1..SHMPRIM_SPSC_MAX_ENTRY_SIZE
 * @return the size, or 0 if capacity or entry_size is invalid */
SHMPRIM_API size_t shmprim_spsc_slots_size(uint32_t capacity, uint32_t entry_size);
/** Header + slots, for the region form.
 * @param capacity   entries, a power of two up to SHMPRIM_SPSC_MAX_CAPACITY
 * @param entry_size bytes per entry, 1..SHMPRIM_SPSC_MAX_ENTRY_SIZE
 * @return the size, or 0 if capacity or entry_size is invalid */
SHMPRIM_API size_t shmprim_spsc_required_size(uint32_t capacity, uint32_t entry_size);

/** What an attacher expects of a ring someone else created. A header can be
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
	/** must equal the header's (required) */
	uint32_t entry_size;
	/** least capacity accepted (0: no bound) */
	uint32_t min_capacity;
	/** most capacity accepted (0: no bound) */
	uint32_t max_capacity;
} shmprim_spsc_expect;

/* ---- raw form ---- */
/** Writes a fresh, empty ring over caller-placed header and slots.
 * @param ring       the handle to fill
 * @param header     SHMPRIM_SPSC_HEADER_SIZE bytes, SHMPRIM_ALIGN-aligned
 * @param slots      the cells, SHMPRIM_SLOT_ALIGN-aligned
 * @param slots_len  bytes at slots, at least shmprim_spsc_slots_size()
 * @param capacity   entries, a power of two up to SHMPRIM_SPSC_MAX_CAPACITY
 * @param entry_size bytes per entry, 1..SHMPRIM_SPSC_MAX_ENTRY_SIZE
 * @return SHMPRIM_OK, or why not (nothing is written then) */
SHMPRIM_API shmprim_status shmprim_spsc_raw_init(shmprim_spsc_raw *ring, void *header, void *slots,
                                                 size_t slots_len, uint32_t capacity, uint32_t entry_size);
/** The attach to use: validates the header, then refuses a geometry other than
 * *expect (SHMPRIM_ERR_UNEXPECTED_GEOMETRY), then one whose slots do not fit in
 * slots_len (SHMPRIM_ERR_REGION_TOO_SMALL). INVALID_ARGUMENT for an expectation
 * that no ring can meet (entry_size 0 or too large, min_capacity > max_capacity).
 * @param ring      the handle to fill
 * @param header    the ring's header
 * @param slots     its cells
 * @param slots_len bytes at slots
 * @param expect    the geometry this process was written for
 * @return SHMPRIM_OK, or why the ring was refused */
SHMPRIM_API shmprim_status shmprim_spsc_raw_attach_expect(shmprim_spsc_raw *ring, void *header, void *slots,
                                                          size_t slots_len, const shmprim_spsc_expect *expect);
/** Attach with no expectation: accepts any valid ring that fits in slots_len.
 * The caller MUST then check shmprim_spsc_entry_size (raw: ring->geo.entry_size)
 * against the size of every buffer it pushes from or pops into, and the
 * capacity against what it planned for: push and pop copy entry_size bytes,
 * whatever the caller's buffer holds. Prefer the _expect form.
 * @param ring      the handle to fill
 * @param header    the ring's header
 * @param slots     its cells
 * @param slots_len bytes at slots
 * @return SHMPRIM_OK, or why the ring was refused */
SHMPRIM_API shmprim_status shmprim_spsc_raw_attach(shmprim_spsc_raw *ring, void *header, void *slots,
                                                   size_t slots_len);
/** Hands out the ring's producer and consumer (raw form of shmprim_spsc_split()).
 * @param ring     an initialised or attached ring
 * @param producer filled with the producer side, or NULL if not taken
 * @param consumer filled with the consumer side, or NULL if not taken */
SHMPRIM_API void shmprim_spsc_raw_split(const shmprim_spsc_raw *ring, shmprim_spsc_producer *producer,
                                        shmprim_spsc_consumer *consumer);
/** A racy snapshot of the ring's indices (raw form of shmprim_spsc_snapshot_of()).
 * @param ring an initialised or attached ring
 * @return head, tail, capacity and len as read now */
SHMPRIM_API shmprim_spsc_snapshot shmprim_spsc_raw_snapshot(const shmprim_spsc_raw *ring);

/* ---- region form ---- */
/** Writes a fresh, empty ring in a region at an offset (header, then slots).
 * @param ring       the handle to fill
 * @param region     the region
 * @param offset     where the header goes, a multiple of SHMPRIM_ALIGN
 * @param capacity   entries, a power of two up to SHMPRIM_SPSC_MAX_CAPACITY
 * @param entry_size bytes per entry, 1..SHMPRIM_SPSC_MAX_ENTRY_SIZE
 * @return SHMPRIM_OK, or why not (nothing is written then) */
SHMPRIM_API shmprim_status shmprim_spsc_init(shmprim_spsc *ring, shmprim_region region, size_t offset,
                                             uint32_t capacity, uint32_t entry_size);
/** The attach to use in a region shared with other structures: as the raw
 * _expect form, and the ring (header and slots) must end within `extent`
 * bytes from offset, the bytes the caller's layout gives it (normally
 * shmprim_spsc_required_size of the geometry it expects): a header claiming
 * more is refused with SHMPRIM_ERR_OVERLAP instead of reaching over the next
 * structure. REGION_TOO_SMALL if extent runs past the region, INVALID_ARGUMENT
 * for an extent smaller than a header.
 * @param ring   the handle to fill
 * @param region the region
 * @param offset the header's offset
 * @param extent bytes from offset the ring may cover
 * @param expect the geometry this process was written for
 * @return SHMPRIM_OK, or why the ring was refused */
SHMPRIM_API shmprim_status shmprim_spsc_attach_expect(shmprim_spsc *ring, shmprim_region region, size_t offset,
                                                      size_t extent, const shmprim_spsc_expect *expect);
/** No expectation and no extent: the ring may claim everything from offset to
 * the region's end. The caller MUST check entry size and capacity afterwards
 * (see shmprim_spsc_raw_attach) and that the ring ends before any neighbour
 * (offset + shmprim_spsc_required_size(capacity, entry_size)). Prefer the _expect form.
 * @param ring   the handle to fill
 * @param region the region
 * @param offset the header's offset
 * @return SHMPRIM_OK, or why the ring was refused */
SHMPRIM_API shmprim_status shmprim_spsc_attach(shmprim_spsc *ring, shmprim_region region, size_t offset);
/** Hands out the producer and the consumer; one of each may be in use at a
 * time across all processes.
 * @param ring     an initialised or attached ring
 * @param producer filled with the producer side, or NULL if not taken
 * @param consumer filled with the consumer side, or NULL if not taken */
SHMPRIM_API void shmprim_spsc_split(shmprim_spsc *ring, shmprim_spsc_producer *producer,
                                    shmprim_spsc_consumer *consumer);
/** A racy snapshot of the ring's indices: exact only when both sides are idle.
 * @param ring the ring
 * @return head, tail, capacity and len as read now */
SHMPRIM_API shmprim_spsc_snapshot shmprim_spsc_snapshot_of(const shmprim_spsc *ring);
/** The ring's capacity, from the private copy.
 * @param ring the ring
 * @return entries it holds */
SHMPRIM_API uint32_t shmprim_spsc_capacity(const shmprim_spsc *ring);
/** The ring's entry size, from the private copy: check it after a plain attach.
 * @param ring the ring
 * @return bytes each push and pop copies */
SHMPRIM_API uint32_t shmprim_spsc_entry_size(const shmprim_spsc *ring);
/** Whether the ring holds no entry. Approximate (racy) unless both sides are idle.
 * @param ring the ring
 * @return true if empty as read now */
SHMPRIM_API bool shmprim_spsc_is_empty(const shmprim_spsc *ring);
/** Entries published and not consumed. Approximate (racy) unless both sides are idle.
 * @param ring the ring
 * @return the count as read now, at most the capacity */
SHMPRIM_API uint32_t shmprim_spsc_len(const shmprim_spsc *ring);

/* ---- claimed sides ----
 * take: claims the side for this process (its token: pid and start time) and
 * hands it out, as split() would. SHMPRIM_OK: *holder (may be NULL) says what
 * the claim word held before: FREE, or the dead (or impossible) holder taken
 * over from. SHMPRIM_ERR_CLAIMED: held by a live process, by one whose death
 * cannot be verified, or by this process already; *holder names it.
 * SHMPRIM_ERR_CLOSED: the side was closed for good. SHMPRIM_ERR_CONTENDED:
 * other takers kept changing the word; retry.
 * A producer taken over resumes after the last entry published (entries its
 * predecessor reserved but never committed are dropped); a consumer resumes at
 * the shared tail, so the entries its predecessor took after its last tail
 * store are delivered again: at most the entries of the call it died in (1 for
 * pop or try_pop, n for a batch of n, a whole peek for peek/release). */
/** Takes the producer side of a ring (raw form).
 * @param ring     an initialised or attached ring
 * @param producer filled with the producer side on SHMPRIM_OK
 * @param holder   receives the previous or current holder (may be NULL)
 * @return SHMPRIM_OK, SHMPRIM_ERR_CLAIMED, SHMPRIM_ERR_CLOSED, SHMPRIM_ERR_CONTENDED or an argument error */
SHMPRIM_API shmprim_status shmprim_spsc_raw_take_producer(const shmprim_spsc_raw *ring, shmprim_spsc_producer *producer,
                                                          shmprim_claim_holder *holder);
/** Takes the consumer side of a ring (raw form).
 * @param ring     an initialised or attached ring
 * @param consumer filled with the consumer side on SHMPRIM_OK
 * @param holder   receives the previous or current holder (may be NULL)
 * @return as shmprim_spsc_raw_take_producer() */
SHMPRIM_API shmprim_status shmprim_spsc_raw_take_consumer(const shmprim_spsc_raw *ring, shmprim_spsc_consumer *consumer,
                                                          shmprim_claim_holder *holder);
/** Takes the producer side of a ring in a region.
 * @param ring     an initialised or attached ring
 * @param producer filled with the producer side on SHMPRIM_OK
 * @param holder   receives the previous or current holder (may be NULL)
 * @return as shmprim_spsc_raw_take_producer() */
SHMPRIM_API shmprim_status shmprim_spsc_take_producer(shmprim_spsc *ring, shmprim_spsc_producer *producer,
                                                      shmprim_claim_holder *holder);
/** Takes the consumer side of a ring in a region.
 * @param ring     an initialised or attached ring
 * @param consumer filled with the consumer side on SHMPRIM_OK
 * @param holder   receives the previous or current holder (may be NULL)
 * @return as shmprim_spsc_raw_take_producer() */
SHMPRIM_API shmprim_status shmprim_spsc_take_consumer(shmprim_spsc *ring, shmprim_spsc_consumer *consumer,
                                                      shmprim_claim_holder *holder);
/** Gives a taken producer side back (its word goes to FREE): a successor may
 * take it and resumes after the entries published so far.
 * @param producer a side from take_producer (not from split)
 * @return SHMPRIM_OK, SHMPRIM_ERR_CLAIM_LOST (the word no longer held this
 *         handle's token; it is left as it was), SHMPRIM_ERR_INVALID_ARGUMENT for a split handle */
SHMPRIM_API shmprim_status shmprim_spsc_producer_leave(shmprim_spsc_producer *producer);
/** Closes the producer side for good (its word goes to CLOSED) and wakes a
 * sleeping consumer: the consumer pops every entry pushed before the close,
 * then gets SHMPRIM_ERR_END. A split (unclaimed) handle may close a side
 * nobody holds.
 * @param producer the producer side
 * @return SHMPRIM_OK, SHMPRIM_ERR_CLAIM_LOST (taken handle whose word changed),
 *         SHMPRIM_ERR_CLAIMED (split handle, the side is held or closed) */
SHMPRIM_API shmprim_status shmprim_spsc_producer_close(shmprim_spsc_producer *producer);
/** Gives a taken consumer side back (see shmprim_spsc_producer_leave()); a
 * successor resumes at the entries not yet popped.
 * @param consumer a side from take_consumer (not from split)
 * @return as shmprim_spsc_producer_leave() */
SHMPRIM_API shmprim_status shmprim_spsc_consumer_leave(shmprim_spsc_consumer *consumer);
/** Closes the consumer side for good and wakes a sleeping producer, whose
 * pushes then fail with SHMPRIM_ERR_CLOSED once the ring is full (the claim
 * word is read only on the full path: at most capacity pushes after the close).
 * @param consumer the consumer side
 * @return as shmprim_spsc_producer_close() */
SHMPRIM_API shmprim_status shmprim_spsc_consumer_close(shmprim_spsc_consumer *consumer);
/* After leave or close a handle is spent: its statused calls return
 * SHMPRIM_ERR_CLAIM_LOST once they reach a full or empty ring. */

/* ---- producer ---- */
/** Copies entry_size bytes from entry into the ring: the statused push, the
 * convention for new code. The claim words are read only when the ring is
 * full, so the pushes that find room cost what shmprim_spsc_push costs.
 * @param producer the producer side (taken or split)
 * @param entry    entry_size bytes
 * @return SHMPRIM_OK; SHMPRIM_ERR_FULL; SHMPRIM_ERR_CLOSED (full, and the
 *         consumer closed: nothing more will be read); SHMPRIM_ERR_CLAIM_LOST
 *         (full, and this taken handle's claim is gone: stop using it);
 *         SHMPRIM_ERR_CORRUPT (the consumer's index is impossible) */
SHMPRIM_API shmprim_status shmprim_spsc_try_push(shmprim_spsc_producer *producer, const void *entry);
/** Copies entry_size bytes from entry into the ring.
 * @param producer the producer side
 * @param entry    entry_size bytes
 * @return SHMPRIM_PUSH_OK, SHMPRIM_PUSH_WOULD_BLOCK (full) or SHMPRIM_PUSH_CORRUPT */
SHMPRIM_API shmprim_push_result shmprim_spsc_push(shmprim_spsc_producer *producer, const void *entry);
/** Approximate: true if the producer's view says full (may reload the consumer's index).
 * @param producer the producer side
 * @return true if a push would find no room now */
SHMPRIM_API bool shmprim_spsc_is_full(shmprim_spsc_producer *producer);
/** Approximate free space: capacity minus entries not yet consumed as last seen.
 * @param producer the producer side
 * @return entries that can be pushed without blocking, at least */
SHMPRIM_API uint32_t shmprim_spsc_available(shmprim_spsc_producer *producer);

/* ---- consumer ---- */
/** Copies the oldest entry into entry_out: the statused pop, the convention
 * for new code. When nothing is ready it tells why, reading the claim words
 * and checking the ring only then (pops that find an entry cost what
 * shmprim_spsc_pop costs).
 * @param consumer  the consumer side (taken or split)
 * @param entry_out room for entry_size bytes
 * @return SHMPRIM_OK; SHMPRIM_ERR_EMPTY; SHMPRIM_ERR_END (the producer closed
 *         and every entry it pushed has been popped); SHMPRIM_ERR_CLAIM_LOST
 *         (this taken handle's claim is gone); SHMPRIM_ERR_CORRUPT (the shared
 *         tail is not what this consumer stored, head is more than capacity
 *         away, or the next cell's seq is impossible: a plain pop reads these
 *         as empty) */
SHMPRIM_API shmprim_status shmprim_spsc_try_pop(shmprim_spsc_consumer *consumer, void *entry_out);
/** Copies the oldest entry into entry_out and returns true, or returns false if empty.
 * @param consumer  the consumer side
 * @param entry_out room for entry_size bytes
 * @return true if an entry was popped */
SHMPRIM_API bool shmprim_spsc_pop(shmprim_spsc_consumer *consumer, void *entry_out);
/** Whether the consumer has nothing to pop. Exact for the consumer (nothing it
 * has not popped can disappear).
 * @param consumer the consumer side
 * @return true if a pop would return false now */
SHMPRIM_API bool shmprim_spsc_consumer_is_empty(shmprim_spsc_consumer *consumer);
/** Approximate: entries published and not yet popped, as last seen.
 * @param consumer the consumer side
 * @return the count */
SHMPRIM_API uint32_t shmprim_spsc_consumer_len(shmprim_spsc_consumer *consumer);

/* ---- batches ----
 * entries: n entries of entry_size bytes each, back to back in the caller's
 * memory. Bulk moves all n or none; burst moves as many as it can (0..n).
 * Each returns the count moved; the whole batch costs one call, one index
 * store and (push) at most one reload of the consumer's index.
 * *result (may be NULL): SHMPRIM_PUSH_OK if all n were pushed, WOULD_BLOCK if
 * fewer (not enough room), CORRUPT if the consumer's index is impossible (then
 * nothing was pushed). */
/** Pushes all n entries or none (the batches note in spsc.h says what a batch costs).
 * @param producer the producer side
 * @param entries  n entries of entry_size bytes, back to back
 * @param n        entries to push
 * @param result   set to the outcome (may be NULL)
 * @return entries pushed: n or 0 */
SHMPRIM_API uint32_t shmprim_spsc_push_bulk(shmprim_spsc_producer *producer, const void *entries, uint32_t n,
                                            shmprim_push_result *result);
/** Pushes as many of n entries as fit (the batches note in spsc.h says what a batch costs).
 * @param producer the producer side
 * @param entries  n entries of entry_size bytes, back to back
 * @param n        entries offered
 * @param result   set to the outcome (may be NULL)
 * @return entries pushed, 0..n */
SHMPRIM_API uint32_t shmprim_spsc_push_burst(shmprim_spsc_producer *producer, const void *entries, uint32_t n,
                                             shmprim_push_result *result);
/** Pops n entries or none.
 * @param consumer    the consumer side
 * @param entries_out room for n entries of entry_size bytes
 * @param n           entries wanted
 * @return entries popped: n or 0 */
SHMPRIM_API uint32_t shmprim_spsc_pop_bulk(shmprim_spsc_consumer *consumer, void *entries_out, uint32_t n);
/** Pops up to n entries.
 * @param consumer    the consumer side
 * @param entries_out room for n entries of entry_size bytes
 * @param n           most entries wanted
 * @return entries popped, 0..n */
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
/** Finds up to n free slots to write in place, publishing nothing (the zero-copy note in spsc.h gives the protocol).
 * @param producer the producer side
 * @param n        slots wanted
 * @param result   set as for push_burst (may be NULL)
 * @return slots reserved, 0..n */
SHMPRIM_API uint32_t shmprim_spsc_reserve(shmprim_spsc_producer *producer, uint32_t n, shmprim_push_result *result);
/** Publishes the first n reserved entries, in order.
 * @param producer the producer side
 * @param n        entries to publish, at most what reserve returned
 * @return entries published */
SHMPRIM_API uint32_t shmprim_spsc_commit(shmprim_spsc_producer *producer, uint32_t n);
/** Finds up to n published entries to read in place, taking nothing.
 * @param consumer the consumer side
 * @param n        entries wanted
 * @return entries visible, 0..n */
SHMPRIM_API uint32_t shmprim_spsc_peek(shmprim_spsc_consumer *consumer, uint32_t n);
/** Hands the first n peeked slots back to the producer.
 * @param consumer the consumer side
 * @param n        slots to release, at most what peek would report
 * @return slots released */
SHMPRIM_API uint32_t shmprim_spsc_release(shmprim_spsc_consumer *consumer, uint32_t n);

/** Entry i of the current reservation / peek: plain pointer arithmetic on the
 * private handle (no shared word is read), so it inlines. Entries are
 * SHMPRIM_SLOT_ALIGN-aligned; only i < the count reserve/peek returned is valid.
 * @param producer the producer side, after shmprim_spsc_reserve()
 * @param i        entry of the reservation
 * @return where to write entry i (entry_size bytes) */
static inline void *shmprim_spsc_reserved_entry(const shmprim_spsc_producer *producer, uint32_t i)
{
	return shmprim_spsc_entry_at(&producer->geo, producer->local_head + i);
}

/** Entry i of the current peek (see shmprim_spsc_reserved_entry()).
 * @param consumer the consumer side, after shmprim_spsc_peek()
 * @param i        entry of the peek
 * @return where to read entry i (entry_size bytes) */
static inline const void *shmprim_spsc_peeked_entry(const shmprim_spsc_consumer *consumer, uint32_t i)
{
	return shmprim_spsc_entry_at(&consumer->geo, consumer->local_tail + i);
}

/** Typed wrappers.
 * SHMPRIM_SPSC_TYPED(name, type) defines static inline name_push, name_pop,
 * name_push_burst and name_pop_burst for a ring whose entry_size is
 * sizeof(type) (alignof(type) must be <= SHMPRIM_SLOT_ALIGN). The bursts go
 * through reserve/commit and peek/release, so each entry is moved by a plain
 * typed assignment in the caller's code, with one library call per side per
 * batch. A handle whose entry_size is not sizeof(type) moves nothing: push
 * returns SHMPRIM_PUSH_CORRUPT, pop false, bursts 0.
 * @param name prefix of the four functions
 * @param type the entry type */
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

/* Opt-in inlining (include/shmprim/static/spsc.h): the data calls become the
 * static inline algorithm, built with the library's atomics binding. */
#ifdef SHMPRIM_INLINE
#include <shmprim/static/spsc.h>
#define shmprim_spsc_push shmprim_spsc_push_inline
#define shmprim_spsc_pop shmprim_spsc_pop_inline
#define shmprim_spsc_push_bulk shmprim_spsc_push_bulk_inline
#define shmprim_spsc_push_burst shmprim_spsc_push_burst_inline
#define shmprim_spsc_pop_bulk shmprim_spsc_pop_bulk_inline
#define shmprim_spsc_pop_burst shmprim_spsc_pop_burst_inline
#define shmprim_spsc_reserve shmprim_spsc_reserve_inline
#define shmprim_spsc_commit shmprim_spsc_commit_inline
#define shmprim_spsc_peek shmprim_spsc_peek_inline
#define shmprim_spsc_release shmprim_spsc_release_inline
#define shmprim_spsc_is_full shmprim_spsc_is_full_inline
#define shmprim_spsc_available shmprim_spsc_available_inline
#define shmprim_spsc_consumer_is_empty shmprim_spsc_consumer_is_empty_inline
#define shmprim_spsc_consumer_len shmprim_spsc_consumer_len_inline
#endif

#endif
