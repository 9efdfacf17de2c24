/*
 * The fan-in (src/channel_fanin.c) and the wait on many futex words
 * (src/futex_waitv.c) on the real channel code, with the futex model
 * (backends/model/mc_futex.c): futex_waitv is one step that compares every
 * word and sleeps until a wake on any of them; the test body chooses whether
 * the kernel has it (mc_futex_waitv_mode), so the polling fallback (slices
 * on the first word, the virtual clock moving when every thread waits) runs
 * too.
 *
 * The consumer is the body's thread (T0): it serves 2 or 3 channels of 64
 * bytes through one fan-in set, with recv_any; each producer (T1..T3) sends
 * its messages with send and notify_consumer. Every message names its channel
 * and number, and the consumer must receive each exactly once, in order per
 * channel (exact counts after the joins). Each producer holds its side with a
 * token of its model pid, so the fan-in's check of the producers
 * (sp_proc_liveness) sees a mortal producer die.
 * The waits use spin = 0 (as in wait_scenarios.c).
 */
#include <string.h>

#include <shmprim/channel.h>
#include <shmprim/wait.h>

#include "scenarios.h"

#include "../../src/channel_internal.h"

#define CH_DATA 64u                 /* the smallest channel */
#define CH_MAXMSG (CH_DATA / 2u - 8u)
#define MSG_LEN 8u
#define CHECK_NS 1000u              /* virtual ns between producer checks */
#define FOREVER (UINT64_MAX / 2)    /* never reached: a sleeper needs a wake */
#define DEATH_TIMEOUT (8u * CHECK_NS)
#define MAX_CH 3u

/* A scenario's shape (scenario.a indexes shapes[]): channels, of which the
 * first `producers` have a producer thread each and the rest get their
 * messages from the body before the threads start; messages per channel;
 * whether futex_waitv exists; whether the producers close their sides;
 * whether the waits' spurious returns and timeouts are explored. */
enum { WAITV, POLL, REFUSED };

typedef struct shape {
	uint32_t channels, producers, msgs;
	int mode;
	bool close;
	bool futex; /* the waits' spurious returns and timeouts explored (MC_FUTEX), else none (CI time) */
} shape;

static const shape shapes[] = {
	{2, 2, 1, WAITV, false, false},   /* 0: fanin_waitv_2ch */
	{2, 1, 2, WAITV, false, false},   /* 1: fanin_waitv_2msgs */
	{3, 1, 1, WAITV, false, true},    /* 2: fanin_waitv_3ch */
	{2, 2, 1, POLL, false, false},    /* 3: fanin_poll_2ch */
	{2, 1, 1, REFUSED, false, false}, /* 4: fanin_refused_2ch */
	{2, 1, 1, WAITV, true, false},    /* 5: fanin_closed_2ch */
	{2, 1, 1, WAITV, false, false},   /* 6: fanin_producer_dies */
	{2, 0, 0, WAITV, false, false},   /* 7: fanin_round_robin (sends of its own) */
};

typedef struct fanin_fx {
	shmprim_channel ch[MAX_CH];
	shmprim_channel_producer p[MAX_CH];
	shmprim_channel_consumer c[MAX_CH];
	shmprim_channel_consumer *cptr[MAX_CH];
	shmprim_channel_fanin f;
	uint32_t n;        /* channels */
	uint32_t producers;
	uint32_t msgs;     /* each channel gets this many */
	bool close;        /* each producer closes its side after its messages */
	uint32_t sent[MAX_CH], got[MAX_CH];
} fanin_fx;

static shmprim_liveness free_side(shmprim_proc_token t)
{
	(void)t;
	return SHMPRIM_ALIVE; /* never asked: the sides are FREE */
}

static void msg_fill(unsigned char *m, uint32_t ch, uint32_t k)
{
	memset(m, 0, MSG_LEN);
	m[0] = (unsigned char)(0xC0u + ch);
	m[1] = (unsigned char)k;
	m[7] = 0x5A;
}

/* The channels; producer i (thread i + 1, spawned in that order) holds side
 * i with its model pid's token; the consumer's sides, and the producer sides
 * the body sends on, are held in the name of this (real) process, which
 * reads alive throughout. */
static void producer_close(fanin_fx *fx, uint32_t i)
{
	mc_assert_eq(shmprim_channel_producer_close(&fx->p[i]), SHMPRIM_OK);
	shmprim_channel_notify_consumer(&fx->p[i]); /* close does not wake: the contract is close, then notify */
}

