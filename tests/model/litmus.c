/*
 * Self-tests of the model checker, before anything is trusted to it:
 *   - litmus tests with exact outcome sets: weak outcomes that C11 allows must
 *     be reached (MP relaxed, SB, IRIW, stale CAS failure, spurious weak CAS),
 *     forbidden ones never (MP acquire/release and fences, coherence, SB with
 *     seq_cst, RMW atomicity); load buffering is forbidden, as in RC11
 *     (the full catalogue with cited verdicts is catalogue.c);
 *   - the race detector: unordered plain accesses are caught, ordered ones
 *     (spawn, join, release/acquire, release sequences through another
 *     thread's RMW) are not, and a write after a release store is not covered
 *     by it;
 *   - liveness: spinning on a flag that is set terminates; spinning on one
 *     that never is, two threads waiting on each other, a join cycle and a
 *     spin loop without the hint are each reported as such;
 *   - replay: a failure's schedule string reproduces it; a string that does
 *     not fit is refused;
 *   - the reduction: sleep sets and the naive enumerator give the same outcome
 *     sets on random small programs, and so do the two spin modes on spinners.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shmprim_atomic.h"

/* ---- outcome sets (outside the arena: they outlive executions) ---- */
#define MAX_OUTCOMES 4096

static uint64_t outcomes[MAX_OUTCOMES];
static size_t n_outcomes;

