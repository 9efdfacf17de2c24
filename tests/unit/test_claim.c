/*
 * Claim words (src/claim_word.h) and the ring's claimed sides, try_push /
 * try_pop, leave and close (include/shmprim/spsc.h), in one process. A dead
 * holder is a token with this process's pid and another start time: the pid
 * exists, so only the start-time check can call it dead. The two-process
 * versions (a refused second process, SIGKILL and takeover, zombies) are in
 * tests/ipc/ipc_claims.c.
 */
#include "unit_util.h"

#include <time.h>
#include <unistd.h>

#include <shmprim/static/spsc.h>
#include <shmprim/wait.h>

#include "../../src/claim_word.h"

TestSuite(claim, .timeout = UNIT_TIMEOUT_S);

static shmprim_proc_token me(void)
{
	shmprim_proc_token t;

	cr_assert_eq(shmprim_proc_token_self(&t), SHMPRIM_OK);
	cr_assert_neq(t & SHMPRIM_TOKEN_START_MASK, SHMPRIM_TOKEN_START_UNKNOWN, "no /proc start time");
	return t;
}

/* This pid, started one tick later: a process that cannot be this one. */
static shmprim_proc_token dead_token(void)
{
	shmprim_proc_token t = me();

	return shmprim_proc_token_make(getpid(), (t & SHMPRIM_TOKEN_START_MASK) + 1);
}

static shmprim_liveness always_alive(shmprim_proc_token t)
{
	(void)t;
	return SHMPRIM_ALIVE;
}

static shmprim_liveness always_unknown(shmprim_proc_token t)
{
	(void)t;
	return SHMPRIM_LIVENESS_UNKNOWN;
}

/* ---- the claim word ---- */

Test(claim, free_word_is_taken)
{
	uint64_t word = SHMPRIM_CLAIM_FREE, prev = 77;
	shmprim_claim_holder h;

	cr_assert_eq(sp_claim_take(&word, me(), shmprim_proc_liveness, &h, &prev), SHMPRIM_OK);
	cr_assert_eq(word, me());
	cr_assert_eq(prev, SHMPRIM_CLAIM_FREE);
	cr_assert_eq(h.state, SHMPRIM_SIDE_FREE);
	cr_assert_eq(sp_claim_check(&word, me()), SHMPRIM_OK);
	cr_assert_eq(sp_claim_peek(&word), me());
}

Test(claim, live_holder_refuses_and_is_named)
{
	shmprim_proc_token other = shmprim_proc_token_make(4242, 99);
	uint64_t word = other;
	shmprim_claim_holder h;

	cr_assert_eq(sp_claim_take(&word, me(), always_alive, &h, NULL), SHMPRIM_ERR_CLAIMED);
	cr_assert_eq(word, other, "a refused take writes nothing");
	cr_assert_eq(h.state, SHMPRIM_SIDE_HELD);
	cr_assert_eq(h.pid, 4242);
	cr_assert_eq(h.start_ticks, 99);
	cr_assert_eq(h.liveness, SHMPRIM_ALIVE);
	cr_assert_eq(sp_claim_take(&word, me(), always_unknown, &h, NULL), SHMPRIM_ERR_CLAIMED,
	             "an unverifiable holder keeps the side");
	cr_assert_eq(h.liveness, SHMPRIM_LIVENESS_UNKNOWN);
	cr_assert_eq(sp_claim_check(&word, me()), SHMPRIM_ERR_CLAIM_LOST);
}

Test(claim, dead_holder_by_start_time_is_taken_over)
{
	shmprim_proc_token dead = dead_token();
	uint64_t word = dead, prev = 0;
	shmprim_claim_holder h;

	cr_assert_eq(shmprim_proc_liveness(dead), SHMPRIM_DEAD, "same pid, other start time");
	cr_assert_eq(sp_claim_take(&word, me(), shmprim_proc_liveness, &h, &prev), SHMPRIM_OK);
	cr_assert_eq(word, me());
	cr_assert_eq(prev, dead);
	cr_assert_eq(h.state, SHMPRIM_SIDE_HELD);
	cr_assert_eq(h.pid, getpid());
	cr_assert_eq(h.liveness, SHMPRIM_DEAD);
}

