/*
 * shmprim-bench: runs shmprim (every atomics backend, loaded from
 * shmprim-bench-<backend>.so beside this program, see shmprim_module.c), its
 * peers, the seed baseline and the two bounds through the same harnesses,
 * interleaved run after run, and prints a table (and JSON lines, and a plot).
 *
 * Method, per workload: the bare cache-line bounce is measured and printed
 * first (this VM's cross-core speed changes mode over minutes; the bounce says
 * which mode the rows below ran in); then one warm-up pass over all rows,
 * discarded; then `runs` passes, each running every row once in table order,
 * so drift hits all rows alike. Reported: median, min and max over the passes.
 * Every run of every row, warm-up included, verifies what it received; a row
 * with any error is reported FAILED, left out of the JSON, and the program
 * exits 1.
 *
 * The run exists for shmprim's rows: a backend module that is missing or does
 * not load is an error (exit 1) unless --backends leaves that backend out on
 * purpose. Every implementation expected but absent (a backend left out or
 * refused by the configuration, a peer whose package was not found) is listed
 * at the end, and in the JSON, with why.
 */
#include "bench_common.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#ifndef BENCH_BACKENDS
#define BENCH_BACKENDS "c11 gcc urcu"
#endif
#ifndef BENCH_REFUSED_BACKENDS
#define BENCH_REFUSED_BACKENDS ""
#endif

void bench_register_bounds(bench_add_ring_fn add_ring, bench_add_slab_fn add_slab);
void bench_register_broken(bench_add_ring_fn add_ring);
#ifdef BENCH_HAVE_CK
void bench_register_ck(bench_add_ring_fn add_ring, bench_add_slab_fn add_slab);
#endif
#ifdef BENCH_HAVE_RTE
void bench_register_rte(bench_add_ring_fn add_ring, bench_add_slab_fn add_slab);
#endif
#ifdef BENCH_HAVE_URCU
void bench_register_urcu(bench_add_ring_fn add_ring, bench_add_slab_fn add_slab);
#endif
#ifdef BENCH_HAVE_CPP
void bench_register_cpp(bench_add_ring_fn add_ring, bench_add_slab_fn add_slab);
#endif

static struct {
	int quick;
	int runs;
	int cpu[2];
	const char *json;
	const char *plot;
	const char *only;
	const char *backends;
	int selftest_broken;
	double ticks_per_ns;
	double scale;
} opt;

/* ---- registry of implementations ---- */

#define MAX_IMPLS 64
static const ring_impl *rings[MAX_IMPLS];
static int nrings;
static const slab_impl *slabs[MAX_IMPLS];
static int nslabs;

static void add_ring(const ring_impl *r)
{
	if (nrings < MAX_IMPLS)
		rings[nrings++] = r;
}

static void add_slab(const slab_impl *s)
{
	if (nslabs < MAX_IMPLS)
		slabs[nslabs++] = s;
}

/* ---- implementations expected but absent, and why (summary and JSON) ---- */

#define MAX_ABSENT 16
static struct {
	const char *impl;
	char backend[16];
	char why[256];
} absent[MAX_ABSENT];
static int nabsent;

static void note_absent(const char *impl, const char *backend, const char *why)
{
	if (nabsent == MAX_ABSENT)
		return;
	absent[nabsent].impl = impl;
	snprintf(absent[nabsent].backend, sizeof(absent[0].backend), "%s", backend);
	snprintf(absent[nabsent].why, sizeof(absent[0].why), "%s", why);
	nabsent++;
}

/* A peer is compiled in only if its package was found when the build was
 * configured, and Meson keeps that answer across --reconfigure. */
static void note_peer_absent(const char *impl, const char *needs)
{
	char why[256];

	snprintf(why, sizeof(why),
	         "not built: %s not found when this build was configured "
	         "(installed since? meson setup --wipe BUILDDIR)",
	         needs);
	note_absent(impl, "-", why);
}

/* Whether name is one of the sep-separated words of list. */
static int in_list(const char *name, const char *list, char sep)
{
	const char *p;
	size_t len = strlen(name);

	if (len == 0)
		return 0;       /* strstr would find "" forever */
	for (p = list; (p = strstr(p, name)) != NULL; p += len)
		if ((p == list || p[-1] == sep) && (p[len] == sep || p[len] == '\0'))
			return 1;
	return 0;
}

