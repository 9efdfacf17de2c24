/*
 * shmprim's model checker ("our loom"): the harness test programs use, and the
 * hooks the model binding (atomic_model.h) routes every sp_* call through.
 *
 * A test body runs as thread 0 and may spawn up to MC_MAX_THREADS - 1 more.
 * mc_check() re-runs the body once per schedule until every schedule (thread
 * interleavings and the stores each load may read) has been explored or a bound
 * is hit. Threads are fibers on one OS thread, so nothing here is thread-safe
 * and nothing needs to be. See README.md for what a pass proves.
 */
#ifndef SHMPRIM_MC_H
#define SHMPRIM_MC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MC_MAX_THREADS 4

/* Memory orders, numerically equal to sp_order (atomic_model.h checks it). */
enum { MC_RELAXED, MC_ACQUIRE, MC_RELEASE, MC_ACQ_REL, MC_SEQ_CST };

/* Read-modify-write operations for mc_rmw. */
enum { MC_RMW_ADD, MC_RMW_XCHG };

#if defined(__GNUC__) || defined(__clang__)
#define MC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define MC_NORETURN __attribute__((noreturn))
#else
#define MC_PRINTF(f, a)
#define MC_NORETURN
#endif

/* ---- hooks: each atomic access is a scheduling point ---- */
uint64_t mc_load(const void *p, unsigned size, int order, const char *file, int line);
void mc_store(void *p, unsigned size, uint64_t value, int order, const char *file, int line);
bool mc_cas(void *p, unsigned size, uint64_t *expected, uint64_t desired, int success, int failure, bool weak,
            const char *file, int line);
uint64_t mc_rmw(void *p, unsigned size, int op, uint64_t operand, int order, const char *file, int line);
void mc_fence(int order, const char *file, int line);
/* After a failed, side-effect-free attempt (ring empty/full): see README "spin loops". */
void mc_spin_hint(const char *file, int line);
/* Non-atomic accesses to shared memory: checked for data races, not scheduling points. */
void mc_plain_read(const void *p, size_t n, const char *file, int line);
void mc_plain_write(void *p, size_t n, const char *file, int line);

/* ---- the OS seam (backends/shmprim_os.h, mc_futex.c): src/wait.c's futexes ---- */
/* A futex wait: one step that loads *word (after the futex lock's clock) and,
 * if it equals expected, sleeps until a wake on word; or, a choice, returns
 * spuriously or times out (the virtual clock advances by ns). Returns 0. */
int mc_futex_wait(uint32_t *word, uint32_t expected, uint64_t ns, const char *file, int line);
/* How a futex wait ended (mc_futex_wait_how, mc_futex_waitv). */
enum { MC_FUTEX_WOKEN, MC_FUTEX_DIFFERS, MC_FUTEX_SPURIOUS, MC_FUTEX_TIMED_OUT, MC_FUTEX_REFUSED };
/* mc_futex_wait, saying how it ended (the kernel's errno, for the seam). */
int mc_futex_wait_how(uint32_t *word, uint32_t expected, uint64_t ns, const char *file, int line);
/* futex_waitv on n (1..4) words: one step that compares each word (after its
 * futex lock's clock) with its expected value; if every one matches, sleeps
 * until a wake on any of them (*which: its index), or, the single wait's
 * choice, returns spuriously or times out. MC_FUTEX_REFUSED (no step) when
 * mc_futex_waitv_mode said MC_WAITV_REFUSED. */
int mc_futex_waitv(uint32_t *const *words, const uint32_t *expected, uint32_t n, uint64_t ns, uint32_t *which,
                   const char *file, int line);
/* futex_waitv's probe (1: present), and the word its answer is cached in
 * (src/futex_waitv.c; the model's, zero at the start of every execution). */
int mc_futex_waitv_probe(void);
uint32_t *mc_futex_waitv_cache(void);
/* Wakes every thread sleeping on word. */
void mc_futex_wake(uint32_t *word, const char *file, int line);
/* The virtual clock (ns): advances only when a futex wait times out. */
uint64_t mc_clock_ns(void);
/* 1: the model thread with this pid is alive, 0: dead, -1: pid names no model thread. */
int mc_pid_liveness(int pid);