/* The body's sends on the channels with no producer thread, before any thread starts. */
static void prefill(fanin_fx *fx)
{
	unsigned char m[MSG_LEN];
	uint32_t i, k;

	for (i = fx->producers; i < fx->n; i++) {
		for (k = 1; k <= fx->msgs; k++) {
			msg_fill(m, i, k);
			mc_assert_eq(shmprim_channel_send(&fx->p[i], m, MSG_LEN), SHMPRIM_OK);
			fx->sent[i] = k;
		}
		if (fx->close)
			producer_close(fx, i);
	}
}

static fanin_fx *fanin_new(const shape *sh, uint32_t flags)
{
	uint32_t n = sh->channels;

	fanin_fx *fx = mc_alloc(sizeof(*fx), 64);
	size_t need = shmprim_channel_required_size(CH_DATA);
	shmprim_proc_token self;
	uint32_t i;

	fx->n = n;
	fx->producers = sh->producers;
	fx->msgs = sh->msgs;
	fx->close = sh->close;
	mc_assert_eq(shmprim_proc_token_self(&self), SHMPRIM_OK);
	for (i = 0; i < n; i++) {
		shmprim_channel_header *h;

		mc_assert_eq(shmprim_channel_init(&fx->ch[i], shmprim_region_from_raw(mc_alloc(need, 64), need), 0,
		                                  CH_DATA, CH_MAXMSG),
		             SHMPRIM_OK);
		h = fx->ch[i].header;
		mc_name(&h->consumer_sleeping, 4, "fanin%u.consumer_sleeping", i);
		mc_name(&h->producer_sleeping, 4, "fanin%u.producer_sleeping", i);
		mc_name(&h->sent, 8, "fanin%u.sent", i);
		mc_name(&h->released, 8, "fanin%u.released", i);
		mc_name(&h->producer_claim, 8, "fanin%u.producer_claim", i);
		mc_name(&h->consumer_claim, 8, "fanin%u.consumer_claim", i);
		mc_name(fx->ch[i].data, CH_DATA, "fanin%u.data", i);
		/* taken before the producers start: a take their threads are not
		 * ordered after could stay unseen (RC11 has no eventual visibility) */
		mc_assert_eq(sp_channel_take_consumer(&fx->ch[i], &fx->c[i], self, free_side, NULL), SHMPRIM_OK);
		mc_assert_eq(sp_channel_take_producer(&fx->ch[i], &fx->p[i],
		                                      i < fx->producers ? shmprim_proc_token_make(mc_pid_of((int)i + 1), 1)
		                                                        : self,
		                                      free_side, NULL),
		             SHMPRIM_OK);
		fx->cptr[i] = &fx->c[i];
	}
	mc_assert_eq(shmprim_channel_fanin_init(&fx->f, fx->cptr, n, flags), SHMPRIM_OK);
	prefill(fx);
	return fx;
}

static void producer(void *arg)
{
	fanin_fx *fx = arg;
	uint32_t i = (uint32_t)mc_self() - 1u, k;
	unsigned char m[MSG_LEN];

	for (k = 1; k <= fx->msgs; k++) {
		msg_fill(m, i, k);
		mc_assert_eq(shmprim_channel_send(&fx->p[i], m, MSG_LEN), SHMPRIM_OK);
		fx->sent[i] = k;
		shmprim_channel_notify_consumer(&fx->p[i]);
	}
	if (fx->close)
		producer_close(fx, i);
}

static shmprim_wait_opts fanin_opts(void)
{
	shmprim_wait_opts o;

	o.peer = NULL;
	o.spin = 0;
	o.check_ns = CHECK_NS;
	return o;
}

/* One recv_any; a message must be the next of its channel. */
static shmprim_status take_one(fanin_fx *fx, uint64_t timeout, uint32_t *index)
{
	shmprim_wait_opts o = fanin_opts();
	unsigned char m[CH_MAXMSG], want[MSG_LEN];
	uint32_t len = 0;
	shmprim_status st;

	st = shmprim_channel_recv_any(&fx->f, m, sizeof(m), &len, index, timeout, &o);
	if (st != SHMPRIM_OK)
		return st;
	mc_assert(*index < fx->n);
	mc_assert_eq(len, MSG_LEN);
	msg_fill(want, *index, fx->got[*index] + 1);
	mc_assert(memcmp(m, want, MSG_LEN) == 0); /* the next one of that channel: none lost, none twice */
	fx->got[*index]++;
	return st;
}

static void spawn_producers(fanin_fx *fx, int *t)
{
	uint32_t i;

	for (i = 0; i < fx->producers; i++) {
		t[i] = mc_spawn(producer, fx);
		mc_assert_eq(t[i], (int)i + 1);
	}
}

