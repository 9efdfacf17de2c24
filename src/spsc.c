/*
 * The SPSC ring: geometry, init, attach, split and snapshot; the exported data
 * calls are wrappers over the algorithm in include/shmprim/static/spsc.h.
 */
#include <string.h>

#include <shmprim/spsc.h>

#include "checksum.h"
#include "placement.h"
#include "spsc_claim.h"
#include <shmprim/static/spsc.h>

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
	cell_divider(g->entries_per_cell, &g->cell_mul, &g->cell_shift);
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
	sp_store_release_u32(&h->magic, SHMPRIM_SPSC_MAGIC); /* I1: pairs with A1 */
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
	local.magic = sp_load_acquire_u32(&h->magic); /* A1: pairs with I1 */
	memcpy((unsigned char *)&local + sizeof(local.magic), (const unsigned char *)h + sizeof(local.magic),
	       offsetof(shmprim_spsc_header, head) - sizeof(local.magic));
	st = validate_header(&local);
	if (st != SHMPRIM_OK)
		return st;
	if (expect && !geometry_expected(&local, expect))
		return SHMPRIM_ERR_UNEXPECTED_GEOMETRY;
	if (local.slots_bytes > (uint64_t)slots_len)
		return too_big;
	head = sp_load_acquire_u32(&h->head); /* pairs with P3 */
	tail = sp_load_acquire_u32(&h->tail); /* pairs with C2 */
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
	uint32_t head = sp_load_acquire_u32(&h->head); /* pairs with P3 */
	uint32_t tail = sp_load_acquire_u32(&h->tail); /* pairs with C2 */

	if (producer) {
		uint32_t pos = head;

		/* A producer that died between publishing slots (P2) and head (P3),
		 * or simply before its next interval, left entries past head: resume
		 * after them (the consumer may even have taken them: tail ahead). */
		if (scan_start(head, tail, ring->geo.capacity, &pos)) {
			pos = shmprim_ring_published_end(&ring->geo, pos, tail, tail + ring->geo.capacity);
			if (pos != head)
				sp_store_release_u32(&h->head, pos); /* P3 again: a hint */
		}
		producer->geo = ring->geo;
		producer->head = &h->head;
		producer->tail = &h->tail;
		producer->local_head = pos;
		producer->cached_tail = tail;
		producer->token = 0;
		producer->next_check_ns = 0; /* push_wait checks the consumer at its first call */
	}
	if (consumer) {
		consumer->geo = ring->geo;
		consumer->head = &h->head;
		consumer->tail = &h->tail;
		consumer->local_tail = tail;
		consumer->cached_head = tail; /* nothing known published until head or a seq says so */
		consumer->token = 0;
	}
}

shmprim_spsc_snapshot shmprim_spsc_raw_snapshot(const shmprim_spsc_raw *ring)
{
	shmprim_spsc_snapshot s;
	uint32_t from;

	s.head = sp_load_acquire_u32(&ring->header->head); /* pairs with P3 */
	s.tail = sp_load_acquire_u32(&ring->header->tail); /* pairs with C2 */
	if (scan_start(s.head, s.tail, ring->geo.capacity, &from))
		s.head = shmprim_ring_published_end(&ring->geo, from, s.tail, s.tail + ring->geo.capacity);
	s.capacity = ring->geo.capacity;
	s.len = s.head - s.tail;
	if (s.len > s.capacity)
		s.len = s.capacity;
	return s;
}

/* ---- the data calls: the algorithm's one copy is the static header ---- */

shmprim_push_result shmprim_spsc_push(shmprim_spsc_producer *p, const void *entry)
{
	return shmprim_spsc_push_inline(p, entry);
}

bool shmprim_spsc_pop(shmprim_spsc_consumer *c, void *entry_out)
{
	return shmprim_spsc_pop_inline(c, entry_out);
}

uint32_t shmprim_spsc_push_bulk(shmprim_spsc_producer *p, const void *entries, uint32_t n,
                                shmprim_push_result *result)
{
	return shmprim_spsc_push_bulk_inline(p, entries, n, result);
}

uint32_t shmprim_spsc_push_burst(shmprim_spsc_producer *p, const void *entries, uint32_t n,
                                 shmprim_push_result *result)
{
	return shmprim_spsc_push_burst_inline(p, entries, n, result);
}

