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

static inline int sp_futex_wait(uint32_t *word, uint32_t expected, uint64_t ns)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ns / 1000000000ull);
	ts.tv_nsec = (long)(ns % 1000000000ull);
	if (syscall(SYS_futex, word, FUTEX_WAIT, expected, &ts, NULL, 0) == 0)
		return 0;
	if (errno == EAGAIN || errno == ETIMEDOUT || errno == EINTR)
		return 0;
	return -1;
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
