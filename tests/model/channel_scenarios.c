/*
 * Channel scenarios on the real code (src/channel.c, src/claim.c): the
 * record protocol across the wrap, close, claims and takeovers of both sides.
 * Sides are taken through sp_channel_take_* with fake process tokens and a
 * fake liveness check (pid DEAD_PID is dead, every other pid alive), so
 * model threads stand in for processes. Every scenario checks exact bytes,
 * lengths, order and counts; the mutant gate (mutants.c, C*.mutant) runs
 * them on the planted channel bugs.
 */
#include <string.h>

#include "scenarios.h"

#include "../../src/channel_internal.h"

#define DATA 64u                      /* the smallest channel: the wrap comes at the 3rd message */
#define MAXMSG (DATA / 2u - 8u)       /* 24 */
#define DEAD_PID 100
#define PID_P 200
#define PID_C 300
#define PID_X 400

static shmprim_liveness fake_liveness(shmprim_proc_token token)
{
	return shmprim_proc_token_pid(token) == DEAD_PID ? SHMPRIM_DEAD : SHMPRIM_ALIVE;
}

static shmprim_proc_token token_of(int pid)
{
	return shmprim_proc_token_make(pid, 1000u + (uint64_t)pid);
}

typedef struct chan_fx {
	shmprim_channel ch;
	shmprim_region region;        /* where ch sits, for a second handle's attach */
	shmprim_channel_producer p;
	shmprim_channel_consumer c;
	uint32_t items;
	/* results, read by the main thread after joining */
	shmprim_status st[2];
	shmprim_claim_holder holder[2];
	uint32_t got;
} chan_fx;

static chan_fx *chan_fx_new(void)
{
	chan_fx *fx = mc_alloc(sizeof(*fx), 64);
	size_t need = shmprim_channel_required_size(DATA);
	shmprim_channel_header *h;

	fx->region = shmprim_region_from_raw(mc_alloc(need, 64), need);
	mc_assert_eq(shmprim_channel_init(&fx->ch, fx->region, 0, DATA, MAXMSG), SHMPRIM_OK);
	h = fx->ch.header;
	mc_name(h, SHMPRIM_CHANNEL_HEADER_SIZE, "channel.header");
	mc_name(&h->sent, 8, "channel.sent");
	mc_name(&h->released, 8, "channel.released");
	mc_name(&h->producer_claim, 8, "channel.producer_claim");
	mc_name(&h->consumer_claim, 8, "channel.consumer_claim");
	mc_name(fx->ch.data, DATA, "channel.data");
	return fx;
}

static void take_both(chan_fx *fx)
{
	mc_assert_eq(sp_channel_take_producer(&fx->ch, &fx->p, token_of(PID_P), fake_liveness, NULL), SHMPRIM_OK);
	mc_assert_eq(sp_channel_take_consumer(&fx->ch, &fx->c, token_of(PID_C), fake_liveness, NULL), SHMPRIM_OK);
}

static void send_spin(shmprim_channel_producer *p, const void *msg, uint32_t len)
{
	shmprim_status st;

	while ((st = shmprim_channel_send(p, msg, len)) == SHMPRIM_ERR_FULL)
		sp_spin_hint();
	mc_assert_eq(st, SHMPRIM_OK);
}

/* The next message (spinning while EMPTY), or END. */
static shmprim_status receive_spin(shmprim_channel_consumer *c, shmprim_channel_msg *m)
{
	shmprim_status st;

	while ((st = shmprim_channel_receive(c, m)) == SHMPRIM_ERR_EMPTY)
		sp_spin_hint();
	return st;
}

/* ---- transfer: three lengths, the wrap and a pad ---- */

/* Records: message 0 (24 bytes) at 0..32, message 1 (12) at 32..56; message
 * 2 (16) does not fit before the end, so a pad covers 56..64 and the record
 * goes to 64..88 (offset 0), once the consumer has released message 0.
 * Message 0's last 8 bytes, read as a word, are the header of a 5-byte
 * record at position 88 (offset 24), where the consumer looks after message
 * 2: only the zeroed word after each record (src/channel.c's invariant)
 * keeps a consumer from taking those old bytes for a message. */
static const uint32_t transfer_len[3] = { 24, 12, 16 };

