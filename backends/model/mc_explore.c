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
 * Source-DPOR (below, "source-DPOR") decides which threads a node explores;
 * without it (MC_DPOR=0, or a preemption bound) every enabled thread is.
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
		if (mc.depth == mc.diverge_depth && mc.ndsteps)
			mc.dpor_from = mc.ndsteps - 1;
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

/* Does op o touch addr? (a futex_waitv touches each of its words) */
static bool op_on(const mc_op *o, const void *addr)
{
	int i;

	if (o->addr == addr)
		return true;
	for (i = 0; i < o->naddrs; i++)
		if (o->addrs[i] == addr)
			return true;
	return false;
}

static bool ops_overlap(const mc_op *x, const mc_op *y)
{
	int i;

	if (op_on(x, y->addr))
		return true;
	for (i = 0; i < y->naddrs; i++)
		if (op_on(x, y->addrs[i]))
			return true;
	return false;
}

static bool watches_op(const mc_thread *t, const mc_op *o)
{
	int i;

	if (watches(t, o->addr))
		return true;
	for (i = 0; i < o->naddrs; i++)
		if (watches(t, o->addrs[i]))
			return true;
	return false;
}

/* Do the pending steps of threads a and b fail to commute? */
static bool dependent(const mc_thread *a, const mc_thread *b)
{
	const mc_op *x = &a->pending, *y = &b->pending;

	if (x->kind == MC_OP_SPIN)
		return is_write(y->kind) && watches_op(a, y);
	if (y->kind == MC_OP_SPIN)
		return is_write(x->kind) && watches_op(b, x);
	if (is_sc(x) && is_sc(y))
		return true;
	if (x->kind == MC_OP_FENCE || y->kind == MC_OP_FENCE || x->kind == MC_OP_JOIN || y->kind == MC_OP_JOIN ||
	    x->kind == MC_OP_NONE || y->kind == MC_OP_NONE)
		return false;
	return ops_overlap(x, y) && (is_write(x->kind) || is_write(y->kind));
}

/* ---- source-DPOR (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014) ----
 *
 * Thread nodes keep a backtrack set instead of branching on every enabled
 * thread: a node starts with the thread it runs first, and after each
 * execution the race analysis below adds, for every race e' < e (dependent
 * steps of two threads, e' not before e in dependence order except through
 * the race itself), one initial of the reversed sequence notdep(e').e to the
 * node before e', unless the backtrack set or the sleep set there already
 * holds one. Sleep sets stay as before (a thread explored at a node sleeps in
 * later siblings until a dependent step). Dependence is the checker's
 * dependence order (mc_memory.c, the dep clocks): same location and one of
 * the two writes (a CAS is a write even when it fails: as a read it lost an
 * execution in the differential test), seq_cst with seq_cst, plus the
 * program-order, spawn, join and spin-wakeup edges. Read choices still
 * branch on every option they offer. Not used with a preemption bound, the
 * naive oracle, sampling or replay (mc.dpor). */

static int memop(const mc_step *s)
{
	return s->kind == MC_OP_LOAD || s->kind == MC_OP_STORE || s->kind == MC_OP_RMW;
}

static bool steps_dependent(const mc_step *a, const mc_step *b)
{
	if (a->sc && b->sc)
		return true;
	return memop(a) && memop(b) && a->addr == b->addr && (a->write || b->write);
}

/* The last step's op has run: its dep clock after it, and whether it wrote. */
static void step_finish(void)
{
	mc_step *s;

	if (!mc.ndsteps)
		return;
	s = &mc.dsteps[mc.ndsteps - 1];
	s->post = mc.threads[s->tid].dep;
	s->write = mc.op_write;
}

