/*
 * The SPSC ring: init, attach, split, batches, zero-copy and queries. The
 * protocol, and the single-item push and pop, are in src/spsc_inline.h.
 */
#include <string.h>

#include <shmprim/spsc.h>

#include "checksum.h"
#include "placement.h"
#include "spsc_inline.h"

static int capacity_ok(uint32_t capacity)
{
	return capacity != 0 && capacity <= SHMPRIM_SPSC_MAX_CAPACITY && (capacity & (capacity - 1)) == 0;
}

static int entry_size_ok(uint32_t entry_size)
{
	return entry_size != 0 && entry_size <= SHMPRIM_SPSC_MAX_ENTRY_SIZE;
}

/* The cell rule of layout.h: small entries share a 64-byte line under one
 * seq (8-byte entries: 7 per line), larger ones get a cell each. */
static uint32_t entry_pitch_of(uint32_t entry_size)
{
	return (entry_size + (SHMPRIM_SLOT_ALIGN - 1)) & ~(SHMPRIM_SLOT_ALIGN - 1);
}

/* (SHMPRIM_SPSC_PACKED_CELL - SHMPRIM_SPSC_CELL_OVERHEAD) / pitch for the
 * packed pitches (8, 16, 24), written out: the core divides nowhere, since a
 * freestanding armv7 build has no divide instruction and libgcc's helper
 * needs raise(). */
static uint32_t entries_per_cell_of(uint32_t entry_size)
{
	uint32_t pitch = entry_pitch_of(entry_size);

	if (pitch > SHMPRIM_SPSC_PACKED_PITCH_MAX)
		return 1;
	return pitch == 8 ? 7 : pitch == 16 ? 3 : 2;
}

static uint32_t cell_stride_of(uint32_t entry_size)
{
	return entries_per_cell_of(entry_size) > 1 ? SHMPRIM_SPSC_PACKED_CELL
	                                           : SHMPRIM_SPSC_CELL_OVERHEAD + entry_pitch_of(entry_size);
}

/* index / k as (index * mul) >> shift, for the k the cell rule produces and
 * every index below SHMPRIM_SPSC_MAX_CAPACITY (2^31). With mul = ceil(2^shift
 * / k) and e = mul * k - 2^shift, the quotient is exact while index * e <
 * 2^shift: k = 3: e = 1, shift 33; k = 7: e = 5, shift 34 (5 * 2^31 < 2^34).
 * mul < 2^32, so index * mul fits in 64 bits. tests/unit/test_ring.c checks
 * every cell boundary below 2^31. */
static void cell_divider(uint32_t k, uint32_t *mul, uint32_t *shift)
{
	switch (k) {
	case 7:
		*mul = 2454267027u;
		*shift = 34;
		return;
	case 3:
		*mul = 2863311531u;
		*shift = 33;
		return;
	case 2:
		*mul = 1;
		*shift = 1;
		return;
	default:
		*mul = 1;
		*shift = 0;
	}
}

/* The cell of the last index, plus one (capacity >= 1). */
static uint32_t cells_of(uint32_t capacity, uint32_t entry_size)
{
	uint32_t mul, shift;

	cell_divider(entries_per_cell_of(entry_size), &mul, &shift);
	return (uint32_t)(((uint64_t)(capacity - 1) * mul) >> shift) + 1;
}

/* 0 when invalid or too large for this target's size_t. */
static uint64_t slots_bytes_of(uint32_t capacity, uint32_t entry_size)
{
	uint64_t n;

	if (!capacity_ok(capacity) || !entry_size_ok(entry_size))
		return 0;
	n = (uint64_t)cells_of(capacity, entry_size) * cell_stride_of(entry_size);
	if (n > (uint64_t)(SIZE_MAX - SHMPRIM_SPSC_HEADER_SIZE))
		return 0;
	return n;
}

size_t shmprim_spsc_slots_size(uint32_t capacity, uint32_t entry_size)
{
	return (size_t)slots_bytes_of(capacity, entry_size);
}

size_t shmprim_spsc_required_size(uint32_t capacity, uint32_t entry_size)
{
	uint64_t n = slots_bytes_of(capacity, entry_size);

	return n ? (size_t)n + SHMPRIM_SPSC_HEADER_SIZE : 0;
}

