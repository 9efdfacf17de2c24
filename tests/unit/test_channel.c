/* The channel in one process: geometry, exclusive sides, framing across the
 * wrap, loans, views, close, leave and takeover, and corrupt shared words. */
#include "unit_util.h"

#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

TestSuite(channel, .timeout = UNIT_TIMEOUT_S);

typedef struct fixture {
	shmprim_heap_region heap;
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_channel_consumer c;
} fixture;

static void setup(fixture *f, uint32_t data_bytes, uint32_t max_message)
{
	f->heap = unit_heap(shmprim_channel_required_size(data_bytes));
	cr_assert_eq(shmprim_channel_init(&f->ch, shmprim_heap_region_region(&f->heap), 0, data_bytes, max_message),
	             SHMPRIM_OK);
	cr_assert_eq(shmprim_channel_take_producer(&f->ch, &f->p, NULL), SHMPRIM_OK);
	cr_assert_eq(shmprim_channel_take_consumer(&f->ch, &f->c, NULL), SHMPRIM_OK);
}

static void teardown(fixture *f)
{
	shmprim_heap_region_free(&f->heap);
}

/* Message n: length len, bytes unit_pattern(n, k). */
static void send_pattern(shmprim_channel_producer *p, uint32_t n, uint32_t len)
{
	unsigned char buf[4096];

	cr_assert(len <= sizeof(buf));
	unit_fill(buf, len, n);
	cr_assert_eq(shmprim_channel_send(p, buf, len), SHMPRIM_OK, "message %u (%u bytes)", n, len);
}

static void expect_pattern(const shmprim_channel_msg *m, uint32_t n, uint32_t len)
{
	const unsigned char *b = m->data;
	uint32_t k;

	cr_assert_eq(m->len, len, "message %u: length %u, want %u", n, m->len, len);
	for (k = 0; k < len; k++)
		cr_assert_eq(b[k], unit_pattern(n, k), "message %u byte %u", n, k);
}

/* A length in [1, max] that varies with n. */
static uint32_t length_of(uint32_t n, uint32_t max)
{
	return 1u + (n * 2654435761u >> 7) % max;
}

Test(channel, geometry_is_checked)
{
	shmprim_heap_region heap = unit_heap(8192);
	shmprim_region r = shmprim_heap_region_region(&heap);
	shmprim_channel ch;

	cr_assert_eq(shmprim_channel_required_size(64), 512 + 64);
	cr_assert_eq(shmprim_channel_required_size(63), 0);
	cr_assert_eq(shmprim_channel_required_size(96), 0);
	cr_assert_eq(shmprim_channel_required_size(32), 0);
	cr_assert_eq(shmprim_channel_required_size(1u << 31), 0);
	cr_assert_eq(shmprim_channel_max_message_for(64), 24);
	cr_assert_eq(shmprim_channel_max_message_for(4096), 2040);
	cr_assert_eq(shmprim_channel_init(&ch, r, 0, 100, 8), SHMPRIM_ERR_INVALID_ARGUMENT);
	cr_assert_eq(shmprim_channel_init(&ch, r, 0, 4096, 0), SHMPRIM_ERR_MESSAGE_SIZE);
	cr_assert_eq(shmprim_channel_init(&ch, r, 0, 4096, 2041), SHMPRIM_ERR_MESSAGE_SIZE);
	cr_assert_eq(shmprim_channel_init(&ch, r, 8, 4096, 8), SHMPRIM_ERR_MISALIGNED);
	cr_assert_eq(shmprim_channel_init(&ch, r, 4096, 4096, 8), SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_channel_init(NULL, r, 0, 4096, 8), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_channel_init(&ch, r, 0, 4096, 2040), SHMPRIM_OK);
	cr_assert_eq(ch.data_bytes, 4096);
	cr_assert_eq(ch.max_message, 2040);
	shmprim_heap_region_free(&heap);
}