static void step_begin(int tid, int32_t node)
{
	const mc_op *o = &mc.threads[tid].pending;
	mc_step *s;

	if (mc.ndsteps == mc.dsteps_cap) {
		mc.dsteps_cap = mc.dsteps_cap ? mc.dsteps_cap * 2 : 256;
		mc.dsteps = realloc(mc.dsteps, mc.dsteps_cap * sizeof(*mc.dsteps));
		if (!mc.dsteps)
			abort();
	}
	s = &mc.dsteps[mc.ndsteps++];
	s->tid = (uint8_t)tid;
	s->kind = (uint8_t)o->kind;
	s->sc = is_sc(o);
	s->addr = o->addr;
	s->node = node;
	s->pre = mc.threads[tid].dep;
	s->post = s->pre;
	s->write = false;
	mc.op_write = false;
}

void mc_step_also(const void *addr)
{
	const mc_step *prev;
	mc_step *s;

	if (!mc.dpor || !mc.ndsteps)
		return;
	step_finish();
	prev = &mc.dsteps[mc.ndsteps - 1];
	if (mc.ndsteps == mc.dsteps_cap) {
		mc.dsteps_cap *= 2;
		mc.dsteps = realloc(mc.dsteps, mc.dsteps_cap * sizeof(*mc.dsteps));
		if (!mc.dsteps)
			abort();
		prev = &mc.dsteps[mc.ndsteps - 1];
	}
	s = &mc.dsteps[mc.ndsteps++];
	*s = *prev;
	s->addr = addr;
	s->pre = prev->post;
	s->write = false;
	mc.op_write = false;
}

static uint32_t opt_mask(const mc_branch *b)
{
	uint32_t m = 0;
	int i;

	for (i = 0; i < b->n; i++)
		m |= 1u << b->opt[i];
	return m;
}

/* A thread choice among two or more enabled threads, DPOR mode: replays the
 * logged node or opens a new one with the first thread not asleep. */
static int dpor_branch(uint32_t enabled, int current, bool current_enabled, int32_t *node)
{
	uint8_t opt[MC_MAX_THREADS];
	uint32_t avail;
	mc_branch *b;
	int n = 0, i, first = -1;

	if (current_enabled)
		opt[n++] = (uint8_t)current;
	for (i = 0; i < mc.nthreads; i++)
		if (i != current && (enabled & (1u << i)))
			opt[n++] = (uint8_t)i;
	if (mc.depth < mc.log_len) {
		if (mc.depth == mc.diverge_depth && mc.ndsteps)
			mc.dpor_from = mc.ndsteps - 1;
		b = &mc.log[mc.depth];
		if (b->kind != MC_BR_THREAD || b->n != n || memcmp(b->opt, opt, (size_t)n) != 0)
			mc_fail_kind(MC_FAILURE_USAGE,
			             "the test is not deterministic: replaying branch %u met different options "
			             "(shared state outside mc_alloc? results of an earlier execution?)",
			             mc.depth);
		*node = (int32_t)mc.depth++;
		return b->opt[b->pos];
	}
	avail = enabled & ~mc.sleep;
	for (i = 0; i < n && first < 0; i++)
		if (avail & (1u << opt[i]))
			first = i;
	if (first < 0)
		mc_end_execution(MC_END_REDUNDANT); /* every enabled thread asleep */
	if (mc.log_len == mc.log_cap) {
		mc.log_cap = mc.log_cap ? mc.log_cap * 2 : 1024;
		mc.log = realloc(mc.log, mc.log_cap * sizeof(*mc.log));
		if (!mc.log)
			abort();
	}
	b = &mc.log[mc.log_len++];
	mc.depth++;
	b->kind = MC_BR_THREAD;
	b->n = (uint8_t)n;
	memcpy(b->opt, opt, (size_t)n);
	b->pos = (uint8_t)first;
	b->backtrack = (uint8_t)(1u << opt[first]);
	b->done = 0;
	b->sleep_in = (uint8_t)mc.sleep;
	*node = (int32_t)(mc.log_len - 1);
	return opt[first];
}

/* Race e' = steps[i] < e = steps[j]: make sure the node before e' explores
 * an initial of notdep(e').e (source sets). */