static shmprim_status check_geometry_args(uint32_t capacity, uint32_t entry_size)
{
	if (!capacity_ok(capacity))
		return SHMPRIM_ERR_BAD_CAPACITY;
	if (!entry_size_ok(entry_size))
		return SHMPRIM_ERR_BAD_ENTRY_SIZE;
	if (!slots_bytes_of(capacity, entry_size))
		return SHMPRIM_ERR_REGION_TOO_SMALL;
	return SHMPRIM_OK;
}

static void fill_handle(shmprim_spsc_raw *ring, void *header, void *slots, uint32_t capacity, uint32_t entry_size)
{
	shmprim_spsc_geometry *g = &ring->geo;

	ring->header = (shmprim_spsc_header *)header;
	g->slots = (unsigned char *)slots;
	g->capacity = capacity;
	g->mask = capacity - 1;
	g->entry_size = entry_size;
	g->entry_pitch = entry_pitch_of(entry_size);
	g->entries_per_cell = entries_per_cell_of(entry_size);
	g->cell_stride = cell_stride_of(entry_size);
	g->cell_gap = g->cell_stride - g->entries_per_cell * g->entry_pitch;
	cell_divider(g->entries_per_cell, &g->cell_mul, &g->cell_shift);
}

/* How many entries from `from` on are published, up to max: each seq read
 * that covers its position says everything before it is published, and the
 * scan goes on at that seq's cell. tail bounds how far the producer can be. */
static uint32_t published_run(const shmprim_spsc_geometry *g, uint32_t from, uint32_t tail, uint32_t max)
{
	uint32_t n = 0;

	while (n < max) {
		uint32_t q = from + n, rem;
		uint32_t seq = RING_CONSUME_LOAD(sp_ring_cell_seq(g, q, &rem));   /* C1 */

		if (!sp_ring_seq_covers(seq, q, g->capacity - (q - tail)))
			break;
		n = seq - from;
	}
	return n < max ? n : max;
}

/* First position at or after from that is not published: from must be
 * published-up-to (head, or tail when the consumer is ahead); stops at
 * capacity entries past tail. */
static uint32_t published_end(const shmprim_spsc_geometry *g, uint32_t from, uint32_t tail)
{
	if ((uint32_t)(from - tail) > g->capacity)
		return from;
	return from + published_run(g, from, tail, g->capacity - (from - tail));
}

/* Where a scan for published entries starts: head, or tail when the consumer
 * already took entries a dead producer published without moving head.
 * Returns 0 when head and tail are impossible together. */
static int scan_start(uint32_t head, uint32_t tail, uint32_t capacity, uint32_t *from)
{
	if ((uint32_t)(head - tail) <= capacity) {
		*from = head;
		return 1;
	}
	if ((uint32_t)(tail - head) <= capacity) {
		*from = tail;
		return 1;
	}
	return 0;
}

shmprim_status shmprim_spsc_raw_init(shmprim_spsc_raw *ring, void *header, void *slots, size_t slots_len,
                                     uint32_t capacity, uint32_t entry_size)
{
	shmprim_spsc_header *h = (shmprim_spsc_header *)header;
	shmprim_status st;
	uint32_t i, cells, stride;

	if (!ring || !header || !slots)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!shmprim_is_aligned(header, SHMPRIM_ALIGN) || !shmprim_is_aligned(slots, SHMPRIM_SLOT_ALIGN))
		return SHMPRIM_ERR_MISALIGNED;
	st = check_geometry_args(capacity, entry_size);
	if (st != SHMPRIM_OK)
		return st;
	if ((uint64_t)slots_len < slots_bytes_of(capacity, entry_size))
		return SHMPRIM_ERR_REGION_TOO_SMALL;

	stride = cell_stride_of(entry_size);
	cells = cells_of(capacity, entry_size);
	memset(h, 0, sizeof(*h));
	h->version = SHMPRIM_LAYOUT_VERSION;
	h->capacity = capacity;
	h->entry_size = entry_size;
	h->cell_stride = stride;
	h->header_size = SHMPRIM_SPSC_HEADER_SIZE;
	h->slots_bytes = slots_bytes_of(capacity, entry_size);
	h->entries_per_cell = entries_per_cell_of(entry_size);
	h->magic = SHMPRIM_SPSC_MAGIC;
	h->checksum = shmprim_fnv1a(h, SHMPRIM_SPSC_CHECKSUM_SPAN);
	h->magic = 0;
	for (i = 0; i < cells; i++)
		memset((unsigned char *)slots + (size_t)i * stride, 0, SHMPRIM_SPSC_CELL_OVERHEAD);
	/* Magic last, with release: an attacher that sees it sees the rest. */
	sp_store_release_u32(&h->magic, SHMPRIM_SPSC_MAGIC);
	fill_handle(ring, header, slots, capacity, entry_size);
	return SHMPRIM_OK;
}

