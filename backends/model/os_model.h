/*
 * The OS seam (backends/shmprim_os.h) under the model checker: futex wait and
 * wake, the clock and the liveness of model threads' pids go to mc_futex.c.
 * A pid that names no model thread (the test process itself, in claim words
 * the fixtures took) is asked of the OS as usual.
 */
#ifndef SHMPRIM_OS_MODEL_H
#define SHMPRIM_OS_MODEL_H

#include "mc.h"

#define sp_futex_wait(w, e, ns) mc_futex_wait((w), (e), (ns), __FILE__, __LINE__)
#define sp_futex_wake(w) mc_futex_wake((w), __FILE__, __LINE__)
#define sp_clock_ns() mc_clock_ns()

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
