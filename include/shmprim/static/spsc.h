/** @file
 * The SPSC ring's algorithm, written once as static inline functions. The
 * library's exported ring calls (src/spsc.c) are one-line wrappers over these,
 * and a program may inline them into its own loops instead: defining
 * SHMPRIM_INLINE before including <shmprim/spsc.h> (or <shmprim/shmprim.h>)
 * makes shmprim_spsc_push, _pop, the batches, zero-copy calls and queries
 * these inline functions; or include this header and call the _inline names.
 * The code is built with the atomics binding the library was built with
 * (<shmprim/static/atomics.h>), so both sides of a ring may mix the two forms.
 * C before C11 and C++ (no <stdatomic.h>) get the GCC/Clang __atomic binding:
 * the same orders on the same words.
 *
 * Layout (layout.h): entries live in cells; up to 7 small entries share a
 * line under one seq word, which the producer sets to position + 1 after
 * writing an entry of that cell: "everything before this is published". A
 * cell's seq may already come from its next lap (the producer refills the
 * cell's first entries while the consumer still reads its last ones), so a
 * seq is never required to fall inside its cell: any value in pos's future,
 * no further than the producer can be, is a valid mark.
 *
 * Producer, position pos:                    Consumer, position pos:
 *   room: if the cached tail says full:        ready: if nothing is known published at pos:
 *     tail = load_acquire(tail)        (P1)      h = load_relaxed(head)                (C0)
 *   copy the entry in                            if h is 1..capacity ahead and the seq of
 *   store_release(cell.seq, pos + 1)   (P2)         h - 1's cell covers h - 1:         (C1)
 *   every 32nd position, and after                 known published up to h
 *   every batch:                                 else scan seqs from pos:              (C1)
 *     store_release(head, pos + 1)     (P3)         s = load_acquire(cell.seq); known up to s
 *                                                copy the entry out
 *                                                store_release(tail, pos + 1)          (C2)
 *
 * Barrier pairs (each site below carries its label):
 *   P2 -> C1  entries to the consumer: one acquire of a seq makes every entry
 *             before it visible (the producer copied them in first). A consumer
 *             that has caught up waits on its own entry's line, so one line
 *             moves per item; one ahead reads a seq per run of entries.
 *   C2 -> P1  slots back to the producer: it overwrites a slot only after the
 *             consumer's copy-out (release orders the reads too).
 *   P3, C0    head is a hint of how far to look, never trusted: C0 reads it
 *             relaxed and a C1 on the seq of the cell before it confirms it,
 *             handing over a whole interval of entries at once.
 * Each side keeps the other's index in its private handle and reloads it only
 * when that copy says full / nothing ready. head lags the published entries by
 * less than an interval (or a batch); whoever needs the exact count scans cell
 * seqs forward from it, at most capacity entries. A consumer about to sleep on
 * its flag gets head stored first (notify in src/wait.c).
 *
 * Hostile peer: each shared word is read once into a local and checked before
 * use (a seq must lie in (pos, tail + capacity]; head may lead by at most
 * capacity; tail may lag head by at most capacity). Entry addresses come from
 * the private geometry, never from shared memory.
 *
 * The shmprim_ring_* helpers are the algorithm's parts, one per fact of the
 * ring; they are not a stable interface.
 */
#ifndef SHMPRIM_STATIC_SPSC_H
#define SHMPRIM_STATIC_SPSC_H

#include <string.h>

#include <shmprim/spsc.h>
#include <shmprim/static/atomics.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Positions between two stores of head (P3), capped at the capacity so head
 * never lags a whole lap; docs/performance.md has the measurement behind it. */
#define SHMPRIM_RING_HEAD_INTERVAL 32u

/** The single-item calls are inlined into the caller's loop even where the
 * compiler would judge them too large (GCC 12 -O2 kept push as a call). */
#if defined(__GNUC__) || defined(__clang__)
#define SHMPRIM_RING_INLINE static inline __attribute__((always_inline))
#else
#define SHMPRIM_RING_INLINE static inline
#endif

