/** @file
 * The shared-memory layout: an ABI. These bytes are the same whatever the
 * atomics backend, compiler or word size; every offset and size is asserted
 * below (and again by tests/unit/test_layout.c and tests/portability/layout_dump.c). All integers are in the writer's native
 * byte order (attach reports SHMPRIM_ERR_WRONG_ENDIAN for the other order).
 * Shared words are plain integers here; only the library's backends access
 * them atomically. Layout version 4 (3 had no claim words: its +136 and
 * +264 were reserved zeros; 2 had one seq per entry; 1 had 2's bytes, but its
 * head counted every entry as it was published).
 *
 * SPSC ring, at a SHMPRIM_ALIGN-aligned header:
 *   header (384 bytes)
 *     line 0   immutable geometry, written once by init, validated by attach
 *     +128     producer line: head (u32): entries published, stored every
 *              min(32, capacity) entries, after each batch, by split() and
 *              before waking the consumer, so it lags the slots' seqs by less
 *              than that; exact counts scan seqs forward from it
 *              +132 producer_pid (u32): pid the producer announced, 0 = none (a hint)
              +136 producer_claim (u64): who holds the producer side (claim.h:
                   0 free, 1 closed, else a process token); written only by
                   take, leave and close, read by the peer only when the
                   ring is full or empty
 *              +192 producer_sleeping (u32): 1 while the producer may sleep on tail;
 *                   the consumer clears it when it wakes the producer
 *     +256     consumer line: tail (u32, entries consumed so far)
 *              +260 consumer_pid (u32), +320 consumer_sleeping (u32): the same
 *                   for the consumer, which sleeps on head
 *   The sleeping words sit 64 bytes away from head/tail: each side reads the
 *   other's flag after every operation, and a line nobody writes in the hot
 *   path stays shared in both caches.
 *   slots: cells of cell_stride bytes, SHMPRIM_SLOT_ALIGN-aligned (the region
 *   form puts them right after the header). Entries are packed into cells so
 *   that small ones share a line under one seq word; entry_pitch is
 *   entry_size rounded up to 8:
 *     entry_pitch <= 24: entries_per_cell = 56 / entry_pitch (7, 3 or 2),
 *                        cell_stride = 64 (one cache line)
 *     otherwise:         entries_per_cell = 1, cell_stride = 8 + entry_pitch
 *   Cell c holds the entries at ring indices c*entries_per_cell .. (fewer in
 *   the last cell when capacity is not a multiple): ceil(capacity /
 *   entries_per_cell) cells in all. Cell:
 *     +0 seq (u32): position+1 of the newest entry published in this cell
 *     +4 reserved (u32, zero)
 *     +8 entries, entry_pitch apart (entry_size bytes each, then padding)
 *   A consumer that has caught up waits on the seq of its next entry's cell,
 *   so one cache line moves per item; one that is behind takes everything
 *   before head at once, reading only entry lines. 8-byte entries: 7 per
 *   line instead of 4 (version 2 gave every entry its own seq).
 *   Indices are free-running u32 counts; ring index = position & (capacity - 1).
 *   Producer and consumer lines are 128 bytes apart so that adjacent-line
 *   prefetch never pairs them.
 *
 * Treiber slab, at a SHMPRIM_ALIGN-aligned header:
 *   header (256 bytes)
 *     line 0   immutable geometry
 *     +128     free_head (u64): low 32 bits slot index (SHMPRIM_SLAB_END = none),
 *              high 32 bits ABA tag, bumped by every push and pop
 *     +136     free_waiters (u32): processes sleeping in a blocking alloc
 *     +140     free_wake (u32): futex word, bumped by a free that wakes a sleeper
 *              (both on free_head's line: a freer has just written it)
 *     +144     reclaim_lock (u32): owner id of the process running a reclaim, 0 = none
 *   meta: slot_count x 64 bytes (one cache line per slot, so threads working on
 *         neighbouring slots never share a line). Slot meta:
 *     +0 state_gen (u64): low 32 bits state, high 32 bits generation, changed
 *        together by one CAS so a stale handle can never win a transition.
 *        state = kind (bits 0-1: FREE 0, ALLOCATED 1, IN_FLIGHT 2)
 *              | FREEING (bit 2, FREE only: a free by `owner` is in progress)
 *              | owner << 3 (owner id, 29 bits, 0 = anonymous): the process
 *                that allocated the slot (or adopted or is freeing it),
 *                recorded by the same CAS that takes or gives back the slot
 *        (anonymous owners and finished frees leave the state word 0, 1 or 2)
 *     +8 next_free (u32): free-list link, kept out of the user's slot data
 *     +12 owner (u32): unused. Init writes 0; nothing writes or reads it after,
 *        and attach does not check it. The slot's owner is in state_gen.
 *     +16 free_tag (u32): the free_head tag installed by the push that last
 *        linked the slot (lets a reclaim tell recent pushes from orphans)
 *     +20 reclaim_mark (u32): scratch for reclaim (the tag of its detach marks
 *        the slots it found on the free list)
 *   data: slot_count x data_stride bytes (data_stride = slot_size rounded up to 8).
 *   The region form puts meta right after the header and data right after meta.
 *
 * Channel (variable-size messages), at a SHMPRIM_ALIGN-aligned header; its
 * own magic and version (SHMPRIM_CHANNEL_VERSION), so it evolves apart from
 * the ring and slab:
 *   header (512 bytes)
 *     line 0   immutable geometry, written once by create, checked by open
 *     +128     producer line: +128 sent (u64): bytes of records published,
 *              a hint stored with every send (inspect reads it; nothing
 *              decides on it); +192 producer_sleeping (u32)
 *     +256     consumer line: +256 released (u64): bytes of records the
 *              consumer is done with (free-running); +320 consumer_sleeping (u32)
 *     +384     claims line: +384 producer_claim (u64), +392 consumer_claim
 *              (u64): claim words (<shmprim/claim.h>): free, closed, or the
 *              holder's process token
 *   data: data_bytes (a power of two) right after the header. Records start
 *   at 8-byte boundaries and never wrap: each is an 8-byte record header
 *   then the message, padded to 8:
 *     record header (u64) = tag << 32 | kind_len
 *       tag      = (uint32_t)(position / 8) + 1, position being the record's
 *                  free-running byte position: a record of an earlier lap at
 *                  the same offset never matches
 *       kind_len = message length (1 .. max_message), or SHMPRIM_CHANNEL_PAD
 *                  | bytes up to the end of the data (a pad: skip to offset 0)
 *   The producer writes a record's bytes, zeroes the next record's header
 *   word, then stores the header (release): the word a consumer looks at next
 *   is always 0 or a header, never an old lap's message bytes.
 */
