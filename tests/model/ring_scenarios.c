/*
 * Ring scenarios: the Rust crate's loom ring tests (1, 8, 12, 13), the
 * smallest shapes that expose each ring mutant (model-checker.md section 4),
 * wrap-around at capacity 1 and 2, a consumer that attaches through a second
 * handle, and batched / zero-copy transfers. Values pushed are 1..n, so a
 * consumer checks exact order and that nothing is lost or duplicated.
 */
#include <string.h>

#include "scenarios.h"

#include "../../src/spsc_claim.h"

typedef struct ring_ctx {
	ring_fx *fx;
	uint32_t items;
	bool attach;        /* consumer uses its own, attached handle */
} ring_ctx;

static void producer(void *arg)
{
	ring_ctx *c = arg;
	uint32_t i;

	for (i = 1; i <= c->items; i++)
		ring_push_wait(&c->fx->producer, i);
}

static void consumer(void *arg)
{
	ring_ctx *c = arg;
	shmprim_spsc_consumer *cons = &c->fx->consumer;
	uint32_t i;

	if (c->attach) {
		cons = mc_alloc(sizeof(*cons), 8);
		mc_assert_eq(ring_fx_attach_consumer(c->fx, cons), SHMPRIM_OK);
	}
	for (i = 1; i <= c->items; i++)
		mc_assert_eq(ring_pop_wait(cons), i);
	mc_assert(shmprim_spsc_consumer_is_empty(cons));
}

static void check_drained(ring_fx *fx, uint32_t items)
{
	shmprim_spsc_snapshot s = fx->form == FX_REGION ? shmprim_spsc_snapshot_of(&fx->region_ring)
	                                                : shmprim_spsc_raw_snapshot(&fx->raw_ring);

	mc_assert_eq(s.head, items);
	mc_assert_eq(s.tail, items);
	mc_assert_eq(s.len, 0);
}

/* One producer thread and one consumer thread over fx, then every entry must
 * be published and taken. */
static void run_transfer(ring_fx *fx, uint32_t items, bool attach, void (*prod)(void *), void (*cons)(void *))
{
	ring_ctx *c = mc_alloc(sizeof(*c), 8);
	int tp, tc;

	c->fx = fx;
	c->items = items;
	c->attach = attach;
	tp = mc_spawn(prod, c);
	tc = mc_spawn(cons, c);
	mc_join(tp);
	mc_join(tc);
	check_drained(fx, items);
}

/* a = capacity, b = items: one producer, one consumer, both spinning. */
static void ring_transfer(void *arg)
{
	const scenario_arg *sa = arg;

	run_transfer(ring_fx_new(sa->form, sa->sc->a), sa->sc->b, false, producer, consumer);
}

/* Same with the consumer attaching its own handle while the producer runs. */
static void ring_attach_transfer(void *arg)
{
	const scenario_arg *sa = arg;

	run_transfer(ring_fx_new(sa->form, sa->sc->a), sa->sc->b, true, producer, consumer);
}

/* loom 8/13, one thread: cap 4, push 1..4, full, pop 1, push 5, drain 2..5. */
static void ring_sequential_wrap(void *arg)
{
	const scenario_arg *sa = arg;
	ring_fx *fx = ring_fx_new(sa->form, 4);
	uint64_t v;
	uint32_t i;

	for (i = 1; i <= 4; i++) {
		v = i;
		mc_assert_eq(shmprim_spsc_push(&fx->producer, &v), SHMPRIM_PUSH_OK);
	}
	v = 99;
	mc_assert_eq(shmprim_spsc_push(&fx->producer, &v), SHMPRIM_PUSH_WOULD_BLOCK);
	mc_assert(shmprim_spsc_pop(&fx->consumer, &v));
	mc_assert_eq(v, 1);
	v = 5;
	mc_assert_eq(shmprim_spsc_push(&fx->producer, &v), SHMPRIM_PUSH_OK);
	for (i = 2; i <= 5; i++) {
		mc_assert(shmprim_spsc_pop(&fx->consumer, &v));
		mc_assert_eq(v, i);
	}
	mc_assert(!shmprim_spsc_pop(&fx->consumer, &v));
	check_drained(fx, 5);
}

/* ---- batches: bulk/burst copies, then reserve/commit and peek/release ---- */