/* --backends must name backends built here; 0 if it does, else says why. */
static int check_backends_option(const char *list)
{
	char copy[256], *b, *save = NULL;
	int n = 0;

	snprintf(copy, sizeof(copy), "%s", list);
	for (b = strtok_r(copy, ",", &save); b; b = strtok_r(NULL, ",", &save), n++) {
		if (in_list(b, BENCH_BACKENDS, ' '))
			continue;
		if (in_list(b, BENCH_REFUSED_BACKENDS, ' '))
			fprintf(stderr, "shmprim-bench: --backends: %s was refused when this build was configured "
			                "(built here: %s)\n", b, BENCH_BACKENDS);
		else
			fprintf(stderr, "shmprim-bench: --backends: unknown backend '%s' (built here: %s)\n", b,
			        BENCH_BACKENDS);
		return -1;
	}
	if (n == 0 || list[0] == ',' || list[strlen(list) - 1] == ',' || strstr(list, ",,")) {
		fprintf(stderr, "shmprim-bench: --backends needs a comma list of backends (built here: %s)\n",
		        BENCH_BACKENDS);
		return -1;
	}
	return 0;
}

/* Modules lie beside the executable (or in $SHMPRIM_BENCH_MODULE_DIR). */
static void module_dir(char *dir, size_t len)
{
	const char *env = getenv("SHMPRIM_BENCH_MODULE_DIR");
	char *slash;
	ssize_t n;

	if (env) {
		snprintf(dir, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", dir, len - 1);
	dir[n < 0 ? 0 : n] = '\0';
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, len, ".");
}

/* dlerror()'s text without the leading "PATH: ", which the caller prints already */
static const char *dl_reason(const char *path, const char *fallback)
{
	const char *err = dlerror();
	size_t len = strlen(path);

	if (!err)
		return fallback;
	if (strncmp(err, path, len) == 0 && strncmp(err + len, ": ", 2) == 0)
		return err + len + 2;
	return err;
}

/* The module's table, or NULL with the reason in why. */
static const bench_module *open_module(const char *path, char *why, size_t len)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	const bench_module *mod;

	if (!h) {
		snprintf(why, len, "%s", dl_reason(path, "dlopen failed"));
		return NULL;
	}
	mod = (const bench_module *)dlsym(h, BENCH_MODULE_SYMBOL);
	if (!mod)
		snprintf(why, len, "%s", dl_reason(path, "no " BENCH_MODULE_SYMBOL " in it"));
	else if (mod->abi != BENCH_MODULE_ABI)
		snprintf(why, len, "module ABI %d, the driver's is %d: rebuild both", mod->abi, BENCH_MODULE_ABI);
	else
		return mod;
	dlclose(h);
	return NULL;
}

/* Loads every expected backend's module. A module that is missing or does
 * not load is an error (-1), never a quietly smaller table; leaving a
 * backend out is a choice made with --backends. */
static int load_modules(void)
{
	char dir[4096], path[4200], list[256], loaded[64] = "";
	const bench_module *mods[8];
	int nmods = 0, failures = 0, i, m;
	char *b, *save = NULL;

	module_dir(dir, sizeof(dir));
	snprintf(list, sizeof(list), "%s", BENCH_BACKENDS);
	for (b = strtok_r(list, " ", &save); b && nmods < 8; b = strtok_r(NULL, " ", &save)) {
		const bench_module *mod;
		char why[512];

		if (opt.backends && !in_list(b, opt.backends, ',')) {
			note_absent("shmprim", b, "left out by --backends");
			continue;
		}
		snprintf(path, sizeof(path), "%s/shmprim-bench-%s.so", dir, b);
		mod = open_module(path, why, sizeof(why));
		if (!mod) {
			fprintf(stderr, "shmprim-bench: no usable module for backend %s: %s (%s)\n", b, path, why);
			failures++;
			continue;
		}
		mods[nmods++] = mod;
		snprintf(loaded + strlen(loaded), sizeof(loaded) - strlen(loaded), "%s%s", loaded[0] ? "," : "", b);
	}
	if (failures) {
		if (loaded[0])
			fprintf(stderr,
			        "shmprim-bench: build the modules (ninja -C BUILDDIR bench/shmprim-bench builds them), "
			        "or leave their backends out on purpose: --backends %s\n",
			        loaded);
		else
			fprintf(stderr, "shmprim-bench: no shmprim module loaded; build them: ninja -C BUILDDIR "
			                "bench/shmprim-bench\n");
		return -1;
	}
	snprintf(list, sizeof(list), "%s", BENCH_REFUSED_BACKENDS);
	save = NULL;
	for (b = strtok_r(list, " ", &save); b; b = strtok_r(NULL, " ", &save))
		note_absent("shmprim", b, "backend refused when this build was configured (meson setup said why)");
	/* table order: each shmprim variant with its backends side by side */
	for (i = 0; i < 8; i++)
		for (m = 0; m < nmods; m++)
			if (i < mods[m]->nrings)
				add_ring(&mods[m]->rings[i]);
	for (i = 0; i < 8; i++)
		for (m = 0; m < nmods; m++)
			if (i < mods[m]->nslabs)
				add_slab(&mods[m]->slabs[i]);
	return 0;
}