Test(claim, impossible_value_is_taken_over)
{
	uint64_t word = 2, prev = 0; /* pid field 0: no claim writes it */
	shmprim_claim_holder h;

	cr_assert_eq(sp_claim_state(word), SHMPRIM_SIDE_IMPOSSIBLE);
	cr_assert_eq(sp_claim_take(&word, me(), always_alive, &h, &prev), SHMPRIM_OK);
	cr_assert_eq(prev, 2);
	cr_assert_eq(h.state, SHMPRIM_SIDE_IMPOSSIBLE);
	cr_assert_eq(word, me());
}

Test(claim, closed_stays_closed)
{
	uint64_t word = SHMPRIM_CLAIM_CLOSED;
	shmprim_claim_holder h;

	cr_assert_eq(sp_claim_take(&word, me(), shmprim_proc_liveness, &h, NULL), SHMPRIM_ERR_CLOSED);
	cr_assert_eq(word, SHMPRIM_CLAIM_CLOSED);
	cr_assert_eq(h.state, SHMPRIM_SIDE_CLOSED);
}

Test(claim, same_process_twice_is_refused)
{
	uint64_t word = SHMPRIM_CLAIM_FREE;
	shmprim_claim_holder h;

	cr_assert_eq(sp_claim_take(&word, me(), shmprim_proc_liveness, NULL, NULL), SHMPRIM_OK);
	cr_assert_eq(sp_claim_take(&word, me(), shmprim_proc_liveness, &h, NULL), SHMPRIM_ERR_CLAIMED);
	cr_assert_eq(h.pid, getpid());
	cr_assert_eq(h.liveness, SHMPRIM_ALIVE);
	cr_assert_eq(word, me());
}

Test(claim, give_back_only_by_the_holder)
{
	uint64_t word = SHMPRIM_CLAIM_FREE;
	shmprim_proc_token other = shmprim_proc_token_make(4242, 99);

	cr_assert_eq(sp_claim_take(&word, me(), shmprim_proc_liveness, NULL, NULL), SHMPRIM_OK);
	cr_assert_eq(sp_claim_give_back(&word, other, SHMPRIM_CLAIM_FREE), SHMPRIM_ERR_CLAIM_LOST);
	cr_assert_eq(word, me(), "a give-back by a non-holder writes nothing");
	cr_assert_eq(sp_claim_give_back(&word, me(), SHMPRIM_CLAIM_FREE), SHMPRIM_OK);
	cr_assert_eq(word, SHMPRIM_CLAIM_FREE);
	cr_assert_eq(sp_claim_give_back(&word, me(), SHMPRIM_CLAIM_CLOSED), SHMPRIM_ERR_CLAIM_LOST);
	cr_assert_eq(sp_claim_take(&word, me(), shmprim_proc_liveness, NULL, NULL), SHMPRIM_OK);
	cr_assert_eq(sp_claim_give_back(&word, me(), SHMPRIM_CLAIM_CLOSED), SHMPRIM_OK);
	cr_assert_eq(word, SHMPRIM_CLAIM_CLOSED);
}

/* ---- the ring's sides ---- */

#define CAP 8u
#define ESZ 12u

static shmprim_heap_region make_ring(shmprim_spsc *ring)
{
	shmprim_heap_region heap = unit_heap(shmprim_spsc_required_size(CAP, ESZ));

	cr_assert_eq(shmprim_spsc_init(ring, shmprim_heap_region_region(&heap), 0, CAP, ESZ), SHMPRIM_OK);
	return heap;
}

static void expect_pop(shmprim_spsc_consumer *c, uint32_t n)
{
	unsigned char e[ESZ];
	shmprim_status st = shmprim_spsc_try_pop(c, e);

	cr_assert_eq(st, SHMPRIM_OK, "pop of entry %u: %s", n, shmprim_status_str(st));
	cr_assert_eq(unit_first_mismatch(e, ESZ, n), ESZ, "entry %u has the wrong bytes", n);
}

static void push_n(shmprim_spsc_producer *p, uint32_t from, uint32_t n)
{
	unsigned char e[ESZ];
	uint32_t i;

	for (i = from; i < from + n; i++) {
		unit_fill(e, ESZ, i);
		cr_assert_eq(shmprim_spsc_try_push(p, e), SHMPRIM_OK, "push %u", i);
	}
}

