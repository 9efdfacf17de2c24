/*
 * Exploration: the branch log and the loop that re-runs a test until every
 * branch has been taken.
 *
 * Stateless DFS: each execution replays the log's prefix, then takes option 0
 * at every new branch point (the current thread; the newest store), so run 1
 * is a sequentially consistent, preemption-free schedule. After the run the
 * deepest branch with options left is advanced and everything after it is
 * dropped. Replaying a prefix must meet the same branch points with the same
 * options, or the body is not deterministic and the check stops.
 *
 * Sleep sets (off with MC_NAIVE=1): once thread p's step has been explored at
 * a node, the later siblings carry p "asleep" until some thread takes a step
 * that does not commute with p's (same location and one of them writes; SC
 * fences and SC accesses among themselves; a spinner and a store it watches).
 * A run in which every enabled thread is asleep is a reordering of one already
 * explored and is cut. (The other reduction, skipping covered stale reads, is
 * decided in mc_memory.c and applied here: MC_RO_STALE_COVERED options.)
 *
 * Bounds: a preemption bound (switching away from a thread that could go on),
 * per-execution caps on stale reads and spurious weak-CAS failures, and at
 * most MC_MAX_OPTIONS options at one read. An option any of them forbids is
 * skipped, the verdict becomes PASS-BOUNDED and names the bounds that cut.
 *
 * Every choice made where more than one thread could run, or more than one
 * store could be read, is written to the execution's schedule string
 * ("t1 r2 t0": thread 1, read option 2, thread 0). The string does not depend
 * on sleep sets or bounds, so MC_REPLAY reruns exactly that execution under
 * any setting (except MC_SPIN, which decides where branching stops).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mc_internal.h"

static uint64_t rng_next(void)
{
	/* splitmix64: deterministic per seed, good enough to sample schedules */
	uint64_t z = (mc.rng += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void path_push(char kind, unsigned value)
{
	if (mc.path_len == mc.path_cap) {
		mc.path_cap = mc.path_cap ? mc.path_cap * 2 : 256;
		mc.path = realloc(mc.path, mc.path_cap * sizeof(*mc.path));
		if (!mc.path)
			abort();
	}
	mc.path[mc.path_len].kind = kind;
	mc.path[mc.path_len].value = (uint8_t)value;
	mc.path_len++;
}

void mc_replay_string(char *out, size_t len)
{
	size_t off = 0;
	uint32_t i;

	out[0] = '\0';
	for (i = 0; i < mc.path_len && off + 8 < len; i++)
		off += snprintf(out + off, len - off, "%s%c%u", i ? " " : "", mc.path[i].kind,
		                (unsigned)mc.path[i].value);
	if (i < mc.path_len)
		snprintf(out + (len > 16 ? len - 16 : 0), 16, " ...(cut)");
}

/* Next token of MC_REPLAY, or 0 when the string is used up. */
static int replay_token(unsigned *value)
{
	const char *s = mc.replay_pos;
	char kind;
	char *end;
	unsigned long v;

	while (*s == ' ' || *s == ',' || *s == '\t' || *s == '\n')
		s++;
	if (!*s) {
		mc.replay_pos = s;
		return 0;
	}
	kind = *s++;
	errno = 0;
	v = strtoul(s, &end, 10);
	if ((kind != 't' && kind != 'r') || end == s || errno || v > 255)
		mc_fail_kind(MC_FAILURE_USAGE, "MC_REPLAY: bad token at \"%.12s\" (tokens are t<thread> or r<option>)",
		             mc.replay_pos);
	mc.replay_pos = end;
	*value = (unsigned)v;
	return kind;
}

/* Takes the branch at the current depth: replays the logged choice or logs a
 * new node. Returns the position in opt[] to take. */
static int branch(mc_branch_kind kind, int n, const uint8_t *opt)
{
	mc_branch *b;
	int pos;

	if (n == 1)
		return 0;
	if (mc.cfg.random) {
		return (int)(rng_next() % (uint64_t)n);
	}
	if (mc.depth < mc.log_len) {
		b = &mc.log[mc.depth++];
		if (b->kind != kind || b->n != n || memcmp(b->opt, opt, (size_t)n) != 0)
			mc_fail_kind(MC_FAILURE_USAGE,
			             "the test is not deterministic: replaying branch %u met different options "
			             "(shared state outside mc_alloc? results of an earlier execution?)",
			             mc.depth);
		return b->pos;
	}
	if (mc.log_len == mc.log_cap) {
		mc.log_cap = mc.log_cap ? mc.log_cap * 2 : 1024;
		mc.log = realloc(mc.log, mc.log_cap * sizeof(*mc.log));
		if (!mc.log)
			abort();
	}
	b = &mc.log[mc.log_len++];
	mc.depth++;
	b->kind = (uint8_t)kind;
	b->n = (uint8_t)n;
	b->pos = 0;
	memcpy(b->opt, opt, (size_t)n);
	pos = 0;
	return pos;
}

static int popcount(uint32_t x)
{
	int n = 0;

	for (; x; x &= x - 1)
		n++;
	return n;
}

static int default_thread(uint32_t enabled, int current, bool current_enabled)
{
	int i;

	if (current_enabled)
		return current;
	for (i = 0; i < MC_MAX_THREADS; i++)
		if (enabled & (1u << i))
			return i;
	return -1;
}

static bool watches(const mc_thread *t, const void *addr)
{
	int i;

	for (i = 0; i < t->nwatch; i++)
		if (mc_loc_of(t->watch[i].loc)->addr == addr)
			return true;
	return false;
}

static bool is_write(mc_op_kind k)
{
	return k == MC_OP_STORE || k == MC_OP_RMW;
}

static bool is_sc(const mc_op *o)
{
	return o->order == MC_SEQ_CST &&
	       (o->kind == MC_OP_FENCE || o->kind == MC_OP_LOAD || o->kind == MC_OP_STORE || o->kind == MC_OP_RMW);
}

/* Do the pending steps of threads a and b fail to commute? */
static bool dependent(const mc_thread *a, const mc_thread *b)
{
	const mc_op *x = &a->pending, *y = &b->pending;

	if (x->kind == MC_OP_SPIN)
		return is_write(y->kind) && watches(a, y->addr);
	if (y->kind == MC_OP_SPIN)
		return is_write(x->kind) && watches(b, x->addr);
	if (is_sc(x) && is_sc(y))
		return true;
	if (x->kind == MC_OP_FENCE || y->kind == MC_OP_FENCE || x->kind == MC_OP_JOIN || y->kind == MC_OP_JOIN ||
	    x->kind == MC_OP_NONE || y->kind == MC_OP_NONE)
		return false;
	return x->addr == y->addr && (is_write(x->kind) || is_write(y->kind));
}

int mc_choose_thread(uint32_t enabled, int current, bool current_enabled)
{
	uint8_t opt[MC_MAX_THREADS];
	uint32_t avail = enabled;
	int n = 0, i, pos, next;
	bool use_sleep = !mc.cfg.naive && !mc.cfg.random && !mc.replaying;

	if (mc.completion) {
		next = default_thread(enabled, current, current_enabled);
		goto chosen;
	}
	if (mc.replaying) {
		unsigned v;
		int kind;

		if (popcount(enabled) == 1 || !(kind = replay_token(&v))) {
			next = default_thread(enabled, current, current_enabled);
		} else {
			if (kind != 't' || v >= MC_MAX_THREADS || !(enabled & (1u << v)))
				mc_fail_kind(MC_FAILURE_USAGE,
				             "MC_REPLAY does not fit this test: token %c%u where threads 0x%x could run",
				             kind, v, enabled);
			next = (int)v;
		}
		goto record;
	}
	if (use_sleep)
		avail &= ~mc.sleep;
	if (current_enabled && (avail & (1u << current)))
		opt[n++] = (uint8_t)current;
	for (i = 0; i < mc.nthreads; i++) {
		if (i == current || !(avail & (1u << i)))
			continue;
		if (current_enabled && mc.cfg.preempt >= 0 && mc.preemptions >= mc.cfg.preempt) {
			mc_bound_cut(MC_CUT_PREEMPT);
			continue;
		}
		opt[n++] = (uint8_t)i;
	}
	if (n == 0)
		mc_end_execution(MC_END_REDUNDANT);
	pos = branch(MC_BR_THREAD, n, opt);
	next = opt[pos];
	if (use_sleep) {
		for (i = 0; i < pos; i++)
			mc.sleep |= 1u << opt[i];
		for (i = 0; i < mc.nthreads; i++)
			if ((mc.sleep & (1u << i)) && dependent(&mc.threads[i], &mc.threads[next]))
				mc.sleep &= ~(1u << i);
	}
record:
	if (popcount(enabled) > 1)
		path_push('t', (unsigned)next);
chosen:
	if (current_enabled && next != current)
		mc.preemptions++;
	return next;
}

int mc_choose_read(int n, const uint8_t *kinds)
{
	uint8_t opt[MC_MAX_OPTIONS];
	int m = 0, k, pos;

	if (n <= 1 || mc.completion)
		return 0;
	if (n > MC_MAX_OPTIONS) {
		n = MC_MAX_OPTIONS;
		mc_bound_cut(MC_CUT_OPTIONS);
	}
	if (mc.replaying) {
		unsigned v;
		int kind = replay_token(&v);

		k = 0;
		if (kind) {
			if (kind != 'r' || (int)v >= n)
				mc_fail_kind(MC_FAILURE_USAGE,
				             "MC_REPLAY does not fit this test: token %c%u where a read had %d options",
				             kind, v, n);
			k = (int)v;
		}
	} else {
		for (k = 0; k < n; k++) {
			int base = kinds[k] & ~MC_RO_SPURIOUS;
			bool spur = (kinds[k] & MC_RO_SPURIOUS) != 0;
			bool is_stale = base == MC_RO_STALE || base == MC_RO_STALE_COVERED;
			bool needed = base != MC_RO_STALE_COVERED || mc.cfg.naive; /* else covered: a reduction */
			bool stale_ok = !is_stale || mc.cfg.stale < 0 || mc.stale_used < mc.cfg.stale;
			bool spur_ok = !spur || mc.cfg.spurious < 0 || mc.spurious_used < mc.cfg.spurious;

			if (k == 0 || (needed && stale_ok && spur_ok))
				opt[m++] = (uint8_t)k;
			else if (needed && !stale_ok)
				mc_bound_cut(MC_CUT_STALE);
			else if (needed && !spur_ok)
				mc_bound_cut(MC_CUT_SPURIOUS); /* C11 allows any number: a cap is a bound */
		}
		pos = branch(MC_BR_READ, m, opt);
		k = opt[pos];
	}
	if ((kinds[k] & ~MC_RO_SPURIOUS) != MC_RO_LATEST)
		mc.stale_used++;
	if (kinds[k] & MC_RO_SPURIOUS)
		mc.spurious_used++;
	path_push('r', (unsigned)k);
	return k;
}

void mc_bound_cut(uint32_t which)
{
	mc.bound_cut = true;
	mc.bound_hit |= which;
}

/* The bounds that cut, for the verdict line: "preempt=3 spurious=1". */
static void cut_text(char *buf, size_t len, uint32_t hit, const mc_config *c)
{
	size_t off = 0;

	buf[0] = '\0';
	if (hit & MC_CUT_PREEMPT)
		off += (size_t)snprintf(buf + off, len - off, "%spreempt=%d", off ? " " : "", c->preempt);
	if ((hit & MC_CUT_STALE) && off < len)
		off += (size_t)snprintf(buf + off, len - off, "%sstale=%d", off ? " " : "", c->stale);
	if ((hit & MC_CUT_SPURIOUS) && off < len)
		off += (size_t)snprintf(buf + off, len - off, "%sspurious=%d", off ? " " : "", c->spurious);
	if ((hit & MC_CUT_OPTIONS) && off < len)
		off += (size_t)snprintf(buf + off, len - off, "%sread-options=%d", off ? " " : "", MC_MAX_OPTIONS);
	if ((hit & MC_CUT_FUTEX) && off < len)
		snprintf(buf + off, len - off, "%sfutex=%d", off ? " " : "", c->futex);
}

/* Advances the deepest branch that has options left; false when none has. */
static bool advance(void)
{
	while (mc.log_len > 0) {
		mc_branch *b = &mc.log[mc.log_len - 1];

		if (b->pos + 1 < b->n) {
			b->pos++;
			return true;
		}
		mc.log_len--;
	}
	return false;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void begin_execution(void)
{
	mc.depth = 0;
	mc.sleep = 0;
	mc.preemptions = 0;
	mc.stale_used = 0;
	mc.spurious_used = 0;
	mc.completion = false;
	mc.path_len = 0;
	mc.replay_pos = mc.cfg.replay;
	if (mc.cfg.random)
		mc.log_len = 0;
}

const char *mc_verdict_str(mc_verdict v)
{
	switch (v) {
	case MC_PASS_EXHAUSTIVE: return "PASS-EXHAUSTIVE";
	case MC_PASS_BOUNDED: return "PASS-BOUNDED";
	case MC_INCOMPLETE: return "INCOMPLETE";
	case MC_FAIL: return "FAIL";
	}
	return "?";
}

const char *mc_failure_str(mc_failure f)
{
	switch (f) {
	case MC_FAILURE_NONE: return "none";
	case MC_FAILURE_ASSERT: return "assertion";
	case MC_FAILURE_RACE: return "data race";
	case MC_FAILURE_LIVELOCK: return "livelock";
	case MC_FAILURE_DEADLOCK: return "deadlock";
	case MC_FAILURE_STEPS: return "step limit";
	case MC_FAILURE_USAGE: return "usage";
	}
	return "?";
}

bool mc_selected(const char *name)
{
	const char *f = getenv("MC_TEST");

	/* exact name, or a shell pattern: MC_TEST='ring_*' */
	return !f || !*f || strcmp(name, f) == 0 || fnmatch(f, name, 0) == 0;
}

static void bound_text(char *buf, size_t len, const mc_config *c)
{
	char p[16], s[16];

	if (c->preempt < 0)
		snprintf(p, sizeof(p), "none");
	else
		snprintf(p, sizeof(p), "%d", c->preempt);
	if (c->stale < 0)
		snprintf(s, sizeof(s), "none");
	else
		snprintf(s, sizeof(s), "%d", c->stale);
	snprintf(buf, len, "preempt=%s stale=%s spurious=%d%s%s", p, s, c->spurious, c->naive ? " naive" : "",
	         c->spin == MC_SPIN_BLOCK ? " spin=block" : "");
}

mc_verdict mc_check(const char *name, void (*body)(void *), void *arg, const mc_config *cfg, mc_result *res)
{
	mc_result r;
	double start, elapsed;
	bool any_cut = false, exhausted = false;
	char bounds[96];

	memset(&r, 0, sizeof(r));
	if (cfg)
		mc.cfg = *cfg;
	else
		mc_config_init(&mc.cfg, MC_TIER_EXHAUSTIVE);
	mc.test_name = name;
	mc.replaying = mc.cfg.replay && *mc.cfg.replay;
	mc.rng = mc.cfg.seed;
	mc.log_len = 0;
	mc.bound_hit = 0;
	mc.names_prev = 0; /* the name cache is per test */
	mc_fiber_setup();
	bound_text(bounds, sizeof(bounds), &mc.cfg);
	start = now_seconds();
	for (;;) {
		begin_execution();
		mc.bound_cut = false;
		mc_run_execution(body, arg);
		r.executions++;
		any_cut |= mc.bound_cut;
		if (mc.end == MC_END_FAILURE) {
			r.verdict = MC_FAIL;
			r.failure = mc.failure;
			r.failing_execution = r.executions;
			snprintf(r.message, sizeof(r.message), "%s", mc.message);
			mc_replay_string(r.replay, sizeof(r.replay));
			break;
		}
		if (mc.end == MC_END_REDUNDANT)
			r.redundant++;
		else if (mc.end == MC_END_INCONSISTENT)
			r.inconsistent++;
		else if (mc.completion)
			r.pruned++;
		else
			r.completed++;
		if (mc.replaying) {
			if (mc.cfg.trace)
				mc_trace_print();
			break;
		}
		if (mc.cfg.random) {
			if (r.executions >= mc.cfg.random)
				break;
		} else {
			if (mc.depth > mc.log_len)
				mc.log_len = mc.depth;
			if (!advance()) {
				exhausted = true;
				break;
			}
		}
		if (r.executions >= mc.cfg.max_execs || now_seconds() - start > mc.cfg.max_seconds) {
			r.verdict = MC_INCOMPLETE;
			break;
		}
	}
	elapsed = now_seconds() - start;
	r.seconds = elapsed;
	if (r.verdict != MC_FAIL && r.verdict != MC_INCOMPLETE)
		r.verdict = (exhausted && !any_cut) ? MC_PASS_EXHAUSTIVE : MC_PASS_BOUNDED;
	cut_text(r.bounded_by, sizeof(r.bounded_by), mc.bound_hit, &mc.cfg);
	if (mc.cfg.silent)
		goto done;
	if (mc.replaying && r.verdict != MC_FAIL)
		mc_out("model: %s: replayed schedule ran without failure\n", name);
	mc_out("model: %-48s %-16s %8llu executions (%llu complete, %llu pruned, %llu redundant, %llu inconsistent) "
	       "%7.2f s  [%s]%s%s\n",
	       name, mc_verdict_str(r.verdict), (unsigned long long)r.executions, (unsigned long long)r.completed,
	       (unsigned long long)r.pruned, (unsigned long long)r.redundant, (unsigned long long)r.inconsistent,
	       elapsed, bounds, r.bounded_by[0] ? "  cut by " : "", r.bounded_by);
	if (r.verdict == MC_FAIL && !mc.cfg.quiet)
		mc_report_failure(&r);
	if (r.verdict == MC_INCOMPLETE)
		mc_out("model: %s: budget ran out (MC_MAX_EXECS=%llu, MC_MAX_SECONDS=%.0f): not a pass\n", name,
		       (unsigned long long)mc.cfg.max_execs, mc.cfg.max_seconds);
	fflush(stdout);
done:
	if (res)
		*res = r;
	return r.verdict;
}
