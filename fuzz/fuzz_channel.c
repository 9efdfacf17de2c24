/*
 * Fuzz target (libFuzzer interface): channel images and operation sequences.
 *
 * Input: one mode byte, then
 *   mode even: a channel image. It is copied over a fresh channel (data area
 *              of DATA bytes at offset 0 of a REGION-byte region), the
 *              length in the next two bytes; whatever attaches then has both
 *              sides taken and is driven by the rest of the input.
 *   mode odd:  an operation sequence on a fresh, valid channel.
 * Operations (one byte each, some with argument bytes): send, loan and
 * send_loan or cancel, receive, release, recv, send_batch, receive_batch,
 * leave / close / take again, re-attach, and writes of fuzzer-chosen values
 * anywhere in the region (the hostile peer). Sides are taken with two fixed
 * tokens and a liveness check that calls every other holder dead, so a
 * scribbled claim is taken over, deterministically, without /proc.
 *
 * Checked on every input: each call returns a status documented for it;
 * every view and loan lies inside the data area with a length in
 * 1..max_message, and the views received since the last release never
 * overlap; no call runs more than a fixed number of loop iterations; and,
 * until the first hostile write (or from an image other than a fresh
 * channel's), the channel is exactly a FIFO of
 * the messages sent (bytes, lengths, order, END after close, EMPTY only when
 * nothing is left, never FULL when empty), with the takeover rules of
 * channel.h. A failed check aborts (a finding).
 */
#define _POSIX_C_SOURCE 200112L /* posix_memalign */

#include <shmprim/channel.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/channel_internal.h"
#include "../src/test_hooks.h"

#define DATA 256u
#define MAXMSG 120u /* shmprim_channel_max_message_for(DATA) */
#define REGION 1024u /* room for an image's data area of up to 512 bytes */
#define BATCH 4u
#define HELD 64u
#define QUEUE 256u /* the model's messages (a power of two) */
/* A take's walk of at most REGION / 8 headers after 8 claim rounds, or a
 * batch of a few steps per message. */
#define LOOP_BOUND (REGION / 8u + 8u * BATCH + 32u)

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