uint32_t shmprim_spsc_pop_bulk(shmprim_spsc_consumer *c, void *entries_out, uint32_t n)
{
	return shmprim_spsc_pop_bulk_inline(c, entries_out, n);
}

uint32_t shmprim_spsc_pop_burst(shmprim_spsc_consumer *c, void *entries_out, uint32_t n)
{
	return shmprim_spsc_pop_burst_inline(c, entries_out, n);
}

uint32_t shmprim_spsc_reserve(shmprim_spsc_producer *p, uint32_t n, shmprim_push_result *result)
{
	return shmprim_spsc_reserve_inline(p, n, result);
}

uint32_t shmprim_spsc_commit(shmprim_spsc_producer *p, uint32_t n)
{
	return shmprim_spsc_commit_inline(p, n);
}

uint32_t shmprim_spsc_peek(shmprim_spsc_consumer *c, uint32_t n)
{
	return shmprim_spsc_peek_inline(c, n);
}

uint32_t shmprim_spsc_release(shmprim_spsc_consumer *c, uint32_t n)
{
	return shmprim_spsc_release_inline(c, n);
}

bool shmprim_spsc_is_full(shmprim_spsc_producer *p)
{
	return shmprim_spsc_is_full_inline(p);
}

uint32_t shmprim_spsc_available(shmprim_spsc_producer *p)
{
	return shmprim_spsc_available_inline(p);
}

bool shmprim_spsc_consumer_is_empty(shmprim_spsc_consumer *c)
{
	return shmprim_spsc_consumer_is_empty_inline(c);
}

uint32_t shmprim_spsc_consumer_len(shmprim_spsc_consumer *c)
{
	return shmprim_spsc_consumer_len_inline(c);
}

/* ---- claimed sides and the statused calls (src/spsc_claim.h) ---- */

shmprim_spsc_header *sp_spsc_header_of_producer(const shmprim_spsc_producer *p)
{
	return (shmprim_spsc_header *)(void *)((unsigned char *)p->head - offsetof(shmprim_spsc_header, head));
}

shmprim_spsc_header *sp_spsc_header_of_consumer(const shmprim_spsc_consumer *c)
{
	return (shmprim_spsc_header *)(void *)((unsigned char *)c->tail - offsetof(shmprim_spsc_header, tail));
}

/* The claim comes first: once the word holds me, no other taker splits the
 * side, and a dead predecessor writes nothing more, so the split's scan of
 * head, tail and seqs sees the side at rest. */
shmprim_status sp_spsc_take_producer(const shmprim_spsc_raw *ring, shmprim_proc_token me, sp_liveness_fn liveness,
                                     shmprim_spsc_producer *p, shmprim_claim_holder *holder)
{
	shmprim_status st;

	if (!ring || !p || !ring->header)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = sp_claim_take(&ring->header->producer_claim, me, liveness, holder, NULL);
	if (st != SHMPRIM_OK)
		return st;
	shmprim_spsc_raw_split(ring, p, NULL);
	p->token = me;
	return SHMPRIM_OK;
}

shmprim_status sp_spsc_take_consumer(const shmprim_spsc_raw *ring, shmprim_proc_token me, sp_liveness_fn liveness,
                                     shmprim_spsc_consumer *c, shmprim_claim_holder *holder)
{
	shmprim_status st;

	if (!ring || !c || !ring->header)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = sp_claim_take(&ring->header->consumer_claim, me, liveness, holder, NULL);
	if (st != SHMPRIM_OK)
		return st;
	shmprim_spsc_raw_split(ring, NULL, c);
	c->token = me;
	return SHMPRIM_OK;
}

/* A split handle holds no claim: it may close a side nobody holds (FREE ->
 * CLOSED), and has nothing to leave. */
static shmprim_status give_back(uint64_t *word, uint64_t token, uint64_t to)
{
	if (token == 0) {
		if (to != SHMPRIM_CLAIM_CLOSED)
			return SHMPRIM_ERR_INVALID_ARGUMENT;
		return sp_claim_give_back(word, SHMPRIM_CLAIM_FREE, to) == SHMPRIM_OK ? SHMPRIM_OK
		                                                                      : SHMPRIM_ERR_CLAIMED;
	}
	return sp_claim_give_back(word, token, to);
}

