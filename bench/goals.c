/*
 * The goals (see goals.h): the ratios, from this run's medians.
 */
#include "goals.h"

#include "cases.h"
#include "report.h"

#include <stdio.h>
#include <string.h>

static const row *find_row(const char *wl, const char *impl, const char *backend, const char *param)
{
	int i;

	for (i = 0; i < nrows; i++) {
		const row *r = &rows[i];

		if (strcmp(r->workload, wl) == 0 && strcmp(r->impl, impl) == 0 &&
		    (!backend || strcmp(r->backend, backend) == 0) && strcmp(r->param, param) == 0 && row_ok(r))
			return r;
	}
	return NULL;
}

static int is_peer_ring(const char *impl)
{
	return strcmp(impl, "ck_ring") == 0 || strcmp(impl, "rte_ring") == 0 || strcmp(impl, "boost spsc_queue") == 0 ||
	       strcmp(impl, "moodycamel RWQ") == 0;
}

/* The best peer row (highest throughput, or lowest latency) for a workload and param. */
static const row *best_peer(const char *wl, const char *param, int lower_is_better, const double **vals)
{
	const row *best = NULL;
	double best_med = 0;
	int i;

	for (i = 0; i < nrows; i++) {
		const row *r = &rows[i];
		double med;

		if (strcmp(r->workload, wl) != 0 || strcmp(r->param, param) != 0 || !is_peer_ring(r->impl) ||
		    !row_ok(r))
			continue;
		med = stats_of(r->v, r->n).median;
		if (!best || (lower_is_better ? med < best_med : med > best_med)) {
			best = r;
			best_med = med;
		}
	}
	if (vals && best)
		*vals = best->v;
	return best;
}

static int target_failures, target_count;

/* ratio = a / b with the conservative range [min a / max b, max a / min b]. */
static void target(const char *what, const char *param, const row *a, const double *av, const row *b,
                   const double *bv, double goal, int at_most)
{
	stat3 sa, sb;
	double ratio;
	const char *verdict;
	char label[160];

	if (!a || !b) {
		printf("  %-58s %s\n", what, "n/a (row missing or failed)");
		return;
	}
	sa = stats_of(av, a->n);
	sb = stats_of(bv, b->n);
	ratio = sa.median / sb.median;
	target_count++;
	if (goal <= 0) {
		verdict = "(documented)";
	} else if (at_most ? ratio <= goal : ratio >= goal) {
		verdict = "met";
	} else {
		verdict = "MISSED";
		target_failures++;
	}
	snprintf(label, sizeof(label), "%s [vs %s%s%s]", what, b->impl, strcmp(b->backend, "-") ? " " : "",
	         strcmp(b->backend, "-") ? b->backend : "");
	if (goal > 0)
		printf("  %-58s %6.2fx  (%s %.2fx)  %s\n", label, ratio, at_most ? "<=" : ">=", goal, verdict);
	else
		printf("  %-58s %6.2fx  %s\n", label, ratio, verdict);
	json_line("targets", a->impl, a->backend, param, ratio, sa.min / sb.max, sa.max / sb.min, "x");
}