/** shmprim_ring_room()'s answer when the consumer's index is impossible. */
#define SHMPRIM_RING_CORRUPT UINT32_MAX

/* ---- where things are: private geometry only ---- */

/** The seq word of the cell holding a position.
 * @param g   the handle's geometry
 * @param pos free-running position
 * @param rem set to how many entries that cell holds from pos to its end
 * @return the cell's seq word */
static inline uint32_t *shmprim_ring_cell_seq(const shmprim_spsc_geometry *g, uint32_t pos, uint32_t *rem)
{
	uint32_t index = pos & g->mask;
	uint32_t cell = shmprim_spsc_cell_number(g, index);
	uint32_t end = cell * g->entries_per_cell + g->entries_per_cell;

	if (end > g->capacity)
		end = g->capacity;
	*rem = end - index;
	return (uint32_t *)(void *)(g->slots + (size_t)cell * g->cell_stride);
}

/** Whether a seq read from pos's cell says pos is published.
 * @param seq   the value read
 * @param pos   the position asked about
 * @param limit how far past pos the producer can be (tail + capacity - pos)
 * @return nonzero when pos < seq <= pos + limit */
static inline int shmprim_ring_seq_covers(uint32_t seq, uint32_t pos, uint32_t limit)
{
	return (uint32_t)(seq - pos - 1) < limit;
}

/* ---- the shared words, each accessed at one site ---- */

/** Reads the seq of pos's cell (C1).
 * @param g   the handle's geometry
 * @param pos free-running position
 * @param rem set as by shmprim_ring_cell_seq()
 * @return the seq */
static inline uint32_t shmprim_ring_load_seq(const shmprim_spsc_geometry *g, uint32_t pos, uint32_t *rem)
{
	return sp_load_acquire_u32(shmprim_ring_cell_seq(g, pos, rem)); /* C1: pairs with P2 */
}

/** Publishes a cell: every entry before end is written (P2).
 * @param seq the cell's seq word
 * @param end the position after the cell's last written entry */
static inline void shmprim_ring_publish_seq(uint32_t *seq, uint32_t end)
{
	sp_store_release_u32(seq, end); /* P2: pairs with C1 */
}

/** Publishes head, the hint of how far entries are published (P3).
 * @param p   the producer side
 * @param end the producer's next position */
static inline void shmprim_ring_publish_head(shmprim_spsc_producer *p, uint32_t end)
{
	sp_store_release_u32(p->head, end); /* P3: a hint; C0 reads it, a C1 confirms it */
}

/** Hands slots before end back to the producer (C2).
 * @param c   the consumer side
 * @param end the consumer's next position, after its copies out */
static inline void shmprim_ring_consumed(shmprim_spsc_consumer *c, uint32_t end)
{
	c->local_tail = end;
	sp_store_release_u32(c->tail, end); /* C2: pairs with P1 */
}

/* ---- the producer's fact: free space ---- */

/** Free slots as far as the producer can tell, reloading the consumer's index
 * (P1) only when the cached one shows fewer than want.
 * @param p    the producer side
 * @param want slots the caller needs
 * @return 0..capacity, or SHMPRIM_RING_CORRUPT if the reloaded index is impossible */
static inline uint32_t shmprim_ring_room(shmprim_spsc_producer *p, uint32_t want)
{
	uint32_t used = p->local_head - p->cached_tail;

	if (used > p->geo.capacity || p->geo.capacity - used < want) {
		uint32_t tail = sp_load_acquire_u32(p->tail); /* P1: pairs with C2 */

		used = p->local_head - tail;
		if (used > p->geo.capacity)
			return SHMPRIM_RING_CORRUPT;
		p->cached_tail = tail;
	}
	return p->geo.capacity - used;
}

/* ---- the consumer's fact: how far entries are published ---- */

/** The end of the run of published entries from `from` on: each seq that
 * covers its position says everything before it is published, and the scan
 * goes on at that seq's cell until it reaches want or a seq does not cover.
 * @param g    the geometry
 * @param from where to start: a position known published up to
 * @param tail the consumer's position (the producer is at most capacity past it)
 * @param want where the scan may stop
 * @return the first position not known published (from if from is not within capacity of tail) */