static void transfer_fill(uint32_t n, unsigned char *b)
{
	uint32_t k;

	for (k = 0; k < transfer_len[n]; k++)
		b[k] = (unsigned char)(0x40 + 16 * n + k);
	if (n == 0) {
		uint64_t forged = ((uint64_t)(88u / 8u + 1u) << 32) | 5u;

		memcpy(b + 16, &forged, 8); /* little- or big-endian: the word the consumer would load */
	}
}

static void transfer_producer(void *arg)
{
	chan_fx *fx = arg;
	unsigned char b[MAXMSG];
	uint32_t n;

	for (n = 0; n < 3; n++) {
		transfer_fill(n, b);
		send_spin(&fx->p, b, transfer_len[n]);
	}
}

static void transfer_consumer(void *arg)
{
	chan_fx *fx = arg;
	unsigned char want[MAXMSG];
	shmprim_channel_msg m;
	uint32_t n;

	for (n = 0; n < 3; n++) {
		mc_assert_eq(receive_spin(&fx->c, &m), SHMPRIM_OK);
		mc_assert_eq(m.len, transfer_len[n]);
		transfer_fill(n, want);
		mc_assert(memcmp(m.data, want, m.len) == 0);
		mc_assert_eq(shmprim_channel_release(&fx->c), SHMPRIM_OK);
		fx->got++;
	}
}

static void chan_transfer(void *arg)
{
	chan_fx *fx = chan_fx_new();
	shmprim_channel_msg m;
	int tp, tc;

	(void)arg;
	take_both(fx);
	tp = mc_spawn(transfer_producer, fx);
	tc = mc_spawn(transfer_consumer, fx);
	mc_join(tp);
	mc_join(tc);
	mc_assert_eq(fx->got, 3);
	/* Nothing more: not the old bytes at 88 either. */
	mc_assert_eq(shmprim_channel_receive(&fx->c, &m), SHMPRIM_ERR_EMPTY);
	mc_assert_eq(fx->p.head, 88);
	mc_assert_eq(fx->c.released, 88);
}

/* ---- close: n messages, then END ---- */

static void close_producer(void *arg)
{
	chan_fx *fx = arg;
	uint64_t v;

	for (v = 1; v <= fx->items; v++)
		send_spin(&fx->p, &v, sizeof(v));
	mc_assert_eq(shmprim_channel_producer_close(&fx->p), SHMPRIM_OK);
}

static void close_consumer(void *arg)
{
	chan_fx *fx = arg;
	shmprim_channel_msg m;
	shmprim_status st;
	uint64_t v;

	while ((st = receive_spin(&fx->c, &m)) == SHMPRIM_OK) {
		mc_assert_eq(m.len, sizeof(v));
		memcpy(&v, m.data, sizeof(v));
		mc_assert_eq(v, fx->got + 1);
		mc_assert_eq(shmprim_channel_release(&fx->c), SHMPRIM_OK);
		fx->got++;
	}
	mc_assert_eq(st, SHMPRIM_ERR_END);
	mc_assert_eq(fx->got, fx->items); /* END only after every message sent */
	mc_assert_eq(shmprim_channel_receive(&fx->c, &m), SHMPRIM_ERR_END);
}

/* a = messages */
static void chan_close(void *arg)
{
	const scenario_arg *sa = arg;
	chan_fx *fx = chan_fx_new();
	int tp, tc;

	fx->items = sa->sc->a;
	take_both(fx);
	tp = mc_spawn(close_producer, fx);
	tc = mc_spawn(close_consumer, fx);
	mc_join(tp);
	mc_join(tc);
	mc_assert_eq(fx->got, fx->items);
	/* Closed for good: nobody takes the producer side again. */
	mc_assert_eq(sp_channel_take_producer(&fx->ch, &fx->p, token_of(PID_X), fake_liveness, NULL),
	             SHMPRIM_ERR_CLOSED);
}

/* ---- claims: two takers race for one consumer side ---- */

static void claim_taker(chan_fx *fx, int i)
{
	shmprim_channel_consumer *c = mc_alloc(sizeof(*c), 64);

	fx->st[i] = sp_channel_take_consumer(&fx->ch, c, token_of(i == 0 ? PID_C : PID_X), fake_liveness,
	                                     &fx->holder[i]);
}

