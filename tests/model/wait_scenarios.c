/*
 * The blocking layer (src/wait.c) on the real ring, slab and channel code, with the
 * futex model (backends/model/mc_futex.c): a futex wait sleeps until a wake on
 * its word, or returns spuriously or times out (MC_FUTEX choices per
 * execution); when every thread sleeps and nobody can wake them, that is a
 * lost wake-up (a deadlock report) unless a mortal peer has died or exited.
 * Each scenario asserts exact outcomes after the joins: every item arrives in
 * order, every waiter gets its slot, and a wait whose peer died returns
 * PEER_DEAD (never TIMED_OUT: that would be a hang after the death, the wait
 * sleeping through its check slices until its deadline).
 * The waits use spin = 0: the model's spin hint waits for a change, which a
 * real spin (a bounded count) does not; the spin phase only delays the
 * announce-recheck-sleep protocol these scenarios check.
 */
#include <string.h>
#include <unistd.h>

#include <shmprim/channel.h>
#include <shmprim/wait.h>
#include <shmprim/static/spsc.h>

#include "scenarios.h"

#include "../../src/channel_internal.h"
#include "../../src/spsc_claim.h"

#define CHECK_NS 1000u                    /* virtual ns between peer checks */
#define FOREVER (UINT64_MAX / 2)          /* never reached: a sleeper needs a wake */
#define DEATH_TIMEOUT (8u * CHECK_NS)     /* a wait with a dead peer must end well before */

typedef struct wait_ctx {
	ring_fx *ring;
	slab_fx *slab;
	shmprim_spsc_header *h;
	shmprim_peer peer[MC_MAX_THREADS]; /* peer[t]: what thread t watches */
	uint32_t items;                    /* to send */
	uint32_t want;                     /* to receive (consumer_dies) */
	uint32_t sent, got;                /* items pushed OK / popped OK */
	uint64_t seen[8];
	shmprim_status last[MC_MAX_THREADS];
	uint64_t start_ns[MC_MAX_THREADS];
	uint64_t end_ns[MC_MAX_THREADS];
	shmprim_slot_handle slot[MC_MAX_THREADS];
} wait_ctx;

static shmprim_wait_opts opts_for(wait_ctx *c, bool watch)
{
	shmprim_wait_opts o;

	o.peer = watch ? &c->peer[mc_self()] : NULL;
	o.spin = 0;
	o.check_ns = CHECK_NS;
	return o;
}

static wait_ctx *ring_ctx(const scenario_arg *sa, uint32_t capacity, uint32_t items)
{
	wait_ctx *c = mc_alloc(sizeof(*c), 8);

	c->ring = ring_fx_new(sa->form, capacity);
	c->h = sa->form == FX_REGION ? c->ring->region_ring.raw.header : (shmprim_spsc_header *)c->ring->header;
	mc_name(&c->h->producer_sleeping, 4, "ring.producer_sleeping");
	mc_name(&c->h->consumer_sleeping, 4, "ring.consumer_sleeping");
	mc_name(&c->h->producer_claim, 8, "ring.producer_claim");
	mc_name(&c->h->consumer_claim, 8, "ring.consumer_claim");
	c->items = items;
	return c;
}

/* ---- ring: both sides block (a full ring, an empty ring), no deaths ---- */

static void producer(void *arg)
{
	wait_ctx *c = arg;
	shmprim_wait_opts o = opts_for(c, false);
	uint32_t i;

	for (i = 1; i <= c->items; i++) {
		uint64_t v = i;

		mc_assert_eq(shmprim_spsc_push_wait(&c->ring->producer, &v, FOREVER, &o), SHMPRIM_OK);
	}
}

static void consumer(void *arg)
{
	wait_ctx *c = arg;
	shmprim_wait_opts o = opts_for(c, false);
	uint32_t i;

	for (i = 1; i <= c->items; i++) {
		uint64_t v = 0;

		mc_assert_eq(shmprim_spsc_pop_wait(&c->ring->consumer, &v, FOREVER, &o), SHMPRIM_OK);
		mc_assert_eq(v, i);
	}
}