static void outcome(uint64_t o)
{
	size_t i;

	for (i = 0; i < n_outcomes; i++)
		if (outcomes[i] == o)
			return;
	if (n_outcomes == MAX_OUTCOMES)
		mc_fail(__FILE__, __LINE__, "too many distinct outcomes");
	outcomes[n_outcomes++] = o;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* ---- TAP ---- */
static int test_no, failures;

static void tap(bool ok, const char *name, const char *fmt, ...) MC_PRINTF(3, 4);

static void tap(bool ok, const char *name, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printf("%s %d - %s%s%s\n", ok ? "ok" : "not ok", ++test_no, name, why[0] ? " # " : "", why);
	fflush(stdout);
	if (!ok)
		failures++;
}

static mc_config config(void)
{
	mc_config c;

	mc_config_init(&c, MC_TIER_EXHAUSTIVE);
	c.quiet = true;
	return c;
}

static void expect_outcomes_with(const char *name, void (*body)(void *), const uint64_t *want, size_t n,
                                 const mc_config *cfg);

/* Runs body; the outcome set must be exactly want[0..n). */
static void expect_outcomes(const char *name, void (*body)(void *), const uint64_t *want, size_t n)
{
	expect_outcomes_with(name, body, want, n, NULL);
}

static void expect_outcomes_with(const char *name, void (*body)(void *), const uint64_t *want, size_t n,
                                 const mc_config *cfg)
{
	mc_config c = cfg ? *cfg : config();
	mc_result r;
	uint64_t w[64];
	char got[256] = "", exp[256] = "";
	size_t i, off;
	bool same;

	if (!mc_selected(name))
		return;
	n_outcomes = 0;
	mc_check(name, body, NULL, &c, &r);
	memcpy(w, want, n * sizeof(*w));
	qsort(w, n, sizeof(*w), cmp_u64);
	qsort(outcomes, n_outcomes, sizeof(*outcomes), cmp_u64);
	same = r.verdict == MC_PASS_EXHAUSTIVE && n == n_outcomes && memcmp(w, outcomes, n * sizeof(*w)) == 0;
	for (i = 0, off = 0; i < n_outcomes && off < sizeof(got) - 24; i++)
		off += (size_t)snprintf(got + off, sizeof(got) - off, "%s%llx", i ? "," : "", (unsigned long long)outcomes[i]);
	for (i = 0, off = 0; i < n && off < sizeof(exp) - 24; i++)
		off += (size_t)snprintf(exp + off, sizeof(exp) - off, "%s%llx", i ? "," : "", (unsigned long long)w[i]);
	tap(same, name, "%s, %llu executions; outcomes {%s}%s%s%s", mc_verdict_str(r.verdict),
	    (unsigned long long)r.executions, got, same ? "" : ", expected {", same ? "" : exp, same ? "" : "}");
	if (r.verdict == MC_FAIL)
		printf("# %s\n", r.message);
}

/* Runs body; the check must fail with `kind` (or pass, kind == MC_FAILURE_NONE). */
static mc_result expect_verdict(const char *name, void (*body)(void *), void *arg, mc_failure kind,
                                const mc_config *cfg)
{
	mc_config c = cfg ? *cfg : config();
	mc_result r;
	bool ok;

	memset(&r, 0, sizeof(r));
	if (!mc_selected(name))
		return r;
	mc_check(name, body, arg, &c, &r);
	if (kind == MC_FAILURE_NONE)
		ok = r.verdict == MC_PASS_EXHAUSTIVE || r.verdict == MC_PASS_BOUNDED;
	else
		ok = r.verdict == MC_FAIL && r.failure == kind;
	tap(ok, name, "%s%s%s after %llu executions%s%s", mc_verdict_str(r.verdict), r.verdict == MC_FAIL ? " " : "",
	    r.verdict == MC_FAIL ? mc_failure_str(r.failure) : "", (unsigned long long)r.executions,
	    r.verdict == MC_FAIL ? ": " : "", r.verdict == MC_FAIL ? r.message : "");
	return r;
}

/* ---- shared words for the litmus bodies ---- */
typedef struct lit {
	uint32_t x, y, z;
	uint32_t r[4][4];   /* registers, [thread][i] */
	uint32_t data[2];   /* plain memory */
	int tid[4];
} lit;

static lit *lit_new(void)
{
	lit *l = mc_alloc(sizeof(*l), 64);

	mc_name(&l->x, 4, "x");
	mc_name(&l->y, 4, "y");
	mc_name(&l->z, 4, "z");
	mc_name(l->data, sizeof(l->data), "data");
	return l;
}

static void run2(lit *l, void (*a)(void *), void (*b)(void *))
{
	int ta = mc_spawn(a, l), tb = mc_spawn(b, l);

	mc_join(ta);
	mc_join(tb);
}

#define R(t, i) (l->r[t][i])
#define OUT2(a, b) ((uint64_t)(a) << 8 | (uint64_t)(b))

/* ---- MP: message passing ---- */
static void mp_writer_rlx(void *arg)
{
	lit *l = arg;

	sp_store_relaxed_u32(&l->x, 1);
	sp_store_relaxed_u32(&l->y, 1);
}

static void mp_reader_rlx(void *arg)
{
	lit *l = arg;

	R(2, 0) = sp_load_relaxed_u32(&l->y);
	R(2, 1) = sp_load_relaxed_u32(&l->x);
}

static void mp_writer_rel(void *arg)
{
	lit *l = arg;

	sp_store_relaxed_u32(&l->x, 1);
	sp_store_release_u32(&l->y, 1);
}

static void mp_reader_acq(void *arg)
{
	lit *l = arg;

	R(2, 0) = sp_load_acquire_u32(&l->y);
	R(2, 1) = sp_load_relaxed_u32(&l->x);
}

static void mp_writer_fence(void *arg)
{
	lit *l = arg;

	sp_store_relaxed_u32(&l->x, 1);
	sp_fence(SP_RELEASE);
	sp_store_relaxed_u32(&l->y, 1);
}

static void mp_reader_fence(void *arg)
{
	lit *l = arg;

	R(2, 0) = sp_load_relaxed_u32(&l->y);
	sp_fence(SP_ACQUIRE);
	R(2, 1) = sp_load_relaxed_u32(&l->x);
}

#define MP_BODY(fn, w, r)                                 \
	static void fn(void *arg)                         \
	{                                                 \
		lit *l = lit_new();                       \
		(void)arg;                                \
		run2(l, w, r);                            \
		outcome(OUT2(R(2, 0), R(2, 1)));          \
	}
MP_BODY(mp_relaxed, mp_writer_rlx, mp_reader_rlx)
MP_BODY(mp_rel_acq, mp_writer_rel, mp_reader_acq)
MP_BODY(mp_fences, mp_writer_fence, mp_reader_fence)
MP_BODY(mp_rel_rlx, mp_writer_rel, mp_reader_rlx)

/* ---- SB: store buffering ---- */
static void sb_a(void *arg)
{
	lit *l = arg;

	sp_store_relaxed_u32(&l->x, 1);
	R(1, 0) = sp_load_relaxed_u32(&l->y);
}

static void sb_b(void *arg)
{
	lit *l = arg;

	sp_store_relaxed_u32(&l->y, 1);
	R(2, 0) = sp_load_relaxed_u32(&l->x);
}

static void sb_a_relacq(void *arg)
{
	lit *l = arg;

	sp_store_release_u32(&l->x, 1);
	R(1, 0) = sp_load_acquire_u32(&l->y);
}

static void sb_b_relacq(void *arg)
{
	lit *l = arg;

	sp_store_release_u32(&l->y, 1);
	R(2, 0) = sp_load_acquire_u32(&l->x);
}

static void sb_a_fence(void *arg)
{
	lit *l = arg;

	sp_store_relaxed_u32(&l->x, 1);
	sp_fence(SP_SEQ_CST);
	R(1, 0) = sp_load_relaxed_u32(&l->y);
}

static void sb_b_fence(void *arg)
{
	lit *l = arg;

	sp_store_relaxed_u32(&l->y, 1);
	sp_fence(SP_SEQ_CST);
	R(2, 0) = sp_load_relaxed_u32(&l->x);
}

static void sb_a_sc(void *arg)
{
	lit *l = arg;

	sp_exchange_u32(&l->x, 1, SP_SEQ_CST);
	R(1, 0) = (uint32_t)mc_load(&l->y, 4, MC_SEQ_CST, __FILE__, __LINE__);
}

static void sb_b_sc(void *arg)
{
	lit *l = arg;

	sp_exchange_u32(&l->y, 1, SP_SEQ_CST);
	R(2, 0) = (uint32_t)mc_load(&l->x, 4, MC_SEQ_CST, __FILE__, __LINE__);
}

#define SB_BODY(fn, a, b)                                 \
	static void fn(void *arg)                         \
	{                                                 \
		lit *l = lit_new();                       \
		(void)arg;                                \
		run2(l, a, b);                            \
		outcome(OUT2(R(1, 0), R(2, 0)));          \
	}
SB_BODY(sb_relaxed, sb_a, sb_b)
SB_BODY(sb_rel_acq, sb_a_relacq, sb_b_relacq)
SB_BODY(sb_sc_fences, sb_a_fence, sb_b_fence)
SB_BODY(sb_sc_accesses, sb_a_sc, sb_b_sc)

/* ---- coherence ---- */
static void co_writer(void *arg)
{
	lit *l = arg;

	sp_store_relaxed_u32(&l->x, 1);
	sp_store_relaxed_u32(&l->x, 2);
}

static void corr_reader(void *arg)
{
	lit *l = arg;

	R(2, 0) = sp_load_relaxed_u32(&l->x);
	R(2, 1) = sp_load_relaxed_u32(&l->x);
}

static void corr(void *arg)
{
	lit *l = lit_new();

	(void)arg;
	run2(l, co_writer, corr_reader);
	outcome(OUT2(R(2, 0), R(2, 1)));
}

/* CoWR: a thread reads its own store or a later one, never an older one */
static void cowr_a(void *arg)
{
	lit *l = arg;

	sp_store_relaxed_u32(&l->x, 1);
	R(1, 0) = sp_load_relaxed_u32(&l->x);
}

static void cowr_b(void *arg)
{
	lit *l = arg;

	sp_store_relaxed_u32(&l->x, 2);
}

static void cowr(void *arg)
{
	lit *l = lit_new();

	(void)arg;
	run2(l, cowr_a, cowr_b);
	outcome(OUT2(R(1, 0), sp_load_relaxed_u32(&l->x)));
}

/* read-read coherence through happens-before: T2 saw x=1 and told T3 (acq/rel on y) */
static void hb_rr_b(void *arg)
{
	lit *l = arg;

	R(2, 0) = sp_load_relaxed_u32(&l->x);
	sp_store_release_u32(&l->y, 1);
}

static void hb_rr_c(void *arg)
{
	lit *l = arg;

	R(3, 0) = sp_load_acquire_u32(&l->y);
	R(3, 1) = sp_load_relaxed_u32(&l->x);
}

static void hb_rr_a(void *arg)
{
	lit *l = arg;

	sp_store_relaxed_u32(&l->x, 1);
}

static void corr_hb(void *arg)
{
	lit *l = lit_new();
	int a, b, c;

	(void)arg;
	a = mc_spawn(hb_rr_a, l);
	b = mc_spawn(hb_rr_b, l);
	c = mc_spawn(hb_rr_c, l);
	mc_join(a);
	mc_join(b);
	mc_join(c);
	/* forbidden: T2 read 1, T3 synchronised with T2, then read the older 0 */
	outcome((uint64_t)R(2, 0) << 16 | OUT2(R(3, 0), R(3, 1)));
}

/* ---- LB: load buffering (allowed by C11, forbidden by RC11's no-thin-air axiom) ---- */
static void lb_a(void *arg)
{
	lit *l = arg;

	R(1, 0) = sp_load_relaxed_u32(&l->x);
	sp_store_relaxed_u32(&l->y, 1);
}

static void lb_b(void *arg)
{
	lit *l = arg;

	R(2, 0) = sp_load_relaxed_u32(&l->y);
	sp_store_relaxed_u32(&l->x, 1);
}

SB_BODY(lb_relaxed, lb_a, lb_b)

/* ---- IRIW with acquire loads: readers may disagree on the order of x and y ---- */
static void iriw_y(void *arg)
{
	lit *l = arg;

	sp_store_relaxed_u32(&l->y, 1);
}

static void iriw_r1(void *arg)
{
	lit *l = arg;

	R(2, 0) = sp_load_acquire_u32(&l->x);
	R(2, 1) = sp_load_acquire_u32(&l->y);
}

static void iriw_r2(void *arg)
{
	lit *l = arg;

	R(3, 0) = sp_load_acquire_u32(&l->y);
	R(3, 1) = sp_load_acquire_u32(&l->x);
}

static void iriw(void *arg)
{
	lit *l = lit_new();
	int a, b, c;

	(void)arg;
	a = mc_spawn(iriw_y, l);
	b = mc_spawn(iriw_r1, l);
	c = mc_spawn(iriw_r2, l);
	sp_store_relaxed_u32(&l->x, 1);
	mc_join(a);
	mc_join(b);
	mc_join(c);
	/* only the non-SC outcome matters: x then not y, and y then not x */
	outcome(R(2, 0) == 1 && R(2, 1) == 0 && R(3, 0) == 1 && R(3, 1) == 0);
}

/* ---- RMWs ---- */
/* loom #389: a swap's read and write are one step; no store slips between */
static void rmw_store(void *arg)
{
	lit *l = arg;

	sp_store_relaxed_u32(&l->x, 1);
}

static void rmw_atomicity(void *arg)
{
	lit *l = lit_new();
	int t = mc_spawn(rmw_store, l);
	uint32_t old = sp_exchange_u32(&l->x, 2, SP_RELAXED), now;

	(void)arg;
	mc_join(t);
	now = sp_load_relaxed_u32(&l->x);
	outcome(OUT2(old, now));
}

/* two fetch_adds never lose an update */
static void add_one(void *arg)
{
	lit *l = arg;

	R(mc_self(), 0) = sp_fetch_add_u32(&l->x, 1, SP_RELAXED);
}

static void rmw_no_lost_update(void *arg)
{
	lit *l = lit_new();

	(void)arg;
	run2(l, add_one, add_one);
	outcome((uint64_t)sp_load_relaxed_u32(&l->x) << 16 | OUT2(R(1, 0), R(2, 0)));
}

/* a strong CAS may fail by reading an older store (it is a load when it fails) */
static void cas_strong(void *arg)
{
	lit *l = arg;
	uint32_t e = 1;

	R(2, 0) = sp_cas_u32(&l->x, &e, 2, SP_RELAXED, SP_RELAXED);
	R(2, 1) = e;
}

static void cas_stale_failure(void *arg)
{
	lit *l = lit_new();

	(void)arg;
	run2(l, rmw_store, cas_strong);
	outcome(OUT2(R(2, 0), R(2, 1)));
}

/* a weak CAS may fail spuriously, seeing the expected value */
static void cas_weak_spurious(void *arg)
{
	lit *l = lit_new();
	uint32_t e = 0;
	bool ok;

	(void)arg;
	ok = sp_cas_weak_u32(&l->x, &e, 5, SP_ACQ_REL, SP_ACQUIRE);
	outcome(OUT2(ok, e));
}

/* ---- the race detector ---- */
static void plain_writer(void *arg)
{
	lit *l = arg;

	sp_plain_write(&l->data[0], 4);
	l->data[0] = 7;
	sp_store_release_u32(&l->x, 1);
}

static void plain_reader_unsynced(void *arg)
{
	lit *l = arg;

	if (sp_load_relaxed_u32(&l->x) == 1) {
		sp_plain_read(&l->data[0], 4);
		mc_assert_eq(l->data[0], 7);
	}
}

static void plain_reader_synced(void *arg)
{
	lit *l = arg;

	if (sp_load_acquire_u32(&l->x) == 1) {
		sp_plain_read(&l->data[0], 4);
		mc_assert_eq(l->data[0], 7);
	}
}

static void race_relaxed_flag(void *arg)
{
	(void)arg;
	run2(lit_new(), plain_writer, plain_reader_unsynced);
}

static void race_acquire_flag(void *arg)
{
	(void)arg;
	run2(lit_new(), plain_writer, plain_reader_synced);
}

/* a write right after the release store is not published by it */
static void writer_after_release(void *arg)
{
	lit *l = arg;

	sp_store_release_u32(&l->x, 1);
	sp_plain_write(&l->data[0], 4);
	l->data[0] = 7;
}

static void race_write_after_release(void *arg)
{
	(void)arg;
	run2(lit_new(), writer_after_release, plain_reader_synced);
}

/* spawn and join order plain accesses */
static void child_rw(void *arg)
{
	lit *l = arg;

	sp_plain_read(&l->data[0], 4);
	mc_assert_eq(l->data[0], 1);
	sp_plain_write(&l->data[1], 4);
	l->data[1] = 2;
}

static void spawn_join_order(void *arg)
{
	lit *l = lit_new();
	int t;

	(void)arg;
	sp_plain_write(&l->data[0], 4);
	l->data[0] = 1;
	t = mc_spawn(child_rw, l);
	mc_join(t);
	sp_plain_read(&l->data[1], 4);
	mc_assert_eq(l->data[1], 2);
}

/* loom #248: T1 publishes data with a release store; T2's relaxed RMW continues
 * the release sequence; T3 acquires T2's value and may read the data */
static void rs_t1(void *arg)
{
	lit *l = arg;

	sp_plain_write(&l->data[0], 4);
	l->data[0] = 7;
	sp_store_release_u32(&l->x, 1);
}

static void rs_t1_relaxed(void *arg)
{
	lit *l = arg;

	sp_plain_write(&l->data[0], 4);
	l->data[0] = 7;
	sp_store_relaxed_u32(&l->x, 1);
}

static void rs_t2(void *arg)
{
	lit *l = arg;

	sp_fetch_add_u32(&l->x, 1, SP_RELAXED);
}

static void rs_t3(void *arg)
{
	lit *l = arg;

	if (sp_load_acquire_u32(&l->x) == 2) {
		sp_plain_read(&l->data[0], 4);
		mc_assert_eq(l->data[0], 7);
	}
}

static void release_sequence(void *arg)
{
	lit *l = lit_new();
	int a, b, c;

	a = mc_spawn(arg ? rs_t1_relaxed : rs_t1, l);
	b = mc_spawn(rs_t2, l);
	c = mc_spawn(rs_t3, l);
	mc_join(a);
	mc_join(b);
	mc_join(c);
}

/* ---- liveness ---- */
static void set_flag(void *arg)
{
	lit *l = arg;

	sp_store_relaxed_u32(&l->x, 1);
}

static void wait_flag(void *arg)
{
	lit *l = arg;

	while (sp_load_relaxed_u32(&l->x) == 0)
		sp_spin_hint();
}

static void wait_flag_no_hint(void *arg)
{
	lit *l = arg;

	while (sp_load_relaxed_u32(&l->x) == 0)
		;
}

static void spin_terminates(void *arg)
{
	(void)arg;
	run2(lit_new(), set_flag, wait_flag);
}

static void spin_forever(void *arg)
{
	lit *l = lit_new();
	int t;

	(void)arg;
	t = mc_spawn(wait_flag, l);
	mc_join(t);
}

static void spin_without_hint(void *arg)
{
	lit *l = lit_new();
	int t;

	(void)arg;
	t = mc_spawn(wait_flag_no_hint, l);
	mc_join(t);
}

/* each waits for the other's flag before raising its own */
static void wait_x_set_y(void *arg)
{
	lit *l = arg;

	while (sp_load_acquire_u32(&l->x) == 0)
		sp_spin_hint();
	sp_store_release_u32(&l->y, 1);
}

static void wait_y_set_x(void *arg)
{
	lit *l = arg;

	while (sp_load_acquire_u32(&l->y) == 0)
		sp_spin_hint();
	sp_store_release_u32(&l->x, 1);
}

static void mutual_wait(void *arg)
{
	(void)arg;
	run2(lit_new(), wait_x_set_y, wait_y_set_x);
}

/* the same, but only one waits: fine */
static void set_x_then_wait_y(void *arg)
{
	lit *l = arg;

	sp_store_release_u32(&l->x, 1);
	while (sp_load_acquire_u32(&l->y) == 0)
		sp_spin_hint();
}

static void handshake(void *arg)
{
	(void)arg;
	run2(lit_new(), set_x_then_wait_y, wait_x_set_y);
}

static void join_peer(void *arg)
{
	lit *l = arg;

	while (sp_load_acquire_u32(&l->z) == 0)
		sp_spin_hint();
	mc_join(l->tid[mc_self() == 1 ? 2 : 1]);
}

static void join_cycle(void *arg)
{
	lit *l = lit_new();

	(void)arg;
	l->tid[1] = mc_spawn(join_peer, l);
	l->tid[2] = mc_spawn(join_peer, l);
	sp_store_release_u32(&l->z, 1);
	mc_join(l->tid[1]);
}

/* A wait and a wake on one word, nothing stored: the wake may come first, and
 * then the sleeper is never woken (a lost wake-up). The two steps do not
 * commute, so the reduced search must try both orders (source-DPOR takes a
 * futex step as a write of its word; 2026-12-05, before which this passed). */
static void futex_sleeper(void *arg)
{
	lit *l = arg;

	(void)mc_futex_wait(&l->x, 0, UINT64_MAX / 2, __FILE__, __LINE__);
}

static void futex_waker(void *arg)
{
	lit *l = arg;

	mc_futex_wake(&l->x, __FILE__, __LINE__);
}

static void futex_wake_races_wait(void *arg)
{
	lit *l = lit_new();

	(void)arg;
	mc_futex_limit(0);
	l->tid[1] = mc_spawn(futex_sleeper, l);
	l->tid[2] = mc_spawn(futex_waker, l);
	mc_join(l->tid[1]);
	mc_join(l->tid[2]);
}

/* MP where the reader spins on the flag: the spin machinery must not lose
 * the stale read of the data (relaxed) nor invent one (release/acquire) */
static void spin_mp_writer(void *arg)
{
	lit *l = arg;

	sp_store_relaxed_u32(&l->x, 1);
	if (l->tid[0])
		sp_store_release_u32(&l->y, 1);
	else
		sp_store_relaxed_u32(&l->y, 1);
}

static void spin_mp_reader(void *arg)
{
	lit *l = arg;

	while ((l->tid[0] ? sp_load_acquire_u32(&l->y) : sp_load_relaxed_u32(&l->y)) == 0)
		sp_spin_hint();
	R(2, 0) = sp_load_relaxed_u32(&l->x);
}

static void spin_mp(void *arg)
{
	lit *l = lit_new();

	l->tid[0] = arg != NULL; /* release/acquire */
	run2(l, spin_mp_writer, spin_mp_reader);
	outcome(R(2, 0));
}

static void spin_mp_checks(void)
{
	static const uint64_t both[] = {0, 1}, one[] = {1};
	static const char *const names[4][2] = {
		{"spin MP relaxed reaches stale data", "spin MP release/acquire never"},
		{"spin MP relaxed, spin=block", "spin MP release/acquire, spin=block"},
		{"spin MP relaxed, naive", "spin MP release/acquire, naive"},
		{"spin MP relaxed, naive, spin=block", "spin MP release/acquire, naive, spin=block"},
	};
	int mode;

	for (mode = 0; mode < 4; mode++) {
		mc_config c = config();

		c.spin = mode & 1 ? MC_SPIN_BLOCK : MC_SPIN_PRUNE;
		c.naive = mode & 2;
		/* the arg pointer only says which variant: spin_mp reads it as a flag */
		expect_outcomes_with(names[mode][0], spin_mp, both, 2, &c);
		n_outcomes = 0;
		{
			mc_result r;
			bool ok;

			if (!mc_selected(names[mode][1]))
				continue;
			mc_check(names[mode][1], spin_mp, (void *)1, &c, &r);
			ok = r.verdict == MC_PASS_EXHAUSTIVE && n_outcomes == 1 && outcomes[0] == one[0];
			tap(ok, names[mode][1], "%s, %llu executions, %zu outcomes", mc_verdict_str(r.verdict),
			    (unsigned long long)r.executions, n_outcomes);
		}
	}
}

/* ---- replay ---- */
static void mp_assert_sc(void *arg)
{
	lit *l = lit_new();

	(void)arg;
	run2(l, mp_writer_rlx, mp_reader_rlx);
	if (R(2, 0) == 1)
		mc_assert_eq(R(2, 1), 1);
}

static void replay_checks(void)
{
	mc_config c = config();
	mc_result first, again, bad;
	const char *name = "replay_mp_relaxed";

	if (!mc_selected(name))
		return;
	first = expect_verdict(name, mp_assert_sc, NULL, MC_FAILURE_ASSERT, NULL);
	c.replay = first.replay;
	mc_check("replay_mp_relaxed (replayed)", mp_assert_sc, NULL, &c, &again);
	tap(again.verdict == MC_FAIL && again.executions == 1 && strcmp(again.message, first.message) == 0 &&
	            strcmp(again.replay, first.replay) == 0,
	    "replay reproduces the failure", "schedule '%s': %s", first.replay, again.message);
	c.naive = true;
	mc_check("replay_mp_relaxed (replayed, naive)", mp_assert_sc, NULL, &c, &again);
	tap(again.verdict == MC_FAIL && strcmp(again.message, first.message) == 0,
	    "replay string is independent of the reduction", "%s", mc_verdict_str(again.verdict));
	c = config();
	c.replay = "t1 t1 r9 x";
	mc_check("replay_mp_relaxed (bad string)", mp_assert_sc, NULL, &c, &bad);
	tap(bad.verdict == MC_FAIL && bad.failure == MC_FAILURE_USAGE, "a replay string that does not fit is refused",
	    "%s", bad.message);
}

/* ---- differential: sleep sets vs the naive enumerator on random programs ---- */
enum { OP_LOAD, OP_STORE, OP_ADD, OP_XCHG, OP_CAS, OP_CAS_WEAK, OP_FENCE, OP_KINDS, OP_WAIT = OP_KINDS };

typedef struct rop {
	uint8_t kind, loc, order, value;
} rop;

typedef struct rprog {
	int threads, ops;
	rop op[3][3];
} rprog;

static rprog prog;
static uint64_t rng_state;
static bool with_waits; /* spinning programs: some ops wait for a value */

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33) % n;
}

