/*
 * The readiness fds (src/ready.c) on the real ring and channel code, with the
 * model's bell (backends/model/mc_bell.c, ready_model.h): a ring is an add on
 * the peer end's counter word and a futex wake on it; a side that arm
 * returned EMPTY or FULL sleeps in mc_bell_sleep, as a poll() on its fd
 * would, until a ring it has not drained arrives or its watched peer is
 * gone. A sleeper nobody rings is a lost wake-up (the checker's deadlock
 * report). Each side runs the loop of include/shmprim/ready.h: arm; EMPTY or
 * FULL: sleep, then arm again; OK: do the work, then notify. Each scenario
 * asserts exact values, order and counts after the joins, and the status
 * each loop ended with (END after a close, PEER_DEAD after a death, never a
 * hang).
 */
#include <string.h>

#include <shmprim/channel.h>
#include <shmprim/ready.h>
#include <shmprim/wait.h>
#include <shmprim/static/spsc.h>

#include "model/mc_bell.h"
#include "scenarios.h"

#include "../../src/channel_internal.h"
#include "../../src/spsc_claim.h"

#define CH_DATA 64u                  /* the smallest channel: one 24-byte message fills it */
#define CH_MSG (CH_DATA / 2u - 8u)   /* 24 */
#define MAX_ITEMS 4

typedef struct ready_ctx {
	ring_fx *ring;
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_channel_consumer c;
	int bell[2];                       /* [0] the producer's end, [1] the consumer's */
	int pidfd[MC_MAX_THREADS];         /* what thread t's ready object is given: a model pid, or -1 */
	shmprim_ready r[MC_MAX_THREADS];   /* thread t's, read by main after the joins */
	uint32_t first, items;             /* the producer sends first..items (main sent those before) */
	bool close;                        /* the producer closes after them */
	bool consumer_spins;               /* the consumer spins (then notifies) instead of arming */
	shmprim_status until;              /* the consumer stops at this status (OK: after every item) */
	uint32_t sent, got;
	uint32_t arm_calls[MC_MAX_THREADS];
	uint64_t seen[MAX_ITEMS];
	shmprim_status last[MC_MAX_THREADS];
} ready_ctx;

static shmprim_liveness free_side(shmprim_proc_token t)
{
	(void)t;
	return SHMPRIM_ALIVE; /* never asked: the side is FREE */
}

/* bell_only: the only futex waits are mc_bell_sleep's, which re-checks the
 * count after every return and sleeps again: a spurious return or a timeout
 * there shows nothing a ring's wake does not, so none is explored (futex=0). */
static ready_ctx *ctx_new(uint32_t items, bool bell_only)
{
	ready_ctx *x = mc_alloc(sizeof(*x), 64);
	int i;

	if (bell_only)
		mc_futex_limit(0);
	mc_assert(items <= MAX_ITEMS);
	mc_assert_eq(shmprim_ready_bell_pair(x->bell), SHMPRIM_OK);
	for (i = 0; i < MC_MAX_THREADS; i++)
		x->pidfd[i] = -1;
	x->first = 1;
	x->items = items;
	x->until = SHMPRIM_OK;
	return x;
}

static void ring_names(ready_ctx *x, const scenario_arg *sa, uint32_t capacity)
{
	shmprim_spsc_header *h;

	x->ring = ring_fx_new(sa->form, capacity);
	h = sa->form == FX_REGION ? x->ring->region_ring.raw.header : (shmprim_spsc_header *)x->ring->header;
	mc_name(&h->producer_sleeping, 4, "ring.producer_sleeping");
	mc_name(&h->consumer_sleeping, 4, "ring.consumer_sleeping");
	mc_name(&h->producer_claim, 8, "ring.producer_claim");
	mc_name(&h->consumer_claim, 8, "ring.consumer_claim");
}

/* After the joins: items 1..got arrived in order, and no more than were sent. */
static void check_received(const ready_ctx *x)
{
	uint32_t i;

	mc_assert(x->got <= x->items);
	for (i = 0; i < x->got; i++)
		mc_assert_eq(x->seen[i], i + 1);
}

/* ---- ring ---- */