static void second_push(void *arg)
{
	wait_ctx *c = arg;
	shmprim_wait_opts o = opts_for(c, false);
	uint64_t v = 2;

	mc_assert_eq(shmprim_spsc_push_wait(&c->ring->producer, &v, FOREVER, &o), SHMPRIM_OK);
}

/* a = capacity, b = items */
static void wait_ring_transfer(void *arg)
{
	const scenario_arg *sa = arg;
	wait_ctx *c = ring_ctx(sa, sa->sc->a, sa->sc->b);
	int tc = mc_spawn(consumer, c), tp = mc_spawn(producer, c);
	uint64_t v;

	mc_join(tp);
	mc_join(tc);
	mc_assert(!shmprim_spsc_pop(&c->ring->consumer, &v));
}

/* The ring (capacity 1) starts full: the producer's push_wait sleeps until
 * the consumer's pop_wait takes the first item; then the consumer may sleep
 * until the second arrives. */
static void wait_ring_full(void *arg)
{
	const scenario_arg *sa = arg;
	wait_ctx *c = ring_ctx(sa, 1, 2);
	int tc, tp;
	uint64_t v = 1;

	mc_assert_eq(shmprim_spsc_try_push(&c->ring->producer, &v), SHMPRIM_OK);
	tc = mc_spawn(consumer, c);
	tp = mc_spawn(second_push, c);
	mc_join(tp);
	mc_join(tc);
	mc_assert(!shmprim_spsc_pop(&c->ring->consumer, &v));
}

/* ---- ring: a wait that may time out; time passes when both sides idle ---- */

static void timed_consumer(void *arg)
{
	wait_ctx *c = arg;
	shmprim_wait_opts o = opts_for(c, false);
	int t = mc_self();
	uint64_t v = 0;

	c->start_ns[t] = mc_clock_ns();
	c->last[t] = shmprim_spsc_pop_wait(&c->ring->consumer, &v, CHECK_NS, &o);
	c->end_ns[t] = mc_clock_ns();
	c->seen[0] = v;
}

static void one_push(void *arg)
{
	wait_ctx *c = arg;
	uint64_t v = 7;

	mc_assert_eq(shmprim_spsc_try_push(&c->ring->producer, &v), SHMPRIM_OK);
	shmprim_spsc_notify_consumer(&c->ring->producer);
}

static void wait_ring_timeout(void *arg)
{
	const scenario_arg *sa = arg;
	wait_ctx *c = ring_ctx(sa, 2, 1);
	int tc, tp;
	uint64_t v = 0;

	mc_idle_timeouts();
	tc = mc_spawn(timed_consumer, c);
	tp = mc_spawn(one_push, c);
	mc_join(tp);
	mc_join(tc);
	if (c->last[tc] == SHMPRIM_OK) {
		mc_assert_eq(c->seen[0], 7);
		mc_assert(!shmprim_spsc_pop(&c->ring->consumer, &v));
	} else {
		/* only once its whole timeout has passed, and the item is still there */
		mc_assert_eq(c->last[tc], SHMPRIM_ERR_TIMED_OUT);
		mc_assert(c->end_ns[tc] - c->start_ns[tc] >= CHECK_NS);
		mc_assert(shmprim_spsc_pop(&c->ring->consumer, &v));
		mc_assert_eq(v, 7);
	}
}

/* ---- ring: a peer that may die at any step ---- */

static void sending_producer(void *arg)
{
	wait_ctx *c = arg;
	shmprim_wait_opts o = opts_for(c, true);
	uint32_t i;

	for (i = 1; i <= c->items; i++) {
		uint64_t v = i;
		shmprim_status st = shmprim_spsc_push_wait(&c->ring->producer, &v, DEATH_TIMEOUT, &o);

		c->last[mc_self()] = st;
		if (st != SHMPRIM_OK)
			return;
		c->sent = i;
	}
}

