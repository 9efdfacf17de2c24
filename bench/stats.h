/*
 * Median, min and max of one row's passes.
 */
#ifndef SHMPRIM_BENCH_STATS_H
#define SHMPRIM_BENCH_STATS_H

/* the most passes a workload runs (--runs N allows N up to a third of it,
 * the rest replaces passes set aside in the VM's other speed mode) */
#define MAX_RUNS 64

typedef struct stat3 {
	double median, min, max;
	int ok;
} stat3;

/* n values, n <= MAX_RUNS; all zero with ok = 0 when n <= 0 */
stat3 stats_of(const double *v, int n);

#endif
