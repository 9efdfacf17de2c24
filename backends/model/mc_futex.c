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
 * A futex_waitv (mc_futex_waitv: up to MC_WAITV_WORDS words) is one step
 * as well: it takes each word's lock in turn and loads the word, as the
 * kernel queues on each before it sleeps; at the first word that differs it
 * returns (its locks released), and if every word matches it makes the
 * single wait's choice: sleep until a wake on any of its words (which says
 * which), return spuriously, or time out, counted against MC_FUTEX alike.
 * For the reduction it is a read of each of its words: its pending op names
 * them all (sleep sets), and each further word's compare is a step record of
 * its own at the same scheduling point (mc_step_also: source-DPOR's races).
 * Whether the kernel has futex_waitv is the test's choice
 * (mc_futex_waitv_mode): present (the default), absent (the probe says so:
 * src/futex_waitv.c's polling fallback) or refused after the probe (ENOSYS,
 * as from a seccomp filter); the probe's cache is a word of this file's,
 * zero again in every execution.
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
#define MC_WAITV_WORDS 4
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
	uint32_t n;          /* a futex_waitv's words (word, expected: the first); 0: a single wait */
	const void *words[MC_WAITV_WORDS];
	uint32_t expect[MC_WAITV_WORDS];
	uint32_t woken_by;   /* index of the word whose wake ended the sleep */
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
	int waitv_mode;         /* mc_futex_waitv_mode */
	uint32_t waitv_cache;   /* sp_futex_waitv_cache(): src/futex_waitv.c's probe cache */
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
	mc_op op = {MC_OP_RMW, MC_RELAXED, word, 0, file, line, NULL, 0};
	mc_thread *t;

	mc_point(&op);
	t = mc_current();
	*f = futex_of(word);
	mc_vc_join(&t->clock, &(*f)->clock); /* the bucket lock, taken */
	mc_vc_join(&t->dep, &(*f)->dep);
	return t;
}

/* Source-DPOR's race analysis (mc_explore.c) takes a step as a write only if
 * the memory model saw one. A futex step is announced as an RMW on its word,
 * and must race as one: with every access to the word and with the other
 * futex steps on it (a wake and a wait on one word do not commute). Called
 * after the step's compare, which the memory model records as a read. */
