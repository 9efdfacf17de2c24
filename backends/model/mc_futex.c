/*
 * The OS side of src/wait.c under the checker: futex wait and wake, a
 * virtual clock, and peers that may die (backends/shmprim_os.h maps the seam
 * here through os_model.h).
 *
 * A futex wait is one step, as the kernel does it under its hash-bucket lock:
 * take the lock (join the clock the last futex call on that word left there),
 * load the word (a relaxed load: any store coherence allows), and if it holds
 * the expected value, choose: sleep until a wake on the word (r0), return at
 * once, spuriously (r1), or time out (r2: the clock advances by the wait's
 * ns); then release the lock. r1 and r2 count against MC_FUTEX per execution
 * (default 1); where that cap refuses them the verdict is BOUNDED (futex=N).
 * A wake is one step: take the lock, release every sleeper on the word, leave
 * its clock in the lock. So a waker's store before its wake is seen by a wait
 * that takes the lock after it (Linux's guarantee, which the sleeper-flag
 * protocol needs). A wake gives the woken thread no happens-before: wait.c
 * re-checks after every wake, and the model does not lend it more. Both steps
 * are announced as RMWs on the word, so the reduction orders them with each
 * other and with every access to the word.
 *
 * When no thread can run and some sleep in futex waits, either time passes
 * (the sleeper with the earliest deadline times out), if a mortal thread has
 * died or exited, or the test called mc_idle_timeouts; or it is a deadlock,
 * reported as a lost wake-up with the words the sleepers wait on.
 *
 * A mortal thread (mc_mortal) is a process that may crash: before each of its
 * steps a choice, r0 it runs the step, r1 it dies there and never runs again.
 * A death clears the sleep set (it is dependent with every step: liveness
 * checks see it). Its pid (mc_pid_of) then reads as dead, as it does once its
 * function returns (an exit); a check that finds it dead is ordered after all
 * it did, as a join is (the kernel reaps a process under locks the check
 * takes).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "mc_internal.h"

#define MC_FUTEXES 16
/* Model pids: below SHMPRIM_TOKEN_PID_MAX (0x3FFFFF), above every pid a
 * default pid_max hands out; never asked of the OS. */
#define MC_PID_BASE 0x3FFF00
#define CLOCK_START 1000000000ull

typedef struct futex_obj {
	const void *addr;
	mc_vc clock; /* the bucket lock: what the last futex call on the word knew */
	mc_vc dep;
} futex_obj;

typedef struct sleeper {
	bool sleeping;
	bool timed_out;
	const uint32_t *word;
	uint32_t expected;
	uint64_t wake_at;
	const char *file;
	int line;
} sleeper;

static struct {
	futex_obj f[MC_FUTEXES];
	int nf;
	sleeper s[MC_MAX_THREADS];
	bool mortal[MC_MAX_THREADS];
	bool dead[MC_MAX_THREADS];
	bool died;     /* a mortal thread died or exited: time may pass */
	bool idle_ok;  /* mc_idle_timeouts */
	int used;      /* spurious returns and timeouts chosen */
	uint64_t clock;
} fx;

void mc_futex_reset(void)
{
	memset(&fx, 0, sizeof(fx));
	fx.clock = CLOCK_START;
}

static futex_obj *futex_of(const void *addr)
{
	int i;

	for (i = 0; i < fx.nf; i++)
		if (fx.f[i].addr == addr)
			return &fx.f[i];
	if (fx.nf == MC_FUTEXES)
		mc_fail_kind(MC_FAILURE_USAGE, "unsupported: more than %d futex words in one execution", MC_FUTEXES);
	fx.f[fx.nf].addr = addr;
	return &fx.f[fx.nf++];
}

static void tick(mc_thread *t)
{
	t->clock.c[mc.cur]++;
	t->dep.c[mc.cur]++;
}

static mc_thread *futex_step(const uint32_t *word, const char *file, int line, futex_obj **f)
{
	mc_op op = {MC_OP_RMW, MC_RELAXED, word, 0, file, line};
	mc_thread *t;

	mc_point(&op);
	t = mc_current();
	*f = futex_of(word);
	mc_vc_join(&t->clock, &(*f)->clock); /* the bucket lock, taken */
	mc_vc_join(&t->dep, &(*f)->dep);
	return t;
}

static void futex_unlock(mc_thread *t, futex_obj *f)
{
	mc_vc_join(&f->clock, &t->clock);
	mc_vc_join(&f->dep, &t->dep);
}

static uint64_t later(uint64_t now, uint64_t ns)
{
	return ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
}

int mc_futex_wait(uint32_t *word, uint32_t expected, uint64_t ns, const char *file, int line)
{
	uint8_t kinds[3] = {MC_RO_LATEST, MC_RO_LATEST, MC_RO_LATEST};
	futex_obj *f;
	mc_thread *t;
	mc_event *ev;
	int tid = mc.cur, how = 1, n;

	if (!mc.active)
		return 0; /* outside an execution: a spurious return */
	t = futex_step(word, file, line, &f);
	if ((uint32_t)mc_load_in_step(word, 4, MC_RELAXED, file, line) == expected) {
		n = 3;
		if (fx.used >= mc.cfg.futex) {
			n = 1;
			if (!mc.completion && !mc.replaying)
				mc_bound_cut(MC_CUT_FUTEX);
		}
		how = 0;
		if (n > 1) {
			int k = mc_choose_read(n, kinds);

			how = k == 0 ? 0 : k == 1 ? 2 : 3;
		}
		if (how >= 2)
			fx.used++;
		if (how == 3)
			fx.clock = later(fx.clock, ns);
	}
	tick(t);
	ev = mc_event_new(tid, MC_EV_FUTEX_WAIT, file, line);
	ev->addr = word;
	ev->size = 4;
	ev->value = (uint64_t)how;
	ev->value2 = expected;
	ev->clock = t->clock;
	futex_unlock(t, f);
	if (how != 0)
		return 0;
	fx.s[tid].sleeping = true;
	fx.s[tid].timed_out = false;
	fx.s[tid].word = word;
	fx.s[tid].expected = expected;
	fx.s[tid].wake_at = later(fx.clock, ns);
	fx.s[tid].file = file;
	fx.s[tid].line = line;
	{
		mc_op op = {MC_OP_RMW, MC_RELAXED, word, 0, file, line}; /* enabled once woken */

		mc_point(&op);
	}
	t = mc_current();
	tick(t);
	ev = mc_event_new(tid, MC_EV_FUTEX_RESUME, file, line);
	ev->addr = word;
	ev->size = 4;
	ev->value = fx.s[tid].timed_out ? 3 : 0;
	ev->clock = t->clock;
	fx.s[tid].timed_out = false;
	return 0;
}