/* Validates a private copy of line 0; on success the geometry in it is usable. */
static shmprim_status validate_header(const shmprim_spsc_header *local)
{
	if (local->magic != SHMPRIM_SPSC_MAGIC)
		return local->magic == shmprim_bswap32(SHMPRIM_SPSC_MAGIC) ? SHMPRIM_ERR_WRONG_ENDIAN
		                                                          : SHMPRIM_ERR_BAD_MAGIC;
	if (local->version != SHMPRIM_LAYOUT_VERSION)
		return SHMPRIM_ERR_BAD_VERSION;
	if (!capacity_ok(local->capacity))
		return SHMPRIM_ERR_BAD_CAPACITY;
	if (!entry_size_ok(local->entry_size))
		return SHMPRIM_ERR_BAD_ENTRY_SIZE;
	if (local->cell_stride != cell_stride_of(local->entry_size) ||
	    local->entries_per_cell != entries_per_cell_of(local->entry_size) ||
	    local->header_size != SHMPRIM_SPSC_HEADER_SIZE ||
	    local->slots_bytes != slots_bytes_of(local->capacity, local->entry_size) || local->flags != 0 ||
	    !shmprim_all_zero(local->reserved0, sizeof(local->reserved0)))
		return SHMPRIM_ERR_BAD_GEOMETRY;
	if (local->checksum != shmprim_fnv1a(local, SHMPRIM_SPSC_CHECKSUM_SPAN))
		return SHMPRIM_ERR_BAD_CHECKSUM;
	return SHMPRIM_OK;
}

/* An expectation some valid ring can meet. */
static shmprim_status check_expect(const shmprim_spsc_expect *expect)
{
	if (!entry_size_ok(expect->entry_size))
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	if (expect->min_capacity != 0 && expect->max_capacity != 0 && expect->min_capacity > expect->max_capacity)
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	return SHMPRIM_OK;
}

/* The validated header's geometry against what the attacher expects. */
static int geometry_expected(const shmprim_spsc_header *local, const shmprim_spsc_expect *expect)
{
	return local->entry_size == expect->entry_size &&
	       (expect->min_capacity == 0 || local->capacity >= expect->min_capacity) &&
	       (expect->max_capacity == 0 || local->capacity <= expect->max_capacity);
}

/* expect may be NULL (the plain attach). too_big: the status for slots that
 * do not fit in slots_len (the region form with an extent says OVERLAP). */
static shmprim_status attach_checked(shmprim_spsc_raw *ring, void *header, void *slots, size_t slots_len,
                                     const shmprim_spsc_expect *expect, shmprim_status too_big)
{
	shmprim_spsc_header *h = (shmprim_spsc_header *)header;
	shmprim_spsc_header local;
	shmprim_status st;
	uint32_t head, tail;

	if (!ring || !header || !slots)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!shmprim_is_aligned(header, SHMPRIM_ALIGN) || !shmprim_is_aligned(slots, SHMPRIM_SLOT_ALIGN))
		return SHMPRIM_ERR_MISALIGNED;
	/* One read of the immutable line into private memory; only the copy is used. */
	local.magic = sp_load_acquire_u32(&h->magic);
	memcpy((unsigned char *)&local + sizeof(local.magic), (const unsigned char *)h + sizeof(local.magic),
	       offsetof(shmprim_spsc_header, head) - sizeof(local.magic));
	st = validate_header(&local);
	if (st != SHMPRIM_OK)
		return st;
	if (expect && !geometry_expected(&local, expect))
		return SHMPRIM_ERR_UNEXPECTED_GEOMETRY;
	if (local.slots_bytes > (uint64_t)slots_len)
		return too_big;
	head = sp_load_acquire_u32(&h->head);
	tail = sp_load_acquire_u32(&h->tail);
	/* tail may be ahead of head: the consumer takes entries published
	 * between head's intervals, and a producer may die before storing it
	 * (split() repairs head). */
	if ((uint32_t)(head - tail) > local.capacity && (uint32_t)(tail - head) > local.capacity)
		return SHMPRIM_ERR_CORRUPT;
	fill_handle(ring, header, slots, local.capacity, local.entry_size);
	return SHMPRIM_OK;
}

