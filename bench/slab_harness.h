/*
 * One alloc+free loop for every slot allocator in the benchmark, instantiated
 * by inclusion like ring_harness.h. Each pair allocates a slot, writes a tag
 * into it, reads the tag back (a slot handed to two threads at once shows) and
 * frees it; at the end every slot must be free again.
 *
 * Define before including:
 *   SH_NAME                     prefix: generates SH_NAME##_pairs (a slab_fn)
 *   SH_STATE                    the allocator's private handle type (copied per thread)
 *   SH_HANDLE                   what an allocation returns
 *   SH_SIZE(slots)              bytes of memory for `slots` 64-byte slots
 *   SH_INIT(state, mem, bytes, slots)   0 on success
 *   SH_ALLOC(state, handle_ptr) 1: got one; 0: retry; -1: error
 *   SH_DATA(state, handle)      uint64_t * to the slot's first word
 *   SH_FREE(state, handle)      0 on success
 *   SH_FREE_COUNT(state)        slots free now (exact when idle)
 *   SH_THREAD_DONE(state)       optional: each thread's copy, after its timed loop (e.g. give back
 *                               the slots a per-handle cache kept); 0 on success
 *   SH_FINI(state)              optional
 */
#include "bench_common.h"

#define SH_CAT_(a, b) a##b
#define SH_CAT(a, b) SH_CAT_(a, b)

struct SH_CAT(SH_NAME, _ctx) {
	const slab_cfg *cfg;
	SH_STATE state;
	bench_ctl *ctl;
	uint64_t t0[2], t1[2], errors[2];
};

struct SH_CAT(SH_NAME, _arg) {
	struct SH_CAT(SH_NAME, _ctx) *x;
	int side;
};

static void *SH_CAT(SH_NAME, _thread)(void *p)
{
	struct SH_CAT(SH_NAME, _arg) *a = (struct SH_CAT(SH_NAME, _arg) *)p;
	struct SH_CAT(SH_NAME, _ctx) *x = a->x;
	const int side = a->side;
	const uint64_t pairs = x->cfg->pairs;
	SH_STATE state = x->state;      /* each thread holds its own handle */
	uint64_t i, errors = 0, t0;

	bench_pin(x->cfg->cpu[side]);
	bench_barrier(x->ctl, (uint32_t)x->cfg->threads);
	t0 = bench_now_ns();
	for (i = 0; i < pairs; i++) {
		SH_HANDLE h;
		uint64_t *data, tag = ((uint64_t)(side + 1) << 56) | i;
		int r;

		while ((r = SH_ALLOC(&state, &h)) != 1) {
			if (r < 0) {
				errors++;
				goto done;
			}
			bench_relax();
		}
		data = SH_DATA(&state, h);
		__atomic_store_n(data, tag, __ATOMIC_RELAXED);
		if (__atomic_load_n(data, __ATOMIC_RELAXED) != tag)
			errors++;
		if (SH_FREE(&state, h) != 0)
			errors++;
	}
done:
	x->t1[side] = bench_now_ns();
	x->t0[side] = t0;
#ifdef SH_THREAD_DONE
	if (SH_THREAD_DONE(&state) != 0)
		errors++;
#endif
	x->errors[side] = errors;
	return NULL;
}

static __attribute__((unused)) int SH_CAT(SH_NAME, _pairs)(const slab_cfg *cfg, slab_out *out)
{
	struct SH_CAT(SH_NAME, _ctx) x;
	struct SH_CAT(SH_NAME, _arg) args[2];
	size_t bytes = SH_SIZE(cfg->slots);
	unsigned char *mem = (unsigned char *)bench_map(bytes);
	pthread_t th[2];
	int t, started = 0, rc = -1;
	uint64_t start, end;

	memset(&x, 0, sizeof(x));
	x.cfg = cfg;
	x.ctl = (bench_ctl *)bench_map(sizeof(bench_ctl));
	if (!mem || !x.ctl || cfg->threads < 1 || cfg->threads > 2 || SH_INIT(&x.state, mem, bytes, cfg->slots) != 0)
		goto out;
	for (t = 0; t < cfg->threads; t++) {
		args[t].x = &x;
		args[t].side = t;
		if (pthread_create(&th[t], NULL, SH_CAT(SH_NAME, _thread), &args[t]) != 0)
			break;
		started++;
	}
	for (t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	if (started == cfg->threads) {
		start = x.t0[0];
		end = x.t1[0];
		out->errors = x.errors[0];
		if (cfg->threads == 2) {
			start = x.t0[1] < start ? x.t0[1] : start;
			end = x.t1[1] > end ? x.t1[1] : end;
			out->errors += x.errors[1];
		}
		if ((uint64_t)SH_FREE_COUNT(&x.state) != cfg->slots)
			out->errors++;
		out->ns_per_pair = (double)(end - start) / (double)(cfg->pairs * (uint64_t)cfg->threads);
		out->mpairs_per_s = 1e3 / out->ns_per_pair;
		rc = 0;
	}
#ifdef SH_FINI
	SH_FINI(&x.state);
#endif
out:
	bench_unmap(mem, bytes);
	bench_unmap(x.ctl, sizeof(bench_ctl));
	return rc;
}

#undef SH_NAME
#undef SH_STATE
#undef SH_HANDLE
#undef SH_SIZE
#undef SH_INIT
#undef SH_ALLOC
#undef SH_DATA
#undef SH_FREE
#undef SH_FREE_COUNT
#undef SH_THREAD_DONE
#undef SH_FINI