static void ring_consumer(void *arg)
{
	ready_ctx *x = arg;
	int t = mc_self();
	shmprim_ready *r = &x->r[t];
	shmprim_status st;
	uint64_t v;

	mc_assert_eq(shmprim_spsc_consumer_ready_open(r, &x->ring->consumer, x->bell[1], x->pidfd[t]), SHMPRIM_OK);
	while (x->consumer_spins && x->got < x->items) {
		x->seen[x->got++] = ring_pop_wait(&x->ring->consumer);
		(void)shmprim_ready_notify(r);
	}
	for (st = SHMPRIM_OK; !x->consumer_spins;) {
		x->arm_calls[t]++;
		st = shmprim_spsc_consumer_arm(r);
		if (st == SHMPRIM_ERR_EMPTY) {
			mc_bell_sleep(r->fd, r->pidfd);
			continue;
		}
		if (st != SHMPRIM_OK)
			break;
		while (shmprim_spsc_try_pop(&x->ring->consumer, &v) == SHMPRIM_OK) {
			mc_assert(x->got < x->items);
			x->seen[x->got++] = v;
		}
		(void)shmprim_ready_notify(r); /* room for a producer armed on a full ring */
		if (x->until == SHMPRIM_OK && x->got == x->items)
			break;
	}
	x->last[t] = st;
}

static void ring_producer(void *arg)
{
	ready_ctx *x = arg;
	int t = mc_self();
	shmprim_ready *r = &x->r[t];
	shmprim_status st;
	uint32_t i;

	mc_assert_eq(shmprim_spsc_producer_ready_open(r, &x->ring->producer, x->bell[0], x->pidfd[t]), SHMPRIM_OK);
	for (i = x->first; i <= x->items; i++) {
		uint64_t v = i;

		while ((st = shmprim_spsc_try_push(&x->ring->producer, &v)) == SHMPRIM_ERR_FULL) {
			x->arm_calls[t]++;
			st = shmprim_spsc_producer_arm(r);
			if (st == SHMPRIM_ERR_FULL)
				mc_bell_sleep(r->fd, r->pidfd);
			else
				mc_assert_eq(st, SHMPRIM_OK);
		}
		mc_assert_eq(st, SHMPRIM_OK);
		x->sent = i;
		(void)shmprim_ready_notify(r);
	}
	if (x->close) {
		/* the ring's own close wakes futex sleepers only: it must leave an
		 * armed consumer's flag for the notify after it (E3) */
		mc_assert_eq(shmprim_spsc_producer_close(&x->ring->producer), SHMPRIM_OK);
		(void)shmprim_ready_notify(r);
	}
	x->last[t] = SHMPRIM_OK;
}

/* a = capacity, b = items; with b > a the ring starts full (main pushed the
 * first a items), the producer arms on the full ring for the rest, and the
 * consumer spins (pop, notify) instead of arming: the full direction alone
 * (both directions at once: README, by hand). */
static void ready_ring_transfer(void *arg)
{
	const scenario_arg *sa = arg;
	ready_ctx *x = ctx_new(sa->sc->b, true);
	int tc, tp;
	uint64_t v;

	ring_names(x, sa, sa->sc->a);
	if (sa->sc->b > sa->sc->a) {
		for (v = 1; v <= sa->sc->a; v++)
			mc_assert_eq(shmprim_spsc_try_push(&x->ring->producer, &v), SHMPRIM_OK);
		x->first = sa->sc->a + 1;
		x->sent = sa->sc->a;
		x->consumer_spins = true;
	}
	tc = mc_spawn(ring_consumer, x);
	tp = mc_spawn(ring_producer, x);
	mc_join(tp);
	mc_join(tc);
	mc_assert_eq(x->last[tc], SHMPRIM_OK);
	mc_assert_eq(x->got, x->items);
	check_received(x);
	mc_assert_eq(shmprim_spsc_try_pop(&x->ring->consumer, &v), SHMPRIM_ERR_EMPTY);
	/* a ring answers one arm call's flag (WK3 clears what SL1 set): never
	 * more rings than the peer made arm calls */
	mc_assert(x->r[tp].rings <= x->arm_calls[tc]);
	mc_assert(x->r[tc].rings <= x->arm_calls[tp]);
	mc_assert_eq(x->r[tp].futex_wakes + x->r[tc].futex_wakes, 0);
}

/* a = capacity, b = items, then the producer closes: the consumer gets every
 * item, then END. */
