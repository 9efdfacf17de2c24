/*
 * The goals: the ratios between rows, computed from this run's
 * medians and printed after the tables, each with its verdict.
 */
#ifndef SHMPRIM_BENCH_GOALS_H
#define SHMPRIM_BENCH_GOALS_H

/* The "targets" section of the report (and its JSON lines). */
void print_targets(void);

#endif