static inline uint32_t shmprim_ring_published_end(const shmprim_spsc_geometry *g, uint32_t from, uint32_t tail,
                                                  uint32_t want)
{
	uint32_t end = from;

	if ((uint32_t)(from - tail) > g->capacity)
		return from;
	while ((uint32_t)(end - from) < (uint32_t)(want - from)) {
		uint32_t rem;
		uint32_t seq = shmprim_ring_load_seq(g, end, &rem);

		if (!shmprim_ring_seq_covers(seq, end, g->capacity - (end - tail)))
			break;
		end = seq; /* the value checked, never a second read */
	}
	return end;
}

/** Takes head (C0) as how far entries are published, if it says more than the
 * consumer knows, at most capacity ahead, and the seq of the cell holding
 * head - 1 confirms it (that acquire makes every entry before head visible).
 * The range is one unsigned compare: this runs on every spin of a consumer
 * that has caught up, and a separate "head == pos" test there cost the round
 * trip (bench/README.md, "The round trip and the consumer's spin path").
 * @param c     the consumer side
 * @param pos   the consumer's position
 * @param known entries from pos already known published (less than capacity)
 * @return nonzero when cached_head moved to head */
static inline int shmprim_ring_take_head(shmprim_spsc_consumer *c, uint32_t pos, uint32_t known)
{
	uint32_t head = sp_load_relaxed_u32(c->head); /* C0: a hint, confirmed by a C1 before use */
	uint32_t rem, last = head - 1;

	/* known < head - pos <= capacity */
	if ((uint32_t)(last - pos - known) >= c->geo.capacity - known)
		return 0;
	if (!shmprim_ring_seq_covers(shmprim_ring_load_seq(&c->geo, last, &rem), last, c->geo.capacity - (last - pos)))
		return 0;
	c->cached_head = head;
	return 1;
}

/** Published entries from the consumer's position, up to n (at most capacity):
 * what it already knows, else head if confirmed, else cell seqs. A bulk (all)
 * first tries the cell of the last entry it needs: published in order, so if
 * that one is, all are. The furthest point found is kept.
 * @param c   the consumer side
 * @param n   entries wanted
 * @param all nonzero when fewer than n are of no use to the caller
 * @return entries ready, 0..n */
static inline uint32_t shmprim_ring_ready(shmprim_spsc_consumer *c, uint32_t n, int all)
{
	uint32_t pos = c->local_tail;
	uint32_t known = c->cached_head - pos;
	uint32_t end;

	if (n > c->geo.capacity)
		n = c->geo.capacity;
	if (known >= n)
		return n;
	if (shmprim_ring_take_head(c, pos, known)) {
		known = c->cached_head - pos;
		if (known >= n)
			return n;
	}
	if (all) {
		uint32_t rem, last = pos + n - 1;
		uint32_t seq = shmprim_ring_load_seq(&c->geo, last, &rem);

		if (shmprim_ring_seq_covers(seq, last, c->geo.capacity - (n - 1))) {
			c->cached_head = seq;
			return n;
		}
	}
	end = shmprim_ring_published_end(&c->geo, pos + known, pos, pos + n);
	/* Written only when it moved: a consumer polling an empty ring stores
	 * nothing, so a handle sharing a line with the producer's costs nothing. */
	if (end != c->cached_head)
		c->cached_head = end;
	return end - pos < n ? end - pos : n;
}

/** Whether the entry at the consumer's position is published, when the
 * consumer has caught up with all it knew: head, else that entry's own cell.
 * The single pop's form of shmprim_ring_ready(c, 1, 0); bench/README.md has
 * the round-trip figures for why it is kept apart.
 * @param c   the consumer side
 * @param pos the consumer's position (== cached_head)
 * @return nonzero when it is */
SHMPRIM_RING_INLINE int shmprim_ring_next_ready(shmprim_spsc_consumer *c, uint32_t pos)
{
	uint32_t end;

	if (shmprim_ring_take_head(c, pos, 0))
		return 1;
	end = shmprim_ring_published_end(&c->geo, pos, pos, pos + 1);
	if (end == pos)
		return 0;
	c->cached_head = end;
	return 1;
}