#ifdef BENCH_HAVE_CK
#define BUILT_CK 1
#else
#define BUILT_CK 0
#endif
#ifdef BENCH_HAVE_RTE
#define BUILT_RTE 1
#else
#define BUILT_RTE 0
#endif
#ifdef BENCH_HAVE_CPP
#define BUILT_CPP 1
#else
#define BUILT_CPP 0
#endif
#ifdef BENCH_HAVE_URCU
#define BUILT_URCU 1
#else
#define BUILT_URCU 0
#endif

/* Every peer this benchmark knows, built here or not. */
static const struct {
	const char *impl;
	const char *needs;
	int built;
} known_peers[] = {
	{"ck_ring", "libck-dev", BUILT_CK},
	{"ck_stack", "libck-dev", BUILT_CK},
	{"rte_ring", "libdpdk-dev", BUILT_RTE},
	{"boost spsc_queue", "a C++ compiler, libboost-dev or libreaderwriterqueue-dev", BUILT_CPP},
	{"moodycamel RWQ", "a C++ compiler, libboost-dev or libreaderwriterqueue-dev", BUILT_CPP},
	{"urcu cds_lfs", "liburcu-dev", BUILT_URCU},
};

static void register_peers(void)
{
	size_t i;

#ifdef BENCH_HAVE_CK
	bench_register_ck(add_ring, add_slab);
#endif
#ifdef BENCH_HAVE_RTE
	bench_register_rte(add_ring, add_slab);
#endif
#ifdef BENCH_HAVE_CPP
	bench_register_cpp(add_ring, add_slab);
#endif
#ifdef BENCH_HAVE_URCU
	bench_register_urcu(add_ring, add_slab);
#endif
	for (i = 0; i < sizeof(known_peers) / sizeof(known_peers[0]); i++)
		if (!known_peers[i].built)
			note_peer_absent(known_peers[i].impl, known_peers[i].needs);
	bench_register_bounds(add_ring, add_slab);
	if (opt.selftest_broken)
		bench_register_broken(add_ring);
}

/* ---- rows ---- */

enum { K_TPUT, K_RTT, K_SLAB };
#define MAX_ROWS 1024
#define MAX_RUNS 64

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

static row rows[MAX_ROWS];
static int nrows;
static workload workloads[8];
static int nworkloads;


static uint64_t scaled(uint64_t full, uint64_t quick)
{
	double v = (double)(opt.quick ? quick : full) * opt.scale;

	return v < 1000 ? 1000 : (uint64_t)v;
}

static row *new_row(const char *wl, const char *impl, const char *backend, const char *unit, int kind,
                    const char *fmt, ...)
{
	row *r;
	va_list ap;

	if (nrows == MAX_ROWS) {
		fprintf(stderr, "shmprim-bench: too many rows\n");
		exit(2);
	}
	r = &rows[nrows++];
	memset(r, 0, sizeof(*r));
	r->workload = wl;
	r->impl = impl;
	r->backend = backend;
	r->unit = unit;
	r->kind = kind;
	va_start(ap, fmt);
	vsnprintf(r->param, sizeof(r->param), fmt, ap);
	va_end(ap);
	return r;
}

static void tput_row(const char *wl, const ring_impl *ri, int size_index, uint32_t cap, uint32_t batch, int procs,
                     uint64_t items, const char *param)
{
	row *r = new_row(wl, ri->impl, ri->backend, "Mitems/s", K_TPUT, "%s", param);

	r->tput = ri->tput[size_index];
	r->tcfg.capacity = cap;
	r->tcfg.batch = batch;
	r->tcfg.items = items;
	r->tcfg.procs = procs;
	r->tcfg.cpu[0] = opt.cpu[0];
	r->tcfg.cpu[1] = opt.cpu[1];
}

