/* The wait loop of src/wait.c, for the channel's blocking calls. */
#ifndef SHMPRIM_WAIT_INTERNAL_H
#define SHMPRIM_WAIT_INTERNAL_H

#include <shmprim/wait.h>

/* Spins, then sleeps on flag (the side's *_sleeping word) until attempt
 * returns 1 (with *st) or timeout_ns passes (SHMPRIM_ERR_TIMED_OUT). attempt
 * runs after every wake and at least every opts->check_ns. */
shmprim_status sp_wait_on_flag(int (*attempt)(void *ctx, shmprim_status *st), void *ctx, uint32_t *flag,
                               uint64_t timeout_ns, const shmprim_wait_opts *opts);
/* Wakes whoever sleeps on flag, if its flag says it may (WK1..WK3). */
void sp_wake_flag(uint32_t *flag);
/* CLOCK_MONOTONIC, in ns. */
uint64_t sp_now_ns(void);

#endif