static void dpor_race(uint32_t i, uint32_t j)
{
	const mc_step *si = &mc.dsteps[i];
	uint32_t q = si->tid, d = si->post.c[si->tid], k, m;
	uint32_t seen = 0, init = 0, en;
	mc_branch *b;
	int pick;

	if (si->node < 0)
		return; /* one thread could run there (no reversal), or past a spin prune (marked in full) */
	b = &mc.log[si->node];
	for (k = i + 1; k <= j; k++) {
		const mc_step *sk = &mc.dsteps[k];
		bool initial = true;

		if (k != j && d <= sk->post.c[q])
			continue; /* after e' in dependence order: not in v */
		if (seen & (1u << sk->tid))
			continue;
		seen |= 1u << sk->tid;
		for (m = i + 1; m < k && initial; m++) {
			const mc_step *sm = &mc.dsteps[m];

			if (sm->tid == sk->tid || d <= sm->post.c[q])
				continue;
			if (sm->post.c[sm->tid] <= sk->post.c[sm->tid])
				initial = false; /* a step of v before it in dependence order */
		}
		if (initial)
			init |= 1u << sk->tid;
	}
	if (init & (b->backtrack | b->sleep_in))
		return;
	en = opt_mask(b);
	if (!(init & en)) {
		b->backtrack |= (uint8_t)en; /* not expected: fall back to every enabled thread */
		return;
	}
	init &= en;
	pick = (init & (1u << mc.dsteps[j].tid)) ? mc.dsteps[j].tid : __builtin_ctz(init);
	b->backtrack |= (uint8_t)(1u << pick);
}

/* After an execution (complete, or cut by sleep sets): find its races. */
#define DPOR_HASH 1024u /* more than the locations one execution may use (mc_memory.c: 512) */

static void dpor_analyse(void)
{
	static uint32_t *dep;
	static uint32_t dep_cap, chain_cap;
	static struct {
		int32_t loc, sc; /* previous step on the same location / the previous seq_cst step */
	} *chain;
	static struct {
		int32_t step;
	} last_at[DPOR_HASH];
	int32_t last_sc;
	uint32_t j, i, k, nd;

	step_finish();
	if (mc.completion_step >= 0) {
		/* A spin prune ended branching: the schedules it leaves to "the
		 * spinner's attempt comes later" must all stay open, so every node
		 * from the spinner's attempt on branches on every enabled thread
		 * (what the plain sleep-set search does there). */
		uint32_t a0 = (uint32_t)mc.completion_step;

		for (k = (uint32_t)mc.completion_step; k-- > 0;) {
			const mc_step *s = &mc.dsteps[k];

			if (s->tid != mc.completion_tid)
				continue;
			if (s->write || s->kind == MC_OP_SPIN)
				break;
			a0 = k;
		}
		for (k = a0; k < (uint32_t)mc.completion_step; k++)
			if (mc.dsteps[k].node >= 0)
				mc.log[mc.dsteps[k].node].backtrack |= (uint8_t)opt_mask(&mc.log[mc.dsteps[k].node]);
	}
	if (dep_cap < mc.ndsteps) {
		dep_cap = mc.ndsteps * 2;
		dep = realloc(dep, dep_cap * sizeof(*dep));
		if (!dep)
			abort();
	}
	/* same-location chains (a small open-addressed table of each address's
	 * last step), and the seq_cst chain */
	if (chain_cap < mc.ndsteps) {
		chain_cap = mc.ndsteps * 2;
		chain = realloc(chain, chain_cap * sizeof(*chain));
		if (!chain)
			abort();
	}
	memset(last_at, 0xff, sizeof(last_at));
	last_sc = -1;
	for (j = 0; j < mc.ndsteps; j++) {
		const mc_step *sj = &mc.dsteps[j];
		uint32_t h;

		chain[j].loc = chain[j].sc = -1;
		if (memop(sj)) {
			h = (uint32_t)(((uintptr_t)sj->addr >> 2) * 2654435761u) % DPOR_HASH;
			while (last_at[h].step >= 0 && mc.dsteps[last_at[h].step].addr != sj->addr)
				h = (h + 1) % DPOR_HASH;
			chain[j].loc = last_at[h].step;
			last_at[h].step = (int32_t)j;
		}
		if (sj->sc) {
			chain[j].sc = last_sc;
			last_sc = (int32_t)j;
		}
	}
	/* steps before mc.dpor_from are those of the previous execution, whose
	 * races among themselves were added then */
	for (j = mc.dpor_from; j < mc.ndsteps; j++) {
		const mc_step *sj = &mc.dsteps[j];
		int32_t c;

		if (!memop(sj) && !sj->sc)
			continue;
		nd = 0;
		for (c = chain[j].loc; c >= 0; c = chain[c].loc)
			if (mc.dsteps[c].tid != sj->tid && steps_dependent(&mc.dsteps[c], sj))
				dep[nd++] = (uint32_t)c;
		for (c = chain[j].sc; c >= 0; c = chain[c].sc)
			if (mc.dsteps[c].tid != sj->tid && !(memop(sj) && memop(&mc.dsteps[c]) &&
			                                       mc.dsteps[c].addr == sj->addr))
				dep[nd++] = (uint32_t)c; /* seq_cst pairs not already on the location's chain */
		for (i = 0; i < nd; i++) {
			const mc_step *si = &mc.dsteps[dep[i]];
			uint32_t q = si->tid, d = si->post.c[q];
			bool through = d <= sj->pre.c[q];

			for (k = 0; k < nd && !through; k++)
				if (k != i && d <= mc.dsteps[dep[k]].post.c[q])
					through = true; /* before e via another dependent step */
			if (!through)
				dpor_race(dep[i], j);
		}
	}
}