Test(channel, attach_checks_the_header)
{
	shmprim_heap_region heap = unit_heap(shmprim_channel_required_size(1024));
	shmprim_region r = shmprim_heap_region_region(&heap);
	unsigned char *b = r.base;
	shmprim_channel ch, other;

	cr_assert_eq(shmprim_channel_attach(&other, r, 0), SHMPRIM_ERR_BAD_MAGIC);
	cr_assert_eq(shmprim_channel_init(&ch, r, 0, 1024, 100), SHMPRIM_OK);
	cr_assert_eq(shmprim_channel_attach(&other, r, 0), SHMPRIM_OK);
	cr_assert_eq(other.data_bytes, 1024);
	cr_assert_eq(other.max_message, 100);
	cr_assert_eq(shmprim_channel_attach_expect(&other, r, 0, 1024, 100), SHMPRIM_OK);
	cr_assert_eq(shmprim_channel_attach_expect(&other, r, 0, 1024, 101), SHMPRIM_ERR_UNEXPECTED_GEOMETRY);
	cr_assert_eq(shmprim_channel_attach_expect(&other, r, 0, 2048, 100), SHMPRIM_ERR_UNEXPECTED_GEOMETRY);
	r.len = 600; /* header fits, data does not */
	cr_assert_eq(shmprim_channel_attach(&other, r, 0), SHMPRIM_ERR_REGION_TOO_SMALL);
	r.len = shmprim_channel_required_size(1024);
	b[12] ^= 1; /* max_message: the checksum no longer matches */
	cr_assert_eq(shmprim_channel_attach(&other, r, 0), SHMPRIM_ERR_BAD_CHECKSUM);
	b[12] ^= 1;
	b[40] = 1; /* reserved */
	cr_assert_eq(shmprim_channel_attach(&other, r, 0), SHMPRIM_ERR_BAD_GEOMETRY);
	b[40] = 0;
	b[4] = 2; /* version */
	cr_assert_eq(shmprim_channel_attach(&other, r, 0), SHMPRIM_ERR_BAD_VERSION);
	b[4] = 1;
	{
		uint32_t swapped = 0x48435053u; /* the magic as the other byte order writes it */

		memcpy(b, &swapped, 4);
		cr_assert_eq(shmprim_channel_attach(&other, r, 0), SHMPRIM_ERR_WRONG_ENDIAN);
	}
	shmprim_heap_region_free(&heap);
}

Test(channel, sides_are_exclusive)
{
	fixture f;
	shmprim_channel_producer p2;
	shmprim_channel_consumer c2;
	shmprim_claim_holder h;

	setup(&f, 1024, 64);
	cr_assert_eq(shmprim_channel_take_producer(&f.ch, &p2, &h), SHMPRIM_ERR_CLAIMED);
	cr_assert_eq(h.state, SHMPRIM_SIDE_HELD);
	cr_assert_eq(h.pid, getpid());
	cr_assert_eq(h.liveness, SHMPRIM_ALIVE);
	cr_assert_eq(shmprim_channel_take_consumer(&f.ch, &c2, &h), SHMPRIM_ERR_CLAIMED);
	cr_assert_eq(h.pid, getpid());
	/* A side given back may be taken again; a closed one never. */
	cr_assert_eq(shmprim_channel_producer_leave(&f.p), SHMPRIM_OK);
	cr_assert_eq(shmprim_channel_take_producer(&f.ch, &p2, &h), SHMPRIM_OK);
	cr_assert_eq(h.state, SHMPRIM_SIDE_FREE);
	cr_assert_eq(shmprim_channel_send(&f.p, "x", 1), SHMPRIM_ERR_INVALID_STATE); /* the old handle */
	cr_assert_eq(shmprim_channel_producer_close(&p2), SHMPRIM_OK);
	cr_assert_eq(shmprim_channel_take_producer(&f.ch, &f.p, &h), SHMPRIM_ERR_CLOSED);
	cr_assert_eq(h.state, SHMPRIM_SIDE_CLOSED);
	teardown(&f);
}

