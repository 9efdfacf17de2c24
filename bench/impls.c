/*
 * The implementations in this run (see impls.h): shmprim's rows come from
 * shmprim-bench-<backend>.so beside the executable (see shmprim_module.c for
 * why modules), peers are compiled in when their package was found.
 *
 * The run exists for shmprim's rows: a backend module that is missing or does
 * not load is an error (exit 1) unless --backends leaves that backend out on
 * purpose. Every implementation expected but absent (a backend left out or
 * refused by the configuration, a peer whose package was not found) is noted
 * here and listed by the report, with why.
 */
#include "impls.h"

#include "options.h"

#include <dlfcn.h>

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

/* ---- registry of implementations ---- */

const ring_impl *rings[MAX_IMPLS];
int nrings;
const slab_impl *slabs[MAX_IMPLS];
int nslabs;

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

absent_impl absent[MAX_ABSENT];
int nabsent;

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

int in_list(const char *name, const char *list, char sep)
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

int check_backends_option(const char *list)
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
int load_modules(void)
{
	char dir[4096], path[4200], list[256], loaded[64] = "";
	const bench_module *mods[8 + MAX_EXTRA_MODULES];
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
	/* --module PATH: rows built elsewhere (bench/installed-module: against the
	 * installed library), named by the backend the module reports */
	for (i = 0; i < opt.nmodules; i++) {
		const bench_module *mod;
		char why[512];

		mod = open_module(opt.modules[i], why, sizeof(why));
		if (!mod) {
			fprintf(stderr, "shmprim-bench: --module %s: not a usable module: %s\n", opt.modules[i], why);
			return -1;
		}
		for (m = 0; m < nmods; m++)
			if (strcmp(mods[m]->backend, mod->backend) == 0) {
				fprintf(stderr, "shmprim-bench: --module %s: its rows are named %s, as another module's\n",
				        opt.modules[i], mod->backend);
				return -1;
			}
		mods[nmods++] = mod;
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

void register_peers(void)
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