void print_targets(void)
{
	static const char *caps[] = {"cap=1024", "cap=65536"};
	char param[64], what[128];
	const char *backends[] = {"c11", "gcc", "urcu"};
	const double *pv = NULL;
	const row *a, *b;
	int c, k;

	printf("\n== targets: ratios of medians from this run (range: worst/best pairing of the runs) ==\n");
	for (c = 0; c < 2; c++) {
		snprintf(param, sizeof(param), "%s batch=1", caps[c]);
		for (k = 0; k < 6; k++) {
			/* exported calls, then the same push/pop inlined (shmprim-inline) */
			const char *impl = k < 3 ? "shmprim" : "shmprim-inline";
			const char *be = backends[k % 3];
			const char *how = k < 3 ? "" : " inline";

			a = find_row("spsc-tput", impl, be, param);
			if (!a)
				continue;
			b = best_peer("spsc-tput", param, 0, &pv);
			snprintf(what, sizeof(what), "single-item%s tput %s, %s / best peer ring", how, caps[c], be);
			target(what, param, a, a->v, b, pv, 1.5, 0);
			b = find_row("spsc-tput", "seed baseline", "-", param);
			snprintf(what, sizeof(what), "single-item%s tput %s, %s / seed", how, caps[c], be);
			target(what, param, a, a->v, b, b ? b->v : NULL, 5.0, 0);
		}
		snprintf(param, sizeof(param), "%s batch=32", caps[c]);
		{
			char cp[64];

			snprintf(cp, sizeof(cp), "%s batch=64", caps[c]);
			b = find_row("spsc-tput", "stream ceiling", "-", cp);
		}
		for (k = 0; k < 3; k++) {
			a = find_row("spsc-tput", "shmprim", backends[k], param);
			snprintf(what, sizeof(what), "burst(32) tput %s, %s / ceiling", caps[c], backends[k]);
			if (a)
				target(what, param, a, a->v, b, b ? b->v : NULL, 0.5, 0);
			a = find_row("spsc-tput", "shmprim-zc", backends[k], param);
			snprintf(what, sizeof(what), "zero-copy(32) tput %s, %s / ceiling", caps[c], backends[k]);
			if (a)
				target(what, param, a, a->v, b, b ? b->v : NULL, 0.5, 0);
		}
	}
	b = find_row("rtt", "bounce floor", "-", "cap=1024");
	for (k = 0; k < 3; k++) {
		a = find_row("rtt", "shmprim", backends[k], "cap=1024");
		if (!a)
			continue;
		snprintf(what, sizeof(what), "round trip p50, %s / bounce", backends[k]);
		target(what, "rtt p50", a, a->v, b, b ? b->v : NULL, 1.25, 1);
		{
			const row *b2 = find_row("rtt", "bounce 2 lines", "-", "cap=1024");

			snprintf(what, sizeof(what), "round trip p50, %s / 2-line bounce", backends[k]);
			target(what, "rtt p50 vs 2-line bounce", a, a->v, b2, b2 ? b2->v : NULL, 0, 0);
		}
		{
			const row *p = best_peer("rtt", "cap=1024", 1, &pv);

			snprintf(what, sizeof(what), "round trip p50, %s / best peer ring", backends[k]);
			target(what, "rtt p50 vs peers", a, a->v, p, pv, 1.0, 1);
		}
	}
	for (k = 0; k < 3; k++) {
		static const char *const slab_impls[] = {"shmprim-slab", "shmprim-slab-cached"};
		int si;

		for (si = 0; si < 2; si++) {
			const char *cached = si ? " cached" : "";

			b = find_row("slab", "ck_stack", "-", "threads=1");
			a = find_row("slab", slab_impls[si], backends[k], "threads=1");
			snprintf(what, sizeof(what), "slab%s 1 thread ns/pair, %s / ck_stack", cached, backends[k]);
			if (a)
				target(what, "threads=1", a, a->v, b, b ? b->v : NULL, 0.8, 1);
			b = find_row("slab", "ck_stack", "-", "threads=2");
			a = find_row("slab", slab_impls[si], backends[k], "threads=2");
			snprintf(what, sizeof(what), "slab%s 2 threads pairs/s, %s / ck_stack", cached, backends[k]);
			if (a)
				target(what, "threads=2", a, a->v, b, b ? b->v : NULL, 1.0, 0);
		}
	}
	for (k = 0; k < 3; k++) {
		a = find_row("ipc", "shmprim", backends[k], "cap=1024 batch=1 procs");
		b = find_row("ipc", "shmprim", backends[k], "cap=1024 batch=1 threads");
		snprintf(what, sizeof(what), "procs / threads tput (batch 1), %s", backends[k]);
		if (a)
			target(what, "procs/threads batch=1", a, a->v, b, b ? b->v : NULL, 0.9, 0);
		a = find_row("ipc", "shmprim", backends[k], "cap=1024 batch=32 procs");
		b = find_row("ipc", "shmprim", backends[k], "cap=1024 batch=32 threads");
		snprintf(what, sizeof(what), "procs / threads tput (batch 32), %s", backends[k]);
		if (a)
			target(what, "procs/threads batch=32", a, a->v, b, b ? b->v : NULL, 0.9, 0);
		a = find_row("ipc", "shmprim", backends[k], "rtt procs");
		b = find_row("ipc", "shmprim", backends[k], "rtt threads");
		snprintf(what, sizeof(what), "procs / threads round trip p50, %s", backends[k]);
		if (a)
			target(what, "procs/threads rtt", a, a->v, b, b ? b->v : NULL, 1.1, 1);
	}
	for (c = 0; c < 2; c++) {
		snprintf(param, sizeof(param), "%s batch=1", caps[c]);
		a = find_row("spsc-tput", "shmprim", "gcc", param);
		b = find_row("spsc-tput", "shmprim", "c11", param);
		snprintf(what, sizeof(what), "gcc / c11 single-item tput %s", caps[c]);
		if (a && b) {
			/* within 5% either way */
			stat3 sa = stats_of(a->v, a->n), sb = stats_of(b->v, b->n);

			target(what, param, a, a->v, b, b->v, sa.median >= sb.median ? 1.05 : 0.95,
			       sa.median >= sb.median);
		}
		a = find_row("spsc-tput", "shmprim", "urcu", param);
		snprintf(what, sizeof(what), "urcu / c11 single-item tput %s", caps[c]);
		if (a && b)
			target(what, param, a, a->v, b, b->v, 0, 0);
	}
	a = find_row("rtt", "shmprim", "urcu", "cap=1024");
	b = find_row("rtt", "shmprim", "c11", "cap=1024");
	if (a && b)
		target("urcu / c11 round trip p50", "rtt p50", a, a->v, b, b->v, 0, 0);
	printf("  %d of %d goals missed (goals are the issue's, not tests; see bench/README.md)\n", target_failures,
	       target_count);
}
