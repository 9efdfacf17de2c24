/*
 * Portability smoke test: ring and slab, single- and multi-threaded, as a
 * plain main() printing TAP. It needs no Criterion, so it builds with any
 * cross compiler and runs under qemu-user (Criterion's forked workers re-exec
 * a foreign binary, which qemu-user cannot follow without binfmt_misc).
 *
 *   portability-smoke BACKEND    BACKEND: the atomics binding this binary was
 *                                linked with (checked against the library)
 * SHMPRIM_PORT_SCALE=N multiplies the threaded item counts (default 1).
 * Exit status: 0 when every check passed.
 */
#define _POSIX_C_SOURCE 200112L /* sched_yield, alarm */

#include <shmprim/shmprim.h>

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int test_no, failures;

/* One TAP line per check; the detail says what was seen when it fails. */
static void check(int ok, const char *what, const char *detail)
{
	test_no++;
	if (!ok)
		failures++;
	printf("%sok %d - %s%s%s\n", ok ? "" : "not ", test_no, what, ok ? "" : ": ", ok ? "" : detail);
	fflush(stdout);
}

static char detail_buf[256];
#define DETAIL(...) (snprintf(detail_buf, sizeof(detail_buf), __VA_ARGS__), detail_buf)

static unsigned long scale(void)
{
	const char *s = getenv("SHMPRIM_PORT_SCALE");
	unsigned long n = s ? strtoul(s, NULL, 10) : 1;

	return n ? n : 1;
}

/* ---- ring, one thread ---- */

typedef struct entry24 {
	uint64_t seq;
	uint64_t twice;
	uint32_t check;
	uint32_t pad;
} entry24;

static entry24 make_entry(uint64_t seq)
{
	entry24 e;

	e.seq = seq;
	e.twice = seq * 2u + 1u;
	e.check = (uint32_t)(seq * 2654435761u);
	e.pad = 0xA5A5A5A5u;
	return e;
}

static int entry_ok(const entry24 *e, uint64_t seq)
{
	entry24 want = make_entry(seq);

	return memcmp(e, &want, sizeof(want)) == 0;
}

static void ring_single_thread(void)
{
	enum { CAP = 8 };
	shmprim_heap_region heap;
	shmprim_spsc ring, again;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	size_t need = shmprim_spsc_required_size(CAP, sizeof(entry24));
	uint64_t next_in = 0, next_out = 0;
	uint32_t pushed = 0, round;
	shmprim_push_result pr;
	entry24 e;
	int order_ok = 1;

	check(need == SHMPRIM_SPSC_HEADER_SIZE + CAP * 32u, "ring: required size is header + capacity x stride",
	      DETAIL("required %lu, expected %u", (unsigned long)need, SHMPRIM_SPSC_HEADER_SIZE + CAP * 32u));
	if (shmprim_heap_region_new_zeroed(&heap, need) != SHMPRIM_OK) {
		check(0, "ring: heap region", "allocation failed");
		return;
	}
	check(shmprim_spsc_init(&ring, shmprim_heap_region_region(&heap), 0, CAP, sizeof(entry24)) == SHMPRIM_OK,
	      "ring: init", "init failed");
	shmprim_spsc_split(&ring, &p, &c);

	/* Exactly CAP pushes fit; the next one would block. */
	for (;;) {
		e = make_entry(next_in);
		pr = shmprim_spsc_push(&p, &e);
		if (pr != SHMPRIM_PUSH_OK)
			break;
		next_in++;
		pushed++;
	}
	check(pushed == CAP && pr == SHMPRIM_PUSH_WOULD_BLOCK, "ring: fills to exactly capacity, then would block",
	      DETAIL("pushed %u, last result %d", pushed, (int)pr));
	check(shmprim_spsc_len(&ring) == CAP, "ring: len is capacity when full",
	      DETAIL("len %u", shmprim_spsc_len(&ring)));

	/* A second handle attached to the same bytes sees the same geometry. */
	check(shmprim_spsc_attach(&again, shmprim_heap_region_region(&heap), 0) == SHMPRIM_OK &&
	              shmprim_spsc_capacity(&again) == CAP && shmprim_spsc_entry_size(&again) == sizeof(entry24) &&
	              shmprim_spsc_len(&again) == CAP,
	      "ring: attach sees capacity, entry size and len", "attach disagreed");

	/* Many wraps with varying batch sizes: strict FIFO, no loss, no duplicates. */
	for (round = 0; round < 5000; round++) {
		uint32_t batch = round % (CAP + 1), i;

		for (i = 0; i < batch; i++) {
			if (!shmprim_spsc_pop(&c, &e) || !entry_ok(&e, next_out))
				order_ok = 0;
			next_out++;
		}
		for (i = 0; i < batch; i++) {
			e = make_entry(next_in);
			if (shmprim_spsc_push(&p, &e) != SHMPRIM_PUSH_OK)
				order_ok = 0;
			next_in++;
		}
	}
	while (shmprim_spsc_pop(&c, &e)) {
		if (!entry_ok(&e, next_out))
			order_ok = 0;
		next_out++;
	}
	check(order_ok && next_out == next_in && shmprim_spsc_is_empty(&ring),
	      "ring: FIFO exact across 5000 rounds of wrap-around",
	      DETAIL("in %llu out %llu order_ok %d", (unsigned long long)next_in, (unsigned long long)next_out,
	             order_ok));
	shmprim_heap_region_free(&heap);
}