static void ready_ring_close(void *arg)
{
	const scenario_arg *sa = arg;
	ready_ctx *x = ctx_new(sa->sc->b, true);
	int tc, tp;
	uint64_t v;

	ring_names(x, sa, sa->sc->a);
	x->close = true;
	x->until = SHMPRIM_ERR_END;
	tc = mc_spawn(ring_consumer, x);
	tp = mc_spawn(ring_producer, x);
	mc_join(tp);
	mc_join(tc);
	mc_assert_eq(x->last[tc], SHMPRIM_ERR_END);
	mc_assert_eq(x->got, x->items);
	check_received(x);
	mc_assert_eq(shmprim_spsc_try_pop(&x->ring->consumer, &v), SHMPRIM_ERR_END);
}

/* A mortal producer sends b items through a ring of a and may die at any
 * step; the consumer ends with PEER_DEAD after every item pushed, never a
 * hang. Its ready object is given the producer's model pid, or, with
 * pid_from_claim, finds it in the producer's claim word. */
static void ring_producer_dies(const scenario_arg *sa, bool pid_from_claim)
{
	ready_ctx *x = ctx_new(sa->sc->b, true);
	int tc, tp;

	ring_names(x, sa, sa->sc->a);
	x->until = SHMPRIM_ERR_PEER_DEAD;
	/* the producer is thread 1, the consumer 2: both set before the consumer starts */
	if (pid_from_claim) {
		shmprim_spsc_raw *raw = sa->form == FX_REGION ? &x->ring->region_ring.raw : &x->ring->raw_ring;

		/* taken before the threads start (a take the consumer is not ordered
		 * after could stay unseen by it), in the producer's name: the
		 * consumer's arm reads the word and watches that pid */
		mc_assert_eq(sp_spsc_take_producer(raw, shmprim_proc_token_make(mc_pid_of(1), 1), free_side,
		                                   &x->ring->producer, NULL),
		             SHMPRIM_OK);
	}
	tp = mc_spawn(ring_producer, x);
	mc_mortal(tp);
	if (!pid_from_claim)
		x->pidfd[2] = mc_pid_of(tp);
	tc = mc_spawn(ring_consumer, x);
	mc_assert(tp == 1 && tc == 2);
	mc_join(tp);
	mc_join(tc);
	mc_assert_eq(x->last[tc], SHMPRIM_ERR_PEER_DEAD);
	mc_assert(x->got >= x->sent);
	check_received(x);
}

static void ready_ring_producer_dies(void *arg)
{
	ring_producer_dies(arg, false);
}

static void ready_ring_producer_dies_claim(void *arg)
{
	ring_producer_dies(arg, true);
}

/* ---- a futex sleeper (src/wait.c, flag 1) woken by shmprim_ready_notify ---- */

static void futex_consumer(void *arg)
{
	ready_ctx *x = arg;
	shmprim_wait_opts o;
	uint64_t v = 0;

	o.peer = NULL;
	o.spin = 0;
	o.check_ns = 1000;
	mc_assert_eq(shmprim_spsc_pop_wait(&x->ring->consumer, &v, UINT64_MAX / 2, &o), SHMPRIM_OK);
	x->seen[x->got++] = v;
}

static void ready_ring_futex_sleeper(void *arg)
{
	const scenario_arg *sa = arg;
	ready_ctx *x = ctx_new(1, false);
	int tc, tp;

	ring_names(x, sa, 1);
	tc = mc_spawn(futex_consumer, x);
	tp = mc_spawn(ring_producer, x);
	mc_join(tp);
	mc_join(tc);
	mc_assert_eq(x->got, 1);
	check_received(x);
	/* the consumer never armed its fd: a futex wake at most, never a ring */
	mc_assert_eq(x->r[tp].rings, 0);
	mc_assert(x->r[tp].futex_wakes <= 1);
}

/* ---- channel ---- */

