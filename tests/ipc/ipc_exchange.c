/*
 * Two real processes over one memfd: exec's two ipc_peer builds (the same one,
 * or different backends and word sizes) and checks both exit cleanly.
 *
 *   ipc_exchange stream PEER_A PEER_B COUNT   A produces COUNT items, B consumes
 *   ipc_exchange rpc PEER_A PEER_B COUNT      the same through slab slots
 *   ipc_exchange matrix COUNT PEER...         every ordered pair of the peers:
 *                                              A writes the headers, then stream,
 *                                              rpc (COUNT/10) and B's bit-flip check
 * A peer path that does not exist (a build this toolchain cannot make, such as
 * -m32 without multilib) is reported and skipped; with no usable pair the
 * program exits 77 (skip).
 */
#include "ipc_common.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#define CAP 1024u
#define SLOTS 64u
#define SLOT_SIZE 64u

/* The fd number the peers find the memfd at (inherited across exec). */
#define PEER_FD 100

static pid_t spawn(const char *exe, char *const args[], int memfd)
{
	pid_t pid = fork();

	if (pid < 0)
		IPC_FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		/* dup2 clears close-on-exec on the copy. */
		if (dup2(memfd, PEER_FD) < 0)
			_exit(126);
		execv(exe, args);
		fprintf(stderr, "exec %s: %s\n", exe, strerror(errno));
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
	printf("stream %s -> %s: %" PRIu64 " items, %.1f ns/item\n", a, b, count,
	       (double)(ipc_now_ns() - t0) / (double)count);
	close(memfd);
}

static void rpc(const char *a, const char *b, uint64_t count)
{
	size_t off;
	int memfd = fresh_region(a, 8, &off);
	uint64_t t0 = ipc_now_ns();

	pair(a, "rpc-produce", b, "rpc-consume", memfd, count, off);
	printf("rpc %s -> %s: %" PRIu64 " messages, %.1f ns/message\n", a, b, count,
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

static int usable(const char *exe)
{
	if (access(exe, X_OK) == 0)
		return 1;
	printf("# %s: not built here, skipped\n", exe);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
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
		int i, j, pairs = 0;

		for (i = 3; i < argc; i++) {
			if (!usable(argv[i]))
				continue;
			for (j = 3; j < argc; j++) {
				if (access(argv[j], X_OK) != 0)
					continue;
				stream(argv[i], argv[j], count);
				rpc(argv[i], argv[j], count / 10 ? count / 10 : 1);
				flip(argv[i], argv[j]);
				pairs++;
			}
		}
		printf("%d ordered pairs exchanged\n", pairs);
		return pairs ? 0 : IPC_SKIP;
	}
	fprintf(stderr, "usage: ipc_exchange stream|rpc PEER_A PEER_B COUNT | matrix COUNT PEER...\n");
	return 2;
}
