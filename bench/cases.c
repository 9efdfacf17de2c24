/*
 * The cases (see cases.h): which rows each workload has, and their order.
 * Within a workload the loops over capacity, batch, entry size or threads
 * run outside the loop over implementations (in registration order), so each
 * shmprim variant sits with its backends side by side, next to the peers it
 * is compared with.
 */
#include "cases.h"

#include "impls.h"
#include "options.h"

#include <stdarg.h>

row rows[MAX_ROWS];
int nrows;
workload workloads[8];
int nworkloads;

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

void build_rows(void)
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

int row_ok(const row *r)
{
	return r->n > 0 && r->errors == 0 && r->setup_failures == 0;
}