#ifndef SHMPRIM_LAYOUT_H
#define SHMPRIM_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include <shmprim/status.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SHMPRIM_ALIGN 64u              /**< header alignment (cache line) */
#define SHMPRIM_SLOT_ALIGN 8u          /**< ring slots and slab data alignment */
/** Bytes of padding before and after the fields of each process-local handle
 * (ring producer and consumer, slab), so that handles placed side by side (one
 * struct holding both ends of a queue, an array of per-thread slab handles)
 * never share a cache line, at any address: C99 has no alignment specifier, so
 * the padding alone keeps every other object at least this far from the fields
 * a call writes. 128, not 64: the adjacent-line prefetcher moves 128-byte
 * aligned line pairs, and a neighbour in the other line of the pair still
 * costs a coherence round trip per write. */
#define SHMPRIM_HANDLE_PAD 128u
/** The layout this header describes; attach accepts exactly this version. */
#define SHMPRIM_LAYOUT_VERSION 4u

#define SHMPRIM_SPSC_MAGIC 0x53505352u /**< ring header magic: ASCII "SPSR" as a big-endian u32 */
#define SHMPRIM_SLAB_MAGIC 0x5350534Cu /**< slab header magic: "SPSL" */
/** Largest ring capacity (2^31; capacities are powers of two). */
#define SHMPRIM_SPSC_MAX_CAPACITY 0x80000000u
/** Largest ring entry, in bytes (1 MiB). */
#define SHMPRIM_SPSC_MAX_ENTRY_SIZE (1u << 20)
#define SHMPRIM_SPSC_CELL_OVERHEAD 8u   /**< seq + reserved before a cell's entries */
#define SHMPRIM_SPSC_PACKED_PITCH_MAX 24u /**< entries up to this pitch share 64-byte cells */
/** Bytes of a cell holding several entries (one cache line). */
#define SHMPRIM_SPSC_PACKED_CELL 64u
/** Most slots a slab may have (2^30). */
#define SHMPRIM_SLAB_MAX_SLOTS 0x40000000u
/** Largest slab slot, in bytes (16 MiB). */
#define SHMPRIM_SLAB_MAX_SLOT_SIZE (1u << 24)
/** Bytes of metadata per slot (one cache line). */
#define SHMPRIM_SLAB_META_STRIDE 64u
/** Slot index meaning "none": the end of the free list. */
#define SHMPRIM_SLAB_END 0xFFFFFFFFu
#define SHMPRIM_SLAB_KIND_MASK 0x3u       /**< state_gen: the slot state (FREE, ALLOCATED, IN_FLIGHT) */
#define SHMPRIM_SLAB_FREEING 0x4u         /**< state_gen: a free is in progress (FREE only) */
#define SHMPRIM_SLAB_OWNER_SHIFT 3u       /**< state_gen: owner id above the state bits */
#define SHMPRIM_SLAB_OWNER_MAX 0x1FFFFFFFu /**< owner ids are 1..this (0 = anonymous) */

