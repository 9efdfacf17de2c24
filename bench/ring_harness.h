/*
 * One throughput loop and one round-trip loop for every ring in the benchmark
 * (shmprim, peers, baseline, ceiling), instantiated by inclusion so that each
 * ring's own calls inline into the loop exactly as they would in a user's code,
 * and so that every row spins, pins, stamps and verifies the same way.
 *
 * Define before including (the file may be included many times):
 *   RH_NAME                        prefix: generates RH_NAME##_tput and RH_NAME##_rtt
 *   RH_ITEM                        entry type, sizeof a multiple of 8
 *   RH_PROD, RH_CONS               private producer / consumer handle types
 *   RH_SIZE(cap)                   bytes of shared memory one ring needs
 *   RH_INIT(mem, cap)              lay out a ring in mem (zeroed); 0 on success
 *   RH_OPEN_PROD(mem, cap, prod)   0 on success (runs in the producer's thread or process)
 *   RH_OPEN_CONS(mem, cap, cons)
 *   RH_PUSH1(prod, const RH_ITEM *) nonzero if pushed
 *   RH_POP1(cons, RH_ITEM *)       nonzero if popped
 * Optional:
 *   RH_PUSHN(prod, const RH_ITEM *, n) / RH_POPN(cons, RH_ITEM *, n): burst, returns 0..n
 *   RH_FILLN(prod, n, first_seq)   zero-copy burst: writes entries first_seq.. in place
 *   RH_DRAINN(cons, n, expect, errors) zero-copy burst: checks entries in place
 *   RH_FINI(mem)                   tear down (C++ destructors)
 *   RH_NO_RTT                      do not generate the round-trip function
 *   RH_ADJACENT                    threads only: each ring's producer and consumer
 *                                  handles side by side in one struct (a user's
 *                                  thread-to-thread queue), not each on its side's stack
 * Without a burst pair the tput function refuses batch > 1 (returns -1).
 */
#include "bench_common.h"

#define RH_CAT_(a, b) a##b
#define RH_CAT(a, b) RH_CAT_(a, b)
#define RH_WORDS ((unsigned)(sizeof(RH_ITEM) / sizeof(uint64_t)))

#if defined(RH_FILLN) || defined(RH_PUSHN)
#define RH_HAS_BATCH 1
#else
#define RH_HAS_BATCH 0
#endif

/* The handle types as single names (a peer's handle may be a pointer type). */
typedef RH_PROD RH_CAT(RH_NAME, _prod_t);
typedef RH_CONS RH_CAT(RH_NAME, _cons_t);

#ifdef RH_ADJACENT
/* One queue as a program would hold it: both handles in one struct. */
struct RH_CAT(RH_NAME, _queue) {
	RH_PROD prod;
	RH_CONS cons;
};
#endif

struct RH_CAT(RH_NAME, _ctx) {
#ifdef RH_ADJACENT
	struct RH_CAT(RH_NAME, _queue) q[2]; /* rings A and B, one after the other */
#endif
	const tput_cfg *tcfg;
	const rtt_cfg *rcfg;
	bench_ctl *ctl;
	unsigned char *mem;
	size_t ring_bytes;
	uint32_t open_failed;
};

static inline int RH_CAT(RH_NAME, _opened)(struct RH_CAT(RH_NAME, _ctx) *x, int rc)
{
	/* Both sides reach the barrier either way; a failed open stops both after it. */
	if (rc != 0)
		__atomic_fetch_or(&x->ctl->errors, 1ull << 62, __ATOMIC_RELAXED);
	bench_barrier(x->ctl, 2);
	return (__atomic_load_n(&x->ctl->errors, __ATOMIC_ACQUIRE) >> 62) != 0;
}

/* A side's handle: its own local, or (RH_ADJACENT) its field in queue i of the context. */
#ifdef RH_ADJACENT
#define RH_HANDLE(type, var, i, field) type *const var = &x->q[i].field
#else
#define RH_HANDLE(type, var, i, field) type var##_own, *const var = &var##_own
#endif

