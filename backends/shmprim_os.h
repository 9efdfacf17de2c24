/*
 * The OS seam of the blocking layer (src/wait.c): what a wait needs besides
 * atomics. The real bindings (c11, gcc, urcu) share the Linux calls below;
 * the model binding replaces them with the checker's futex model, virtual
 * clock and peers that may die (backends/model/os_model.h, mc_futex.c).
 *
 *   int  sp_futex_wait(uint32_t *word, uint32_t expected, uint64_t ns)
 *        sleeps while *word == expected (compared by the kernel under its
 *        lock), at most ns; 0 after a wake, a changed word, a timeout or a
 *        signal; -1 (errno set) otherwise
 *   int  sp_futex_wait_raw(uint32_t *word, uint32_t expected, uint64_t ns)
 *        the same sleep, with the kernel's answer: 0 after a wake; -1 with
 *        errno EAGAIN (the word differed), ETIMEDOUT, EINTR or an error
 *   int  sp_futex_waitv(uint32_t *const *words, const uint32_t *expected,
 *                       uint32_t n, uint64_t ns, uint32_t *which)
 *        futex_waitv: sleeps while every *words[i] == expected[i] (each
 *        compared by the kernel under its word's lock before the sleep), at
 *        most ns; 1 after a wake (*which: the word woken) or a differing word
 *        or a signal (*which: SHMPRIM_WAIT_ANY_UNKNOWN); 0 after ns; -1
 *        (errno set, ENOSYS where the call is refused) otherwise
 *   int  sp_futex_waitv_probe(void)         1 if futex_waitv exists (one call; errno kept)
 *   uint32_t *sp_futex_waitv_cache(void)    the word caching that probe, per process
 *   void sp_futex_wake(uint32_t *word)      wakes every waiter on word
 *   uint64_t sp_clock_ns(void)              CLOCK_MONOTONIC, in ns
 *   shmprim_liveness sp_pid_liveness(int pid)
 *   shmprim_liveness sp_proc_liveness(shmprim_proc_token token)
 *
 * Shared futexes (not FUTEX_PRIVATE): the two sides may be different
 * processes. Include after shmprim_atomic.h and <shmprim/claim.h>, in a file
 * compiled with _GNU_SOURCE. Not installed.
 */
#ifndef SHMPRIM_OS_H
#define SHMPRIM_OS_H

#include <stdint.h>

#include <shmprim/claim.h>
#include <shmprim/wait.h>

#include "shmprim_atomic.h"

#if defined(SHMPRIM_ATOMICS_MODEL)
#include "model/os_model.h"
#else

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static inline int sp_futex_wait_raw(uint32_t *word, uint32_t expected, uint64_t ns)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ns / 1000000000ull);
	ts.tv_nsec = (long)(ns % 1000000000ull);
	return syscall(SYS_futex, word, FUTEX_WAIT, expected, &ts, NULL, 0) == 0 ? 0 : -1;
}

static inline int sp_futex_wait(uint32_t *word, uint32_t expected, uint64_t ns)
{
	if (sp_futex_wait_raw(word, expected, ns) == 0)
		return 0;
	if (errno == EAGAIN || errno == ETIMEDOUT || errno == EINTR)
		return 0;
	return -1;
}

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449 /* the same number on every architecture */
#endif
#define SP_WAITV_U32 0x02u /* FUTEX2_SIZE_U32; no FUTEX2_PRIVATE: shared words */

/* struct futex_waitv and struct __kernel_timespec, spelled out so that old
 * kernel headers and 32-bit builds (32-bit time_t) agree with the kernel. */
struct sp_waitv_entry {
	uint64_t val;
	uint64_t uaddr;
	uint32_t flags;
	uint32_t reserved;
};

struct sp_kernel_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

static inline int sp_futex_waitv(uint32_t *const *words, const uint32_t *expected, uint32_t n, uint64_t ns,
                                 uint32_t *which)
{
	struct sp_waitv_entry w[SHMPRIM_WAIT_ANY_MAX];
	struct sp_kernel_timespec abs;
	struct timespec now;
	uint64_t at;
	uint32_t i;
	long r;

	for (i = 0; i < n; i++) {
		w[i].val = expected[i];
		w[i].uaddr = (uint64_t)(uintptr_t)words[i];
		w[i].flags = SP_WAITV_U32;
		w[i].reserved = 0;
	}
	/* futex_waitv takes an absolute time on the clock it is given. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	at = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	at = ns > UINT64_MAX - at ? UINT64_MAX : at + ns;
	if (at > (uint64_t)INT64_MAX)
		at = (uint64_t)INT64_MAX;
	abs.tv_sec = (int64_t)(at / 1000000000ull);
	abs.tv_nsec = (int64_t)(at % 1000000000ull);
	r = syscall(SYS_futex_waitv, w, n, 0u, &abs, CLOCK_MONOTONIC);
	if (r >= 0) {
		*which = (uint32_t)r;
		return 1;
	}
	if (errno == ETIMEDOUT)
		return 0;
	if (errno == EAGAIN || errno == EINTR) {
		*which = SHMPRIM_WAIT_ANY_UNKNOWN;
		return 1;
	}
	return -1;
}

static inline int sp_futex_waitv_probe(void)
{
	int saved = errno;
	/* No words: EINVAL where the call exists, ENOSYS (or a seccomp
	 * filter's EPERM) where it does not. */
	long r = syscall(SYS_futex_waitv, NULL, 0u, 0u, NULL, 0);
	int present = r < 0 && errno == EINVAL;

	errno = saved;
	return present;
}

/* Only src/futex_waitv.c asks for it: one word per process. */
static inline uint32_t *sp_futex_waitv_cache(void)
{
	static uint32_t state;

	return &state;
}

static inline void sp_futex_wake(uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static inline uint64_t sp_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define sp_pid_liveness(pid) shmprim_pid_liveness(pid)
#define sp_proc_liveness(token) shmprim_proc_liveness(token)

#endif

#endif
