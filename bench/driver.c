/*
 * shmprim-bench: runs shmprim (every atomics backend, loaded from
 * shmprim-bench-<backend>.so beside this program, see shmprim_module.c), its
 * peers, the seed baseline and the two bounds through the same harnesses,
 * interleaved run after run, and prints a table (and JSON lines, and a plot).
 *
 * This file: the options and the order of the run. The parts, one idea each:
 *   impls.c   the implementations: modules, peers, and those absent
 *   cases.c   the rows of each workload, in table order
 *   runner.c  running a workload: warm-up, interleaved passes, one mode kept
 *   stats.c   median, min, max
 *   report.c  the tables and the JSON lines
 *   goals.c   the ratios and their verdicts
 *   goals_file.c  reading those ratios from bench/goals.txt
 */
#include "bench_common.h"
#include "cases.h"
#include "goals.h"
#include "impls.h"
#include "options.h"
#include "report.h"
#include "runner.h"

#ifndef BENCH_BACKENDS
#define BENCH_BACKENDS "c11 gcc urcu"
#endif
/* bench/goals.txt in the source tree (Meson passes its path) */
#ifndef BENCH_GOALS_FILE
#define BENCH_GOALS_FILE "bench/goals.txt"
#endif

bench_options opt;

/* ---- plot ---- */

static void series_label(const row *r, char *out, size_t len)
{
	if (strcmp(r->backend, "-") == 0)
		snprintf(out, len, "%s", r->impl);
	else
		snprintf(out, len, "%s (%s)", r->impl, r->backend);
}

/* One shmprim backend in the plot keeps it readable: c11 and gcc compile to
 * the same instructions, urcu differs only in scheduling on x86. */
static const char *plot_backend(void)
{
	int i;

	for (i = 0; i < nrows; i++)
		if (strcmp(rows[i].workload, "spsc-tput") == 0 && strcmp(rows[i].backend, "c11") == 0)
			return "c11";
	for (i = 0; i < nrows; i++)
		if (strcmp(rows[i].workload, "spsc-tput") == 0 && strcmp(rows[i].backend, "-") != 0)
			return rows[i].backend;
	return "-";
}

static int plot_wants(const row *r, const char *cap_prefix)
{
	return strcmp(r->workload, "spsc-tput") == 0 && strncmp(r->param, cap_prefix, strlen(cap_prefix)) == 0 &&
	       row_ok(r) && (strcmp(r->backend, "-") == 0 || strcmp(r->backend, plot_backend()) == 0);
}

