/*
 * shmprim-inspect against two live processes sharing a memfd:
 *   inspect_live PATH_TO_SHMPRIM_INSPECT
 * A producer (a taken, claimed side) pushes 100 entries and allocates 3 slab slots (owner id = its
 * pid); a consumer pops 40. Both then stop, holding the memfd, and report
 * what they did. The tool, run on /proc/PRODUCER/fd/N, must report exactly
 * those figures, and the region's bytes must be the same before and after
 * it ran (it maps read-only). Then the producer is SIGKILLed: run on
 * /proc/CONSUMER/fd/N, the tool must name the dead producer (as the ring's
 * producer, the slab owner with the same pid), its 3 slots by index, and exit 1.
 */
#define _GNU_SOURCE

#include <shmprim/shmprim.h>
#include <shmprim/shm.h>
#include <shmprim/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CAP 256u
#define PUSHED 100u
#define POPPED 40u
#define HELD 3u
#define SLAB_OFF 8192u
#define REGION 16384u

static int failures;

#define CHECK(c)                                                                   \
	do {                                                                       \
		if (!(c)) {                                                        \
			fprintf(stderr, "inspect_live: FAIL %s (line %d)\n", #c, __LINE__); \
			failures++;                                                \
		}                                                                  \
	} while (0)

static uint32_t fnv(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Runs the tool, output into buf; returns its exit status, or -1. */
static int run_tool(const char *tool, char *const *args, char *buf, size_t cap)
{
	int fds[2], st;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execv(tool, args);
		_exit(127);
	}
	close(fds[1]);
	while (got + 1 < cap && (n = read(fds[0], buf + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fds[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* Runs the tool on a region and checks that the region's bytes did not change. */
static int run_tool_on(const char *tool, char *const *args, const void *base, size_t len, char *buf, size_t cap)
{
	uint32_t before = fnv((const unsigned char *)base, len);
	int rc = run_tool(tool, args, buf, cap);

	CHECK(fnv((const unsigned char *)base, len) == before);
	return rc;
}

typedef struct report {
	uint32_t done;           /* entries pushed or popped */
	uint32_t slots[HELD];    /* slab indices held (producer) */
} report;

static void child(shmprim_shm *shm, int is_producer, int out, int go)
{
	shmprim_region region = shmprim_shm_region(shm);
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_slab slab;
	shmprim_slot_handle h;
	report r;
	uint64_t e;
	char byte;
	uint32_t i;

	memset(&r, 0, sizeof(r));
	if (shmprim_spsc_attach(&ring, region, 0) != SHMPRIM_OK || shmprim_slab_attach(&slab, region, SLAB_OFF) != SHMPRIM_OK)
		_exit(3);
	if (is_producer) {
		if (shmprim_spsc_take_producer(&ring, &p, NULL) != SHMPRIM_OK) /* claims and announces */
			_exit(6);
		for (i = 0; i < PUSHED; i++) {
			e = i;
			r.done += shmprim_spsc_push(&p, &e) == SHMPRIM_PUSH_OK;
		}
		shmprim_slab_set_owner(&slab, (uint32_t)getpid());
		for (i = 0; i < HELD; i++) {
			if (shmprim_slab_try_alloc(&slab, &h) != SHMPRIM_ALLOC_OK)
				_exit(4);
			r.slots[i] = h.index;
		}
	} else {
		if (shmprim_spsc_take_consumer(&ring, &c, NULL) != SHMPRIM_OK)
			_exit(6);
		for (i = 0; i < POPPED; i++)
			r.done += shmprim_spsc_pop(&c, &e) && e == i;
	}
	if (write(out, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(5);
	while (read(go, &byte, 1) < 0) /* stopped, holding the memfd, until the parent says */
		;
	_exit(0);
}

static pid_t start(shmprim_shm *shm, int is_producer, report *r, int *go_w)
{
	int rep[2], go[2];
	pid_t pid;

	if (pipe(rep) != 0 || pipe(go) != 0)
		exit(2);
	pid = fork();
	if (pid == 0) {
		close(rep[0]);
		close(go[1]);
		child(shm, is_producer, rep[1], go[0]);
	}
	close(rep[1]);
	close(go[0]);
	if (read(rep[0], r, sizeof(*r)) != (ssize_t)sizeof(*r)) {
		fprintf(stderr, "inspect_live: a child failed to start\n");
		exit(2);
	}
	close(rep[0]);
	*go_w = go[1];
	return pid;
}

int main(int argc, char **argv)
{
	shmprim_shm shm;
	shmprim_spsc ring;
	shmprim_slab slab;
	report pr, cr;
	shmprim_proc_token prod_tok, cons_tok;
	pid_t prod, cons;
	int go_p, go_c, rc;
	char path[64], want[256], slab_off[16];
	static char out[1 << 16];
	char *args[8];

	if (argc != 2) {
		fprintf(stderr, "usage: inspect_live SHMPRIM_INSPECT\n");
		return 2;
	}
	if (shmprim_shm_create_memfd(&shm, "inspect-live", REGION, 0) != SHMPRIM_OK ||
	    shmprim_spsc_init(&ring, shmprim_shm_region(&shm), 0, CAP, 8) != SHMPRIM_OK ||
	    shmprim_slab_init(&slab, shmprim_shm_region(&shm), SLAB_OFF, 16, 64) != SHMPRIM_OK) {
		fprintf(stderr, "inspect_live: setup failed\n");
		return 2;
	}
	prod = start(&shm, 1, &pr, &go_p);
	cons = start(&shm, 0, &cr, &go_c);
	CHECK(pr.done == PUSHED && cr.done == POPPED);
	CHECK(shmprim_proc_token_of(prod, &prod_tok) == SHMPRIM_OK);
	CHECK(shmprim_proc_token_of(cons, &cons_tok) == SHMPRIM_OK);

	snprintf(path, sizeof(path), "/proc/%ld/fd/%d", (long)prod, shm.fd);
	snprintf(slab_off, sizeof(slab_off), "%u", SLAB_OFF);
	args[0] = argv[1];
	args[1] = "--json";
	args[2] = "--ring";
	args[3] = "0";
	args[4] = "--slab";
	args[5] = slab_off;
	args[6] = path;
	args[7] = NULL;
	rc = run_tool_on(argv[1], args, shm.base, shm.len, out, sizeof(out));
	CHECK(rc == 0);
	snprintf(want, sizeof(want), "\"published\": %u, \"tail\": %u, \"occupancy\": %u,", cr.done == POPPED ? PUSHED : 0,
	         POPPED, PUSHED - POPPED);
	CHECK(strstr(out, want) != NULL);
	snprintf(want, sizeof(want), "\"producer\": {\"pid\": %ld, \"state\": \"alive\"}, \"consumer\": {\"pid\": %ld, "
	         "\"state\": \"alive\"}", (long)prod, (long)cons);
	CHECK(strstr(out, want) != NULL);
	snprintf(want, sizeof(want), "\"free\": %u, \"on_free_list\": %u, \"free_off_list\": 0, \"being_freed\": 0, "
	         "\"allocated\": %u, \"in_flight\": 0,", 16 - HELD, 16 - HELD, HELD);
	CHECK(strstr(out, want) != NULL);
	snprintf(want, sizeof(want), "{\"pid\": %ld, \"state\": \"alive\", \"allocated\": %u, \"in_flight\": 0, "
	         "\"being_freed\": 0, \"slots\": [%u, %u, %u]}", (long)prod, HELD, pr.slots[0], pr.slots[1], pr.slots[2]);
	CHECK(strstr(out, want) != NULL);
	snprintf(want, sizeof(want), "\"producer_claim\": {\"state\": \"held\", \"pid\": %ld, \"start_ticks\": %llu, "
	         "\"liveness\": \"alive\"}", (long)prod, (unsigned long long)(prod_tok & SHMPRIM_TOKEN_START_MASK));
	CHECK(strstr(out, want) != NULL);
	snprintf(want, sizeof(want), "\"consumer_claim\": {\"state\": \"held\", \"pid\": %ld, \"start_ticks\": %llu, "
	         "\"liveness\": \"alive\"}", (long)cons, (unsigned long long)(cons_tok & SHMPRIM_TOKEN_START_MASK));
	CHECK(strstr(out, want) != NULL);
	CHECK(strstr(out, "\"findings\": []") != NULL);
	if (failures)
		fprintf(stderr, "--- tool output (live) ---\n%s\n", out);

	kill(prod, SIGKILL);
	waitpid(prod, NULL, 0);
	snprintf(path, sizeof(path), "/proc/%ld/fd/%d", (long)cons, shm.fd);
	args[1] = "--ring";
	args[2] = "0";
	args[3] = "--slab";
	args[4] = slab_off;
	args[5] = path;
	args[6] = NULL;
	rc = run_tool_on(argv[1], args, shm.base, shm.len, out, sizeof(out));
	CHECK(rc == 1);
	snprintf(want, sizeof(want), "warning: slab at %u: producer pid %ld is dead and holds %u slots (%u, %u, %u): run reclaim",
	         SLAB_OFF, (long)prod, HELD, pr.slots[0], pr.slots[1], pr.slots[2]);
	CHECK(strstr(out, want) != NULL);
	snprintf(want, sizeof(want), "warning: ring at 0: producer pid %ld is dead", (long)prod);
	CHECK(strstr(out, want) != NULL);
	snprintf(want, sizeof(want), "consumer pid %ld (alive), awake", (long)cons);
	CHECK(strstr(out, want) != NULL);
	snprintf(want, sizeof(want), "producer claim: held by pid %ld, started at tick %llu (dead)", (long)prod,
	         (unsigned long long)(prod_tok & SHMPRIM_TOKEN_START_MASK));
	CHECK(strstr(out, want) != NULL);
	snprintf(want, sizeof(want), "warning: ring at 0: the producer side is claimed by pid %ld, which is dead", (long)prod);
	CHECK(strstr(out, want) != NULL);
	if (failures || getenv("INSPECT_LIVE_SHOW"))
		fprintf(stderr, "--- tool output (after SIGKILL) ---\n%s\n", out);

	close(go_p);
	close(go_c);
	waitpid(cons, NULL, 0);
	shmprim_shm_close(&shm);
	if (!failures)
		printf("inspect_live: ok (published %u, consumed %u, %u slots named after SIGKILL)\n", PUSHED, POPPED, HELD);
	return failures ? 1 : 0;
}