Test(channel, a_dead_holder_is_taken_over)
{
	fixture f;
	shmprim_channel_producer p2;
	shmprim_claim_holder h;
	shmprim_proc_token me, ghost;

	setup(&f, 1024, 64);
	send_pattern(&f.p, 1, 10);
	/* This pid with another start time: a process that had the pid before. */
	cr_assert_eq(shmprim_proc_token_self(&me), SHMPRIM_OK);
	ghost = me ^ 1u;
	cr_assert_eq(shmprim_proc_liveness(ghost), SHMPRIM_DEAD);
	f.ch.header->producer_claim = ghost;
	cr_assert_eq(shmprim_channel_take_producer(&f.ch, &p2, &h), SHMPRIM_OK);
	cr_assert_eq(h.state, SHMPRIM_SIDE_HELD);
	cr_assert_eq(h.word, ghost);
	cr_assert_eq(h.liveness, SHMPRIM_DEAD);
	/* The old handle's claim is gone: it finds out when it next looks at the claim. */
	send_pattern(&p2, 2, 20);
	{
		shmprim_channel_msg m;

		cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_OK);
		expect_pattern(&m, 1, 10);
		cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_OK);
		expect_pattern(&m, 2, 20);
		cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_ERR_EMPTY);
	}
	/* An impossible word holds nothing: taken over too. */
	f.ch.header->consumer_claim = 12345;
	{
		shmprim_channel_consumer c2;

		cr_assert_eq(shmprim_channel_take_consumer(&f.ch, &c2, &h), SHMPRIM_OK);
		cr_assert_eq(h.state, SHMPRIM_SIDE_IMPOSSIBLE);
		cr_assert_eq(shmprim_channel_release(&f.c), SHMPRIM_OK); /* the old handle does not know yet */
	}
	teardown(&f);
}

Test(channel, messages_arrive_whole_and_in_order_across_many_laps)
{
	fixture f;
	uint32_t sent = 0, got = 0;

	setup(&f, 1024, 200);
	while (got < 20000) {
		shmprim_channel_msg m;
		shmprim_status st;

		while (sent < 20000) {
			unsigned char buf[200];
			uint32_t len = length_of(sent, 200);

			unit_fill(buf, len, sent);
			st = shmprim_channel_send(&f.p, buf, len);
			if (st == SHMPRIM_ERR_FULL)
				break;
			cr_assert_eq(st, SHMPRIM_OK);
			sent++;
		}
		st = shmprim_channel_receive(&f.c, &m);
		cr_assert_eq(st, SHMPRIM_OK, "message %u: %s", got, shmprim_status_str(st));
		expect_pattern(&m, got, length_of(got, 200));
		got++;
		if (got % 3 == 0)
			cr_assert_eq(shmprim_channel_release(&f.c), SHMPRIM_OK);
	}
	cr_assert_eq(shmprim_channel_release(&f.c), SHMPRIM_OK);
	{
		shmprim_channel_msg m;

		cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_ERR_EMPTY);
	}
	cr_assert_eq(f.ch.header->sent, f.ch.header->released);
	teardown(&f);
}

Test(channel, full_holds_exactly_what_fits)
{
	fixture f;
	shmprim_channel_msg m;
	uint32_t n = 0;

	/* 8-byte messages take 16 bytes each; one header word stays spare:
	 * 16 k + 16 + 8 <= 256 admits k = 0..14, so 15 fit. */
	setup(&f, 256, 8);
	while (shmprim_channel_send(&f.p, "abcdefgh", 8) == SHMPRIM_OK)
		n++;
	cr_assert_eq(n, 15);
	cr_assert_eq(shmprim_channel_send(&f.p, "abcdefgh", 8), SHMPRIM_ERR_FULL);
	/* Received but not released: still full. */
	cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_OK);
	cr_assert_eq(shmprim_channel_send(&f.p, "abcdefgh", 8), SHMPRIM_ERR_FULL);
	cr_assert_eq(shmprim_channel_release(&f.c), SHMPRIM_OK);
	cr_assert_eq(shmprim_channel_send(&f.p, "abcdefgh", 8), SHMPRIM_OK);
	teardown(&f);
}