static void random_prog(void)
{
	/* seq_cst everywhere too: the psc check must agree between the searches */
	static const uint8_t load_orders[] = {MC_RELAXED, MC_ACQUIRE, MC_SEQ_CST};
	static const uint8_t store_orders[] = {MC_RELAXED, MC_RELEASE, MC_SEQ_CST};
	static const uint8_t rmw_orders[] = {MC_RELAXED, MC_ACQUIRE, MC_RELEASE, MC_ACQ_REL, MC_SEQ_CST};
	static const uint8_t fence_orders[] = {MC_ACQUIRE, MC_RELEASE, MC_ACQ_REL, MC_SEQ_CST};
	int t, i;

	prog.threads = 2 + (int)rnd(2);
	prog.ops = 2 + (int)rnd(2);
	for (t = 0; t < prog.threads; t++)
		for (i = 0; i < prog.ops; i++) {
			rop *o = &prog.op[t][i];

			o->kind = (uint8_t)rnd(OP_KINDS);
			o->loc = (uint8_t)rnd(2);
			o->value = (uint8_t)(1 + rnd(3));
			switch (o->kind) {
			case OP_LOAD:
			case OP_WAIT: o->order = load_orders[rnd(3)]; break;
			case OP_STORE: o->order = store_orders[rnd(3)]; break;
			case OP_FENCE: o->order = fence_orders[rnd(4)]; break;
			default: o->order = rmw_orders[rnd(5)]; break;
			}
		}
	/* spinning programs: a third of the loads become waits for a value that
	 * another thread stores (so most programs can finish) */
	for (t = 0; with_waits && t < prog.threads; t++)
		for (i = 0; i < prog.ops; i++) {
			rop *o = &prog.op[t][i];
			int u, j;

			if (o->kind != OP_LOAD || rnd(3) == 0)
				continue;
			for (u = 0; u < prog.threads; u++)
				for (j = 0; j < prog.ops; j++)
					if (u != t && prog.op[u][j].kind == OP_STORE && prog.op[u][j].loc == o->loc) {
						o->kind = OP_WAIT;
						o->value = prog.op[u][j].value;
					}
		}
}

