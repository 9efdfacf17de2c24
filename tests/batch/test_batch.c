/*
 * Batched and zero-copy ring API: bulk (all or nothing) and burst (up to n)
 * push/pop, reserve/commit, peek/release and the typed wrappers. Every check
 * is an exact count or an exact entry value, so an off-by-one shows.
 * Built once per atomics backend (tests/batch/meson.build).
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>
#include <shmprim/shmprim.h>

typedef struct pair {
	uint64_t seq;
	uint64_t check;
} pair;

SHMPRIM_SPSC_TYPED(pair_ring, pair)
SHMPRIM_SPSC_TYPED(u64_ring, uint64_t)

/* One ring of capacity x entry_size in a heap region, split into both sides. */
typedef struct fixture {
	shmprim_heap_region heap;
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
} fixture;

static void open_ring(fixture *f, uint32_t capacity, uint32_t entry_size)
{
	size_t need = shmprim_spsc_required_size(capacity, entry_size);

	cr_assert_neq(need, 0);
	cr_assert_eq(shmprim_heap_region_new_zeroed(&f->heap, need), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_init(&f->ring, shmprim_heap_region_region(&f->heap), 0, capacity, entry_size),
	             SHMPRIM_OK);
	shmprim_spsc_split(&f->ring, &f->p, &f->c);
}

static void close_ring(fixture *f)
{
	shmprim_heap_region_free(&f->heap);
}

static void fill_seq(uint64_t *v, uint32_t n, uint64_t first)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		v[i] = first + i;
}

static void expect_seq(const uint64_t *v, uint32_t n, uint64_t first, const char *what)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		cr_assert_eq(v[i], first + i, "%s: entry %u is %llu, expected %llu", what, i,
		             (unsigned long long)v[i], (unsigned long long)(first + i));
}

Test(batch, push_bulk_is_all_or_nothing)
{
	fixture f;
	uint64_t in[16], out[16];
	shmprim_push_result r = SHMPRIM_PUSH_CORRUPT;

	open_ring(&f, 8, 8);
	fill_seq(in, 16, 100);
	cr_assert_eq(shmprim_spsc_push_bulk(&f.p, in, 5, &r), 5);
	cr_assert_eq(r, SHMPRIM_PUSH_OK);
	/* 3 free: a bulk of 4 moves nothing and says why */
	cr_assert_eq(shmprim_spsc_push_bulk(&f.p, in + 5, 4, &r), 0);
	cr_assert_eq(r, SHMPRIM_PUSH_WOULD_BLOCK);
	cr_assert_eq(shmprim_spsc_len(&f.ring), 5);
	cr_assert_eq(shmprim_spsc_push_bulk(&f.p, in + 5, 3, NULL), 3);
	cr_assert_eq(shmprim_spsc_push_bulk(&f.p, in + 8, 1, &r), 0);
	cr_assert_eq(r, SHMPRIM_PUSH_WOULD_BLOCK);
	cr_assert_eq(shmprim_spsc_len(&f.ring), 8);
	/* n = 0 is a successful no-op */
	cr_assert_eq(shmprim_spsc_push_bulk(&f.p, in, 0, &r), 0);
	cr_assert_eq(r, SHMPRIM_PUSH_OK);
	memset(out, 0, sizeof(out));
	cr_assert_eq(shmprim_spsc_pop_burst(&f.c, out, 16), 8);
	expect_seq(out, 8, 100, "bulk contents");
	close_ring(&f);
}

