/*
 * Writes channel images for shmprim-inspect's channel tests (run-channel):
 *   inspect_channel_fixture KIND OUT ALIVE_PID
 * A channel of 1024 data bytes (messages up to 200) at offset 0, 4096
 * bytes. "golden": 4 messages sent (10, 100, 50 and 30 bytes), the first
 * received and released, so 3 in flight (180 bytes); the producer side
 * held by ALIVE_PID (the caller, alive while it runs the tool), the consumer
 * side by a reaped child (dead), asleep (a lost wake-up). It prints
 * "dead=PID" for the goldens' normalisation. Every other KIND is golden
 * with one thing changed.
 */
#define _POSIX_C_SOURCE 200809L

#include <shmprim/shmprim.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define REGION 4096u
#define DATA 1024u

#define CHECK(c)                                                                          \
	do {                                                                              \
		if (!(c)) {                                                               \
			fprintf(stderr, "fixture: %s failed (line %d)\n", #c, __LINE__); \
			exit(2);                                                          \
		}                                                                         \
	} while (0)

static pid_t dead_pid(void)
{
	pid_t p = fork();

	CHECK(p >= 0);
	if (p == 0) {
		pause(); /* until killed: its token is read while it lives */
		_exit(0);
	}
	return p;
}

int main(int argc, char **argv)
{
	static unsigned char img[REGION] __attribute__((aligned(4096)));
	static const uint32_t lengths[] = {10, 100, 50, 30};
	shmprim_region region = shmprim_region_from_raw(img, REGION);
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_channel_consumer c;
	shmprim_channel_msg m;
	shmprim_channel_header *h = (shmprim_channel_header *)(void *)img;
	shmprim_proc_token alive_token, dead_token;
	unsigned char msg[200];
	const char *kind;
	pid_t dead;
	size_t len = REGION;
	uint32_t i;
	FILE *f;

	if (argc != 4 || atol(argv[3]) <= 0) {
		fprintf(stderr, "usage: inspect_channel_fixture KIND OUT ALIVE_PID\n");
		return 2;
	}
	kind = argv[1];
	dead = dead_pid();
	CHECK(shmprim_proc_token_of((int)dead, &dead_token) == SHMPRIM_OK);
	kill(dead, SIGKILL);
	CHECK(waitpid(dead, NULL, 0) == dead);
	CHECK(shmprim_proc_token_of(atoi(argv[3]), &alive_token) == SHMPRIM_OK);

	CHECK(shmprim_channel_init(&ch, region, 0, DATA, 200) == SHMPRIM_OK);
	CHECK(shmprim_channel_take_producer(&ch, &p, NULL) == SHMPRIM_OK);
	CHECK(shmprim_channel_take_consumer(&ch, &c, NULL) == SHMPRIM_OK);
	for (i = 0; i < 4; i++) {
		memset(msg, 'a' + (int)i, sizeof(msg));
		CHECK(shmprim_channel_send(&p, msg, lengths[i]) == SHMPRIM_OK);
	}
	CHECK(shmprim_channel_receive(&c, &m) == SHMPRIM_OK && m.len == 10);
	CHECK(shmprim_channel_release(&c) == SHMPRIM_OK);
	h->producer_claim = alive_token;
	h->consumer_claim = dead_token;
	h->consumer_sleeping = 1;

	if (strcmp(kind, "golden") == 0) {
	} else if (strcmp(kind, "closed") == 0) {
		h->producer_claim = SHMPRIM_CLAIM_CLOSED;
		h->consumer_claim = alive_token;
		h->consumer_sleeping = 0;
	} else if (strcmp(kind, "scribbled-claim") == 0) {
		h->consumer_claim = 12345;
		h->consumer_sleeping = 0;
	} else if (strcmp(kind, "bad-record") == 0) {
		uint64_t *w = (uint64_t *)(void *)(img + SHMPRIM_CHANNEL_HEADER_SIZE + 136); /* the 50-byte one */
		*w = (*w & 0xFFFFFFFF00000000ull) | 999u;
	} else if (strcmp(kind, "bad-checksum") == 0) {
		h->checksum ^= 1u;
	} else if (strcmp(kind, "bad-version") == 0) {
		h->version = 7;
	} else if (strcmp(kind, "truncated") == 0) {
		len = 1000;
	} else if (strncmp(kind, "flip=", 5) == 0 && atol(kind + 5) >= 0 && atol(kind + 5) < (long)REGION) {
		img[atol(kind + 5)] ^= 0xA5u;
	} else {
		fprintf(stderr, "fixture: unknown kind %s\n", kind);
		return 2;
	}
	f = fopen(argv[2], "wb");
	CHECK(f && fwrite(img, 1, len, f) == len && fclose(f) == 0);
	printf("dead=%ld\n", (long)dead);
	return 0;
}