typedef struct rctx {
	uint32_t loc[2];
	uint32_t reg[3][3];
} rctx;

static void rthread(void *arg)
{
	rctx *c = arg;
	int t = mc_self() - 1, i;

	for (i = 0; i < prog.ops; i++) {
		const rop *o = &prog.op[t][i];
		uint32_t *p = &c->loc[o->loc], e;

		switch (o->kind) {
		case OP_LOAD: c->reg[t][i] = (uint32_t)mc_load(p, 4, o->order, __FILE__, __LINE__); break;
		case OP_STORE: mc_store(p, 4, o->value, o->order, __FILE__, __LINE__); break;
		case OP_ADD: c->reg[t][i] = (uint32_t)mc_rmw(p, 4, MC_RMW_ADD, o->value, o->order, __FILE__, __LINE__); break;
		case OP_XCHG: c->reg[t][i] = (uint32_t)mc_rmw(p, 4, MC_RMW_XCHG, o->value, o->order, __FILE__, __LINE__); break;
		case OP_CAS:
		case OP_CAS_WEAK: {
			uint64_t x = o->value - 1u;

			e = mc_cas(p, 4, &x, o->value, o->order, o->order == MC_RELEASE ? MC_RELAXED : MC_ACQUIRE,
			           o->kind == OP_CAS_WEAK, __FILE__, __LINE__);
			c->reg[t][i] = e << 8 | (uint32_t)x;
			break;
		}
		case OP_FENCE: mc_fence(o->order, __FILE__, __LINE__); break;
		case OP_WAIT:
			while ((c->reg[t][i] = (uint32_t)mc_load(p, 4, o->order, __FILE__, __LINE__)) != o->value)
				sp_spin_hint();
			break;
		}
	}
}