static void claim_taker0(void *arg)
{
	claim_taker(arg, 0);
}

static void claim_taker1(void *arg)
{
	claim_taker(arg, 1);
}

/* a = 0: the side is FREE; a = 1: a dead process holds it. Exactly one
 * taker wins; the other gets CLAIMED naming the winner (alive); the winner
 * learns whom it took over from. */
static void chan_claims(void *arg)
{
	const scenario_arg *sa = arg;
	chan_fx *fx = chan_fx_new();
	int t0, t1, w;

	if (sa->sc->a)
		mc_assert_eq(sp_channel_take_consumer(&fx->ch, &fx->c, token_of(DEAD_PID), fake_liveness, NULL),
		             SHMPRIM_OK); /* then it "dies" holding the side */
	t0 = mc_spawn(claim_taker0, fx);
	t1 = mc_spawn(claim_taker1, fx);
	mc_join(t0);
	mc_join(t1);
	mc_assert((fx->st[0] == SHMPRIM_OK) != (fx->st[1] == SHMPRIM_OK));
	w = fx->st[0] == SHMPRIM_OK ? 0 : 1;
	mc_assert_eq(fx->st[1 - w], SHMPRIM_ERR_CLAIMED);
	mc_assert_eq(fx->holder[1 - w].state, SHMPRIM_SIDE_HELD);
	mc_assert_eq(fx->holder[1 - w].pid, w == 0 ? PID_C : PID_X);
	mc_assert_eq(fx->holder[1 - w].liveness, SHMPRIM_ALIVE);
	if (sa->sc->a) {
		mc_assert_eq(fx->holder[w].state, SHMPRIM_SIDE_HELD);
		mc_assert_eq(fx->holder[w].pid, DEAD_PID);
		mc_assert_eq(fx->holder[w].liveness, SHMPRIM_DEAD);
	} else {
		mc_assert_eq(fx->holder[w].state, SHMPRIM_SIDE_FREE);
	}
}

/* ---- consumer takeover: what was not released comes again ---- */

static void takeover_producer(void *arg)
{
	chan_fx *fx = arg;
	uint64_t v;

	for (v = 1; v <= 3; v++)
		send_spin(&fx->p, &v, sizeof(v));
}

static uint64_t value_of(const shmprim_channel_msg *m)
{
	uint64_t v;

	mc_assert_eq(m->len, sizeof(v));
	memcpy(&v, m->data, sizeof(v));
	return v;
}

/* Consumer A (a dead pid): receives 1 and releases it, receives 2 and
 * stops there, holding the side, 2 not released. */
static void consumer_a(void *arg)
{
	chan_fx *fx = arg;
	shmprim_channel_msg m;

	mc_assert_eq(sp_channel_take_consumer(&fx->ch, &fx->c, token_of(DEAD_PID), fake_liveness, NULL), SHMPRIM_OK);
	mc_assert_eq(receive_spin(&fx->c, &m), SHMPRIM_OK);
	mc_assert_eq(value_of(&m), 1);
	mc_assert_eq(shmprim_channel_release(&fx->c), SHMPRIM_OK);
	mc_assert_eq(receive_spin(&fx->c, &m), SHMPRIM_OK);
	mc_assert_eq(value_of(&m), 2);
}

/* Consumer B: takes the side over from A (dead) and gets 2 again, then 3. */
static void consumer_b(void *arg)
{
	chan_fx *fx = arg;
	shmprim_channel_consumer *c = mc_alloc(sizeof(*c), 64);
	shmprim_channel_msg m;

	mc_assert_eq(sp_channel_take_consumer(&fx->ch, c, token_of(PID_C), fake_liveness, &fx->holder[0]), SHMPRIM_OK);
	mc_assert_eq(fx->holder[0].pid, DEAD_PID);
	mc_assert_eq(receive_spin(c, &m), SHMPRIM_OK);
	mc_assert_eq(value_of(&m), 2);
	mc_assert_eq(receive_spin(c, &m), SHMPRIM_OK);
	mc_assert_eq(value_of(&m), 3);
	mc_assert_eq(shmprim_channel_release(c), SHMPRIM_OK);
	mc_assert_eq(shmprim_channel_receive(c, &m), SHMPRIM_ERR_EMPTY);
	fx->got = 3;
}

