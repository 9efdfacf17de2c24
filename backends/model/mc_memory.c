/*
 * The memory model for atomic locations.
 *
 * Each location (found by address, created at its first atomic access with an
 * initial store that happens before everything, its value taken from memory)
 * keeps its stores in a modification order that each store chooses (not the
 * order stores execute in): anywhere after the newest store its thread knows
 * (CoWW, CoRW), never between an RMW and the store it read. A store records its
 * value, its message clock (what an acquire read of it synchronises with) and,
 * per thread, the epoch at which that thread first read or wrote it.
 *
 * Loads may read any store that coherence allows: not older than a store that
 * the reading thread already "knows" (one it, or any event that happens before
 * it, read or wrote). RMWs (fetch_add, exchange, successful CAS) read a
 * coherent store no other RMW has read and go right after it: nothing can slip
 * between their read and their write. A failed CAS is a load with the failure
 * order of a coherent store that differs from the expected value, or, for a
 * weak CAS, a spurious failure reading one that matches. Every choice is
 * offered newest / last first; option 0 is the last store and the last place,
 * so the first execution is sequentially consistent. Reads take only stores
 * already executed: no load buffering, as RC11 (no-thin-air) requires.
 *
 * Reduction (off with MC_NAIVE): a non-latest choice is offered only if a
 * store after it in modification order precedes the operation in dependence
 * order (program order plus conflicting atomic accesses, tracked by a second
 * vector clock), or if the stores before the choice did not all execute
 * before those after it (stale_kind). Otherwise the operation could be
 * scheduled before the later stores, where the same choice is option 0, and
 * that schedule is explored anyway: offering it again here would only repeat
 * an execution.
 *
 * Synchronisation: release stores publish the writer's clock; relaxed stores
 * publish the clock of the writer's last release fence; an RMW also passes on
 * the message of the store it read (C++20 release sequences). Acquire reads
 * join the message into the reader's clock, relaxed reads into a pending clock
 * that the next acquire fence joins.
 *
 * seq_cst (RC11): an SC access synchronises only as the acquire/release
 * access it also is, and an SC fence as an acq_rel fence; neither adds any
 * happens-before. What SC adds is the SC axiom (psc acyclic), checked on the
 * execution in mc_psc.c; begin_op only counts SC operations for it.
 *
 * Not modelled: mixed-size accesses to one word.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc_internal.h"

#define LOC_HASH_CAP 1024u /* power of two, at least twice the locations a test may use */
#define MAX_LOCS (LOC_HASH_CAP / 2)

mc_loc *mc_loc_of(uint32_t index)
{
	return &mc.locs[index];
}

void mc_memory_reset(void)
{
	if (!mc.loc_hash) {
		mc.loc_hash = calloc(LOC_HASH_CAP, sizeof(*mc.loc_hash));
		mc.locs = calloc(MAX_LOCS, sizeof(*mc.locs));
		if (!mc.loc_hash || !mc.locs)
			abort();
	}
	memset(mc.loc_hash, 0, LOC_HASH_CAP * sizeof(*mc.loc_hash));
	mc.nlocs = 0;
}

static uint64_t read_mem(const void *p, unsigned size)
{
	if (size == 4) {
		uint32_t v;

		memcpy(&v, p, 4);
		return v;
	} else {
		uint64_t v;

		memcpy(&v, p, 8);
		return v;
	}
}

static void write_mem(void *p, unsigned size, uint64_t v)
{
	if (size == 4) {
		uint32_t w = (uint32_t)v;

		memcpy(p, &w, 4);
	} else {
		memcpy(p, &v, 8);
	}
}

static uint64_t mask(unsigned size, uint64_t v)
{
	return size == 4 ? (uint32_t)v : v;
}

static void push_store(mc_loc *l, const mc_wr *s)
{
	if (l->nstores == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->stores = realloc(l->stores, l->cap * sizeof(*l->stores));
		if (!l->stores)
			abort();
	}
	l->stores[l->nstores++] = *s;
}