static void rtt_row(const char *wl, const ring_impl *ri, uint32_t cap, int procs, uint64_t rounds, const char *param)
{
	row *r = new_row(wl, ri->impl, ri->backend, "ns", K_RTT, "%s", param);

	r->rtt = ri->rtt;
	r->rcfg.capacity = cap;
	r->rcfg.rounds = rounds;
	r->rcfg.procs = procs;
	r->rcfg.cpu[0] = opt.cpu[0];
	r->rcfg.cpu[1] = opt.cpu[1];
	r->rcfg.ticks_per_ns = opt.ticks_per_ns;
}

/* peers: not shmprim, not the baseline or a bound */
static int is_peer(const ring_impl *ri)
{
	return strcmp(ri->backend, "-") == 0 && strcmp(ri->impl, "seed baseline") != 0 &&
	       strcmp(ri->impl, "stream ceiling") != 0 && strncmp(ri->impl, "bounce", 6) != 0;
}

static int is_ceiling(const ring_impl *ri)
{
	return strcmp(ri->impl, "stream ceiling") == 0;
}

static int wants(const char *name)
{
	return !opt.only || in_list(name, opt.only, ',');
}

static workload *begin_workload(const char *name, const char *title)
{
	workload *w = &workloads[nworkloads++];

	w->name = name;
	w->title = title;
	w->first = nrows;
	return w;
}

static void build_rows(void)
{
	static const uint32_t caps_full[] = {1024, 65536}, batches_full[] = {1, 8, 32, 256};
	static const uint32_t caps_quick[] = {1024}, batches_quick[] = {1, 32};
	const uint32_t *caps = opt.quick ? caps_quick : caps_full;
	const uint32_t *batches = opt.quick ? batches_quick : batches_full;
	int ncaps = opt.quick ? 1 : 2, nbatches = opt.quick ? 2 : 4;
	char param[64];
	workload *w;
	int c, b, i, s, procs, t;

	if (wants("spsc-tput")) {
		w = begin_workload("spsc-tput", "(1) SPSC throughput, 8-byte entries, two threads");
		for (c = 0; c < ncaps; c++)
			for (b = 0; b < nbatches; b++)
				for (i = 0; i < nrings; i++) {
					const ring_impl *ri = rings[i];
					uint32_t batch = batches[b];

					if (!ri->tput[0])
						continue;
					if (is_ceiling(ri)) {
						if (b != nbatches - 1)
							continue;
						snprintf(param, sizeof(param), "cap=%u batch=64", caps[c]);
					} else {
						if (batch == 1 ? !(ri->flags & RI_SINGLE) : !(ri->flags & RI_BATCH))
							continue;
						snprintf(param, sizeof(param), "cap=%u batch=%u", caps[c], batch);
					}
					tput_row(w->name, ri, 0, caps[c], batch, 0,
					         batch == 1 ? scaled(1000000, 200000) : scaled(4000000, 800000), param);
				}
		w->count = nrows - w->first;
	}
	if (wants("rtt")) {
		w = begin_workload("rtt", "(2) round trip, two rings ping-ponging one 8-byte entry, two threads");
		for (i = 0; i < nrings; i++)
			if (rings[i]->rtt)
				rtt_row(w->name, rings[i], 1024, 0, scaled(100000, 10000), "cap=1024");
		w->count = nrows - w->first;
	}
	if (wants("ipc")) {
		w = begin_workload("ipc", "(3) throughput and round trip over one memfd: two threads vs two processes");
		for (b = 0; b < 2; b++)
			for (i = 0; i < nrings; i++)
				for (procs = 0; procs < 2; procs++) {
					const ring_impl *ri = rings[i];
					uint32_t batch = b ? 32 : 1;

					if (!ri->tput[0] || !(ri->flags & RI_PROCS))
						continue;
					if (is_ceiling(ri)) {
						if (!b)
							continue;
						batch = 64;
					} else if (batch == 1 ? !(ri->flags & RI_SINGLE) : !(ri->flags & RI_BATCH)) {
						continue;
					}
					if (strcmp(ri->impl, "shmprim-typed") == 0)
						continue;       /* same ring as shmprim's bursts */
					if (opt.quick && (is_peer(ri) || strcmp(ri->impl, "shmprim-zc") == 0))
						continue;
					snprintf(param, sizeof(param), "cap=1024 batch=%u %s", batch, procs ? "procs" : "threads");
					tput_row(w->name, ri, 0, 1024, batch, procs,
					         batch == 1 ? scaled(1000000, 200000) : scaled(4000000, 800000), param);
				}
		for (i = 0; i < nrings; i++)
			for (procs = 0; procs < 2; procs++)
				if (rings[i]->rtt && (rings[i]->flags & RI_PROCS) && !(opt.quick && is_peer(rings[i])))
					rtt_row(w->name, rings[i], 1024, procs, scaled(100000, 10000),
					        procs ? "rtt procs" : "rtt threads");
		w->count = nrows - w->first;
	}
	if (wants("slab")) {
		w = begin_workload("slab", "(4) slot allocator: alloc+free pairs, 1024 slots of 64 bytes");
		for (t = 1; t <= 2; t++)
			for (i = 0; i < nslabs; i++) {
				row *r = new_row(w->name, slabs[i]->impl, slabs[i]->backend, t == 1 ? "ns/pair" : "Mpairs/s",
				                 K_SLAB, "threads=%d", t);

				r->slab = slabs[i]->run;
				r->scfg.slots = 1024;
				r->scfg.pairs = t == 1 ? scaled(2000000, 200000) : scaled(1000000, 100000);
				r->scfg.threads = t;
				r->scfg.cpu[0] = opt.cpu[0];
				r->scfg.cpu[1] = opt.cpu[1];
			}
		w->count = nrows - w->first;
	}
	if (wants("entry-size")) {
		w = begin_workload("entry-size", "(5) SPSC throughput by entry size, cap=1024, two threads");
		for (s = 0; s < BENCH_SIZES; s++)
			for (b = 0; b < 2; b++)
				for (i = 0; i < nrings; i++) {
					const ring_impl *ri = rings[i];
					uint32_t batch = b ? 32 : 1;

					if (!ri->tput[s] || is_ceiling(ri))
						continue;
					if (batch == 1 ? !(ri->flags & RI_SINGLE) : !(ri->flags & RI_BATCH))
						continue;
					if (strcmp(ri->impl, "shmprim-typed") == 0)
						continue;
					snprintf(param, sizeof(param), "size=%u batch=%u", bench_sizes[s], batch);
					if (opt.quick && s == 0)
						continue;       /* spsc-tput has the 8-byte rows */
					tput_row(w->name, ri, s, 1024, batch, 0,
					         (batch == 1 ? scaled(1000000, 100000) : scaled(3000000, 300000)) /
					                 (bench_sizes[s] / 8 > 4 ? 4 : bench_sizes[s] / 8),
					         param);
				}
		w->count = nrows - w->first;
	}
}

