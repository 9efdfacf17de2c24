/*
 * The readiness fds' OS plumbing, below src/ready.c's flag protocol: the bell
 * pair, the fd to poll (an epoll set over this side's bell end and the peer's
 * pidfd), a ring, a poll that does not block, the drain, the peer's pidfd.
 * src/ready.c makes every shared-word access (the sp_* calls); these make
 * only system calls and touch only the shmprim_ready's private fields.
 *
 * Linux: src/ready_fd.c. Under the model checker (SHMPRIM_ATOMICS_MODEL)
 * backends/model/ready_model.h stands in: the bell is a counter word rung
 * through the checker's futex model, the pidfd a model pid. Not installed.
 */
#ifndef SHMPRIM_READY_FD_H
#define SHMPRIM_READY_FD_H

#include <stdint.h>

#include <shmprim/ready.h>

/* What sp_rfd_poll found ready. */
#define SP_RFD_BELL 1u /* the bell holds a ring not drained yet (or its peer end closed) */
#define SP_RFD_PID 2u  /* the watched peer's pidfd: the peer is gone */

#if defined(SHMPRIM_ATOMICS_MODEL)
#include "../backends/model/ready_model.h"
#else

/* A connected bell pair, close-on-exec: 0, or -1 with errno set. */
int sp_rfd_bell_pair(int ends[2]);

/* Sets up r->fd, r->bell and (peer_pidfd >= 0) r->pidfd, r->pidfd_given on
 * an r whose fds are -1: SHMPRIM_OK; SHMPRIM_ERR_INVALID_ARGUMENT when bell
 * is not a bell end or peer_pidfd not a pidfd; SHMPRIM_ERR_SYSTEM (errno
 * kept, r's fds closed again). */
shmprim_status sp_rfd_open(shmprim_ready *r, int bell, int peer_pidfd);

/* Closes r's fds; they read -1 after. */
void sp_rfd_close(shmprim_ready *r);

/* B: one ring on the peer's end. Never blocks (a full queue already reads
 * ready; a closed peer end has nobody to wake). */
void sp_rfd_ring(shmprim_ready *r);

/* Which of the bell and the pidfd read ready now (SP_RFD_*), without blocking. */
unsigned sp_rfd_poll(shmprim_ready *r);

/* D: takes what the bell holds (bounded per call: a flood stays ready); at
 * EOF (the peer's end closed) the end leaves the set. */
void sp_rfd_drain(shmprim_ready *r);

/* Stops watching the peer's pidfd (none: nothing). */
void sp_rfd_unwatch(shmprim_ready *r);

/* Watches the process the claim word w names (a HELD token), if it is
 * verified alive after its pidfd opened; else leaves r->pidfd at -1 and
 * the protocol asks sp_proc_liveness instead. */
void sp_rfd_watch(shmprim_ready *r, uint64_t w);

#endif

#endif