/* Puts s at index pos of location li's modification order. The indices that
 * spinners hold (what they read, where their retry must start) move with the
 * stores they name. */
static void insert_store(uint32_t li, uint32_t pos, const mc_wr *s)
{
	mc_loc *l = &mc.locs[li];
	int u, i;

	push_store(l, s);
	if (pos == l->nstores - 1)
		return;
	memmove(&l->stores[pos + 1], &l->stores[pos], (l->nstores - 1 - pos) * sizeof(*l->stores));
	l->stores[pos] = *s;
	for (u = 0; u < MC_MAX_THREADS; u++) {
		mc_thread *t = &mc.threads[u];

		for (i = 0; i < t->nwatch; i++)
			if (t->watch[i].loc == li && t->watch[i].idx >= pos)
				t->watch[i].idx++;
		if (l->floor[u] > pos)
			l->floor[u]++;
	}
}

uint32_t mc_loc_index(const void *addr, unsigned size)
{
	uintptr_t a = (uintptr_t)addr;
	uint32_t h = (uint32_t)((a >> 2) * 2654435761u) & (LOC_HASH_CAP - 1);
	mc_loc *l;
	mc_wr init;
	int i;

	if (a % size != 0)
		mc_fail_kind(MC_FAILURE_USAGE, "atomic access to %p is not %u-byte aligned", addr, size);
	while (mc.loc_hash[h] != 0) {
		l = &mc.locs[mc.loc_hash[h] - 1];
		if (l->addr == addr) {
			if (l->size != size)
				mc_fail_kind(MC_FAILURE_USAGE, "word %p accessed as %u and %u bytes: mixed sizes are not modelled",
				             addr, l->size, size);
			if (read_mem(addr, size) != l->stores[l->nstores - 1].value)
				mc_fail_kind(MC_FAILURE_USAGE,
				             "word %p was changed by a non-atomic write after its first atomic access "
				             "(every access to a shared word must go through sp_*)",
				             addr);
			return mc.loc_hash[h] - 1;
		}
		h = (h + 1) & (LOC_HASH_CAP - 1);
	}
	if (mc.nlocs == MAX_LOCS)
		mc_fail_kind(MC_FAILURE_USAGE, "more than %u atomic locations in one execution", MAX_LOCS);
	l = &mc.locs[mc.nlocs];
	l->addr = addr;
	l->size = size;
	l->nstores = 0;
	for (i = 0; i < MC_MAX_THREADS; i++)
		l->floor[i] = 0;
	mc_vc_zero(&l->w_dep);
	mc_vc_zero(&l->r_dep);
	memset(&init, 0, sizeof(init));
	init.value = read_mem(addr, size);
	init.initial = true; /* seen[] all 0: every thread knows it */
	push_store(l, &init);
	mc.loc_hash[h] = ++mc.nlocs;
	return mc.nlocs - 1;
}

bool mc_loc_superseded(uint32_t loc, uint32_t idx)
{
	return mc.locs[loc].nstores - 1 > idx;
}

static bool has_acquire(int order)
{
	return order == MC_ACQUIRE || order == MC_ACQ_REL || order == MC_SEQ_CST;
}

static bool has_release(int order)
{
	return order == MC_RELEASE || order == MC_ACQ_REL || order == MC_SEQ_CST;
}

/* Does thread t know store s (has t, or an event before it, read or written it)? */
static bool known(const mc_thread *t, const mc_wr *s)
{
	int u;

	for (u = 0; u < MC_MAX_THREADS; u++)
		if (s->seen[u] != MC_NEVER && s->seen[u] <= t->clock.c[u])
			return true;
	return false;
}

/* Does store s precede t's next op in dependence order? */
static bool dep_before(const mc_thread *t, const mc_wr *s)
{
	return s->initial || s->dep <= t->dep.c[s->tid];
}

/* Newest store index that precedes t's next op in dependence order: stale
 * reads of older stores than it are needed, the ones from it on are covered. */
static uint32_t newest_dep_before(const mc_thread *t, const mc_loc *l)
{
	uint32_t j;

	for (j = l->nstores - 1; j > 0; j--)
		if (dep_before(t, &l->stores[j]))
			return j;
	return 0;
}