/* ---- running ---- */

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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

typedef struct stat3 {
	double median, min, max;
	int ok;
} stat3;

static stat3 stats_of(const double *v, int n)
{
	double s[MAX_RUNS];
	stat3 st;

	memset(&st, 0, sizeof(st));
	if (n <= 0)
		return st;
	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	st.min = s[0];
	st.max = s[n - 1];
	st.median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	st.ok = 1;
	return st;
}

static int row_ok(const row *r)
{
	return r->n > 0 && r->errors == 0 && r->setup_failures == 0;
}

static double bounce_now(void)
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

static FILE *json_out;

static void json_line(const char *wl, const char *impl, const char *backend, const char *param, double med,
                      double min, double max, const char *unit)
{
	if (!json_out)
		return;
	fprintf(json_out,
	        "{\"workload\": \"%s\", \"impl\": \"%s\", \"backend\": \"%s\", \"param\": \"%s\", "
	        "\"median\": %.4g, \"min\": %.4g, \"max\": %.4g, \"unit\": \"%s\"}\n",
	        wl, impl, backend, param, med, min, max, unit);
}

static void print_row_line(const row *r, const char *suffix, const double *v)
{
	stat3 st = stats_of(v, r->n);
	char param[96];

	snprintf(param, sizeof(param), "%s%s", r->param, suffix);
	if (!row_ok(r)) {
		printf("%-19s %-7s %-25s %10s  (%llu errors, %d failed runs)\n", r->impl, r->backend, param,
		       r->errors ? "FAILED" : "NO DATA", (unsigned long long)r->errors, r->setup_failures);
		return;
	}
	printf("%-19s %-7s %-25s %10.1f %10.1f %10.1f  %s\n", r->impl, r->backend, param, st.median, st.min, st.max,
	       r->unit);
	json_line(r->workload, r->impl, r->backend, param, st.median, st.min, st.max, r->unit);
}