Test(claim, second_taker_of_a_ring_side_is_refused)
{
	shmprim_spsc ring;
	shmprim_heap_region heap = make_ring(&ring);
	shmprim_spsc_producer p, p2;
	shmprim_spsc_consumer c, c2;
	shmprim_claim_holder h;

	cr_assert_eq(shmprim_spsc_take_producer(&ring, &p, &h), SHMPRIM_OK);
	cr_assert_eq(h.state, SHMPRIM_SIDE_FREE);
	cr_assert_eq(p.token, me());
	cr_assert_eq(shmprim_spsc_take_producer(&ring, &p2, &h), SHMPRIM_ERR_CLAIMED);
	cr_assert_eq(h.pid, getpid());
	cr_assert_eq(h.liveness, SHMPRIM_ALIVE);
	cr_assert_eq(shmprim_spsc_raw_take_consumer(&ring.raw, &c, NULL), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_take_consumer(&ring, &c2, &h), SHMPRIM_ERR_CLAIMED);
	cr_assert_eq(h.pid, getpid());
	cr_assert_eq(ring.raw.header->producer_pid, (uint32_t)getpid(), "take announces the pid hint");
	shmprim_heap_region_free(&heap);
}

Test(claim, try_push_and_try_pop_report_full_and_empty)
{
	shmprim_spsc ring;
	shmprim_heap_region heap = make_ring(&ring);
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	unsigned char e[ESZ];
	uint32_t i;

	cr_assert_eq(shmprim_spsc_take_producer(&ring, &p, NULL), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_take_consumer(&ring, &c, NULL), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_try_pop(&c, e), SHMPRIM_ERR_EMPTY);
	push_n(&p, 0, CAP);
	cr_assert_eq(shmprim_spsc_try_push(&p, e), SHMPRIM_ERR_FULL);
	for (i = 0; i < CAP; i++)
		expect_pop(&c, i);
	cr_assert_eq(shmprim_spsc_try_pop(&c, e), SHMPRIM_ERR_EMPTY);
	shmprim_heap_region_free(&heap);
}

Test(claim, producer_close_gives_end_after_the_exact_count)
{
	shmprim_spsc ring;
	shmprim_heap_region heap = make_ring(&ring);
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_claim_holder h;
	unsigned char e[ESZ];
	uint32_t i;

	cr_assert_eq(shmprim_spsc_take_producer(&ring, &p, NULL), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_take_consumer(&ring, &c, NULL), SHMPRIM_OK);
	push_n(&p, 0, 5);
	cr_assert_eq(shmprim_spsc_producer_close(&p), SHMPRIM_OK);
	for (i = 0; i < 5; i++)
		expect_pop(&c, i);
	cr_assert_eq(shmprim_spsc_try_pop(&c, e), SHMPRIM_ERR_END);
	cr_assert_eq(shmprim_spsc_try_pop(&c, e), SHMPRIM_ERR_END, "END stays");
	cr_assert_eq(shmprim_spsc_pop_wait(&c, e, 1000000000ull, NULL), SHMPRIM_ERR_END);
	cr_assert_eq(shmprim_spsc_take_producer(&ring, &p, &h), SHMPRIM_ERR_CLOSED, "closed for good");
	cr_assert_eq(h.state, SHMPRIM_SIDE_CLOSED);
	shmprim_heap_region_free(&heap);
}

Test(claim, consumer_close_gives_closed_once_full)
{
	shmprim_spsc ring;
	shmprim_heap_region heap = make_ring(&ring);
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	unsigned char e[ESZ];

	cr_assert_eq(shmprim_spsc_take_producer(&ring, &p, NULL), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_take_consumer(&ring, &c, NULL), SHMPRIM_OK);
	push_n(&p, 0, 3);
	cr_assert_eq(shmprim_spsc_consumer_close(&c), SHMPRIM_OK);
	/* The claim word is read on the full path only: CAP - 3 more fit. */
	push_n(&p, 3, CAP - 3);
	cr_assert_eq(shmprim_spsc_try_push(&p, e), SHMPRIM_ERR_CLOSED);
	cr_assert_eq(shmprim_spsc_push_wait(&p, e, 1000000000ull, NULL), SHMPRIM_ERR_CLOSED);
	cr_assert_eq(shmprim_spsc_wait_writable(&p, 1000000000ull, NULL), SHMPRIM_ERR_CLOSED);
	shmprim_heap_region_free(&heap);
}