/* A read of l by t: it follows l's last write in dependence order. */
static void dep_read(mc_thread *t, mc_loc *l)
{
	mc.op_write = false;
	mc_vc_join(&t->dep, &l->w_dep);
	mc_vc_join(&l->r_dep, &t->dep);
}

/* A write (or RMW, or CAS) of l by t: it follows every access since the last write. */
static void dep_write(mc_thread *t, mc_loc *l)
{
	mc.op_write = true;
	mc_vc_join(&t->dep, &l->w_dep);
	mc_vc_join(&t->dep, &l->r_dep);
	l->w_dep = t->dep;
	mc_vc_zero(&l->r_dep);
}

static void dep_sc(mc_thread *t)
{
	mc_vc_join(&t->dep, &mc.sc_dep);
	mc.sc_dep = t->dep;
}

void mc_dep_after_spin(mc_thread *t)
{
	int i;

	for (i = 0; i < t->nwatch; i++)
		if (mc_loc_superseded(t->watch[i].loc, t->watch[i].idx))
			mc_vc_join(&t->dep, &mc.locs[t->watch[i].loc].w_dep);
}

/* Newest store index t knows: a store of t's goes after it in modification order (CoWW, CoRW). */
static uint32_t newest_known(const mc_thread *t, const mc_loc *l)
{
	uint32_t j;

	for (j = l->nstores - 1; j > 0; j--)
		if (known(t, &l->stores[j]))
			return j;
	return 0;
}

/* Kind of a non-latest choice whose modification-order successors start at
 * index `next` of l: needed only if one of them precedes t's op in
 * dependence order (dep: the newest store that does); otherwise t's op could
 * run before all of them, where the same choice is the latest, and that
 * schedule is explored (covered). That needs the stores before `next` to have
 * run before every successor (else one of them, the store a read takes
 * included, may depend on a successor and cannot move ahead of it). */
static uint8_t stale_kind(const mc_loc *l, uint32_t next, uint32_t dep)
{
	uint32_t j, before = 0, after = UINT32_MAX;

	if (next <= dep)
		return MC_RO_STALE;
	for (j = 0; j < next; j++)
		if (l->stores[j].event > before)
			before = l->stores[j].event;
	for (j = next; j < l->nstores; j++)
		if (l->stores[j].event < after)
			after = l->stores[j].event;
	return before < after ? MC_RO_STALE_COVERED : MC_RO_STALE;
}

/* Oldest store index that t may read: coherence, and a woken spinner's floor. */
static uint32_t oldest_readable(const mc_thread *t, int tid, const mc_loc *l)
{
	uint32_t lo = l->floor[tid], j;

	for (j = l->nstores - 1; j > lo; j--)
		if (known(t, &l->stores[j]))
			return j;
	return lo;
}

static void watch(mc_thread *t, uint32_t loc, uint32_t idx)
{
	int i;

	for (i = 0; i < t->nwatch; i++)
		if (t->watch[i].loc == loc) {
			t->watch[i].idx = idx;
			return;
		}
	if (t->nwatch == MC_MAX_WATCH) {
		memmove(t->watch, t->watch + 1, (MC_MAX_WATCH - 1) * sizeof(t->watch[0]));
		t->nwatch--;
	}
	t->watch[t->nwatch].loc = loc;
	t->watch[t->nwatch].idx = idx;
	t->nwatch++;
}

/* t reads store idx of location li with order `order`. */
static const mc_wr *read_from(mc_thread *t, int tid, uint32_t li, uint32_t idx, int order)
{
	mc_loc *l = &mc.locs[li];
	mc_wr *s = &l->stores[idx];

	if (s->seen[tid] == MC_NEVER)
		s->seen[tid] = t->clock.c[tid];
	if (has_acquire(order))
		mc_vc_join(&t->clock, &s->msg);
	else
		mc_vc_join(&t->acq_fence, &s->msg);
	l->floor[tid] = 0;
	watch(t, li, idx);
	return s;
}

