/*
 * Two real processes over one memfd: exec's two ipc_peer builds (the same one,
 * or different backends and word sizes) and checks both exit cleanly.
 *
 *   ipc_exchange stream PEER_A PEER_B COUNT   A produces COUNT items, B consumes
 *   ipc_exchange rpc PEER_A PEER_B COUNT      the same through slab slots
 *   ipc_exchange matrix COUNT PEER...         every ordered pair of the peers:
 *                                              A writes the headers, then stream,
 *                                              rpc (COUNT/10) and B's bit-flip check
 * The matrix reports TAP, one line per ordered pair. A peer runs directly, or
 * under qemu-user where the kernel cannot run it (peer_runner.h: 32-bit builds
 * on a kernel without 32-bit support). A pair with a peer that was not built
 * here (-m32 without multilib) or that nothing here can run is `# SKIP`, with
 * the reason; a peer that starts but fails is a failure.
 */
#include "ipc_common.h"
#include "peer_runner.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#define CAP 1024u
#define SLOTS 64u
#define SLOT_SIZE 64u

/* The fd number the peers find the memfd at (inherited across exec). */
#define PEER_FD 100

/* How each peer path is started, found by peer_runner_probe before use. */
#define MAX_PEERS 16
static peer_runner runners[MAX_PEERS];
static int n_runners;

static const peer_runner *runner_of(const char *exe)
{
	int i;

	for (i = 0; i < n_runners; i++)
		if (strcmp(runners[i].exe, exe) == 0)
			return &runners[i];
	if (n_runners == MAX_PEERS)
		IPC_FAIL("more than %d peers", MAX_PEERS);
	runners[n_runners] = peer_runner_probe(exe);
	return &runners[n_runners++];
}

static pid_t spawn(const char *exe, char *const args[], int memfd)
{
	const peer_runner *r = runner_of(exe);

	pid_t pid = fork();

	if (pid < 0)
		IPC_FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		/* dup2 clears close-on-exec on the copy. The peer's own report goes
		 * to stderr: stdout carries this program's TAP. */
		if (dup2(memfd, PEER_FD) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(126);
		peer_runner_exec(r, args);
		fprintf(stderr, "exec %s%s%s: %s\n", r->emulator ? r->emulator : "", r->emulator ? " " : "", exe,
		        strerror(errno));
		_exit(127);
	}
	return pid;
}

static int reap(pid_t pid, const char *what)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		IPC_FAIL("waitpid %s: %s", what, strerror(errno));
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	fprintf(stderr, "%s killed by signal %d\n", what, WTERMSIG(status));
	return 128 + WTERMSIG(status);
}

static char *num(char *buf, uint64_t v)
{
	sprintf(buf, "%" PRIu64, v);
	return buf;
}

/* Runs "A mode_a ... " and "B mode_b ..." side by side; both must exit 0. */
static void pair(const char *a, const char *mode_a, const char *b, const char *mode_b, int memfd, uint64_t count,
                 size_t slab_off)
{
	char fd[16], n[32], off[32];
	char *args_a[] = { (char *)a, (char *)mode_a, num(fd, PEER_FD), num(n, count), num(off, slab_off), NULL };
	char *args_b[] = { (char *)b, (char *)mode_b, fd, n, off, NULL };
	pid_t pa = spawn(a, args_a, memfd);
	pid_t pb = spawn(b, args_b, memfd);
	int ra = reap(pa, mode_a), rb = reap(pb, mode_b);

	if (ra != 0 || rb != 0)
		IPC_FAIL("%s %s -> %d, %s %s -> %d", a, mode_a, ra, b, mode_b, rb);
}

static void run_one(const char *exe, char *const args[], int memfd)
{
	int r = reap(spawn(exe, args, memfd), args[1]);

	if (r != 0)
		IPC_FAIL("%s %s -> %d", exe, args[1], r);
}