static int write_plot(const char *svg)
{
	static const uint32_t caps[] = {1024, 65536};
	char script[4200], label[96], seen[MAX_IMPLS][96];
	int nseen = 0, i, j, c, panels = 0;
	FILE *f;

	snprintf(script, sizeof(script), "%s.gp", svg);
	f = fopen(script, "w");
	if (!f)
		return -1;
	for (c = 0; c < 2; c++) {
		char p[32];

		snprintf(p, sizeof(p), "cap=%u ", caps[c]);
		for (i = 0; i < nrows; i++)
			if (strcmp(rows[i].workload, "spsc-tput") == 0 && strncmp(rows[i].param, p, strlen(p)) == 0)
				break;
		if (i < nrows)
			panels++;
	}
	fprintf(f, "# written by shmprim-bench --plot; run: gnuplot %s\n", script);
	fprintf(f, "set terminal svg size %d,560 dynamic noenhanced font 'sans,11' background '#ffffff'\n",
	        panels > 1 ? 1200 : 700);
	fprintf(f, "set output '%s'\n", svg);
	fprintf(f, "set multiplot layout 1,%d title 'shmprim-bench: SPSC throughput, 8-byte entries, two threads "
	           "(median, bars: min-max of the runs; shmprim: backend %s, the others run the same machine code)'\n",
	        panels > 1 ? 2 : 1, plot_backend());
	fprintf(f, "set logscale x 2\nset xrange [0.7:400]\nset xtics (1, 8, 32, 64, 256)\n");
	fprintf(f, "set xlabel 'batch size (entries per call)'\nset ylabel 'Mitems/s'\nset yrange [0:*]\n");
	fprintf(f, "set key top left box opaque font ',9'\nset grid ytics\n");
	for (c = 0; c < 2; c++) {
		char p[32];
		int any = 0;

		snprintf(p, sizeof(p), "cap=%u ", caps[c]);
		for (i = 0; i < nrows; i++) {
			const row *r = &rows[i];

			if (!plot_wants(r, p))
				continue;
			series_label(r, label, sizeof(label));
			for (j = 0; j < nseen; j++)
				if (strcmp(seen[j], label) == 0)
					break;
			if (j == nseen && nseen < MAX_IMPLS)
				snprintf(seen[nseen++], sizeof(seen[0]), "%s", label);
		}
		for (j = 0; j < nseen; j++) {
			fprintf(f, "$c%d_s%d << EOD\n", c, j);
			for (i = 0; i < nrows; i++) {
				const row *r = &rows[i];
				unsigned batch = 0;
				stat3 st;

				if (!plot_wants(r, p))
					continue;
				series_label(r, label, sizeof(label));
				if (strcmp(label, seen[j]) != 0)
					continue;
				sscanf(strstr(r->param, "batch=") + 6, "%u", &batch);
				st = stats_of(r->v, r->n);
				fprintf(f, "%u %.3f %.3f %.3f\n", batch, st.median, st.min, st.max);
				any = 1;
			}
			fprintf(f, "EOD\n");
		}
		if (!any)
			continue;
		fprintf(f, "set title 'capacity %u'\nplot ", caps[c]);
		for (j = 0; j < nseen; j++)
			fprintf(f, "%s$c%d_s%d using 1:2:3:4 with yerrorlines lw 1.5 pt %d title '%s'", j ? ", \\\n  " : "",
			        c, j, 5 + j % 9, seen[j]);
		fprintf(f, "\n");
	}
	fprintf(f, "unset multiplot\n");
	fclose(f);
	{
		char cmd[4400];

		snprintf(cmd, sizeof(cmd), "gnuplot '%s'", script);
		if (system(cmd) != 0) {
			fprintf(stderr, "shmprim-bench: gnuplot failed or is missing; the script is in %s\n", script);
			return -1;
		}
	}
	return 0;
}

/* ---- main ---- */

static void usage(FILE *to)
{
	fprintf(to,
	        "usage: shmprim-bench [--quick] [--runs N] [--json FILE] [--plot FILE.svg]\n"
	        "                     [--cpus A,B] [--workloads LIST] [--backends LIST] [--scale F]\n"
	        "                     [--goals FILE]\n"
	        "  --quick         fewer rows and items (under 30 s); the default is the full set\n"
	        "  --runs N        measured passes per workload after one warm-up (default 5, at most %d);\n"
	        "                  passes in the VM's other speed mode are set aside and replaced\n"
	        "  --json FILE     also write one JSON object per result line to FILE\n"
	        "  --plot FILE.svg draw spsc-tput throughput per implementation and batch size (gnuplot)\n"
	        "  --cpus A,B      the two CPUs to pin the sides to (default 0,1)\n"
	        "  --workloads L   comma list of spsc-tput,rtt,ipc,slab,entry-size (default all)\n"
	        "  --backends L    comma list of the shmprim backends to measure (built here: %s;\n"
	        "                  default all): the others are listed as absent. Without it, a\n"
	        "                  backend whose module is missing or does not load is an error\n"
	        "  --scale F       multiply every item / round / pair count by F\n"
	        "  --goals FILE    the goals checked after the tables (default %s)\n"
	        "  --selftest-broken  add a deliberately wrong ring; it must be reported FAILED\n",
	        MAX_RUNS / 3, BENCH_BACKENDS, BENCH_GOALS_FILE);
}

