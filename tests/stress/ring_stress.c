/*
 * ring_stress: a producer thread and a consumer thread carry sequence numbers
 * through one SPSC ring; the consumer fails on any loss, duplicate, reorder
 * or torn entry (each entry must equal exactly the next expected one).
 *
 * usage: ring_stress MODE[:burst] [count [capacity [start]]]
 *   MODE      u64: 8-byte entries holding the sequence number
 *             eN:  N-byte entries (8 < N <= 4096, e.g. e24), every byte derived
 *                  from the sequence number
 *   :burst    push_burst / pop_burst of 1..32 entries (sizes varying per call,
 *             different on each side) instead of push / pop
 *   count     items (default 10^7), divided by the scale (stress_util.h:
 *             env SHMPRIM_STRESS_SCALE, default 10 under TSan/ASan, else 1)
 *   capacity  default 1024
 *   start     the ring's free-running u32 indices start here (default 0), or
 *             "wrap": 2^32 - count/2, so they wrap half-way through. The slots
 *             get the seq values a previous lap would have left, as if the
 *             ring had run that long.
 * Both sides busy-wait: a few immediate retries, so the consumer often reads a
 * slot the instant it is published, then sched_yield() (the test machines
 * have 2 cores, shared).
 * Exit 0 and a summary line on success; 1 and a diagnosis on the first fault.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <sched.h>
#include <string.h>

#include <shmprim/shmprim.h>
#include <shmprim/static/spsc.h>

#include "stress_util.h"

#define MAX_ENTRY 4096
#define SPINS_BEFORE_YIELD 64

struct run {
	shmprim_spsc ring;
	shmprim_spsc_producer producer;
	shmprim_spsc_consumer consumer;
	uint64_t count;
	uint32_t entry_size;
	int burst;
	uint64_t producer_waits;
	uint64_t consumer_waits;
};

/* The entry for sequence number seq: its first 8 bytes are seq itself, the
 * rest a stream of words mixed from seq, so a torn or stale entry shows. */
static void make_entry(unsigned char *e, uint32_t size, uint64_t seq)
{
	uint64_t x = seq * 0x9E3779B97F4A7C15ull ^ 0xD1B54A32D192ED03ull;
	uint32_t k;

	memcpy(e, &seq, sizeof(seq));
	for (k = 8; k < size; k += 8) {
		x ^= x >> 29;
		x *= 0xBF58476D1CE4E5B9ull;
		memcpy(e + k, &x, size - k < 8 ? size - k : 8);
	}
}

#define MAX_BURST 32

/* Batch sizes 1..MAX_BURST from a small generator, so both sides mix sizes. */
static uint32_t next_burst(uint64_t *state)
{
	*state = *state * 6364136223846793005ull + 1442695040888963407ull;
	return 1 + (uint32_t)(*state >> 59);
}

static void fail_item(const char *what, uint64_t expect, const unsigned char *got, uint32_t size)
{
	unsigned char want[MAX_ENTRY];
	uint64_t seq;
	uint32_t k = 0;

	memcpy(&seq, got, sizeof(seq));
	if (seq != expect) {
		fprintf(stderr, "ring_stress: %s: expected item %llu, got %llu (%s)\n", what, (unsigned long long)expect,
		        (unsigned long long)seq, seq < expect ? "duplicate or replay" : "lost item or reorder");
		exit(1);
	}
	make_entry(want, size, expect);
	while (got[k] == want[k])
		k++;
	fprintf(stderr, "ring_stress: %s: item %llu is torn: byte %u is %02x, expected %02x\n", what,
	        (unsigned long long)expect, k, got[k], want[k]);
	exit(1);
}

static void *burst_producer_main(void *arg)
{
	struct run *r = arg;
	unsigned char *batch = malloc((size_t)MAX_BURST * r->entry_size);
	uint64_t seq = 0, gen = 1;

	if (!batch)
		exit(2);
	while (seq < r->count) {
		uint32_t n = next_burst(&gen), done = 0, i;
		unsigned spins = 0;

		if (n > r->count - seq)
			n = (uint32_t)(r->count - seq);
		for (i = 0; i < n; i++)
			make_entry(batch + (size_t)i * r->entry_size, r->entry_size, seq + i);
		while (done < n) {
			shmprim_push_result res;
			uint32_t k = shmprim_spsc_push_burst(&r->producer, batch + (size_t)done * r->entry_size, n - done,
			                                     &res);

			if (res == SHMPRIM_PUSH_CORRUPT) {
				fprintf(stderr, "ring_stress: push_burst at item %llu: corrupt\n",
				        (unsigned long long)(seq + done));
				exit(1);
			}
			done += k;
			if (k == 0) {
				r->producer_waits++;
				if (++spins % SPINS_BEFORE_YIELD == 0)
					sched_yield();
			}
		}
		seq += n;
	}
	free(batch);
	return NULL;
}

static void *burst_consumer_main(void *arg)
{
	struct run *r = arg;
	unsigned char *batch = malloc((size_t)MAX_BURST * r->entry_size);
	unsigned char want[MAX_ENTRY];
	uint64_t expect = 0, gen = 7;
	unsigned spins = 0;

	if (!batch)
		exit(2);
	while (expect < r->count) {
		uint32_t k = shmprim_spsc_pop_burst(&r->consumer, batch, next_burst(&gen)), i;

		if (k == 0) {
			r->consumer_waits++;
			if (++spins % SPINS_BEFORE_YIELD == 0)
				sched_yield();
			continue;
		}
		for (i = 0; i < k; i++, expect++) {
			const unsigned char *got = batch + (size_t)i * r->entry_size;

			make_entry(want, r->entry_size, expect);
			if (memcmp(got, want, r->entry_size) != 0)
				fail_item("pop_burst", expect, got, r->entry_size);
		}
	}
	free(batch);
	return NULL;
}

