/*
 * Slab scenarios: the Rust crate's loom slab tests (2-7, 9-11, 14-17), the
 * smallest shapes that expose each slab mutant (model-checker.md section 4),
 * the correct-variant checks F2 and F3, a stale handle held across
 * re-allocation and free-list ABA with three threads, and a second handle
 * attached by another "process". Threads write their own byte into every slot
 * they own and check it before letting go, so a slot handed to two owners
 * shows up as a data race or a wrong byte; quiescent checks after the joins
 * verify the free list exactly.
 */
#include <string.h>

#include "scenarios.h"

#define SLOT_SIZE 16

typedef struct slab_ctx {
	slab_fx *fx;
	ring_fx *ring;                 /* hand-off scenarios */
	shmprim_slot_handle h[4];      /* handles made by main before spawning */
	shmprim_alloc_result res[MC_MAX_THREADS][4];
	shmprim_slot_handle got[MC_MAX_THREADS][4];
	shmprim_status st[MC_MAX_THREADS][4];
	uint32_t go;                   /* a flag word for scenarios that sequence threads */
	slab_fx *live;                 /* a live owner's handle, for the reclaim scenarios */
	uint32_t taken_from[MC_MAX_THREADS]; /* reclaim_dead: whose lock each thread took over */
	uint32_t reclaimed[MC_MAX_THREADS];  /* reclaim_dead: slots each thread got back */
} slab_ctx;

static slab_ctx *ctx_new(const scenario_arg *sa, uint32_t slots)
{
	slab_ctx *c = mc_alloc(sizeof(*c), 8);

	c->fx = slab_fx_new(sa->form, slots, SLOT_SIZE);
	mc_name(&c->go, 4, "test.go");
	return c;
}

static shmprim_slot_handle alloc_ok(slab_fx *fx)
{
	shmprim_slot_handle h;

	mc_assert_eq(slab_alloc(fx, &h), SHMPRIM_ALLOC_OK);
	return h;
}

/* Writes the owner's byte into the slot, checks it, as every owner does. */
static void own(slab_fx *fx, shmprim_slot_handle h, unsigned char byte)
{
	void *d = slab_data(fx, h);

	mc_assert(d != NULL);
	payload_write(d, SLOT_SIZE, byte);
	mc_assert(payload_is(d, SLOT_SIZE, byte));
}

static int spawn2(void (*a)(void *), void (*b)(void *), void *arg)
{
	int ta = mc_spawn(a, arg), tb = mc_spawn(b, arg);

	mc_join(ta);
	mc_join(tb);
	return 0;
}

static unsigned char me_of(int thread)
{
	return (unsigned char)(0x10 * thread + 1);
}

static unsigned char me(void)
{
	return me_of(mc_self());
}

/* ---- loom 2/14: two threads alloc once, free_allocated ---- */
static void alloc_once_free(void *arg)
{
	slab_ctx *c = arg;
	shmprim_slot_handle h = alloc_ok(c->fx);

	own(c->fx, h, me());
	mc_assert_eq(slab_free_allocated(c->fx, h), SHMPRIM_OK);
}

static void slab_concurrent_alloc_free(void *arg)
{
	slab_ctx *c = ctx_new(arg, 4);

	spawn2(alloc_once_free, alloc_once_free, c);
	slab_check_quiescent(c->fx, 4);
}

/* ---- loom 3/15: 2 slots, two threads alloc twice, never free ---- */
static void alloc_twice(void *arg)
{
	slab_ctx *c = arg;
	int t = mc_self(), i;

	for (i = 0; i < 2; i++) {
		c->res[t][i] = slab_alloc(c->fx, &c->got[t][i]);
		if (c->res[t][i] == SHMPRIM_ALLOC_OK)
			own(c->fx, c->got[t][i], me());
		else
			mc_assert_eq(c->res[t][i], SHMPRIM_ALLOC_WOULD_BLOCK);
	}
}

static void slab_no_double_alloc(void *arg)
{
	slab_ctx *c = ctx_new(arg, 2);
	uint32_t ok = 0, seen = 0;
	int t, i;

	spawn2(alloc_twice, alloc_twice, c);
	for (t = 1; t <= 2; t++)
		for (i = 0; i < 2; i++)
			if (c->res[t][i] == SHMPRIM_ALLOC_OK) {
				mc_assert(!(seen & (1u << c->got[t][i].index)));
				seen |= 1u << c->got[t][i].index;
				ok++;
			}
	mc_assert_eq(ok, 2);
	slab_check_quiescent(c->fx, 0);
}

/* ---- loom 4: one slot, two allocators, exactly one wins ---- */
static void alloc_once(void *arg)
{
	slab_ctx *c = arg;
	int t = mc_self();

	c->res[t][0] = slab_alloc(c->fx, &c->got[t][0]);
	if (c->res[t][0] == SHMPRIM_ALLOC_OK)
		own(c->fx, c->got[t][0], me());
}

static void slab_single_slot_race(void *arg)
{
	slab_ctx *c = ctx_new(arg, 1);

	spawn2(alloc_once, alloc_once, c);
	mc_assert((c->res[1][0] == SHMPRIM_ALLOC_OK) != (c->res[2][0] == SHMPRIM_ALLOC_OK));
	mc_assert(c->res[1][0] == SHMPRIM_ALLOC_WOULD_BLOCK || c->res[2][0] == SHMPRIM_ALLOC_WOULD_BLOCK);
	slab_check_quiescent(c->fx, 0);
}

/* ---- loom 5/16: alloc, write, mark_in_flight, push the handle; pop, read, free ---- */
static uint64_t pack(shmprim_slot_handle h)
{
	return (uint64_t)h.generation << 32 | h.index;
}

static shmprim_slot_handle unpack(uint64_t v)
{
	shmprim_slot_handle h;

	h.index = (uint32_t)v;
	h.generation = (uint32_t)(v >> 32);
	return h;
}

static void cycle_producer(void *arg)
{
	slab_ctx *c = arg;
	shmprim_slot_handle h = alloc_ok(c->fx);

	payload_write(slab_data(c->fx, h), SLOT_SIZE, 0xAB);
	mc_assert_eq(slab_mark_in_flight(c->fx, h), SHMPRIM_OK);
	ring_push_wait(&c->ring->producer, pack(h));
}

static void cycle_consumer(void *arg)
{
	slab_ctx *c = arg;
	shmprim_slot_handle h = unpack(ring_pop_wait(&c->ring->consumer));
	void *d = slab_data(c->fx, h);

	mc_assert(d != NULL);
	mc_assert(payload_is(d, SLOT_SIZE, 0xAB));
	mc_assert_eq(slab_free(c->fx, h), SHMPRIM_OK);
}

static void slab_ring_cycle(void *arg)
{
	const scenario_arg *sa = arg;
	slab_ctx *c = ctx_new(sa, 4);

	c->ring = ring_fx_new(sa->form, 4);
	spawn2(cycle_producer, cycle_consumer, c);
	slab_check_quiescent(c->fx, 4);
}

/* ---- hand-off with slot reuse (F for S6): 1 slot, the producer re-allocates
 * it as soon as the consumer frees it. S6 = consumer frees before reading. ---- */
static void handoff_producer(void *arg)
{
	slab_ctx *c = arg;
	shmprim_slot_handle h = alloc_ok(c->fx);

	payload_write(slab_data(c->fx, h), SLOT_SIZE, 0x11);
	mc_assert_eq(slab_mark_in_flight(c->fx, h), SHMPRIM_OK);
	ring_push_wait(&c->ring->producer, pack(h));
	h = slab_alloc_wait(c->fx);
	payload_write(slab_data(c->fx, h), SLOT_SIZE, 0x22);
	c->got[mc_self()][0] = h;
}