Test(channel, a_message_never_straddles_the_end)
{
	fixture f;
	shmprim_channel_msg m;
	uint32_t i;

	/* 100-byte records: 104 + 8 each (112); after 2 the third does not fit
	 * before the end (256 - 224 = 32), so a pad takes it to offset 0. */
	setup(&f, 256, 104);
	for (i = 0; i < 2; i++) {
		send_pattern(&f.p, i, 100);
		cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_OK);
		expect_pattern(&m, i, 100);
		cr_assert_eq(shmprim_channel_release(&f.c), SHMPRIM_OK);
	}
	send_pattern(&f.p, 2, 100);
	cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_OK);
	expect_pattern(&m, 2, 100);
	cr_assert_eq((const unsigned char *)m.data, f.ch.data + 8, "the wrapped message starts at offset 0");
	cr_assert_eq(shmprim_channel_release(&f.c), SHMPRIM_OK);
	cr_assert_eq(f.ch.header->released, 256 + 112);
	teardown(&f);
}

Test(channel, loans_write_in_place)
{
	fixture f;
	shmprim_channel_msg m;
	void *buf, *again;

	setup(&f, 1024, 300);
	cr_assert_eq(shmprim_channel_loan(&f.p, 0, &buf), SHMPRIM_ERR_MESSAGE_SIZE);
	cr_assert_eq(shmprim_channel_loan(&f.p, 301, &buf), SHMPRIM_ERR_MESSAGE_SIZE);
	cr_assert_eq(shmprim_channel_send_loan(&f.p, 1), SHMPRIM_ERR_INVALID_STATE);
	cr_assert_eq(shmprim_channel_loan(&f.p, 300, &buf), SHMPRIM_OK);
	cr_assert_eq(shmprim_channel_loan(&f.p, 10, &again), SHMPRIM_ERR_INVALID_STATE);
	cr_assert_eq(shmprim_channel_send(&f.p, "x", 1), SHMPRIM_ERR_INVALID_STATE);
	unit_fill(buf, 120, 7);
	cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_ERR_EMPTY);
	cr_assert_eq(shmprim_channel_send_loan(&f.p, 301), SHMPRIM_ERR_MESSAGE_SIZE);
	cr_assert_eq(shmprim_channel_send_loan(&f.p, 120), SHMPRIM_OK); /* shorter than loaned */
	cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_OK);
	cr_assert_eq(m.data, buf);
	expect_pattern(&m, 7, 120);
	/* A cancelled loan sends nothing. */
	cr_assert_eq(shmprim_channel_loan(&f.p, 50, &buf), SHMPRIM_OK);
	cr_assert_eq(shmprim_channel_cancel_loan(&f.p), SHMPRIM_OK);
	cr_assert_eq(shmprim_channel_cancel_loan(&f.p), SHMPRIM_ERR_INVALID_STATE);
	cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_ERR_EMPTY);
	send_pattern(&f.p, 8, 5);
	cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_OK);
	expect_pattern(&m, 8, 5);
	teardown(&f);
}

Test(channel, copying_receive_reports_the_length_needed)
{
	fixture f;
	unsigned char small[10], big[100];
	uint32_t len = 0;

	setup(&f, 1024, 100);
	send_pattern(&f.p, 3, 60);
	cr_assert_eq(shmprim_channel_recv(&f.c, small, sizeof(small), &len), SHMPRIM_ERR_MESSAGE_SIZE);
	cr_assert_eq(len, 60);
	cr_assert_eq(shmprim_channel_recv(&f.c, big, sizeof(big), &len), SHMPRIM_OK);
	cr_assert_eq(len, 60);
	{
		shmprim_channel_msg m = {big, 60};

		expect_pattern(&m, 3, 60);
	}
	cr_assert_eq(f.ch.header->released, 72);
	cr_assert_eq(shmprim_channel_recv(&f.c, big, sizeof(big), &len), SHMPRIM_ERR_EMPTY);
	cr_assert_eq(shmprim_channel_send(&f.p, big, 0), SHMPRIM_ERR_MESSAGE_SIZE);
	cr_assert_eq(shmprim_channel_send(&f.p, big, 101), SHMPRIM_ERR_MESSAGE_SIZE);
	teardown(&f);
}