static void rbody(void *arg)
{
	rctx *c = mc_alloc(sizeof(*c), 64);
	int tid[3], t, i;
	uint64_t h = 1469598103934665603ull;

	(void)arg;
	for (t = 0; t < prog.threads; t++)
		tid[t] = mc_spawn(rthread, c);
	for (t = 0; t < prog.threads; t++)
		mc_join(tid[t]);
	for (t = 0; t < prog.threads; t++)
		for (i = 0; i < prog.ops; i++)
			h = (h ^ c->reg[t][i]) * 1099511628211ull;
	h = (h ^ sp_load_relaxed_u32(&c->loc[0])) * 1099511628211ull;
	h = (h ^ sp_load_relaxed_u32(&c->loc[1])) * 1099511628211ull;
	outcome(h);
}

/* Outcome set of the current random program under c; the verdict says
 * whether it finished, and how it failed if it did not. */
static mc_result outcome_sets(const mc_config *c, uint64_t *set, size_t *n)
{
	mc_result r;

	n_outcomes = 0;
	mc_check("random program", rbody, NULL, c, &r);
	qsort(outcomes, n_outcomes, sizeof(*outcomes), cmp_u64);
	memcpy(set, outcomes, n_outcomes * sizeof(*set));
	*n = n_outcomes;
	return r;
}

