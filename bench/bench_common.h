/*
 * What every benchmark translation unit shares: the row interfaces between the
 * driver and the per-backend modules, clocks, pinning, shared memory, the
 * start barrier and the item sequence every run verifies. Compiles as C99 and
 * as C++ (the Boost and moodycamel peers include it).
 */
#ifndef SHMPRIM_BENCH_COMMON_H
#define SHMPRIM_BENCH_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- what a row is asked to do, and what it reports ---- */

/* Throughput: `items` entries from a producer pinned to cpu[0] to a consumer
 * pinned to cpu[1], `batch` per call (1 = the single-item API). */
typedef struct tput_cfg {
	uint32_t capacity;
	uint32_t batch;
	uint64_t items;
	int procs;          /* 0: two threads; 1: two processes sharing a memfd */
	int cpu[2];
} tput_cfg;

typedef struct tput_out {
	double mitems_per_s;
	uint64_t errors;    /* entries out of sequence, torn, missing or extra */
} tput_out;

/* Round trip: one entry to the echoer over ring A and back over ring B, `rounds` times. */
typedef struct rtt_cfg {
	uint32_t capacity;
	uint64_t rounds;
	int procs;
	int cpu[2];
	double ticks_per_ns;
} rtt_cfg;

typedef struct rtt_out {
	double p50_ns;
	double p99_ns;
	uint64_t errors;
} rtt_out;

/* Slab: `pairs` alloc+free pairs per thread; threads 1 (cpu[0]) or 2 (cpu[0], cpu[1]). */
typedef struct slab_cfg {
	uint32_t slots;
	uint64_t pairs;
	int threads;
	int cpu[2];
} slab_cfg;

typedef struct slab_out {
	double ns_per_pair;     /* wall time per pair, all threads together */
	double mpairs_per_s;
	uint64_t errors;        /* refused frees, slots owned twice, slots lost */
} slab_out;

typedef int (*tput_fn)(const tput_cfg *cfg, tput_out *out);
typedef int (*rtt_fn)(const rtt_cfg *cfg, rtt_out *out);
typedef int (*slab_fn)(const slab_cfg *cfg, slab_out *out);

/* Entry sizes every ring row may offer, in bytes (index = position here). */
#define BENCH_SIZES 3
static const uint32_t bench_sizes[BENCH_SIZES] = {8, 64, 256};

#define RI_SINGLE 1u    /* tput with batch 1 uses the single-item API */
#define RI_BATCH 2u     /* tput with batch > 1 uses a batch API */
#define RI_PROCS 4u     /* the ring lives wholly in the shared memory it is given */

typedef struct ring_impl {
	const char *impl;       /* column "impl" */
	const char *backend;    /* shmprim atomics backend, "-" for peers and bounds */
	unsigned flags;
	tput_fn tput[BENCH_SIZES];
	rtt_fn rtt;             /* NULL if the row has no latency variant */
} ring_impl;

typedef struct slab_impl {
	const char *impl;
	const char *backend;
	slab_fn run;
} slab_impl;

/* Each peer translation unit offers its rows through one of these. */
typedef void (*bench_add_ring_fn)(const ring_impl *ring);
typedef void (*bench_add_slab_fn)(const slab_impl *slab);
typedef void (*bench_register_fn)(bench_add_ring_fn add_ring, bench_add_slab_fn add_slab);

/* A per-backend module (shmprim-bench-<backend>.so) exports one of these. */
#define BENCH_MODULE_ABI 3
typedef struct bench_module {
	int abi;
	const char *backend;
	const ring_impl *rings;
	int nrings;
	const slab_impl *slabs;
	int nslabs;
} bench_module;
#define BENCH_MODULE_SYMBOL "shmprim_bench_module"

/* ---- clocks ---- */

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Per-round-trip stamps: the TSC where there is one (constant and invariant on
 * the machines this runs on; the driver calibrates it against CLOCK_MONOTONIC),
 * so that the stamp costs a few ns rather than a vDSO call. */
static inline uint64_t bench_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __rdtsc();
#else
	return bench_now_ns();
#endif
}

static inline void bench_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	_mm_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* ---- placement ---- */

static inline int bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* Ring memory: always a memfd mapping, so the two-thread and two-process rows
 * run on the same kind of pages (4 KiB, shmem) and differ only in the sharing. */
static inline void *bench_map(size_t len)
{
	void *p;
	int fd;

	len = (len + 4095) & ~(size_t)4095;
	fd = (int)memfd_create("shmprim-bench", 0);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, (off_t)len) != 0) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, len);      /* fault every page in before timing */
	return p;
}