Test(channel, batches_both_ways)
{
	fixture f;
	unsigned char bufs[20][40];
	shmprim_channel_msg out[20], in[32];
	uint32_t i, n = 0, got = 0;

	setup(&f, 512, 40);
	for (i = 0; i < 20; i++) {
		unit_fill(bufs[i], 40, i);
		out[i].data = bufs[i];
		out[i].len = 40;
	}
	/* 48 bytes a record: 48 k + 56 <= 512 admits k = 0..9: 10 go. */
	cr_assert_eq(shmprim_channel_send_batch(&f.p, out, 20, &n), SHMPRIM_ERR_FULL);
	cr_assert_eq(n, 10);
	cr_assert_eq(shmprim_channel_receive_batch(&f.c, in, 32, &got), SHMPRIM_OK);
	cr_assert_eq(got, 10);
	for (i = 0; i < got; i++)
		expect_pattern(&in[i], i, 40);
	cr_assert_eq(shmprim_channel_release(&f.c), SHMPRIM_OK);
	/* From 480: a 32-byte pad to the end, then 48 k + 56 <= 512 - 32 admits k = 0..8: 9 go. */
	cr_assert_eq(shmprim_channel_send_batch(&f.p, out + 10, 10, &n), SHMPRIM_ERR_FULL);
	cr_assert_eq(n, 9);
	cr_assert_eq(shmprim_channel_receive_batch(&f.c, in, 4, &got), SHMPRIM_OK);
	cr_assert_eq(got, 4);
	for (i = 0; i < got; i++)
		expect_pattern(&in[i], 10 + i, 40);
	cr_assert_eq(shmprim_channel_receive_batch(&f.c, in, 32, &got), SHMPRIM_OK);
	cr_assert_eq(got, 5);
	for (i = 0; i < got; i++)
		expect_pattern(&in[i], 14 + i, 40);
	cr_assert_eq(shmprim_channel_receive_batch(&f.c, in, 32, &got), SHMPRIM_ERR_EMPTY);
	cr_assert_eq(got, 0);
	teardown(&f);
}

Test(channel, producer_close_gives_end_after_the_last_message)
{
	fixture f;
	shmprim_channel_msg m;
	uint32_t i;

	setup(&f, 1024, 64);
	for (i = 0; i < 5; i++)
		send_pattern(&f.p, i, 30);
	cr_assert_eq(shmprim_channel_producer_close(&f.p), SHMPRIM_OK);
	cr_assert_eq(shmprim_channel_producer_close(&f.p), SHMPRIM_ERR_INVALID_STATE);
	for (i = 0; i < 5; i++) {
		cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_OK, "message %u", i);
		expect_pattern(&m, i, 30);
	}
	cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_ERR_END);
	cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_ERR_END);
	teardown(&f);
}

Test(channel, consumer_close_gives_closed)
{
	fixture f;

	setup(&f, 1024, 64);
	send_pattern(&f.p, 0, 30);
	cr_assert_eq(shmprim_channel_consumer_close(&f.c), SHMPRIM_OK);
	cr_assert_eq(shmprim_channel_send(&f.p, "x", 1), SHMPRIM_ERR_CLOSED);
	{
		void *buf;

		cr_assert_eq(shmprim_channel_loan(&f.p, 1, &buf), SHMPRIM_ERR_CLOSED);
	}
	teardown(&f);
}