shmprim_status shmprim_spsc_raw_attach(shmprim_spsc_raw *ring, void *header, void *slots, size_t slots_len)
{
	return attach_checked(ring, header, slots, slots_len, NULL, SHMPRIM_ERR_REGION_TOO_SMALL);
}

shmprim_status shmprim_spsc_raw_attach_expect(shmprim_spsc_raw *ring, void *header, void *slots, size_t slots_len,
                                              const shmprim_spsc_expect *expect)
{
	shmprim_status st;

	if (!expect)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = check_expect(expect);
	if (st != SHMPRIM_OK)
		return st;
	return attach_checked(ring, header, slots, slots_len, expect, SHMPRIM_ERR_REGION_TOO_SMALL);
}

void shmprim_spsc_raw_split(const shmprim_spsc_raw *ring, shmprim_spsc_producer *producer,
                            shmprim_spsc_consumer *consumer)
{
	shmprim_spsc_header *h = ring->header;
	uint32_t head = sp_load_acquire_u32(&h->head);
	uint32_t tail = sp_load_acquire_u32(&h->tail);

	if (producer) {
		uint32_t pos = head;

		/* A producer that died between publishing slots (P2) and head (P3),
		 * or simply before its next interval, left entries past head: resume
		 * after them (the consumer may even have taken them: tail ahead). */
		if (scan_start(head, tail, ring->geo.capacity, &pos)) {
			pos = published_end(&ring->geo, pos, tail);
			if (pos != head)
				sp_store_release_u32(&h->head, pos);
		}
		producer->geo = ring->geo;
		producer->head = &h->head;
		producer->tail = &h->tail;
		producer->local_head = pos;
		producer->cached_tail = tail;
	}
	if (consumer) {
		consumer->geo = ring->geo;
		consumer->head = &h->head;
		consumer->tail = &h->tail;
		consumer->local_tail = tail;
		consumer->cached_head = tail; /* nothing known published until head or a seq says so */
	}
}

shmprim_spsc_snapshot shmprim_spsc_raw_snapshot(const shmprim_spsc_raw *ring)
{
	shmprim_spsc_snapshot s;

	uint32_t from;

	s.head = sp_load_acquire_u32(&ring->header->head);
	s.tail = sp_load_acquire_u32(&ring->header->tail);
	if (scan_start(s.head, s.tail, ring->geo.capacity, &from))
		s.head = published_end(&ring->geo, from, s.tail);
	s.capacity = ring->geo.capacity;
	s.len = s.head - s.tail;
	if (s.len > s.capacity)
		s.len = s.capacity;
	return s;
}

/* ---- hot paths: the library's copies of the inline ones ---- */

shmprim_push_result shmprim_spsc_push(shmprim_spsc_producer *p, const void *entry)
{
	return shmprim_spsc_push_inline(p, entry);
}

bool shmprim_spsc_pop(shmprim_spsc_consumer *c, void *entry_out)
{
	return shmprim_spsc_pop_inline(c, entry_out);
}

/* ---- batches and zero-copy ----
 * The same steps as push and pop, a cell at a time: P2 once per cell (after
 * its share of the batch is copied in), or, for cells of a line or more,
 * after all the batch's copies; P3 and C2 once per batch, after its last
 * entry (release orders every earlier copy); P1 at most once per batch. The
 * consumer finds ready entries by C0 and C1.
 */

static inline void set_push_result(shmprim_push_result *result, shmprim_push_result value)
{
	if (result)
		*result = value;
}

/* Free slots as far as the producer can tell, reloading the consumer's index
 * (P1) only when the cached one shows fewer than want (or is inconsistent).
 * Returns 0 if the reloaded index is impossible. */