static void watching_consumer(void *arg)
{
	wait_ctx *c = arg;
	shmprim_wait_opts o = opts_for(c, c->peer[mc_self()].pid != 0); /* else: the claim word */
	int t = mc_self();
	shmprim_status st;

	for (;;) {
		uint64_t v = 0;

		st = shmprim_spsc_pop_wait(&c->ring->consumer, &v, DEATH_TIMEOUT, &o);
		if (st != SHMPRIM_OK)
			break;
		mc_assert(c->got < 8);
		c->seen[c->got++] = v;
	}
	c->last[t] = st;
}

/* The producer (mortal) sends b items through a ring of a; the consumer
 * waits for more until the producer is gone. */
static void wait_ring_producer_dies(void *arg)
{
	const scenario_arg *sa = arg;
	wait_ctx *c = ring_ctx(sa, sa->sc->a, sa->sc->b);
	int tc, tp;
	uint32_t i;

	mc_futex_limit(0); /* deaths add choices at every step: CI time */
	/* set before the consumer starts (it reads its options at once): it is
	 * thread 1, the producer thread 2 */
	c->peer[1].pid = mc_pid_of(2);
	c->peer[1].pidfd = -1;
	tc = mc_spawn(watching_consumer, c);
	tp = mc_spawn(sending_producer, c);
	mc_assert(tc == 1 && tp == 2);
	mc_mortal(tp);
	mc_join(tp);
	mc_join(tc);
	/* the producer exits at the latest after its last push: the consumer ends with PEER_DEAD, not a hang */
	mc_assert_eq(c->last[tc], SHMPRIM_ERR_PEER_DEAD);
	mc_assert(c->got >= c->sent && c->got <= c->items);
	for (i = 0; i < c->got; i++)
		mc_assert_eq(c->seen[i], i + 1);
}

static shmprim_liveness free_side(shmprim_proc_token t)
{
	(void)t;
	return SHMPRIM_ALIVE; /* never asked: the side is FREE */
}

/* The same with no pid watched: the producer holds its side with a token of
 * its model pid, and the consumer's wait learns of the death from that claim
 * word (checked after every sleep, wait.c's peer_claim_dead). */
static void wait_ring_producer_dies_claim(void *arg)
{
	const scenario_arg *sa = arg;
	wait_ctx *c = ring_ctx(sa, sa->sc->a, sa->sc->b);
	shmprim_spsc_raw *raw = sa->form == FX_REGION ? &c->ring->region_ring.raw : &c->ring->raw_ring;
	int tc, tp;
	uint32_t i;

	mc_futex_limit(0); /* deaths add choices at every step: CI time */
	/* The side is taken in the producer's name (thread 2, spawned second)
	 * before the consumer starts: a take the consumer's thread is not ordered
	 * after could stay unseen by it for ever (RC11 has no eventual
	 * visibility), and its wait would time out with no claim to check. */
	mc_assert_eq(sp_spsc_take_producer(raw, shmprim_proc_token_make(mc_pid_of(2), 1), free_side,
	                                   &c->ring->producer, NULL),
	             SHMPRIM_OK);
	tc = mc_spawn(watching_consumer, c);
	tp = mc_spawn(sending_producer, c);
	mc_assert_eq(tp, 2);
	mc_mortal(tp);
	mc_join(tp);
	mc_join(tc);
	mc_assert_eq(c->last[tc], SHMPRIM_ERR_PEER_DEAD);
	mc_assert(c->got >= c->sent && c->got <= c->items);
	for (i = 0; i < c->got; i++)
		mc_assert_eq(c->seen[i], i + 1);
}

static void mortal_consumer(void *arg)
{
	wait_ctx *c = arg;
	shmprim_wait_opts o = opts_for(c, false);
	uint32_t i;

	for (i = 1; i <= c->want; i++) {
		uint64_t v = 0;

		mc_assert_eq(shmprim_spsc_pop_wait(&c->ring->consumer, &v, FOREVER, &o), SHMPRIM_OK);
		mc_assert_eq(v, i);
		c->got = i;
	}
}

/* The consumer (mortal) takes b items from a ring of a; the producer pushes
 * b + a + 1 items (more than fit once the consumer is gone) and must learn
 * of its death rather than sleep on a full ring until its deadline. */