static void batch_producer(void *arg)
{
	ring_ctx *c = arg;
	shmprim_spsc_producer *p = &c->fx->producer;
	uint64_t two[2] = {1, 2}, three = 3;
	shmprim_push_result r;
	uint32_t k;

	while (shmprim_spsc_push_bulk(p, two, 2, &r) != 2) {
		mc_assert_eq(r, SHMPRIM_PUSH_WOULD_BLOCK);
		sp_spin_hint();
	}
	while (shmprim_spsc_push_burst(p, &three, 1, NULL) != 1)
		sp_spin_hint();
	/* zero-copy: entry 4 written in place */
	while ((k = shmprim_spsc_reserve(p, 1, NULL)) == 0)
		sp_spin_hint();
	mc_assert_eq(k, 1);
	{
		uint64_t four = 4;
		void *e = shmprim_spsc_reserved_entry(p, 0);

		sp_plain_write(e, sizeof(four));
		memcpy(e, &four, sizeof(four));
	}
	mc_assert_eq(shmprim_spsc_commit(p, 1), 1);
}

static void batch_consumer(void *arg)
{
	ring_ctx *c = arg;
	shmprim_spsc_consumer *cons = &c->fx->consumer;
	uint64_t got[4], v;
	uint32_t n = 0, k;

	/* bursts until 3 entries, then the 4th through peek/release */
	while (n < 3) {
		k = shmprim_spsc_pop_burst(cons, got + n, 3 - n);
		if (k == 0)
			sp_spin_hint();
		n += k;
	}
	while (shmprim_spsc_peek(cons, 1) == 0)
		sp_spin_hint();
	{
		const void *e = shmprim_spsc_peeked_entry(cons, 0);

		sp_plain_read(e, sizeof(v));
		memcpy(&v, e, sizeof(v));
	}
	mc_assert_eq(shmprim_spsc_release(cons, 1), 1);
	got[3] = v;
	for (k = 0; k < 4; k++)
		mc_assert_eq(got[k], k + 1);
}

static void ring_batch_transfer(void *arg)
{
	const scenario_arg *sa = arg;

	run_transfer(ring_fx_new(sa->form, sa->sc->a), 4, false, batch_producer, batch_consumer);
}

/* 64-byte entries: slots of a line or more, whose batches publish every
 * seq after all the copies (push_batch in src/spsc.c). */
typedef struct wide_entry {
	uint64_t w[8];
} wide_entry;

static void wide_fill(wide_entry *e, uint64_t v)
{
	uint32_t i;

	for (i = 0; i < 8; i++)
		e->w[i] = v * 100 + i;
}

static void wide_producer(void *arg)
{
	ring_ctx *c = arg;
	shmprim_spsc_producer *p = &c->fx->producer;
	wide_entry two[2], three;

	wide_fill(&two[0], 1);
	wide_fill(&two[1], 2);
	wide_fill(&three, 3);
	while (shmprim_spsc_push_bulk(p, two, 2, NULL) != 2)
		sp_spin_hint();
	while (shmprim_spsc_push_burst(p, &three, 1, NULL) != 1)
		sp_spin_hint();
}

static void wide_consumer(void *arg)
{
	ring_ctx *c = arg;
	wide_entry got[3];
	uint32_t n = 0, k, i;

	while (n < 3) {
		k = shmprim_spsc_pop_burst(&c->fx->consumer, got + n, 3 - n);
		if (k == 0)
			sp_spin_hint();
		n += k;
	}
	for (k = 0; k < 3; k++)
		for (i = 0; i < 8; i++)
			mc_assert_eq(got[k].w[i], (k + 1) * 100 + i);
}

static void ring_batch_wide_transfer(void *arg)
{
	const scenario_arg *sa = arg;

	run_transfer(ring_fx_new_sized(sa->form, sa->sc->a, sizeof(wide_entry)), 3, false, wide_producer,
	             wide_consumer);
}

/* 16-byte entries at capacity 4: cells of 3 entries and 1 (layout.h), so
 * the consumer crosses from cell to cell, and the producer refills cell 0
 * for the next lap while the consumer may still be reading its last entries
 * (whose seq then comes from the next lap). a = items. */
typedef struct pair_entry {
	uint64_t v, check;
} pair_entry;

static void pair_producer(void *arg)
{
	ring_ctx *c = arg;
	pair_entry e;
	uint32_t i;

	for (i = 1; i <= c->items; i++) {
		e.v = i;
		e.check = ~(uint64_t)i;
		while (shmprim_spsc_push(&c->fx->producer, &e) == SHMPRIM_PUSH_WOULD_BLOCK)
			sp_spin_hint();
	}
}

static void pair_consumer(void *arg)
{
	ring_ctx *c = arg;
	pair_entry e;
	uint32_t i;

	for (i = 1; i <= c->items; i++) {
		while (!shmprim_spsc_pop(&c->fx->consumer, &e))
			sp_spin_hint();
		mc_assert_eq(e.v, i);
		mc_assert_eq(e.check, ~(uint64_t)i);
	}
}