/** A ring's header in shared memory (see the top of this file). */
typedef struct shmprim_spsc_header {
	/* line 0: immutable after init */
	uint32_t magic;          /**< 0: SHMPRIM_SPSC_MAGIC */
	uint32_t version;        /**< 4: SHMPRIM_LAYOUT_VERSION */
	uint32_t capacity;       /**< 8: entries, a power of two */
	uint32_t entry_size;     /**< 12: bytes per entry */
	uint32_t cell_stride;    /**< 16: 64, or 8 + entry_pitch (see above) */
	uint32_t header_size;    /**< 20: sizeof(shmprim_spsc_header) */
	uint64_t slots_bytes;    /**< 24: cells * cell_stride */
	uint32_t flags;          /**< 32: zero */
	uint32_t entries_per_cell; /**< 36: 7, 3, 2 or 1 (see above) */
	uint32_t checksum;       /**< 40: FNV-1a of bytes 0..39 */
	uint8_t reserved0[84];   /**< 44: zero */
	/* producer line */
	uint32_t head;              /**< 128: entries published (stored every min(32, capacity)) */
	uint32_t producer_pid;      /**< 132: pid the producer announced, 0 = none (a hint) */
	uint64_t producer_claim;    /**< 136: claim word of the producer side (claim.h), 0 = free */
	uint8_t reserved1[48];      /**< 144: zero */
	uint32_t producer_sleeping; /**< 192: 1 while the producer may sleep on tail (2: on its readiness fd, ready.h) */
	uint8_t reserved1b[60];     /**< 196: zero */
	/* consumer line */
	uint32_t tail;              /**< 256: entries consumed */
	uint32_t consumer_pid;      /**< 260: pid the consumer announced, 0 = none (a hint) */
	uint64_t consumer_claim;    /**< 264: claim word of the consumer side (claim.h), 0 = free */
	uint8_t reserved2[48];      /**< 272: zero */
	uint32_t consumer_sleeping; /**< 320: 1 while the consumer may sleep on head (2: on its readiness fd) */
	uint8_t reserved2b[60];     /**< 324: zero */
} shmprim_spsc_header;