static void wait_ring_consumer_dies(void *arg)
{
	const scenario_arg *sa = arg;
	wait_ctx *c = ring_ctx(sa, sa->sc->a, sa->sc->b + sa->sc->a + 1);
	int tc, tp;

	mc_futex_limit(0); /* deaths add choices at every step: CI time */
	c->want = sa->sc->b;
	tc = mc_spawn(mortal_consumer, c);
	mc_mortal(tc);
	tp = mc_spawn(sending_producer, c);
	c->peer[tp].pid = mc_pid_of(tc);
	c->peer[tp].pidfd = -1;
	mc_join(tp);
	mc_join(tc);
	mc_assert_eq(c->last[tp], SHMPRIM_ERR_PEER_DEAD);
	mc_assert(c->sent >= c->got);
}

/* ---- ring: wait_readable / wait_writable (no entry moved by the wait) ---- */

static void readable_consumer(void *arg)
{
	wait_ctx *c = arg;
	shmprim_wait_opts o = opts_for(c, false);
	uint64_t v = 0;

	mc_assert_eq(shmprim_spsc_wait_readable(&c->ring->consumer, FOREVER, &o), SHMPRIM_OK);
	/* readable means an entry is there: the pop cannot miss it */
	mc_assert_eq(shmprim_spsc_try_pop(&c->ring->consumer, &v), SHMPRIM_OK);
	mc_assert_eq(v, 5);
	c->got = 1;
}

static void notifying_push(void *arg)
{
	wait_ctx *c = arg;
	uint64_t v = 5;

	mc_assert_eq(shmprim_spsc_try_push(&c->ring->producer, &v), SHMPRIM_OK);
	shmprim_spsc_notify_consumer(&c->ring->producer);
}

/* The consumer waits for the empty ring to become readable; the producer
 * pushes one entry with notify. */
static void wait_ring_readable(void *arg)
{
	const scenario_arg *sa = arg;
	wait_ctx *c = ring_ctx(sa, 1, 1);
	int tc = mc_spawn(readable_consumer, c), tp = mc_spawn(notifying_push, c);
	uint64_t v;

	mc_join(tp);
	mc_join(tc);
	mc_assert_eq(c->got, 1);
	mc_assert_eq(shmprim_spsc_try_pop(&c->ring->consumer, &v), SHMPRIM_ERR_EMPTY);
}

static void writable_producer(void *arg)
{
	wait_ctx *c = arg;
	shmprim_wait_opts o = opts_for(c, false);
	uint64_t v = 2;

	mc_assert_eq(shmprim_spsc_wait_writable(&c->ring->producer, FOREVER, &o), SHMPRIM_OK);
	/* writable means room: the push cannot fail */
	mc_assert_eq(shmprim_spsc_try_push(&c->ring->producer, &v), SHMPRIM_OK);
	c->sent = 1;
}

static void notifying_pop(void *arg)
{
	wait_ctx *c = arg;
	uint64_t v = 0;

	mc_assert_eq(shmprim_spsc_try_pop(&c->ring->consumer, &v), SHMPRIM_OK);
	mc_assert_eq(v, 1);
	shmprim_spsc_notify_producer(&c->ring->consumer);
}

/* The ring (capacity 1) starts full: the producer waits for it to become
 * writable; the consumer pops with notify. */
static void wait_ring_writable(void *arg)
{
	const scenario_arg *sa = arg;
	wait_ctx *c = ring_ctx(sa, 1, 1);
	int tc, tp;
	uint64_t v = 1;

	mc_assert_eq(shmprim_spsc_try_push(&c->ring->producer, &v), SHMPRIM_OK);
	tp = mc_spawn(writable_producer, c);
	tc = mc_spawn(notifying_pop, c);
	mc_join(tp);
	mc_join(tc);
	mc_assert_eq(c->sent, 1);
	mc_assert_eq(shmprim_spsc_try_pop(&c->ring->consumer, &v), SHMPRIM_OK);
	mc_assert_eq(v, 2);
	mc_assert_eq(shmprim_spsc_try_pop(&c->ring->consumer, &v), SHMPRIM_ERR_EMPTY);
}