/* ---- ring, two threads ---- */

typedef struct ring_run {
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	uint64_t items;
	uint64_t received;
	uint64_t first_bad; /* sequence number of the first wrong entry, or items if none */
} ring_run;

static void *ring_producer(void *arg)
{
	ring_run *r = (ring_run *)arg;
	uint64_t i;
	entry24 e;

	for (i = 0; i < r->items; i++) {
		e = make_entry(i);
		while (shmprim_spsc_push(&r->p, &e) == SHMPRIM_PUSH_WOULD_BLOCK)
			sched_yield();
	}
	return NULL;
}

static void *ring_consumer(void *arg)
{
	ring_run *r = (ring_run *)arg;
	entry24 e;

	while (r->received < r->items) {
		if (!shmprim_spsc_pop(&r->c, &e)) {
			sched_yield();
			continue;
		}
		if (r->first_bad == r->items && !entry_ok(&e, r->received))
			r->first_bad = r->received;
		r->received++;
	}
	return NULL;
}

static void ring_two_threads(void)
{
	shmprim_heap_region heap;
	shmprim_spsc ring;
	ring_run r;
	pthread_t tp, tc;

	if (shmprim_heap_region_new_zeroed(&heap, shmprim_spsc_required_size(64, sizeof(entry24))) != SHMPRIM_OK ||
	    shmprim_spsc_init(&ring, shmprim_heap_region_region(&heap), 0, 64, sizeof(entry24)) != SHMPRIM_OK) {
		check(0, "ring: two threads", "setup failed");
		return;
	}
	shmprim_spsc_split(&ring, &r.p, &r.c);
	r.items = 500000u * scale();
	r.received = 0;
	r.first_bad = r.items;
	if (pthread_create(&tc, NULL, ring_consumer, &r) != 0 || pthread_create(&tp, NULL, ring_producer, &r) != 0) {
		/* A lone consumer would wait forever: report and leave. */
		check(0, "ring: two threads", "pthread_create failed");
		printf("1..%d\n", test_no);
		exit(1);
	}
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	check(r.first_bad == r.items && r.received == r.items && shmprim_spsc_is_empty(&ring),
	      "ring: producer and consumer threads, every entry in order",
	      DETAIL("items %llu received %llu first bad %llu", (unsigned long long)r.items,
	             (unsigned long long)r.received, (unsigned long long)r.first_bad));
	shmprim_heap_region_free(&heap);
}

/* ---- slab, one thread ---- */