static void print_prog(int bad)
{
	int t, i;

	printf("# program %d (%d threads x %d ops): kind loc order value\n", bad, prog.threads, prog.ops);
	for (t = 0; t < prog.threads; t++)
		for (i = 0; i < prog.ops; i++)
			printf("#   T%d op%d: %d %d %d %d\n", t + 1, i, prog.op[t][i].kind, prog.op[t][i].loc,
			       prog.op[t][i].order, prog.op[t][i].value);
}

static bool passed(const mc_result *r)
{
	return r->verdict == MC_PASS_EXHAUSTIVE || r->verdict == MC_PASS_BOUNDED;
}

/* Is the failure real: does its schedule fail the same way with no reduction? */
static bool replays(const mc_result *r, const mc_config *naive)
{
	mc_config c = *naive;
	mc_result again;

	c.replay = r->replay[0] ? r->replay : " ";
	mc_check("random program (replay)", rbody, NULL, &c, &again);
	return again.verdict == MC_FAIL && again.failure == r->failure;
}

/* Reduced result ra (outcomes a) against naive rb (outcomes b). When the naive
 * side runs out of budget, what it saw must be a subset, and a failure the
 * reduced side found must replay without reduction. */
static bool differential_agree(const mc_result *ra, const mc_result *rb, const uint64_t *a, size_t na,
                               const uint64_t *b, size_t nb, const mc_config *naive, int *partial)
{
	size_t i, j;

	if (!passed(ra) && ra->verdict != MC_FAIL)
		return false; /* the reduced search must always finish */
	if (rb->verdict == MC_INCOMPLETE) {
		++*partial;
		if (ra->verdict == MC_FAIL)
			return replays(ra, naive);
		for (i = 0; i < nb; i++) {
			for (j = 0; j < na && a[j] != b[i]; j++)
				;
			if (j == na)
				return false;
		}
		return true;
	}
	if (passed(ra) != passed(rb))
		return false;
	if (!passed(ra)) /* both failed: the same way, or each for a real reason */
		return ra->failure == rb->failure || (replays(ra, naive) && replays(rb, naive));
	return na == nb && memcmp(a, b, na * sizeof(*a)) == 0;
}