Test(batch, push_burst_moves_what_fits)
{
	fixture f;
	uint64_t in[16], out[16];
	shmprim_push_result r = SHMPRIM_PUSH_CORRUPT;

	open_ring(&f, 8, 8);
	fill_seq(in, 16, 1);
	cr_assert_eq(shmprim_spsc_push_burst(&f.p, in, 3, &r), 3);
	cr_assert_eq(r, SHMPRIM_PUSH_OK);
	cr_assert_eq(shmprim_spsc_push_burst(&f.p, in + 3, 10, &r), 5);
	cr_assert_eq(r, SHMPRIM_PUSH_WOULD_BLOCK);
	cr_assert_eq(shmprim_spsc_push_burst(&f.p, in + 8, 1, &r), 0);
	cr_assert_eq(r, SHMPRIM_PUSH_WOULD_BLOCK);
	/* the single push agrees that the ring is full */
	cr_assert_eq(shmprim_spsc_push(&f.p, in + 8), SHMPRIM_PUSH_WOULD_BLOCK);
	cr_assert_eq(shmprim_spsc_pop_burst(&f.c, out, 2), 2);
	expect_seq(out, 2, 1, "first two");
	/* two slots came back: the burst reloads the consumer's index and takes them */
	cr_assert_eq(shmprim_spsc_push_burst(&f.p, in + 8, 4, &r), 2);
	cr_assert_eq(r, SHMPRIM_PUSH_WOULD_BLOCK);
	cr_assert_eq(shmprim_spsc_pop_burst(&f.c, out, 16), 8);
	expect_seq(out, 8, 3, "rest");
	close_ring(&f);
}

Test(batch, pop_bulk_is_all_or_nothing)
{
	fixture f;
	uint64_t in[8], out[8];

	open_ring(&f, 8, 8);
	fill_seq(in, 8, 7);
	cr_assert_eq(shmprim_spsc_push_burst(&f.p, in, 5, NULL), 5);
	cr_assert_eq(shmprim_spsc_pop_bulk(&f.c, out, 6), 0);
	cr_assert_eq(shmprim_spsc_consumer_len(&f.c), 5, "a failed bulk pop consumed something");
	cr_assert_eq(shmprim_spsc_pop_bulk(&f.c, out, 9), 0, "more than capacity can never succeed");
	cr_assert_eq(shmprim_spsc_pop_bulk(&f.c, out, 0), 0);
	memset(out, 0, sizeof(out));
	cr_assert_eq(shmprim_spsc_pop_bulk(&f.c, out, 3), 3);
	expect_seq(out, 3, 7, "bulk 3");
	cr_assert_eq(shmprim_spsc_pop_bulk(&f.c, out, 3), 0);
	cr_assert_eq(shmprim_spsc_pop_bulk(&f.c, out, 2), 2);
	expect_seq(out, 2, 10, "bulk 2");
	cr_assert(shmprim_spsc_consumer_is_empty(&f.c));
	close_ring(&f);
}

Test(batch, pop_burst_takes_what_is_there)
{
	fixture f;
	uint64_t in[8], out[16];
	uint64_t one = 0;

	open_ring(&f, 8, 8);
	cr_assert_eq(shmprim_spsc_pop_burst(&f.c, out, 4), 0);
	fill_seq(in, 8, 50);
	cr_assert_eq(shmprim_spsc_push_burst(&f.p, in, 8, NULL), 8);
	cr_assert_eq(shmprim_spsc_pop_burst(&f.c, out, 3), 3);
	expect_seq(out, 3, 50, "burst 3");
	/* single pop interleaves with bursts */
	cr_assert(shmprim_spsc_pop(&f.c, &one));
	cr_assert_eq(one, 53);
	/* more than capacity is capped, not refused */
	cr_assert_eq(shmprim_spsc_pop_burst(&f.c, out, 16), 4);
	expect_seq(out, 4, 54, "burst rest");
	cr_assert_eq(shmprim_spsc_pop_burst(&f.c, out, 16), 0);
	close_ring(&f);
}

Test(batch, reserve_commit_publishes_in_place)
{
	fixture f;
	uint64_t out[8];
	uint64_t got = 0;
	shmprim_push_result r = SHMPRIM_PUSH_CORRUPT;
	uint32_t i;

	open_ring(&f, 8, 8);
	cr_assert_eq(shmprim_spsc_reserve(&f.p, 3, &r), 3);
	cr_assert_eq(r, SHMPRIM_PUSH_OK);
	for (i = 0; i < 3; i++)
		memcpy(shmprim_spsc_reserved_entry(&f.p, i), &(uint64_t){1000 + i}, 8);
	/* nothing is visible before commit */
	cr_assert_eq(shmprim_spsc_peek(&f.c, 8), 0);
	cr_assert_not(shmprim_spsc_pop(&f.c, &got));
	cr_assert_eq(shmprim_spsc_len(&f.ring), 0);
	/* a repeated reserve sees the same slots */
	cr_assert_eq(shmprim_spsc_reserve(&f.p, 3, NULL), 3);
	cr_assert_eq(memcmp(shmprim_spsc_reserved_entry(&f.p, 2), &(uint64_t){1002}, 8), 0);
	cr_assert_eq(shmprim_spsc_commit(&f.p, 2), 2);
	cr_assert_eq(shmprim_spsc_len(&f.ring), 2);
	/* the uncommitted third entry was not published; it is the next reservation's first slot */
	cr_assert_eq(memcmp(shmprim_spsc_reserved_entry(&f.p, 0), &(uint64_t){1002}, 8), 0);
	cr_assert_eq(shmprim_spsc_commit(&f.p, 1), 1);
	cr_assert_eq(shmprim_spsc_pop_burst(&f.c, out, 8), 3);
	expect_seq(out, 3, 1000, "committed entries");
	close_ring(&f);
}