static void slab_single_thread(void)
{
	enum { SLOTS = 16, SIZE = 40 };
	shmprim_heap_region heap;
	shmprim_slab slab, again;
	shmprim_slot_handle h[SLOTS], extra;
	shmprim_slot_error err;
	shmprim_alloc_result ar;
	unsigned seen = 0;
	int ok = 1, i;

	if (shmprim_heap_region_new_zeroed(&heap, shmprim_slab_required_size(SLOTS, SIZE)) != SHMPRIM_OK ||
	    shmprim_slab_init(&slab, shmprim_heap_region_region(&heap), 0, SLOTS, SIZE) != SHMPRIM_OK) {
		check(0, "slab: init", "setup failed");
		return;
	}
	check(shmprim_slab_required_size(SLOTS, SIZE) == SHMPRIM_SLAB_HEADER_SIZE + SLOTS * 64u + SLOTS * 40u,
	      "slab: required size is header + meta + data",
	      DETAIL("required %lu", (unsigned long)shmprim_slab_required_size(SLOTS, SIZE)));
	for (i = 0; i < SLOTS; i++) {
		if (shmprim_slab_try_alloc(&slab, &h[i]) != SHMPRIM_ALLOC_OK || h[i].index >= SLOTS ||
		    h[i].generation != 1u || (seen & (1u << h[i].index)))
			ok = 0;
		else
			seen |= 1u << h[i].index;
		if (ok)
			memset(shmprim_slab_slot_data(&slab, h[i]), 0x30 + i, SIZE);
	}
	ar = shmprim_slab_try_alloc(&slab, &extra);
	check(ok && seen == 0xFFFFu && ar == SHMPRIM_ALLOC_WOULD_BLOCK,
	      "slab: every slot allocated once with generation 1, then would block",
	      DETAIL("ok %d seen %#x last %d", ok, seen, (int)ar));

	for (i = 0; ok && i < SLOTS; i++) {
		const unsigned char *d = (const unsigned char *)shmprim_slab_slot_data(&slab, h[i]);
		int j;

		for (j = 0; j < SIZE; j++)
			if (d[j] != 0x30 + i)
				ok = 0;
	}
	check(ok, "slab: slot data kept apart", "a slot's bytes were overwritten by a neighbour");

	check(shmprim_slab_attach(&again, shmprim_heap_region_region(&heap), 0) == SHMPRIM_OK &&
	              shmprim_slab_slot_count(&again) == SLOTS && shmprim_slab_slot_size(&again) == SIZE &&
	              shmprim_slab_free_count_approx(&again) == 0,
	      "slab: attach sees slot count, slot size and an empty free list", "attach disagreed");

	/* in flight -> free, then the handle is stale everywhere. */
	check(shmprim_slab_mark_in_flight(&slab, h[3]) == SHMPRIM_OK && shmprim_slab_free(&slab, h[3]) == SHMPRIM_OK,
	      "slab: allocated -> in flight -> free", "transition refused");
	check(shmprim_slab_free_ex(&slab, h[3], &err) == SHMPRIM_ERR_INVALID_STATE && err.expected == 2 &&
	              err.actual == 0,
	      "slab: double free refused as invalid state (expected in flight, saw free)",
	      DETAIL("code %d expected %u actual %u", (int)err.code, err.expected, err.actual));
	check(shmprim_slab_try_alloc(&slab, &extra) == SHMPRIM_ALLOC_OK && extra.index == h[3].index &&
	              extra.generation == 2u,
	      "slab: freed slot comes back with generation 2",
	      DETAIL("index %u generation %u", extra.index, extra.generation));
	check(shmprim_slab_free_allocated_ex(&slab, h[3], &err) == SHMPRIM_ERR_GENERATION_MISMATCH &&
	              err.expected == 1u && err.actual == 2u && shmprim_slab_slot_data(&slab, h[3]) == NULL,
	      "slab: stale handle refused (generation 1 vs 2), no data pointer",
	      DETAIL("code %d expected %u actual %u", (int)err.code, err.expected, err.actual));
	h[3] = extra;

	ok = 1;
	for (i = 0; i < SLOTS; i++)
		if (shmprim_slab_free_allocated(&slab, h[i]) != SHMPRIM_OK)
			ok = 0;
	check(ok && shmprim_slab_free_count_approx(&slab) == SLOTS, "slab: all slots freed, free count is slot count",
	      DETAIL("ok %d free %u", ok, shmprim_slab_free_count_approx(&slab)));
	shmprim_heap_region_free(&heap);
}

/* ---- slab, several threads ---- */

enum { SLAB_THREADS = 4, SLAB_SLOTS = 8, SLAB_SIZE = 24 };

typedef struct slab_run {
	shmprim_slab *slab;
	unsigned id;
	unsigned long ops;
	unsigned long done;
	unsigned long bad; /* stamp mismatches or refused transitions */
} slab_run;

/* Each owner stamps its slot with (thread, op) and checks the stamp is still
 * there before freeing: two owners of one slot would overwrite each other. */
static void *slab_worker(void *arg)
{
	slab_run *r = (slab_run *)arg;
	unsigned long op;

	for (op = 0; op < r->ops;) {
		shmprim_slot_handle h;
		shmprim_alloc_result ar = shmprim_slab_try_alloc(r->slab, &h);
		uint32_t stamp[SLAB_SIZE / 4];
		unsigned char *d;
		unsigned k;

		if (ar == SHMPRIM_ALLOC_WOULD_BLOCK || ar == SHMPRIM_ALLOC_CONTENDED) {
			sched_yield();
			continue;
		}
		if (ar != SHMPRIM_ALLOC_OK || !(d = (unsigned char *)shmprim_slab_slot_data(r->slab, h))) {
			r->bad++;
			op++;
			continue;
		}
		for (k = 0; k < SLAB_SIZE / 4; k++)
			stamp[k] = (uint32_t)(r->id << 24) ^ (uint32_t)op ^ (k * 0x9E3779B9u);
		memcpy(d, stamp, sizeof(stamp));
		if (op % 3 == 0)
			sched_yield(); /* hold the slot across a reschedule now and then */
		if (memcmp(d, stamp, sizeof(stamp)) != 0)
			r->bad++;
		if (op % 2 == 0) {
			if (shmprim_slab_mark_in_flight(r->slab, h) != SHMPRIM_OK || shmprim_slab_free(r->slab, h) != SHMPRIM_OK)
				r->bad++;
		} else if (shmprim_slab_free_allocated(r->slab, h) != SHMPRIM_OK) {
			r->bad++;
		}
		op++;
		r->done++;
	}
	return NULL;
}

