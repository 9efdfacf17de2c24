/*
 * Doorbells under the checker (mc_bell.c): the model of the readiness fds'
 * socket pair (src/ready_fd.c). An end is a small int, as an fd is; each end
 * counts the rings its peer end sent it, in a word of the arena that the
 * checker's memory and futex models drive. Per execution, like mc_alloc.
 */
#ifndef SHMPRIM_MC_BELL_H
#define SHMPRIM_MC_BELL_H

#include <stdbool.h>
#include <stdint.h>

#include "mc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A connected pair: ends[0] and ends[1], each the other's peer. */
void mc_bell_pair_at(int ends[2], const char *file, int line);
#define mc_bell_pair(ends) mc_bell_pair_at((ends), __FILE__, __LINE__)
/* Whether fd is an end mc_bell_pair made in this execution. */
bool mc_bell_is(int fd);
/* A ring on fd's peer end: one atomic add to its count (relaxed: the bell
 * gives no happens-before), then a futex wake on that word. */
void mc_bell_ring_at(int fd, const char *file, int line);
#define mc_bell_ring(fd) mc_bell_ring_at((fd), __FILE__, __LINE__)
/* One load of fd's count: true if it holds a ring not drained yet. */
bool mc_bell_pending_at(int fd, const char *file, int line);
#define mc_bell_pending(fd) mc_bell_pending_at((fd), __FILE__, __LINE__)
/* Takes every ring fd's count holds (one load); later rings stay pending. */
void mc_bell_drain_at(int fd, const char *file, int line);
#define mc_bell_drain(fd) mc_bell_drain_at((fd), __FILE__, __LINE__)
/* Sleeps as poll() on a readiness fd would: returns once fd holds a ring
 * not drained, or pid (a model pid; < 0: none) has died or exited. A futex
 * wait on the count, re-checked after every return; a sleeper nobody rings
 * is a lost wake-up (the checker's deadlock report), unless its peer died. */
void mc_bell_sleep_at(int fd, int pid, const char *file, int line);
#define mc_bell_sleep(fd, pid) mc_bell_sleep_at((fd), (pid), __FILE__, __LINE__)

#ifdef __cplusplus
}
#endif

#endif