static inline int producer_room(shmprim_spsc_producer *p, uint32_t want, uint32_t *room)
{
	uint32_t pos = p->local_head;
	uint32_t used = pos - p->cached_tail;

	if (used > p->geo.capacity || p->geo.capacity - used < want) {
		uint32_t tail = RING_TAIL_LOAD(p->tail);                    /* P1 */

		used = pos - tail;
		if (used > p->geo.capacity)
			return 0;
		p->cached_tail = tail;
	}
	*room = p->geo.capacity - used;
	return 1;
}

/* The run of entries from pos that share pos's cell, capped at max: its seq
 * word, its first entry, and (return) its length. */
static inline uint32_t cell_run(const shmprim_spsc_geometry *g, uint32_t pos, uint32_t max, uint32_t **seq,
                                unsigned char **first)
{
	uint32_t rem;

	*seq = sp_ring_cell_seq(g, pos, &rem);
	*first = shmprim_spsc_entry_at(g, pos);
	return rem < max ? rem : max;
}

/* Copies n entries between the caller's packed array and one cell's run,
 * entry by entry: a run is at most 7 entries, too short for a memcpy call to
 * pay (8-byte entries become plain moves; 64-byte bursts lost half their
 * items/s to one memcpy call per cell). */
static inline void copy_run(unsigned char *dst, const unsigned char *src, uint32_t n, uint32_t size,
                            uint32_t dst_pitch, uint32_t src_pitch)
{
	uint32_t i;

	if (size == 8) {
		for (i = 0; i < n; i++)
			memcpy(dst + (size_t)i * dst_pitch, src + (size_t)i * src_pitch, 8);
		return;
	}
	for (i = 0; i < n; i++)
		sp_ring_copy_entry(dst + (size_t)i * dst_pitch, src + (size_t)i * src_pitch, size);
}

/* Publishes positions pos .. pos + n - 1, one seq store per cell, in order. */
static void publish_cells(const shmprim_spsc_geometry *g, uint32_t pos, uint32_t n)
{
	uint32_t done = 0;

	while (done < n) {
		uint32_t *seq;
		unsigned char *first;
		uint32_t k = cell_run(g, pos + done, n - done, &seq, &first);

		done += k;
		RING_PUBLISH_STORE(seq, pos + done);                       /* P2 */
	}
}

/* Cells of one entry (entries wider than 24 bytes): a plain loop over
 * entries. Going through cell_run instead cost 64-byte bursts of 32 about
 * 40% of their items/s on the 2-vCPU VM. */
static inline void fill_single_cells(const shmprim_spsc_geometry *g, uint32_t pos, const unsigned char *src,
                                     uint32_t k, int publish_each)
{
	uint32_t i;

	for (i = 0; i < k; i++) {
		unsigned char *cell = g->slots + (size_t)((pos + i) & g->mask) * g->cell_stride;

		if (publish_each && RING_PUBLISH_BEFORE_COPY)
			RING_PUBLISH_STORE((uint32_t *)cell, pos + i + 1);
		sp_plain_write(cell + SHMPRIM_SPSC_CELL_OVERHEAD, g->entry_size);
		sp_ring_copy_entry(cell + SHMPRIM_SPSC_CELL_OVERHEAD, src + (size_t)i * g->entry_size, g->entry_size);
		if (publish_each && !RING_PUBLISH_BEFORE_COPY)
			RING_PUBLISH_STORE((uint32_t *)cell, pos + i + 1);     /* P2 */
	}
}

/* Cells shared by several entries: a cell's share of the batch is copied in,
 * then the cell is published once. */
static inline void fill_shared_cells(const shmprim_spsc_geometry *g, uint32_t pos, const unsigned char *src,
                                     uint32_t k)
{
	uint32_t done = 0;

	while (done < k) {
		uint32_t *seq;
		unsigned char *first;
		uint32_t run = cell_run(g, pos + done, k - done, &seq, &first);

		if (RING_PUBLISH_BEFORE_COPY)
			RING_PUBLISH_STORE(seq, pos + done + run);
		sp_plain_write(first, (size_t)(run - 1) * g->entry_pitch + g->entry_size);
		copy_run(first, src + (size_t)done * g->entry_size, run, g->entry_size, g->entry_pitch, g->entry_size);
		done += run;
		if (!RING_PUBLISH_BEFORE_COPY)
			RING_PUBLISH_STORE(seq, pos + done);                   /* P2 */
	}
}