static inline void bench_unmap(void *p, size_t len)
{
	if (p)
		munmap(p, (len + 4095) & ~(size_t)4095);
}

/* ---- control block: start barrier and the sides' reports, in shared memory ---- */

typedef struct bench_ctl {
	uint32_t ready;
	uint32_t pad0[15];
	uint64_t t_start;       /* producer / pinger, ns */
	uint64_t t_end;         /* consumer, ns */
	uint64_t errors;
	double p50_ns;
	double p99_ns;
	uint64_t side_errors[2];
	uint32_t pad1[4];
} bench_ctl;

static inline void bench_barrier(bench_ctl *ctl, uint32_t parties)
{
	__atomic_fetch_add(&ctl->ready, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&ctl->ready, __ATOMIC_ACQUIRE) < parties)
		bench_relax();
}

/* Runs side(0, arg) and side(1, arg) at once, as two threads or two forked
 * processes; returns 0 when both finished normally. */
typedef void (*bench_side_fn)(int side, void *arg);

struct bench_side_thread {
	bench_side_fn fn;
	void *arg;
	int side;
};

static inline void *bench_side_trampoline(void *p)
{
	struct bench_side_thread *t = (struct bench_side_thread *)p;

	t->fn(t->side, t->arg);
	return NULL;
}

static inline int bench_run_sides(int procs, bench_side_fn fn, void *arg)
{
	int side, status, rc = 0;

	if (!procs) {
		pthread_t th[2];
		struct bench_side_thread t[2];

		for (side = 0; side < 2; side++) {
			t[side].fn = fn;
			t[side].arg = arg;
			t[side].side = side;
			if (pthread_create(&th[side], NULL, bench_side_trampoline, &t[side]) != 0)
				return -1;
		}
		for (side = 0; side < 2; side++)
			pthread_join(th[side], NULL);
		return 0;
	} else {
		pid_t pid[2];

		fflush(NULL);
		for (side = 0; side < 2; side++) {
			pid[side] = fork();
			if (pid[side] < 0)
				return -1;
			if (pid[side] == 0) {
				fn(side, arg);
				_exit(0);
			}
		}
		for (side = 0; side < 2; side++) {
			if (waitpid(pid[side], &status, 0) != pid[side] || !WIFEXITED(status) ||
			    WEXITSTATUS(status) != 0)
				rc = -1;
		}
		return rc;
	}
}

/* ---- the item sequence ----
 * Entry k (k = 1, 2, ...) carries k in its first word and k mixed with the
 * word's position in every other word; the consumer checks every word, so
 * loss, duplication, reordering and torn copies all show, and every row
 * writes and reads the whole payload, as a user would. */
#define BENCH_MIX 0x9E3779B97F4A7C15ull

static inline void bench_item_fill(uint64_t *w, unsigned words, uint64_t seq)
{
	unsigned j;

	w[0] = seq;
	for (j = 1; j < words; j++)
		w[j] = seq ^ (BENCH_MIX * j);
}

static inline void bench_item_check(const uint64_t *w, unsigned words, uint64_t *expect, uint64_t *errors)
{
	uint64_t seq = *expect, bad = w[0] ^ seq;
	unsigned j;

	for (j = 1; j < words; j++)
		bad |= w[j] ^ seq ^ (BENCH_MIX * j);
	if (bad)
		(*errors)++;
	*expect = seq + 1;
}

typedef struct item64 {
	uint64_t w[8];
} item64;

typedef struct item256 {
	uint64_t w[32];
} item256;

/* ---- statistics ---- */

static inline int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* In-place sort of n samples; the value at fraction q (0..1). */
static inline uint64_t bench_quantile_sorted(const uint64_t *v, size_t n, double q)
{
	size_t i = (size_t)(q * (double)(n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

/* Turns n+1 stamps (ticks) into n round-trip times, drops the first `skip`
 * (caches and predictors settling) and reports p50 and p99 in ns. */
static inline void bench_rtt_stats(uint64_t *stamps, size_t n, size_t skip, double ticks_per_ns, double *p50,
                                   double *p99)
{
	size_t i;

	for (i = 0; i < n; i++)
		stamps[i] = stamps[i + 1] - stamps[i];
	if (skip >= n)
		skip = 0;
	qsort(stamps + skip, n - skip, sizeof(uint64_t), bench_cmp_u64);
	*p50 = (double)bench_quantile_sorted(stamps + skip, n - skip, 0.50) / ticks_per_ns;
	*p99 = (double)bench_quantile_sorted(stamps + skip, n - skip, 0.99) / ticks_per_ns;
}

#ifdef __cplusplus
}
#endif

#endif