Test(batch, reserve_and_commit_never_pass_free_space)
{
	fixture f;
	uint64_t in[4], out[4];
	shmprim_push_result r = SHMPRIM_PUSH_OK;
	uint32_t i;

	open_ring(&f, 4, 8);
	fill_seq(in, 4, 1);
	cr_assert_eq(shmprim_spsc_push_burst(&f.p, in, 1, NULL), 1);
	cr_assert_eq(shmprim_spsc_reserve(&f.p, 10, &r), 3);
	cr_assert_eq(r, SHMPRIM_PUSH_WOULD_BLOCK);
	for (i = 0; i < 3; i++)
		memcpy(shmprim_spsc_reserved_entry(&f.p, i), &in[1 + i], 8);
	cr_assert_eq(shmprim_spsc_commit(&f.p, 10), 3, "commit past free space");
	cr_assert_eq(shmprim_spsc_reserve(&f.p, 1, &r), 0);
	cr_assert_eq(r, SHMPRIM_PUSH_WOULD_BLOCK);
	cr_assert_eq(shmprim_spsc_commit(&f.p, 1), 0, "commit into a full ring");
	cr_assert_eq(shmprim_spsc_pop_bulk(&f.c, out, 4), 4);
	expect_seq(out, 4, 1, "full ring");
	cr_assert_eq(shmprim_spsc_reserve(&f.p, 0, &r), 0);
	cr_assert_eq(r, SHMPRIM_PUSH_OK);
	close_ring(&f);
}

Test(batch, peek_release_reads_in_place)
{
	fixture f;
	pair in[6], got;
	const pair *e;
	uint32_t i;

	open_ring(&f, 8, sizeof(pair));
	for (i = 0; i < 6; i++) {
		in[i].seq = 10 + i;
		in[i].check = ~(uint64_t)(10 + i);
	}
	cr_assert_eq(shmprim_spsc_push_burst(&f.p, in, 6, NULL), 6);
	cr_assert_eq(shmprim_spsc_peek(&f.c, 4), 4);
	/* peek does not consume: a second peek sees the same entries */
	cr_assert_eq(shmprim_spsc_peek(&f.c, 100), 6);
	for (i = 0; i < 6; i++) {
		e = (const pair *)shmprim_spsc_peeked_entry(&f.c, i);
		cr_assert_eq(e->seq, 10 + i, "peeked entry %u", i);
		cr_assert_eq(e->check, ~(uint64_t)(10 + i), "peeked entry %u", i);
	}
	cr_assert_eq(shmprim_spsc_release(&f.c, 2), 2);
	cr_assert_eq(shmprim_spsc_consumer_len(&f.c), 4);
	e = (const pair *)shmprim_spsc_peeked_entry(&f.c, 0);
	cr_assert_eq(e->seq, 12);
	/* releasing more than is published releases only what is */
	cr_assert_eq(shmprim_spsc_release(&f.c, 9), 4);
	cr_assert_eq(shmprim_spsc_release(&f.c, 1), 0);
	cr_assert_eq(shmprim_spsc_peek(&f.c, 1), 0);
	cr_assert_not(shmprim_spsc_pop(&f.c, &got));
	/* the released slots are free again for the producer */
	cr_assert_eq(shmprim_spsc_available(&f.p), 8);
	close_ring(&f);
}