/** A slab's header in shared memory (see the top of this file). */
typedef struct shmprim_slab_header {
	uint32_t magic;          /**< 0: SHMPRIM_SLAB_MAGIC */
	uint32_t version;        /**< 4: SHMPRIM_LAYOUT_VERSION */
	uint32_t slot_count;     /**< 8: slots */
	uint32_t slot_size;      /**< 12: bytes per slot */
	uint32_t data_stride;    /**< 16: round_up(slot_size, 8) */
	uint32_t meta_stride;    /**< 20: SHMPRIM_SLAB_META_STRIDE */
	uint64_t meta_bytes;     /**< 24: slot_count * meta_stride */
	uint64_t data_bytes;     /**< 32: slot_count * data_stride */
	uint32_t header_size;    /**< 40: sizeof(shmprim_slab_header) */
	uint32_t flags;          /**< 44: zero */
	uint32_t reserved_a;     /**< 48: zero */
	uint32_t checksum;       /**< 52: FNV-1a of bytes 0..51 */
	uint8_t reserved0[72];   /**< 56: zero */
	uint64_t free_head;      /**< 128: free list: ABA tag << 32 | first slot index (SHMPRIM_SLAB_END = empty) */
	uint32_t free_waiters;   /**< 136: processes sleeping in a blocking alloc */
	uint32_t free_wake;      /**< 140: futex word a waking free bumps */
	uint32_t reclaim_lock;   /**< 144: owner id of the process running a reclaim, 0 = none */
	uint8_t reserved1[108];  /**< 148: zero */
} shmprim_slab_header;

/** One slot's metadata line in shared memory (see the top of this file). */
typedef struct shmprim_slab_meta {
	uint64_t state_gen;      /**< 0: generation << 32 | owner << 3 | FREEING | state, changed by one CAS */
	uint32_t next_free;      /**< 8: free-list link (SHMPRIM_SLAB_END = last) */
	uint32_t owner;          /**< 12: unused: init writes 0, nothing reads it (the owner is in state_gen) */
	uint32_t free_tag;       /**< 16: free_head tag of the push that last linked the slot */
	uint32_t reclaim_mark;   /**< 20: reclaim's scratch word */
	uint8_t reserved[40];    /**< 24: zero */
} shmprim_slab_meta;

/** Bytes of a ring header. */
#define SHMPRIM_SPSC_HEADER_SIZE 384u
/** Bytes of a slab header. */
#define SHMPRIM_SLAB_HEADER_SIZE 256u
/** Ring header bytes the checksum covers (it sits right after them). */
#define SHMPRIM_SPSC_CHECKSUM_SPAN 40u
/** Slab header bytes the checksum covers (it sits right after them). */
#define SHMPRIM_SLAB_CHECKSUM_SPAN 52u

SHMPRIM_STATIC_ASSERT(sizeof(shmprim_spsc_header) == SHMPRIM_SPSC_HEADER_SIZE, spsc_header_size);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_spsc_header, capacity) == 8, spsc_capacity_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_spsc_header, entry_size) == 12, spsc_entry_size_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_spsc_header, cell_stride) == 16, spsc_stride_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_spsc_header, entries_per_cell) == 36, spsc_entries_per_cell_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_spsc_header, slots_bytes) == 24, spsc_slots_bytes_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_spsc_header, checksum) == SHMPRIM_SPSC_CHECKSUM_SPAN, spsc_checksum_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_spsc_header, head) == 128, spsc_head_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_spsc_header, tail) == 256, spsc_tail_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_spsc_header, producer_pid) == 132, spsc_producer_pid_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_spsc_header, producer_claim) == 136, spsc_producer_claim_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_spsc_header, producer_sleeping) == 192, spsc_producer_sleeping_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_spsc_header, consumer_pid) == 260, spsc_consumer_pid_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_spsc_header, consumer_claim) == 264, spsc_consumer_claim_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_spsc_header, consumer_sleeping) == 320, spsc_consumer_sleeping_off);
SHMPRIM_STATIC_ASSERT(sizeof(shmprim_slab_header) == SHMPRIM_SLAB_HEADER_SIZE, slab_header_size);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_slab_header, meta_bytes) == 24, slab_meta_bytes_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_slab_header, data_bytes) == 32, slab_data_bytes_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_slab_header, checksum) == SHMPRIM_SLAB_CHECKSUM_SPAN, slab_checksum_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_slab_header, free_head) == 128, slab_free_head_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_slab_header, free_waiters) == 136, slab_free_waiters_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_slab_header, free_wake) == 140, slab_free_wake_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_slab_header, reclaim_lock) == 144, slab_reclaim_lock_off);
SHMPRIM_STATIC_ASSERT(sizeof(shmprim_slab_meta) == SHMPRIM_SLAB_META_STRIDE, slab_meta_size);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_slab_meta, next_free) == 8, slab_next_free_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_slab_meta, owner) == 12, slab_owner_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_slab_meta, free_tag) == 16, slab_free_tag_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_slab_meta, reclaim_mark) == 20, slab_reclaim_mark_off);