static void slab_threads(void)
{
	shmprim_heap_region heap;
	shmprim_slab slab;
	slab_run runs[SLAB_THREADS];
	pthread_t t[SLAB_THREADS];
	unsigned long bad = 0, done = 0, want;
	unsigned i, started = 0;

	if (shmprim_heap_region_new_zeroed(&heap, shmprim_slab_required_size(SLAB_SLOTS, SLAB_SIZE)) != SHMPRIM_OK ||
	    shmprim_slab_init(&slab, shmprim_heap_region_region(&heap), 0, SLAB_SLOTS, SLAB_SIZE) != SHMPRIM_OK) {
		check(0, "slab: threads", "setup failed");
		return;
	}
	for (i = 0; i < SLAB_THREADS; i++) {
		runs[i].slab = &slab;
		runs[i].id = i;
		runs[i].ops = 50000ul * scale();
		runs[i].done = runs[i].bad = 0;
	}
	for (i = 0; i < SLAB_THREADS; i++, started++)
		if (pthread_create(&t[i], NULL, slab_worker, &runs[i]) != 0)
			break;
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	want = runs[0].ops * started;
	for (i = 0; i < started; i++) {
		bad += runs[i].bad;
		done += runs[i].done;
	}
	check(started == SLAB_THREADS && bad == 0 && done == want && shmprim_slab_free_count_approx(&slab) == SLAB_SLOTS,
	      "slab: 4 threads alloc/stamp/verify/free on 8 slots, no double ownership, all slots back",
	      DETAIL("threads %u bad %lu done %lu of %lu free %u", started, bad, done, want,
	             shmprim_slab_free_count_approx(&slab)));
	shmprim_heap_region_free(&heap);
}

/* ---- sizes on this target's size_t ---- */

static void sizes(void)
{
	size_t big = shmprim_spsc_required_size(SHMPRIM_SPSC_MAX_CAPACITY, SHMPRIM_SPSC_MAX_ENTRY_SIZE);
	uint64_t exact = (uint64_t)SHMPRIM_SPSC_MAX_CAPACITY * (8u + SHMPRIM_SPSC_MAX_ENTRY_SIZE) + SHMPRIM_SPSC_HEADER_SIZE;

	/* 2^31 entries of 1 MiB: about 2^51 bytes. Representable only with a 64-bit size_t. */
	if (sizeof(size_t) < 8)
		check(big == 0, "sizes: largest ring is refused (0) where size_t is 32-bit",
		      DETAIL("got %lu", (unsigned long)big));
	else
		check((uint64_t)big == exact, "sizes: largest ring computed exactly where size_t is 64-bit",
		      DETAIL("got %llu want %llu", (unsigned long long)big, (unsigned long long)exact));
	check(shmprim_spsc_required_size(3, 8) == 0 && shmprim_slab_required_size(0, 8) == 0,
	      "sizes: invalid geometry gives 0", "accepted a non-power-of-two capacity or zero slots");
}

int main(int argc, char **argv)
{
	const char *want = argc > 1 ? argv[1] : NULL;

	/* A lost entry leaves a consumer waiting forever: fail in bounded time
	 * (SIGALRM's default action ends the process) instead of hanging. */
	alarm((unsigned)(120 * scale()));
	printf("TAP version 13\n");
	printf("# shmprim portability smoke: backend %s, %u-bit pointers, %u-bit long\n", shmprim_backend_name(),
	       (unsigned)(sizeof(void *) * 8), (unsigned)(sizeof(long) * 8));
	check(want && strcmp(want, shmprim_backend_name()) == 0, "backend: linked the expected atomics binding",
	      DETAIL("asked for %s, library says %s", want ? want : "(none)", shmprim_backend_name()));
	sizes();
	ring_single_thread();
	ring_two_threads();
	slab_single_thread();
	slab_threads();
	printf("1..%d\n", test_no);
	return failures ? 1 : 0;
}