/* Mixed batch sizes across many laps, then across the u32 index wrap. */
static void run_laps(fixture *f, uint64_t first, uint32_t laps)
{
	uint64_t in[16], out[16];
	uint64_t next_in = first, next_out = first;
	uint32_t lap, k, m, i;

	for (lap = 0; lap < laps; lap++) {
		uint32_t want = 1 + lap % 7;

		fill_seq(in, want, next_in);
		switch (lap % 3) {
		case 0:
			k = shmprim_spsc_push_burst(&f->p, in, want, NULL);
			break;
		case 1:
			k = shmprim_spsc_push_bulk(&f->p, in, want, NULL);
			break;
		default:
			k = shmprim_spsc_reserve(&f->p, want, NULL);
			for (i = 0; i < k; i++)
				memcpy(shmprim_spsc_reserved_entry(&f->p, i), &in[i], 8);
			k = shmprim_spsc_commit(&f->p, k);
		}
		next_in += k;
		want = 1 + (lap * 5) % 6;
		if (lap % 2) {
			m = shmprim_spsc_pop_burst(&f->c, out, want);
		} else {
			m = shmprim_spsc_peek(&f->c, want);
			for (i = 0; i < m; i++)
				memcpy(&out[i], shmprim_spsc_peeked_entry(&f->c, i), 8);
			cr_assert_eq(shmprim_spsc_release(&f->c, m), m, "lap %u", lap);
		}
		for (i = 0; i < m; i++)
			cr_assert_eq(out[i], next_out + i, "lap %u entry %u: %llu", lap, i, (unsigned long long)out[i]);
		next_out += m;
		cr_assert_leq(next_in - next_out, 8, "lap %u: more in flight than capacity", lap);
	}
	m = shmprim_spsc_pop_burst(&f->c, out, 16);
	for (i = 0; i < m; i++)
		cr_assert_eq(out[i], next_out + i);
	next_out += m;
	cr_assert_eq(next_out, next_in, "drain: %llu in, %llu out", (unsigned long long)next_in,
	             (unsigned long long)next_out);
	cr_assert_gt(next_in - first, laps, "the laps moved too little to wrap the ring");
}

Test(batch, wraps_around_the_ring)
{
	fixture f;

	open_ring(&f, 8, 8);
	run_laps(&f, 1, 500);
	close_ring(&f);
}

Test(batch, wraps_around_the_u32_indices)
{
	fixture f;
	shmprim_spsc_header *h;

	open_ring(&f, 8, 8);
	/* An idle ring whose free-running indices are 16 short of 2^32. */
	h = f.ring.raw.header;
	h->head = 0xFFFFFFF0u;
	h->tail = 0xFFFFFFF0u;
	shmprim_spsc_split(&f.ring, &f.p, &f.c);
	run_laps(&f, 1, 200);
	cr_assert_lt(h->head, 0x1000u, "head did not wrap: %u", h->head);
	close_ring(&f);
}

/* Byte b of the entry numbered seq: differs between neighbouring entries and
 * neighbouring bytes, so a shifted, short or misplaced copy shows. */
static unsigned char entry_byte(uint64_t seq, uint32_t b)
{
	return (unsigned char)(seq * 31 + b * 7 + 1);
}

/* Bursts that straddle the end of the slot array, for each way a burst is
 * copied: 8-byte entries (16-byte slots), odd sizes (several slots per line),
 * and slots of a line or more (published after the copies). */
Test(batch, bursts_wrap_for_every_entry_size)
{
	static const uint32_t sizes[] = {8, 13, 64, 100};
	unsigned char in[7 * 100], out[7 * 100];
	uint32_t s, lap, i, b;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint32_t size = sizes[s];
		uint64_t next_in = 0, next_out = 0;
		fixture f;

		open_ring(&f, 8, size);
		for (lap = 0; lap < 40; lap++) {
			uint32_t want = 1 + (lap * 3) % 7, k, m;

			for (i = 0; i < want; i++)
				for (b = 0; b < size; b++)
					in[i * size + b] = entry_byte(next_in + i, b);
			k = shmprim_spsc_push_burst(&f.p, in, want, NULL);
			cr_assert_eq(k, want < 8 - (uint32_t)(next_in - next_out) ? want : 8 - (uint32_t)(next_in - next_out),
			             "size %u lap %u: pushed %u of %u", size, lap, k, want);
			next_in += k;
			m = shmprim_spsc_pop_burst(&f.c, out, 1 + lap % 5);
			cr_assert_eq(m, (uint32_t)(next_in - next_out) < 1 + lap % 5 ? (uint32_t)(next_in - next_out) : 1 + lap % 5,
			             "size %u lap %u: popped %u", size, lap, m);
			for (i = 0; i < m; i++)
				for (b = 0; b < size; b++)
					cr_assert_eq(out[i * size + b], entry_byte(next_out + i, b),
					             "size %u lap %u: entry %llu byte %u", size, lap,
					             (unsigned long long)(next_out + i), b);
			next_out += m;
		}
		cr_assert_gt(next_out, 24, "size %u: too few entries to wrap the ring three times", size);
		close_ring(&f);
	}
}