Test(claim, leave_lets_a_successor_resume)
{
	shmprim_spsc ring;
	shmprim_heap_region heap = make_ring(&ring);
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_claim_holder h;
	uint32_t i;

	cr_assert_eq(shmprim_spsc_take_producer(&ring, &p, NULL), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_take_consumer(&ring, &c, NULL), SHMPRIM_OK);
	push_n(&p, 0, 3); /* below head's interval: head is stored by leave */
	cr_assert_eq(shmprim_spsc_producer_leave(&p), SHMPRIM_OK);
	cr_assert_eq(ring.raw.header->producer_claim, SHMPRIM_CLAIM_FREE);
	cr_assert_eq(ring.raw.header->head, 3);
	expect_pop(&c, 0);
	cr_assert_eq(shmprim_spsc_consumer_leave(&c), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_take_producer(&ring, &p, &h), SHMPRIM_OK);
	cr_assert_eq(h.state, SHMPRIM_SIDE_FREE);
	cr_assert_eq(shmprim_spsc_take_consumer(&ring, &c, NULL), SHMPRIM_OK);
	push_n(&p, 3, 4);
	for (i = 1; i < 7; i++)
		expect_pop(&c, i);
	cr_assert_eq(shmprim_spsc_producer_leave(&p), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_producer_leave(&p), SHMPRIM_ERR_CLAIM_LOST, "left twice");
	shmprim_heap_region_free(&heap);
}

/* A producer that died with entries reserved and not committed: the taker
 * resumes after the last published entry; the reservation is dropped. */
Test(claim, dead_producer_is_taken_over_after_its_published_entries)
{
	shmprim_spsc ring;
	shmprim_heap_region heap = make_ring(&ring);
	shmprim_spsc_producer p, p2;
	shmprim_spsc_consumer c;
	shmprim_claim_holder h;
	unsigned char e[ESZ];
	uint32_t i;

	cr_assert_eq(shmprim_spsc_take_producer(&ring, &p, NULL), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_take_consumer(&ring, &c, NULL), SHMPRIM_OK);
	push_n(&p, 0, 2);
	cr_assert_eq(shmprim_spsc_reserve(&p, 3, NULL), 3);
	for (i = 0; i < 3; i++)
		unit_fill((unsigned char *)shmprim_spsc_reserved_entry(&p, i), ESZ, 100 + i);
	/* p "dies": its claim now names a process that is gone. */
	ring.raw.header->producer_claim = dead_token();
	cr_assert_eq(shmprim_spsc_take_producer(&ring, &p2, &h), SHMPRIM_OK);
	cr_assert_eq(h.state, SHMPRIM_SIDE_HELD);
	cr_assert_eq(h.liveness, SHMPRIM_DEAD);
	cr_assert_eq(h.word, dead_token());
	cr_assert_eq(p2.local_head, 2, "resumes after the 2 published entries");
	push_n(&p2, 2, 3);
	for (i = 0; i < 5; i++)
		expect_pop(&c, i);
	cr_assert_eq(shmprim_spsc_try_pop(&c, e), SHMPRIM_ERR_EMPTY);
	shmprim_heap_region_free(&heap);
}

/* A handle whose claim word no longer holds its token learns it on the full
 * (producer) or empty (consumer) path. */