static void handoff_consumer(void *arg)
{
	slab_ctx *c = arg;
	shmprim_slot_handle h = unpack(ring_pop_wait(&c->ring->consumer));
	void *d = slab_data(c->fx, h);

	mc_assert(d != NULL);
	mc_assert(payload_is(d, SLOT_SIZE, 0x11));
	mc_assert_eq(slab_free(c->fx, h), SHMPRIM_OK);
}

/* S6: the slot goes back before the payload is read (d was looked up first). */
static void handoff_consumer_free_first(void *arg)
{
	slab_ctx *c = arg;
	shmprim_slot_handle h = unpack(ring_pop_wait(&c->ring->consumer));
	void *d = slab_data(c->fx, h);

	mc_assert(d != NULL);
	mc_assert_eq(slab_free(c->fx, h), SHMPRIM_OK);
	mc_assert(payload_is(d, SLOT_SIZE, 0x11));
}

static void handoff(const scenario_arg *sa, void (*consumer)(void *))
{
	slab_ctx *c = ctx_new(sa, 1);
	int tp, tc;

	c->ring = ring_fx_new(sa->form, 1);
	tp = mc_spawn(handoff_producer, c);
	tc = mc_spawn(consumer, c);
	mc_join(tp);
	mc_join(tc);
	mc_assert(payload_is(slab_data(c->fx, c->got[tp][0]), SLOT_SIZE, 0x22));
	slab_check_quiescent(c->fx, 0);
}

static void slab_handoff(void *arg)
{
	handoff(arg, handoff_consumer);
}

static void slab_handoff_free_first(void *arg)
{
	handoff(arg, handoff_consumer_free_first);
}

/* ---- loom 6: 3 slots; T1 alloc, free; T2 allocs two, frees them in reverse ---- */
static void aba_one(void *arg)
{
	slab_ctx *c = arg;
	shmprim_slot_handle h = alloc_ok(c->fx);

	own(c->fx, h, me());
	mc_assert_eq(slab_free_allocated(c->fx, h), SHMPRIM_OK);
}

static void aba_two(void *arg)
{
	slab_ctx *c = arg;
	shmprim_slot_handle a = alloc_ok(c->fx), b = alloc_ok(c->fx);

	own(c->fx, a, me());
	own(c->fx, b, me());
	mc_assert_eq(slab_free_allocated(c->fx, b), SHMPRIM_OK);
	mc_assert_eq(slab_free_allocated(c->fx, a), SHMPRIM_OK);
}

static void slab_aba_stress(void *arg)
{
	slab_ctx *c = ctx_new(arg, 3);

	spawn2(aba_one, aba_two, c);
	slab_check_quiescent(c->fx, 3);
}

/* ---- S1: 3 slots; T1 alloc; T2 alloc, alloc, free(first) (1 preemption) ---- */
static void keep_one(void *arg)
{
	slab_ctx *c = arg;
	int t = mc_self();

	c->res[t][0] = slab_alloc(c->fx, &c->got[t][0]);
	if (c->res[t][0] == SHMPRIM_ALLOC_OK)
		own(c->fx, c->got[t][0], me());
}

/* T2: a.alloc x n (a = c->go), then free the first. */
static void alloc_n_free_first(void *arg)
{
	slab_ctx *c = arg;
	int t = mc_self();
	uint32_t i;

	for (i = 0; i < c->go; i++) {
		c->res[t][i] = slab_alloc(c->fx, &c->got[t][i]);
		if (c->res[t][i] == SHMPRIM_ALLOC_OK)
			own(c->fx, c->got[t][i], me());
	}
	mc_assert_eq(c->res[t][0], SHMPRIM_ALLOC_OK);
	mc_assert_eq(slab_free_allocated(c->fx, c->got[t][0]), SHMPRIM_OK);
}

static void aba_check(slab_ctx *c, uint32_t n)
{
	uint32_t ok = 0, i;

	ok += c->res[1][0] == SHMPRIM_ALLOC_OK;
	if (c->res[1][0] == SHMPRIM_ALLOC_OK)
		mc_assert(payload_is(slab_data(c->fx, c->got[1][0]), SLOT_SIZE, 0x11));
	for (i = 1; i < n; i++)
		if (c->res[2][i] == SHMPRIM_ALLOC_OK) {
			ok++;
			mc_assert(payload_is(slab_data(c->fx, c->got[2][i]), SLOT_SIZE, 0x21));
		}
	slab_check_quiescent(c->fx, c->fx->slot_count - ok);
}

/* a = allocations by T2 (2: the notes' S1 shape; 3: an even number of head
 * changes, so a 1-bit tag (S8) comes back to the value T1 read) */
static void slab_aba_preempt(void *arg)
{
	const scenario_arg *sa = arg;
	slab_ctx *c = ctx_new(sa, 3);
	int t1, t2;

	c->go = sa->sc->a;
	t1 = mc_spawn(keep_one, c);
	t2 = mc_spawn(alloc_n_free_first, c);
	mc_join(t1);
	mc_join(t2);
	aba_check(c, sa->sc->a);
}

/* ---- loom 7: one thread, one slot: generations 1, 2, 3, 4 ---- */
static void slab_generation_rounds(void *arg)
{
	slab_ctx *c = ctx_new(arg, 1);
	uint32_t i;

	for (i = 1; i <= 4; i++) {
		shmprim_slot_handle h = alloc_ok(c->fx);

		mc_assert_eq(h.index, 0);
		mc_assert_eq(h.generation, i);
		mc_assert_eq(slab_free_allocated(c->fx, h), SHMPRIM_OK);
	}
	slab_check_quiescent(c->fx, 1);
}

/* ---- S7: a stale handle, one thread: refused once the slot is re-allocated ---- */
static void slab_stale_handle_sequential(void *arg)
{
	slab_ctx *c = ctx_new(arg, 1);
	shmprim_slot_handle h = alloc_ok(c->fx), h2;

	mc_assert_eq(slab_free_allocated(c->fx, h), SHMPRIM_OK);
	h2 = alloc_ok(c->fx);
	mc_assert(h2.generation != h.generation);
	mc_assert_eq(slab_free_allocated(c->fx, h), SHMPRIM_ERR_GENERATION_MISMATCH);
	mc_assert_eq(slab_mark_in_flight(c->fx, h), SHMPRIM_ERR_GENERATION_MISMATCH);
	mc_assert(slab_data(c->fx, h) == NULL);
	mc_assert_eq(slab_free_allocated(c->fx, h2), SHMPRIM_OK);
	slab_check_quiescent(c->fx, 1);
}

/* ---- loom 9: 2 slots, one held by main; T1 allocs 3 times then frees what it
 * got; T2 frees main's ---- */
static void exhaust(void *arg)
{
	slab_ctx *c = arg;
	int t = mc_self(), i;

	for (i = 0; i < 3; i++) {
		c->res[t][i] = slab_alloc(c->fx, &c->got[t][i]);
		if (c->res[t][i] == SHMPRIM_ALLOC_OK)
			own(c->fx, c->got[t][i], me());
		else
			mc_assert_eq(c->res[t][i], SHMPRIM_ALLOC_WOULD_BLOCK);
	}
	for (i = 0; i < 3; i++)
		if (c->res[t][i] == SHMPRIM_ALLOC_OK)
			mc_assert_eq(slab_free_allocated(c->fx, c->got[t][i]), SHMPRIM_OK);
}