Test(batch, corrupt_consumer_index_is_reported)
{
	fixture f;
	uint64_t in[4] = {1, 2, 3, 4};
	shmprim_push_result r = SHMPRIM_PUSH_OK;

	open_ring(&f, 4, 8);
	cr_assert_eq(shmprim_spsc_push_burst(&f.p, in, 4, NULL), 4);
	/* the consumer's index jumps ahead of the producer: impossible */
	f.ring.raw.header->tail = 100;
	cr_assert_eq(shmprim_spsc_push_burst(&f.p, in, 1, &r), 0);
	cr_assert_eq(r, SHMPRIM_PUSH_CORRUPT);
	r = SHMPRIM_PUSH_OK;
	cr_assert_eq(shmprim_spsc_push_bulk(&f.p, in, 1, &r), 0);
	cr_assert_eq(r, SHMPRIM_PUSH_CORRUPT);
	r = SHMPRIM_PUSH_OK;
	cr_assert_eq(shmprim_spsc_reserve(&f.p, 1, &r), 0);
	cr_assert_eq(r, SHMPRIM_PUSH_CORRUPT);
	cr_assert_eq(shmprim_spsc_push(&f.p, in), SHMPRIM_PUSH_CORRUPT);
	close_ring(&f);
}

Test(batch, corrupt_indices_at_split_are_reported)
{
	fixture f;
	uint64_t in[2] = {1, 2};
	shmprim_push_result r = SHMPRIM_PUSH_OK;

	open_ring(&f, 4, 8);
	/* head more than capacity ahead of tail: the producer's own view is
	 * already impossible, so its cached index must not be trusted */
	f.ring.raw.header->head = 100;
	shmprim_spsc_split(&f.ring, &f.p, NULL);
	cr_assert_eq(shmprim_spsc_push_burst(&f.p, in, 2, &r), 0);
	cr_assert_eq(r, SHMPRIM_PUSH_CORRUPT);
	cr_assert_eq(shmprim_spsc_reserve(&f.p, 1, &r), 0);
	cr_assert_eq(r, SHMPRIM_PUSH_CORRUPT);
	cr_assert_eq(shmprim_spsc_commit(&f.p, 1), 0);
	cr_assert_eq(f.ring.raw.header->head, 100, "a corrupt ring was written to");
	close_ring(&f);
}

Test(batch, typed_wrappers_move_exact_entries)
{
	fixture f;
	pair in[5], out[8], one;
	uint32_t i;

	open_ring(&f, 4, sizeof(pair));
	for (i = 0; i < 5; i++) {
		in[i].seq = i + 1;
		in[i].check = 0xABCD0000u + i;
	}
	cr_assert_eq(pair_ring_push_burst(&f.p, in, 5), 4);
	cr_assert_eq(pair_ring_push(&f.p, &in[4]), SHMPRIM_PUSH_WOULD_BLOCK);
	cr_assert(pair_ring_pop(&f.c, &one));
	cr_assert_eq(one.seq, 1);
	cr_assert_eq(one.check, 0xABCD0000u);
	cr_assert_eq(pair_ring_push(&f.p, &in[4]), SHMPRIM_PUSH_OK);
	cr_assert_eq(pair_ring_pop_burst(&f.c, out, 8), 4);
	for (i = 0; i < 4; i++) {
		cr_assert_eq(out[i].seq, i + 2, "typed entry %u", i);
		cr_assert_eq(out[i].check, 0xABCD0000u + i + 1, "typed entry %u", i);
	}
	/* a wrapper for another entry size moves nothing */
	cr_assert_eq(u64_ring_push(&f.p, &in[0].seq), SHMPRIM_PUSH_CORRUPT);
	cr_assert_eq(u64_ring_push_burst(&f.p, &in[0].seq, 1), 0);
	cr_assert_eq(shmprim_spsc_len(&f.ring), 0);
	cr_assert_eq(pair_ring_push(&f.p, &in[0]), SHMPRIM_PUSH_OK);
	cr_assert_not(u64_ring_pop(&f.c, &one.seq));
	cr_assert_eq(u64_ring_pop_burst(&f.c, &one.seq, 1), 0);
	cr_assert_eq(shmprim_spsc_len(&f.ring), 1);
	close_ring(&f);
}

