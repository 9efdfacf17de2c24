/*
 * The readiness fds' plumbing (src/ready_fd.h) under the model checker: the
 * bell is a mc_bell pair (mc_bell.c: a counter word per end, rung and slept
 * on through the futex model), the fd to poll is the bell end itself, and a
 * "pidfd" is a model pid (mc_pid_of), ready once that thread died or exited.
 * The protocol in src/ready.c runs unchanged on top. The counters keep their
 * meaning where the model has the call (arm_syscalls: one per poll, drain and
 * watch); the flag words and the ring's head are the real ones.
 *
 * For scenarios: shmprim_*_ready_open takes a mc_bell_pair end as its bell and
 * a model pid (or -1) as its pidfd; mc_bell_sleep(r.fd, r.pidfd) sleeps as a
 * poll() on r.fd would. Included by src/ready_fd.h only.
 */
#ifndef SHMPRIM_READY_MODEL_H
#define SHMPRIM_READY_MODEL_H

#include <shmprim/claim.h>
#include <shmprim/ready.h>

#include "mc_bell.h"

static inline int sp_rfd_bell_pair(int ends[2])
{
	mc_bell_pair(ends);
	return 0;
}

static inline shmprim_status sp_rfd_open(shmprim_ready *r, int bell, int peer_pidfd)
{
	if (!mc_bell_is(bell))
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	if (peer_pidfd >= 0 && mc_pid_liveness(peer_pidfd) < 0)
		return SHMPRIM_ERR_INVALID_ARGUMENT; /* not a model thread's pid */
	r->fd = r->bell = bell;
	r->bell_in_set = 1;
	if (peer_pidfd >= 0) {
		r->pidfd = peer_pidfd;
		r->pidfd_given = 1;
	}
	return SHMPRIM_OK;
}

static inline void sp_rfd_close(shmprim_ready *r)
{
	r->fd = r->bell = r->pidfd = -1;
	r->bell_in_set = 0;
}

static inline void sp_rfd_ring(shmprim_ready *r)
{
	mc_bell_ring(r->bell);
}

static inline unsigned sp_rfd_poll(shmprim_ready *r)
{
	unsigned ready = mc_bell_pending(r->bell) ? SP_RFD_BELL : 0u;

	/* a dead peer is seen after all it did (mc_pid_liveness joins it) */
	if (r->pidfd >= 0 && mc_pid_liveness(r->pidfd) == 0)
		ready |= SP_RFD_PID;
	r->arm_syscalls++;
	return ready;
}

static inline void sp_rfd_drain(shmprim_ready *r)
{
	mc_bell_drain(r->bell);
	r->arm_syscalls++;
}

static inline void sp_rfd_unwatch(shmprim_ready *r)
{
	r->pidfd = -1;
}

/* A model thread's pid, alive now: watched. Any other pid (the test process
 * itself) is left to the protocol's sp_proc_liveness, which asks the OS. */
static inline void sp_rfd_watch(shmprim_ready *r, uint64_t w)
{
	int pid = (int)shmprim_proc_token_pid(w);

	r->arm_syscalls++;
	if (mc_pid_liveness(pid) == 1)
		r->pidfd = pid;
}

#endif
