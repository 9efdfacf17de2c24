/*
 * Rendezvous connect/disconnect cycles with SIGKILL at random points of
 * either side: in each cycle this process is the server or the client (at
 * random) and a forked peer plays the other side, killed by its own timer
 * thread after a random delay spread over the handshake. The survivor must
 * get a documented status, and leak nothing: its fd count (/proc/self/fd)
 * and mapping count (/proc/self/maps) are checked after every cycle.
 *   ipc_rv_cycles [CYCLES]      (default 1000; SHMPRIM_LONG=1: 20000)
 */
#include "ipc_common.h"

#include <shmprim/rendezvous.h>

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define MS 1000000ull

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		IPC_FAIL("opendir /proc/self/fd: %s", strerror(errno));
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own */
}

static int count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0, c;

	if (!f)
		IPC_FAIL("fopen /proc/self/maps: %s", strerror(errno));
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static uint64_t kill_after_ns;

static void *killer(void *arg)
{
	(void)arg;
	ipc_sleep_ns(kill_after_ns);
	kill(getpid(), SIGKILL);
	return NULL;
}

/* In the forked peer: arm the SIGKILL, then play the role. */
static void arm_kill(uint64_t ns)
{
	pthread_t t;

	kill_after_ns = ns;
	if (pthread_create(&t, NULL, killer, NULL) != 0)
		_exit(120);
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	uint64_t cycles = argc > 1 ? strtoull(argv[1], NULL, 10) : ipc_scale(1000, 20000);
	uint64_t max_delay = ipc_env_u64("SHMPRIM_RV_KILL_SPREAD_NS", 400000), i;
	/* Per side (client 0, server 1), the range kill delays are drawn from. It
	 * adapts to how long a handshake takes on this machine, shrinking after a
	 * completed one and growing after an interrupted one, so that kills land
	 * both inside and after the handshake however fast or loaded it is. */
	uint64_t spread[2];
	unsigned long outcome[2][SHMPRIM_STATUS_COUNT_];
	ipc_rng rng = { ipc_now_ns() };
	shmprim_shm region;
	int fds0, maps0, fds1, maps1;
	uint64_t t0 = ipc_now_ns();

	IPC_REQUIRE(host_lacks_memfd());
	memset(outcome, 0, sizeof(outcome));
	spread[0] = spread[1] = max_delay;
	IPC_OK(shmprim_shm_create_memfd(&region, "rv-cycles", 8192, 0));
	fds0 = count_fds();
	maps0 = count_maps();
	for (i = 0; i < cycles; i++) {
		int server_side = (int)ipc_below(&rng, 2);
		uint64_t delay = ipc_below(&rng, spread[server_side] + 1);
		/* One cycle in 16 the peer dies before it starts its part: on a fast
		 * machine a delayed kill can miss every handshake, and this keeps the
		 * "peer gone before or during the exchange" outcome in every run. */
		int die_first = ipc_below(&rng, 16) == 0;
		char addr[96];
		shmprim_rv_server srv;
		shmprim_status st;
		pid_t peer;

		snprintf(addr, sizeof(addr), "@shmprim-rv-cycles-%d-%llu", (int)getpid(), (unsigned long long)i);
		IPC_OK(shmprim_rv_listen(&srv, addr));
		peer = fork();
		if (peer < 0)
			IPC_FAIL("fork: %s", strerror(errno));
		if (peer == 0) {
			if (die_first)
				raise(SIGKILL);
			arm_kill(delay);
			if (server_side) {
				shmprim_rv_client c;

				shmprim_rv_server_close(&srv);
				if (shmprim_rv_connect(&c, addr, NULL, 1000 * MS, 0) == SHMPRIM_OK)
					((volatile char *)c.shm.base)[0] = 1;
			} else {
				shmprim_rv_offer offer = { &region, 7, NULL, 0 };

				shmprim_rv_accept(&srv, NULL, &offer, 1000 * MS, NULL);
			}
			pause(); /* the killer thread ends it */
			_exit(0);
		}
		if (server_side) {
			shmprim_rv_offer offer = { &region, 7, NULL, 0 };
			shmprim_peer_id who;

			/* A peer killed before it connected leaves the server to time out. */
			st = shmprim_rv_accept(&srv, NULL, &offer, 100 * MS, &who);
			if (st != SHMPRIM_OK && st != SHMPRIM_ERR_PROTOCOL && st != SHMPRIM_ERR_TIMED_OUT)
				IPC_FAIL("cycle %llu (server): %s", (unsigned long long)i, shmprim_status_str(st));
			if (st == SHMPRIM_OK && who.pid != peer)
				IPC_FAIL("cycle %llu: peer pid %d, forked %d", (unsigned long long)i, (int)who.pid, (int)peer);
			shmprim_peer_id_close(&who);
			IPC_OK(shmprim_rv_server_close(&srv));
		} else {
			shmprim_rv_client c;

			/* Our copy of the listening socket goes: the peer's death then
			 * shows as a closed connection, not a wait. */
			IPC_OK(shmprim_rv_server_close(&srv));
			st = shmprim_rv_connect(&c, addr, NULL, 1000 * MS, 0);
			if (st == SHMPRIM_ERR_SYSTEM && (c.sys_errno == ECONNREFUSED || c.sys_errno == ECONNRESET))
				st = SHMPRIM_ERR_SYSTEM; /* the peer and its socket were gone */
			else if (st != SHMPRIM_OK && st != SHMPRIM_ERR_PROTOCOL)
				IPC_FAIL("cycle %llu (client): %s (%s: %s)", (unsigned long long)i, shmprim_status_str(st),
				         c.sys_call ? c.sys_call : "-", strerror(c.sys_errno));
			if (st == SHMPRIM_OK) {
				if (c.tag != 7 || c.shm.len != region.len)
					IPC_FAIL("cycle %llu: tag %llu len %zu", (unsigned long long)i,
					         (unsigned long long)c.tag, c.shm.len);
				IPC_OK(shmprim_rv_client_close(&c));
			}
		}
		reap(peer);
		outcome[server_side][st]++;
		if (st == SHMPRIM_OK)
			spread[server_side] = spread[server_side] * 15 / 16 > 1000 ? spread[server_side] * 15 / 16 : 1000;
		else if (spread[server_side] < 4 * max_delay)
			spread[server_side] = spread[server_side] * 17 / 16;
		fds1 = count_fds();
		maps1 = count_maps();
		if (fds1 != fds0 || maps1 != maps0)
			IPC_FAIL("cycle %llu (%s side): fds %d -> %d, mappings %d -> %d", (unsigned long long)i,
			         server_side ? "server" : "client", fds0, fds1, maps0, maps1);
	}
	printf("%llu cycles in %.1f s, kill delays from 0..%llu us, ending at 0..%llu (client) and 0..%llu us "
	       "(server); fds %d -> %d, mappings %d -> %d\n",
	       (unsigned long long)cycles, (double)(ipc_now_ns() - t0) / 1e9, (unsigned long long)(max_delay / 1000),
	       (unsigned long long)(spread[0] / 1000), (unsigned long long)(spread[1] / 1000), fds0, count_fds(), maps0,
	       count_maps());
	{
		int side, s;

		for (side = 1; side >= 0; side--)
			for (s = 0; s < SHMPRIM_STATUS_COUNT_; s++)
				if (outcome[side][s])
					printf("  survivor %s: %-10lu %s\n", side ? "server" : "client", outcome[side][s],
					       shmprim_status_str((shmprim_status)s));
		/* Both sides must have been killed both mid-handshake and after it,
		 * or the cycles did not test what they claim. */
		if (cycles >= 200)
			for (side = 0; side < 2; side++) {
				unsigned long all = 0;

				for (s = 0; s < SHMPRIM_STATUS_COUNT_; s++)
					all += outcome[side][s];
				if (outcome[side][SHMPRIM_OK] == 0 || outcome[side][SHMPRIM_OK] == all)
					IPC_FAIL("%s side: %lu of %lu handshakes completed: the kills did not spread over it",
					         side ? "server" : "client", outcome[side][SHMPRIM_OK], all);
			}
	}
	IPC_OK(shmprim_shm_close(&region));
	return 0;
}
