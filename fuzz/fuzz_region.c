/*
 * Fuzz target (libFuzzer interface): region images and operation sequences.
 *
 * Input: one mode byte, then
 *   mode even: a region image. It is copied over a fresh region holding a
 *              ring (at 0) and a slab (at SLAB_OFF); whatever attaches is
 *              then driven by the rest of the input as an operation sequence.
 *   mode odd:  an operation sequence on a fresh, valid ring and slab.
 * Operations (one byte each, some with argument bytes) push, pop, peek-free
 * blocking calls, allocate, mark, free, adopt, reclaim, re-attach, and write
 * fuzzer-chosen values to any byte of the region (the hostile peer).
 *
 * Checked on every input: each call returns a documented value, slot pointers
 * lie inside the slab's data array, no call runs more than a fixed number of
 * loop iterations (the library counts them in this build), and, until the
 * first hostile write, the ring is exactly FIFO against a model queue and the
 * slab never hands out a slot twice. A failed check aborts (a finding).
 */
#define _POSIX_C_SOURCE 200112L /* posix_memalign */

#include <shmprim/shmprim.h>
#include <shmprim/wait.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/test_hooks.h"

#define CAP 8u
#define ENTRY 12u
#define SLOTS 8u
#define SLOT_SIZE 24u
#define SLAB_OFF 1024u
#define REGION 4096u
#define LOOP_BOUND (2ul * SHMPRIM_SLAB_RETRY_LIMIT + 4ul * SLOTS + 16ul)

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
			abort();                                                         \
		}                                                                        \
	} while (0)

typedef struct input {
	const uint8_t *p;
	size_t n;
} input;

static int take(input *in, uint8_t *b)
{
	if (!in->n)
		return 0;
	*b = *in->p++;
	in->n--;
	return 1;
}

static uint32_t take32(input *in)
{
	uint32_t v = 0;
	uint8_t b;
	int i;

	for (i = 0; i < 4 && take(in, &b); i++)
		v |= (uint32_t)b << (8 * i);
	return v;
}

typedef struct state {
	unsigned char *mem;
	shmprim_spsc ring;
	shmprim_slab slab;
	int have_ring, have_slab, split_done, hostile;
	int pops; /* odd pops use the statused try_pop */
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	/* model, valid until the first hostile write */
	uint32_t model_head, model_tail;
	uint8_t model[CAP][ENTRY];
	shmprim_slot_handle held[SLOTS];
	int held_in_flight[SLOTS];
	uint32_t nheld;
} state;

static void loops_ok(unsigned long before)
{
	CHECK(shmprim_loop_count - before <= LOOP_BOUND);
}

static void slot_ptr_ok(state *s, void *ptr)
{
	unsigned char *lo = s->slab.raw.data, *hi = lo + (size_t)SLOTS * s->slab.raw.data_stride;

	CHECK(!ptr || ((unsigned char *)ptr >= lo && (unsigned char *)ptr + SLOT_SIZE <= hi));
}

static int slot_status_ok(shmprim_status st)
{
	return st == SHMPRIM_OK || st == SHMPRIM_ERR_INVALID_INDEX || st == SHMPRIM_ERR_GENERATION_MISMATCH ||
	       st == SHMPRIM_ERR_INVALID_STATE || st == SHMPRIM_ERR_CONTENDED;
}

static void attach_all(state *s)
{
	shmprim_region r = shmprim_region_from_raw(s->mem, REGION);
	shmprim_status st;

	st = shmprim_spsc_attach(&s->ring, r, 0);
	s->have_ring = st == SHMPRIM_OK;
	CHECK(st < SHMPRIM_STATUS_COUNT_);
	if (s->have_ring) {
		CHECK(shmprim_spsc_capacity(&s->ring) >= 1);
		CHECK(SHMPRIM_SPSC_HEADER_SIZE +
		          shmprim_spsc_slots_size(s->ring.raw.geo.capacity, s->ring.raw.geo.entry_size) <= REGION);
		shmprim_spsc_split(&s->ring, &s->p, &s->c);
	}
	st = shmprim_slab_attach(&s->slab, r, SLAB_OFF);
	s->have_slab = st == SHMPRIM_OK;
	CHECK(st < SHMPRIM_STATUS_COUNT_);
	if (s->have_slab) {
		CHECK(SLAB_OFF + shmprim_slab_required_size(s->slab.raw.slot_count, s->slab.raw.slot_size) <= REGION);
		shmprim_slab_set_owner(&s->slab, 5);
	}
}

