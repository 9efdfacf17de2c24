/*
 * Ring scenarios: the Rust crate's loom ring tests (1, 8, 12, 13), the
 * smallest shapes that expose each ring mutant (model-checker.md section 4),
 * wrap-around at capacity 1 and 2, a consumer that attaches through a second
 * handle, and batched / zero-copy transfers. Values pushed are 1..n, so a
 * consumer checks exact order and that nothing is lost or duplicated.
 */
#include <string.h>

#include "scenarios.h"

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
	{NULL, NULL, MC_TIER_EXHAUSTIVE, false, 0, 0},
};
