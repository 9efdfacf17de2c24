/*
 * The OS seam (backends/shmprim_os.h) under the model checker: futex wait and
 * wake, futex_waitv and its probe, the clock and the liveness of model
 * threads' pids go to mc_futex.c. Whether futex_waitv exists is the test's
 * choice (mc_futex_waitv_mode); its probe's cache is a word of the model's,
 * fresh in every execution.
 * A pid that names no model thread (the test process itself, in claim words
 * the fixtures took) is asked of the OS as usual.
 */
#ifndef SHMPRIM_OS_MODEL_H
#define SHMPRIM_OS_MODEL_H

#include <errno.h>

#include "mc.h"

#define sp_futex_wait(w, e, ns) mc_futex_wait((w), (e), (ns), __FILE__, __LINE__)
#define sp_futex_wait_raw(w, e, ns) sp_model_wait_raw((w), (e), (ns), __FILE__, __LINE__)
#define sp_futex_waitv(w, e, n, ns, which) sp_model_waitv((w), (e), (n), (ns), (which), __FILE__, __LINE__)
#define sp_futex_waitv_probe() mc_futex_waitv_probe()
#define sp_futex_waitv_cache() mc_futex_waitv_cache()
#define sp_futex_wake(w) mc_futex_wake((w), __FILE__, __LINE__)
#define sp_clock_ns() mc_clock_ns()

/* The kernel's answers, from how the model's wait ended. */
static inline int sp_model_wait_raw(uint32_t *word, uint32_t expected, uint64_t ns, const char *file, int line)
{
	switch (mc_futex_wait_how(word, expected, ns, file, line)) {
	case MC_FUTEX_WOKEN:
		return 0;
	case MC_FUTEX_DIFFERS:
		errno = EAGAIN;
		return -1;
	case MC_FUTEX_SPURIOUS:
		errno = EINTR;
		return -1;
	default:
		errno = ETIMEDOUT;
		return -1;
	}
}

static inline int sp_model_waitv(uint32_t *const *words, const uint32_t *expected, uint32_t n, uint64_t ns,
                                 uint32_t *which, const char *file, int line)
{
	int r = mc_futex_waitv(words, expected, n, ns, which, file, line);

	switch (r) {
	case MC_FUTEX_WOKEN:
		return 1; /* *which: the word woken */
	case MC_FUTEX_DIFFERS:
	case MC_FUTEX_SPURIOUS:
		*which = SHMPRIM_WAIT_ANY_UNKNOWN;
		return 1;
	case MC_FUTEX_TIMED_OUT:
		return 0;
	default:
		errno = ENOSYS; /* mc_futex_waitv_mode: refused after the probe */
		return -1;
	}
}

static inline shmprim_liveness sp_pid_liveness(int pid)
{
	int r = mc_pid_liveness(pid);

	return r < 0 ? shmprim_pid_liveness(pid) : r ? SHMPRIM_ALIVE : SHMPRIM_DEAD;
}

static inline shmprim_liveness sp_proc_liveness(shmprim_proc_token token)
{
	int r = mc_pid_liveness(shmprim_proc_token_pid(token));

	return r < 0 ? shmprim_proc_liveness(token) : r ? SHMPRIM_ALIVE : SHMPRIM_DEAD;
}

#endif