static void chan_consumer_takeover(void *arg)
{
	chan_fx *fx = chan_fx_new();
	int tp, ta, tb;

	(void)arg;
	mc_assert_eq(sp_channel_take_producer(&fx->ch, &fx->p, token_of(PID_P), fake_liveness, NULL), SHMPRIM_OK);
	tp = mc_spawn(takeover_producer, fx);
	ta = mc_spawn(consumer_a, fx);
	mc_join(ta); /* A is gone: the fake liveness says so */
	tb = mc_spawn(consumer_b, fx);
	mc_join(tp);
	mc_join(tb);
	mc_assert_eq(fx->got, 3);
}

/* ---- producer takeover: a loan not sent is dropped ---- */

/* Producer A (a dead pid): sends 1, loans 8 bytes, fills them, and stops
 * there, holding the side. */
static void producer_a(void *arg)
{
	chan_fx *fx = arg;
	uint64_t v = 1;
	void *buf;

	mc_assert_eq(sp_channel_take_producer(&fx->ch, &fx->p, token_of(DEAD_PID), fake_liveness, NULL), SHMPRIM_OK);
	send_spin(&fx->p, &v, sizeof(v));
	mc_assert_eq(shmprim_channel_loan(&fx->p, 8, &buf), SHMPRIM_OK);
	sp_plain_write(buf, 8);
	memset(buf, 0xEE, 8);
}

/* Producer B: takes the side over from A (dead) and sends 2 right after 1. */
static void producer_b(void *arg)
{
	chan_fx *fx = arg;
	shmprim_channel_producer *p = mc_alloc(sizeof(*p), 64);
	uint64_t v = 2;

	mc_assert_eq(sp_channel_take_producer(&fx->ch, p, token_of(PID_P), fake_liveness, &fx->holder[0]), SHMPRIM_OK);
	mc_assert_eq(fx->holder[0].pid, DEAD_PID);
	send_spin(p, &v, sizeof(v));
}

static void takeover_consumer(void *arg)
{
	chan_fx *fx = arg;
	shmprim_channel_msg m;
	uint64_t v;

	for (v = 1; v <= 2; v++) {
		mc_assert_eq(receive_spin(&fx->c, &m), SHMPRIM_OK);
		mc_assert_eq(value_of(&m), v);
		mc_assert_eq(shmprim_channel_release(&fx->c), SHMPRIM_OK);
	}
	fx->got = 2;
}

static void chan_producer_takeover(void *arg)
{
	chan_fx *fx = chan_fx_new();
	shmprim_channel_msg m;
	int ta, tb, tc;

	(void)arg;
	mc_assert_eq(sp_channel_take_consumer(&fx->ch, &fx->c, token_of(PID_C), fake_liveness, NULL), SHMPRIM_OK);
	tc = mc_spawn(takeover_consumer, fx);
	ta = mc_spawn(producer_a, fx);
	mc_join(ta); /* A is gone, its loan unsent */
	tb = mc_spawn(producer_b, fx);
	mc_join(tb);
	mc_join(tc);
	mc_assert_eq(fx->got, 2);
	mc_assert_eq(shmprim_channel_receive(&fx->c, &m), SHMPRIM_ERR_EMPTY); /* the loan never shows */
}

/* ---- a second handle, and what an observer reads (snapshot, in flight) ----
 * The consumer attaches its own handle (A1), takes the side through it and,
 * holding message 1, reads the snapshot and the bytes in flight, which must
 * be consistent with what it has seen: two 8-byte messages are two 16-byte
 * records. After the joins both read exactly the drained channel. */
static void observed_producer(void *arg)
{
	chan_fx *fx = arg;
	uint64_t v;

	for (v = 1; v <= 2; v++)
		send_spin(&fx->p, &v, sizeof(v));
}

static void check_claims(const shmprim_channel_snapshot *s)
{
	mc_assert_eq(s->producer_claim, token_of(PID_P));
	mc_assert_eq(s->consumer_claim, token_of(PID_C));
	mc_assert_eq(s->producer_sleeping, 0);
	mc_assert_eq(s->consumer_sleeping, 0);
	mc_assert_eq(s->records, SHMPRIM_OK);
}

