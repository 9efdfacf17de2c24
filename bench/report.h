/*
 * The report: the text tables on stdout and the JSON lines (--json), in the
 * formats bench/ratios, bench/plot-json, bench/device-run.sh and the bench
 * tests read.
 */
#ifndef SHMPRIM_BENCH_REPORT_H
#define SHMPRIM_BENCH_REPORT_H

#include "cases.h"

#include <stdio.h>

/* the --json file, or NULL */
extern FILE *json_out;

/* One JSON object on a line of json_out (nothing without --json). */
void json_line(const char *wl, const char *impl, const char *backend, const char *param, double med, double min,
               double max, const char *unit);

/* The header: machine, compiler, pinning, runs, load, TSC, absent count. */
void print_machine(void);

/* A workload's table (and its JSON lines), after it ran. */
void print_workload(const workload *w);

/* Every implementation expected but absent, with why ("none" included). */
void print_absent(void);

#endif