Test(claim, lost_claim_is_reported_on_the_full_and_empty_paths)
{
	shmprim_spsc ring;
	shmprim_heap_region heap = make_ring(&ring);
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	unsigned char e[ESZ];

	cr_assert_eq(shmprim_spsc_take_producer(&ring, &p, NULL), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_take_consumer(&ring, &c, NULL), SHMPRIM_OK);
	push_n(&p, 0, CAP);
	ring.raw.header->producer_claim = shmprim_proc_token_make(4242, 99);
	cr_assert_eq(shmprim_spsc_try_push(&p, e), SHMPRIM_ERR_CLAIM_LOST);
	cr_assert_eq(shmprim_spsc_push_wait(&p, e, 1000000000ull, NULL), SHMPRIM_ERR_CLAIM_LOST);
	cr_assert_eq(shmprim_spsc_producer_close(&p), SHMPRIM_ERR_CLAIM_LOST);
	cr_assert_eq(ring.raw.header->producer_claim, shmprim_proc_token_make(4242, 99), "left as it was");
	ring.raw.header->consumer_claim = shmprim_proc_token_make(4243, 99);
	{
		unsigned char all[CAP * ESZ];

		/* The fast path reads no claim word: the entries still come out. */
		cr_assert_eq(shmprim_spsc_pop_burst(&c, all, CAP), CAP);
	}
	cr_assert_eq(shmprim_spsc_try_pop(&c, e), SHMPRIM_ERR_CLAIM_LOST);
	cr_assert_eq(shmprim_spsc_pop_wait(&c, e, 1000000000ull, NULL), SHMPRIM_ERR_CLAIM_LOST);
	shmprim_heap_region_free(&heap);
}

/* A consumer that died after taking entries it had not released: the taker
 * resumes at the shared tail and gets exactly those entries again. */
Test(claim, dead_consumer_is_taken_over_at_the_tail)
{
	shmprim_spsc ring;
	shmprim_heap_region heap = make_ring(&ring);
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c, c2;
	shmprim_claim_holder h;
	unsigned char e[ESZ];
	uint32_t i;

	cr_assert_eq(shmprim_spsc_take_producer(&ring, &p, NULL), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_take_consumer(&ring, &c, NULL), SHMPRIM_OK);
	push_n(&p, 0, 6);
	expect_pop(&c, 0);
	expect_pop(&c, 1);
	cr_assert_eq(shmprim_spsc_peek(&c, 2), 2); /* taken, not released */
	ring.raw.header->consumer_claim = dead_token();
	cr_assert_eq(shmprim_spsc_take_consumer(&ring, &c2, &h), SHMPRIM_OK);
	cr_assert_eq(h.liveness, SHMPRIM_DEAD);
	for (i = 2; i < 6; i++)
		expect_pop(&c2, i);
	cr_assert_eq(shmprim_spsc_try_pop(&c2, e), SHMPRIM_ERR_EMPTY);
	shmprim_heap_region_free(&heap);
}

Test(claim, try_pop_tells_corruption_from_empty)
{
	shmprim_spsc ring;
	shmprim_heap_region heap = make_ring(&ring);
	shmprim_spsc_header *hd = ring.raw.header;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	unsigned char e[ESZ];
	uint32_t rem, *seq, saved;

	shmprim_spsc_split(&ring, &p, &c); /* unclaimed sides: the check is the ring's, not the claim's */
	push_n(&p, 0, 2);
	expect_pop(&c, 0);
	expect_pop(&c, 1);
	cr_assert_eq(shmprim_spsc_try_pop(&c, e), SHMPRIM_ERR_EMPTY);

	hd->tail = 7; /* not what this consumer stored */
	cr_assert(!shmprim_spsc_pop(&c, e), "a plain pop reads it as empty");
	cr_assert_eq(shmprim_spsc_try_pop(&c, e), SHMPRIM_ERR_CORRUPT);
	hd->tail = 2;

	hd->head = 2 + CAP + 5; /* more than capacity ahead */
	cr_assert(!shmprim_spsc_pop(&c, e));
	cr_assert_eq(shmprim_spsc_try_pop(&c, e), SHMPRIM_ERR_CORRUPT);
	hd->head = 2u - CAP - 1u; /* more than capacity behind */
	cr_assert_eq(shmprim_spsc_try_pop(&c, e), SHMPRIM_ERR_CORRUPT);
	hd->head = 2;

	seq = shmprim_ring_cell_seq(&c.geo, 2, &rem);
	saved = *seq;
	*seq = 2 + CAP + 3; /* neither covers position 2 nor is left from the lap before */
	cr_assert(!shmprim_spsc_pop(&c, e));
	cr_assert_eq(shmprim_spsc_try_pop(&c, e), SHMPRIM_ERR_CORRUPT);
	*seq = saved;
	cr_assert_eq(shmprim_spsc_try_pop(&c, e), SHMPRIM_ERR_EMPTY, "restored: empty again");
	shmprim_heap_region_free(&heap);
}