static void chan_consumer(void *arg)
{
	ready_ctx *x = arg;
	int t = mc_self();
	shmprim_ready *r = &x->r[t];
	shmprim_channel_msg m;
	unsigned char want[CH_MSG];
	shmprim_status st;

	mc_assert_eq(shmprim_channel_consumer_ready_open(r, &x->c, x->bell[1], x->pidfd[t]), SHMPRIM_OK);
	while (x->consumer_spins && x->got < x->items) {
		while ((st = shmprim_channel_receive(&x->c, &m)) == SHMPRIM_ERR_EMPTY)
			sp_spin_hint();
		mc_assert_eq(st, SHMPRIM_OK);
		mc_assert_eq(m.len, CH_MSG);
		memset(want, (int)(x->got + 1), sizeof(want));
		mc_assert(memcmp(m.data, want, sizeof(want)) == 0);
		x->seen[x->got] = x->got + 1;
		x->got++;
		mc_assert_eq(shmprim_channel_release(&x->c), SHMPRIM_OK);
		(void)shmprim_ready_notify(r);
	}
	for (st = SHMPRIM_OK; !x->consumer_spins;) {
		x->arm_calls[t]++;
		st = shmprim_channel_consumer_arm(r);
		if (st == SHMPRIM_ERR_EMPTY) {
			mc_bell_sleep(r->fd, r->pidfd);
			continue;
		}
		if (st != SHMPRIM_OK)
			break;
		while (shmprim_channel_receive(&x->c, &m) == SHMPRIM_OK) {
			mc_assert(x->got < x->items);
			mc_assert_eq(m.len, CH_MSG);
			memset(want, (int)(x->got + 1), sizeof(want));
			mc_assert(memcmp(m.data, want, sizeof(want)) == 0);
			x->seen[x->got] = x->got + 1;
			x->got++;
		}
		mc_assert_eq(shmprim_channel_release(&x->c), SHMPRIM_OK);
		(void)shmprim_ready_notify(r); /* room for a producer armed on a full channel */
		if (x->until == SHMPRIM_OK && x->got == x->items)
			break;
	}
	x->last[t] = st;
}

static void chan_producer(void *arg)
{
	ready_ctx *x = arg;
	int t = mc_self();
	shmprim_ready *r = &x->r[t];
	unsigned char m[CH_MSG];
	shmprim_status st;
	uint32_t i;

	mc_assert_eq(shmprim_channel_producer_ready_open(r, &x->p, x->bell[0], x->pidfd[t]), SHMPRIM_OK);
	for (i = x->first; i <= x->items; i++) {
		memset(m, (int)i, sizeof(m));
		while ((st = shmprim_channel_send(&x->p, m, sizeof(m))) == SHMPRIM_ERR_FULL) {
			x->arm_calls[t]++;
			st = shmprim_channel_producer_arm(r, sizeof(m));
			if (st == SHMPRIM_ERR_FULL)
				mc_bell_sleep(r->fd, r->pidfd);
			else
				mc_assert_eq(st, SHMPRIM_OK);
		}
		mc_assert_eq(st, SHMPRIM_OK);
		x->sent = i;
		(void)shmprim_ready_notify(r);
	}
	if (x->close) {
		mc_assert_eq(shmprim_channel_producer_close(&x->p), SHMPRIM_OK);
		(void)shmprim_ready_notify(r);
	}
	x->last[t] = SHMPRIM_OK;
}

/* A 64-byte channel: each 24-byte message fills it, so the producer arms on
 * a full channel from the second on. Both sides are taken before the threads
 * start, in the names of their model pids (consumer thread 1, producer 2):
 * each arm watches its peer through the claim word. */
static ready_ctx *chan_ctx(uint32_t items)
{
	ready_ctx *x = ctx_new(items, true);
	size_t need = shmprim_channel_required_size(CH_DATA);
	shmprim_channel_header *h;

	mc_assert_eq(shmprim_channel_init(&x->ch, shmprim_region_from_raw(mc_alloc(need, 64), need), 0, CH_DATA,
	                                  CH_MSG),
	             SHMPRIM_OK);
	h = x->ch.header;
	mc_name(&h->producer_sleeping, 4, "channel.producer_sleeping");
	mc_name(&h->consumer_sleeping, 4, "channel.consumer_sleeping");
	mc_name(&h->producer_claim, 8, "channel.producer_claim");
	mc_name(&h->consumer_claim, 8, "channel.consumer_claim");
	mc_name(&h->sent, 8, "channel.sent");
	mc_name(&h->released, 8, "channel.released");
	mc_name(x->ch.data, CH_DATA, "channel.data");
	mc_assert_eq(sp_channel_take_consumer(&x->ch, &x->c, shmprim_proc_token_make(mc_pid_of(1), 1), free_side, NULL),
	             SHMPRIM_OK);
	mc_assert_eq(sp_channel_take_producer(&x->ch, &x->p, shmprim_proc_token_make(mc_pid_of(2), 1), free_side, NULL),
	             SHMPRIM_OK);
	return x;
}

