/*
 * Measures the blocking layer (a tool, not a test): how long after a push a
 * consumer sleeping in pop_wait holds the entry, and how long after a
 * producer's SIGKILL a waiting consumer gets SHMPRIM_ERR_PEER_DEAD.
 *
 *   wake_latency [SAMPLES]   default 2000 wakes per mode, 50 deaths
 *
 * Producer and consumer are separate processes over a memfd. Each entry
 * carries its send time (CLOCK_MONOTONIC); the producer pauses 200-1000 us
 * between entries, long enough for the consumer to spin out and sleep.
 */
#include "ipc_common.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define SEC 1000000000ull

typedef struct stamp_entry {
	uint64_t sent_ns;
	uint64_t seq;
} stamp_entry;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("%-44s n=%-5zu p50 %7.1f us  p90 %7.1f us  p99 %7.1f us  max %8.1f us\n", what, n, v[n / 2] / 1e3,
	       v[n * 9 / 10] / 1e3, v[n * 99 / 100] / 1e3, v[n - 1] / 1e3);
}

static void wakes(const char *what, uint32_t spin, size_t samples)
{
	ipc_geometry g = ipc_geometry_of(64, sizeof(stamp_entry), 0, 0, 0);
	shmprim_shm shm;
	shmprim_spsc ring;
	shmprim_spsc_consumer c;
	shmprim_wait_opts o = { NULL, spin, 0 };
	uint64_t *lat = calloc(samples, sizeof(uint64_t));
	size_t i;
	pid_t pid;

	IPC_OK(shmprim_shm_create_memfd(&shm, "wake", g.total, 0));
	IPC_OK(shmprim_spsc_init(&ring, shmprim_shm_region(&shm), 0, 64, sizeof(stamp_entry)));
	shmprim_spsc_split(&ring, NULL, &c);
	pid = fork();
	if (pid == 0) {
		shmprim_spsc_producer p;
		ipc_rng r = { 42 };
		stamp_entry e;

		shmprim_spsc_split(&ring, &p, NULL);
		for (i = 0; i < samples; i++) {
			ipc_sleep_ns(200000 + ipc_below(&r, 800000));
			e.seq = i;
			e.sent_ns = ipc_now_ns();
			if (shmprim_spsc_push_wait(&p, &e, 5 * SEC, NULL) != SHMPRIM_OK)
				_exit(1);
		}
		_exit(0);
	}
	for (i = 0; i < samples; i++) {
		stamp_entry e;

		IPC_OK(shmprim_spsc_pop_wait(&c, &e, 10 * SEC, &o));
		lat[i] = ipc_now_ns() - e.sent_ns;
		IPC_CHECK(e.seq == i, "entry %zu", i);
	}
	waitpid(pid, NULL, 0);
	report(what, lat, samples);
	free(lat);
	shmprim_shm_close(&shm);
}

static void deaths(size_t samples, uint64_t check_ns)
{
	ipc_geometry g = ipc_geometry_of(8, sizeof(stamp_entry), 0, 0, 0);
	uint64_t *lat = calloc(samples, sizeof(uint64_t));
	char what[96];
	size_t i;

	for (i = 0; i < samples; i++) {
		shmprim_shm shm;
		shmprim_spsc ring;
		shmprim_spsc_consumer c;
		shmprim_peer peer;
		shmprim_wait_opts o = { &peer, 0, check_ns };
		stamp_entry e;
		uint64_t killed;
		pid_t pid;

		IPC_OK(shmprim_shm_create_memfd(&shm, "death", g.total, 0));
		IPC_OK(shmprim_spsc_init(&ring, shmprim_shm_region(&shm), 0, 8, sizeof(stamp_entry)));
		shmprim_spsc_split(&ring, NULL, &c);
		pid = fork();
		if (pid == 0) {
			pause();
			_exit(0);
		}
		IPC_OK(shmprim_peer_watch(&peer, pid));
		/* A killer child: the consumer below is blocked when it strikes. */
		if (fork() == 0) {
			ipc_sleep_ns(5000000 + (uint64_t)(i % 10) * 1000000);
			e.sent_ns = ipc_now_ns();
			memcpy((unsigned char *)shm.base + g.ctl_off, &e.sent_ns, 8);
			kill(pid, SIGKILL);
			_exit(0);
		}
		IPC_CHECK(shmprim_spsc_pop_wait(&c, &e, 10 * SEC, &o) == SHMPRIM_ERR_PEER_DEAD, "death %zu", i);
		memcpy(&killed, (unsigned char *)shm.base + g.ctl_off, 8);
		lat[i] = ipc_now_ns() - killed;
		while (wait(NULL) > 0)
			;
		shmprim_peer_close(&peer);
		shmprim_shm_close(&shm);
	}
	snprintf(what, sizeof(what), "SIGKILL -> PEER_DEAD (check every %.0f ms)", check_ns / 1e6);
	report(what, lat, samples);
	free(lat);
}

int main(int argc, char **argv)
{
	size_t samples = argc > 1 ? (size_t)strtoull(argv[1], NULL, 0) : 2000;

	IPC_REQUIRE(host_lacks_memfd());
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("wake latency, %s backend, %ld CPUs online\n", shmprim_backend_name(), sysconf(_SC_NPROCESSORS_ONLN));
	wakes("push -> pop_wait, sleeping (spin 0)", 0, samples);
	wakes("push -> pop_wait, sleeping (spin 256)", SHMPRIM_WAIT_DEFAULT_SPIN, samples);
	wakes("push -> pop_wait, sleeping (spin 100000)", 100000, samples);
	deaths(50, SHMPRIM_WAIT_DEFAULT_CHECK_NS);
	deaths(50, 2000000);
	return 0;
}