static void free_main_handle(void *arg)
{
	slab_ctx *c = arg;

	mc_assert_eq(slab_free_allocated(c->fx, c->h[0]), SHMPRIM_OK);
}

static void slab_exhaust_while_freeing(void *arg)
{
	slab_ctx *c = ctx_new(arg, 2);

	c->h[0] = alloc_ok(c->fx);
	spawn2(exhaust, free_main_handle, c);
	slab_check_quiescent(c->fx, 2);
}

/* ---- loom 10/17, 11, and S5: two threads race one transition on the same
 * handle; exactly one wins, the other is told the state moved ---- */
static void race_mark(void *arg)
{
	slab_ctx *c = arg;

	c->st[mc_self()][0] = slab_mark_in_flight(c->fx, c->h[0]);
}

static void race_free(void *arg)
{
	slab_ctx *c = arg;

	c->st[mc_self()][0] = slab_free(c->fx, c->h[0]);
}

static void race_free_allocated(void *arg)
{
	slab_ctx *c = arg;

	c->st[mc_self()][0] = slab_free_allocated(c->fx, c->h[0]);
}

static void one_winner(slab_ctx *c)
{
	shmprim_status a = c->st[1][0], b = c->st[2][0];

	mc_assert((a == SHMPRIM_OK) != (b == SHMPRIM_OK));
	mc_assert_eq(a == SHMPRIM_OK ? b : a, SHMPRIM_ERR_INVALID_STATE);
}

static void slab_mark_in_flight_race(void *arg)
{
	slab_ctx *c = ctx_new(arg, 4);

	c->h[0] = alloc_ok(c->fx);
	spawn2(race_mark, race_mark, c);
	one_winner(c);
	slab_check_quiescent(c->fx, 3);
}

static void slab_free_race(void *arg)
{
	slab_ctx *c = ctx_new(arg, 4);

	c->h[0] = alloc_ok(c->fx);
	mc_assert_eq(slab_mark_in_flight(c->fx, c->h[0]), SHMPRIM_OK);
	spawn2(race_free, race_free, c);
	one_winner(c);
	slab_check_quiescent(c->fx, 4);
}

static void slab_double_free_allocated(void *arg)
{
	slab_ctx *c = ctx_new(arg, 2);

	c->h[0] = alloc_ok(c->fx);
	spawn2(race_free_allocated, race_free_allocated, c);
	one_winner(c);
	slab_check_quiescent(c->fx, 2);
}

/* ---- F2 / S2: a popper reads the link of a slot that another thread pops
 * and pushes back at the same time (1 slot). The link is a relaxed atomic:
 * the popper's CAS fails on the moved tag and no race may be reported. ---- */
static void pop_push_back(void *arg)
{
	slab_ctx *c = arg;
	shmprim_slot_handle h;

	if (slab_alloc(c->fx, &h) == SHMPRIM_ALLOC_OK) {
		own(c->fx, h, me());
		mc_assert_eq(slab_free_allocated(c->fx, h), SHMPRIM_OK);
	}
}

static void slab_relink_race(void *arg)
{
	slab_ctx *c = ctx_new(arg, 1);
	int t1, t2;

	t1 = mc_spawn(keep_one, c);
	t2 = mc_spawn(pop_push_back, c);
	mc_join(t1);
	mc_join(t2);
	slab_check_quiescent(c->fx, c->res[t1][0] == SHMPRIM_ALLOC_OK ? 0 : 1);
}

/* ---- S3 / S4: both slots held by main; T1 writes slot 0 and frees it; T2
 * allocs twice: whatever it gets must be slot 0 with T1's bytes (the free
 * publishes them, the alloc acquires them). ---- */
static void write_and_free(void *arg)
{
	slab_ctx *c = arg;

	payload_write(slab_data(c->fx, c->h[0]), SLOT_SIZE, 0x11);
	mc_assert_eq(slab_free_allocated(c->fx, c->h[0]), SHMPRIM_OK);
}

static void alloc_twice_check(void *arg)
{
	slab_ctx *c = arg;
	int t = mc_self(), i;

	for (i = 0; i < 2; i++) {
		c->res[t][i] = slab_alloc(c->fx, &c->got[t][i]);
		if (c->res[t][i] == SHMPRIM_ALLOC_OK) {
			void *d = slab_data(c->fx, c->got[t][i]);

			mc_assert_eq(c->got[t][i].index, 0);
			mc_assert(d != NULL);
			mc_assert(payload_is(d, SLOT_SIZE, 0x11));
			payload_write(d, SLOT_SIZE, 0x22);
		} else {
			mc_assert_eq(c->res[t][i], SHMPRIM_ALLOC_WOULD_BLOCK);
		}
	}
}

static void slab_publish_payload(void *arg)
{
	slab_ctx *c = ctx_new(arg, 2);
	int t1, t2, ok;

	c->h[0] = alloc_ok(c->fx);
	c->h[1] = alloc_ok(c->fx);
	t1 = mc_spawn(write_and_free, c);
	t2 = mc_spawn(alloc_twice_check, c);
	mc_join(t1);
	mc_join(t2);
	ok = (c->res[t2][0] == SHMPRIM_ALLOC_OK) + (c->res[t2][1] == SHMPRIM_ALLOC_OK);
	mc_assert(ok <= 1);
	slab_check_quiescent(c->fx, ok ? 0 : 1);
}

/* ---- a second handle, attached in another thread as another process would ---- */
static void attached_user(void *arg)
{
	slab_ctx *c = arg;
	slab_fx *mine = slab_fx_attach(c->fx);
	shmprim_slot_handle h = alloc_ok(mine);

	own(mine, h, me());
	mc_assert_eq(slab_free_allocated(mine, h), SHMPRIM_OK);
}

static void slab_attach_second_handle(void *arg)
{
	slab_ctx *c = ctx_new(arg, 2);

	spawn2(alloc_once_free, attached_user, c);
	slab_check_quiescent(c->fx, 2);
}

/* ---- F3, three threads: T3 gets A's and B's bytes through the free list ---- */
static void free_b(void *arg)
{
	slab_ctx *c = arg;

	payload_write(slab_data(c->fx, c->h[1]), SLOT_SIZE, 0xBB);
	mc_assert_eq(slab_free_allocated(c->fx, c->h[1]), SHMPRIM_OK);
}

static void free_a(void *arg)
{
	slab_ctx *c = arg;

	payload_write(slab_data(c->fx, c->h[0]), SLOT_SIZE, 0xAA);
	mc_assert_eq(slab_free_allocated(c->fx, c->h[0]), SHMPRIM_OK);
}

static void alloc_both_read(void *arg)
{
	slab_ctx *c = arg;
	int i;

	for (i = 0; i < 2; i++) {
		shmprim_slot_handle h = slab_alloc_wait(c->fx);

		mc_assert(payload_is(slab_data(c->fx, h), SLOT_SIZE, h.index == 0 ? 0xAA : 0xBB));
	}
}

static void slab_release_sequence_3t(void *arg)
{
	slab_ctx *c = ctx_new(arg, 2);
	int a, b, d;

	c->h[0] = alloc_ok(c->fx);
	c->h[1] = alloc_ok(c->fx);
	a = mc_spawn(free_b, c);
	b = mc_spawn(free_a, c);
	d = mc_spawn(alloc_both_read, c);
	mc_join(a);
	mc_join(b);
	mc_join(d);
	slab_check_quiescent(c->fx, 0);
}