static void chan_run(ready_ctx *x, bool mortal_producer)
{
	int tc = mc_spawn(chan_consumer, x), tp = mc_spawn(chan_producer, x);

	mc_assert(tc == 1 && tp == 2);
	if (mortal_producer)
		mc_mortal(tp);
	mc_join(tp);
	mc_join(tc);
	check_received(x);
}

/* a = messages (each fills the channel); b = 1: main sent the first before
 * the threads start, the producer arms on the full channel for the rest, and
 * the consumer spins (receive, release, notify) instead of arming. */
static void ready_chan_transfer(void *arg)
{
	const scenario_arg *sa = arg;
	ready_ctx *x = chan_ctx(sa->sc->a);
	unsigned char b[CH_MSG];
	shmprim_channel_msg m;

	if (sa->sc->b == 1) {
		memset(b, 1, sizeof(b));
		mc_assert_eq(shmprim_channel_send(&x->p, b, sizeof(b)), SHMPRIM_OK);
		mc_assert_eq(shmprim_channel_send(&x->p, b, sizeof(b)), SHMPRIM_ERR_FULL);
		x->first = 2;
		x->sent = 1;
		x->consumer_spins = true;
	}

	chan_run(x, false);
	mc_assert_eq(x->last[1], SHMPRIM_OK);
	mc_assert_eq(x->got, x->items);
	mc_assert_eq(shmprim_channel_receive(&x->c, &m), SHMPRIM_ERR_EMPTY);
	mc_assert(x->r[2].rings <= x->arm_calls[1]);
	mc_assert(x->r[1].rings <= x->arm_calls[2]);
}

/* a = messages, then the producer closes: every message, then END. */
static void ready_chan_close(void *arg)
{
	const scenario_arg *sa = arg;
	ready_ctx *x = chan_ctx(sa->sc->a);

	x->close = true;
	x->until = SHMPRIM_ERR_END;
	chan_run(x, false);
	mc_assert_eq(x->last[1], SHMPRIM_ERR_END);
	mc_assert_eq(x->got, x->items);
}

/* a = messages from a mortal producer: the consumer (watching the pid its
 * claim word names) ends with PEER_DEAD after every message sent. */
static void ready_chan_producer_dies(void *arg)
{
	const scenario_arg *sa = arg;
	ready_ctx *x = chan_ctx(sa->sc->a);

	x->until = SHMPRIM_ERR_PEER_DEAD;
	chan_run(x, true);
	mc_assert_eq(x->last[1], SHMPRIM_ERR_PEER_DEAD);
	mc_assert(x->got >= x->sent);
}

/* Sizes and tiers chosen to fit CI (backends/model/README.md: the executions
 * as measured). */
const scenario ready_scenarios[] = {
	{"ready_ring_one", ready_ring_transfer, MC_TIER_EXHAUSTIVE, true, 1, 1},
	{"ready_ring_two", ready_ring_transfer, MC_TIER_PREEMPT, true, 2, 2},
	{"ready_ring_full", ready_ring_transfer, MC_TIER_EXHAUSTIVE, true, 1, 2},
	{"ready_ring_close", ready_ring_close, MC_TIER_PREEMPT, true, 2, 1},
	{"ready_ring_producer_dies", ready_ring_producer_dies, MC_TIER_EXHAUSTIVE, true, 1, 1},
	{"ready_ring_producer_dies_claim", ready_ring_producer_dies_claim, MC_TIER_EXHAUSTIVE, true, 1, 1},
	{"ready_ring_futex_sleeper", ready_ring_futex_sleeper, MC_TIER_EXHAUSTIVE, true, 0, 0},
	{"ready_chan_one", ready_chan_transfer, MC_TIER_EXHAUSTIVE, true, 1, 0},
	{"ready_chan_full", ready_chan_transfer, MC_TIER_EXHAUSTIVE, true, 2, 1},
	{"ready_chan_close", ready_chan_close, MC_TIER_EXHAUSTIVE, true, 1, 0},
	{"ready_chan_producer_dies", ready_chan_producer_dies, MC_TIER_EXHAUSTIVE, true, 1, 0},
	{NULL, NULL, MC_TIER_EXHAUSTIVE, false, 0, 0},
};