/* Puts t's store of v at index pos of location li's modification order;
 * msg_extra: a read store's message (RMW, then pos is right after it). */
static const mc_wr *write_store(mc_thread *t, int tid, uint32_t li, uint32_t pos, uint64_t v, int order,
                                const mc_vc *msg_extra, uint32_t event)
{
	mc_loc *l = &mc.locs[li];
	mc_wr s;
	int u;

	s.value = v;
	s.msg = has_release(order) ? t->clock : t->rel_fence;
	if (msg_extra)
		mc_vc_join(&s.msg, msg_extra);
	for (u = 0; u < MC_MAX_THREADS; u++)
		s.seen[u] = MC_NEVER;
	s.seen[tid] = t->clock.c[tid];
	s.event = event;
	s.dep = t->dep.c[tid];
	s.tid = (uint8_t)tid;
	s.initial = false;
	s.rmw = msg_extra != NULL;
	insert_store(li, pos, &s);
	if (pos == l->nstores - 1) /* memory holds the modification order's last value */
		write_mem((void *)l->addr, l->size, v);
	t->nwatch = 0; /* a write ends a side-effect-free attempt */
	return &l->stores[pos];
}

static mc_thread *begin_op(mc_op_kind kind, const void *p, int order, const char *file, int line)
{
	mc_op op;
	mc_thread *t;

	op.kind = kind;
	op.order = order;
	op.addr = p;
	op.target = 0;
	op.file = file;
	op.line = line;
	op.addrs = NULL;
	op.naddrs = 0;
	mc_point(&op);
	t = mc_current();
	t->clock.c[mc.cur]++;
	t->dep.c[mc.cur]++;
	if (order == MC_SEQ_CST) {
		dep_sc(t); /* the reduction keeps treating SC operations as dependent: conservative */
		mc.nsc++;
	}
	return t;
}

static uint64_t load_now(mc_thread *t, const void *p, unsigned size, int order, const char *file, int line);

uint64_t mc_load(const void *p, unsigned size, int order, const char *file, int line)
{
	mc_thread *t;

	if (!mc.active)
		return read_mem(p, size);
	t = begin_op(MC_OP_LOAD, p, order, file, line);
	return load_now(t, p, size, order, file, line);
}

uint64_t mc_load_in_step(const void *p, unsigned size, int order, const char *file, int line)
{
	mc_thread *t = mc_current();

	t->clock.c[mc.cur]++;
	t->dep.c[mc.cur]++;
	return load_now(t, p, size, order, file, line);
}

static uint64_t load_now(mc_thread *t, const void *p, unsigned size, int order, const char *file, int line)
{
	uint8_t kinds[MC_MAX_OPTIONS];
	const mc_wr *s;
	mc_event *ev;
	uint32_t li, lo, n, i, idx, dep;
	int tid, k;

	tid = mc.cur;
	li = mc_loc_index(p, size);
	lo = oldest_readable(t, tid, &mc.locs[li]);
	dep = newest_dep_before(t, &mc.locs[li]);
	n = mc.locs[li].nstores - lo;
	for (i = 0; i < n && i < MC_MAX_OPTIONS; i++) {
		idx = mc.locs[li].nstores - 1 - i;
		kinds[i] = i == 0 ? MC_RO_LATEST : stale_kind(&mc.locs[li], idx + 1, dep);
	}
	k = mc_choose_read((int)n, kinds);
	idx = mc.locs[li].nstores - 1 - (uint32_t)k;
	dep_read(t, &mc.locs[li]);
	ev = mc_event_new(tid, MC_EV_LOAD, file, line);
	s = read_from(t, tid, li, idx, order);
	ev->order = (uint8_t)order;
	ev->size = (uint8_t)size;
	ev->addr = p;
	ev->value = s->value;
	ev->rf = s->event;
	ev->stale = k != 0;
	ev->clock = t->clock;
	return s->value;
}