/* ---- three threads, one holding a stale handle across re-allocation ---- */
static void free_then_realloc(void *arg)
{
	slab_ctx *c = arg;
	int t = mc_self();

	mc_assert_eq(slab_free_allocated(c->fx, c->h[0]), SHMPRIM_OK);
	sp_store_release_u32(&c->go, 1); /* h[0] is stale from here on */
	c->got[t][0] = slab_alloc_wait(c->fx);
	own(c->fx, c->got[t][0], me());
}

static void churn(void *arg)
{
	slab_ctx *c = arg;
	shmprim_slot_handle h = slab_alloc_wait(c->fx);

	own(c->fx, h, me());
	mc_assert_eq(slab_free_allocated(c->fx, h), SHMPRIM_OK);
}

static void use_stale(void *arg)
{
	slab_ctx *c = arg;
	shmprim_status st;

	while (sp_load_acquire_u32(&c->go) == 0)
		sp_spin_hint();
	st = slab_free_allocated(c->fx, c->h[0]);
	mc_assert(st == SHMPRIM_ERR_GENERATION_MISMATCH || st == SHMPRIM_ERR_INVALID_STATE);
	st = slab_mark_in_flight(c->fx, c->h[0]);
	mc_assert(st == SHMPRIM_ERR_GENERATION_MISMATCH || st == SHMPRIM_ERR_INVALID_STATE);
	mc_assert(slab_data(c->fx, c->h[0]) == NULL);
}

static void slab_stale_handle_3t(void *arg)
{
	slab_ctx *c = ctx_new(arg, 2);
	int a, b, d;

	c->h[0] = alloc_ok(c->fx);
	a = mc_spawn(free_then_realloc, c);
	b = mc_spawn(churn, c);
	d = mc_spawn(use_stale, c);
	mc_join(a);
	mc_join(b);
	mc_join(d);
	/* the re-allocating owner still holds its slot, intact */
	mc_assert(payload_is(slab_data(c->fx, c->got[a][0]), SLOT_SIZE, (unsigned char)(0x10 * a + 1)));
	slab_check_quiescent(c->fx, 1);
}

/* ---- S1': three threads x (alloc, write, check, free), 2 slots ---- */
static void alloc_use_free(void *arg)
{
	slab_ctx *c = arg;
	shmprim_slot_handle h;

	if (slab_alloc(c->fx, &h) != SHMPRIM_ALLOC_OK)
		return;
	own(c->fx, h, me());
	mc_assert_eq(slab_free_allocated(c->fx, h), SHMPRIM_OK);
}

static void slab_aba_3t(void *arg)
{
	slab_ctx *c = ctx_new(arg, 2);
	int t[3], i;

	for (i = 0; i < 3; i++)
		t[i] = mc_spawn(alloc_use_free, c);
	for (i = 0; i < 3; i++)
		mc_join(t[i]);
	slab_check_quiescent(c->fx, 2);
}

/* ---- crash recovery: a live owner reclaims the slot of a dead one while
 * another live owner allocates and frees (beyond the brief's list: reclaim is
 * the most intricate protocol in the slab) ---- */
static slab_fx *with_owner(slab_fx *fx, uint32_t owner)
{
	slab_fx *h = slab_fx_attach(fx);

	mc_assert_eq(h->form == FX_REGION ? shmprim_slab_set_owner(&h->region_slab, owner)
	                                  : shmprim_slab_raw_set_owner(&h->raw_slab, owner),
	             SHMPRIM_OK);
	return h;
}

/* reclaim(dead) through h's form */
static shmprim_status fx_reclaim(slab_fx *h, uint32_t dead, shmprim_reclaim_report *r)
{
	return h->form == FX_REGION ? shmprim_slab_reclaim(&h->region_slab, dead, 0, r)
	                            : shmprim_slab_raw_reclaim(&h->raw_slab, dead, 0, r);
}

static void reclaim_dead(void *arg)
{
	slab_ctx *c = arg;
	slab_fx *h = with_owner(c->fx, 2);
	shmprim_reclaim_report r;
	shmprim_status st;

	memset(&r, 0, sizeof(r));
	st = fx_reclaim(h, 1, &r);
	mc_assert_eq(st, SHMPRIM_OK);
	mc_assert_eq(r.allocated, 1);
	/* the live allocator may lose a slot it has popped but not yet marked
	 * ALLOCATED: reclaim takes it back as an orphan and the allocator retries */
	mc_assert(r.orphans <= 1);
	mc_assert_eq(r.freeing, 0);
	mc_assert_eq(r.corrupt, 0);
	mc_assert_eq(r.reclaimed, r.allocated + r.orphans);
}

static void live_user(void *arg)
{
	slab_ctx *c = arg;
	slab_fx *h = with_owner(c->fx, 3);
	shmprim_slot_handle s;
	shmprim_alloc_result res = slab_alloc(h, &s);

	if (res == SHMPRIM_ALLOC_OK) {
		own(h, s, me());
		mc_assert_eq(slab_free_allocated(h, s), SHMPRIM_OK);
	} else {
		mc_assert_eq(res, SHMPRIM_ALLOC_WOULD_BLOCK); /* the list is detached while reclaim runs */
	}
}

static void slab_reclaim_vs_live(void *arg)
{
	slab_ctx *c = ctx_new(arg, 2);
	slab_fx *dead = with_owner(c->fx, 1);

	c->h[0] = alloc_ok(dead); /* owner 1 dies holding it */
	spawn2(reclaim_dead, live_user, c);
	slab_check_quiescent(c->fx, 2);
}

/* A process that dies right after its pop (A2), before A3: the CAS on the
 * head and nothing else, as the library's pop does it. Sequential callers. */
static void pop_and_die(slab_fx *fx)
{
	uint64_t old = sp_load_acquire_u64(&fx->header->free_head);
	uint32_t top = (uint32_t)old;
	uint32_t next;

	mc_assert(top < fx->slot_count);
	next = sp_load_relaxed_u32(&fx->meta[top].next_free);
	mc_assert(sp_cas_u64(&fx->header->free_head, &old, ((uint64_t)((uint32_t)(old >> 32) + 1u) << 32) | next,
	                     SP_ACQUIRE, SP_ACQUIRE));
}

static void reclaim_popped(void *arg)
{
	slab_ctx *c = arg;
	slab_fx *h = with_owner(c->fx, 3);
	shmprim_reclaim_report r;

	memset(&r, 0, sizeof(r));
	mc_assert_eq(fx_reclaim(h, 1, &r), SHMPRIM_OK);
	/* the popped slot, whose last freer (owner 2) is alive: an orphan all the
	 * same, since its free was finished (F3) before the pop */
	mc_assert_eq(r.orphans, 1);
	mc_assert_eq(r.allocated, 0);
	mc_assert_eq(r.freeing, 0);
	mc_assert(r.busy <= 1); /* owner 2's free of the other slot, if caught mid-way */
	mc_assert_eq(r.reclaimed, 1);
}

static void free_second(void *arg)
{
	slab_ctx *c = arg;

	mc_assert_eq(slab_free_allocated(c->live, c->h[1]), SHMPRIM_OK);
}