/* ---- ring: the pid hints ---- */

#define PID_NONE 0x80000000u /* does not fit a pid_t: reads as no pid */

static void announcing_producer(void *arg)
{
	wait_ctx *c = arg;
	int pid;
	uint64_t v = 3;

	shmprim_spsc_announce_producer(&c->ring->producer);
	mc_assert_eq(shmprim_spsc_try_push(&c->ring->producer, &v), SHMPRIM_OK);
	shmprim_spsc_notify_consumer(&c->ring->producer);
	/* the consumer's announce is not ordered before this: either value */
	pid = shmprim_spsc_consumer_pid(&c->ring->producer);
	mc_assert(pid == 0 || pid == (int)getpid());
}

static void announcing_consumer(void *arg)
{
	wait_ctx *c = arg;
	shmprim_wait_opts o = opts_for(c, false);
	uint64_t v = 0;

	shmprim_spsc_announce_consumer(&c->ring->consumer);
	mc_assert_eq(shmprim_spsc_pop_wait(&c->ring->consumer, &v, FOREVER, &o), SHMPRIM_OK);
	mc_assert_eq(v, 3);
	/* the announce came before the push, the pop after it */
	mc_assert_eq(shmprim_spsc_producer_pid(&c->ring->consumer), (int)getpid());
}

/* Each side announces its pid (the model's threads share the process's
 * pid); the consumer's word starts out of range, which reads as none. */
static void wait_ring_pid_hints(void *arg)
{
	const scenario_arg *sa = arg;
	wait_ctx *c = ring_ctx(sa, 1, 1);
	int tc, tp;

	mc_name(&c->h->producer_pid, 4, "ring.producer_pid");
	mc_name(&c->h->consumer_pid, 4, "ring.consumer_pid");
	mc_assert_eq(shmprim_spsc_producer_pid(&c->ring->consumer), 0);
	sp_store_relaxed_u32(&c->h->consumer_pid, PID_NONE);
	mc_assert_eq(shmprim_spsc_consumer_pid(&c->ring->producer), 0);
	tc = mc_spawn(announcing_consumer, c);
	tp = mc_spawn(announcing_producer, c);
	mc_join(tp);
	mc_join(tc);
	mc_assert_eq(shmprim_spsc_producer_pid(&c->ring->consumer), (int)getpid());
	mc_assert_eq(shmprim_spsc_consumer_pid(&c->ring->producer), (int)getpid());
}

/* ---- channel: send_wait / recv_wait through sp_wait_on_flag ---- */

#define CH_DATA 64u               /* the smallest channel: one 24-byte message fills it */
#define CH_MAXMSG (CH_DATA / 2u - 8u)

typedef struct chan_wait {
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_channel_consumer c;
	uint32_t first, items; /* the sender sends first..items, each CH_MAXMSG bytes of its number */
	uint32_t got;
	shmprim_status last[MC_MAX_THREADS];
} chan_wait;

static void chan_send_waiter(void *arg)
{
	chan_wait *w = arg;
	shmprim_wait_opts o;
	unsigned char m[CH_MAXMSG];
	uint32_t i;

	o.peer = NULL;
	o.spin = 0;
	o.check_ns = CHECK_NS;
	for (i = w->first; i <= w->items; i++) {
		memset(m, (int)i, sizeof(m));
		mc_assert_eq(shmprim_channel_send_wait(&w->p, m, sizeof(m), FOREVER, &o), SHMPRIM_OK);
	}
}

static void chan_recv_waiter(void *arg)
{
	chan_wait *w = arg;
	shmprim_wait_opts o;
	unsigned char m[CH_MAXMSG], want[CH_MAXMSG];
	uint32_t i, len;

	o.peer = NULL;
	o.spin = 0;
	o.check_ns = CHECK_NS;
	for (i = 1; i <= w->items; i++) {
		len = 0;
		memset(m, 0, sizeof(m));
		memset(want, (int)i, sizeof(want));
		mc_assert_eq(shmprim_channel_recv_wait(&w->c, m, sizeof(m), &len, FOREVER, &o), SHMPRIM_OK);
		mc_assert_eq(len, CH_MAXMSG);
		mc_assert(memcmp(m, want, sizeof(m)) == 0);
		w->got = i;
	}
}