/* Odd entry sizes go through the generic copy: check every byte survives. */
Test(batch, odd_entry_size_round_trips)
{
	fixture f;
	unsigned char in[3 * 13], out[4 * 13];
	uint32_t i;

	open_ring(&f, 4, 13);
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7 + 1);
	cr_assert_eq(shmprim_spsc_push_bulk(&f.p, in, 3, NULL), 3);
	memset(out, 0, sizeof(out));
	cr_assert_eq(shmprim_spsc_pop_burst(&f.c, out, 4), 3);
	cr_assert_eq(memcmp(in, out, sizeof(in)), 0);
	for (i = sizeof(in); i < sizeof(out); i++)
		cr_assert_eq(out[i], 0, "burst wrote past the entries it returned (byte %u)", i);
	close_ring(&f);
}

/* Two threads: bursts and zero-copy against bursts and peeks, exact sequence. */
#define THREADED_ITEMS 200000u

struct threaded {
	shmprim_spsc_producer *p;
	unsigned long long errors;
};

static void *threaded_producer(void *arg)
{
	struct threaded *t = (struct threaded *)arg;
	uint64_t in[32];
	uint64_t next = 1;
	uint32_t round = 0, i, k;

	while (next <= THREADED_ITEMS) {
		uint32_t want = 1 + round % 32;

		if (want > THREADED_ITEMS + 1 - next)
			want = (uint32_t)(THREADED_ITEMS + 1 - next);
		if (round++ % 2) {
			fill_seq(in, want, next);
			k = shmprim_spsc_push_burst(t->p, in, want, NULL);
		} else {
			k = shmprim_spsc_reserve(t->p, want, NULL);
			for (i = 0; i < k; i++)
				*(uint64_t *)shmprim_spsc_reserved_entry(t->p, i) = next + i;
			k = shmprim_spsc_commit(t->p, k);
		}
		next += k;
		if (!k)
			sched_yield();
	}
	return NULL;
}

Test(batch, two_threads_exact_sequence, .timeout = 60)
{
	fixture f;
	pthread_t th;
	struct threaded t;
	uint64_t out[32];
	uint64_t next = 1, errors = 0;
	uint32_t round = 0, i, k;

	open_ring(&f, 64, 8);
	t.p = &f.p;
	t.errors = 0;
	cr_assert_eq(pthread_create(&th, NULL, threaded_producer, &t), 0);
	while (next <= THREADED_ITEMS) {
		uint32_t want = 1 + round % 29;

		if (round++ % 2) {
			k = shmprim_spsc_pop_burst(&f.c, out, want);
			for (i = 0; i < k; i++)
				errors += out[i] != next + i;
		} else {
			k = shmprim_spsc_peek(&f.c, want);
			for (i = 0; i < k; i++)
				errors += *(const uint64_t *)shmprim_spsc_peeked_entry(&f.c, i) != next + i;
			k = shmprim_spsc_release(&f.c, k);
		}
		next += k;
		if (!k)
			sched_yield();
	}
	pthread_join(th, NULL);
	cr_assert_eq(errors, 0, "%llu entries out of sequence", (unsigned long long)errors);
	cr_assert_eq(next, THREADED_ITEMS + 1);
	cr_assert_eq(shmprim_spsc_pop_burst(&f.c, out, 32), 0, "entries beyond the last one sent");
	close_ring(&f);
}