/* Owner 2 frees a slot; owner 1 pops it and dies before allocating it; owner
 * 3 reclaims owner 1 while owner 2 frees its other slot. The popped slot must
 * come back although its last freer is alive (S14: a free left FREEING on the
 * list would make it look like owner 2's free in progress, never taken). */
static void slab_reclaim_popped_orphan(void *arg)
{
	slab_ctx *c = ctx_new(arg, 2);

	c->live = with_owner(c->fx, 2);
	c->h[0] = alloc_ok(c->live);
	c->h[1] = alloc_ok(c->live);
	mc_assert_eq(slab_free_allocated(c->live, c->h[0]), SHMPRIM_OK);
	pop_and_die(c->fx); /* owner 1 */
	spawn2(reclaim_popped, free_second, c);
	slab_check_quiescent(c->fx, 2);
}

/* ---- the reclaim lock's takeover (reclaim_dead): owner 1 took the lock,
 * detached the list and died holding a slot. Two live reclaimers (owners 2, 3)
 * race to take the lock over from it; a fake liveness says 1 is dead and
 * everyone else alive. Exactly one takes it over, from 1; the other finds a
 * live holder (CONTENDED) or comes after and finds nothing left. S15 (a lock
 * taken from any holder) lets the second steal it from the first mid-way:
 * two reclaims at once take the orphan twice. ---- */
static shmprim_liveness only_1_dead(uint32_t owner, void *arg)
{
	(void)arg;
	return owner == 1 ? SHMPRIM_DEAD : SHMPRIM_ALIVE;
}

static void takeover_reclaimer(void *arg)
{
	slab_ctx *c = arg;
	int t = mc_self();
	slab_fx *h = with_owner(c->fx, (uint32_t)t + 1u);
	shmprim_slab_dead_report r;
	shmprim_status st = h->form == FX_REGION
	                    ? shmprim_slab_reclaim_dead(&h->region_slab, 0, only_1_dead, NULL, &r)
	                    : shmprim_slab_raw_reclaim_dead(&h->raw_slab, 0, only_1_dead, NULL, &r);

	mc_assert(st == SHMPRIM_OK || st == SHMPRIM_ERR_CONTENDED);
	mc_assert(r.lock_taken_from == 0 || r.lock_taken_from == 1); /* never from a live reclaimer */
	mc_assert_eq(r.total.corrupt, 0);
	mc_assert_eq(r.total.busy, 0);
	c->taken_from[t] = r.lock_taken_from;
	c->reclaimed[t] = r.total.reclaimed;
}

static void slab_reclaim_lock_takeover(void *arg)
{
	slab_ctx *c = ctx_new(arg, 2);
	slab_fx *dead = with_owner(c->fx, 1);
	uint64_t head;
	int a, b;

	c->h[0] = alloc_ok(dead);
	/* owner 1's reclaim: R1 (lock), R2 (detach the one listed slot), then death */
	sp_store_relaxed_u32(&c->fx->header->reclaim_lock, 1);
	head = sp_load_relaxed_u64(&c->fx->header->free_head);
	sp_store_relaxed_u64(&c->fx->header->free_head,
	                     ((uint64_t)((uint32_t)(head >> 32) + 1u) << 32) | SHMPRIM_SLAB_END);
	a = mc_spawn(takeover_reclaimer, c);
	b = mc_spawn(takeover_reclaimer, c);
	mc_join(a);
	mc_join(b);
	mc_assert_eq((c->taken_from[a] == 1) + (c->taken_from[b] == 1), 1);
	mc_assert_eq(c->reclaimed[a] + c->reclaimed[b], 2); /* owner 1's slot and the orphan */
	mc_assert_eq(sp_load_relaxed_u32(&c->fx->header->reclaim_lock), 0);
	slab_check_quiescent(c->fx, 2);
}

/* ---- the per-handle cache (set_cache): cached slots are FREE|FREEING|owner
 * off the list, taken back by K1 and given back by K2 + push (src/slab_cache.c; the labels: src/slab.c).
 * Every scenario flushes the caches after the joins and checks, besides the
 * list, that no slot is left FREE off the list (the audit's counts). ---- */
static void fx_set_cache(slab_fx *fx, uint32_t n)
{
	mc_assert_eq(fx->form == FX_REGION ? shmprim_slab_set_cache(&fx->region_slab, n)
	                                   : shmprim_slab_raw_set_cache(&fx->raw_slab, n),
	             SHMPRIM_OK);
}

static shmprim_status fx_flush(slab_fx *fx)
{
	return fx->form == FX_REGION ? shmprim_slab_flush_cache(&fx->region_slab)
	                             : shmprim_slab_raw_flush_cache(&fx->raw_slab);
}

static shmprim_slab_raw *fx_raw(slab_fx *fx)
{
	return fx->form == FX_REGION ? &fx->region_slab.raw : &fx->raw_slab;
}

/* A copy of the handle by value, cache included (what a fork or a struct
 * copy makes). */
static slab_fx *fx_copy(const slab_fx *fx)
{
	slab_fx *b = mc_alloc(sizeof(*b), 8);

	*b = *fx;
	return b;
}

static void cache_check_quiescent(slab_fx *fx, uint32_t expected_free)
{
	shmprim_slab_audit_report a;

	slab_check_quiescent(fx, expected_free);
	shmprim_slab_raw_audit(fx_raw(fx), &a);
	mc_assert(a.list_ok);
	mc_assert_eq(a.on_free_list, expected_free);
	mc_assert_eq(a.free_off_list, 0);
	mc_assert_eq(a.freeing_off_list, 0);
	mc_assert_eq(a.allocated + a.in_flight, fx->slot_count - expected_free);
}

/* 1. A slot sits in h[0]'s cache (h = c->h[0], stale from the free on). T1
 * takes it from the cache (K1), writes, frees it back into the cache; T2 uses
 * the stale handle through another handle: every call is refused. */
static void cache_owner_cycle(void *arg)
{
	slab_ctx *c = arg;
	shmprim_slot_handle h = alloc_ok(c->fx);

	mc_assert_eq(h.index, c->h[0].index);
	mc_assert_eq(h.generation, c->h[0].generation + 1);
	own(c->fx, h, me());
	mc_assert_eq(slab_free_allocated(c->fx, h), SHMPRIM_OK);
}

static void cache_stale_user(void *arg)
{
	slab_ctx *c = arg;
	slab_fx *other = slab_fx_attach(c->fx);
	shmprim_status st;

	st = slab_free_allocated(other, c->h[0]);
	mc_assert(st == SHMPRIM_ERR_INVALID_STATE || st == SHMPRIM_ERR_GENERATION_MISMATCH);
	st = slab_mark_in_flight(other, c->h[0]);
	mc_assert(st == SHMPRIM_ERR_INVALID_STATE || st == SHMPRIM_ERR_GENERATION_MISMATCH);
	mc_assert(slab_data(other, c->h[0]) == NULL);
}

static void slab_cache_vs_stale_free(void *arg)
{
	slab_ctx *c = ctx_new(arg, 2);

	fx_set_cache(c->fx, 2);
	c->h[0] = alloc_ok(c->fx);
	mc_assert_eq(slab_free_allocated(c->fx, c->h[0]), SHMPRIM_OK); /* cached */
	spawn2(cache_owner_cycle, cache_stale_user, c);
	mc_assert_eq(fx_raw(c->fx)->cache_len, 1);
	mc_assert_eq(fx_flush(c->fx), SHMPRIM_OK);
	mc_assert_eq(slab_generation(c->fx, c->h[0].index), c->h[0].generation + 2); /* K1 once, K2 once */
	cache_check_quiescent(c->fx, 2);
}