void mc_futex_wake(uint32_t *word, const char *file, int line)
{
	futex_obj *f;
	mc_thread *t;
	mc_event *ev;
	uint32_t woke = 0;
	int i, tid = mc.cur;

	if (!mc.active)
		return;
	t = futex_step(word, file, line, &f);
	for (i = 0; i < mc.nthreads; i++) {
		if (fx.s[i].sleeping && fx.s[i].word == word) {
			fx.s[i].sleeping = false;
			woke |= 1u << i;
		}
	}
	tick(t);
	ev = mc_event_new(tid, MC_EV_FUTEX_WAKE, file, line);
	ev->addr = word;
	ev->size = 4;
	ev->value = woke;
	ev->clock = t->clock;
	futex_unlock(t, f);
}

uint64_t mc_clock_ns(void)
{
	return mc.active ? fx.clock : CLOCK_START;
}

bool mc_futex_sleeping(int tid)
{
	return fx.s[tid].sleeping;
}

bool mc_futex_idle(void)
{
	int i, best = -1;

	if (!fx.died && !fx.idle_ok)
		return false;
	for (i = 0; i < mc.nthreads; i++)
		if (fx.s[i].sleeping && (best < 0 || fx.s[i].wake_at < fx.s[best].wake_at))
			best = i;
	if (best < 0)
		return false;
	if (fx.s[best].wake_at > fx.clock)
		fx.clock = fx.s[best].wake_at;
	fx.s[best].sleeping = false;
	fx.s[best].timed_out = true;
	return true;
}

size_t mc_futex_describe(int tid, char *buf, size_t len)
{
	char name[96];
	const sleeper *s = &fx.s[tid];
	int n;

	n = snprintf(buf, len, "T%d sleeps in futex_wait on %s (expecting %u) at %s:%d and no thread can wake it", tid,
	             mc_name_of(s->word, name, sizeof(name)), s->expected, s->file, s->line);
	return n < 0 ? 0 : (size_t)n;
}

bool mc_death_choice(int tid)
{
	uint8_t kinds[2] = {MC_RO_LATEST, MC_RO_LATEST};
	mc_thread *t = &mc.threads[tid];
	mc_event *ev;

	if (!fx.mortal[tid] || fx.dead[tid] || t->state != MC_T_READY)
		return false;
	if (mc_choose_read(2, kinds) == 0)
		return false;
	fx.dead[tid] = true;
	fx.died = true;
	fx.s[tid].sleeping = false;
	t->state = MC_T_FINISHED;
	t->pending.kind = MC_OP_NONE;
	t->clock.c[tid]++;
	ev = mc_event_new(tid, MC_EV_DEATH, t->pending.file, t->pending.line);
	ev->clock = t->clock;
	mc.sleep = 0; /* dependent with every step: a liveness check may see it */
	return true;
}

void mc_mortal(int tid)
{
	if (!mc.active || tid <= 0 || tid >= mc.nthreads)
		mc_fail_kind(MC_FAILURE_USAGE, "mc_mortal(%d): no such thread", tid);
	fx.mortal[tid] = true;
	if (mc.threads[tid].state == MC_T_FINISHED)
		fx.died = true;
}

int mc_pid_of(int tid)
{
	return MC_PID_BASE + tid;
}

bool mc_died(int tid)
{
	if (tid < 0 || tid >= MC_MAX_THREADS || !fx.mortal[tid])
		return false;
	return fx.dead[tid] || mc.threads[tid].state == MC_T_FINISHED;
}

int mc_pid_liveness(int pid)
{
	int tid = pid - MC_PID_BASE;

	if (pid < MC_PID_BASE || tid >= MC_MAX_THREADS)
		return -1;
	if (!mc.active || tid >= mc.nthreads)
		return -1;
	if (!mc_died(tid)) {
		/* its death is dependent with this check: it must not sleep past it */
		mc.sleep &= ~(1u << tid);
		return 1;
	}
	/* Seeing a process gone orders after everything it did (the kernel
	 * reaps it under locks the check takes): like a join. */
	mc_vc_join(&mc_current()->clock, &mc.threads[tid].clock);
	mc_vc_join(&mc_current()->dep, &mc.threads[tid].dep);
	return 0;
}

/* Exits count as deaths for the idle rule: nobody else may be left to wake a sleeper. */
void mc_futex_exit(int tid)
{
	if (fx.mortal[tid])
		fx.died = true;
}

void mc_idle_timeouts(void)
{
	fx.idle_ok = true;
}

void mc_futex_limit(int n)
{
	if (n >= 0 && mc.cfg.futex > n)
		mc.cfg.futex = n;
}
