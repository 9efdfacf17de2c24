/*
 * The runner (see runner.h).
 *
 * Method, per workload: the bare cache-line bounce is measured and printed
 * first (a VM's cross-core speed can change mode over minutes, see
 * bench/README.md; the bounce says which mode the rows below ran in); then
 * one warm-up pass over all rows, discarded; then `runs` passes, each running
 * every row once in table order, so drift hits all rows alike; a pass run in
 * the other mode is set aside and replaced. Reported: median, min and max
 * over the kept passes. Every run of every row, warm-up included, verifies
 * what it received; a row with any error is reported FAILED (report.c), left
 * out of the JSON, and the program exits 1.
 */
#include "runner.h"

#include "impls.h"
#include "options.h"
#include "report.h"

#include <sys/resource.h>

/* pass < 0: warm-up, checked but not recorded */
static void run_row(row *r, int pass)
{
	int rc = -1;
	uint64_t errors = 0;
	double v = 0, v99 = 0;

	switch (r->kind) {
	case K_TPUT: {
		tput_out o;

		memset(&o, 0, sizeof(o));
		rc = r->tput(&r->tcfg, &o);
		errors = o.errors;
		v = o.mitems_per_s;
		break;
	}
	case K_RTT: {
		rtt_out o;

		memset(&o, 0, sizeof(o));
		rc = r->rtt(&r->rcfg, &o);
		errors = o.errors;
		v = o.p50_ns;
		v99 = o.p99_ns;
		break;
	}
	default: {
		slab_out o;

		memset(&o, 0, sizeof(o));
		rc = r->slab(&r->scfg, &o);
		errors = o.errors;
		v = r->scfg.threads == 1 ? o.ns_per_pair : o.mpairs_per_s;
		break;
	}
	}
	if (rc != 0) {
		r->setup_failures++;
		return;
	}
	r->errors += errors;
	if (pass >= 0 && pass < MAX_RUNS) {
		r->v[pass] = v;
		r->v99[pass] = v99;
		r->have[pass] = 1;
	}
}

double bounce_now(void)
{
	const ring_impl *bounce = NULL;
	rtt_cfg cfg;
	rtt_out o;
	double v[3];
	int i, n = 0;

	for (i = 0; i < nrings; i++)
		if (strcmp(rings[i]->impl, "bounce floor") == 0)
			bounce = rings[i];
	memset(&cfg, 0, sizeof(cfg));
	cfg.rounds = 20000;
	cfg.cpu[0] = opt.cpu[0];
	cfg.cpu[1] = opt.cpu[1];
	cfg.ticks_per_ns = opt.ticks_per_ns;
	for (i = 0; i < 3; i++)
		if (bounce->rtt(&cfg, &o) == 0)
			v[n++] = o.p50_ns;
	return n ? stats_of(v, n).median : -1;
}

/* Busy CPU time of the whole machine (from /proc/stat) and of this process
 * with its reaped children, in seconds: their difference over a workload is
 * what other processes took from the measured CPUs. */
static double machine_busy_s(void)
{
	unsigned long long v[10] = {0};
	FILE *f = fopen("/proc/stat", "r");
	double busy = -1;

	if (f && fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
	                &v[6], &v[7]) == 8)
		busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
	if (f)
		fclose(f);
	return busy;
}

static double own_busy_s(void)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) +
	       (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) /
	               1e6;
}

/* The passes whose bounce is within 1.5x of the median pass's: those run in
 * the majority's speed mode, since the modes seen lie much further apart than
 * that (bench/README.md, Method, has the figures). Returns how many. */
static int keep_majority_mode(workload *w, unsigned char *keep)
{
	double sorted[MAX_RUNS], kept[MAX_RUNS], med;
	int p, n = 0;

	memcpy(sorted, w->pass_bounce, sizeof(double) * (size_t)w->npass);
	med = stats_of(sorted, w->npass).median;
	for (p = 0; p < w->npass; p++) {
		keep[p] = w->pass_bounce[p] <= med * 1.5 && w->pass_bounce[p] >= med / 1.5;
		if (keep[p])
			kept[n++] = w->pass_bounce[p];
	}
	w->mode_bounce = n ? stats_of(kept, n).median : med;
	return n;
}

void run_workload(workload *w)
{
	double m0 = machine_busy_s(), o0 = own_busy_s();
	uint64_t t0 = bench_now_ns();
	unsigned char keep[MAX_RUNS];
	int max_passes = 3 * opt.runs < MAX_RUNS ? 3 * opt.runs : MAX_RUNS;
	int run, i;
	char param[64];

	w->bounce[0] = bounce_now();
	snprintf(param, sizeof(param), "before %s", w->name);
	json_line("bounce-check", "bounce floor", "-", param, w->bounce[0], w->bounce[0], w->bounce[0], "ns");
	/* Passes, each over every row; a pass measured in the other mode of the
	 * VM is set aside, and more passes run (up to 3x) until `runs` agree. */
	fprintf(stderr, "\r%s: warm-up   ", w->name);
	for (i = w->first; i < w->first + w->count; i++)
		run_row(&rows[i], -1);
	for (run = 0; run < max_passes; run++) {
		fprintf(stderr, "\r%s: pass %d (of %d to %d)   ", w->name, run + 1, opt.runs, max_passes);
		w->pass_bounce[run] = bounce_now();
		for (i = w->first; i < w->first + w->count; i++)
			run_row(&rows[i], run);
		w->npass = run + 1;
		if (w->npass >= opt.runs && keep_majority_mode(w, keep) >= opt.runs)
			break;
	}
	w->nkept = keep_majority_mode(w, keep);
	/* The mode the kept passes ran in, which the bounce before the workload
	 * can miss when the VM flips during it: bench/split-modes classes by this. */
	snprintf(param, sizeof(param), "kept %s", w->name);
	json_line("bounce-check", "bounce floor", "-", param, w->mode_bounce, w->mode_bounce, w->mode_bounce, "ns");
	for (i = w->first; i < w->first + w->count; i++) {
		row *r = &rows[i];
		int p, n = 0;

		for (p = 0; p < w->npass; p++)
			if (keep[p] && r->have[p]) {
				r->v[n] = r->v[p];
				r->v99[n] = r->v99[p];
				n++;
			}
		r->n = n;
	}
	fprintf(stderr, "\r%*s\r", 40, "");
	{
		double wall = (double)(bench_now_ns() - t0) / 1e9;
		double others = machine_busy_s() - m0 - (own_busy_s() - o0);
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

		w->others_pct = m0 < 0 || wall <= 0 ? -1 : 100 * (others < 0 ? 0 : others) / (wall * (double)ncpu);
	}
	print_workload(w);
}

double calibrate_ticks(void)
{
	uint64_t t0 = bench_now_ns(), k0 = bench_ticks(), t1, k1;

	do
		t1 = bench_now_ns();
	while (t1 - t0 < 50000000u);
	k1 = bench_ticks();
	return (double)(k1 - k0) / (double)(t1 - t0);
}
