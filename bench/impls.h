/*
 * The implementations in this run: shmprim's rows from one loadable module
 * per atomics backend, the peers compiled in, the baseline and the bounds;
 * and every implementation expected but absent, with why.
 */
#ifndef SHMPRIM_BENCH_IMPLS_H
#define SHMPRIM_BENCH_IMPLS_H

#include "bench_common.h"

#define MAX_IMPLS 64
extern const ring_impl *rings[MAX_IMPLS];
extern int nrings;
extern const slab_impl *slabs[MAX_IMPLS];
extern int nslabs;

#define MAX_ABSENT 16
typedef struct absent_impl {
	const char *impl;
	char backend[16];
	char why[256];
} absent_impl;
extern absent_impl absent[MAX_ABSENT];
extern int nabsent;

/* Whether name is one of the sep-separated words of list. */
int in_list(const char *name, const char *list, char sep);

/* --backends must name backends built here; 0 if it does, else says why. */
int check_backends_option(const char *list);

/* Loads every expected backend's module (those --backends leaves in);
 * -1, having said why, if one is missing or does not load. */
int load_modules(void);

/* The peers built here, then the baseline and bounds (and, for
 * --selftest-broken, the broken ring); peers not built are noted absent. */
void register_peers(void);

#endif