shmprim_status sp_spsc_producer_give_back(shmprim_spsc_producer *p, uint64_t to)
{
	shmprim_spsc_header *h;

	if (!p)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	h = sp_spsc_header_of_producer(p);
	/* head current before the word changes (K3 orders it): a successor's
	 * scan, and a consumer looking for what was sent before the close, start
	 * at the end. */
	if (p->token == 0 || sp_claim_check(&h->producer_claim, p->token) == SHMPRIM_OK)
		shmprim_ring_publish_head(p, p->local_head);
	return give_back(&h->producer_claim, p->token, to);
}

shmprim_status sp_spsc_consumer_give_back(shmprim_spsc_consumer *c, uint64_t to)
{
	if (!c)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	/* tail is stored by every call that consumes (C2): nothing to publish. */
	return give_back(&sp_spsc_header_of_consumer(c)->consumer_claim, c->token, to);
}

shmprim_status sp_spsc_full_status(const shmprim_spsc_producer *p)
{
	shmprim_spsc_header *h = sp_spsc_header_of_producer(p);

	if (p->token != 0 && sp_claim_check(&h->producer_claim, p->token) != SHMPRIM_OK)
		return SHMPRIM_ERR_CLAIM_LOST;
	if (sp_claim_peek(&h->consumer_claim) == SHMPRIM_CLAIM_CLOSED) /* K4: pairs with the consumer's K3 */
		return SHMPRIM_ERR_CLOSED;
	return SHMPRIM_ERR_FULL;
}

/* What a consumer that found nothing at its position can prove impossible,
 * each word read once: its own tail (only it stores tail), head (at most
 * capacity either side of it: layout.h) and the seq of its next cell (either
 * covers the position, or is left from at most a lap before: pos - seq <
 * capacity). */
static int consumer_sees_corruption(const shmprim_spsc_consumer *c)
{
	uint32_t pos = c->local_tail, cap = c->geo.capacity, rem;
	uint32_t tail = sp_load_relaxed_u32(c->tail);  /* its own word: only this side stores it */
	uint32_t head = sp_load_relaxed_u32(c->head);  /* C0: a hint, only its range is judged */
	uint32_t seq = shmprim_ring_load_seq(&c->geo, pos, &rem); /* C1: pairs with P2 */

	if (tail != pos)
		return 1;
	if ((uint32_t)(head - pos) > cap && (uint32_t)(pos - head) > cap)
		return 1;
	return !shmprim_ring_seq_covers(seq, pos, cap) && (uint32_t)(pos - seq) >= cap;
}

shmprim_status sp_spsc_empty_status(shmprim_spsc_consumer *c)
{
	shmprim_spsc_header *h = sp_spsc_header_of_consumer(c);

	if (c->token != 0 && sp_claim_check(&h->consumer_claim, c->token) != SHMPRIM_OK)
		return SHMPRIM_ERR_CLAIM_LOST;
	if (consumer_sees_corruption(c))
		return SHMPRIM_ERR_CORRUPT;
	if (sp_claim_peek(&h->producer_claim) != SHMPRIM_CLAIM_CLOSED) /* K4: pairs with the producer's K3 */
		return SHMPRIM_ERR_EMPTY;
	/* Closed: K4 made every entry published before the close visible, so
	 * one more look is final. */
	return shmprim_ring_ready(c, 1, 0) ? SHMPRIM_OK : SHMPRIM_ERR_END;
}

shmprim_status shmprim_spsc_try_push(shmprim_spsc_producer *p, const void *entry)
{
	switch (shmprim_spsc_push_inline(p, entry)) {
	case SHMPRIM_PUSH_OK:
		return SHMPRIM_OK;
	case SHMPRIM_PUSH_WOULD_BLOCK:
		return sp_spsc_full_status(p);
	default:
		return SHMPRIM_ERR_CORRUPT;
	}
}

shmprim_status shmprim_spsc_try_pop(shmprim_spsc_consumer *c, void *entry_out)
{
	shmprim_status st;

	if (shmprim_spsc_pop_inline(c, entry_out))
		return SHMPRIM_OK;
	st = sp_spsc_empty_status(c);
	if (st == SHMPRIM_OK && !shmprim_spsc_pop_inline(c, entry_out))
		return SHMPRIM_ERR_CORRUPT; /* ready a moment ago, gone now: another consumer */
	return st;
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
