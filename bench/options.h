/*
 * shmprim-bench's command-line options, set once by main (driver.c) and read
 * by every part of the run.
 */
#ifndef SHMPRIM_BENCH_OPTIONS_H
#define SHMPRIM_BENCH_OPTIONS_H

#define MAX_EXTRA_MODULES 4

typedef struct bench_options {
	int quick;
	int runs;
	int cpu[2];
	const char *json;
	const char *plot;
	const char *only;
	const char *backends;
	/* --module PATH: extra shmprim modules (e.g. built against the installed library) */
	const char *modules[MAX_EXTRA_MODULES];
	int nmodules;
	int selftest_broken;
	double ticks_per_ns;
	double scale;
} bench_options;

extern bench_options opt;

#endif
