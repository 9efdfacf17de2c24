/*
 * Model threads and scheduling points.
 *
 * Every hook first announces its operation (mc_point): the thread parks with
 * the op pending and the scheduler picks who performs the next op. Choosing is
 * done on the announcing fiber's stack and control passes straight to the
 * chosen fiber, so a thread that keeps running costs no context switch.
 * Because every parked thread has a known pending op, sleep sets can tell
 * whether two threads' next steps commute.
 *
 * A spawned thread runs at once, inside mc_spawn, up to its first op (that
 * stretch is thread-local apart from plain accesses, which the race check
 * orders by happens-before, not by when they ran).
 *
 * Spin loops (README "spin loops"): mc_spin_hint parks the thread on a SPIN op
 * that is enabled only once a store it read in its failed attempt has been
 * superseded; the retry must then read a newer store. In prune mode a spin
 * while another thread can run also stops branching for the rest of the
 * execution: schedules where the spinner's attempt comes later cover it, and
 * finishing the run deterministically still catches a state where everyone
 * waits forever.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc_internal.h"

struct mc_state mc;

mc_thread *mc_current(void)
{
	return &mc.threads[mc.cur];
}

int mc_self(void)
{
	return mc.active ? mc.cur : 0;
}

void mc_end_execution(mc_end end)
{
	mc.end = end;
	mc_fiber_switch(&mc.threads[mc.cur].ctx, &mc.sched_ctx); /* never resumed */
	abort();
}

static MC_NORETURN void vfail(mc_failure kind, const char *fmt, va_list ap)
{
	if (mc.end == MC_END_FAILURE) /* a failure while reporting one: keep the first */
		mc_end_execution(MC_END_FAILURE);
	mc.failure = kind;
	vsnprintf(mc.message, sizeof(mc.message), fmt, ap);
	/* a failure counts only in an RC11-consistent execution (prefix) */
	if (kind != MC_FAILURE_USAGE && mc.nsc >= 2 && !mc.psc_settled) {
		char why[160];
		int r = mc_psc_check(why, sizeof(why));

		if (r == 0)
			mc_end_execution(MC_END_INCONSISTENT);
		if (r < 0) {
			mc.failure = MC_FAILURE_USAGE;
			snprintf(mc.message, sizeof(mc.message), "%s", why);
		}
	}
	mc_end_execution(MC_END_FAILURE);
}

void mc_fail_kind(mc_failure kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(kind, fmt, ap);
}

void mc_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!mc.active) {
		fprintf(stderr, "model: %s (%s:%d) outside a model execution\n", msg, file, line);
		abort();
	}
	mc_fail_kind(MC_FAILURE_ASSERT, "T%d: %s at %s:%d", mc.cur, msg, file, line);
}

bool mc_op_enabled(const mc_thread *t)
{
	int i;

	if (mc_futex_sleeping((int)(t - mc.threads)))
		return false; /* until a wake, or time passes */
	switch (t->pending.kind) {
	case MC_OP_JOIN:
		return mc.threads[t->pending.target].state == MC_T_FINISHED;
	case MC_OP_SPIN:
		for (i = 0; i < t->nwatch; i++)
			if (mc_loc_superseded(t->watch[i].loc, t->watch[i].idx))
				return true;
		return false;
	default:
		return true;
	}
}

/* Nobody can move: say who waits on what. */
static MC_NORETURN void report_stuck(void)
{
	char buf[512], name[96];
	size_t off = 0;
	bool spinning = false, sleeping = false;
	int i;

	buf[0] = '\0';
	for (i = 0; i < mc.nthreads; i++) {
		const mc_thread *t = &mc.threads[i];

		if (t->state != MC_T_READY)
			continue;
		if (mc_futex_sleeping(i)) {
			sleeping = true;
			if (off)
				off += snprintf(buf + off, sizeof(buf) - off, "; ");
			if (off < sizeof(buf))
				off += mc_futex_describe(i, buf + off, sizeof(buf) - off);
		} else if (t->pending.kind == MC_OP_SPIN) {
			spinning = true;
			if (t->nwatch > 0) {
				mc_loc *l = mc_loc_of(t->watch[t->nwatch - 1].loc);

				off += snprintf(buf + off, sizeof(buf) - off,
				                "%sT%d spins forever at %s:%d (it read the latest store to %s and "
				                "no thread will store there again)",
				                off ? "; " : "", i, t->pending.file, t->pending.line,
				                mc_name_of(l->addr, name, sizeof(name)));
			} else {
				off += snprintf(buf + off, sizeof(buf) - off,
				                "%sT%d spins at %s:%d without having read anything since its last "
				                "write (spin_hint contract broken)",
				                off ? "; " : "", i, t->pending.file, t->pending.line);
			}
		} else if (t->pending.kind == MC_OP_JOIN) {
			off += snprintf(buf + off, sizeof(buf) - off, "%sT%d waits in mc_join(T%d) at %s:%d",
			                off ? "; " : "", i, t->pending.target, t->pending.file, t->pending.line);
		}
		if (off >= sizeof(buf))
			break;
	}
	if (spinning)
		mc_fail_kind(MC_FAILURE_LIVELOCK, "livelock: %s", buf);
	mc_fail_kind(MC_FAILURE_DEADLOCK, "deadlock%s: %s", sleeping ? " (a lost wake-up)" : "", buf);
}

