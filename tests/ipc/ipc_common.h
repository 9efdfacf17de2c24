/*
 * Shared by the ipc tests and the peer helper: the region layout they agree
 * on, the entry format with its checksum, a PRNG, clocks and failure macros
 * for plain-main programs (exit status: 0 pass, 1 fail, 77 skip).
 */
#ifndef IPC_COMMON_H
#define IPC_COMMON_H

#define _GNU_SOURCE

#include <shmprim/shmprim.h>
#include <shmprim/shm.h>
#include <shmprim/wait.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IPC_SKIP 77

#include "../host/host_caps.h"

/* IPC_REQUIRE(host_lacks_X()): skip the whole program (exit 77) with the
 * reason when the host lacks what it needs. */
#define IPC_REQUIRE(why_missing)                                                       \
	do {                                                                           \
		const char *ipc_why_ = (why_missing);                                  \
		if (ipc_why_) {                                                        \
			printf("SKIP: %s\n", ipc_why_);                                \
			exit(IPC_SKIP);                                                \
		}                                                                      \
	} while (0)

/* The same for one Criterion test. */
#define CR_REQUIRE(why_missing)                                                        \
	do {                                                                           \
		const char *ipc_why_ = (why_missing);                                  \
		if (ipc_why_)                                                          \
			cr_skip_test("%s", ipc_why_);                                  \
	} while (0)

#define IPC_FAIL(...)                                                                  \
	do {                                                                           \
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                   \
		fprintf(stderr, __VA_ARGS__);                                          \
		fputc('\n', stderr);                                                   \
		exit(1);                                                               \
	} while (0)

/* IPC_CHECK(cond, fmt, ...): the format is required. */
#define IPC_CHECK(cond, ...)                                                           \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);  \
			fprintf(stderr, __VA_ARGS__);                                  \
			fputc('\n', stderr);                                           \
			exit(1);                                                       \
		}                                                                      \
	} while (0)

/* The status of a call that must succeed. */
#define IPC_OK(call)                                                                   \
	do {                                                                           \
		shmprim_status ipc_st_ = (call);                                       \
		if (ipc_st_ != SHMPRIM_OK)                                             \
			IPC_FAIL("%s -> %s", #call, shmprim_status_str(ipc_st_));      \
	} while (0)

/* ---- entries: 32 bytes, self-checking ---- */

typedef struct ipc_entry {
	uint64_t seq;     /* stream position */
	uint64_t tag;     /* writer-chosen (incarnation, slot handle, ...) */
	uint64_t value;   /* a function of seq */
	uint64_t sum;     /* ipc_entry_sum of the three above */
} ipc_entry;

static inline uint64_t ipc_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static inline uint64_t ipc_entry_sum(const ipc_entry *e)
{
	return ipc_mix(e->seq ^ ipc_mix(e->tag ^ ipc_mix(e->value + 0x9e3779b97f4a7c15ull)));
}

static inline void ipc_entry_make(ipc_entry *e, uint64_t seq, uint64_t tag)
{
	e->seq = seq;
	e->tag = tag;
	e->value = ipc_mix(seq * 3 + 1);
	e->sum = ipc_entry_sum(e);
}

static inline int ipc_entry_ok(const ipc_entry *e)
{
	return e->value == ipc_mix(e->seq * 3 + 1) && e->sum == ipc_entry_sum(e);
}

/* ---- the region: ring at 0, slab after it, a test control block last ---- */

typedef struct ipc_geometry {
	uint32_t ring_capacity;
	uint32_t ring_entry;
	uint32_t slab_slots;
	uint32_t slab_slot_size;
	size_t ring_off, slab_off, ctl_off, ctl_size, total;
} ipc_geometry;

static inline size_t ipc_align(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

static inline ipc_geometry ipc_geometry_of(uint32_t cap, uint32_t entry, uint32_t slots, uint32_t slot_size,
                                           size_t ctl_size)
{
	ipc_geometry g;

	g.ring_capacity = cap;
	g.ring_entry = entry;
	g.slab_slots = slots;
	g.slab_slot_size = slot_size;
	g.ring_off = 0;
	g.slab_off = ipc_align(shmprim_spsc_required_size(cap, entry), SHMPRIM_ALIGN);
	g.ctl_off = ipc_align(g.slab_off + (slots ? shmprim_slab_required_size(slots, slot_size) : 0), 4096);
	g.ctl_size = ctl_size;
	g.total = ipc_align(g.ctl_off + (ctl_size ? ctl_size : 1), 4096);
	return g;
}

/* ---- time and randomness ---- */

static inline uint64_t ipc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void ipc_sleep_ns(uint64_t ns)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ns / 1000000000ull);
	ts.tv_nsec = (long)(ns % 1000000000ull);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

typedef struct ipc_rng {
	uint64_t s;
} ipc_rng;

static inline uint64_t ipc_rand(ipc_rng *r)
{
	r->s += 0x9e3779b97f4a7c15ull;
	return ipc_mix(r->s);
}

/* uniform in [0, n) for n > 0 */
static inline uint64_t ipc_below(ipc_rng *r, uint64_t n)
{
	return ipc_rand(r) % n;
}

/* "long" variants: SHMPRIM_LONG=1 in the environment multiplies counts. */
static inline uint64_t ipc_scale(uint64_t ci, uint64_t long_run)
{
	const char *v = getenv("SHMPRIM_LONG");

	return v && *v && strcmp(v, "0") != 0 ? long_run : ci;
}

/* An integer from the environment, or def. */
static inline uint64_t ipc_env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

#endif