static void op_push(state *s, input *in)
{
	uint8_t e[ENTRY] = { 0 }, b = 0;
	shmprim_push_result r;

	if (!s->have_ring || s->ring.raw.geo.entry_size > sizeof(e))
		return;
	take(in, &b);
	memset(e, b, sizeof(e));
	if (b & 1) {
		/* The statused push; CLOSED only from a scribbled claim word. */
		shmprim_status st = shmprim_spsc_try_push(&s->p, e);

		CHECK(st == SHMPRIM_OK || st == SHMPRIM_ERR_FULL || st == SHMPRIM_ERR_CORRUPT ||
		      (s->hostile && st == SHMPRIM_ERR_CLOSED));
		r = st == SHMPRIM_OK ? SHMPRIM_PUSH_OK : st == SHMPRIM_ERR_CORRUPT ? SHMPRIM_PUSH_CORRUPT
		                                                                   : SHMPRIM_PUSH_WOULD_BLOCK;
	} else {
		r = shmprim_spsc_push(&s->p, e);
	}
	CHECK(r == SHMPRIM_PUSH_OK || r == SHMPRIM_PUSH_WOULD_BLOCK || r == SHMPRIM_PUSH_CORRUPT);
	if (!s->hostile) {
		CHECK(r != SHMPRIM_PUSH_CORRUPT);
		CHECK((r == SHMPRIM_PUSH_OK) == (s->model_head - s->model_tail < CAP));
		if (r == SHMPRIM_PUSH_OK)
			memcpy(s->model[s->model_head++ % CAP], e, ENTRY);
	}
}

static void op_pop(state *s)
{
	uint8_t e[64];
	int got;

	if (!s->have_ring || s->ring.raw.geo.entry_size > sizeof(e))
		return;
	if (s->pops++ & 1) {
		/* The statused pop: END and CORRUPT only once the region was written. */
		shmprim_status st = shmprim_spsc_try_pop(&s->c, e);

		CHECK(st == SHMPRIM_OK || st == SHMPRIM_ERR_EMPTY ||
		      (s->hostile && (st == SHMPRIM_ERR_END || st == SHMPRIM_ERR_CORRUPT)));
		got = st == SHMPRIM_OK;
	} else {
		got = shmprim_spsc_pop(&s->c, e);
	}
	if (!s->hostile) {
		CHECK(got == (s->model_head != s->model_tail));
		if (got)
			CHECK(memcmp(e, s->model[s->model_tail++ % CAP], ENTRY) == 0);
	}
	CHECK(shmprim_spsc_snapshot_of(&s->ring).len <= s->ring.raw.geo.capacity);
	CHECK(shmprim_spsc_consumer_len(&s->c) <= s->ring.raw.geo.capacity);
	CHECK(shmprim_spsc_available(&s->p) <= s->ring.raw.geo.capacity);
}

static void op_alloc(state *s)
{
	shmprim_slot_handle h;
	shmprim_alloc_result a;
	uint32_t i;

	if (!s->have_slab)
		return;
	a = shmprim_slab_try_alloc(&s->slab, &h);
	CHECK(a <= SHMPRIM_ALLOC_CONTENDED);
	if (a != SHMPRIM_ALLOC_OK)
		return;
	slot_ptr_ok(s, shmprim_slab_slot_data(&s->slab, h));
	if (!s->hostile) {
		CHECK(h.index < SLOTS);
		for (i = 0; i < s->nheld; i++)
			CHECK(s->held[i].index != h.index); /* never handed out twice */
	}
	if (s->nheld < SLOTS) {
		s->held_in_flight[s->nheld] = 0;
		s->held[s->nheld++] = h;
	}
}

static void op_slot(state *s, input *in, uint8_t kind)
{
	shmprim_slot_handle h;
	shmprim_status st;
	uint8_t b = 0;
	uint32_t k;

	if (!s->have_slab)
		return;
	take(in, &b);
	if (b & 0x80 || !s->nheld) {
		h.index = take32(in);
		h.generation = take32(in);
		k = SLOTS;
	} else {
		k = b % s->nheld;
		h = s->held[k];
	}
	switch (kind % 4) {
	case 0: st = shmprim_slab_mark_in_flight(&s->slab, h); break;
	case 1: st = shmprim_slab_free(&s->slab, h); break;
	case 2: st = shmprim_slab_free_allocated(&s->slab, h); break;
	default: st = shmprim_slab_adopt(&s->slab, h); break;
	}
	CHECK(slot_status_ok(st));
	slot_ptr_ok(s, shmprim_slab_slot_data(&s->slab, h));
	if (k < SLOTS && !s->hostile) {
		/* The model knows exactly what a held handle allows. */
		int inf = s->held_in_flight[k];
		shmprim_status want = kind % 4 == 0 ? (inf ? SHMPRIM_ERR_INVALID_STATE : SHMPRIM_OK)
		                    : kind % 4 == 1 ? (inf ? SHMPRIM_OK : SHMPRIM_ERR_INVALID_STATE)
		                    : kind % 4 == 2 ? (inf ? SHMPRIM_ERR_INVALID_STATE : SHMPRIM_OK)
		                                    : (inf ? SHMPRIM_OK : SHMPRIM_ERR_INVALID_STATE);
		CHECK(st == want);
	}
	if (k < SLOTS && st == SHMPRIM_OK) {
		if (kind % 4 == 0)
			s->held_in_flight[k] = 1;
		else if (kind % 4 == 1 || kind % 4 == 2)
			s->held[k] = s->held[--s->nheld], s->held_in_flight[k] = s->held_in_flight[s->nheld];
	}
}