/* A fresh memfd with the ring and slab written by `writer`. */
static int fresh_region(const char *writer, uint32_t entry, size_t *slab_off)
{
	ipc_geometry g = ipc_geometry_of(CAP, entry, SLOTS, SLOT_SIZE, 0);
	shmprim_shm shm;
	char fd[16], cap[16], ent[16], off[32], slots[16], size[16];
	char *args[] = { (char *)writer, "init", num(fd, PEER_FD), num(cap, CAP), num(ent, entry),
		         num(off, g.slab_off), num(slots, SLOTS), num(size, SLOT_SIZE), NULL };
	int memfd;

	IPC_OK(shmprim_shm_create_memfd(&shm, "ipc_exchange", g.total, 0));
	memfd = dup(shm.fd);
	shmprim_shm_close(&shm);
	run_one(writer, args, memfd);
	*slab_off = g.slab_off;
	return memfd;
}

static void stream(const char *a, const char *b, uint64_t count)
{
	size_t off;
	int memfd = fresh_region(a, sizeof(ipc_entry), &off);
	uint64_t t0 = ipc_now_ns();

	pair(a, "stream-produce", b, "stream-consume", memfd, count, off);
	printf("# stream %s -> %s: %" PRIu64 " items, %.1f ns/item\n", a, b, count,
	       (double)(ipc_now_ns() - t0) / (double)count);
	close(memfd);
}

static void rpc(const char *a, const char *b, uint64_t count)
{
	size_t off;
	int memfd = fresh_region(a, 8, &off);
	uint64_t t0 = ipc_now_ns();

	pair(a, "rpc-produce", b, "rpc-consume", memfd, count, off);
	printf("# rpc %s -> %s: %" PRIu64 " messages, %.1f ns/message\n", a, b, count,
	       (double)(ipc_now_ns() - t0) / (double)count);
	close(memfd);
}

static void flip(const char *a, const char *b)
{
	size_t off;
	int memfd = fresh_region(a, sizeof(ipc_entry), &off);
	char fd[16], o[32];
	char *args[] = { (char *)b, "flip", num(fd, PEER_FD), num(o, off), NULL };

	run_one(b, args, memfd);
	close(memfd);
}

static const char *how(const peer_runner *r)
{
	static char buf[2][128];
	static int turn;

	turn ^= 1;
	snprintf(buf[turn], sizeof(buf[turn]), "%s%s%s", r->exe, r->emulator ? " under " : "",
	         r->emulator ? r->emulator : "");
	return buf[turn];
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "matrix") == 0 && host_lacks_memfd()) {
		printf("1..0 # SKIP %s\n", host_lacks_memfd());
		return 0;
	}
	IPC_REQUIRE(host_lacks_memfd());
	/* SHMPRIM_LONG=1: ten times the counts. */
	if (argc == 5 && strcmp(argv[1], "stream") == 0) {
		stream(argv[2], argv[3], strtoull(argv[4], NULL, 0) * ipc_scale(1, 10));
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "rpc") == 0) {
		rpc(argv[2], argv[3], strtoull(argv[4], NULL, 0) * ipc_scale(1, 10));
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "matrix") == 0) {
		uint64_t count = strtoull(argv[2], NULL, 0) * ipc_scale(1, 10);
		int i, j, n = argc - 3, test_no = 0, ran = 0;

		printf("TAP version 13\n1..%d\n", n * n);
		for (i = 3; i < argc; i++) {
			const peer_runner *r = runner_of(argv[i]);

			if (r->state == PEER_BROKEN)
				IPC_FAIL("%s: %s", argv[i], r->why);
			printf("# %s: %s\n", argv[i],
			       r->state == PEER_USABLE ? (r->emulator ? r->emulator : "runs natively") : r->why);
		}
		for (i = 3; i < argc; i++) {
			for (j = 3; j < argc; j++) {
				const peer_runner *a = runner_of(argv[i]), *b = runner_of(argv[j]);

				if (a->state != PEER_USABLE || b->state != PEER_USABLE) {
					printf("ok %d - %s -> %s # SKIP %s\n", ++test_no, argv[i], argv[j],
					       a->state != PEER_USABLE ? a->why : b->why);
					continue;
				}
				stream(argv[i], argv[j], count);
				rpc(argv[i], argv[j], count / 10 ? count / 10 : 1);
				flip(argv[i], argv[j]);
				printf("ok %d - %s -> %s: stream, rpc, bit flips\n", ++test_no, how(a), how(b));
				ran++;
			}
		}
		printf("# %d ordered pairs exchanged\n", ran);
		return 0;
	}
	fprintf(stderr, "usage: ipc_exchange stream|rpc PEER_A PEER_B COUNT | matrix COUNT PEER...\n");
	return 2;
}
