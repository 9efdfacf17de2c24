/*
 * What the two-process message benchmarks share (shmprim-chanbench,
 * shmprim-ipcbench): the message pattern every row verifies, a busy side's
 * patience, the TSC calibration, the bare cache-line bounce that tells the
 * VM's speed mode, and the statistics over the passes kept in one mode.
 */
#ifndef SHMPRIM_BENCH_TWOPROC_H
#define SHMPRIM_BENCH_TWOPROC_H

#include "bench_common.h"

/* ---- the message pattern ----
 * Message k: word j of it is k for j = 0 and k ^ (BENCH_MIX * j) after,
 * the last word cut short; so a lost, repeated, reordered, torn or
 * truncated message shows in the bytes. */
uint64_t twoproc_mix64(uint64_t x);
void twoproc_fill(unsigned char *p, uint32_t len, uint64_t k);
/* 0 when p[0..len) is exactly message k of want_len bytes. */
int twoproc_bad(const unsigned char *p, uint32_t len, uint32_t want_len, uint64_t k);

/* ---- a busy side that waits too long gives up (checked every 4096 tries) ---- */
typedef struct patience {
	uint64_t deadline;
	uint32_t tries;
} patience;

#define TWOPROC_STUCK_NS (60ull * 1000000000ull)

void patience_start(patience *w);
/* Pauses once; 0 when the deadline has passed. */
int patience_left(patience *w);

/* ---- clocks and the machine's mode ---- */
/* TSC ticks per ns, against CLOCK_MONOTONIC over 20 ms. */
double twoproc_calibrate_ticks(void);
/* The bare cache-line bounce between the two CPUs (bounds.c's "bounce floor"
 * row, two processes): the median p50 of 3 x 20 000 round trips, ns; -1 if it failed. */
double twoproc_bounce(int cpu0, int cpu1, double ticks_per_ns);

/* ---- statistics over the passes ---- */
#define TWOPROC_MAX_PASSES 32

typedef struct trio {
	double med, lo, hi;
	int n;
} trio;

/* Median, min and max of v[p] over the passes with keep[p] and v[p] > 0. */
trio trio_of(const double *v, const int *keep, int npass);
/* Passes before `first` are warm-ups; keeps the passes first..npass-1 whose
 * bounce is within 1.5x of their median (one speed mode); returns how many,
 * median in *mode_bounce. */
int twoproc_keep(const double *pass_bounce, int first, int npass, int *keep, double *mode_bounce);

#endif