static void join_producers(fanin_fx *fx, const int *t)
{
	uint32_t i;

	for (i = 0; i < fx->producers; i++)
		mc_join(t[i]);
}

/* Everything was received, and nothing more is there. */
static void check_drained(fanin_fx *fx)
{
	unsigned char m[CH_MAXMSG];
	uint32_t i, len;

	for (i = 0; i < fx->n; i++) {
		mc_assert_eq(fx->got[i], fx->msgs);
		mc_assert_eq(fx->sent[i], fx->msgs);
		mc_assert_eq(shmprim_channel_recv(&fx->c[i], m, sizeof(m), &len), SHMPRIM_ERR_EMPTY);
	}
}

static void fanin_transfer(void *arg)
{
	const scenario_arg *sa = arg;
	const shape *sh = &shapes[sa->sc->a];
	int mode = sh->mode;
	fanin_fx *fx;
	uint32_t total, k, index;
	int t[MAX_CH];

	if (mode == POLL)
		mc_futex_waitv_mode(MC_WAITV_ABSENT);
	else if (mode == REFUSED)
		mc_futex_waitv_mode(MC_WAITV_REFUSED);
	if (mode != WAITV)
		mc_idle_timeouts(); /* the fallback sees a flag of a channel other than the first only after a slice */
	if (!sh->futex)
		mc_futex_limit(0); /* CI time: the waits' own spurious returns and timeouts are not explored */
	fx = fanin_new(sh, 0);
	spawn_producers(fx, t);
	total = fx->n * fx->msgs;
	for (k = 0; k < total; k++)
		mc_assert_eq(take_one(fx, FOREVER, &index), SHMPRIM_OK);
	join_producers(fx, t);
	check_drained(fx);
	mc_assert_eq(shmprim_channel_fanin_live(&fx->f), fx->n);
	if (mode == WAITV)
		mc_assert_eq(fx->f.sleeps_poll, 0);
	else
		mc_assert_eq(fx->f.sleeps_waitv, 0);
	/* refused: the probe said yes, the first sleep found out otherwise */
	mc_assert_eq(shmprim_futex_waitv_supported(), mode == WAITV || (mode == REFUSED && fx->f.sleeps_poll == 0));
}

/* Every channel gets its messages and is closed (channel 0 by its producer
 * thread): the consumer gets each message, then END for each channel (that
 * entry retired), then END with no index once every entry is. */
static void fanin_closed(void *arg)
{
	const scenario_arg *sa = arg;
	fanin_fx *fx;
	uint32_t ended = 0, msgs = 0, index, i;
	int t[MAX_CH];
	bool end_seen[MAX_CH] = {false};
	shmprim_status st;

	mc_futex_limit(0); /* CI time */
	fx = fanin_new(&shapes[sa->sc->a], 0);
	spawn_producers(fx, t);
	while (ended < fx->n) {
		st = take_one(fx, FOREVER, &index);
		if (st == SHMPRIM_OK) {
			msgs++;
			continue;
		}
		mc_assert_eq(st, SHMPRIM_ERR_END);
		mc_assert(index < fx->n && !end_seen[index]);
		mc_assert_eq(fx->got[index], fx->msgs); /* END only after every message */
		end_seen[index] = true;
		ended++;
	}
	mc_assert_eq(msgs, fx->n * fx->msgs);
	mc_assert_eq(shmprim_channel_fanin_live(&fx->f), 0);
	mc_assert_eq(take_one(fx, FOREVER, &index), SHMPRIM_ERR_END);
	mc_assert_eq(index, SHMPRIM_FANIN_NONE);
	join_producers(fx, t);
	for (i = 0; i < fx->n; i++)
		mc_assert_eq(fx->got[i], fx->msgs);
}

/* The producer thread of channel 0 is mortal and may die at any step; the
 * other channel has its message from the body: the consumer gets every
 * message of the others and every one the dead producer sent, then PEER_DEAD
 * for its channel (never TIMED_OUT: that would be a hang after the death). */