/* ---- harness, for test bodies ---- */
/* Starts fn(arg) as a new model thread; returns its id (1..MC_MAX_THREADS-1). */
int mc_spawn_at(void (*fn)(void *), void *arg, const char *file, int line);
#define mc_spawn(fn, arg) mc_spawn_at((fn), (arg), __FILE__, __LINE__)
/* Waits for thread tid to finish (happens-before edge from all its work). */
void mc_join_at(int tid, const char *file, int line);
#define mc_join(tid) mc_join_at((tid), __FILE__, __LINE__)
/* Zeroed memory from a per-execution arena: the same addresses in every
 * execution, so traces and replays are stable. Freed when the execution ends. */
void *mc_alloc(size_t size, size_t align);
/* Gives [p, p+len) a name for traces ("ring.slot[1].seq"). Per execution; the
 * text is formatted once and reused while the same call (same p, len and fmt
 * pointer, in the same order) repeats, so it must depend on those only. */
void mc_name(const void *p, size_t len, const char *fmt, ...) MC_PRINTF(3, 4);
/* Id of the calling model thread. */
int mc_self(void);
/* Peers that may die (a process crash): after mc_mortal(tid), thread tid may
 * die before any of its steps (a choice; it never runs again), and a return
 * from its function is an exit. mc_pid_of(tid) is the pid liveness checks
 * (sp_pid_liveness, sp_proc_liveness) see for it; mc_died(tid) says whether
 * it died or exited. Per execution: call after mc_spawn. */
void mc_mortal(int tid);
int mc_pid_of(int tid);
bool mc_died(int tid);
/* In this execution, when no thread can run and some sleep in futex waits,
 * time passes and the earliest sleeper times out (the default: a lost
 * wake-up, reported as a deadlock, unless a mortal thread has died). */
void mc_idle_timeouts(void);
/* Whether this execution's kernel has futex_waitv: PRESENT (the default),
 * ABSENT (the probe fails: src/futex_waitv.c polls) or REFUSED (the probe
 * succeeds, every call then fails with ENOSYS, as under a seccomp filter
 * installed later). Per execution: call before the first wait. */
enum { MC_WAITV_PRESENT, MC_WAITV_ABSENT, MC_WAITV_REFUSED };
void mc_futex_waitv_mode(int mode);
/* Lowers the cap on futex waits' spurious returns and timeouts (MC_FUTEX)
 * to n for this check, from inside a body (which the environment may lower
 * further); a cut is named as futex=N. */
void mc_futex_limit(int n);
/* Lowers the bound of the code's retry loops (sp_retry_bound, e.g. the
 * slab's SHMPRIM_SLAB_RETRY_LIMIT of 100000 failed CASes) to n attempts for
 * this check, from inside a body: their give-up paths then take n failures,
 * which a model run can reach. n >= 1. */
void mc_retry_limit(uint32_t n);
/* The hook behind sp_retry_bound: limit, or the lower bound a body set. */
uint32_t mc_retry_bound(uint32_t limit);
/* Ends the execution as a failure with a message. */
MC_NORETURN void mc_fail(const char *file, int line, const char *fmt, ...) MC_PRINTF(3, 4);

#define mc_assert(cond) ((cond) ? (void)0 : mc_fail(__FILE__, __LINE__, "assertion failed: %s", #cond))
#define mc_assert_eq(a, b)                                                                                  \
	do {                                                                                                \
		unsigned long long mc_a_ = (unsigned long long)(a), mc_b_ = (unsigned long long)(b);        \
		if (mc_a_ != mc_b_)                                                                         \
			mc_fail(__FILE__, __LINE__, "assertion failed: %s == %s (%llu != %llu)", #a, #b,   \
			        mc_a_, mc_b_);                                                              \
	} while (0)

/* ---- running a check ---- */
typedef enum mc_verdict {
	MC_PASS_EXHAUSTIVE, /* every schedule explored; no bound cut anything */
	MC_PASS_BOUNDED,    /* every schedule within the bounds; result.bounded_by names those that cut */
	MC_INCOMPLETE,      /* execution or time budget ran out: a failure, not a pass */
	MC_FAIL             /* an execution failed (result.failure says how) */
} mc_verdict;

