/*
 * The cases: every row of every workload, in table order, which is the order
 * each pass runs them in. Built once from the implementations in the run and
 * the options; the runner fills in the figures.
 */
#ifndef SHMPRIM_BENCH_CASES_H
#define SHMPRIM_BENCH_CASES_H

#include "bench_common.h"
#include "stats.h"

enum { K_TPUT, K_RTT, K_SLAB };
#define MAX_ROWS 1024

typedef struct row {
	const char *workload;
	const char *impl;
	const char *backend;
	char param[64];
	const char *unit;
	int kind;
	tput_fn tput;
	tput_cfg tcfg;
	rtt_fn rtt;
	rtt_cfg rcfg;
	slab_fn slab;
	slab_cfg scfg;
	double v[MAX_RUNS];     /* per pass: Mitems/s; RTT p50 ns; slab ns/pair (1 thread) or Mpairs/s (2) */
	double v99[MAX_RUNS];   /* RTT p99 ns */
	unsigned char have[MAX_RUNS];
	int n;                  /* after the workload: the kept passes, compacted to the front */
	uint64_t errors;
	int setup_failures;
} row;

/* a workload's rows are rows[first .. first + count - 1] */
typedef struct workload {
	const char *name;
	const char *title;
	int first, count;
	double bounce[3];
	int nbounce;
	double others_pct;      /* CPU used by other processes while it ran, % of all CPUs */
	double pass_bounce[MAX_RUNS];
	int npass, nkept;
	double mode_bounce;     /* median bounce of the kept passes */
} workload;

extern row rows[MAX_ROWS];
extern int nrows;
extern workload workloads[8];
extern int nworkloads;

/* The rows of the workloads --workloads asks for, from the implementations
 * registered (impls.h). */
void build_rows(void);

/* Whether the row has figures, all verified. */
int row_ok(const row *r);

#endif
