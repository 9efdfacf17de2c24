/*
 * The SPSC ring algorithm (layout in include/shmprim/layout.h), and its
 * single-item push and pop as static inline functions: src/spsc.c exports them
 * as shmprim_spsc_push/pop and builds batches, zero-copy, split and the queries
 * from the same helpers. A program built in the same Meson tree can include
 * this header (dependency shmprim_inline_dep, which carries the backend's
 * SHMPRIM_ATOMICS_* define) to have push and pop inlined into its loop, as the
 * peers' header-only rings are (2-vCPU VM, 8-byte entries, layout version 3,
 * shmprim-bench's loop: 1.36x the items per second of the exported calls at
 * capacity 1024, 1.34x at 65536, medians of five runs).
 *
 * Entries live in cells (layout.h): up to 7 small entries share a line under
 * one seq word, which the producer sets to position + 1 after writing an
 * entry of that cell: "everything before this is published". A cell's seq
 * may already come from its next lap (the producer refills the cell's first
 * entries while the consumer still reads its last ones), so it is never
 * required to fall inside the cell: any value in pos's future, at most
 * capacity ahead, is a valid mark.
 *
 * Producer, position pos:                    consumer, position pos:
 *   if pos - cached_tail >= capacity:          if pos == ready (nothing known published):
 *     cached_tail = load_acquire(tail)  (P1)     h = load_relaxed(head)             (C0)
 *     still full: would block                    if pos < h <= pos + capacity and
 *   copy entry in                                   h <= load_acquire(seq of h-1's cell) <= pos + capacity:
 *   store_release(cell.seq, pos + 1)    (P2)        ready = h
 *   every 32nd position (capacity's,            else s = load_acquire(pos's cell.seq)  (C1)
 *     if smaller), after a batch:                 if pos < s <= pos + capacity: ready = s
 *     store_release(head, pos + 1)      (P3)      else empty
 *                                              copy entry out
 *                                              store_release(tail, pos + 1)       (C2)
 * P2 -> C1 hands entries to the consumer: one acquire of a seq makes every
 * entry before it visible (the producer wrote them first), and a consumer
 * that has caught up waits on its own entry's line, so one line moves per
 * item (latency). Values from an earlier lap are at most pos (the consumer
 * has taken everything before pos), and the producer is never more than
 * capacity ahead, so the window rejects stale and out-of-range values alike.
 * head is only a hint of how far to look: one acquire on the seq of the cell
 * just before it hands over every entry before head at once, so while the
 * producer is ahead the consumer reads only entry lines and one seq per
 * interval, and the producer stores to head once per interval (throughput).
 * A head the cells do not confirm is ignored, so a forged one cannot make the
 * consumer take unpublished entries.
 * C2 -> P1 hands slots back: the producer overwrites one only
 * after the consumer's copy-out is done (release orders the reads too).
 * Each side keeps the other's index in its private handle and reloads it only
 * when that cache says full / nothing ready.
 *
 * head therefore lags the published entries by less than the interval (or a
 * batch); whoever needs the exact count (snapshot, len, split after a crash)
 * scans cell seqs forward from it, at most capacity entries. A consumer about
 * to sleep on head gets it stored first (notify in src/wait.c).
 *
 * Hostile peer: each shared word is read once into a local and checked before
 * use (a seq must lie in (pos, pos + capacity]; head may lead by at most
 * capacity; tail may lag head by at most capacity), and entry addresses come
 * from private geometry, never from shared memory.
 */
#ifndef SHMPRIM_SPSC_INLINE_H
#define SHMPRIM_SPSC_INLINE_H

#include <string.h>

#include <shmprim/spsc.h>

#include "../backends/shmprim_atomic.h"
#include "mutation.h"

/* The seq word of the cell holding position pos, and (rem) how many entries
 * that cell holds from pos to its end. */
static inline uint32_t *sp_ring_cell_seq(const shmprim_spsc_geometry *g, uint32_t pos, uint32_t *rem)
{
	uint32_t index = pos & g->mask;
	uint32_t cell = shmprim_spsc_cell_number(g, index);
	uint32_t end = cell * g->entries_per_cell + g->entries_per_cell;

	if (end > g->capacity)
		end = g->capacity;
	*rem = end - index;
	return (uint32_t *)(g->slots + (size_t)cell * g->cell_stride);
}

/* A seq read from pos's cell says pos is published: pos < seq <= pos + limit,
 * limit being how far past pos the producer can be (capacity - (pos - tail)). */
static inline int sp_ring_seq_covers(uint32_t seq, uint32_t pos, uint32_t limit)
{
	return (uint32_t)(seq - pos - 1) < limit;
}

/* P3 every SP_RING_HEAD_INTERVAL positions (capped at capacity, so head never
 * lags a whole lap). 2-vCPU VM, 8-byte entries: the consumer taking whole
 * intervals moved 1.3x-1.8x the items of one seq per entry with head stored on
 * every push, inlined in a bare two-thread loop; +4-7% through the exported
 * calls in shmprim-bench. Intervals of 16 and 128 were within 10% of 32. */
#define SP_RING_HEAD_INTERVAL 32u

static inline int sp_ring_head_due(uint32_t next_pos, uint32_t mask)
{
	return (next_pos & mask & (SP_RING_HEAD_INTERVAL - 1)) == 0;
}