typedef enum mc_failure {
	MC_FAILURE_NONE,
	MC_FAILURE_ASSERT,     /* mc_assert / mc_fail in the body */
	MC_FAILURE_RACE,       /* conflicting plain accesses not ordered by happens-before */
	MC_FAILURE_LIVELOCK,   /* every unfinished thread spins and no store can release it */
	MC_FAILURE_DEADLOCK,   /* every unfinished thread waits in mc_join or sleeps in a futex wait (a lost wake-up) */
	MC_FAILURE_STEPS,      /* more than max_steps scheduling points in one execution */
	MC_FAILURE_USAGE       /* misuse of the checker (non-deterministic body, bad replay, ...) */
} mc_failure;

typedef enum mc_spin_mode {
	MC_SPIN_PRUNE, /* a spin while another thread can run ends exploration of that branch */
	MC_SPIN_BLOCK  /* a spinning thread sleeps until a store it watched is superseded */
} mc_spin_mode;

typedef struct mc_config {
	int preempt;         /* preemption bound; -1 = none (MC_PREEMPT) */
	int stale;           /* non-latest reads per execution; -1 = none (MC_STALE) */
	int spurious;        /* spurious weak-CAS failures per execution (MC_SPURIOUS) */
	uint64_t max_execs;  /* MC_MAX_EXECS */
	double max_seconds;  /* MC_MAX_SECONDS */
	uint32_t max_steps;  /* scheduling points per execution (MC_MAX_STEPS) */
	bool naive;          /* no sleep sets: the differential oracle (MC_NAIVE) */
	mc_spin_mode spin;   /* MC_SPIN=prune|block */
	uint64_t random;     /* >0: sample this many random schedules instead of DFS (MC_RANDOM) */
	uint64_t seed;       /* MC_SEED */
	const char *replay;  /* run exactly this schedule string (MC_REPLAY) */
	int trace;           /* 1: print the trace of every replayed/failing execution (MC_TRACE) */
	bool quiet;          /* no failure report (used by the mutant gate's second opinions) */
	bool silent;         /* not even the summary line */
	int futex;           /* spurious returns and timeouts of futex waits per execution (MC_FUTEX) */
	uint32_t retry;      /* retry loops' attempts (mc_retry_limit); 0: the code's own bound */
} mc_config;

/* Tiers (see README): no preemption or stale bound in the first two; the
 * 3-thread tier (BOUNDED) explores no spurious weak-CAS failure unless MC_DEEP
 * is set. PREEMPT keeps preemption 3 and stale reads 2 (4 and 3 with MC_DEEP;
 * source-DPOR is off under a preemption bound): for shapes whose unbounded
 * search does not fit CI, such as the futex waits with a dying peer. */
typedef enum mc_tier { MC_TIER_EXHAUSTIVE, MC_TIER_BOUNDED, MC_TIER_PREEMPT } mc_tier;

/* Tier defaults, then the MC_* environment variables on top. */
void mc_config_init(mc_config *cfg, mc_tier tier);

#define MC_REPLAY_MAX 4096

typedef struct mc_result {
	mc_verdict verdict;
	mc_failure failure;
	uint64_t executions;  /* all executions run */
	uint64_t completed;   /* ran to the end */
	uint64_t pruned;      /* a spin while others could run: finished without further branching */
	uint64_t redundant;   /* cut by sleep sets or a bound (covered elsewhere / out of bound) */
	uint64_t failing_execution; /* 1-based, when verdict == MC_FAIL */
	double seconds;
	char message[512];    /* the failure, one line */
	char replay[MC_REPLAY_MAX]; /* schedule string of the failing execution */
	uint64_t inconsistent; /* dropped: a psc cycle (RC11's SC axiom), not an execution */
	char bounded_by[64];  /* the bounds that cut options ("preempt=3 spurious=1"); empty if none */
} mc_result;

/* Explores body(arg) under cfg (NULL = exhaustive tier + environment), prints
 * one summary line (and a failure report), fills *res if non-NULL. */
mc_verdict mc_check(const char *name, void (*body)(void *), void *arg, const mc_config *cfg, mc_result *res);

/* True unless MC_TEST is set and neither equals name nor matches it as a shell pattern. */
bool mc_selected(const char *name);

/* TAP mode: every line the checker prints starts with "# " (a TAP comment). */
void mc_set_tap(bool on);

const char *mc_verdict_str(mc_verdict v);
const char *mc_failure_str(mc_failure f);

#ifdef __cplusplus
}
#endif

#endif