static void futex_counts_as_write(void)
{
	mc.op_write = true;
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

/* The choice of a wait whose words all matched: 0 sleep, 2 spurious, 3 timeout. */
static int sleep_choice(uint64_t ns)
{
	uint8_t kinds[3] = {MC_RO_LATEST, MC_RO_LATEST, MC_RO_LATEST};
	int n = 3, how = 0;

	if (fx.used >= mc.cfg.futex) {
		n = 1;
		if (!mc.completion && !mc.replaying)
			mc_bound_cut(MC_CUT_FUTEX);
	}
	if (n > 1) {
		int k = mc_choose_read(n, kinds);

		how = k == 0 ? 0 : k == 1 ? 2 : 3;
	}
	if (how >= 2)
		fx.used++;
	if (how == 3)
		fx.clock = later(fx.clock, ns);
	return how;
}

/* After a sleep began: parks until a wake (or time passing) makes the thread
 * runnable again; true if it timed out. */
static bool sleep_until_woken(int tid, const mc_op *resume)
{
	mc_thread *t;
	mc_event *ev;
	bool timed_out;

	mc_point(resume); /* enabled once woken */
	t = mc_current();
	tick(t);
	timed_out = fx.s[tid].timed_out;
	ev = mc_event_new(tid, MC_EV_FUTEX_RESUME, resume->file, resume->line);
	ev->addr = resume->addr;
	ev->size = 4;
	ev->value = timed_out ? 3 : 0;
	ev->clock = t->clock;
	fx.s[tid].timed_out = false;
	return timed_out;
}

static void sleeper_set(int tid, const uint32_t *word, uint32_t expected, uint64_t ns, const char *file, int line)
{
	sleeper *s = &fx.s[tid];

	s->sleeping = true;
	s->timed_out = false;
	s->word = word;
	s->expected = expected;
	s->n = 0;
	s->woken_by = 0;
	s->wake_at = later(fx.clock, ns);
	s->file = file;
	s->line = line;
}

static const int how_result[4] = {MC_FUTEX_WOKEN, MC_FUTEX_DIFFERS, MC_FUTEX_SPURIOUS, MC_FUTEX_TIMED_OUT};

int mc_futex_wait_how(uint32_t *word, uint32_t expected, uint64_t ns, const char *file, int line)
{
	futex_obj *f;
	mc_thread *t;
	mc_event *ev;
	int tid = mc.cur, how = 1;

	if (!mc.active)
		return MC_FUTEX_SPURIOUS; /* outside an execution */
	t = futex_step(word, file, line, &f);
	if ((uint32_t)mc_load_in_step(word, 4, MC_RELAXED, file, line) == expected)
		how = sleep_choice(ns);
	futex_counts_as_write();
	tick(t);
	ev = mc_event_new(tid, MC_EV_FUTEX_WAIT, file, line);
	ev->addr = word;
	ev->size = 4;
	ev->value = (uint64_t)how;
	ev->value2 = expected;
	ev->clock = t->clock;
	futex_unlock(t, f);
	if (how != 0)
		return how_result[how];
	sleeper_set(tid, word, expected, ns, file, line);
	{
		mc_op op = {MC_OP_RMW, MC_RELAXED, word, 0, file, line, NULL, 0};

		return sleep_until_woken(tid, &op) ? MC_FUTEX_TIMED_OUT : MC_FUTEX_WOKEN;
	}
}

int mc_futex_wait(uint32_t *word, uint32_t expected, uint64_t ns, const char *file, int line)
{
	(void)mc_futex_wait_how(word, expected, ns, file, line);
	return 0;
}

int mc_futex_waitv(uint32_t *const *words, const uint32_t *expected, uint32_t n, uint64_t ns, uint32_t *which,
                   const char *file, int line)
{
	const void *addrs[MC_WAITV_WORDS];
	futex_obj *f[MC_WAITV_WORDS];
	mc_thread *t;
	mc_event *ev;
	uint32_t i, locked = 0;
	int tid = mc.cur, how = 0;

	if (!mc.active)
		return MC_FUTEX_SPURIOUS; /* outside an execution */
	if (n == 0 || n > MC_WAITV_WORDS)
		mc_fail_kind(MC_FAILURE_USAGE, "unsupported: futex_waitv on %u words (the model takes 1 to %d)", n,
		             MC_WAITV_WORDS);
	if (fx.waitv_mode == MC_WAITV_REFUSED)
		return MC_FUTEX_REFUSED; /* no step: the call touches no word */
	for (i = 0; i < n; i++)
		addrs[i] = words[i];
	{
		mc_op op = {MC_OP_RMW, MC_RELAXED, words[0], 0, file, line, addrs, (int)n};

		mc_point(&op);
	}
	t = mc_current();
	/* The kernel queues on each word under its lock, comparing it; at the
	 * first that differs it unqueues them all and returns. */
	for (i = 0; i < n; i++) {
		if (i > 0)
			mc_step_also(words[i]);
		f[i] = futex_of(words[i]);
		mc_vc_join(&t->clock, &f[i]->clock); /* word i's lock, taken */
		mc_vc_join(&t->dep, &f[i]->dep);
		locked = i + 1;
		if ((uint32_t)mc_load_in_step(words[i], 4, MC_RELAXED, file, line) != expected[i]) {
			futex_counts_as_write();
			how = 1;
			break;
		}
		futex_counts_as_write();
	}
	if (how == 0)
		how = sleep_choice(ns);
	tick(t);
	ev = mc_event_new(tid, MC_EV_FUTEX_WAIT, file, line);
	ev->addr = words[0];
	ev->size = 4;
	ev->len = n; /* a futex_waitv: the trace says so */
	ev->value = (uint64_t)how;
	ev->value2 = expected[0];
	ev->clock = t->clock;
	for (i = 0; i < locked; i++)
		futex_unlock(t, f[i]);
	if (how != 0)
		return how_result[how];
	sleeper_set(tid, words[0], expected[0], ns, file, line);
	fx.s[tid].n = n;
	for (i = 0; i < n; i++) {
		fx.s[tid].words[i] = words[i];
		fx.s[tid].expect[i] = expected[i];
	}
	{
		mc_op op = {MC_OP_RMW, MC_RELAXED, words[0], 0, file, line, fx.s[tid].words, (int)n};

		if (sleep_until_woken(tid, &op))
			return MC_FUTEX_TIMED_OUT;
	}
	*which = fx.s[tid].woken_by;
	return MC_FUTEX_WOKEN;
}

/* Whether a sleeper waits on word; which of its words it is. */
static bool sleeps_on(const sleeper *s, const uint32_t *word, uint32_t *index)
{
	uint32_t k;

	if (!s->sleeping)
		return false;
	if (s->n == 0) {
		*index = 0;
		return s->word == word;
	}
	for (k = 0; k < s->n; k++)
		if (s->words[k] == word) {
			*index = k;
			return true;
		}
	return false;
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
	futex_counts_as_write();
	for (i = 0; i < mc.nthreads; i++) {
		uint32_t k;

		if (sleeps_on(&fx.s[i], word, &k)) {
			fx.s[i].sleeping = false;
			fx.s[i].woken_by = k;
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
	size_t off;
	uint32_t k;
	int n;

	if (s->n == 0) {
		n = snprintf(buf, len, "T%d sleeps in futex_wait on %s (expecting %u) at %s:%d and no thread can wake it",
		             tid, mc_name_of(s->word, name, sizeof(name)), s->expected, s->file, s->line);
		return n < 0 ? 0 : (size_t)n;
	}
	/* a futex_waitv: every word it sleeps on, each with its value */
	n = snprintf(buf, len, "T%d sleeps in futex_waitv on", tid);
	off = n < 0 ? 0 : (size_t)n;
	for (k = 0; k < s->n && off < len; k++) {
		n = snprintf(buf + off, len - off, "%s %s (expecting %u)", k ? "," : "",
		             mc_name_of(s->words[k], name, sizeof(name)), s->expect[k]);
		off += n < 0 ? 0 : (size_t)n;
	}
	if (off < len) {
		n = snprintf(buf + off, len - off, " at %s:%d and no thread can wake it", s->file, s->line);
		off += n < 0 ? 0 : (size_t)n;
	}
	return off < len ? off : len - 1;
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

void mc_futex_waitv_mode(int mode)
{
	if (mode != MC_WAITV_PRESENT && mode != MC_WAITV_ABSENT && mode != MC_WAITV_REFUSED)
		mc_fail_kind(MC_FAILURE_USAGE, "mc_futex_waitv_mode(%d): no such mode", mode);
	fx.waitv_mode = mode;
}

int mc_futex_waitv_probe(void)
{
	return fx.waitv_mode != MC_WAITV_ABSENT;
}

uint32_t *mc_futex_waitv_cache(void)
{
	if (mc.active)
		mc_name(&fx.waitv_cache, 4, "futex_waitv probe cache");
	return &fx.waitv_cache;
}