static void ring_cells_transfer(void *arg)
{
	const scenario_arg *sa = arg;

	run_transfer(ring_fx_new_sized(sa->form, 4, sizeof(pair_entry)), sa->sc->a, false, pair_producer,
	             pair_consumer);
}

/* head moving twice inside one consumer window: each one-entry burst stores
 * head (P3 once per batch), so head goes 0 -> 1 -> 2 while the consumer,
 * single pops only, is between reading head and using it; the third entry
 * is a plain push, which leaves head alone and is found by its cell's seq
 * (C1), whose seq word the producer may bump again meanwhile. A consumer that
 * uses anything but the values it checked (R10, R11) reads an entry it has
 * not acquired. */
static void head_twice_producer(void *arg)
{
	ring_ctx *c = arg;
	uint64_t v;

	for (v = 1; v <= 2; v++)
		while (shmprim_spsc_push_burst(&c->fx->producer, &v, 1, NULL) != 1)
			sp_spin_hint();
	ring_push_wait(&c->fx->producer, 3);
}

static void ring_head_twice(void *arg)
{
	const scenario_arg *sa = arg;

	run_transfer(ring_fx_new(sa->form, sa->sc->a), 3, false, head_twice_producer, consumer);
}

/* ---- claims and close (src/spsc_claim.h, src/claim_word.h) ----
 * Tokens are made up and every holder reads alive: the checker stands in for
 * /proc, and only the claim word's protocol is under test. */

static shmprim_liveness holder_alive(shmprim_proc_token t)
{
	(void)t;
	return SHMPRIM_ALIVE;
}

static shmprim_spsc_raw *fx_raw(ring_fx *fx)
{
	return fx->form == FX_REGION ? &fx->region_ring.raw : &fx->raw_ring;
}

typedef struct claim_ctx {
	ring_fx *fx;
	shmprim_proc_token token[2];
	shmprim_status st[2];
	shmprim_claim_holder holder[2];
	shmprim_spsc_producer p[2];
	uint32_t items;
} claim_ctx;

static void claim_taker(claim_ctx *x, int i)
{
	x->st[i] = sp_spsc_take_producer(fx_raw(x->fx), x->token[i], holder_alive, &x->p[i], &x->holder[i]);
}

static void claim_taker0(void *arg)
{
	claim_taker(arg, 0);
}

static void claim_taker1(void *arg)
{
	claim_taker(arg, 1);
}

/* Two processes race to take a free producer side: exactly one wins, and
 * the other is refused with the winner named. */
static void ring_claim_race(void *arg)
{
	const scenario_arg *sa = arg;
	claim_ctx *x = mc_alloc(sizeof(*x), 8);
	int t0, t1, w;

	x->fx = ring_fx_new(sa->form, 2);
	x->token[0] = shmprim_proc_token_make(100, 1);
	x->token[1] = shmprim_proc_token_make(200, 2);
	t0 = mc_spawn(claim_taker0, x);
	t1 = mc_spawn(claim_taker1, x);
	mc_join(t0);
	mc_join(t1);
	mc_assert((x->st[0] == SHMPRIM_OK) != (x->st[1] == SHMPRIM_OK));
	w = x->st[0] == SHMPRIM_OK ? 0 : 1;
	mc_assert_eq(x->st[1 - w], SHMPRIM_ERR_CLAIMED);
	mc_assert_eq(x->holder[1 - w].word, x->token[w]);
	mc_assert_eq(x->p[w].token, x->token[w]);
	mc_assert_eq(sp_claim_peek(&fx_raw(x->fx)->header->producer_claim), x->token[w]);
}

static void close_producer(void *arg)
{
	claim_ctx *x = arg;
	uint64_t v;

	for (v = 1; v <= x->items; v++)
		while (shmprim_spsc_try_push(&x->p[0], &v) == SHMPRIM_ERR_FULL)
			sp_spin_hint();
	mc_assert_eq(sp_spsc_producer_give_back(&x->p[0], SHMPRIM_CLAIM_CLOSED), SHMPRIM_OK);
}

static void close_consumer(void *arg)
{
	claim_ctx *x = arg;
	shmprim_spsc_consumer c;
	uint64_t v, next = 1;
	shmprim_status st;

	mc_assert_eq(sp_spsc_take_consumer(fx_raw(x->fx), x->token[1], holder_alive, &c, NULL), SHMPRIM_OK);
	while ((st = shmprim_spsc_try_pop(&c, &v)) != SHMPRIM_ERR_END) {
		if (st == SHMPRIM_ERR_EMPTY) {
			sp_spin_hint();
			continue;
		}
		mc_assert_eq(st, SHMPRIM_OK);
		mc_assert_eq(v, next);
		next++;
	}
	mc_assert_eq(next, x->items + 1); /* every entry before END */
}

