/* The two-process benchmarks' shared parts (twoproc.h). */
#include "twoproc.h"

uint64_t twoproc_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static uint64_t word_of(uint64_t k, uint32_t j)
{
	return j == 0 ? k : k ^ (BENCH_MIX * j);
}

void twoproc_fill(unsigned char *p, uint32_t len, uint64_t k)
{
	uint32_t j, words = len / 8u;
	uint64_t w;

	for (j = 0; j < words; j++) {
		w = word_of(k, j);
		memcpy(p + 8u * j, &w, 8);
	}
	if (len % 8u) {
		w = word_of(k, words);
		memcpy(p + 8u * words, &w, len % 8u);
	}
}

int twoproc_bad(const unsigned char *p, uint32_t len, uint32_t want_len, uint64_t k)
{
	uint32_t j, words = len / 8u;
	uint64_t w, bad = 0;

	if (len != want_len)
		return 1;
	for (j = 0; j < words; j++) {
		memcpy(&w, p + 8u * j, 8);
		bad |= w ^ word_of(k, j);
	}
	if (len % 8u) {
		uint64_t want = word_of(k, words);

		w = 0;
		memcpy(&w, p + 8u * words, len % 8u);
		memset((unsigned char *)&want + len % 8u, 0, 8u - len % 8u);
		bad |= w ^ want;
	}
	return bad != 0;
}

void patience_start(patience *w)
{
	w->deadline = bench_now_ns() + TWOPROC_STUCK_NS;
	w->tries = 0;
}

int patience_left(patience *w)
{
	bench_relax();
	if (++w->tries % 4096u == 0 && bench_now_ns() > w->deadline)
		return 0;
	return 1;
}

double twoproc_calibrate_ticks(void)
{
	uint64_t t0 = bench_now_ns(), c0 = bench_ticks(), t1, c1;

	do
		t1 = bench_now_ns();
	while (t1 - t0 < 20000000u);
	c1 = bench_ticks();
	return (double)(c1 - c0) / (double)(t1 - t0);
}

/* ---- the bare cache-line bounce (bounds.c's "bounce floor" row) ---- */

void bench_register_bounds(bench_add_ring_fn add_ring, bench_add_slab_fn add_slab);
static const ring_impl *bounce_row;

static void take_bounce(const ring_impl *r)
{
	if (strcmp(r->impl, "bounce floor") == 0)
		bounce_row = r;
}

static void take_no_slab(const slab_impl *s)
{
	(void)s;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double twoproc_bounce(int cpu0, int cpu1, double ticks_per_ns)
{
	rtt_cfg cfg;
	rtt_out o;
	double v[3];
	int i, n = 0;

	if (!bounce_row)
		bench_register_bounds(take_bounce, take_no_slab);
	if (!bounce_row)
		return -1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.rounds = 20000;
	cfg.procs = 1;
	cfg.cpu[0] = cpu0;
	cfg.cpu[1] = cpu1;
	cfg.ticks_per_ns = ticks_per_ns;
	for (i = 0; i < 3; i++)
		if (bounce_row->rtt(&cfg, &o) == 0 && o.errors == 0)
			v[n++] = o.p50_ns;
	if (n == 0)
		return -1;
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	return v[(n - 1) / 2];
}

/* ---- statistics ---- */

trio trio_of(const double *v, const int *keep, int npass)
{
	double s[TWOPROC_MAX_PASSES];
	trio t;
	int p, n = 0;

	for (p = 0; p < npass && p < TWOPROC_MAX_PASSES; p++)
		if (keep[p] && v[p] > 0)
			s[n++] = v[p];
	memset(&t, 0, sizeof(t));
	if (n == 0)
		return t;
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	t.med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	t.lo = s[0];
	t.hi = s[n - 1];
	t.n = n;
	return t;
}

int twoproc_keep(const double *pass_bounce, int first, int npass, int *keep, double *mode_bounce)
{
	double sorted[TWOPROC_MAX_PASSES];
	int p, runs = npass - first, nkept = 0;

	for (p = first; p < npass; p++)
		sorted[p - first] = pass_bounce[p];
	qsort(sorted, (size_t)runs, sizeof(double), cmp_double);
	*mode_bounce = sorted[runs / 2];
	for (p = 0; p < first; p++)
		keep[p] = 0;
	for (p = first; p < npass; p++) {
		keep[p] = pass_bounce[p] > 0 && pass_bounce[p] <= *mode_bounce * 1.5 &&
		          pass_bounce[p] >= *mode_bounce / 1.5;
		nkept += keep[p];
	}
	return nkept;
}