static void fanin_producer_dies(void *arg)
{
	const scenario_arg *sa = arg;
	fanin_fx *fx = fanin_new(&shapes[sa->sc->a], 0);
	uint32_t dead = fx->producers - 1, index, i, others = 0;
	unsigned char m[CH_MAXMSG];
	uint32_t len;
	int t[MAX_CH];
	shmprim_status st;

	mc_futex_limit(0); /* deaths add choices at every step: CI time */
	spawn_producers(fx, t);
	mc_mortal(t[dead]);
	for (;;) {
		st = take_one(fx, DEATH_TIMEOUT, &index);
		if (st == SHMPRIM_OK) {
			if (index != dead)
				others++;
			continue;
		}
		mc_assert_eq(st, SHMPRIM_ERR_PEER_DEAD);
		mc_assert_eq(index, dead);
		break;
	}
	/* the others' messages may still be on their way: take the rest */
	while (others < (fx->n - 1) * fx->msgs) {
		mc_assert_eq(take_one(fx, DEATH_TIMEOUT, &index), SHMPRIM_OK);
		mc_assert(index != dead);
		others++;
	}
	join_producers(fx, t);
	mc_assert(mc_died(t[dead]));
	/* everything the dead producer sent was received before PEER_DEAD
	 * (it may have died between its send and counting it) */
	mc_assert(fx->got[dead] >= fx->sent[dead] && fx->got[dead] <= fx->msgs);
	mc_assert_eq(shmprim_channel_recv(&fx->c[dead], m, sizeof(m), &len), SHMPRIM_ERR_EMPTY);
	for (i = 0; i < fx->n; i++)
		if (i != dead)
			mc_assert_eq(fx->got[i], fx->msgs);
	mc_assert_eq(shmprim_channel_fanin_live(&fx->f), fx->n - 1);
}

/* No threads: channel 0 holds 2 messages and channel 1 one; recv_any serves
 * them round-robin from the entry after the one last reported (0, 1, 0),
 * never the same channel twice while another has one (F2). wait_any then
 * looks without taking: it reports channel 1's message, twice. */
static void fanin_round_robin(void *arg)
{
	const scenario_arg *sa = arg;
	fanin_fx *fx = fanin_new(&shapes[sa->sc->a], 0);
	shmprim_wait_opts o = fanin_opts();
	unsigned char m[MSG_LEN];
	uint32_t index;

	msg_fill(m, 0, 1);
	mc_assert_eq(shmprim_channel_send(&fx->p[0], m, MSG_LEN), SHMPRIM_OK);
	msg_fill(m, 0, 2);
	mc_assert_eq(shmprim_channel_send(&fx->p[0], m, MSG_LEN), SHMPRIM_OK);
	msg_fill(m, 1, 1);
	mc_assert_eq(shmprim_channel_send(&fx->p[1], m, MSG_LEN), SHMPRIM_OK);
	mc_assert_eq(take_one(fx, 0, &index), SHMPRIM_OK);
	mc_assert_eq(index, 0);
	mc_assert_eq(take_one(fx, 0, &index), SHMPRIM_OK);
	mc_assert_eq(index, 1);
	mc_assert_eq(take_one(fx, 0, &index), SHMPRIM_OK);
	mc_assert_eq(index, 0);
	mc_assert_eq(take_one(fx, 0, &index), SHMPRIM_ERR_TIMED_OUT);
	mc_assert_eq(index, SHMPRIM_FANIN_NONE);
	msg_fill(m, 1, 2);
	mc_assert_eq(shmprim_channel_send(&fx->p[1], m, MSG_LEN), SHMPRIM_OK);
	mc_assert_eq(shmprim_channel_wait_any(&fx->f, &index, 0, &o), SHMPRIM_OK);
	mc_assert_eq(index, 1);
	mc_assert_eq(shmprim_channel_wait_any(&fx->f, &index, 0, &o), SHMPRIM_OK);
	mc_assert_eq(index, 1);
}

/* Sizes and tiers chosen to fit CI (README: the executions as measured).
 * The fallback's rows need the stale bound of MC_TIER_PREEMPT: RC11 has no
 * eventual visibility, so unbounded, the consumer may read a channel's old
 * flag and record after every slice, for ever (the psc check's limit stops
 * it). Two producer threads need it for CI time. */
const scenario fanin_scenarios[] = {
	{"fanin_waitv_2ch", fanin_transfer, MC_TIER_PREEMPT, true, 0, 0},
	{"fanin_waitv_2msgs", fanin_transfer, MC_TIER_PREEMPT, true, 1, 0},
	{"fanin_waitv_3ch", fanin_transfer, MC_TIER_EXHAUSTIVE, true, 2, 0},
	{"fanin_poll_2ch", fanin_transfer, MC_TIER_PREEMPT, true, 3, 0},
	{"fanin_refused_2ch", fanin_transfer, MC_TIER_PREEMPT, true, 4, 0},
	{"fanin_closed_2ch", fanin_closed, MC_TIER_PREEMPT, true, 5, 0},
	{"fanin_producer_dies", fanin_producer_dies, MC_TIER_EXHAUSTIVE, true, 6, 0},
	{"fanin_round_robin", fanin_round_robin, MC_TIER_EXHAUSTIVE, true, 7, 0},
	{NULL, NULL, MC_TIER_EXHAUSTIVE, false, 0, 0},
};