/* A channel of 64 bytes; a = messages already sent (0: the receiver waits on
 * an empty channel; 1: it is full, a record needs the zeroed word after it,
 * and the sender waits too), then the sender
 * sends one more with send_wait and the receiver takes them all with
 * recv_wait. Both sides are held in the name of this (real) process: the
 * channel's peer checks (shmprim_claim_describe) ask the OS, not the model,
 * so a model pid would read as dead; this one reads alive throughout. */
static void wait_chan_send_recv(void *arg)
{
	const scenario_arg *sa = arg;
	chan_wait *w = mc_alloc(sizeof(*w), 64);
	size_t need = shmprim_channel_required_size(CH_DATA);
	shmprim_channel_header *h;
	unsigned char m[CH_MAXMSG];
	uint32_t i, pre = sa->sc->a, len;
	shmprim_proc_token self;
	int tc, tp;

	mc_assert_eq(shmprim_channel_init(&w->ch, shmprim_region_from_raw(mc_alloc(need, 64), need), 0, CH_DATA,
	                                  CH_MAXMSG),
	             SHMPRIM_OK);
	h = w->ch.header;
	mc_name(&h->producer_sleeping, 4, "channel.producer_sleeping");
	mc_name(&h->consumer_sleeping, 4, "channel.consumer_sleeping");
	mc_name(&h->sent, 8, "channel.sent");
	mc_name(&h->released, 8, "channel.released");
	mc_name(w->ch.data, CH_DATA, "channel.data");
	mc_assert_eq(shmprim_proc_token_self(&self), SHMPRIM_OK);
	mc_assert_eq(sp_channel_take_consumer(&w->ch, &w->c, self, free_side, NULL), SHMPRIM_OK);
	mc_assert_eq(sp_channel_take_producer(&w->ch, &w->p, self, free_side, NULL), SHMPRIM_OK);
	for (i = 1; i <= pre; i++) {
		memset(m, (int)i, sizeof(m));
		mc_assert_eq(shmprim_channel_send(&w->p, m, sizeof(m)), SHMPRIM_OK);
	}
	if (pre == 1)
		mc_assert_eq(shmprim_channel_send(&w->p, m, sizeof(m)), SHMPRIM_ERR_FULL);
	w->first = pre + 1;
	w->items = pre + 1;
	tc = mc_spawn(chan_recv_waiter, w);
	tp = mc_spawn(chan_send_waiter, w);
	mc_join(tp);
	mc_join(tc);
	mc_assert_eq(w->got, w->items);
	mc_assert_eq(shmprim_channel_recv(&w->c, m, sizeof(m), &len), SHMPRIM_ERR_EMPTY);
}

/* ---- slab: allocators sleep on free_wake, free_notify wakes them ---- */

static wait_ctx *slab_ctx(const scenario_arg *sa, uint32_t slots)
{
	wait_ctx *c = mc_alloc(sizeof(*c), 8);

	c->slab = slab_fx_new(sa->form, slots, 8);
	mc_name(&c->slab->header->free_waiters, 4, "slab.free_waiters");
	mc_name(&c->slab->header->free_wake, 4, "slab.free_wake");
	return c;
}

static shmprim_status alloc_wait(wait_ctx *c, shmprim_slot_handle *h)
{
	shmprim_wait_opts o = opts_for(c, false);

	return c->slab->form == FX_REGION ? shmprim_slab_alloc_wait(&c->slab->region_slab, h, FOREVER, &o)
	                                  : shmprim_slab_raw_alloc_wait(&c->slab->raw_slab, h, FOREVER, &o);
}