/* ---- moving entries ---- */

/* The common small sizes become plain moves instead of a memcpy call with a
 * run-time length. Inlined into a caller whose entry is an 8-byte object, GCC
 * sees the larger cases as reading past it, though size is the ring's entry
 * size at run time. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#if __GNUC__ >= 11
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
#endif
/** Copies n entries of one size between two arrays of given pitches. The size
 * is tested once, outside the loop, and a common size becomes a fixed-length
 * move per entry.
 * @param dst       where to
 * @param dst_pitch bytes from one destination entry to the next
 * @param src       where from
 * @param src_pitch bytes from one source entry to the next
 * @param n         entries
 * @param size      the ring's entry size */
static inline void shmprim_ring_copy_entries(unsigned char *dst, size_t dst_pitch, const unsigned char *src,
                                             size_t src_pitch, uint32_t n, uint32_t size)
{
	uint32_t i;

	switch (size) {
	case 8:
		for (i = 0; i < n; i++)
			memcpy(dst + (size_t)i * dst_pitch, src + (size_t)i * src_pitch, 8);
		return;
	case 16:
		for (i = 0; i < n; i++)
			memcpy(dst + (size_t)i * dst_pitch, src + (size_t)i * src_pitch, 16);
		return;
	case 32:
		for (i = 0; i < n; i++)
			memcpy(dst + (size_t)i * dst_pitch, src + (size_t)i * src_pitch, 32);
		return;
	case 64:
		for (i = 0; i < n; i++)
			memcpy(dst + (size_t)i * dst_pitch, src + (size_t)i * src_pitch, 64);
		return;
	default:
		for (i = 0; i < n; i++)
			memcpy(dst + (size_t)i * dst_pitch, src + (size_t)i * src_pitch, size);
	}
}

/** Copies one entry.
 * @param dst  where to
 * @param src  where from
 * @param size the ring's entry size */