void mc_store(void *p, unsigned size, uint64_t value, int order, const char *file, int line)
{
	uint8_t kinds[MC_MAX_OPTIONS];
	uint32_t poss[MC_MAX_OPTIONS];
	mc_thread *t;
	mc_loc *l;
	mc_event *ev;
	uint32_t li, lo, dep, pos;
	int tid, n = 0, k;

	value = mask(size, value);
	if (!mc.active) {
		write_mem(p, size, value);
		return;
	}
	t = begin_op(MC_OP_STORE, p, order, file, line);
	tid = mc.cur;
	li = mc_loc_index(p, size);
	l = &mc.locs[li];
	/* where in modification order: after every store t knows (coherence),
	 * never between an RMW and the store it read (atomicity); option 0 last */
	lo = newest_known(t, l);
	dep = newest_dep_before(t, l);
	for (pos = l->nstores; pos > lo; pos--) {
		if (pos < l->nstores && l->stores[pos].rmw)
			continue;
		if (n == MC_MAX_OPTIONS) {
			if (!mc.completion && !mc.replaying)
				mc_bound_cut(MC_CUT_OPTIONS);
			break;
		}
		kinds[n] = n == 0 ? MC_RO_LATEST : stale_kind(l, pos, dep);
		poss[n++] = pos;
	}
	k = mc_choose_read(n, kinds);
	dep_write(t, l);
	ev = mc_event_new(tid, MC_EV_STORE, file, line);
	write_store(t, tid, li, poss[k], value, order, NULL, ev->seq);
	ev->stale = k != 0;
	ev->order = (uint8_t)order;
	ev->size = (uint8_t)size;
	ev->addr = p;
	ev->value = value;
	ev->clock = t->clock;
}

uint64_t mc_rmw(void *p, unsigned size, int op, uint64_t operand, int order, const char *file, int line)
{
	uint8_t kinds[MC_MAX_OPTIONS];
	uint32_t idxs[MC_MAX_OPTIONS];
	mc_thread *t;
	mc_loc *l;
	const mc_wr *r;
	mc_vc msg;
	mc_event *ev;
	uint64_t old, v;
	uint32_t li, lo, dep, q;
	int tid, n = 0, k;

	if (!mc.active) {
		old = read_mem(p, size);
		write_mem(p, size, mask(size, op == MC_RMW_ADD ? old + operand : operand));
		return old;
	}
	t = begin_op(MC_OP_RMW, p, order, file, line);
	tid = mc.cur;
	li = mc_loc_index(p, size);
	l = &mc.locs[li];
	/* an RMW reads any coherent store no other RMW has read, and its write
	 * goes right after that store in modification order; option 0: the last */
	lo = oldest_readable(t, tid, l);
	dep = newest_dep_before(t, l);
	for (q = l->nstores; q-- > lo;) {
		if (q + 1 < l->nstores && l->stores[q + 1].rmw)
			continue;
		if (n == MC_MAX_OPTIONS) {
			if (!mc.completion && !mc.replaying)
				mc_bound_cut(MC_CUT_OPTIONS);
			break;
		}
		kinds[n] = n == 0 ? MC_RO_LATEST : stale_kind(l, q + 1, dep);
		idxs[n++] = q;
	}
	k = mc_choose_read(n, kinds);
	dep_write(t, l);
	ev = mc_event_new(tid, MC_EV_RMW, file, line);
	r = read_from(t, tid, li, idxs[k], order);
	old = r->value;
	msg = r->msg;
	ev->rf = r->event;
	ev->stale = k != 0;
	v = mask(size, op == MC_RMW_ADD ? old + operand : operand);
	write_store(t, tid, li, idxs[k] + 1, v, order, &msg, ev->seq);
	ev->order = (uint8_t)order;
	ev->size = (uint8_t)size;
	ev->addr = p;
	ev->value = old;
	ev->value2 = v;
	ev->clock = t->clock;
	return old;
}

