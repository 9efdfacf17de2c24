/*
 * The goals: the ratios between rows, read from a goals file
 * (bench/goals.txt), computed from this run's medians and printed after the
 * tables, each with its verdict.
 */
#ifndef SHMPRIM_BENCH_GOALS_H
#define SHMPRIM_BENCH_GOALS_H

/* what a goal asks of the ratio row / against */
enum { REL_AT_LEAST, REL_AT_MOST, REL_WITHIN, REL_DOCUMENTED };

/* a row as the goals file names it: WORKLOAD:IMPL:BACKEND:PARAM */
typedef struct rowref {
	char workload[32];
	char impl[48];
	char backend[16];
	char param[64];
	int best_peer;          /* *best-peer: the best peer ring at workload and param */
} rowref;

/* one line of the goals file, its blocks' {NAME}s replaced */
typedef struct goal {
	char what[128];
	char param[64];
	rowref a, b;
	int rel;
	double x;               /* the bound (REL_AT_*), the tolerance (REL_WITHIN) */
	int skip_missing;       /* b absent: print nothing, not n/a */
} goal;

#define MAX_GOALS 256
extern goal goals[MAX_GOALS];  /* in the file's order, blocks expanded */
extern int ngoals;

/* Reads the goals file into goals[] (goals_file.c; the format is at the top
 * of bench/goals.txt); -1 if it cannot be read or a line is malformed, having
 * said which (file:line: what is wrong). */
int load_goals(const char *path);

/* The "targets" section of the report (and its JSON lines), goals.c. */
void print_targets(void);

#endif
