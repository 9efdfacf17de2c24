/*
 * The SPSC ring algorithm (layout in include/shmprim/layout.h), and its
 * single-item push and pop as static inline functions: src/spsc.c exports them
 * as shmprim_spsc_push/pop and builds batches, zero-copy, split and the queries
 * from the same helpers. A program built in the same Meson tree can include
 * this header (dependency shmprim_inline_dep, which carries the backend's
 * SHMPRIM_ATOMICS_* define) to have push and pop inlined into its loop, as the
 * peers' header-only rings are (2-vCPU VM, 8-byte entries: about twice the
 * items per second of the exported calls in a bare two-thread loop, +2-16% in
 * shmprim-bench's loop, which does more per item).
 *
 * Producer, position pos:                    consumer, position pos:
 *   if pos - cached_tail >= capacity:          if pos == ready (nothing known published):
 *     cached_tail = load_acquire(tail)  (P1)     h = load_relaxed(head)             (C0)
 *     still full: would block                    if pos < h <= pos + capacity and
 *   copy entry in                                   load_acquire(seq of slot h-1) == h: ready = h
 *   store_release(slot.seq, pos + 1)    (P2)     else if load_acquire(slot.seq) == pos + 1  (C1)
 *   every 32nd position (capacity's,            ready = pos + 1
 *     if smaller), after a batch:                 else empty
 *     store_release(head, pos + 1)      (P3)   copy entry out
 *                                              store_release(tail, pos + 1)       (C2)
 * P2 -> C1 hands one entry to the consumer: its copy-out reads what the
 * producer copied in, and a consumer that has caught up waits on the slot's
 * own line, so one line moves per item (latency). head is only a hint of how
 * far to look: one acquire on the seq just before it (P2 of that slot, which
 * the producer wrote after every earlier entry) hands over every entry before
 * head at once, so while the producer is ahead the consumer reads only entry
 * lines and one seq per interval, and the producer stores to head once per
 * interval (throughput). A head the slots do not confirm is ignored, so a
 * forged one cannot make the consumer take unpublished slots.
 * C2 -> P1 hands slots back: the producer overwrites one only
 * after the consumer's copy-out is done (release orders the reads too).
 * Each side keeps the other's index in its private handle and reloads it only
 * when that cache says full / nothing ready.
 *
 * head therefore lags the published entries by less than the interval (or a
 * batch); whoever needs the exact count (snapshot, len, split after a crash)
 * scans slot seqs forward from it, at most capacity slots. A consumer about
 * to sleep on head gets it stored first (notify in src/wait.c).
 *
 * Hostile peer: each shared word is read once into a local and checked before
 * use (seq must equal pos + 1 exactly; head may lead by at most capacity; tail
 * may lag head by at most capacity), and slot addresses come from private
 * geometry, never from shared memory.
 */
#ifndef SHMPRIM_SPSC_INLINE_H
#define SHMPRIM_SPSC_INLINE_H

#include <string.h>

#include <shmprim/spsc.h>

#include "../backends/shmprim_atomic.h"
#include "mutation.h"

static inline uint32_t *sp_ring_slot_seq(unsigned char *slots, uint32_t stride, uint32_t index)
{
	return (uint32_t *)(slots + (size_t)index * stride);
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
	uint32_t pos = p->local_head;
	unsigned char *slot;

	if (RING_IS_FULL(pos - p->cached_tail, p->capacity)) {
		uint32_t tail = RING_TAIL_LOAD(p->tail);                    /* P1 */

		if ((uint32_t)(pos - tail) > p->capacity)
			return SHMPRIM_PUSH_CORRUPT;
		p->cached_tail = tail;
		if (RING_IS_FULL(pos - tail, p->capacity))
			return SHMPRIM_PUSH_WOULD_BLOCK;
	}
	slot = p->slots + (size_t)(pos & p->mask) * p->slot_stride;
	if (RING_PUBLISH_BEFORE_COPY)
		RING_PUBLISH_STORE((uint32_t *)slot, pos + 1);
	sp_plain_write(slot + SHMPRIM_SPSC_SLOT_OVERHEAD, p->entry_size);
	sp_ring_copy_entry(slot + SHMPRIM_SPSC_SLOT_OVERHEAD, entry, p->entry_size);
	if (!RING_PUBLISH_BEFORE_COPY)
		RING_PUBLISH_STORE((uint32_t *)slot, pos + 1);               /* P2 */
	p->local_head = pos + 1;
	if (sp_ring_head_due(pos + 1, p->mask))
		RING_PUBLISH_STORE(p->head, pos + 1);                   /* P3 */
	return SHMPRIM_PUSH_OK;
}

/* head as a hint: 1..capacity ahead of pos and confirmed by the seq of
 * the slot just before it (whose acquire makes every entry before it visible). */
static inline int sp_ring_head_confirmed(const shmprim_spsc_consumer *c, uint32_t pos, uint32_t head)
{
	if ((uint32_t)(head - pos - 1) >= c->capacity)
		return 0;
	return !RING_CHECK_HEAD ||
	       RING_CONSUME_LOAD(sp_ring_slot_seq(c->slots, c->slot_stride, (head - 1) & c->mask)) == head;
}

/* Called when nothing is known published at pos: head first (a whole
 * interval at once), then the slot itself. Nonzero if pos is now ready. */
static inline int sp_ring_consumer_refresh(shmprim_spsc_consumer *c, uint32_t pos)
{
	uint32_t head = sp_load_relaxed_u32(c->head);                   /* C0 */

	if (sp_ring_head_confirmed(c, pos, head)) {
		c->cached_head = head;
		return 1;
	}
	if (RING_CONSUME_LOAD(sp_ring_slot_seq(c->slots, c->slot_stride, pos & c->mask)) != pos + 1)   /* C1 */
		return 0;
	c->cached_head = pos + 1;
	return 1;
}

static inline bool shmprim_spsc_pop_inline(shmprim_spsc_consumer *c, void *entry_out)
{
	uint32_t pos = c->local_tail;
	unsigned char *slot = c->slots + (size_t)(pos & c->mask) * c->slot_stride;

	if (pos == c->cached_head && !sp_ring_consumer_refresh(c, pos))
		return false;
	if (RING_RELEASE_BEFORE_COPY)
		RING_RELEASE_STORE(c->tail, pos + 1);
	sp_plain_read(slot + SHMPRIM_SPSC_SLOT_OVERHEAD, c->entry_size);
	sp_ring_copy_entry(entry_out, slot + SHMPRIM_SPSC_SLOT_OVERHEAD, c->entry_size);
	c->local_tail = pos + 1;
	if (!RING_RELEASE_BEFORE_COPY)
		RING_RELEASE_STORE(c->tail, pos + 1);                       /* C2 */
	return true;
}

#endif