/* The reduced search (sleep sets, covered stale reads skipped, spins pruned)
 * against the naive enumerator with blocking spins: the same outcome sets and
 * the same verdict (a livelock in one must be a livelock in the other). A
 * failing check stops its exploration, so outcome sets are compared only
 * when both pass. */
static void differential(const char *name, int programs, bool waits, uint64_t seed)
{
	static uint64_t a[MAX_OUTCOMES], b[MAX_OUTCOMES];
	mc_config cs = config(), cn = config();
	uint64_t ta = 0, tb = 0;
	size_t na, nb;
	int p, bad = -1, failing = 0, partial = 0;

	if (!mc_selected(name))
		return;
	cs.silent = cn.silent = true;
	cn.naive = true;
	cn.max_execs = 300000;
	if (waits)
		cn.spin = MC_SPIN_BLOCK;
	with_waits = waits;
	rng_state = seed;
	for (p = 0; p < programs && bad < 0; p++) {
		mc_result ra, rb;

		random_prog();
		ra = outcome_sets(&cs, a, &na);
		rb = outcome_sets(&cn, b, &nb);
		ta += ra.executions;
		tb += rb.executions;
		if (!differential_agree(&ra, &rb, a, na, b, nb, &cn, &partial)) {
			bad = p;
			print_prog(p);
			printf("# reduced: %s %s (%zu outcomes), naive: %s %s (%zu outcomes)\n", mc_verdict_str(ra.verdict),
			       mc_failure_str(ra.failure), na, mc_verdict_str(rb.verdict), mc_failure_str(rb.failure), nb);
		}
		failing += ra.verdict == MC_FAIL;
	}
	tap(bad < 0, name,
	    "%d programs (%d can livelock, found by both; %d too big for the naive budget: its outcomes a "
	    "subset, or the failure replayed without reduction), %llu executions reduced, %llu naive%s",
	    p, failing, partial, (unsigned long long)ta, (unsigned long long)tb,
	    bad < 0 ? "" : "; MISMATCH on the last one");
}

