/*
 * The goals (see goals.h): the ratios the goals file names, from this run's
 * medians, each with its verdict. A goal whose row is not in this run is left
 * out; one whose row against is missing is n/a or left out, as its line says.
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
	int i;

	printf("\n== targets: ratios of medians from this run (range: worst/best pairing of the runs) ==\n");
	for (i = 0; i < ngoals; i++) {
		const goal *g = &goals[i];
		const row *a = find_row(g->a.workload, g->a.impl, g->a.backend, g->a.param), *b;
		const double *bv = NULL;
		char what[sizeof(g->what)];
		double bound = 0;
		int at_most = 0;

		if (!a)
			continue;
		if (g->b.best_peer) {
			b = best_peer(g->b.workload, g->b.param, g->rel == REL_AT_MOST, &bv);
		} else {
			b = find_row(g->b.workload, g->b.impl, g->b.backend, g->b.param);
			bv = b ? b->v : NULL;
		}
		if (!b && g->skip_missing)
			continue;
		switch (g->rel) {
		case REL_AT_LEAST:
			bound = g->x;
			break;
		case REL_AT_MOST:
			bound = g->x;
			at_most = 1;
			break;
		case REL_WITHIN:
			/* at most 1 + T when above, at least 1 - T when below */
			if (b) {
				at_most = stats_of(a->v, a->n).median >= stats_of(b->v, b->n).median;
				bound = at_most ? 1 + g->x : 1 - g->x;
			}
			break;
		default:
			break;  /* documented: no bound */
		}
		memcpy(what, g->what, sizeof(what));   /* a copy: -Wformat-truncation sizes g->what as all of goals[] */
		target(what, g->param, a, a->v, b, bv, bound, at_most);
	}
	printf("  %d of %d goals missed (goals are the issue's, not tests; see bench/README.md)\n", target_failures,
	       target_count);
}