static void free_notify(wait_ctx *c, shmprim_slot_handle h)
{
	if (c->slab->form == FX_REGION) {
		mc_assert_eq(shmprim_slab_free_notify(&c->slab->region_slab, h), SHMPRIM_OK);
	} else {
		mc_assert_eq(shmprim_slab_raw_free(&c->slab->raw_slab, h, NULL), SHMPRIM_OK);
		shmprim_slab_raw_notify(&c->slab->raw_slab);
	}
}

/* Allocates (waiting), writes its byte, frees with notify. */
static void allocator(void *arg)
{
	wait_ctx *c = arg;
	int t = mc_self();
	shmprim_slot_handle h;
	void *d;

	mc_assert_eq(alloc_wait(c, &h), SHMPRIM_OK);
	d = slab_data(c->slab, h);
	payload_write(d, 8, (unsigned char)(0x10 * t + 1));
	mc_assert(payload_is(d, 8, (unsigned char)(0x10 * t + 1)));
	c->last[t] = SHMPRIM_OK;
	mc_assert_eq(slab_mark_in_flight(c->slab, h), SHMPRIM_OK); /* free takes an in-flight slot */
	free_notify(c, h);
}

static void holder_frees(void *arg)
{
	wait_ctx *c = arg;

	free_notify(c, c->slot[0]);
}

/* One slot, held by main; a = allocators (1 or 2) wait for it, a thread
 * frees it with notify; each allocator frees it again with notify, so every
 * one of them must get it. */
static void wait_slab_free_notify(void *arg)
{
	const scenario_arg *sa = arg;
	wait_ctx *c = slab_ctx(sa, 1);
	int t[3], i, n = (int)sa->sc->a;

	mc_assert_eq(slab_alloc(c->slab, &c->slot[0]), SHMPRIM_ALLOC_OK);
	mc_assert_eq(slab_mark_in_flight(c->slab, c->slot[0]), SHMPRIM_OK);
	for (i = 0; i < n; i++)
		t[i] = mc_spawn(allocator, c);
	t[n] = mc_spawn(holder_frees, c);
	for (i = 0; i <= n; i++)
		mc_join(t[i]);
	for (i = 0; i < n; i++)
		mc_assert_eq(c->last[t[i]], SHMPRIM_OK);
	slab_check_quiescent(c->slab, 1);
}

/* Sizes and tiers chosen to fit CI (README: the executions as measured);
 * larger shapes (capacity 1 with 2 items each way, 3 threads on the slab)
 * pass too, bounded, by hand. */
const scenario wait_scenarios[] = {
	{"wait_ring_one", wait_ring_transfer, MC_TIER_EXHAUSTIVE, true, 1, 1},
	{"wait_ring_one_cap2", wait_ring_transfer, MC_TIER_EXHAUSTIVE, true, 2, 1},
	{"wait_ring_full", wait_ring_full, MC_TIER_PREEMPT, true, 0, 0},
	{"wait_ring_timeout", wait_ring_timeout, MC_TIER_EXHAUSTIVE, true, 0, 0},
	{"wait_ring_producer_dies", wait_ring_producer_dies, MC_TIER_PREEMPT, true, 1, 1},
	{"wait_ring_producer_dies_claim", wait_ring_producer_dies_claim, MC_TIER_EXHAUSTIVE, true, 1, 1},
	{"wait_ring_consumer_dies", wait_ring_consumer_dies, MC_TIER_PREEMPT, true, 1, 1},
	{"wait_ring_readable", wait_ring_readable, MC_TIER_EXHAUSTIVE, true, 0, 0},
	{"wait_ring_writable", wait_ring_writable, MC_TIER_EXHAUSTIVE, true, 0, 0},
	{"wait_ring_pid_hints", wait_ring_pid_hints, MC_TIER_EXHAUSTIVE, true, 0, 0},
	{"wait_chan_empty", wait_chan_send_recv, MC_TIER_EXHAUSTIVE, true, 0, 0},
	{"wait_chan_full", wait_chan_send_recv, MC_TIER_PREEMPT, true, 1, 0},
	{"wait_slab_free_notify", wait_slab_free_notify, MC_TIER_EXHAUSTIVE, false, 1, 0},
	{NULL, NULL, MC_TIER_EXHAUSTIVE, false, 0, 0},
};