/* Entry copies: the common small sizes become plain moves instead of a call
 * to memcpy with a run-time length (one thread pushing and popping 8-byte
 * entries: 4.1 ns per pair instead of 8.1, best of runs; 64-byte entries one
 * at a time across two CPUs: 1.3x the items/s). Inlined into a
 * caller whose entry is an 8-byte object, GCC sees the larger cases as
 * reading past it, though size is the ring's entry size at run time. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#if __GNUC__ >= 11
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
#endif
static inline void sp_ring_copy_entry(void *dst, const void *src, uint32_t size)
{
	switch (size) {
	case 8:
		memcpy(dst, src, 8);
		return;
	case 16:
		memcpy(dst, src, 16);
		return;
	case 32:
		memcpy(dst, src, 32);
		return;
	case 64:
		memcpy(dst, src, 64);
		return;
	default:
		memcpy(dst, src, size);
	}
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

static inline shmprim_push_result shmprim_spsc_push_inline(shmprim_spsc_producer *p, const void *entry)
{
	const shmprim_spsc_geometry *g = &p->geo;
	uint32_t pos = p->local_head;
	uint32_t index, cell;
	unsigned char *cell_base, *dst;

	if (RING_IS_FULL(pos - p->cached_tail, g->capacity)) {
		uint32_t tail = RING_TAIL_LOAD(p->tail);                    /* P1 */

		if ((uint32_t)(pos - tail) > g->capacity)
			return SHMPRIM_PUSH_CORRUPT;
		p->cached_tail = tail;
		if (RING_IS_FULL(pos - tail, g->capacity))
			return SHMPRIM_PUSH_WOULD_BLOCK;
	}
	index = pos & g->mask;
	cell = shmprim_spsc_cell_number(g, index);
	cell_base = g->slots + (size_t)cell * g->cell_stride;
	dst = cell_base + SHMPRIM_SPSC_CELL_OVERHEAD + (size_t)(index - cell * g->entries_per_cell) * g->entry_pitch;
	if (RING_PUBLISH_BEFORE_COPY)
		RING_PUBLISH_STORE((uint32_t *)cell_base, pos + 1);
	sp_plain_write(dst, g->entry_size);
	sp_ring_copy_entry(dst, entry, g->entry_size);
	if (!RING_PUBLISH_BEFORE_COPY)
		RING_PUBLISH_STORE((uint32_t *)cell_base, pos + 1);          /* P2 */
	p->local_head = pos + 1;
	if (sp_ring_head_due(pos + 1, g->mask))
		RING_PUBLISH_STORE(p->head, pos + 1);                   /* P3 */
	return SHMPRIM_PUSH_OK;
}

/* head as a hint: 1..capacity ahead of pos and confirmed by the seq of the
 * cell holding head - 1 (whose acquire makes every entry before it visible). */
static inline int sp_ring_head_confirmed(const shmprim_spsc_consumer *c, uint32_t pos, uint32_t head)
{
	uint32_t rem, seq;

	if ((uint32_t)(head - pos - 1) >= c->geo.capacity)
		return 0;
	if (!RING_CHECK_HEAD)
		return 1;
	seq = RING_CONSUME_LOAD(sp_ring_cell_seq(&c->geo, head - 1, &rem));
	return sp_ring_seq_covers(seq, head - 1, RING_SEQ_LIMIT(c->geo.capacity - (head - 1 - pos), rem));
}

/* Called when nothing is known published at pos: head first (a whole
 * interval at once), then pos's own cell. Nonzero if pos is now ready. */
static inline int sp_ring_consumer_refresh(shmprim_spsc_consumer *c, uint32_t pos)
{
	uint32_t head = sp_load_relaxed_u32(c->head);                   /* C0 */
	uint32_t rem, seq;

	if (sp_ring_head_confirmed(c, pos, head)) {
		/* The value confirmed, never a second read of head: a newer head
		 * would come without the acquire that publishes its entries. */
		c->cached_head = RING_HEAD_REFETCH ? sp_load_relaxed_u32(c->head) : head;
		return 1;
	}
	seq = RING_CONSUME_LOAD(sp_ring_cell_seq(&c->geo, pos, &rem));  /* C1 */
	if (!sp_ring_seq_covers(seq, pos, RING_SEQ_LIMIT(c->geo.capacity, rem)))
		return 0;
	c->cached_head = RING_SEQ_REFETCH ? sp_load_relaxed_u32(sp_ring_cell_seq(&c->geo, pos, &rem)) : seq;
	return 1;
}

static inline bool shmprim_spsc_pop_inline(shmprim_spsc_consumer *c, void *entry_out)
{
	uint32_t pos = c->local_tail;
	const unsigned char *src;

	if (pos == c->cached_head && !sp_ring_consumer_refresh(c, pos))
		return false;
	src = shmprim_spsc_entry_at(&c->geo, pos);
	if (RING_RELEASE_BEFORE_COPY)
		RING_RELEASE_STORE(c->tail, pos + 1);
	sp_plain_read(src, c->geo.entry_size);
	sp_ring_copy_entry(entry_out, src, c->geo.entry_size);
	c->local_tail = pos + 1;
	if (!RING_RELEASE_BEFORE_COPY)
		RING_RELEASE_STORE(c->tail, pos + 1);                       /* C2 */
	return true;
}

#endif