int main(void)
{
	static const uint64_t all4[] = {OUT2(0, 0), OUT2(0, 1), OUT2(1, 0), OUT2(1, 1)};
	static const uint64_t no_10[] = {OUT2(0, 0), OUT2(0, 1), OUT2(1, 1)};
	static const uint64_t no_00[] = {OUT2(0, 1), OUT2(1, 0), OUT2(1, 1)};
	static const uint64_t no_11[] = {OUT2(0, 0), OUT2(0, 1), OUT2(1, 0)};
	static const uint64_t corr_ok[] = {OUT2(0, 0), OUT2(0, 1), OUT2(0, 2), OUT2(1, 1), OUT2(1, 2), OUT2(2, 2)};
	/* (own read, final x): T2's 2 may land before T1's 1 (1,1), after it (1,2)
	 * or between T1's store and load (2,2); never (2,1) */
	static const uint64_t cowr_ok[] = {OUT2(1, 1), OUT2(1, 2), OUT2(2, 2)};
	static const uint64_t corr_hb_ok[] = {
		/* T2 read 0: T3 sees y 0 or 1 and x anything */
		OUT2(0, 0), OUT2(0, 1), OUT2(1, 0), OUT2(1, 1),
		/* T2 read 1: T3 with y = 1 must read x = 1 */
		1u << 16 | OUT2(0, 0), 1u << 16 | OUT2(0, 1), 1u << 16 | OUT2(1, 1)};
	static const uint64_t iriw_ok[] = {0, 1};
	static const uint64_t rmw_ok[] = {OUT2(0, 1), OUT2(1, 2)};
	static const uint64_t adds_ok[] = {2u << 16 | OUT2(0, 1), 2u << 16 | OUT2(1, 0)};
	static const uint64_t cas_ok[] = {OUT2(1, 1), OUT2(0, 0)};
	static const uint64_t weak_ok[] = {OUT2(1, 0), OUT2(0, 0)};
	mc_config c;
	int programs = getenv("MC_LITMUS_PROGRAMS") ? atoi(getenv("MC_LITMUS_PROGRAMS")) : 100;

	mc_set_tap(true);
	expect_outcomes("MP relaxed reaches the stale read", mp_relaxed, all4, 4);
	expect_outcomes("MP release/acquire forbids it", mp_rel_acq, no_10, 3);
	expect_outcomes("MP with release/acquire fences forbids it", mp_fences, no_10, 3);
	expect_outcomes("MP release store, relaxed load allows it", mp_rel_rlx, all4, 4);
	expect_outcomes("SB relaxed reaches (0,0)", sb_relaxed, all4, 4);
	expect_outcomes("SB release/acquire reaches (0,0)", sb_rel_acq, all4, 4);
	expect_outcomes("SB with seq_cst fences forbids (0,0)", sb_sc_fences, no_00, 3);
	expect_outcomes("SB with seq_cst accesses forbids (0,0)", sb_sc_accesses, no_00, 3);
	expect_outcomes("CoRR: reads never go back in modification order", corr, corr_ok, 6);
	expect_outcomes("CoWR: a thread never reads before its own store", cowr, cowr_ok, 3);
	expect_outcomes("CoRR through happens-before", corr_hb, corr_hb_ok, 7);
	expect_outcomes("LB (1,1) is forbidden, as in RC11 (no-thin-air)", lb_relaxed, no_11, 3);
	expect_outcomes("IRIW with acquire loads reaches the non-SC outcome", iriw, iriw_ok, 2);
	expect_outcomes("RMW atomicity (loom #389)", rmw_atomicity, rmw_ok, 2);
	expect_outcomes("fetch_add loses no update", rmw_no_lost_update, adds_ok, 2);
	expect_outcomes("strong CAS may fail on an older store", cas_stale_failure, cas_ok, 2);
	expect_outcomes("weak CAS may fail spuriously", cas_weak_spurious, weak_ok, 2);
	c = config();
	c.spurious = 0;
	if (mc_selected("MC_SPURIOUS=0 turns spurious failures off")) {
		static const uint64_t only_ok[] = {OUT2(1, 0)};
		mc_result r;

		n_outcomes = 0;
		mc_check("weak CAS with MC_SPURIOUS=0", cas_weak_spurious, NULL, &c, &r);
		/* the cap cut an option C11 allows: bounded, and named */
		tap(n_outcomes == 1 && outcomes[0] == only_ok[0] && r.verdict == MC_PASS_BOUNDED &&
		        strcmp(r.bounded_by, "spurious=0") == 0,
		    "MC_SPURIOUS=0 turns spurious failures off", "%zu outcomes, %s, cut by \"%s\"", n_outcomes,
		    mc_verdict_str(r.verdict), r.bounded_by);
	}
	expect_verdict("race: data published by a relaxed flag", race_relaxed_flag, NULL, MC_FAILURE_RACE, NULL);
	expect_verdict("no race: data published by release/acquire", race_acquire_flag, NULL, MC_FAILURE_NONE, NULL);
	expect_verdict("race: a write after the release store", race_write_after_release, NULL, MC_FAILURE_RACE, NULL);
	expect_verdict("no race: spawn and join order plain accesses", spawn_join_order, NULL, MC_FAILURE_NONE, NULL);
	expect_verdict("no race: release sequence through a relaxed RMW (loom #248)", release_sequence, NULL,
	               MC_FAILURE_NONE, NULL);
	expect_verdict("race: no release sequence from a relaxed store", release_sequence, (void *)1, MC_FAILURE_RACE,
	               NULL);
	expect_verdict("spin on a flag that gets set terminates", spin_terminates, NULL, MC_FAILURE_NONE, NULL);
	c = config();
	c.spin = MC_SPIN_BLOCK;
	expect_verdict("spin terminates (spin=block)", spin_terminates, NULL, MC_FAILURE_NONE, &c);
	expect_verdict("handshake: each waits for the other in turn", handshake, NULL, MC_FAILURE_NONE, NULL);
	expect_verdict("livelock: spin on a flag nobody sets", spin_forever, NULL, MC_FAILURE_LIVELOCK, NULL);
	expect_verdict("livelock: two threads wait for each other", mutual_wait, NULL, MC_FAILURE_LIVELOCK, NULL);
	expect_verdict("deadlock: two threads join each other", join_cycle, NULL, MC_FAILURE_DEADLOCK, NULL);
	expect_verdict("lost wake-up: a wake before the wait, nothing stored", futex_wake_races_wait, NULL,
	               MC_FAILURE_DEADLOCK, NULL);
	c = config();
	c.naive = true;
	expect_verdict("lost wake-up: the same, naive", futex_wake_races_wait, NULL, MC_FAILURE_DEADLOCK, &c);
	c = config();
	c.max_steps = 300;
	expect_verdict("step limit: a spin loop without sp_spin_hint", spin_without_hint, NULL, MC_FAILURE_STEPS, &c);
	spin_mp_checks();
	replay_checks();
	differential("reduced search == naive enumerator on random programs", programs, false, 12345);
	differential("... and on random programs that spin", programs, true, 777);
	printf("1..%d\n", test_no);
	return failures ? 1 : 0;
}