static void RH_CAT(RH_NAME, _tput_side)(int side, void *arg)
{
	struct RH_CAT(RH_NAME, _ctx) *x = (struct RH_CAT(RH_NAME, _ctx) *)arg;
	const tput_cfg *cfg = x->tcfg;
	const uint64_t n_items = cfg->items;
	const uint32_t batch = cfg->batch;
	RH_ITEM *buf = (RH_ITEM *)calloc(batch ? batch : 1, sizeof(RH_ITEM));
	uint64_t errors = 0;

	bench_pin(cfg->cpu[side]);
	if (side == 0) {
		RH_HANDLE(RH_CAT(RH_NAME, _prod_t), p, 0, prod);
		uint64_t seq, t0;

		memset(p, 0, sizeof(*p));
		if (RH_CAT(RH_NAME, _opened)(x, buf ? RH_OPEN_PROD(x->mem, cfg->capacity, p) : -1))
			goto out;
		t0 = bench_now_ns();
		if (batch <= 1) {
			for (seq = 1; seq <= n_items; seq++) {
				bench_item_fill((uint64_t *)&buf[0], RH_WORDS, seq);
				while (!RH_PUSH1(p, &buf[0]))
					bench_relax();
			}
		}
#if RH_HAS_BATCH
		else {
			seq = 1;
			while (seq <= n_items) {
				uint32_t n = n_items - seq + 1 < batch ? (uint32_t)(n_items - seq + 1) : batch;
				uint32_t k;
#ifdef RH_FILLN
				k = RH_FILLN(p, n, seq);
#else
				uint32_t i;

				for (i = 0; i < n; i++)
					bench_item_fill((uint64_t *)&buf[i], RH_WORDS, seq + i);
				k = RH_PUSHN(p, buf, n);
#endif
				seq += k;
				if (!k)
					bench_relax();
			}
		}
#endif
		x->ctl->t_start = t0;
	} else {
		RH_HANDLE(RH_CAT(RH_NAME, _cons_t), c, 0, cons);
		uint64_t expect = 1;

		memset(c, 0, sizeof(*c));
		if (RH_CAT(RH_NAME, _opened)(x, buf ? RH_OPEN_CONS(x->mem, cfg->capacity, c) : -1))
			goto out;
		if (batch <= 1) {
			while (expect <= n_items) {
				while (!RH_POP1(c, &buf[0]))
					bench_relax();
				bench_item_check((const uint64_t *)&buf[0], RH_WORDS, &expect, &errors);
			}
		}
#if RH_HAS_BATCH
		else {
			while (expect <= n_items) {
				uint32_t k;
#ifdef RH_DRAINN
				k = RH_DRAINN(c, batch, &expect, &errors);
#else
				uint32_t i;

				k = RH_POPN(c, buf, batch);
				for (i = 0; i < k; i++)
					bench_item_check((const uint64_t *)&buf[i], RH_WORDS, &expect, &errors);
#endif
				if (!k)
					bench_relax();
			}
		}
#endif
		x->ctl->t_end = bench_now_ns();
		/* The producer sent exactly n_items: anything more is a bug too. */
		if (RH_POP1(c, &buf[0]))
			errors++;
		x->ctl->side_errors[1] = errors;
	}
out:
	free(buf);
}

static __attribute__((unused)) int RH_CAT(RH_NAME, _tput)(const tput_cfg *cfg, tput_out *out)
{
	struct RH_CAT(RH_NAME, _ctx) x;
	size_t bytes = RH_SIZE(cfg->capacity);
	int rc = -1;

	if (cfg->batch > 1 && !RH_HAS_BATCH)
		return -1;
	memset(&x, 0, sizeof(x));
	x.tcfg = cfg;
	x.ring_bytes = bytes;
	x.ctl = (bench_ctl *)bench_map(sizeof(bench_ctl));
	x.mem = (unsigned char *)bench_map(bytes);
	if (!x.ctl || !x.mem || RH_INIT(x.mem, cfg->capacity) != 0)
		goto out;
	if (bench_run_sides(cfg->procs, RH_CAT(RH_NAME, _tput_side), &x) != 0 || (x.ctl->errors >> 62))
		goto fini;
	out->errors = x.ctl->side_errors[1];
	out->mitems_per_s = (double)cfg->items * 1e3 / (double)(x.ctl->t_end - x.ctl->t_start);
	rc = 0;
fini:
#ifdef RH_FINI
	RH_FINI(x.mem);
#endif
out:
	bench_unmap(x.mem, bytes);
	bench_unmap(x.ctl, sizeof(bench_ctl));
	return rc;
}