static uint32_t push_batch(shmprim_spsc_producer *p, const void *entries, uint32_t n, int all,
                           shmprim_push_result *result)
{
	const shmprim_spsc_geometry *g = &p->geo;
	/* Cells of a line or more are published after all the copies, as commit
	 * does, or a consumer that has caught up chases the producer line by
	 * line (64-byte entries, bursts of 32: 2.5x the items/s on the 2-vCPU
	 * VM). Smaller cells are published as each is filled. */
	int publish_each = g->cell_stride < SHMPRIM_ALIGN || g->entries_per_cell > 1;
	uint32_t pos = p->local_head;
	uint32_t room, k;

	if (!producer_room(p, n, &room)) {
		set_push_result(result, SHMPRIM_PUSH_CORRUPT);
		return 0;
	}
	k = n <= room ? n : (all ? 0 : room);
	if (!publish_each && RING_PUBLISH_BEFORE_COPY)
		publish_cells(g, pos, k);
	if (g->entries_per_cell == 1)
		fill_single_cells(g, pos, (const unsigned char *)entries, k, publish_each);
	else
		fill_shared_cells(g, pos, (const unsigned char *)entries, k);
	if (!publish_each && !RING_PUBLISH_BEFORE_COPY)
		publish_cells(g, pos, k);                               /* P2 */
	if (k) {
		p->local_head = pos + k;
		RING_PUBLISH_STORE(p->head, pos + k);                       /* P3 */
	}
	set_push_result(result, k == n ? SHMPRIM_PUSH_OK : SHMPRIM_PUSH_WOULD_BLOCK);
	return k;
}

uint32_t shmprim_spsc_push_bulk(shmprim_spsc_producer *p, const void *entries, uint32_t n,
                                shmprim_push_result *result)
{
	return push_batch(p, entries, n, 1, result);
}

uint32_t shmprim_spsc_push_burst(shmprim_spsc_producer *p, const void *entries, uint32_t n,
                                 shmprim_push_result *result)
{
	return push_batch(p, entries, n, 0, result);
}

/* Published entries from the consumer's position, up to n (at most
 * capacity): what it already knows (cached_head), else head (C0), else cell
 * seqs (C1) from the first unknown one. A bulk (all) first tries the cell of
 * the last entry it needs: published in order, so if that one is, all are.
 * The furthest point found is kept for the next call. */
static inline uint32_t ready_count(shmprim_spsc_consumer *c, uint32_t n, int all)
{
	uint32_t pos = c->local_tail;
	uint32_t known = c->cached_head - pos;
	uint32_t head, rem;

	if (n > c->geo.capacity)
		n = c->geo.capacity;
	if (known >= n)
		return n;
	head = sp_load_relaxed_u32(c->head);                            /* C0 */
	if ((uint32_t)(head - pos) > known && sp_ring_head_confirmed(c, pos, head)) {
		known = head - pos;
		c->cached_head = head;
		if (known >= n)
			return n;
	}
	if (all) {
		uint32_t seq = RING_CONSUME_LOAD(sp_ring_cell_seq(&c->geo, pos + n - 1, &rem));   /* C1 */

		if (sp_ring_seq_covers(seq, pos + n - 1, c->geo.capacity - (n - 1))) {
			c->cached_head = seq;
			return n;
		}
	}
	known += published_run(&c->geo, pos + known, pos, n - known);
	c->cached_head = pos + known;
	return known;
}

static inline void consumer_advance(shmprim_spsc_consumer *c, uint32_t k)
{
	if (k) {
		c->local_tail += k;
		RING_RELEASE_STORE(c->tail, c->local_tail);                 /* C2 */
	}
}

