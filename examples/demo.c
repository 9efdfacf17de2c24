/*
 * shmprim-demo: two processes share one mapping holding a slab and a ring.
 * The parent (producer) allocates a slot, writes a message into it, marks it
 * in flight and pushes the slot handle through the ring; the child (consumer)
 * pops the handle, checks the message and frees the slot -- the way an RPC
 * transport moves payloads without copying them through the ring.
 */
#define _GNU_SOURCE
#include <shmprim/shmprim.h>

#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RING_CAPACITY 256u
#define SLOTS 512u
#define SLOT_SIZE 64u

struct message {
	uint64_t seq;
	uint64_t checksum;
	char text[SLOT_SIZE - 16];
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int consumer_main(void *base, size_t len, uint64_t count)
{
	shmprim_region region = shmprim_region_from_raw(base, len);
	shmprim_spsc ring;
	shmprim_slab slab;
	shmprim_spsc_consumer consumer;
	uint64_t expected = 0, sum = 0;
	size_t ring_size = shmprim_spsc_required_size(RING_CAPACITY, sizeof(shmprim_slot_handle));
	size_t slab_offset = (ring_size + 63) / 64 * 64;
	/* Attach to exactly the geometry this program pops into and reads: a valid
	 * header describing anything else (another entry or slot size, a ring
	 * reaching over the slab) is refused, not trusted. */
	const shmprim_spsc_expect ring_expect = { sizeof(shmprim_slot_handle), RING_CAPACITY, RING_CAPACITY };
	const shmprim_slab_expect slab_expect = { sizeof(struct message), SLOTS, SLOTS };
	shmprim_status st = shmprim_spsc_attach_expect(&ring, region, 0, ring_size, &ring_expect);

	if (st == SHMPRIM_OK)
		st = shmprim_slab_attach_expect(&slab, region, slab_offset, len - slab_offset, &slab_expect);
	if (st != SHMPRIM_OK) {
		fprintf(stderr, "consumer: attach: %s\n", shmprim_status_str(st));
		return 1;
	}
	shmprim_spsc_split(&ring, NULL, &consumer);
	while (expected < count) {
		shmprim_slot_handle h;
		const struct message *m;

		if (!shmprim_spsc_pop(&consumer, &h)) {
			sched_yield();
			continue;
		}
		m = (const struct message *)shmprim_slab_slot_data(&slab, h);
		if (!m || m->seq != expected || m->checksum != mix(expected)) {
			fprintf(stderr, "consumer: bad message at %llu\n", (unsigned long long)expected);
			return 1;
		}
		sum += m->checksum;
		st = shmprim_slab_free(&slab, h);
		if (st != SHMPRIM_OK) {
			fprintf(stderr, "consumer: free: %s\n", shmprim_status_str(st));
			return 1;
		}
		expected++;
	}
	printf("consumer (pid %d): received %llu messages in order, checksum %016llx\n", (int)getpid(),
	       (unsigned long long)expected, (unsigned long long)sum);
	fflush(stdout); /* the child leaves with _exit, which does not flush */
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	size_t ring_size = shmprim_spsc_required_size(RING_CAPACITY, sizeof(shmprim_slot_handle));
	size_t slab_offset = (ring_size + 63) / 64 * 64;
	size_t len = slab_offset + shmprim_slab_required_size(SLOTS, SLOT_SIZE);
	void *base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	shmprim_region region = shmprim_region_from_raw(base, len);
	shmprim_spsc ring;
	shmprim_slab slab;
	shmprim_spsc_producer producer;
	uint64_t i, sum = 0, full_waits = 0;
	uint32_t free_after;
	shmprim_status st;
	double t0;
	int status;
	pid_t child;

	if (base == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	{
		/* The layout, checked once: each structure inside the mapping, none over another. */
		const shmprim_extent layout[2] = { { 0, ring_size }, { slab_offset, len - slab_offset } };

		st = shmprim_region_check_extents(region, layout, 2);
		if (st != SHMPRIM_OK) {
			fprintf(stderr, "layout: %s\n", shmprim_status_str(st));
			return 1;
		}
	}
	st = shmprim_spsc_init(&ring, region, 0, RING_CAPACITY, sizeof(shmprim_slot_handle));
	if (st == SHMPRIM_OK)
		st = shmprim_slab_init(&slab, region, slab_offset, SLOTS, SLOT_SIZE);
	if (st != SHMPRIM_OK) {
		fprintf(stderr, "init: %s\n", shmprim_status_str(st));
		return 1;
	}
	printf("shmprim demo (%s backend): %llu messages of %u bytes, slab of %u slots, ring of %u handles, %zu bytes shared\n",
	       shmprim_backend_name(), (unsigned long long)count, SLOT_SIZE, SLOTS, RING_CAPACITY, len);
	fflush(stdout);
	t0 = now();
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0)
		_exit(consumer_main(base, len, count));

	shmprim_spsc_split(&ring, &producer, NULL);
	for (i = 0; i < count; i++) {
		shmprim_slot_handle h;
		struct message *m;

		while (shmprim_slab_try_alloc(&slab, &h) != SHMPRIM_ALLOC_OK) {
			full_waits++;
			sched_yield();
		}
		m = (struct message *)shmprim_slab_slot_data(&slab, h);
		m->seq = i;
		m->checksum = mix(i);
		snprintf(m->text, sizeof(m->text), "message %llu", (unsigned long long)i);
		sum += m->checksum;
		shmprim_slab_mark_in_flight(&slab, h);
		while (shmprim_spsc_push(&producer, &h) != SHMPRIM_PUSH_OK) {
			full_waits++;
			sched_yield();
		}
	}
	printf("producer (pid %d): sent %llu messages, checksum %016llx (waited on a full ring/slab %llu times)\n",
	       (int)getpid(), (unsigned long long)count, (unsigned long long)sum, (unsigned long long)full_waits);
	fflush(stdout);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "consumer failed\n");
		return 1;
	}
	free_after = shmprim_slab_free_count_approx(&slab);
	printf("done in %.3f s (%.2f M messages/s); slab free slots after: %u of %u\n", now() - t0,
	       (double)count / (now() - t0) / 1e6, (unsigned)free_after, SLOTS);
	munmap(base, len);
	return free_after == SLOTS ? 0 : 1;
}