#define SHMPRIM_CHANNEL_MAGIC 0x53504348u /**< channel header magic: "SPCH" */
/** The channel layout this header describes; open accepts exactly this version. */
#define SHMPRIM_CHANNEL_VERSION 1u
/** Bytes of a channel header. */
#define SHMPRIM_CHANNEL_HEADER_SIZE 512u
/** Channel header bytes the checksum covers (it sits right after them). */
#define SHMPRIM_CHANNEL_CHECKSUM_SPAN 32u
/** Smallest channel data area (bytes). */
#define SHMPRIM_CHANNEL_MIN_DATA 64u
/** Largest channel data area (bytes, 1 GiB). */
#define SHMPRIM_CHANNEL_MAX_DATA (1u << 30)
/** Bytes of a record header. */
#define SHMPRIM_CHANNEL_RECORD_HEADER 8u
/** kind_len bit: the record is a pad up to the end of the data area. */
#define SHMPRIM_CHANNEL_PAD 0x80000000u

/** A channel's header in shared memory (see the top of this file). */
typedef struct shmprim_channel_header {
	/* line 0: immutable after create */
	uint32_t magic;          /**< 0: SHMPRIM_CHANNEL_MAGIC */
	uint32_t version;        /**< 4: SHMPRIM_CHANNEL_VERSION */
	uint32_t data_bytes;     /**< 8: bytes of the data area, a power of two */
	uint32_t max_message;    /**< 12: longest message, 1 .. data_bytes / 2 - 8 */
	uint32_t header_size;    /**< 16: SHMPRIM_CHANNEL_HEADER_SIZE */
	uint32_t flags;          /**< 20: zero */
	uint64_t total_bytes;    /**< 24: header_size + data_bytes */
	uint32_t checksum;       /**< 32: FNV-1a of bytes 0..31 */
	uint8_t reserved0[92];   /**< 36: zero */
	/* producer line */
	uint64_t sent;              /**< 128: bytes of records published (a hint) */
	uint8_t reserved1[56];      /**< 136: zero */
	uint32_t producer_sleeping; /**< 192: 1 while the producer may sleep waiting for room (2: on its readiness fd, ready.h) */
	uint8_t reserved1b[60];     /**< 196: zero */
	/* consumer line */
	uint64_t released;          /**< 256: bytes of records the consumer is done with */
	uint8_t reserved2[56];      /**< 264: zero */
	uint32_t consumer_sleeping; /**< 320: 1 while the consumer may sleep waiting for a message (2: on its readiness fd) */
	uint8_t reserved2b[60];     /**< 324: zero */
	/* claims line */
	uint64_t producer_claim;    /**< 384: claim word of the producer side */
	uint64_t consumer_claim;    /**< 392: claim word of the consumer side */
	uint8_t reserved3[112];     /**< 400: zero */
} shmprim_channel_header;

SHMPRIM_STATIC_ASSERT(sizeof(shmprim_channel_header) == SHMPRIM_CHANNEL_HEADER_SIZE, channel_header_size);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_channel_header, total_bytes) == 24, channel_total_bytes_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_channel_header, checksum) == SHMPRIM_CHANNEL_CHECKSUM_SPAN, channel_checksum_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_channel_header, sent) == 128, channel_sent_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_channel_header, producer_sleeping) == 192, channel_producer_sleeping_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_channel_header, released) == 256, channel_released_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_channel_header, consumer_sleeping) == 320, channel_consumer_sleeping_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_channel_header, producer_claim) == 384, channel_producer_claim_off);
SHMPRIM_STATIC_ASSERT(offsetof(shmprim_channel_header, consumer_claim) == 392, channel_consumer_claim_off);

#ifdef __cplusplus
}
#endif

#endif