static uint32_t pop_batch(shmprim_spsc_consumer *c, void *entries_out, uint32_t n, int all)
{
	const shmprim_spsc_geometry *g = &c->geo;
	unsigned char *dst = (unsigned char *)entries_out;
	uint32_t pos = c->local_tail;
	uint32_t k, done = 0;

	if (n == 0 || (all && n > g->capacity))
		return 0;
	k = ready_count(c, n, all);
	if (all && k < n)
		return 0;
	if (g->entries_per_cell == 1) {
		for (; done < k; done++) {
			const unsigned char *cell = g->slots + (size_t)((pos + done) & g->mask) * g->cell_stride;

			sp_plain_read(cell + SHMPRIM_SPSC_CELL_OVERHEAD, g->entry_size);
			sp_ring_copy_entry(dst + (size_t)done * g->entry_size, cell + SHMPRIM_SPSC_CELL_OVERHEAD,
			                   g->entry_size);
		}
	}
	while (done < k) {
		uint32_t *seq;
		unsigned char *first;
		uint32_t run = cell_run(g, pos + done, k - done, &seq, &first);

		sp_plain_read(first, (size_t)(run - 1) * g->entry_pitch + g->entry_size);
		copy_run(dst + (size_t)done * g->entry_size, first, run, g->entry_size, g->entry_size, g->entry_pitch);
		done += run;
	}
	consumer_advance(c, k);
	return k;
}

uint32_t shmprim_spsc_pop_bulk(shmprim_spsc_consumer *c, void *entries_out, uint32_t n)
{
	return pop_batch(c, entries_out, n, 1);
}

uint32_t shmprim_spsc_pop_burst(shmprim_spsc_consumer *c, void *entries_out, uint32_t n)
{
	return pop_batch(c, entries_out, n, 0);
}

uint32_t shmprim_spsc_reserve(shmprim_spsc_producer *p, uint32_t n, shmprim_push_result *result)
{
	uint32_t room;

	if (!producer_room(p, n, &room)) {
		set_push_result(result, SHMPRIM_PUSH_CORRUPT);
		return 0;
	}
	set_push_result(result, n <= room ? SHMPRIM_PUSH_OK : SHMPRIM_PUSH_WOULD_BLOCK);
	return n <= room ? n : room;
}

uint32_t shmprim_spsc_commit(shmprim_spsc_producer *p, uint32_t n)
{
	const shmprim_spsc_geometry *g = &p->geo;
	uint32_t pos = p->local_head;
	uint32_t used = pos - p->cached_tail;
	uint32_t i;

	/* Never past the free space last seen: a commit larger than the
	 * reservation must not overwrite entries the consumer has not read. */
	if (used > g->capacity)
		return 0;
	if (n > g->capacity - used)
		n = g->capacity - used;
	for (i = 0; i < n; i++)
		sp_plain_write(shmprim_spsc_entry_at(g, pos + i), g->entry_size);
	publish_cells(g, pos, n);
	if (n) {
		p->local_head = pos + n;
		RING_PUBLISH_STORE(p->head, pos + n);                       /* P3 */
	}
	return n;
}

uint32_t shmprim_spsc_peek(shmprim_spsc_consumer *c, uint32_t n)
{
	return ready_count(c, n, 0);
}

uint32_t shmprim_spsc_release(shmprim_spsc_consumer *c, uint32_t n)
{
	/* Re-checked so that a release larger than the peek cannot hand the
	 * producer slots it has not filled (its index would look corrupt). */
	uint32_t k = ready_count(c, n, 0);
	uint32_t i;

	for (i = 0; i < k; i++)
		sp_plain_read(shmprim_spsc_entry_at(&c->geo, c->local_tail + i), c->geo.entry_size);
	consumer_advance(c, k);
	return k;
}

/* ---- approximate queries ---- */

bool shmprim_spsc_is_full(shmprim_spsc_producer *p)
{
	uint32_t tail;

	if (!RING_IS_FULL(p->local_head - p->cached_tail, p->geo.capacity))
		return false;
	tail = RING_TAIL_LOAD(p->tail);
	if ((uint32_t)(p->local_head - tail) > p->geo.capacity)
		return true;
	p->cached_tail = tail;
	return RING_IS_FULL(p->local_head - tail, p->geo.capacity);
}

uint32_t shmprim_spsc_available(shmprim_spsc_producer *p)
{
	uint32_t tail = RING_TAIL_LOAD(p->tail);
	uint32_t used = p->local_head - tail;

	if (used > p->geo.capacity)
		return 0;
	p->cached_tail = tail;
	return p->geo.capacity - used;
}