static inline void shmprim_ring_copy_entry(void *dst, const void *src, uint32_t size)
{
	shmprim_ring_copy_entries((unsigned char *)dst, 0, (const unsigned char *)src, 0, 1, size);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/** Copies n entries from a packed array into pos's cell (n at most the
 * entries left in it): the first at shmprim_spsc_entry_at(), the rest a pitch
 * apart (too few for a memcpy call per run to pay).
 * @param g   the geometry
 * @param pos the first position
 * @param src the caller's n packed entries
 * @param n   entries */
static inline void shmprim_ring_copy_in_cell(const shmprim_spsc_geometry *g, uint32_t pos, const unsigned char *src,
                                             uint32_t n)
{
	unsigned char *entry = shmprim_spsc_entry_at(g, pos);

	sp_plain_write(entry, (size_t)(n - 1) * g->entry_pitch + g->entry_size);
	shmprim_ring_copy_entries(entry, g->entry_pitch, src, g->entry_size, n, g->entry_size);
}

/** Copies n entries out of pos's cell into a packed array (see shmprim_ring_copy_in_cell()).
 * @param g   the geometry
 * @param pos the first position
 * @param dst room for n packed entries
 * @param n   entries */
static inline void shmprim_ring_copy_out_cell(const shmprim_spsc_geometry *g, uint32_t pos, unsigned char *dst,
                                              uint32_t n)
{
	const unsigned char *entry = shmprim_spsc_entry_at(g, pos);

	sp_plain_read(entry, (size_t)(n - 1) * g->entry_pitch + g->entry_size);
	shmprim_ring_copy_entries(dst, g->entry_size, entry, g->entry_pitch, n, g->entry_size);
}

/** How many entries from pos share its cell, capped at max.
 * @param g   the geometry
 * @param pos the position
 * @param max the cap
 * @return 1..max */
static inline uint32_t shmprim_ring_cell_run(const shmprim_spsc_geometry *g, uint32_t pos, uint32_t max)
{
	uint32_t rem;

	(void)shmprim_ring_cell_seq(g, pos, &rem);
	return rem < max ? rem : max;
}

/** Copies n entries from a packed array into the ring from pos, cell by cell.
 * @param g   the geometry
 * @param pos the first position
 * @param src the caller's n packed entries
 * @param n   entries */
static inline void shmprim_ring_copy_in(const shmprim_spsc_geometry *g, uint32_t pos, const unsigned char *src,
                                        uint32_t n)
{
	uint32_t done = 0;

	while (done < n) {
		uint32_t run = shmprim_ring_cell_run(g, pos + done, n - done);

		shmprim_ring_copy_in_cell(g, pos + done, src + (size_t)done * g->entry_size, run);
		done += run;
	}
}

/** Copies n entries out of the ring from pos into a packed array, cell by cell.
 * @param g   the geometry
 * @param pos the first position
 * @param dst room for n packed entries
 * @param n   entries */
static inline void shmprim_ring_copy_out(const shmprim_spsc_geometry *g, uint32_t pos, unsigned char *dst,
                                         uint32_t n)
{
	uint32_t done = 0;

	while (done < n) {
		uint32_t run = shmprim_ring_cell_run(g, pos + done, n - done);

		shmprim_ring_copy_out_cell(g, pos + done, dst + (size_t)done * g->entry_size, run);
		done += run;
	}
}

/** Publishes positions pos .. end - 1, one seq store (P2) per cell, in order.
 * @param g   the geometry
 * @param pos the first position
 * @param end the position after the last */
static inline void shmprim_ring_publish_cells(const shmprim_spsc_geometry *g, uint32_t pos, uint32_t end)
{
	while (pos != end) {
		uint32_t rem;
		uint32_t *seq = shmprim_ring_cell_seq(g, pos, &rem);

		pos = rem < end - pos ? pos + rem : end;
		shmprim_ring_publish_seq(seq, pos);
	}
}

/* ---- the calls ---- */

/** Pushes one entry (shmprim_spsc_push()).
 * @param p     the producer side
 * @param entry entry_size bytes
 * @return OK, WOULD_BLOCK (full) or CORRUPT */
SHMPRIM_RING_INLINE shmprim_push_result shmprim_spsc_push_inline(shmprim_spsc_producer *p, const void *entry)
{
	const shmprim_spsc_geometry *g = &p->geo;
	uint32_t pos = p->local_head;
	uint32_t room = shmprim_ring_room(p, 1);
	uint32_t rem;
	unsigned char *dst;
	uint32_t *seq;

	if (room == SHMPRIM_RING_CORRUPT)
		return SHMPRIM_PUSH_CORRUPT;
	if (room == 0)
		return SHMPRIM_PUSH_WOULD_BLOCK;
	seq = shmprim_ring_cell_seq(g, pos, &rem);
	dst = shmprim_spsc_entry_at(g, pos);
	sp_plain_write(dst, g->entry_size);
	shmprim_ring_copy_entry(dst, entry, g->entry_size);
	shmprim_ring_publish_seq(seq, pos + 1);
	p->local_head = pos + 1;
	if (((pos + 1) & g->mask & (SHMPRIM_RING_HEAD_INTERVAL - 1)) == 0)
		shmprim_ring_publish_head(p, pos + 1);
	return SHMPRIM_PUSH_OK;
}

/** Pops one entry (shmprim_spsc_pop()).
 * @param c         the consumer side
 * @param entry_out entry_size bytes
 * @return true if an entry was taken */
SHMPRIM_RING_INLINE bool shmprim_spsc_pop_inline(shmprim_spsc_consumer *c, void *entry_out)
{
	uint32_t pos = c->local_tail;
	const unsigned char *src;

	if (pos == c->cached_head && !shmprim_ring_next_ready(c, pos))
		return false;
	src = shmprim_spsc_entry_at(&c->geo, pos);
	sp_plain_read(src, c->geo.entry_size);
	shmprim_ring_copy_entry(entry_out, src, c->geo.entry_size);
	shmprim_ring_consumed(c, pos + 1);
	return true;
}

/** Pushes up to n entries from a packed array: all or none (all != 0), or as
 * many as fit. Cells narrower than a line are published as each is filled, so
 * a consumer that has caught up starts early; wider ones after all the copies,
 * or that consumer chases the producer line by line.
 * @param p       the producer side
 * @param entries n packed entries
 * @param n       entries offered
 * @param all     nonzero for all or none
 * @param result  set to OK (all pushed), WOULD_BLOCK or CORRUPT; may be NULL
 * @return entries pushed */
static inline uint32_t shmprim_ring_push_n(shmprim_spsc_producer *p, const void *entries, uint32_t n, int all,
                                           shmprim_push_result *result)
{
	const shmprim_spsc_geometry *g = &p->geo;
	const unsigned char *src = (const unsigned char *)entries;
	uint32_t pos = p->local_head;
	uint32_t room = shmprim_ring_room(p, n);
	uint32_t k, done = 0;

	if (room == SHMPRIM_RING_CORRUPT) {
		if (result)
			*result = SHMPRIM_PUSH_CORRUPT;
		return 0;
	}
	k = n <= room ? n : (all ? 0 : room);
	if (g->cell_stride < SHMPRIM_ALIGN || g->entries_per_cell > 1) {
		while (done < k) {
			uint32_t rem;
			uint32_t *seq = shmprim_ring_cell_seq(g, pos + done, &rem);
			uint32_t run = rem < k - done ? rem : k - done;

			shmprim_ring_copy_in_cell(g, pos + done, src + (size_t)done * g->entry_size, run);
			done += run;
			shmprim_ring_publish_seq(seq, pos + done);
		}
	} else {
		shmprim_ring_copy_in(g, pos, src, k);
		shmprim_ring_publish_cells(g, pos, pos + k);
	}
	if (k) {
		p->local_head = pos + k;
		shmprim_ring_publish_head(p, pos + k);
	}
	if (result)
		*result = k == n ? SHMPRIM_PUSH_OK : SHMPRIM_PUSH_WOULD_BLOCK;
	return k;
}

/** Pops up to n entries into a packed array: all or none (all != 0), or as
 * many as are ready.
 * @param c           the consumer side
 * @param entries_out room for n entries
 * @param n           entries wanted
 * @param all         nonzero for all or none
 * @return entries popped */
static inline uint32_t shmprim_ring_pop_n(shmprim_spsc_consumer *c, void *entries_out, uint32_t n, int all)
{
	uint32_t k;

	if (n == 0 || (all && n > c->geo.capacity))
		return 0;
	k = shmprim_ring_ready(c, n, all);
	if (all && k < n)
		return 0;
	shmprim_ring_copy_out(&c->geo, c->local_tail, (unsigned char *)entries_out, k);
	if (k)
		shmprim_ring_consumed(c, c->local_tail + k);
	return k;
}

/** shmprim_spsc_push_bulk(), inlined. @param p producer @param entries packed entries
 * @param n count @param result may be NULL @return n or 0 */
static inline uint32_t shmprim_spsc_push_bulk_inline(shmprim_spsc_producer *p, const void *entries, uint32_t n,
                                                     shmprim_push_result *result)
{
	return shmprim_ring_push_n(p, entries, n, 1, result);
}

/** shmprim_spsc_push_burst(), inlined. @param p producer @param entries packed entries
 * @param n count @param result may be NULL @return entries pushed */
static inline uint32_t shmprim_spsc_push_burst_inline(shmprim_spsc_producer *p, const void *entries, uint32_t n,
                                                      shmprim_push_result *result)
{
	return shmprim_ring_push_n(p, entries, n, 0, result);
}

/** shmprim_spsc_pop_bulk(), inlined. @param c consumer @param entries_out room for n
 * @param n count @return n or 0 */
static inline uint32_t shmprim_spsc_pop_bulk_inline(shmprim_spsc_consumer *c, void *entries_out, uint32_t n)
{
	return shmprim_ring_pop_n(c, entries_out, n, 1);
}

/** shmprim_spsc_pop_burst(), inlined. @param c consumer @param entries_out room for n
 * @param n count @return entries popped */
static inline uint32_t shmprim_spsc_pop_burst_inline(shmprim_spsc_consumer *c, void *entries_out, uint32_t n)
{
	return shmprim_ring_pop_n(c, entries_out, n, 0);
}

/** shmprim_spsc_reserve(), inlined. @param p producer @param n slots wanted
 * @param result may be NULL @return slots reserved */
static inline uint32_t shmprim_spsc_reserve_inline(shmprim_spsc_producer *p, uint32_t n, shmprim_push_result *result)
{
	uint32_t room = shmprim_ring_room(p, n);

	if (room == SHMPRIM_RING_CORRUPT) {
		if (result)
			*result = SHMPRIM_PUSH_CORRUPT;
		return 0;
	}
	if (result)
		*result = n <= room ? SHMPRIM_PUSH_OK : SHMPRIM_PUSH_WOULD_BLOCK;
	return n <= room ? n : room;
}

/** shmprim_spsc_commit(), inlined: never past the free space last seen, so a
 * commit larger than the reservation cannot overwrite unread entries.
 * @param p producer @param n entries written @return entries published */
static inline uint32_t shmprim_spsc_commit_inline(shmprim_spsc_producer *p, uint32_t n)
{
	const shmprim_spsc_geometry *g = &p->geo;
	uint32_t pos = p->local_head;
	uint32_t used = pos - p->cached_tail;
	uint32_t i;

	if (used > g->capacity)
		return 0;
	if (n > g->capacity - used)
		n = g->capacity - used;
	for (i = 0; i < n; i++)
		sp_plain_write(shmprim_spsc_entry_at(g, pos + i), g->entry_size);
	shmprim_ring_publish_cells(g, pos, pos + n);
	if (n) {
		p->local_head = pos + n;
		shmprim_ring_publish_head(p, pos + n);
	}
	return n;
}

/** shmprim_spsc_peek(), inlined. @param c consumer @param n wanted @return entries readable */
static inline uint32_t shmprim_spsc_peek_inline(shmprim_spsc_consumer *c, uint32_t n)
{
	return shmprim_ring_ready(c, n, 0);
}

/** shmprim_spsc_release(), inlined: re-checked, so a release larger than the
 * peek cannot hand the producer slots it has not filled.
 * @param c consumer @param n entries done with @return entries released */
static inline uint32_t shmprim_spsc_release_inline(shmprim_spsc_consumer *c, uint32_t n)
{
	uint32_t k = shmprim_ring_ready(c, n, 0);
	uint32_t i;

	for (i = 0; i < k; i++)
		sp_plain_read(shmprim_spsc_entry_at(&c->geo, c->local_tail + i), c->geo.entry_size);
	if (k)
		shmprim_ring_consumed(c, c->local_tail + k);
	return k;
}

/** shmprim_spsc_is_full(), inlined (an impossible consumer index reads as full).
 * @param p producer @return true when no slot is free */
static inline bool shmprim_spsc_is_full_inline(shmprim_spsc_producer *p)
{
	uint32_t room = shmprim_ring_room(p, 1);

	return room == 0 || room == SHMPRIM_RING_CORRUPT;
}

/** shmprim_spsc_available(), inlined: always reloads the consumer's index.
 * @param p producer @return free slots (0 if the index is impossible) */
static inline uint32_t shmprim_spsc_available_inline(shmprim_spsc_producer *p)
{
	uint32_t room = shmprim_ring_room(p, SHMPRIM_RING_CORRUPT);

	return room == SHMPRIM_RING_CORRUPT ? 0 : room;
}

/** shmprim_spsc_consumer_is_empty(), inlined. @param c consumer @return true if nothing is ready */
static inline bool shmprim_spsc_consumer_is_empty_inline(shmprim_spsc_consumer *c)
{
	return c->local_tail == c->cached_head && shmprim_ring_ready(c, 1, 0) == 0;
}

/** shmprim_spsc_consumer_len(), inlined: exact between head's intervals (it scans).
 * @param c consumer @return entries ready */
static inline uint32_t shmprim_spsc_consumer_len_inline(shmprim_spsc_consumer *c)
{
	return shmprim_ring_ready(c, c->geo.capacity, 0);
}

#ifdef __cplusplus
}
#endif

#endif
