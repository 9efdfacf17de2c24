/*
 * The checker's internal state, shared by its parts:
 *   mc_fiber.c    fibers (ucontext) and the per-execution arena
 *   mc_sched.c    model threads, scheduling points, spawn/join, spin waits
 *   mc_explore.c  the branch log: DFS, sleep sets, bounds, replay, random; mc_check
 *   mc_memory.c   atomic locations: store histories, coherence, clocks, fences
 *   mc_race.c     plain-memory shadow and the happens-before race check
 *   mc_psc.c      the RC11 SC axiom (psc acyclic) on the current execution
 *   mc_trace.c    the event log, names, failure reports
 *   mc_options.c  configuration from the environment
 * Everything runs on one OS thread; a single global `mc` holds it all.
 */
#ifndef SHMPRIM_MC_INTERNAL_H
#define SHMPRIM_MC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>

#include "mc.h"

#define MC_NEVER UINT32_MAX     /* "not seen" epoch */
#define MC_MAX_OPTIONS 64       /* options at one branch point */
#define MC_MAX_WATCH 8          /* locations a spinning thread watches */
#define MC_ARENA_SIZE (256u * 1024u)
#define MC_STACK_SIZE (128u * 1024u)

/* A fiber's saved context. On x86-64 a six-register switch written here
 * (glibc's swapcontext also saves the signal mask: a system call per switch,
 * most of the checker's time); elsewhere, or with -DMC_USE_UCONTEXT, ucontext. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(MC_USE_UCONTEXT)
#define MC_FAST_SWITCH 1
typedef struct mc_fiber {
	void *sp;
} mc_fiber;
#else
#define MC_FAST_SWITCH 0
typedef struct mc_fiber {
	ucontext_t uc;
} mc_fiber;
#endif

/* Vector clock: entry t counts thread t's events. */
typedef struct mc_vc {
	uint32_t c[MC_MAX_THREADS];
} mc_vc;

static inline void mc_vc_join(mc_vc *a, const mc_vc *b)
{
	int i;

	for (i = 0; i < MC_MAX_THREADS; i++)
		if (b->c[i] > a->c[i])
			a->c[i] = b->c[i];
}

static inline void mc_vc_zero(mc_vc *a)
{
	int i;

	for (i = 0; i < MC_MAX_THREADS; i++)
		a->c[i] = 0;
}

/* What a thread will do when it is next scheduled. */
typedef enum mc_op_kind {
	MC_OP_NONE,
	MC_OP_LOAD,
	MC_OP_STORE,
	MC_OP_RMW,   /* also CAS: it may write */
	MC_OP_FENCE,
	MC_OP_JOIN,
	MC_OP_SPIN   /* a spinning thread's retry, enabled once a watched store is superseded */
} mc_op_kind;

typedef struct mc_op {
	mc_op_kind kind;
	int order;
	const void *addr;
	int target;         /* MC_OP_JOIN */
	const char *file;
	int line;
	const void *const *addrs; /* a futex_waitv: every word it reads (addr: the first) */
	int naddrs;
} mc_op;

/* Event kinds in the trace. */
typedef enum mc_ev_kind {
	MC_EV_LOAD,
	MC_EV_STORE,
	MC_EV_RMW,
	MC_EV_CAS_OK,
	MC_EV_CAS_FAIL,
	MC_EV_FENCE,
	MC_EV_PLAIN_READ,
	MC_EV_PLAIN_WRITE,
	MC_EV_SPAWN,
	MC_EV_JOIN,
	MC_EV_SPIN,
	MC_EV_EXIT,
	MC_EV_FUTEX_WAIT,  /* value: 0 sleeps, 1 value differs, 2 spurious, 3 timeout; value2: expected */
	MC_EV_FUTEX_WAKE,  /* value: the threads woken (bitmask) */
	MC_EV_FUTEX_RESUME, /* value: 0 woken, 3 timed out while every thread waited */
	MC_EV_DEATH        /* a mortal thread dies before its pending step */
} mc_ev_kind;

typedef struct mc_event {
	uint32_t seq;          /* 1-based position in the execution */
	uint8_t tid;
	uint8_t kind;          /* mc_ev_kind */
	uint8_t order, order2; /* CAS: success, failure */
	uint8_t size;
	uint8_t stale;         /* read a store older than the latest */
	uint8_t spurious;      /* weak CAS failed spuriously */
	const void *addr;
	size_t len;            /* plain accesses */
	uint64_t value;        /* loaded / stored / read by an RMW */
	uint64_t value2;       /* written by an RMW */
	uint32_t rf;           /* event that wrote the store read; 0 = the initial value */
	int other;             /* spawn/join: the other thread */
	mc_vc clock;           /* the thread's clock after the event */
	const char *file;
	int line;
} mc_event;

typedef enum mc_thread_state {
	MC_T_UNUSED,
	MC_T_STARTING, /* running its first stretch inside mc_spawn */
	MC_T_READY,    /* parked at a scheduling point with a pending op */
	MC_T_FINISHED
} mc_thread_state;