bool shmprim_spsc_consumer_is_empty(shmprim_spsc_consumer *c)
{
	return c->local_tail == c->cached_head && !sp_ring_consumer_refresh(c, c->local_tail);
}

uint32_t shmprim_spsc_consumer_len(shmprim_spsc_consumer *c)
{
	uint32_t pos = c->local_tail;
	uint32_t head = sp_load_relaxed_u32(c->head);
	uint32_t from = c->cached_head;

	/* The scan is what makes the answer exact between head's intervals. */
	if ((uint32_t)(head - pos) > (uint32_t)(from - pos) && sp_ring_head_confirmed(c, pos, head))
		from = head;
	c->cached_head = published_end(&c->geo, from, pos);
	return c->cached_head - pos;
}

/* ---- region form: placement, then the raw form ---- */

shmprim_status shmprim_spsc_init(shmprim_spsc *ring, shmprim_region region, size_t offset, uint32_t capacity,
                                 uint32_t entry_size)
{
	unsigned char *at;
	shmprim_status st;
	size_t need;

	if (!ring)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = check_geometry_args(capacity, entry_size);
	if (st != SHMPRIM_OK)
		return st;
	need = shmprim_spsc_required_size(capacity, entry_size);
	st = shmprim_place(region, offset, need, &at);
	if (st != SHMPRIM_OK)
		return st;
	st = shmprim_spsc_raw_init(&ring->raw, at, at + SHMPRIM_SPSC_HEADER_SIZE, need - SHMPRIM_SPSC_HEADER_SIZE,
	                           capacity, entry_size);
	if (st == SHMPRIM_OK) {
		ring->region = region;
		ring->offset = offset;
	}
	return st;
}

shmprim_status shmprim_spsc_attach(shmprim_spsc *ring, shmprim_region region, size_t offset)
{
	unsigned char *at;
	shmprim_status st;

	if (!ring)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = shmprim_place(region, offset, SHMPRIM_SPSC_HEADER_SIZE, &at);
	if (st != SHMPRIM_OK)
		return st;
	st = shmprim_spsc_raw_attach(&ring->raw, at, at + SHMPRIM_SPSC_HEADER_SIZE,
	                             region.len - offset - SHMPRIM_SPSC_HEADER_SIZE);
	if (st == SHMPRIM_OK) {
		ring->region = region;
		ring->offset = offset;
	}
	return st;
}

shmprim_status shmprim_spsc_attach_expect(shmprim_spsc *ring, shmprim_region region, size_t offset, size_t extent,
                                          const shmprim_spsc_expect *expect)
{
	unsigned char *at;
	shmprim_status st;

	if (!ring || !expect)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = check_expect(expect);
	if (st != SHMPRIM_OK)
		return st;
	if (extent < SHMPRIM_SPSC_HEADER_SIZE)
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	/* The whole extent must lie in the region; the ring must then end in it. */
	st = shmprim_place(region, offset, extent, &at);
	if (st != SHMPRIM_OK)
		return st;
	st = attach_checked(&ring->raw, at, at + SHMPRIM_SPSC_HEADER_SIZE, extent - SHMPRIM_SPSC_HEADER_SIZE, expect,
	                    SHMPRIM_ERR_OVERLAP);
	if (st == SHMPRIM_OK) {
		ring->region = region;
		ring->offset = offset;
	}
	return st;
}

void shmprim_spsc_split(shmprim_spsc *ring, shmprim_spsc_producer *producer, shmprim_spsc_consumer *consumer)
{
	shmprim_spsc_raw_split(&ring->raw, producer, consumer);
}

shmprim_spsc_snapshot shmprim_spsc_snapshot_of(const shmprim_spsc *ring)
{
	return shmprim_spsc_raw_snapshot(&ring->raw);
}

uint32_t shmprim_spsc_capacity(const shmprim_spsc *ring)
{
	return ring->raw.geo.capacity;
}

uint32_t shmprim_spsc_entry_size(const shmprim_spsc *ring)
{
	return ring->raw.geo.entry_size;
}

bool shmprim_spsc_is_empty(const shmprim_spsc *ring)
{
	return shmprim_spsc_raw_snapshot(&ring->raw).len == 0;
}

uint32_t shmprim_spsc_len(const shmprim_spsc *ring)
{
	return shmprim_spsc_raw_snapshot(&ring->raw).len;
}
