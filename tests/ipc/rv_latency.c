/*
 * Measures the rendezvous (a tool, not a test): how long a client's
 * shmprim_rv_connect takes, from connect to the region mapped, against a
 * server process looping in shmprim_rv_accept with the default policy.
 *
 *   rv_latency [SAMPLES]   default 2000 handshakes, 64 KiB memfd
 */
#include "ipc_common.h"

#include <shmprim/rendezvous.h>

#include <sys/wait.h>
#include <unistd.h>

#define SEC 1000000000ull

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000, i, *t;
	shmprim_rv_server srv;
	shmprim_shm region;
	char addr[64];
	int status;
	pid_t server;

	IPC_REQUIRE(host_lacks_memfd());
	if (n == 0 || !(t = malloc(n * sizeof(*t))))
		IPC_FAIL("SAMPLES must be a positive count");
	snprintf(addr, sizeof(addr), "@shmprim-rv-latency-%d", (int)getpid());
	IPC_OK(shmprim_shm_create_memfd(&region, "rv-latency", 65536, 0));
	IPC_OK(shmprim_rv_listen(&srv, addr));
	server = fork();
	if (server < 0)
		IPC_FAIL("fork: %s", strerror(errno));
	if (server == 0) {
		shmprim_rv_offer offer = { &region, 1, NULL, 0 };

		for (i = 0; i < n; i++) {
			shmprim_peer_id who;

			if (shmprim_rv_accept(&srv, NULL, &offer, 5 * SEC, &who) != SHMPRIM_OK)
				_exit(1);
			shmprim_peer_id_close(&who);
		}
		_exit(0);
	}
	shmprim_rv_server_close(&srv);
	for (i = 0; i < n; i++) {
		shmprim_rv_client c;
		uint64_t t0 = ipc_now_ns();

		IPC_OK(shmprim_rv_connect(&c, addr, NULL, 5 * SEC, 0));
		t[i] = ipc_now_ns() - t0;
		IPC_OK(shmprim_rv_client_close(&c));
	}
	if (waitpid(server, &status, 0) != server || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		IPC_FAIL("server process failed (status 0x%x)", status);
	qsort(t, n, sizeof(*t), cmp_u64);
	printf("%llu handshakes (connect to mapped, 64 KiB memfd): p50 %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us\n",
	       (unsigned long long)n, t[n / 2] / 1e3, t[n * 9 / 10] / 1e3, t[n * 99 / 100] / 1e3, t[n - 1] / 1e3);
	IPC_OK(shmprim_shm_close(&region));
	free(t);
	return 0;
}