int main(int argc, char **argv)
{
	int i, failed = 0;
	uint64_t t_start = bench_now_ns();
	const char *goals_file = BENCH_GOALS_FILE;

	opt.runs = 5;
	opt.cpu[0] = 0;
	opt.cpu[1] = 1;
	opt.scale = 1.0;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			opt.quick = 1;
		} else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			opt.runs = atoi(argv[++i]);
		} else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
			opt.json = argv[++i];
		} else if (strcmp(argv[i], "--plot") == 0 && i + 1 < argc) {
			opt.plot = argv[++i];
		} else if (strcmp(argv[i], "--cpus") == 0 && i + 1 < argc) {
			if (sscanf(argv[++i], "%d,%d", &opt.cpu[0], &opt.cpu[1]) != 2) {
				usage(stderr);
				return 2;
			}
		} else if (strcmp(argv[i], "--workloads") == 0 && i + 1 < argc) {
			opt.only = argv[++i];
		} else if (strcmp(argv[i], "--backends") == 0 && i + 1 < argc) {
			opt.backends = argv[++i];
			if (check_backends_option(opt.backends) != 0)
				return 2;
		} else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc) {
			opt.scale = atof(argv[++i]);
		} else if (strcmp(argv[i], "--goals") == 0 && i + 1 < argc) {
			goals_file = argv[++i];
		} else if (strcmp(argv[i], "--selftest-broken") == 0) {
			opt.selftest_broken = 1;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (opt.runs < 1 || opt.runs > MAX_RUNS / 3 || opt.scale <= 0) {
		usage(stderr);
		return 2;
	}
	/* before anything is measured: a malformed goals file costs no run */
	if (load_goals(goals_file) != 0)
		return 2;
	/* before anything is measured, and before the CPU check: a broken build
	 * is an error on any machine */
	if (load_modules() != 0)
		return 1;
	if (bench_pin(opt.cpu[0]) != 0 || bench_pin(opt.cpu[1]) != 0) {
		/* 77: "skipped" for meson test, so the smoke tests skip on a one-CPU box */
		fprintf(stderr, "shmprim-bench: cannot pin to cpu%d and cpu%d (two CPUs needed; see --cpus)\n", opt.cpu[0],
		        opt.cpu[1]);
		return 77;
	}
	{
		/* the driver itself may run anywhere; only the measured sides are pinned */
		cpu_set_t all;

		CPU_ZERO(&all);
		for (i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &all);
		sched_setaffinity(0, sizeof(all), &all);
	}
	if (opt.json) {
		json_out = fopen(opt.json, "w");
		if (!json_out) {
			fprintf(stderr, "shmprim-bench: cannot write %s: %s\n", opt.json, strerror(errno));
			return 2;
		}
	}
	opt.ticks_per_ns = calibrate_ticks();
	register_peers();
	if (opt.quick) {
		/* Keep --quick under 30 s in this VM's slow mode too: counts shrink in
		 * proportion to how slow the cross-core bounce is right now. */
		double b = bounce_now();

		if (b > 100) {
			opt.scale *= 100 / b;
			printf("quick mode: bounce %.0f ns, item counts scaled by %.2f\n", b, 100 / b);
		}
	}
	build_rows();
	print_machine();
	for (i = 0; i < nworkloads; i++)
		run_workload(&workloads[i]);
	print_targets();
	for (i = 0; i < nrows; i++)
		if (!row_ok(&rows[i])) {
			fprintf(stderr, "shmprim-bench: %s / %s %s / %s: %s\n", rows[i].workload, rows[i].impl,
			        rows[i].backend, rows[i].param,
			        rows[i].errors ? "received data did not verify" : "could not run");
			failed = 1;
		}
	print_absent();
	if (opt.plot && write_plot(opt.plot) == 0)
		printf("plot written to %s\n", opt.plot);
	if (json_out)
		fclose(json_out);
	printf("total time %.1f s\n", (double)(bench_now_ns() - t_start) / 1e9);
	return failed;
}