#ifndef RH_NO_RTT
/* Ring A (pinger -> echoer) at mem, ring B (echoer -> pinger) one page-rounded ring later. */
static void RH_CAT(RH_NAME, _rtt_side)(int side, void *arg)
{
	struct RH_CAT(RH_NAME, _ctx) *x = (struct RH_CAT(RH_NAME, _ctx) *)arg;
	const rtt_cfg *cfg = x->rcfg;
	const uint64_t rounds = cfg->rounds;
	unsigned char *mem_a = x->mem, *mem_b = x->mem + x->ring_bytes;
	RH_ITEM item;
	uint64_t i;

	memset(&item, 0, sizeof(item));
	bench_pin(cfg->cpu[side]);
	if (side == 0) {
		RH_HANDLE(RH_CAT(RH_NAME, _prod_t), to, 0, prod);
		RH_HANDLE(RH_CAT(RH_NAME, _cons_t), from, 1, cons);
		uint64_t expect = 1, errors = 0;
		uint64_t *stamps = (uint64_t *)malloc((size_t)(rounds + 1) * sizeof(uint64_t));
		int rc;

		memset(to, 0, sizeof(*to));
		memset(from, 0, sizeof(*from));
		rc = stamps ? RH_OPEN_PROD(mem_a, cfg->capacity, to) : -1;
		if (rc == 0)
			rc = RH_OPEN_CONS(mem_b, cfg->capacity, from);
		if (RH_CAT(RH_NAME, _opened)(x, rc)) {
			free(stamps);
			return;
		}
		for (i = 1; i <= rounds; i++) {
			stamps[i - 1] = bench_ticks();
			bench_item_fill((uint64_t *)&item, RH_WORDS, i);
			while (!RH_PUSH1(to, &item))
				bench_relax();
			while (!RH_POP1(from, &item))
				bench_relax();
			bench_item_check((const uint64_t *)&item, RH_WORDS, &expect, &errors);
		}
		stamps[rounds] = bench_ticks();
		bench_rtt_stats(stamps, (size_t)rounds, (size_t)(rounds / 100), cfg->ticks_per_ns, &x->ctl->p50_ns,
		                &x->ctl->p99_ns);
		x->ctl->side_errors[0] = errors;
		free(stamps);
	} else {
		RH_HANDLE(RH_CAT(RH_NAME, _cons_t), from, 0, cons);
		RH_HANDLE(RH_CAT(RH_NAME, _prod_t), to, 1, prod);
		int rc;

		memset(to, 0, sizeof(*to));
		memset(from, 0, sizeof(*from));
		rc = RH_OPEN_CONS(mem_a, cfg->capacity, from);
		if (rc == 0)
			rc = RH_OPEN_PROD(mem_b, cfg->capacity, to);
		if (RH_CAT(RH_NAME, _opened)(x, rc))
			return;
		for (i = 1; i <= rounds; i++) {
			while (!RH_POP1(from, &item))
				bench_relax();
			while (!RH_PUSH1(to, &item))
				bench_relax();
		}
	}
}

static __attribute__((unused)) int RH_CAT(RH_NAME, _rtt)(const rtt_cfg *cfg, rtt_out *out)
{
	struct RH_CAT(RH_NAME, _ctx) x;
	size_t bytes = (RH_SIZE(cfg->capacity) + 4095) & ~(size_t)4095;
	int rc = -1;

	memset(&x, 0, sizeof(x));
	x.rcfg = cfg;
	x.ring_bytes = bytes;
	x.ctl = (bench_ctl *)bench_map(sizeof(bench_ctl));
	x.mem = (unsigned char *)bench_map(2 * bytes);
	if (!x.ctl || !x.mem || RH_INIT(x.mem, cfg->capacity) != 0 || RH_INIT(x.mem + bytes, cfg->capacity) != 0)
		goto out;
	if (bench_run_sides(cfg->procs, RH_CAT(RH_NAME, _rtt_side), &x) != 0 || (x.ctl->errors >> 62))
		goto fini;
	out->p50_ns = x.ctl->p50_ns;
	out->p99_ns = x.ctl->p99_ns;
	out->errors = x.ctl->side_errors[0];
	rc = 0;
fini:
#ifdef RH_FINI
	RH_FINI(x.mem);
	RH_FINI(x.mem + bytes);
#endif
out:
	bench_unmap(x.mem, 2 * bytes);
	bench_unmap(x.ctl, sizeof(bench_ctl));
	return rc;
}
#endif

#undef RH_WORDS
#undef RH_HAS_BATCH
#undef RH_NAME
#undef RH_ITEM
#undef RH_PROD
#undef RH_CONS
#undef RH_SIZE
#undef RH_INIT
#undef RH_OPEN_PROD
#undef RH_OPEN_CONS
#undef RH_PUSH1
#undef RH_POP1
#undef RH_PUSHN
#undef RH_POPN
#undef RH_FILLN
#undef RH_DRAINN
#undef RH_FINI
#undef RH_NO_RTT
#undef RH_ADJACENT
#undef RH_HANDLE
