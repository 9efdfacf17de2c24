/*
 * shmprim-bench: runs shmprim (every atomics backend, loaded from
 * shmprim-bench-<backend>.so beside this program, see shmprim_module.c), its
 * peers, the seed baseline and the two bounds through the same harnesses,
 * interleaved run after run, and prints a table (and JSON lines, and a plot
 * drawn by bench/plot-json).
 *
 * This file: the options and the order of the run. The parts, one idea each:
 *   impls.c   the implementations: modules, peers, and those absent
 *   cases.c   the rows of each workload, in table order
 *   runner.c  running a workload: warm-up, interleaved passes, one mode kept
 *   stats.c   median, min, max
 *   report.c  the tables and the JSON lines
 *   goals.c   the ratios and their verdicts
 *   goals_file.c   reading those ratios from bench/goals.txt
 * and bench/plot-json draws the plot (--plot runs it).
 */
#include "bench_common.h"
#include "cases.h"
#include "goals.h"
#include "impls.h"
#include "options.h"
#include "report.h"
#include "runner.h"

#include <sys/wait.h>

#ifndef BENCH_BACKENDS
#define BENCH_BACKENDS "c11 gcc urcu"
#endif
/* bench/plot-json and bench/goals.txt in the source tree (Meson passes their paths) */
#ifndef BENCH_PLOT_JSON
#define BENCH_PLOT_JSON "bench/plot-json"
#endif
#ifndef BENCH_GOALS_FILE
#define BENCH_GOALS_FILE "bench/goals.txt"
#endif

bench_options opt;

/* --plot: bench/plot-json, the one plotter, draws the run's JSON lines. If
 * it cannot (python3 or gnuplot missing) it says why; the exit status stays
 * the rows'. */
static int plot(const char *json, const char *svg)
{
	pid_t pid;
	int status;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		execl(BENCH_PLOT_JSON, BENCH_PLOT_JSON, json, svg, (char *)NULL);
		fprintf(stderr, "shmprim-bench: no plot: cannot run %s: %s\n", BENCH_PLOT_JSON, strerror(errno));
		_exit(127);
	}
	if (pid < 0) {
		fprintf(stderr, "shmprim-bench: no plot: cannot start %s: %s\n", BENCH_PLOT_JSON, strerror(errno));
		return -1;
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return 0;
}

/* ---- main ---- */

static void usage(FILE *to)
{
	fprintf(to,
	        "usage: shmprim-bench [--quick] [--runs N] [--json FILE] [--plot FILE.svg]\n"
	        "                     [--cpus A,B] [--workloads LIST] [--backends LIST] [--scale F]\n"
	        "                     [--goals FILE] [--module PATH]...\n"
	        "  --quick         fewer rows and items (under 30 s); the default is the full set\n"
	        "  --runs N        measured passes per workload after one warm-up (default 5, at most %d);\n"
	        "                  passes in the VM's other speed mode are set aside and replaced\n"
	        "  --json FILE     also write one JSON object per result line to FILE\n"
	        "  --plot FILE.svg draw spsc-tput throughput per implementation and batch size\n"
	        "                  (runs bench/plot-json on the JSON lines: python3, gnuplot)\n"
	        "  --cpus A,B      the two CPUs to pin the sides to (default 0,1)\n"
	        "  --workloads L   comma list of spsc-tput,rtt,ipc,slab,entry-size (default all)\n"
	        "  --backends L    comma list of the shmprim backends to measure (built here: %s;\n"
	        "                  default all): the others are listed as absent. Without it, a\n"
	        "                  backend whose module is missing or does not load is an error\n"
	        "  --scale F       multiply every item / round / pair count by F\n"
	        "  --goals FILE    the goals checked after the tables (default %s)\n"
	        "  --module PATH   also load this shmprim module (up to %d times), e.g. one built\n"
	        "                  against the installed library by bench/installed-module; its\n"
	        "                  rows sit beside the backends' (a missing or broken one is an error)\n"
	        "  --selftest-broken  add a deliberately wrong ring; it must be reported FAILED\n",
	        MAX_RUNS / 3, BENCH_BACKENDS, BENCH_GOALS_FILE, MAX_EXTRA_MODULES);
}

int main(int argc, char **argv)
{
	int i, failed = 0;
	uint64_t t_start = bench_now_ns();
	const char *goals_file = BENCH_GOALS_FILE;
	static char json_tmp[4096];

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
		} else if (strcmp(argv[i], "--module") == 0 && i + 1 < argc) {
			if (opt.nmodules == MAX_EXTRA_MODULES) {
				fprintf(stderr, "shmprim-bench: --module: at most %d extra modules\n", MAX_EXTRA_MODULES);
				return 2;
			}
			opt.modules[opt.nmodules++] = argv[++i];
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
	} else if (opt.plot) {
		/* the plotter reads JSON lines: without --json, a file of our own */
		const char *tmp = getenv("TMPDIR");
		int fd;

		snprintf(json_tmp, sizeof(json_tmp), "%s/shmprim-bench-XXXXXX.json", tmp && *tmp ? tmp : "/tmp");
		fd = mkstemps(json_tmp, 5);
		if (fd < 0 || !(json_out = fdopen(fd, "w"))) {
			fprintf(stderr, "shmprim-bench: cannot write %s for --plot: %s\n", json_tmp, strerror(errno));
			return 2;
		}
		opt.json = json_tmp;
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
	if (json_out)
		fclose(json_out);
	if (opt.plot && plot(opt.json, opt.plot) == 0)
		printf("plot written to %s\n", opt.plot);
	if (json_tmp[0])
		unlink(json_tmp);
	printf("total time %.1f s\n", (double)(bench_now_ns() - t_start) / 1e9);
	return failed;
}