Test(channel, a_successor_gets_what_was_not_released)
{
	fixture f;
	shmprim_channel_consumer c2;
	shmprim_channel_producer p2;
	shmprim_channel_msg m;
	uint32_t i;

	setup(&f, 1024, 64);
	for (i = 0; i < 6; i++)
		send_pattern(&f.p, i, 20 + i);
	for (i = 0; i < 2; i++)
		cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_OK);
	cr_assert_eq(shmprim_channel_release(&f.c), SHMPRIM_OK);
	for (i = 2; i < 4; i++)
		cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_OK); /* taken, not released */
	cr_assert_eq(shmprim_channel_consumer_leave(&f.c), SHMPRIM_OK);
	/* The producer leaves with a loan open: the loan is dropped. */
	{
		void *buf;

		cr_assert_eq(shmprim_channel_loan(&f.p, 10, &buf), SHMPRIM_OK);
		memset(buf, 0xAB, 10);
	}
	cr_assert_eq(shmprim_channel_producer_leave(&f.p), SHMPRIM_OK);
	cr_assert_eq(shmprim_channel_take_consumer(&f.ch, &c2, NULL), SHMPRIM_OK);
	cr_assert_eq(shmprim_channel_take_producer(&f.ch, &p2, NULL), SHMPRIM_OK);
	send_pattern(&p2, 6, 26);
	for (i = 2; i < 7; i++) {
		cr_assert_eq(shmprim_channel_receive(&c2, &m), SHMPRIM_OK, "message %u", i);
		expect_pattern(&m, i, 20 + i);
	}
	cr_assert_eq(shmprim_channel_receive(&c2, &m), SHMPRIM_ERR_EMPTY);
	teardown(&f);
}

Test(channel, corrupt_records_are_refused)
{
	fixture f;
	shmprim_channel_msg m;
	uint64_t *w;

	setup(&f, 1024, 64);
	send_pattern(&f.p, 0, 16);
	w = (uint64_t *)(void *)f.ch.data;
	*w = (*w & 0xFFFFFFFF00000000ull) | 65; /* above max_message */
	cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_ERR_CORRUPT);
	*w = (*w & 0xFFFFFFFF00000000ull) | 0; /* empty length */
	cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_ERR_CORRUPT);
	*w = (*w & 0xFFFFFFFF00000000ull) | SHMPRIM_CHANNEL_PAD | 1024; /* a pad at offset 0 */
	cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_ERR_CORRUPT);
	*w = (*w & 0xFFFFFFFF00000000ull) | 16;
	cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_OK);
	expect_pattern(&m, 0, 16);
	teardown(&f);
}

Test(channel, a_record_running_past_the_end_is_refused)
{
	fixture f;
	shmprim_channel_msg m;
	uint64_t *w;
	uint32_t i;

	/* Positions 0..224: 7 records of 32; the 8th header at 224 claims 40 bytes. */
	setup(&f, 256, 40);
	for (i = 0; i < 7; i++) {
		send_pattern(&f.p, i, 24);
		cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_OK);
		cr_assert_eq(shmprim_channel_release(&f.c), SHMPRIM_OK);
	}
	w = (uint64_t *)(void *)(f.ch.data + 224);
	*w = ((uint64_t)(224 / 8 + 1) << 32) | 40;
	cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_ERR_CORRUPT);
	*w = ((uint64_t)(224 / 8 + 1) << 32) | SHMPRIM_CHANNEL_PAD | 16; /* a pad short of the end */
	cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_ERR_CORRUPT);
	teardown(&f);
}

Test(channel, a_forged_released_position_is_refused)
{
	fixture f;
	uint32_t n = 0;

	setup(&f, 256, 8);
	while (shmprim_channel_send(&f.p, "abcdefgh", 8) == SHMPRIM_OK)
		n++;
	cr_assert_eq(n, 15);
	f.ch.header->released = 4; /* not a record boundary */
	cr_assert_eq(shmprim_channel_send(&f.p, "abcdefgh", 8), SHMPRIM_ERR_CORRUPT);
	f.ch.header->released = 1000; /* past what was sent */
	cr_assert_eq(shmprim_channel_send(&f.p, "abcdefgh", 8), SHMPRIM_ERR_CORRUPT);
	f.ch.header->released = 32;
	cr_assert_eq(shmprim_channel_send(&f.p, "abcdefgh", 8), SHMPRIM_OK);
	f.ch.header->released = 16; /* backwards */
	while (shmprim_channel_send(&f.p, "abcdefgh", 8) == SHMPRIM_OK)
		n++;
	cr_assert_eq(shmprim_channel_send(&f.p, "abcdefgh", 8), SHMPRIM_ERR_CORRUPT);
	teardown(&f);
}