typedef struct mc_watch {
	uint32_t loc;  /* location index */
	uint32_t idx;  /* store index it read */
} mc_watch;

typedef struct mc_thread {
	mc_fiber ctx;
	unsigned char *stack;
	mc_thread_state state;
	void (*fn)(void *);
	void *arg;
	int parent;
	mc_op pending;
	mc_vc clock;      /* happens-before */
	mc_vc dep;        /* dependence order: program order and conflicting atomic accesses */
	mc_vc rel_fence;  /* clock at the last release fence: what a relaxed store publishes */
	mc_vc acq_fence;  /* join of stores read relaxed: what an acquire fence takes in */
	mc_watch watch[MC_MAX_WATCH]; /* reads since the thread's last write or spin */
	int nwatch;
} mc_thread;

/* A write record: one store in a location's modification order (chosen per store, not execution order). */
typedef struct mc_wr {
	uint64_t value;
	mc_vc msg;                      /* what an acquire read of it synchronises with */
	uint32_t seen[MC_MAX_THREADS];  /* each thread's epoch when it first read or wrote it */
	uint32_t event;                 /* writing event (0 = initial value) */
	uint32_t dep;                   /* the writer's dep epoch at the store */
	uint8_t tid;
	bool initial;                   /* happens-before everything */
	bool rmw;                       /* written by an RMW: it read the store right before it */
} mc_wr;

typedef struct mc_loc {
	const void *addr;
	unsigned size;
	mc_wr *stores;
	uint32_t nstores, cap;
	uint32_t floor[MC_MAX_THREADS]; /* one-shot: a woken spinner must read at least this index */
	mc_vc w_dep;                    /* dep clock of the last write */
	mc_vc r_dep;                    /* join of the dep clocks of reads since */
} mc_loc;

/* A choice point in the branch log. */
typedef enum mc_branch_kind { MC_BR_THREAD, MC_BR_READ } mc_branch_kind;

typedef struct mc_branch {
	uint8_t kind;
	uint8_t n;                  /* options, in exploration order */
	uint8_t pos;                /* the one being explored */
	uint8_t opt[MC_MAX_OPTIONS]; /* thread ids, or canonical read-option indices */
	/* DPOR thread nodes (n, opt: the enabled threads; pos: the one running) */
	uint8_t backtrack;          /* threads to explore here (source set, grows with races) */
	uint8_t done;               /* threads explored here */
	uint8_t sleep_in;           /* sleep set on arrival */
} mc_branch;

/* One scheduling step of the execution, for DPOR's race analysis. */
typedef struct mc_step {
	uint8_t tid;
	uint8_t kind;               /* mc_op_kind of the op performed */
	bool write;                 /* a write in dependence order (a CAS is, even when it fails) */
	bool sc;
	int32_t node;               /* branch-log index of the thread choice before it; -1 none */
	const void *addr;
	mc_vc pre;                  /* the thread's dep clock before the op */
	mc_vc post;                 /* and after it */
} mc_step;

typedef struct mc_token {
	char kind;                  /* 't' thread, 'r' read option */
	uint8_t value;
} mc_token;

typedef enum mc_end {
	MC_END_NONE,
	MC_END_COMPLETE,
	MC_END_REDUNDANT,
	MC_END_INCONSISTENT, /* violates RC11's SC axiom (a psc cycle): not an execution */
	MC_END_FAILURE
} mc_end;

typedef struct mc_name_entry {
	const void *addr;
	size_t len;
	const char *fmt;           /* with addr and len: reuse the text in the next execution */
	char name[48];
} mc_name_entry;

struct mc_state {
	/* configuration of the running check */
	mc_config cfg;
	const char *test_name;
	bool active;               /* inside an execution */

	/* fibers */
	mc_fiber sched_ctx;
	mc_thread threads[MC_MAX_THREADS];
	int nthreads;
	int cur;

	/* the execution */
	mc_end end;
	mc_failure failure;
	char message[512];
	uint32_t steps;
	bool completion;           /* past a spin prune: no more branching */
	uint32_t sleep;            /* sleep set, bit per thread */
	int preemptions;
	int stale_used;
	int spurious_used;
	uint32_t nsc;              /* seq_cst operations so far: two or more need the psc check */
	bool psc_settled;          /* consistent, and one thread left: no more psc checks */
	mc_vc sc_dep;              /* dep clock of the last seq_cst operation (reduction only) */

	/* branch log */
	mc_branch *log;
	uint32_t log_len, log_cap;
	uint32_t depth;
	bool bound_cut;            /* some option was skipped because of a bound */
	uint32_t bound_hit;        /* which bounds cut (MC_CUT_*), over the whole check */
	bool replaying;
	const char *replay_pos;
	bool dpor;                 /* source-DPOR on thread choices (mc_explore.c) */
	mc_step *dsteps;           /* this execution's steps (DPOR) */
	uint32_t ndsteps, dsteps_cap;
	uint32_t dpor_from;        /* first step that may differ from the previous execution's */
	uint32_t diverge_depth;    /* branch-log index advanced for this execution */
	int32_t completion_step;   /* step at which a spin prune began; -1 none */
	int completion_tid;        /* the spinner */
	bool op_write;             /* the op just performed wrote (set by mc_memory.c) */
	mc_token *path;            /* this execution's schedule string */
	uint32_t path_len, path_cap;
	uint64_t rng;