int mc_choose_thread(uint32_t enabled, int current, bool current_enabled)
{
	uint8_t opt[MC_MAX_THREADS];
	uint32_t avail = enabled;
	int n = 0, i, pos, next;
	bool use_sleep = !mc.cfg.naive && !mc.cfg.random && !mc.replaying;

	if (mc.dpor) {
		int32_t node = -1;

		step_finish();
		if (mc.completion) {
			next = default_thread(enabled, current, current_enabled);
			step_begin(next, -1);
			goto chosen;
		}
		if (popcount(enabled) == 1) {
			if (enabled & mc.sleep)
				mc_end_execution(MC_END_REDUNDANT); /* the only thread that can run sleeps */
			next = default_thread(enabled, current, current_enabled);
		} else {
			next = dpor_branch(enabled, current, current_enabled, &node);
			mc.sleep |= mc.log[node].done;
		}
		/* every step wakes the sleepers it does not commute with */
		for (i = 0; i < mc.nthreads; i++)
			if ((mc.sleep & (1u << i)) && dependent(&mc.threads[i], &mc.threads[next]))
				mc.sleep &= ~(1u << i);
		step_begin(next, node);
		goto record;
	}
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

		if (mc.dpor && b->kind == MC_BR_THREAD) {
			uint32_t cand;
			int i;

			b->done |= (uint8_t)(1u << b->opt[b->pos]);
			cand = (uint32_t)b->backtrack & ~(uint32_t)b->done & ~(uint32_t)b->sleep_in;
			for (i = 0; i < b->n; i++)
				if (cand & (1u << b->opt[i])) {
					b->pos = (uint8_t)i;
					mc.diverge_depth = mc.log_len - 1;
					return true;
				}
			mc.log_len--;
			continue;
		}
		if (b->pos + 1 < b->n) {
			b->pos++;
			mc.diverge_depth = mc.log_len - 1;
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
	mc.ndsteps = 0;
	mc.dpor_from = 0;
	mc.completion_step = -1;
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
	/* source-DPOR: not with a preemption bound (its backtrack points assume
	 * every schedule may be taken), nor for the oracle, sampling or replay;
	 * MC_DPOR=0 turns it off (plain sleep sets, as before) */
	mc.dpor = !mc.cfg.naive && !mc.cfg.random && !mc.replaying && mc.cfg.preempt < 0 &&
	          !(getenv("MC_DPOR") && strcmp(getenv("MC_DPOR"), "0") == 0);
	mc.rng = mc.cfg.seed;
	mc.log_len = 0;
	mc.diverge_depth = UINT32_MAX;
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
		if (mc.dpor && mc.end != MC_END_FAILURE)
			dpor_analyse();
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