/* 2. One slot, cached in a handle that was then copied: T1 allocates through
 * one copy and T2 through the other. Exactly one gets it (K1 is a CAS); the
 * other drops its entry and finds the list empty. S9 (a load, then a store)
 * gives the slot to both. */
static void cache_copy_alloc(void *arg)
{
	slab_ctx *c = arg;
	int t = mc_self();
	slab_fx *mine = t == 1 ? c->fx : (slab_fx *)c->ring; /* the copy rides in c->ring */

	c->res[t][0] = slab_alloc(mine, &c->got[t][0]);
	if (c->res[t][0] == SHMPRIM_ALLOC_OK) {
		own(mine, c->got[t][0], me());
		mc_assert_eq(slab_free_allocated(mine, c->got[t][0]), SHMPRIM_OK); /* into this copy's cache */
	} else {
		mc_assert_eq(c->res[t][0], SHMPRIM_ALLOC_WOULD_BLOCK);
	}
	mc_assert_eq(fx_raw(mine)->cache_len, c->res[t][0] == SHMPRIM_ALLOC_OK ? 1u : 0u);
}

static void slab_cache_copied_race(void *arg)
{
	slab_ctx *c = ctx_new(arg, 1);
	shmprim_slot_handle h;
	slab_fx *copy;

	fx_set_cache(c->fx, 2);
	h = alloc_ok(c->fx);
	mc_assert_eq(slab_free_allocated(c->fx, h), SHMPRIM_OK);
	copy = fx_copy(c->fx);
	c->ring = (ring_fx *)(void *)copy;
	spawn2(cache_copy_alloc, cache_copy_alloc, c);
	mc_assert((c->res[1][0] == SHMPRIM_ALLOC_OK) != (c->res[2][0] == SHMPRIM_ALLOC_OK));
	mc_assert_eq(fx_flush(c->fx), SHMPRIM_OK);
	mc_assert_eq(fx_flush(copy), SHMPRIM_OK);
	mc_assert_eq(fx_raw(c->fx)->cache_returned + fx_raw(copy)->cache_returned, 1); /* pushed once */
	cache_check_quiescent(c->fx, 1);
}

/* 3. Flush vs a concurrent pop: both slots sit in T1's cache (main wrote
 * 0x33 into them); T1 takes one, writes 0x11, frees it, flushes both; T2
 * waits for slots on another handle and must see the bytes of whoever freed
 * each one (K2 + the push publish them). */
static void cache_use_then_flush(void *arg)
{
	slab_ctx *c = arg;
	shmprim_slot_handle h = alloc_ok(c->fx);

	c->got[mc_self()][0] = h;
	payload_write(slab_data(c->fx, h), SLOT_SIZE, 0x11);
	mc_assert_eq(slab_free_allocated(c->fx, h), SHMPRIM_OK);
	mc_assert_eq(fx_flush(c->fx), SHMPRIM_OK);
}

static void cache_pop_both(void *arg)
{
	slab_ctx *c = arg;
	slab_fx *other = slab_fx_attach(c->fx);
	int i;

	for (i = 0; i < 2; i++) {
		shmprim_slot_handle h = slab_alloc_wait(other);

		c->got[mc_self()][i] = h;
		mc_assert(payload_is(slab_data(other, h), SLOT_SIZE, h.index == c->h[1].index ? 0x11 : 0x33));
	}
}

static void slab_cache_flush_vs_pop(void *arg)
{
	slab_ctx *c = ctx_new(arg, 2);
	int i, t1, t2;

	fx_set_cache(c->fx, 2);
	for (i = 0; i < 2; i++) {
		c->h[i] = alloc_ok(c->fx);
		payload_write(slab_data(c->fx, c->h[i]), SLOT_SIZE, 0x33);
	}
	for (i = 0; i < 2; i++)
		mc_assert_eq(slab_free_allocated(c->fx, c->h[i]), SHMPRIM_OK);
	/* T1 will take the newest (h[1]) back from its cache */
	t1 = mc_spawn(cache_use_then_flush, c);
	t2 = mc_spawn(cache_pop_both, c);
	mc_join(t1);
	mc_join(t2);
	mc_assert_eq(c->got[t1][0].index, c->h[1].index);
	mc_assert(c->got[t2][0].index != c->got[t2][1].index);
	mc_assert_eq(fx_raw(c->fx)->cache_returned, 2);
	cache_check_quiescent(c->fx, 0);
}

/* 4. A copy flushes while the other copy allocates the same cached slot: K2
 * and K1 race; whoever loses drops the entry. S10 (give back after a plain
 * check) pushes the slot the other copy has just allocated. */
static void cache_copy_flush(void *arg)
{
	slab_ctx *c = arg;

	c->st[mc_self()][0] = fx_flush(c->fx);
}

static void cache_copy_take(void *arg)
{
	slab_ctx *c = arg;
	slab_fx *copy = (slab_fx *)(void *)c->ring;
	int t = mc_self();

	c->res[t][0] = slab_alloc(copy, &c->got[t][0]);
	if (c->res[t][0] == SHMPRIM_ALLOC_OK)
		own(copy, c->got[t][0], me());
	else
		mc_assert_eq(c->res[t][0], SHMPRIM_ALLOC_WOULD_BLOCK);
}

static void slab_cache_copy_flush_vs_alloc(void *arg)
{
	slab_ctx *c = ctx_new(arg, 1);
	shmprim_slot_handle h;
	slab_fx *copy;
	int t1, t2;

	fx_set_cache(c->fx, 2);
	h = alloc_ok(c->fx);
	mc_assert_eq(slab_free_allocated(c->fx, h), SHMPRIM_OK);
	copy = fx_copy(c->fx);
	c->ring = (ring_fx *)(void *)copy;
	t1 = mc_spawn(cache_copy_flush, c);
	t2 = mc_spawn(cache_copy_take, c);
	mc_join(t1);
	mc_join(t2);
	mc_assert_eq(c->st[t1][0], SHMPRIM_OK);
	if (c->res[t2][0] == SHMPRIM_ALLOC_OK) {
		mc_assert(payload_is(slab_data(copy, c->got[t2][0]), SLOT_SIZE, me_of(t2)));
		cache_check_quiescent(c->fx, 0);
		mc_assert_eq(slab_free_allocated(copy, c->got[t2][0]), SHMPRIM_OK);
		mc_assert_eq(fx_flush(copy), SHMPRIM_OK);
	}
	cache_check_quiescent(c->fx, 1);
}

/* 5. Owner 1 died holding one slot allocated and one in its cache; owner 2
 * reclaims it while owner 3 (cache of 1) allocates, frees into its cache,
 * allocates again and frees, and flushes. The reclaim returns exactly the dead
 * one's two (the cached one as `freeing`), may take a slot owner 3 popped but
 * had not allocated (an orphan), and never owner 3's cached slot (busy). */
static void cache_reclaim_dead(void *arg)
{
	slab_ctx *c = arg;
	slab_fx *h = with_owner(c->fx, 2);
	shmprim_reclaim_report r;
	shmprim_status st;

	memset(&r, 0, sizeof(r));
	st = fx_reclaim(h, 1, &r);
	mc_assert_eq(st, SHMPRIM_OK);
	mc_assert_eq(r.allocated, 1);
	mc_assert_eq(r.freeing, 1);
	mc_assert(r.orphans <= 1);
	mc_assert(r.busy <= 1);
	mc_assert_eq(r.corrupt, 0);
	mc_assert_eq(r.reclaimed, r.allocated + r.freeing + r.orphans);
}

