/*
 * shmprim-demo: two processes share one mapping holding a slab and a ring.
 * The parent (producer) allocates a slot, writes a message into it, marks it
 * in flight and pushes the slot handle through the ring; the child (consumer)
 * pops the handle, checks the message and frees the slot -- the way an RPC
 * transport moves payloads without copying them through the ring.
 *
 * The memory is a sealed memfd. By default the consumer gets it the way
 * two unrelated processes would: it connects to the producer's rendezvous
 * (an abstract socket name), which checks its uid and passes the fd; each
 * side learns the other's pid and uid. With --fork the consumer instead
 * uses the fd it inherited through fork.
 *   shmprim-demo [COUNT] [--fork]
 */
#define _GNU_SOURCE
#include <shmprim/shmprim.h>
#include <shmprim/rendezvous.h>
#include <shmprim/shm.h>

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

#define TIMEOUT_NS (5 * 1000000000ull)

/* The consumer's side: the region through the rendezvous (or the inherited fd). */
static int consumer_process(const char *address, int inherited_fd, uint64_t count)
{
	shmprim_rv_client c;
	shmprim_shm view;
	shmprim_status st;
	int rc;

	if (inherited_fd >= 0) {
		st = shmprim_shm_open_fd(&view, inherited_fd, 0);
		if (st != SHMPRIM_OK) {
			fprintf(stderr, "consumer: open_fd: %s\n", shmprim_status_str(st));
			return 1;
		}
		rc = consumer_main(view.base, view.len, count);
		shmprim_shm_close(&view);
		return rc;
	}
	st = shmprim_rv_connect(&c, address, NULL, TIMEOUT_NS, 0);
	if (st != SHMPRIM_OK) {
		fprintf(stderr, "consumer: rendezvous %s: %s\n", address, shmprim_status_str(st));
		return 1;
	}
	printf("consumer (pid %d): got a sealed memfd of %zu bytes from pid %d (uid %u)\n", (int)getpid(), c.shm.len,
	       (int)c.server.pid, (unsigned)c.server.uid);
	fflush(stdout);
	rc = consumer_main(c.shm.base, c.shm.len, count);
	shmprim_rv_client_close(&c);
	return rc;
}

int main(int argc, char **argv)
{
	int use_fork = argc > 2 && strcmp(argv[2], "--fork") == 0;
	uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	size_t ring_size = shmprim_spsc_required_size(RING_CAPACITY, sizeof(shmprim_slot_handle));
	size_t slab_offset = (ring_size + 63) / 64 * 64;
	size_t len = slab_offset + shmprim_slab_required_size(SLOTS, SLOT_SIZE);
	shmprim_shm shm;
	shmprim_rv_server rendezvous;
	char address[64];
	shmprim_region region;
	shmprim_spsc ring;
	shmprim_slab slab;
	shmprim_spsc_producer producer;
	uint64_t i, sum = 0, full_waits = 0;
	uint32_t free_after;
	shmprim_status st;
	double t0;
	int status;
	pid_t child;

	st = shmprim_shm_create_memfd(&shm, "shmprim-demo", len, 0);
	if (st != SHMPRIM_OK) {
		fprintf(stderr, "memfd: %s\n", shmprim_status_str(st));
		return 1;
	}
	region = shmprim_shm_region(&shm);
	/* A name no other run picks: pid and clock. */
	snprintf(address, sizeof(address), "@shmprim-demo-%d-%llx", (int)getpid(), (unsigned long long)(now() * 1e9));
	if (!use_fork && (st = shmprim_rv_listen(&rendezvous, address)) != SHMPRIM_OK) {
		fprintf(stderr, "rendezvous listen: %s\n", shmprim_status_str(st));
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
	if (child == 0) {
		if (!use_fork)
			shmprim_rv_server_close(&rendezvous); /* the producer's socket, not ours */
		_exit(consumer_process(address, use_fork ? shm.fd : -1, count));
	}
	if (!use_fork) {
		shmprim_rv_offer offer = { &shm, 0, NULL, 0 };
		shmprim_peer_id who;

		/* Only a process of our own uid gets the memory (the default policy). */
		st = shmprim_rv_accept(&rendezvous, NULL, &offer, TIMEOUT_NS, &who);
		shmprim_rv_server_close(&rendezvous);
		if (st != SHMPRIM_OK) {
			fprintf(stderr, "rendezvous accept: %s\n", shmprim_status_str(st));
			return 1;
		}
		printf("producer (pid %d): handed the memfd to pid %d (uid %u) via %s\n", (int)getpid(), (int)who.pid,
		       (unsigned)who.uid, address);
		fflush(stdout);
		shmprim_peer_id_close(&who);
	}

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
	shmprim_shm_close(&shm);
	return free_after == SLOTS ? 0 : 1;
}