Test(channel, a_consumer_never_reads_more_than_a_ring_ahead)
{
	fixture f;
	shmprim_channel_msg m;
	uint64_t *w;

	/* A forger writes a valid-looking header one ring ahead of the
	 * consumer's unreleased view. */
	setup(&f, 256, 100);
	send_pattern(&f.p, 0, 100); /* 0..112 */
	cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_OK);
	w = (uint64_t *)(void *)(f.ch.data + 112);
	*w = ((uint64_t)(112 / 8 + 1) << 32) | 100; /* 112..224: fine */
	cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_OK);
	w = (uint64_t *)(void *)(f.ch.data + 224);
	*w = ((uint64_t)(224 / 8 + 1) << 32) | SHMPRIM_CHANNEL_PAD | 32; /* 224..256 */
	w = (uint64_t *)(void *)f.ch.data;
	*w = ((uint64_t)(256 / 8 + 1) << 32) | 8; /* 256..272: more than a ring past released (0) */
	cr_assert_eq(shmprim_channel_receive(&f.c, &m), SHMPRIM_ERR_CORRUPT);
	teardown(&f);
}

/* ---- blocking, two threads ---- */

#define THREAD_MESSAGES 100000u

static void *producer_thread(void *arg)
{
	fixture *f = arg;
	unsigned char buf[300];
	uint32_t i;

	for (i = 0; i < THREAD_MESSAGES; i++) {
		uint32_t len = length_of(i, 300);

		unit_fill(buf, len, i);
		if (shmprim_channel_send_wait(&f->p, buf, len, 10ull * 1000000000ull, NULL) != SHMPRIM_OK)
			return (void *)1;
	}
	return shmprim_channel_producer_close(&f->p) == SHMPRIM_OK ? NULL : (void *)2;
}

Test(channel, blocking_calls_between_threads)
{
	fixture f;
	pthread_t t;
	unsigned char buf[300];
	uint32_t len, got = 0;
	shmprim_status st;
	void *ret;

	setup(&f, 4096, 300);
	cr_assert_eq(pthread_create(&t, NULL, producer_thread, &f), 0);
	while ((st = shmprim_channel_recv_wait(&f.c, buf, sizeof(buf), &len, 10ull * 1000000000ull, NULL)) == SHMPRIM_OK) {
		shmprim_channel_msg m = {buf, len};

		expect_pattern(&m, got, length_of(got, 300));
		got++;
	}
	cr_assert_eq(st, SHMPRIM_ERR_END, "%s after %u", shmprim_status_str(st), got);
	cr_assert_eq(got, THREAD_MESSAGES);
	cr_assert_eq(pthread_join(t, &ret), 0);
	cr_assert_null(ret);
	teardown(&f);
}

Test(channel, waits_time_out)
{
	fixture f;
	unsigned char buf[8];
	uint32_t len;

	setup(&f, 256, 8);
	cr_assert_eq(shmprim_channel_recv_wait(&f.c, buf, sizeof(buf), &len, 1000000, NULL), SHMPRIM_ERR_TIMED_OUT);
	while (shmprim_channel_send(&f.p, "abcdefgh", 8) == SHMPRIM_OK)
		;
	cr_assert_eq(shmprim_channel_send_wait(&f.p, "abcdefgh", 8, 1000000, NULL), SHMPRIM_ERR_TIMED_OUT);
	teardown(&f);
}