static void cache_live_user(void *arg)
{
	slab_ctx *c = arg;
	slab_fx *h = with_owner(c->fx, 3);
	int i;

	fx_set_cache(h, 1);
	for (i = 0; i < 2; i++) {
		shmprim_slot_handle s;
		shmprim_alloc_result res = slab_alloc(h, &s);

		if (res == SHMPRIM_ALLOC_OK) {
			own(h, s, me());
			mc_assert_eq(slab_free_allocated(h, s), SHMPRIM_OK);
		} else {
			mc_assert_eq(res, SHMPRIM_ALLOC_WOULD_BLOCK); /* the list is detached while reclaim runs */
		}
	}
	mc_assert_eq(fx_flush(h), SHMPRIM_OK);
}

static void slab_cache_reclaim_vs_live(void *arg)
{
	slab_ctx *c = ctx_new(arg, 3);
	slab_fx *dead = with_owner(c->fx, 1);
	shmprim_slot_handle gone;

	fx_set_cache(dead, 2);
	c->h[0] = alloc_ok(dead); /* owner 1 dies holding it... */
	gone = alloc_ok(dead);
	mc_assert_eq(slab_free_allocated(dead, gone), SHMPRIM_OK); /* ...and this one in its cache */
	spawn2(cache_reclaim_dead, cache_live_user, c);
	cache_check_quiescent(c->fx, 3);
}

/* ---- adopt (D1) vs a reclaim of the sender with SHMPRIM_RECLAIM_IN_FLIGHT:
 * owner 1 marked a slot in flight and died; owner 2, its receiver, adopts it
 * while owner 3 reclaims owner 1's slots, in-flight ones included. Exactly one
 * of them gets the slot: an adopted slot is owner 2's (the reclaim leaves it,
 * owner 2 writes it and frees it), a reclaimed one is refused to the adopter.
 * Both ways the slab ends with every slot free. ---- */
static void adopt_receiver(void *arg)
{
	slab_ctx *c = arg;
	slab_fx *h = with_owner(c->fx, 2);
	int t = mc_self();

	c->st[t][0] = h->form == FX_REGION ? shmprim_slab_adopt(&h->region_slab, c->h[0])
	                                   : shmprim_slab_raw_adopt(&h->raw_slab, c->h[0], NULL);
	if (c->st[t][0] == SHMPRIM_OK) {
		own(h, c->h[0], me());
		mc_assert_eq(slab_free(h, c->h[0]), SHMPRIM_OK);
	} else {
		/* the reclaim got there first: FREE, or already allocated again by nobody */
		mc_assert(c->st[t][0] == SHMPRIM_ERR_INVALID_STATE || c->st[t][0] == SHMPRIM_ERR_GENERATION_MISMATCH);
	}
}

static void adopt_reclaimer(void *arg)
{
	slab_ctx *c = arg;
	slab_fx *h = with_owner(c->fx, 3);
	shmprim_reclaim_report r;

	memset(&r, 0, sizeof(r));
	mc_assert_eq(h->form == FX_REGION ? shmprim_slab_reclaim(&h->region_slab, 1, SHMPRIM_RECLAIM_IN_FLIGHT, &r)
	                                  : shmprim_slab_raw_reclaim(&h->raw_slab, 1, SHMPRIM_RECLAIM_IN_FLIGHT, &r),
	             SHMPRIM_OK);
	mc_assert_eq(r.orphans, 0);
	mc_assert_eq(r.freeing, 0);
	mc_assert_eq(r.corrupt, 0);
	mc_assert_eq(r.reclaimed, r.allocated);
	c->reclaimed[mc_self()] = r.reclaimed;
}

static void slab_adopt_vs_reclaim(void *arg)
{
	slab_ctx *c = ctx_new(arg, 2);
	slab_fx *dead = with_owner(c->fx, 1);
	int ta, tr;

	c->h[0] = alloc_ok(dead);
	own(dead, c->h[0], 0x01);
	mc_assert_eq(slab_mark_in_flight(dead, c->h[0]), SHMPRIM_OK); /* handed on, then owner 1 dies */
	ta = mc_spawn(adopt_receiver, c);
	tr = mc_spawn(adopt_reclaimer, c);
	mc_join(ta);
	mc_join(tr);
	mc_assert((c->st[ta][0] == SHMPRIM_OK) != (c->reclaimed[tr] == 1));
	slab_check_quiescent(c->fx, 2);
}

/* ---- a scribbled link (A1 again): main holds slots 0 and 1, and the
 * list's only slot, 2, links out of range. T1 allocates on another handle
 * while T2 frees slot 0, linking it to 2 (its link was 1 before). If the head
 * has not moved since T1 read it, the list is corrupt (CORRUPT); if T2's push
 * moved it, T1 retries from the new head and gets slot 0, with the bytes T2
 * wrote before its free, and the head goes back to 2. The second head read
 * must acquire T2's push, or the link read after it may be slot 0's old one
 * (1: a slot main holds), which the pop would install as the head (S16). ---- */
static void scribbled_alloc(void *arg)
{
	slab_ctx *c = arg;
	slab_fx *h = slab_fx_attach(c->fx);
	int t = mc_self();

	c->res[t][0] = slab_alloc(h, &c->got[t][0]);
	if (c->res[t][0] == SHMPRIM_ALLOC_OK) {
		mc_assert_eq(c->got[t][0].index, c->h[0].index);
		mc_assert_eq(c->got[t][0].generation, c->h[0].generation + 1);
		mc_assert(payload_is(slab_data(h, c->got[t][0]), SLOT_SIZE, 0x5A));
	} else {
		mc_assert_eq(c->res[t][0], SHMPRIM_ALLOC_CORRUPT);
	}
}

static void scribbled_free(void *arg)
{
	slab_ctx *c = arg;

	payload_write(slab_data(c->fx, c->h[0]), SLOT_SIZE, 0x5A);
	mc_assert_eq(slab_free_allocated(c->fx, c->h[0]), SHMPRIM_OK);
}

static void slab_scribbled_link(void *arg)
{
	slab_ctx *c = ctx_new(arg, 3);
	int ta, tf;
	uint32_t top;

	c->h[0] = alloc_ok(c->fx); /* slot 0, its link still 1 */
	c->h[1] = alloc_ok(c->fx); /* slot 1; the list is 2 */
	mc_assert_eq(c->h[0].index, 0);
	mc_assert_eq(c->h[1].index, 1);
	sp_store_relaxed_u32(&c->fx->meta[2].next_free, 77); /* a scribbler: out of range */
	ta = mc_spawn(scribbled_alloc, c);
	tf = mc_spawn(scribbled_free, c);
	mc_join(ta);
	mc_join(tf);
	top = (uint32_t)sp_load_relaxed_u64(&c->fx->header->free_head);
	mc_assert_eq(top, c->res[ta][0] == SHMPRIM_ALLOC_OK ? 2u : 0u);
}

/* ---- the cache retires a slot whose last generation it handed out (K1,
 * retiring): slot 0 starts at generation GEN_LAST - 1, is allocated (GEN_LAST)
 * and freed into the cache; then two copies of the handle allocate at once.
 * Neither may get slot 0 (retired, for good), exactly one gets slot 1. ---- */