static void observing_consumer(void *arg)
{
	chan_fx *fx = arg;
	shmprim_channel *ch = mc_alloc(sizeof(*ch), 64);
	shmprim_channel_consumer *c = mc_alloc(sizeof(*c), 64);
	shmprim_channel_snapshot s;
	shmprim_channel_msg m;
	uint64_t in_flight;

	mc_assert_eq(shmprim_channel_attach(ch, fx->region, 0), SHMPRIM_OK);
	mc_assert_eq(ch->data_bytes, DATA);
	mc_assert_eq(sp_channel_take_consumer(ch, c, token_of(PID_C), fake_liveness, NULL), SHMPRIM_OK);
	mc_assert_eq(receive_spin(c, &m), SHMPRIM_OK);
	mc_assert_eq(value_of(&m), 1);
	/* message 1 is held, not released: the walk from 0 finds it, and maybe 2 */
	mc_assert_eq(shmprim_channel_snapshot_of(ch, &s), SHMPRIM_OK);
	check_claims(&s);
	mc_assert_eq(s.released, 0);
	mc_assert(s.published_end == 16 || s.published_end == 32);
	mc_assert_eq(s.messages, s.published_end / 16);
	mc_assert_eq(s.message_bytes, 8u * s.messages);
	mc_assert(s.sent_hint == 0 || s.sent_hint == 16 || s.sent_hint == 32); /* a hint, relaxed */
	in_flight = sp_channel_bytes_in_flight(ch->header, DATA);
	mc_assert(in_flight == 0 || in_flight == 16 || in_flight == 32);
	mc_assert_eq(shmprim_channel_release(c), SHMPRIM_OK);
	mc_assert_eq(receive_spin(c, &m), SHMPRIM_OK);
	mc_assert_eq(value_of(&m), 2);
	mc_assert_eq(shmprim_channel_release(c), SHMPRIM_OK);
	mc_assert_eq(shmprim_channel_receive(c, &m), SHMPRIM_ERR_EMPTY);
	fx->got = 2;
}

static void chan_attach_observe(void *arg)
{
	chan_fx *fx = chan_fx_new();
	shmprim_channel_snapshot s;
	int tp, tc;

	(void)arg;
	mc_assert_eq(sp_channel_take_producer(&fx->ch, &fx->p, token_of(PID_P), fake_liveness, NULL), SHMPRIM_OK);
	tp = mc_spawn(observed_producer, fx);
	tc = mc_spawn(observing_consumer, fx);
	mc_join(tp);
	mc_join(tc);
	mc_assert_eq(fx->got, 2);
	mc_assert_eq(shmprim_channel_snapshot_of(&fx->ch, &s), SHMPRIM_OK);
	check_claims(&s);
	mc_assert_eq(s.released, 32);
	mc_assert_eq(s.published_end, 32);
	mc_assert_eq(s.sent_hint, 32);
	mc_assert_eq(s.messages, 0);
	mc_assert_eq(s.message_bytes, 0);
	mc_assert_eq(sp_channel_bytes_in_flight(fx->ch.header, DATA), 0);
}

const scenario channel_scenarios[] = {
	{"chan_transfer", chan_transfer, MC_TIER_EXHAUSTIVE, true, 0, 0},
	{"chan_close", chan_close, MC_TIER_EXHAUSTIVE, true, 2, 0},
	{"chan_claims_free", chan_claims, MC_TIER_EXHAUSTIVE, true, 0, 0},
	{"chan_claims_dead_holder", chan_claims, MC_TIER_EXHAUSTIVE, true, 1, 0},
	{"chan_consumer_takeover", chan_consumer_takeover, MC_TIER_EXHAUSTIVE, true, 0, 0},
	{"chan_producer_takeover", chan_producer_takeover, MC_TIER_EXHAUSTIVE, true, 0, 0},
	{"chan_attach_observe", chan_attach_observe, MC_TIER_EXHAUSTIVE, true, 0, 0},
	{NULL, NULL, MC_TIER_EXHAUSTIVE, false, 0, 0},
};