/* Called by thread `self` (parked with its pending op, or finished): picks
 * the next thread and switches to it; returns when `self` is picked. */
static void schedule(int self)
{
	uint32_t enabled = 0;
	bool all_done = true;
	int i, next;

	if (++mc.steps > mc.cfg.max_steps)
		mc_fail_kind(MC_FAILURE_STEPS,
		             "step limit: more than %u scheduling points in one execution (a spin loop without "
		             "sp_spin_hint? raise MC_MAX_STEPS if the test is just long)",
		             mc.cfg.max_steps);
	for (;;) {
		enabled = 0;
		all_done = true;
		for (i = 0; i < mc.nthreads; i++) {
			const mc_thread *t = &mc.threads[i];

			if (t->state != MC_T_FINISHED)
				all_done = false;
			if (t->state == MC_T_READY && mc_op_enabled(t))
				enabled |= 1u << i;
		}
		if (!enabled) {
			if (all_done) {
				mc_psc_enforce();
				mc_end_execution(MC_END_COMPLETE);
			}
			if (mc_futex_idle()) /* time passes: a futex sleeper times out */
				continue;
			report_stuck();
		}
		next = mc_choose_thread(enabled, self, (enabled >> self) & 1u);
		if (!mc_death_choice(next)) /* a mortal thread may die before its step */
			break;
	}
	if (next != self) {
		mc.cur = next;
		mc_fiber_switch(&mc.threads[self].ctx, &mc.threads[next].ctx);
	}
}

void mc_point(const mc_op *op)
{
	int self = mc.cur;
	mc_thread *t = &mc.threads[self];

	t->pending = *op;
	if (t->state == MC_T_STARTING) {
		/* first op of a new thread: hand control back to mc_spawn */
		t->state = MC_T_READY;
		mc.cur = t->parent;
		mc_fiber_switch(&t->ctx, &mc.threads[t->parent].ctx);
		return;
	}
	schedule(self);
}

static void tick(mc_thread *t, int tid)
{
	t->clock.c[tid]++;
}

static void thread_entry(void)
{
	int self = mc.cur;
	mc_thread *t = &mc.threads[self];
	mc_event *ev;
	bool starting;

	t->fn(t->arg);
	self = mc.cur;
	t = &mc.threads[self];
	tick(t, self);
	ev = mc_event_new(self, MC_EV_EXIT, NULL, 0);
	ev->clock = t->clock;
	starting = t->state == MC_T_STARTING;
	t->state = MC_T_FINISHED;
	mc_futex_exit(self);
	t->pending.kind = MC_OP_NONE;
	if (starting) {
		mc.cur = t->parent;
		mc_fiber_switch(&t->ctx, &mc.threads[t->parent].ctx); /* never resumed */
	}
	schedule(self);
	abort(); /* a finished thread is never picked again */
}

void mc_sched_reset(void)
{
	int i;

	for (i = 0; i < MC_MAX_THREADS; i++) {
		mc_thread *t = &mc.threads[i];

		t->state = MC_T_UNUSED;
		t->pending.kind = MC_OP_NONE;
		mc_vc_zero(&t->clock);
		mc_vc_zero(&t->dep);
		mc_vc_zero(&t->rel_fence);
		mc_vc_zero(&t->acq_fence);
		t->nwatch = 0;
	}
	mc.nthreads = 0;
	mc.cur = 0;
	mc.end = MC_END_NONE;
	mc.failure = MC_FAILURE_NONE;
	mc.message[0] = '\0';
	mc.steps = 0;
	mc.nsc = 0;
	mc.psc_settled = false;
	mc_vc_zero(&mc.sc_dep);
	mc_futex_reset();
}

