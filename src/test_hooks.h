/*
 * Hooks for the crash and hostile-peer tests, compiled away unless a test
 * build defines them (production, freestanding and model-checker builds
 * never do):
 *   SHMPRIM_COUNT_LOOPS  every retry-loop and list-walk iteration bumps a
 *                        thread-local counter, so a test can assert a
 *                        per-call bound.
 *   SHMPRIM_TEST_HOOKS   a function pointer called at the crash windows of
 *                        the slab's alloc and free paths, so a test can
 *                        widen them (a yield, a sleep) and land kills and
 *                        races inside.
 */
#ifndef SHMPRIM_TEST_HOOKS_H
#define SHMPRIM_TEST_HOOKS_H

#ifdef SHMPRIM_COUNT_LOOPS
extern __thread unsigned long shmprim_loop_count;
#define SHMPRIM_LOOP_TICK() ((void)shmprim_loop_count++)
#else
#define SHMPRIM_LOOP_TICK() ((void)0)
#endif

enum shmprim_window {
	SHMPRIM_WINDOW_POPPED,        /* alloc: off the list, not yet allocated (A2..A3) */
	SHMPRIM_WINDOW_FREED,         /* free: FREE|FREEING|owner, not pushed */
	SHMPRIM_WINDOW_PUSHED,        /* free: pushed, not yet finished (FREEING still set) */
	SHMPRIM_WINDOW_PUSH_TRY,      /* a push, before each CAS on the free-list head (F2) */
	SHMPRIM_WINDOW_POP_TRY,       /* try_alloc, before each CAS on the free-list head (A2) */
	SHMPRIM_WINDOW_BEFORE_SLEEP,  /* a wait: announced and re-checked, about to sleep on its word */
	SHMPRIM_WINDOW_BEFORE_ARM     /* fan-in: every channel found empty, no flag set yet */
};

#ifdef SHMPRIM_TEST_HOOKS
extern void (*volatile shmprim_window_hook)(int window);
#define SHMPRIM_WINDOW(w)                                   \
	do {                                                \
		void (*hook_)(int) = shmprim_window_hook;   \
		if (hook_)                                  \
			hook_(w);                           \
	} while (0)
#else
#define SHMPRIM_WINDOW(w) ((void)0)
#endif

#endif