/* a = capacity, b = items: the producer pushes b and closes while the
 * consumer try_pops until END, which must come after every entry (K3 -> K4). */
static void ring_close_end(void *arg)
{
	const scenario_arg *sa = arg;
	claim_ctx *x = mc_alloc(sizeof(*x), 8);
	int tp, tc;

	x->fx = ring_fx_new(sa->form, sa->sc->a);
	x->items = sa->sc->b;
	x->token[0] = shmprim_proc_token_make(100, 1);
	x->token[1] = shmprim_proc_token_make(200, 2);
	mc_assert_eq(sp_spsc_take_producer(fx_raw(x->fx), x->token[0], holder_alive, &x->p[0], NULL), SHMPRIM_OK);
	tp = mc_spawn(close_producer, x);
	tc = mc_spawn(close_consumer, x);
	mc_join(tp);
	mc_join(tc);
}

/* ---- pop_bulk: all or nothing (the bulk's own C1 on the last entry's cell) ----
 * The producer pushes 1..b one at a time, so head is stored only when a lap
 * ends and the bulk consumer, taking 2 at a time, mostly learns of entries
 * through the seq of the last one it needs (shmprim_ring_ready's bulk branch),
 * whose acquire must make both entries visible (R12). */
static void bulk_consumer(void *arg)
{
	ring_ctx *c = arg;
	uint64_t got[2];
	uint32_t i, k;

	for (i = 1; i <= c->items; i += 2) {
		while ((k = shmprim_spsc_pop_bulk(&c->fx->consumer, got, 2)) == 0)
			sp_spin_hint();
		mc_assert_eq(k, 2); /* all or none */
		mc_assert_eq(got[0], i);
		mc_assert_eq(got[1], i + 1);
	}
	mc_assert_eq(shmprim_spsc_pop_bulk(&c->fx->consumer, got, 1), 0);
}

/* a = capacity, b = items (even) */
static void ring_pop_bulk(void *arg)
{
	const scenario_arg *sa = arg;

	run_transfer(ring_fx_new(sa->form, sa->sc->a), sa->sc->b, false, producer, bulk_consumer);
}

/* ---- zero-copy across a wrap: cap 2, entry 1 pushed, then 2 and 3
 * reserved, written in place and committed at once (slots 1 and 0: the
 * reservation wraps, and the commit publishes the cell twice, P2 per run);
 * the consumer peeks and releases 1, then peeks 2 and 3 across the wrap and
 * releases both. ---- */
static void zero_copy_producer(void *arg)
{
	ring_ctx *c = arg;
	shmprim_spsc_producer *p = &c->fx->producer;
	uint32_t k;
	uint64_t v;

	ring_push_wait(p, 1);
	while ((k = shmprim_spsc_reserve(p, 2, NULL)) != 2) {
		mc_assert(k < 2);
		sp_spin_hint();
	}
	for (k = 0; k < 2; k++) {
		void *e = shmprim_spsc_reserved_entry(p, k);

		v = 2 + k;
		sp_plain_write(e, sizeof(v));
		memcpy(e, &v, sizeof(v));
	}
	mc_assert_eq(shmprim_spsc_commit(p, 2), 2);
}

static uint64_t peeked(shmprim_spsc_consumer *cons, uint32_t i)
{
	const void *e = shmprim_spsc_peeked_entry(cons, i);
	uint64_t v;

	sp_plain_read(e, sizeof(v));
	memcpy(&v, e, sizeof(v));
	return v;
}

static void zero_copy_consumer(void *arg)
{
	ring_ctx *c = arg;
	shmprim_spsc_consumer *cons = &c->fx->consumer;
	uint32_t k;

	while (shmprim_spsc_peek(cons, 1) == 0)
		sp_spin_hint();
	mc_assert_eq(peeked(cons, 0), 1);
	mc_assert_eq(shmprim_spsc_release(cons, 1), 1);
	while ((k = shmprim_spsc_peek(cons, 2)) != 2) {
		mc_assert(k < 2);
		sp_spin_hint();
	}
	mc_assert_eq(peeked(cons, 0), 2);
	mc_assert_eq(peeked(cons, 1), 3);
	mc_assert_eq(shmprim_spsc_release(cons, 2), 2);
	mc_assert_eq(shmprim_spsc_peek(cons, 1), 0);
}