void mc_run_execution(void (*body)(void *), void *arg)
{
	mc_thread *t0 = &mc.threads[0];

	mc_sched_reset();
	mc_memory_reset();
	mc_race_reset();
	mc_trace_reset();
	mc_arena_reset();
	mc.nthreads = 1;
	t0->fn = body;
	t0->arg = arg;
	t0->state = MC_T_READY;
	t0->parent = 0;
	mc_fiber_make(0, thread_entry);
	mc.cur = 0;
	mc.active = true;
	mc_fiber_switch(&mc.sched_ctx, &t0->ctx);
	mc.active = false;
}

int mc_spawn_at(void (*fn)(void *), void *arg, const char *file, int line)
{
	int parent = mc.cur, tid;
	mc_thread *p, *c;
	mc_event *ev;

	if (!mc.active) {
		fprintf(stderr, "model: mc_spawn called outside a model execution\n");
		abort();
	}
	if (mc.nthreads == MC_MAX_THREADS)
		mc_fail_kind(MC_FAILURE_USAGE, "mc_spawn: at most %d model threads", MC_MAX_THREADS);
	tid = mc.nthreads++;
	p = &mc.threads[parent];
	c = &mc.threads[tid];
	tick(p, parent);
	ev = mc_event_new(parent, MC_EV_SPAWN, file, line);
	ev->other = tid;
	ev->clock = p->clock;
	c->clock = p->clock; /* everything the parent did happens before the child */
	c->dep = p->dep;
	mc_vc_zero(&c->rel_fence);
	mc_vc_zero(&c->acq_fence);
	c->nwatch = 0;
	c->fn = fn;
	c->arg = arg;
	c->parent = parent;
	c->state = MC_T_STARTING;
	c->pending.kind = MC_OP_NONE;
	mc_fiber_make(tid, thread_entry);
	mc.cur = tid;
	mc_fiber_switch(&p->ctx, &c->ctx);
	return tid;
}

void mc_join_at(int tid, const char *file, int line)
{
	mc_op op = {MC_OP_JOIN, 0, NULL, tid, file, line, NULL, 0};
	mc_thread *t;
	mc_event *ev;
	int self = mc.cur, i;

	if (!mc.active) {
		fprintf(stderr, "model: mc_join called outside a model execution\n");
		abort();
	}
	if (tid <= 0 || tid >= mc.nthreads || tid == self)
		mc_fail_kind(MC_FAILURE_USAGE, "mc_join(%d): no such thread to join from T%d", tid, self);
	mc_point(&op);
	t = &mc.threads[self];
	tick(t, self);
	t->dep.c[self]++;
	mc_vc_join(&t->clock, &mc.threads[tid].clock);
	mc_vc_join(&t->dep, &mc.threads[tid].dep);
	ev = mc_event_new(self, MC_EV_JOIN, file, line);
	ev->other = tid;
	ev->clock = t->clock;
	/* once every other thread is joined, what the joiner observes comes from a
	 * consistent execution (and the rest cannot make it inconsistent) */
	for (i = 0; i < mc.nthreads; i++)
		if (i != self && mc.threads[i].state != MC_T_FINISHED)
			return;
	mc_psc_enforce();
}

void mc_spin_hint(const char *file, int line)
{
	mc_op op = {MC_OP_SPIN, 0, NULL, 0, file, line, NULL, 0};
	int self = mc.cur, i;
	mc_thread *t;
	mc_event *ev;

	if (!mc.active)
		return;
	if (mc.cfg.spin == MC_SPIN_PRUNE && !mc.completion) {
		for (i = 0; i < mc.nthreads; i++) {
			if (i != self && mc.threads[i].state == MC_T_READY && mc_op_enabled(&mc.threads[i])) {
				mc.completion = true;
				mc.completion_step = (int32_t)mc.ndsteps; /* DPOR: see mc_explore.c */
				mc.completion_tid = self;
				break;
			}
		}
	}
	mc_point(&op);
	t = &mc.threads[self];
	tick(t, self);
	t->dep.c[self]++;
	mc_dep_after_spin(t);
	/* the retry must see something newer than what the failed attempt read */
	for (i = 0; i < t->nwatch; i++) {
		mc_watch *w = &t->watch[i];

		if (mc_loc_superseded(w->loc, w->idx))
			mc_loc_of(w->loc)->floor[self] = w->idx + 1;
	}
	t->nwatch = 0;
	ev = mc_event_new(self, MC_EV_SPIN, file, line);
	ev->clock = t->clock;
}
