/*
 * Writes region images for the shmprim-inspect tests (tests/inspect/run):
 *   inspect_fixture KIND OUT ALIVE_PID
 * The geometry is the fuzzer's (fuzz/fuzz_region.c): a ring of 8 x 12-byte
 * entries at 0, a slab of 8 x 24-byte slots at 1024, 4096 bytes. "golden"
 * is a known state: 7 entries published, 2 consumed, the consumer asleep
 * (a lost wake-up); the producer and two slab slots are ALIVE_PID's (the
 * caller's, alive while it runs the tool), the consumer and three slots a
 * reaped child's (dead). It prints "dead=PID" for the goldens' normalisation. Every other KIND is golden with one thing broken.
 */
#define _POSIX_C_SOURCE 200809L

#include <shmprim/shmprim.h>
#include <shmprim/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define CAP 8u
#define ENTRY 12u
#define SLOTS 8u
#define SLOT_SIZE 24u
#define SLAB_OFF 1024u
#define REGION 4096u

#define CHECK(c)                                                              \
	do {                                                                  \
		if (!(c)) {                                                   \
			fprintf(stderr, "fixture: %s failed (line %d)\n", #c, __LINE__); \
			exit(2);                                              \
		}                                                             \
	} while (0)

static pid_t dead_pid(void)
{
	pid_t p = fork();

	CHECK(p >= 0);
	if (p == 0)
		_exit(0);
	CHECK(waitpid(p, NULL, 0) == p);
	return p;
}

int main(int argc, char **argv)
{
	static unsigned char img[REGION] __attribute__((aligned(4096)));
	shmprim_region region = shmprim_region_from_raw(img, REGION);
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_slab slab;
	shmprim_slot_handle h;
	shmprim_spsc_header *rh = (shmprim_spsc_header *)(void *)img;
	shmprim_slab_header *sh = (shmprim_slab_header *)(void *)(img + SLAB_OFF);
	shmprim_slab_meta *meta = (shmprim_slab_meta *)(void *)(img + SLAB_OFF + SHMPRIM_SLAB_HEADER_SIZE);
	const char *kind;
	unsigned char e[ENTRY];
	uint32_t i;
	pid_t dead;
	uint32_t alive;
	size_t len = REGION;
	FILE *f;

	if (argc != 4 || atol(argv[3]) <= 0) {
		fprintf(stderr, "usage: inspect_fixture KIND OUT ALIVE_PID\n");
		return 2;
	}
	kind = argv[1];
	alive = (uint32_t)atol(argv[3]);
	dead = dead_pid();
	CHECK(shmprim_spsc_init(&ring, region, 0, CAP, ENTRY) == SHMPRIM_OK);
	shmprim_spsc_split(&ring, &p, &c);
	shmprim_spsc_announce_producer(&p);
	for (i = 0; i < 7; i++) {
		memset(e, (int)i, sizeof(e));
		CHECK(shmprim_spsc_push(&p, e) == SHMPRIM_PUSH_OK);
	}
	CHECK(shmprim_spsc_pop(&c, e) && shmprim_spsc_pop(&c, e));
	rh->producer_pid = alive; /* the announce wrote this process's pid */
	rh->consumer_pid = (uint32_t)dead;
	rh->consumer_sleeping = 1;
	/* The claim words: the producer side held by ALIVE (its real start time,
	 * which the goldens normalise), the consumer's by the dead child under a
	 * made-up start time (a pid that is gone is dead whatever its start). */
	{
		shmprim_proc_token tok;

		CHECK(shmprim_proc_token_of((int)alive, &tok) == SHMPRIM_OK);
		rh->producer_claim = tok;
		rh->consumer_claim = shmprim_proc_token_make((int)dead, 12345);
	}

	CHECK(shmprim_slab_init(&slab, region, SLAB_OFF, SLOTS, SLOT_SIZE) == SHMPRIM_OK);
	CHECK(shmprim_slab_set_owner(&slab, alive) == SHMPRIM_OK);
	CHECK(shmprim_slab_try_alloc(&slab, &h) == SHMPRIM_ALLOC_OK);
	CHECK(shmprim_slab_try_alloc(&slab, &h) == SHMPRIM_ALLOC_OK);
	CHECK(shmprim_slab_set_owner(&slab, (uint32_t)dead) == SHMPRIM_OK);
	CHECK(shmprim_slab_try_alloc(&slab, &h) == SHMPRIM_ALLOC_OK);
	CHECK(shmprim_slab_try_alloc(&slab, &h) == SHMPRIM_ALLOC_OK);
	CHECK(shmprim_slab_mark_in_flight(&slab, h) == SHMPRIM_OK);
	CHECK(shmprim_slab_try_alloc(&slab, &h) == SHMPRIM_ALLOC_OK);

	if (strcmp(kind, "golden") == 0) {
	} else if (strcmp(kind, "zero") == 0) {
		memset(img, 0, sizeof(img));
	} else if (strcmp(kind, "bad-magic") == 0) {
		rh->magic = 0x12345678u;
	} else if (strcmp(kind, "other-endian") == 0) {
		rh->magic = 0x52535053u;
	} else if (strcmp(kind, "bad-version") == 0) {
		rh->version = 2;
	} else if (strcmp(kind, "bad-checksum") == 0) {
		rh->checksum ^= 1u;
	} else if (strcmp(kind, "bad-capacity") == 0) {
		rh->capacity = 12;
	} else if (strcmp(kind, "bad-geometry") == 0) {
		rh->reserved0[3] = 1;
	} else if (strcmp(kind, "ring-head-tail") == 0) {
		rh->tail = rh->head + 1000u;
	} else if (strcmp(kind, "truncated") == 0) {
		len = SLAB_OFF + 100;
	} else if (strcmp(kind, "slab-short") == 0) {
		len = SLAB_OFF + SHMPRIM_SLAB_HEADER_SIZE + 100;
	} else if (strcmp(kind, "slab-checksum") == 0) {
		sh->checksum ^= 0x100u;
	} else if (strcmp(kind, "slab-head-range") == 0) {
		sh->free_head = (sh->free_head & ~(uint64_t)0xFFFFFFFFu) | 99u;
	} else if (strcmp(kind, "slab-cycle") == 0) {
		meta[7].next_free = (uint32_t)sh->free_head;
	} else if (strcmp(kind, "slab-link-range") == 0) {
		meta[7].next_free = 1000;
	} else if (strcmp(kind, "slab-bad-state") == 0) {
		meta[0].state_gen |= 3u;
	} else if (strncmp(kind, "flip=", 5) == 0 && atol(kind + 5) >= 0 && atol(kind + 5) < (long)REGION) {
		img[atol(kind + 5)] ^= 0xA5u; /* a scribbled byte, anywhere */
	} else {
		fprintf(stderr, "fixture: unknown kind %s\n", kind);
		return 2;
	}
	f = fopen(argv[2], "wb");
	CHECK(f && fwrite(img, 1, len, f) == len && fclose(f) == 0);
	printf("dead=%ld\n", (long)dead);
	return 0;
}