static void op_reclaim(state *s, input *in)
{
	shmprim_reclaim_report r;
	shmprim_status st;
	uint8_t b = 0;

	if (!s->have_slab)
		return;
	take(in, &b);
	st = shmprim_slab_reclaim(&s->slab, (uint32_t)b % 8, b & 8 ? SHMPRIM_RECLAIM_IN_FLIGHT : 0, &r);
	CHECK(st == SHMPRIM_OK || st == SHMPRIM_ERR_CORRUPT || st == SHMPRIM_ERR_CONTENDED ||
	      st == SHMPRIM_ERR_INVALID_ARGUMENT);
	if (st == SHMPRIM_OK || st == SHMPRIM_ERR_CORRUPT)
		CHECK(r.reclaimed <= s->slab.raw.slot_count);
	if (!s->hostile && (b % 8) != 5 && (b % 8) != 0)
		CHECK(st == SHMPRIM_OK && r.reclaimed == 0); /* nobody else ever owned a slot */
}

static void op_write(state *s, input *in)
{
	uint32_t off = take32(in) % (REGION - 8);
	uint32_t v = take32(in);
	uint8_t w = 0;

	take(in, &w);
	switch (w % 3) {
	case 0: s->mem[off] = (uint8_t)v; break;
	case 1: memcpy(s->mem + (off & ~3u), &v, 4); break;
	default: {
		uint64_t q = ((uint64_t)v << 32) | take32(in);

		memcpy(s->mem + (off & ~7u), &q, 8);
	}
	}
	s->hostile = 1;
}

static void op_misc(state *s, input *in)
{
	shmprim_slot_handle h;
	uint8_t b = 0;

	take(in, &b);
	switch (b % 6) {
	case 0:
		if (s->have_ring)
			CHECK(shmprim_spsc_push_wait(&s->p, s->mem, 0, NULL) < SHMPRIM_STATUS_COUNT_);
		s->hostile = 1; /* an unmodelled push */
		break;
	case 1:
		if (s->have_ring) {
			uint8_t e[64];

			CHECK(s->ring.raw.geo.entry_size > sizeof(e) || shmprim_spsc_pop_wait(&s->c, e, 0, NULL) < SHMPRIM_STATUS_COUNT_);
		}
		s->hostile = 1;
		break;
	case 2:
		if (s->have_slab && shmprim_slab_alloc_wait(&s->slab, &h, 0, NULL) == SHMPRIM_OK)
			slot_ptr_ok(s, shmprim_slab_slot_data(&s->slab, h));
		s->hostile = 1;
		break;
	case 3:
		if (s->have_slab) {
			shmprim_slab_audit_report a;

			shmprim_slab_audit(&s->slab, &a);
			CHECK(a.on_free_list <= s->slab.raw.slot_count);
			CHECK(shmprim_slab_free_count_approx(&s->slab) <= s->slab.raw.slot_count);
			if (!s->hostile)
				CHECK(a.list_ok && a.on_free_list + s->nheld == SLOTS);
		}
		break;
	default:
		attach_all(s); /* a peer restarting: the model's state carries over */
		if (!s->hostile)
			CHECK(s->have_ring && s->have_slab);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char *mem;
	state s;
	input in = { data, size };
	uint8_t mode = 1, op;

	if (!mem && posix_memalign((void **)&mem, SHMPRIM_ALIGN, REGION) != 0)
		abort();
	memset(&s, 0, sizeof(s));
	s.mem = mem;
	memset(mem, 0, REGION);
	CHECK(shmprim_spsc_init(&s.ring, shmprim_region_from_raw(mem, REGION), 0, CAP, ENTRY) == SHMPRIM_OK);
	CHECK(shmprim_slab_init(&s.slab, shmprim_region_from_raw(mem, REGION), SLAB_OFF, SLOTS, SLOT_SIZE) ==
	      SHMPRIM_OK);
	take(&in, &mode);
	if (!(mode & 1)) {
		/* An image: up to REGION bytes, the length in the next two bytes. */
		uint8_t lo = 0, hi = 0;
		size_t len;

		take(&in, &lo);
		take(&in, &hi);
		len = ((size_t)hi << 8 | lo) % (REGION + 1);
		if (len > in.n)
			len = in.n;
		memcpy(mem, in.p, len);
		in.p += len;
		in.n -= len;
		s.hostile = 1;
	}
	attach_all(&s);
	while (take(&in, &op)) {
		unsigned long before = shmprim_loop_count;

		switch (op % 8) {
		case 0: case 1: op_push(&s, &in); break;
		case 2: op_pop(&s); break;
		case 3: op_alloc(&s); break;
		case 4: op_slot(&s, &in, op >> 3); break;
		case 5: op_reclaim(&s, &in); break;
		case 6: if (op & 0x80) op_write(&s, &in); else op_misc(&s, &in); break;
		default: op_misc(&s, &in); break;
		}
		loops_ok(before);
	}
	return 0;
}
