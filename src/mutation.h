/*
 * Planted-bug switches for the model checker's mutation gate (tests/model).
 * Production builds define no SHMPRIM_MUTANT_* macro and get the correct code;
 * each mutant build defines exactly one, and the checker must fail it.
 * Keeping the switches here leaves the algorithm files readable.
 */
#ifndef SHMPRIM_MUTATION_H
#define SHMPRIM_MUTATION_H

/* ---- ring ---- */
/* R1: producer publishes the cell's seq (and head) with a relaxed store. */
#ifdef SHMPRIM_MUTANT_R1
#define RING_PUBLISH_STORE sp_store_relaxed_u32
#else
#define RING_PUBLISH_STORE sp_store_release_u32
#endif
/* R2: consumer reads the cell's seq (and head) with a relaxed load. */
#ifdef SHMPRIM_MUTANT_R2
#define RING_CONSUME_LOAD sp_load_relaxed_u32
#else
#define RING_CONSUME_LOAD sp_load_acquire_u32
#endif
/* R3: consumer releases its index with a relaxed store. */
#ifdef SHMPRIM_MUTANT_R3
#define RING_RELEASE_STORE sp_store_relaxed_u32
#else
#define RING_RELEASE_STORE sp_store_release_u32
#endif
/* R4: producer reads the consumer's index with a relaxed load. */
#ifdef SHMPRIM_MUTANT_R4
#define RING_TAIL_LOAD sp_load_relaxed_u32
#else
#define RING_TAIL_LOAD sp_load_acquire_u32
#endif
/* R5: full test off by one (lets the producer overwrite an unread slot). */
#ifdef SHMPRIM_MUTANT_R5
#define RING_IS_FULL(used, cap) ((used) > (cap))
#else
#define RING_IS_FULL(used, cap) ((used) >= (cap))
#endif
/* R6: seq published before the entry is copied in (single push, and the
 * batches of slots a line or wider). */
#ifdef SHMPRIM_MUTANT_R6
#define RING_PUBLISH_BEFORE_COPY 1
#else
#define RING_PUBLISH_BEFORE_COPY 0
#endif
/* R7: consumer releases its index before copying the entry out. */
#ifdef SHMPRIM_MUTANT_R7
#define RING_RELEASE_BEFORE_COPY 1
#else
#define RING_RELEASE_BEFORE_COPY 0
#endif
/* R8: consumer believes head without the seq of the cell before it (the
 * acquire that makes the entries before head visible). */
#ifdef SHMPRIM_MUTANT_R8
#define RING_CHECK_HEAD 0
#else
#define RING_CHECK_HEAD 1
#endif
/* R9: consumer accepts a cell's seq only inside that cell's entries of the
 * current lap, so a cell the producer has started to refill for the next lap
 * hides this lap's last entries (a livelock once the ring is full). */
#ifdef SHMPRIM_MUTANT_R9
#define RING_SEQ_LIMIT(capacity_left, rem) (rem)
#else
#define RING_SEQ_LIMIT(capacity_left, rem) (capacity_left)
#endif

/* R10: the consumer takes cached_head from a second relaxed read of head
 * instead of the value it confirmed (a double fetch): a head that moved on
 * in between is believed without the acquire that publishes its entries. */
#ifdef SHMPRIM_MUTANT_R10
#define RING_HEAD_REFETCH 1
#else
#define RING_HEAD_REFETCH 0
#endif
/* R11: the same double fetch on the C1 path: cached_head from a second
 * relaxed read of the cell's seq. */
#ifdef SHMPRIM_MUTANT_R11
#define RING_SEQ_REFETCH 1
#else
#define RING_SEQ_REFETCH 0
#endif

#endif