bool mc_cas(void *p, unsigned size, uint64_t *expected, uint64_t desired, int success, int failure, bool weak,
            const char *file, int line)
{
	uint8_t kinds[MC_MAX_OPTIONS];
	uint32_t idxs[MC_MAX_OPTIONS];
	bool ok[MC_MAX_OPTIONS];
	uint8_t kind;
	mc_thread *t;
	mc_loc *l;
	const mc_wr *r;
	mc_vc msg;
	mc_event *ev;
	uint64_t exp = mask(size, *expected);
	uint32_t li, lo, last, j, dep;
	int tid, n = 0, k;
	bool sc = success == MC_SEQ_CST || failure == MC_SEQ_CST;

	desired = mask(size, desired);
	if (!mc.active) {
		uint64_t cur = read_mem(p, size);

		if (cur != exp) {
			*expected = cur;
			return false;
		}
		write_mem(p, size, desired);
		return true;
	}
	/* failure orders: release parts mean nothing for a load */
	if (failure == MC_RELEASE)
		failure = MC_RELAXED;
	else if (failure == MC_ACQ_REL)
		failure = MC_ACQUIRE;
	t = begin_op(MC_OP_RMW, p, sc ? MC_SEQ_CST : success, file, line);
	tid = mc.cur;
	li = mc_loc_index(p, size);
	l = &mc.locs[li];
	last = l->nstores - 1;
	lo = oldest_readable(t, tid, l);
	dep = newest_dep_before(t, l);
	/* canonical options, newest store first: for a store holding the
	 * expected value, success (written right after it, unless another RMW
	 * already read it), then, weak only, a spurious failure reading it; for
	 * any other store, a failure reading it. Option 0 reads the last store. */
	for (j = last + 1; j-- > lo;) {
		bool match = l->stores[j].value == exp;
		bool placeable = j == last || !l->stores[j + 1].rmw;

		if (n + 2 > MC_MAX_OPTIONS) {
			if (!mc.completion && !mc.replaying)
				mc_bound_cut(MC_CUT_OPTIONS); /* older stores not offered */
			break;
		}
		kind = j == last ? MC_RO_LATEST : stale_kind(l, j + 1, dep);
		if (!match || placeable) {
			kinds[n] = kind;
			ok[n] = match;
			idxs[n++] = j;
		}
		if (match && weak) {
			kinds[n] = kind | MC_RO_SPURIOUS;
			ok[n] = false;
			idxs[n++] = j;
		}
	}
	k = mc_choose_read(n, kinds);
	/* a CAS counts as a write, succeed or fail (as for sleep sets and
	 * DPOR's races): treating a failed one as a read loses executions
	 * under DPOR (README, source-DPOR) */
	dep_write(t, l);
	ev = mc_event_new(tid, MC_EV_CAS_FAIL, file, line);
	ev->order = (uint8_t)success;
	ev->order2 = (uint8_t)failure;
	ev->size = (uint8_t)size;
	ev->addr = p;
	ev->value2 = desired;
	if (ok[k]) {
		r = read_from(t, tid, li, idxs[k], success);
		msg = r->msg;
		ev->kind = MC_EV_CAS_OK;
		ev->value = r->value;
		ev->rf = r->event;
		ev->stale = k != 0;
		write_store(t, tid, li, idxs[k] + 1, desired, success, &msg, ev->seq);
		ev->clock = t->clock;
		return true;
	}
	r = read_from(t, tid, li, idxs[k], failure);
	ev->value = r->value;
	ev->rf = r->event;
	ev->stale = idxs[k] != last;
	ev->spurious = (kinds[k] & MC_RO_SPURIOUS) != 0;
	ev->clock = t->clock;
	*expected = r->value;
	return false;
}

void mc_fence(int order, const char *file, int line)
{
	mc_thread *t;
	mc_event *ev;

	if (!mc.active) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		return;
	}
	t = begin_op(MC_OP_FENCE, NULL, order, file, line);
	if (has_acquire(order))
		mc_vc_join(&t->clock, &t->acq_fence);
	if (has_release(order))
		t->rel_fence = t->clock;
	ev = mc_event_new(mc.cur, MC_EV_FENCE, file, line);
	ev->order = (uint8_t)order;
	ev->clock = t->clock;
}