static void print_workload(const workload *w)
{
	int i;

	printf("\n== %s: %s ==\n", w->name, w->title);
	printf("bare cache-line bounce before it: %.0f ns round trip (cpu%d <-> cpu%d); other processes used %.1f%% "
	       "of the CPUs meanwhile%s\n",
	       w->bounce[0], opt.cpu[0], opt.cpu[1], w->others_pct,
	       w->others_pct > 5 ? " (figures disturbed: compare ratios only)" : "");
	printf("passes: %d; kept %d, all in one mode (bounce ~%.0f ns before each)", w->npass, w->nkept, w->mode_bounce);
	if (w->npass > w->nkept)
		printf("; %d in another mode dropped", w->npass - w->nkept);
	printf("\n");
	printf("%-19s %-7s %-25s %10s %10s %10s  %s\n", "impl", "backend", "param", "median", "min", "max", "unit");
	for (i = w->first; i < w->first + w->count; i++) {
		const row *r = &rows[i];

		if (r->kind == K_RTT) {
			print_row_line(r, " p50", r->v);
			print_row_line(r, " p99", r->v99);
		} else {
			print_row_line(r, "", r->v);
		}
	}
	fflush(stdout);
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

/* The passes whose bounce is within 1.5x of the median pass's: one mode of
 * this VM (its modes are 3-4x apart). Returns how many. */
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

static void run_workload(workload *w)
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

/* ---- targets (the ratios, from this run's medians) ---- */

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

static void print_targets(void)
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

/* ---- what was expected but is absent ---- */

static void json_string(FILE *f, const char *str)
{
	fputc('"', f);
	for (; *str; str++) {
		if (*str == '"' || *str == '\\')
			fprintf(f, "\\%c", *str);
		else if ((unsigned char)*str < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*str);
		else
			fputc(*str, f);
	}
	fputc('"', f);
}

/* Printed on every run, "none" included, so a reader (or a script) never has
 * to infer an absent implementation from a row that is not there. */
static void print_absent(void)
{
	int i;

	printf("\n== absent: implementations expected but not in this run ==\n");
	if (nabsent == 0)
		printf("  none\n");
	for (i = 0; i < nabsent; i++) {
		printf("  %-19s %-7s %s\n", absent[i].impl, absent[i].backend, absent[i].why);
		if (!json_out)
			continue;
		fprintf(json_out, "{\"workload\": \"absent\", \"impl\": ");
		json_string(json_out, absent[i].impl);
		fprintf(json_out, ", \"backend\": ");
		json_string(json_out, absent[i].backend);
		fprintf(json_out, ", \"param\": \"\", \"reason\": ");
		json_string(json_out, absent[i].why);
		fprintf(json_out, "}\n");
	}
}

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

static double calibrate_ticks(void)
{
	uint64_t t0 = bench_now_ns(), k0 = bench_ticks(), t1, k1;

	do
		t1 = bench_now_ns();
	while (t1 - t0 < 50000000u);
	k1 = bench_ticks();
	return (double)(k1 - k0) / (double)(t1 - t0);
}

static void print_machine(void)
{
	char line[256], model[256] = "unknown";
	struct utsname u;
	FILE *f = fopen("/proc/cpuinfo", "r");
	double load[3] = {0, 0, 0};

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "model name", 10) == 0) {
			char *p = strchr(line, ':');

			snprintf(model, sizeof(model), "%s", p ? p + 2 : line);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	if (f)
		fclose(f);
	uname(&u);
	getloadavg(load, 3);
	printf("shmprim-bench %s: %s, %ld online CPUs, %s %s; compiler %s\n", opt.quick ? "--quick" : "(full)", model,
	       sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release, __VERSION__);
	printf("pinned to cpu%d (producer / pinger) and cpu%d (consumer / echoer); %d runs after a warm-up; "
	       "load average %.2f; TSC %.3f ticks/ns\n",
	       opt.cpu[0], opt.cpu[1], opt.runs, load[0], opt.ticks_per_ns);
	if (nabsent)
		printf("absent: %d expected implementation%s (listed at the end, with why)\n", nabsent,
		       nabsent == 1 ? "" : "s");
}

static void usage(FILE *to)
{
	fprintf(to,
	        "usage: shmprim-bench [--quick] [--runs N] [--json FILE] [--plot FILE.svg]\n"
	        "                     [--cpus A,B] [--workloads LIST] [--backends LIST] [--scale F]\n"
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
	        "  --selftest-broken  add a deliberately wrong ring; it must be reported FAILED\n",
	        MAX_RUNS / 3, BENCH_BACKENDS);
}

int main(int argc, char **argv)
{
	int i, failed = 0;
	uint64_t t_start = bench_now_ns();

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