/* split needs no claim, and a split side may close a side nobody holds. */
Test(claim, split_opts_out_and_may_close)
{
	shmprim_spsc ring;
	shmprim_heap_region heap = make_ring(&ring);
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c, c2;
	unsigned char e[ESZ];

	shmprim_spsc_split(&ring, &p, &c);
	cr_assert_eq(p.token, 0);
	push_n(&p, 0, 1);
	expect_pop(&c, 0);
	cr_assert_eq(ring.raw.header->producer_claim, SHMPRIM_CLAIM_FREE, "split claims nothing");
	cr_assert_eq(shmprim_spsc_producer_leave(&p), SHMPRIM_ERR_INVALID_ARGUMENT);
	cr_assert_eq(shmprim_spsc_consumer_close(&c), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_take_consumer(&ring, &c2, NULL), SHMPRIM_ERR_CLOSED);
	cr_assert_eq(shmprim_spsc_consumer_close(&c), SHMPRIM_ERR_CLAIMED, "already closed");
	push_n(&p, 1, CAP);
	cr_assert_eq(shmprim_spsc_try_push(&p, e), SHMPRIM_ERR_CLOSED);
	shmprim_heap_region_free(&heap);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* wait.h: a wait whose peer's claim names a dead process returns PEER_DEAD
 * within one check_ns slice of sleeping (here 5 ms; the timeout is 5 s). */
Test(claim, waits_report_a_dead_claimed_peer_within_a_slice)
{
	shmprim_spsc ring;
	shmprim_heap_region heap = make_ring(&ring);
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_wait_opts opts = { NULL, 16, 5000000ull };
	unsigned char e[ESZ];
	uint64_t t0, dt;

	cr_assert_eq(shmprim_spsc_take_consumer(&ring, &c, NULL), SHMPRIM_OK);
	ring.raw.header->producer_claim = dead_token();
	t0 = now_ns();
	cr_assert_eq(shmprim_spsc_pop_wait(&c, e, 5000000000ull, &opts), SHMPRIM_ERR_PEER_DEAD);
	dt = now_ns() - t0;
	cr_assert_lt(dt, 100000000ull, "PEER_DEAD after %llu ns, bound 5 ms slice (+ slack)", (unsigned long long)dt);

	/* A dead producer's published entries are drained first. */
	ring.raw.header->producer_claim = SHMPRIM_CLAIM_FREE;
	cr_assert_eq(shmprim_spsc_take_producer(&ring, &p, NULL), SHMPRIM_OK);
	push_n(&p, 0, 1);
	ring.raw.header->producer_claim = dead_token();
	expect_pop(&c, 0);
	cr_assert_eq(shmprim_spsc_pop_wait(&c, e, 5000000000ull, &opts), SHMPRIM_ERR_PEER_DEAD);

	/* The producer's side: full ring, dead consumer. */
	ring.raw.header->producer_claim = p.token;
	push_n(&p, 1, CAP);
	ring.raw.header->consumer_claim = dead_token();
	t0 = now_ns();
	cr_assert_eq(shmprim_spsc_push_wait(&p, e, 5000000000ull, &opts), SHMPRIM_ERR_PEER_DEAD);
	dt = now_ns() - t0;
	cr_assert_lt(dt, 100000000ull, "PEER_DEAD after %llu ns", (unsigned long long)dt);
	shmprim_heap_region_free(&heap);
}

Test(claim, wait_readable_sees_entries_then_end)
{
	shmprim_spsc ring;
	shmprim_heap_region heap = make_ring(&ring);
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;

	cr_assert_eq(shmprim_spsc_take_producer(&ring, &p, NULL), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_take_consumer(&ring, &c, NULL), SHMPRIM_OK);
	push_n(&p, 0, 1);
	cr_assert_eq(shmprim_spsc_producer_close(&p), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_wait_readable(&c, 1000000000ull, NULL), SHMPRIM_OK);
	expect_pop(&c, 0);
	cr_assert_eq(shmprim_spsc_wait_readable(&c, 1000000000ull, NULL), SHMPRIM_ERR_END);
	shmprim_heap_region_free(&heap);
}