static void *producer_main(void *arg)
{
	struct run *r = arg;
	unsigned char e[MAX_ENTRY];
	uint64_t seq;

	for (seq = 0; seq < r->count; seq++) {
		shmprim_push_result res;

		unsigned spins = 0;

		make_entry(e, r->entry_size, seq);
		while ((res = shmprim_spsc_push(&r->producer, e)) == SHMPRIM_PUSH_WOULD_BLOCK) {
			r->producer_waits++;
			if (++spins % SPINS_BEFORE_YIELD == 0)
				sched_yield();
		}
		if (res != SHMPRIM_PUSH_OK) {
			fprintf(stderr, "ring_stress: push of item %llu returned %d (corrupt)\n", (unsigned long long)seq,
			        (int)res);
			exit(1);
		}
	}
	return NULL;
}

static void *consumer_main(void *arg)
{
	struct run *r = arg;
	unsigned char got[MAX_ENTRY], want[MAX_ENTRY];
	uint64_t expect;

	for (expect = 0; expect < r->count; expect++) {
		unsigned spins = 0;

		while (!shmprim_spsc_pop(&r->consumer, got)) {
			r->consumer_waits++;
			if (++spins % SPINS_BEFORE_YIELD == 0)
				sched_yield();
		}
		make_entry(want, r->entry_size, expect);
		if (memcmp(got, want, r->entry_size) != 0)
			fail_item("pop", expect, got, r->entry_size);
	}
	return NULL;
}

/* Make the ring look as if `start` entries had passed through it. */
static void fast_forward(struct run *r, uint32_t start)
{
	uint32_t cap = r->ring.raw.geo.capacity, q;

	/* Each cell ends with the seq of its newest entry in the last lap. */
	for (q = start - cap; q != start; q++) {
		uint32_t seq = q + 1, rem;

		memcpy(shmprim_ring_cell_seq(&r->ring.raw.geo, q, &rem), &seq, sizeof(seq));
	}
	r->ring.raw.header->head = start;
	r->ring.raw.header->tail = start;
}

int main(int argc, char **argv)
{
	struct run r;
	shmprim_heap_region heap;
	shmprim_spsc_snapshot s;
	pthread_t prod, cons;
	uint64_t scale = stress_scale();
	uint32_t capacity, start;
	double t0, secs;
	int err;

	memset(&r, 0, sizeof(r));
	if (argc >= 2) {
		size_t len = strlen(argv[1]);

		r.burst = len > 6 && strcmp(argv[1] + len - 6, ":burst") == 0;
		if (strcmp(argv[1], "u64") == 0 || strcmp(argv[1], "u64:burst") == 0)
			r.entry_size = 8;
		else if (argv[1][0] == 'e')
			r.entry_size = (uint32_t)strtoul(argv[1] + 1, NULL, 10);
	}
	if (r.entry_size < 8 || r.entry_size > MAX_ENTRY || (r.entry_size == 8 && strncmp(argv[1], "u64", 3) != 0)) {
		fprintf(stderr, "usage: %s u64|eN[:burst] [count [capacity [start]]]   (8 < N <= %u)\n", argv[0],
		        MAX_ENTRY);
		return 2;
	}
	r.count = stress_arg(argc, argv, 2, 10000000) / scale;
	capacity = (uint32_t)stress_arg(argc, argv, 3, 1024);
	if (r.count == 0)
		r.count = 1;
	if (argc > 4 && strcmp(argv[4], "wrap") == 0)
		start = (uint32_t)0 - (uint32_t)(r.count / 2);
	else
		start = (uint32_t)stress_arg(argc, argv, 4, 0);

	if (shmprim_heap_region_new_zeroed(&heap, shmprim_spsc_required_size(capacity, r.entry_size)) != SHMPRIM_OK ||
	    shmprim_spsc_init(&r.ring, shmprim_heap_region_region(&heap), 0, capacity, r.entry_size) != SHMPRIM_OK) {
		fprintf(stderr, "ring_stress: cannot set up a ring of capacity %u\n", capacity);
		return 2;
	}
	if (start != 0)
		fast_forward(&r, start);
	shmprim_spsc_split(&r.ring, &r.producer, &r.consumer);

	t0 = stress_now();
	err = pthread_create(&cons, NULL, r.burst ? burst_consumer_main : consumer_main, &r);
	if (!err)
		err = pthread_create(&prod, NULL, r.burst ? burst_producer_main : producer_main, &r);
	if (err) {
		fprintf(stderr, "ring_stress: pthread_create: %s\n", strerror(err));
		return 2;
	}
	pthread_join(prod, NULL);
	pthread_join(cons, NULL);
	secs = stress_now() - t0;

	/* Everything pushed was popped, and the shared indices agree. */
	s = shmprim_spsc_snapshot_of(&r.ring);
	if (s.head != (uint32_t)(start + r.count) || s.tail != s.head || s.len != 0 ||
	    !shmprim_spsc_consumer_is_empty(&r.consumer)) {
		fprintf(stderr, "ring_stress: after the run head %u tail %u len %u, expected head = tail = %u\n", s.head,
		        s.tail, s.len, (uint32_t)(start + r.count));
		return 1;
	}
	printf("ring_stress [%s] %s: %llu items, capacity %u, start %u: ok in %.2f s "
	       "(scale 1/%llu; producer waited %llu times, consumer %llu)\n",
	       shmprim_backend_name(), argv[1], (unsigned long long)r.count, capacity, start, secs,
	       (unsigned long long)scale, (unsigned long long)r.producer_waits, (unsigned long long)r.consumer_waits);
	shmprim_heap_region_free(&heap);
	return 0;
}