	/* memory */
	mc_loc *locs;
	uint32_t nlocs;
	uint32_t *loc_hash;        /* open addressing: location index + 1, 0 = empty */

	/* trace */
	mc_event *events;
	uint32_t nevents, events_cap;
	mc_name_entry *names;
	uint32_t nnames, names_cap;
	uint32_t names_prev;       /* entries the previous execution left (a cache) */

	/* arena */
	unsigned char *arena;
	size_t arena_used, arena_dirty;
};

extern struct mc_state mc;

/* mc_fiber.c */
void mc_fiber_setup(void);
void mc_fiber_make(int tid, void (*entry)(void));
/* Saves the running context in *from and resumes *to. */
void mc_fiber_switch(mc_fiber *from, mc_fiber *to);
void mc_arena_reset(void);

/* mc_sched.c */
void mc_sched_reset(void);
void mc_run_execution(void (*body)(void *), void *arg);
mc_thread *mc_current(void);
/* Parks the current thread with `op` pending; returns when it may perform it. */
void mc_point(const mc_op *op);
MC_NORETURN void mc_end_execution(mc_end end);
MC_NORETURN void mc_fail_kind(mc_failure kind, const char *fmt, ...) MC_PRINTF(2, 3);
bool mc_op_enabled(const mc_thread *t);

/* mc_explore.c */
/* A thread choice among `enabled` (bitmask); returns the thread to run. */
int mc_choose_thread(uint32_t enabled, int current, bool current_enabled);
/* A read choice: `n` canonical options, of which option k is allowed when
 * allowed(k) (option 0 always is). Returns the canonical index. */
int mc_choose_read(int n, const uint8_t *kinds);
/* Inside a step that touches several words (a futex_waitv's compares): what
 * follows is recorded, for source-DPOR's race analysis, as a step of its own
 * on addr at the same scheduling point. */
void mc_step_also(const void *addr);
/* kinds[] values, for reads and for where a store goes in modification
 * order (STALE: not the latest / not last). A COVERED choice is one the
 * reduction skips: no store after it is ordered before the op by program
 * order or conflicting accesses, so scheduling the op before them (where the
 * same choice is the latest) gives the same execution, and that schedule is
 * explored. SPURIOUS marks a weak CAS's spurious failure (a read). */
enum { MC_RO_LATEST, MC_RO_STALE, MC_RO_STALE_COVERED, MC_RO_SPURIOUS = 4 /* a flag on the others */ };

/* mc_memory.c */
void mc_memory_reset(void);
mc_loc *mc_loc_of(uint32_t index);
uint32_t mc_loc_index(const void *addr, unsigned size);
bool mc_loc_superseded(uint32_t loc, uint32_t idx);
/* A load inside the step the caller already announced (a futex wait's compare). */
uint64_t mc_load_in_step(const void *p, unsigned size, int order, const char *file, int line);
/* A woken spinner's retry depends on the stores that woke it. */
void mc_dep_after_spin(mc_thread *t);

/* Bounds that can cut options: each one that does makes the verdict BOUNDED. */
enum { MC_CUT_PREEMPT = 1, MC_CUT_STALE = 2, MC_CUT_SPURIOUS = 4, MC_CUT_OPTIONS = 8, MC_CUT_FUTEX = 16 };
void mc_bound_cut(uint32_t which);

/* mc_futex.c */
void mc_futex_reset(void);
bool mc_futex_sleeping(int tid);
/* Nobody can run: lets time pass (true) if a death or the test allows it. */
bool mc_futex_idle(void);
/* The death choice before a mortal thread's step: true if it died. */
bool mc_death_choice(int tid);
/* A thread's function returned: a mortal one has exited. */
void mc_futex_exit(int tid);
/* "T1 sleeps in futex_wait on ring.x ..." for the deadlock report. */
size_t mc_futex_describe(int tid, char *buf, size_t len);

/* mc_psc.c: 1 consistent, 0 a psc cycle, -1 unsupported (why says which) */
int mc_psc_check(char *why, size_t len);
/* Drops an inconsistent execution, fails loudly on an unsupported one. */
void mc_psc_enforce(void);

/* mc_race.c */
void mc_race_reset(void);
void mc_race_access(mc_thread *t, int tid, const void *p, size_t n, bool write, uint32_t event);

/* mc_trace.c */
void mc_trace_reset(void);
mc_event *mc_event_new(int tid, mc_ev_kind kind, const char *file, int line);
const char *mc_name_of(const void *addr, char *buf, size_t len);
void mc_trace_print(void);
void mc_report_failure(const mc_result *res);
void mc_replay_string(char *out, size_t len);
/* Prints whole lines to stdout, each prefixed with "# " in TAP mode. */
void mc_out(const char *fmt, ...) MC_PRINTF(1, 2);


#endif
