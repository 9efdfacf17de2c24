/*
 * The runner: runs a workload's rows pass after pass, interleaved, and keeps
 * the passes measured in one speed mode of the machine.
 */
#ifndef SHMPRIM_BENCH_RUNNER_H
#define SHMPRIM_BENCH_RUNNER_H

#include "cases.h"

/* TSC ticks per ns, measured against CLOCK_MONOTONIC over 50 ms. */
double calibrate_ticks(void);

/* The bare cache-line bounce right now: median round trip of three short
 * runs, in ns (-1 if none ran). */
double bounce_now(void);

/* Runs the workload: its bounce first, one warm-up pass, then the passes;
 * fills in its rows' figures and prints its table (report.h). */
void run_workload(workload *w);

#endif