static void ring_zero_copy_wrap(void *arg)
{
	const scenario_arg *sa = arg;

	run_transfer(ring_fx_new(sa->form, 2), 3, false, zero_copy_producer, zero_copy_consumer);
}

/* ---- a producer that resumes after one died between P2 and P3 ----
 * Main pushes 1 and 2 one at a time (head stays 0: it is stored once a lap)
 * and that producer is gone. T1 attaches a second handle, whose split finds
 * the two entries past head, stores head = 2 (P3 again) and pushes 3; T2
 * pops 1, 2, 3. A split that resumed at head would overwrite entry 1. */
static void resume_producer(void *arg)
{
	ring_ctx *c = arg;
	shmprim_spsc_producer *p = mc_alloc(sizeof(*p), 8);

	mc_assert_eq(ring_fx_attach_producer(c->fx, p), SHMPRIM_OK);
	mc_assert_eq(p->local_head, 2);
	ring_push_wait(p, 3);
}

static void ring_split_resume(void *arg)
{
	const scenario_arg *sa = arg;
	ring_fx *fx = ring_fx_new(sa->form, 4);
	ring_ctx *c = mc_alloc(sizeof(*c), 8);
	shmprim_spsc_snapshot s;
	int tp, tc;

	ring_push_wait(&fx->producer, 1);
	ring_push_wait(&fx->producer, 2);
	c->fx = fx;
	c->items = 3;
	tp = mc_spawn(resume_producer, c);
	tc = mc_spawn(consumer, c);
	mc_join(tp);
	mc_join(tc);
	s = fx->form == FX_REGION ? shmprim_spsc_snapshot_of(&fx->region_ring) : shmprim_spsc_raw_snapshot(&fx->raw_ring);
	mc_assert_eq(s.head, 3); /* published up to 3 (the snapshot scans past the word) */
	/* the head word is the split's store: the push of 3 leaves it alone */
	mc_assert_eq(sp_load_relaxed_u32(&(fx->form == FX_REGION ? fx->region_ring.raw.header : fx->raw_ring.header)->head),
	             2);
	mc_assert_eq(s.tail, 3);
	mc_assert_eq(s.len, 0);
}

const scenario ring_scenarios[] = {
	/* loom 1/12: cap 4, 3 items */
	{"ring_concurrent", ring_transfer, MC_TIER_EXHAUSTIVE, false, 4, 3},
	/* loom 8/13 */
	{"ring_sequential_wrap", ring_sequential_wrap, MC_TIER_EXHAUSTIVE, false, 0, 0},
	/* smallest shapes for R1, R2, R6 and for R3, R4, R5, R7 */
	{"ring_one_item", ring_transfer, MC_TIER_EXHAUSTIVE, false, 1, 1},
	{"ring_cap1_2items", ring_transfer, MC_TIER_EXHAUSTIVE, false, 1, 2},
	/* wrap-around: every slot reused */
	{"ring_cap1_3items", ring_transfer, MC_TIER_EXHAUSTIVE, false, 1, 3},
	{"ring_cap2_3items", ring_transfer, MC_TIER_EXHAUSTIVE, false, 2, 3},
	{"ring_cap2_4items", ring_transfer, MC_TIER_EXHAUSTIVE, false, 2, 4},
	{"ring_attach_consumer", ring_attach_transfer, MC_TIER_EXHAUSTIVE, false, 2, 2},
	{"ring_batch", ring_batch_transfer, MC_TIER_EXHAUSTIVE, false, 2, 0},
	{"ring_batch_wide", ring_batch_wide_transfer, MC_TIER_EXHAUSTIVE, false, 2, 0},
	/* cells of several entries, across laps */
	{"ring_cells", ring_cells_transfer, MC_TIER_EXHAUSTIVE, false, 6, 0},
	/* head stored twice while the consumer pops (R10, R11) */
	{"ring_head_twice", ring_head_twice, MC_TIER_EXHAUSTIVE, false, 4, 0},
	/* claims: two takers on a free word; push then close, pop until END (K1) */
	{"ring_claim_race", ring_claim_race, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"ring_close_end", ring_close_end, MC_TIER_EXHAUSTIVE, false, 2, 2},
	/* pop_bulk across a wrap (R12); a producer resuming past head */
	{"ring_pop_bulk", ring_pop_bulk, MC_TIER_EXHAUSTIVE, false, 2, 4},
	{"ring_split_resume", ring_split_resume, MC_TIER_EXHAUSTIVE, false, 0, 0},
	/* reserve/commit and peek/release of 2 across the wrap */
	{"ring_zero_copy_wrap", ring_zero_copy_wrap, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{NULL, NULL, MC_TIER_EXHAUSTIVE, false, 0, 0},
};