static uint8_t take8(input *in)
{
	uint8_t b = 0;

	take(in, &b);
	return b;
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

#define TOKEN_P shmprim_proc_token_make(1001, 7)
#define TOKEN_C shmprim_proc_token_make(1002, 7)

static shmprim_liveness liveness(shmprim_proc_token token)
{
	return token == TOKEN_P || token == TOKEN_C ? SHMPRIM_ALIVE : SHMPRIM_DEAD;
}

typedef struct state {
	unsigned char *mem;
	shmprim_channel ch;
	int have_ch, have_p, have_c, loan_open, hostile;
	uint32_t loan_len;
	unsigned char *loan_buf;
	shmprim_channel_producer p;
	shmprim_channel_consumer c;
	/* views since the last release */
	const unsigned char *view_at[HELD];
	uint32_t view_len[HELD], nviews;
	/* the model, valid until s.hostile: messages [released, sent), the
	 * consumer at received; closed sides */
	uint32_t len[QUEUE], seq[QUEUE];
	uint32_t released, received, sent, next_seq;
	int p_closed, c_closed;
} state;

static unsigned char byte_of(uint32_t seq, uint32_t k)
{
	return (unsigned char)(seq * 31u + k * 7u + 1u);
}

static void fill(unsigned char *b, uint32_t seq, uint32_t len)
{
	uint32_t k;

	for (k = 0; k < len; k++)
		b[k] = byte_of(seq, k);
}

static int one_of(shmprim_status st, const shmprim_status *ok, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (st == ok[i])
			return 1;
	return 0;
}

#define EXPECT(st, ...)                                                                  \
	do {                                                                             \
		static const shmprim_status ok_[] = { __VA_ARGS__ };                     \
		CHECK(one_of((st), ok_, sizeof(ok_) / sizeof(ok_[0])));                  \
	} while (0)

#define TAKE_STATUSES SHMPRIM_OK, SHMPRIM_ERR_CLAIMED, SHMPRIM_ERR_CLOSED, SHMPRIM_ERR_CONTENDED, SHMPRIM_ERR_CORRUPT
#define SEND_STATUSES SHMPRIM_OK, SHMPRIM_ERR_FULL, SHMPRIM_ERR_CLOSED, SHMPRIM_ERR_MESSAGE_SIZE, \
	SHMPRIM_ERR_CLAIM_LOST, SHMPRIM_ERR_CORRUPT
#define RECEIVE_STATUSES SHMPRIM_OK, SHMPRIM_ERR_EMPTY, SHMPRIM_ERR_END, SHMPRIM_ERR_CORRUPT, SHMPRIM_ERR_CLAIM_LOST

static void area_ok(state *s, const void *p, uint32_t len)
{
	const unsigned char *lo = s->ch.data, *hi = lo + s->ch.data_bytes, *b = p;

	CHECK(b && b >= lo && b <= hi && len <= (size_t)(hi - b));
	CHECK(len >= 1 && len <= s->ch.max_message);
}

/* ---- sides ---- */

static void take_producer(state *s)
{
	shmprim_status st = sp_channel_take_producer(&s->ch, &s->p, TOKEN_P, liveness, NULL);

	EXPECT(st, TAKE_STATUSES);
	s->have_p = st == SHMPRIM_OK;
	s->loan_open = 0;
	if (!s->hostile)
		CHECK(st == (s->p_closed ? SHMPRIM_ERR_CLOSED : SHMPRIM_OK));
}

static void take_consumer(state *s)
{
	shmprim_status st = sp_channel_take_consumer(&s->ch, &s->c, TOKEN_C, liveness, NULL);

	EXPECT(st, TAKE_STATUSES);
	s->have_c = st == SHMPRIM_OK;
	s->nviews = 0;
	if (!s->hostile) {
		CHECK(st == (s->c_closed ? SHMPRIM_ERR_CLOSED : SHMPRIM_OK));
		s->received = s->released; /* a successor resumes at the first message not released */
	}
}

static void attach(state *s)
{
	shmprim_status st = shmprim_channel_attach(&s->ch, shmprim_region_from_raw(s->mem, REGION), 0);

	CHECK(st < SHMPRIM_STATUS_COUNT_);
	s->have_ch = st == SHMPRIM_OK;
	s->have_p = s->have_c = 0;
	if (!s->hostile)
		CHECK(s->have_ch);
	if (!s->have_ch)
		return;
	CHECK(s->ch.data == s->mem + SHMPRIM_CHANNEL_HEADER_SIZE);
	CHECK(SHMPRIM_CHANNEL_HEADER_SIZE + (size_t)s->ch.data_bytes <= REGION);
	CHECK(s->ch.max_message >= 1 && s->ch.max_message <= shmprim_channel_max_message_for(s->ch.data_bytes));
	take_producer(s);
	take_consumer(s);
}

/* ---- producer ---- */

static void sent_one(state *s, uint32_t seq, uint32_t len)
{
	if (s->hostile)
		return;
	CHECK(s->sent - s->released < QUEUE);
	s->len[s->sent % QUEUE] = len;
	s->seq[s->sent % QUEUE] = seq;
	s->sent++;
}

/* What the model says of a send's status (before the first hostile write). */
static void send_status_ok(state *s, shmprim_status st, uint32_t len)
{
	if (s->hostile)
		return;
	if (len == 0 || len > s->ch.max_message) {
		CHECK(st == SHMPRIM_ERR_MESSAGE_SIZE);
		return;
	}
	if (s->c_closed) {
		CHECK(st == SHMPRIM_ERR_CLOSED);
		return;
	}
	CHECK(st == SHMPRIM_OK || st == SHMPRIM_ERR_FULL);
	if (s->sent == s->released)
		CHECK(st == SHMPRIM_OK); /* any message up to the maximum fits an empty channel */
}

static void op_send(state *s, input *in)
{
	unsigned char b[512];
	uint32_t len = take8(in) % (s->ch.max_message + 8u), seq = s->next_seq;
	shmprim_status st;

	if (!s->have_p || s->loan_open || len > sizeof(b))
		return;
	fill(b, seq, len);
	st = shmprim_channel_send(&s->p, b, len);
	EXPECT(st, SEND_STATUSES);
	send_status_ok(s, st, len);
	if (st == SHMPRIM_OK) {
		s->next_seq++;
		sent_one(s, seq, len);
	}
}

static void op_loan(state *s, input *in, uint8_t op)
{
	uint32_t len = take8(in) % (s->ch.max_message + 8u);
	shmprim_status st;

	if (!s->have_p)
		return;
	if (!s->loan_open) {
		void *buf = NULL;

		st = shmprim_channel_loan(&s->p, len, &buf);
		EXPECT(st, SEND_STATUSES);
		send_status_ok(s, st, len);
		if (st == SHMPRIM_OK) {
			area_ok(s, buf, len);
			s->loan_open = 1;
			s->loan_len = len;
			s->loan_buf = buf;
		}
		return;
	}
	if (op & 0x10) {
		CHECK(shmprim_channel_cancel_loan(&s->p) == SHMPRIM_OK);
		s->loan_open = 0;
		return;
	}
	/* send len bytes of the loan (0 or more than loaned: MESSAGE_SIZE) */
	len = len % (s->loan_len + 2u);
	if (len >= 1 && len <= s->loan_len)
		fill(s->loan_buf, s->next_seq, len);
	st = shmprim_channel_send_loan(&s->p, len);
	EXPECT(st, SHMPRIM_OK, SHMPRIM_ERR_MESSAGE_SIZE);
	CHECK((st == SHMPRIM_OK) == (len >= 1 && len <= s->loan_len));
	if (st == SHMPRIM_OK) {
		s->loan_open = 0;
		sent_one(s, s->next_seq++, len);
	}
}

static void op_send_batch(state *s, uint8_t op)
{
	static unsigned char b[BATCH][MAXMSG];
	shmprim_channel_msg m[BATCH];
	uint32_t n = (uint32_t)(op >> 5) % (BATCH + 1u), i, sent = 99;
	shmprim_status st;

	if (!s->have_p || s->loan_open)
		return;
	for (i = 0; i < n; i++) {
		m[i].len = 1u + (s->next_seq + i * 13u) % (s->ch.max_message < MAXMSG ? s->ch.max_message : MAXMSG);
		fill(b[i], s->next_seq + i, m[i].len);
		m[i].data = b[i];
	}
	st = shmprim_channel_send_batch(&s->p, m, n, &sent);
	EXPECT(st, SEND_STATUSES);
	CHECK(sent <= n && (st == SHMPRIM_OK) == (sent == n));
	for (i = 0; i < sent; i++)
		sent_one(s, s->next_seq + i, m[i].len);
	s->next_seq += sent;
	if (!s->hostile && n > sent)
		send_status_ok(s, st, m[sent].len);
}

/* ---- consumer ---- */

static void view_ok(state *s, const shmprim_channel_msg *m)
{
	const unsigned char *b = m->data;
	uint32_t i, k;

	area_ok(s, m->data, m->len);
	for (i = 0; i < s->nviews; i++)
		CHECK(!(b < s->view_at[i] + s->view_len[i] && s->view_at[i] < b + m->len)); /* valid until release */
	if (s->nviews < HELD) {
		s->view_at[s->nviews] = b;
		s->view_len[s->nviews++] = m->len;
	}
	if (s->hostile)
		return;
	CHECK(s->received != s->sent);
	CHECK(m->len == s->len[s->received % QUEUE]);
	for (k = 0; k < m->len; k++)
		CHECK(b[k] == byte_of(s->seq[s->received % QUEUE], k));
	s->received++;
}

/* The model's answer when nothing came. */
static void nothing_ok(state *s, shmprim_status st)
{
	if (s->hostile)
		return;
	CHECK(s->received == s->sent);
	CHECK(st == (s->p_closed ? SHMPRIM_ERR_END : SHMPRIM_ERR_EMPTY));
}

static void op_receive(state *s)
{
	shmprim_channel_msg m;
	shmprim_status st;

	if (!s->have_c)
		return;
	st = shmprim_channel_receive(&s->c, &m);
	EXPECT(st, RECEIVE_STATUSES);
	if (st == SHMPRIM_OK)
		view_ok(s, &m);
	else
		nothing_ok(s, st);
}

static void op_receive_batch(state *s, uint8_t op)
{
	shmprim_channel_msg m[BATCH];
	uint32_t n = (uint32_t)(op >> 5) % (BATCH + 1u), got = 99, i;
	shmprim_status st;

	if (!s->have_c)
		return;
	st = shmprim_channel_receive_batch(&s->c, m, n, &got);
	EXPECT(st, RECEIVE_STATUSES);
	CHECK(got <= n && (got == 0 || st == SHMPRIM_OK));
	for (i = 0; i < got; i++)
		view_ok(s, &m[i]);
	if (got < n && !s->hostile)
		CHECK(s->received == s->sent); /* it stopped at EMPTY or END */
}

static void op_release(state *s)
{
	shmprim_status st;

	if (!s->have_c)
		return;
	st = shmprim_channel_release(&s->c);
	EXPECT(st, SHMPRIM_OK, SHMPRIM_ERR_CLAIM_LOST);
	s->nviews = 0;
	if (!s->hostile) {
		CHECK(st == SHMPRIM_OK);
		s->released = s->received;
	}
}

static void op_recv(state *s, input *in)
{
	unsigned char b[512];
	uint32_t cap = take8(in) * 2u, len = 0, k;
	shmprim_status st;

	if (!s->have_c)
		return;
	st = shmprim_channel_recv(&s->c, b, cap, &len);
	EXPECT(st, RECEIVE_STATUSES, SHMPRIM_ERR_MESSAGE_SIZE);
	if (st == SHMPRIM_OK || st == SHMPRIM_ERR_MESSAGE_SIZE)
		CHECK(len >= 1 && len <= s->ch.max_message && (st == SHMPRIM_OK) == (len <= cap));
	if (st == SHMPRIM_OK)
		s->nviews = 0; /* recv releases */
	if (s->hostile)
		return;
	if (st != SHMPRIM_OK && st != SHMPRIM_ERR_MESSAGE_SIZE) {
		nothing_ok(s, st);
		return;
	}
	CHECK(s->received != s->sent && len == s->len[s->received % QUEUE]);
	if (st == SHMPRIM_OK) {
		for (k = 0; k < len; k++)
			CHECK(b[k] == byte_of(s->seq[s->received % QUEUE], k));
		s->received++;
		s->released = s->received;
	}
}

/* ---- sides and the hostile peer ---- */

static void op_side(state *s, uint8_t op)
{
	shmprim_status st;

	switch ((op >> 4) % 6) {
	case 0: /* the producer leaves and comes back: its loan is dropped */
		if (s->have_p) {
			st = shmprim_channel_producer_leave(&s->p);
			EXPECT(st, SHMPRIM_OK, SHMPRIM_ERR_CLAIM_LOST);
		}
		take_producer(s);
		break;
	case 1: /* the consumer leaves; its successor gets what was not released again */
		if (s->have_c) {
			st = shmprim_channel_consumer_leave(&s->c);
			EXPECT(st, SHMPRIM_OK, SHMPRIM_ERR_CLAIM_LOST);
		}
		take_consumer(s);
		break;
	case 2:
		if (s->have_p) {
			st = shmprim_channel_producer_close(&s->p);
			EXPECT(st, SHMPRIM_OK, SHMPRIM_ERR_CLAIM_LOST);
			s->have_p = 0;
			if (st == SHMPRIM_OK && !s->hostile)
				s->p_closed = 1;
		}
		break;
	case 3:
		if (s->have_c) {
			st = shmprim_channel_consumer_close(&s->c);
			EXPECT(st, SHMPRIM_OK, SHMPRIM_ERR_CLAIM_LOST);
			s->have_c = 0;
			if (st == SHMPRIM_OK && !s->hostile)
				s->c_closed = 1;
		}
		break;
	case 4: { /* a restarted process: attach again, take what is free */
		shmprim_channel again;

		st = shmprim_channel_attach(&again, shmprim_region_from_raw(s->mem, REGION), 0);
		CHECK(st < SHMPRIM_STATUS_COUNT_);
		if (!s->hostile)
			CHECK(st == SHMPRIM_OK && again.data_bytes == s->ch.data_bytes);
		break;
	}
	default: {
		shmprim_channel_peer_info info;

		if (s->have_p) {
			CHECK(shmprim_channel_producer_peer(&s->p, &info) == SHMPRIM_OK);
			CHECK(info.bytes_in_flight <= s->ch.data_bytes);
		}
		if (s->have_c) {
			CHECK(shmprim_channel_consumer_peer(&s->c, &info) == SHMPRIM_OK);
			CHECK(info.bytes_in_flight <= s->ch.data_bytes);
		}
	}
	}
}

static void op_write(state *s, input *in)
{
	uint32_t off = take32(in) % (REGION - 8);
	uint32_t lo = take32(in), hi = take32(in);
	uint8_t w = take8(in);

	switch (w % 3) {
	case 0: s->mem[off] = (uint8_t)lo; break;
	case 1: memcpy(s->mem + (off & ~3u), &lo, 4); break;
	default: {
		uint64_t q = ((uint64_t)hi << 32) | lo;

		memcpy(s->mem + (off & ~7u), &q, 8);
	}
	}
	s->hostile = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char *mem, fresh[REGION];
	static state s;
	input in = { data, size };
	uint8_t mode = 1, op;

	if (!mem && posix_memalign((void **)&mem, SHMPRIM_ALIGN, REGION) != 0)
		abort();
	memset(&s, 0, sizeof(s));
	s.mem = mem;
	memset(mem, 0, REGION);
	CHECK(shmprim_channel_init(&s.ch, shmprim_region_from_raw(mem, REGION), 0, DATA, MAXMSG) == SHMPRIM_OK);
	take(&in, &mode);
	if (!(mode & 1)) {
		/* An image: up to REGION bytes, the length in the next two bytes. */
		size_t len = (size_t)take8(&in);

		len = (len | (size_t)take8(&in) << 8) % (REGION + 1);
		if (len > in.n)
			len = in.n;
		memcpy(fresh, mem, REGION);
		memcpy(mem, in.p, len);
		in.p += len;
		in.n -= len;
		/* An image of a fresh channel keeps the model: it is one. */
		s.hostile = memcmp(fresh, mem, REGION) != 0;
	}
	attach(&s);
	while (s.have_ch && take(&in, &op)) {
		unsigned long before = shmprim_loop_count;

		switch (op % 8) {
		case 0: op_send(&s, &in); break;
		case 1: op_loan(&s, &in, op); break;
		case 2: op_receive(&s); break;
		case 3: op_release(&s); break;
		case 4: op_recv(&s, &in); break;
		case 5: if (op & 0x10) op_send_batch(&s, op); else op_receive_batch(&s, op); break;
		case 6: if (op & 0x80) op_write(&s, &in); else op_side(&s, op); break;
		default: op_side(&s, op); break;
		}
		CHECK(shmprim_loop_count - before <= LOOP_BOUND);
	}
	return 0;
}