static void slab_cache_retire(void *arg)
{
	slab_ctx *c = ctx_new(arg, 2);
	shmprim_slot_handle h;
	slab_fx *copy;

	sp_store_relaxed_u64(&c->fx->meta[0].state_gen, (uint64_t)(SHMPRIM_SLAB_GEN_LAST - 1u) << 32 |
	                                                    SHMPRIM_SLOT_FREE);
	fx_set_cache(c->fx, 2);
	h = alloc_ok(c->fx);
	mc_assert_eq(h.index, 0);
	mc_assert_eq(h.generation, SHMPRIM_SLAB_GEN_LAST);
	mc_assert_eq(slab_free_allocated(c->fx, h), SHMPRIM_OK); /* cached */
	copy = fx_copy(c->fx);
	c->ring = (ring_fx *)(void *)copy;
	spawn2(cache_copy_alloc, cache_copy_alloc, c);
	mc_assert((c->res[1][0] == SHMPRIM_ALLOC_OK) != (c->res[2][0] == SHMPRIM_ALLOC_OK));
	mc_assert_eq(c->got[c->res[1][0] == SHMPRIM_ALLOC_OK ? 1 : 2][0].index, 1);
	mc_assert_eq(fx_flush(c->fx), SHMPRIM_OK);
	mc_assert_eq(fx_flush(copy), SHMPRIM_OK);
	mc_assert_eq(slab_generation(c->fx, 0), SHMPRIM_SLAB_GEN_RETIRED);
	mc_assert_eq((uint32_t)sp_load_relaxed_u64(&c->fx->meta[0].state_gen), SHMPRIM_SLOT_ALLOCATED); /* owner 0 */
	cache_check_quiescent(c->fx, 1);
}

/* ---- the give-up paths, at a retry bound of one attempt ----
 * With SHMPRIM_SLAB_RETRY_LIMIT lowered to 1 (mc_retry_limit), a pop or
 * push that loses its CAS once gives up. T1 frees the slot main allocated
 * for it while T2 allocates and frees the other. A free that gives up must
 * have undone itself (F4): the slot is still T1's, holding T1's bytes, and
 * the same handle frees it again. An alloc that gives up took nothing. Each
 * give-up needs the other thread's successful CAS on the head (the CASes are
 * strong), so both loops end. */
static void free_at_bound(void *arg)
{
	slab_ctx *c = arg;
	int t = mc_self();
	shmprim_status st;
	uint32_t gave_up = 0;

	own(c->fx, c->h[0], me());
	while ((st = slab_free_allocated(c->fx, c->h[0])) == SHMPRIM_ERR_CONTENDED) {
		void *d = slab_data(c->fx, c->h[0]); /* NULL unless still ours */

		mc_assert(d != NULL && payload_is(d, SLOT_SIZE, me()));
		mc_assert(++gave_up <= 2); /* T2 moves the head twice at most */
	}
	mc_assert_eq(st, SHMPRIM_OK);
	c->st[t][0] = (shmprim_status)gave_up;
}

static void alloc_free_at_bound(void *arg)
{
	slab_ctx *c = arg;
	int t = mc_self();
	shmprim_alloc_result r;
	shmprim_slot_handle h;
	shmprim_status st;
	uint32_t gave_up = 0;

	while ((r = slab_alloc(c->fx, &h)) == SHMPRIM_ALLOC_CONTENDED)
		mc_assert(++gave_up <= 1); /* T1 pushes once */
	mc_assert_eq(r, SHMPRIM_ALLOC_OK);
	own(c->fx, h, me());
	while ((st = slab_free_allocated(c->fx, h)) == SHMPRIM_ERR_CONTENDED)
		mc_assert(++gave_up <= 1);
	mc_assert_eq(st, SHMPRIM_OK);
	c->st[t][0] = (shmprim_status)gave_up;
}

static uint32_t free_bound_outcomes; /* bit 0: T1 gave up at least once; bit 1: T2 did */

static void slab_free_at_retry_bound(void *arg)
{
	slab_ctx *c = ctx_new(arg, 2);

	mc_retry_limit(1);
	c->h[0] = alloc_ok(c->fx);
	spawn2(free_at_bound, alloc_free_at_bound, c);
	slab_check_quiescent(c->fx, 2);
	free_bound_outcomes |= (c->st[1][0] != 0 ? 1u : 0u) | (c->st[2][0] != 0 ? 2u : 0u);
}

/* Both give-up paths must occur, or the scenario proves nothing about them. */
static void free_bound_reset(void)
{
	free_bound_outcomes = 0;
}

static const char *free_bound_missing(void)
{
	if (!(free_bound_outcomes & 1u))
		return "a free that gave up (F4)";
	if (!(free_bound_outcomes & 2u))
		return "an alloc or free of T2 that gave up";
	return NULL;
}

const scenario slab_scenarios[] = {
	{"slab_concurrent_alloc_free", slab_concurrent_alloc_free, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_no_double_alloc", slab_no_double_alloc, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_single_slot_race", slab_single_slot_race, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_ring_cycle", slab_ring_cycle, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_handoff", slab_handoff, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_aba_stress", slab_aba_stress, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_aba_preempt", slab_aba_preempt, MC_TIER_EXHAUSTIVE, false, 2, 0},
	{"slab_aba_tag_parity", slab_aba_preempt, MC_TIER_EXHAUSTIVE, false, 3, 0},
	{"slab_generation_rounds", slab_generation_rounds, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_stale_handle_sequential", slab_stale_handle_sequential, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_exhaust_while_freeing", slab_exhaust_while_freeing, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_mark_in_flight_race", slab_mark_in_flight_race, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_free_race", slab_free_race, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_double_free_allocated", slab_double_free_allocated, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_relink_race", slab_relink_race, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_publish_payload", slab_publish_payload, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_attach_second_handle", slab_attach_second_handle, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_reclaim_vs_live", slab_reclaim_vs_live, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_reclaim_popped_orphan", slab_reclaim_popped_orphan, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_reclaim_lock_takeover", slab_reclaim_lock_takeover, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_release_sequence_3t", slab_release_sequence_3t, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_cache_vs_stale_free", slab_cache_vs_stale_free, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_cache_copied_race", slab_cache_copied_race, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_cache_flush_vs_pop", slab_cache_flush_vs_pop, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_cache_copy_flush_vs_alloc", slab_cache_copy_flush_vs_alloc, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_cache_reclaim_vs_live", slab_cache_reclaim_vs_live, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_adopt_vs_reclaim", slab_adopt_vs_reclaim, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_scribbled_link", slab_scribbled_link, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_cache_retire", slab_cache_retire, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{"slab_stale_handle_3t", slab_stale_handle_3t, MC_TIER_EXHAUSTIVE, false, 0, 0}, /* spurious=1 fits: 255 977 executions */
	{"slab_aba_3t", slab_aba_3t, MC_TIER_BOUNDED, false, 0, 0},
	{"slab_free_at_retry_bound", slab_free_at_retry_bound, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{NULL, NULL, MC_TIER_EXHAUSTIVE, false, 0, 0},
};

const scenario_reach scenario_reaches[] = {
	{"slab_free_at_retry_bound", free_bound_reset, free_bound_missing},
	{NULL, NULL, NULL},
};

const scenario mutant_only_scenarios[] = {
	/* S6: the consumer frees the slot before reading its payload */
	{"slab_handoff_free_first", slab_handoff_free_first, MC_TIER_EXHAUSTIVE, false, 0, 0},
	{NULL, NULL, MC_TIER_EXHAUSTIVE, false, 0, 0},
};
