/** @file
 * Blocking on top of the non-blocking ring and slab (Linux futexes, shared:
 * not FUTEX_PRIVATE, so the two sides may be different processes).
 *
 * A waiter spins a little, then announces itself (a sleeping flag in the
 * ring, a waiter count in the slab), re-checks, and sleeps: a ring side on
 * its own flag (which the notifier clears before waking it), allocators on
 * the slab's free_wake (which the notifier bumps). The other side's notify looks at the flag after a
 * full fence and makes a wake syscall only when someone may be asleep, so two
 * busy sides never enter the kernel. Both sides must use the notifying calls
 * (push_wait/pop_wait, or the plain calls followed by notify_*) whenever the
 * other side may block.
 *
 * Every wait takes a timeout (there is no infinite wait) and may watch a peer
 * process: while asleep it checks the peer at least every check_ns, and
 * returns SHMPRIM_ERR_PEER_DEAD once the peer has exited and nothing is left
 * to take (a consumer first drains what a dead producer published).
 *
 * Ring waits also read the peer's claim word (spsc.h, "claimed sides"), on
 * taken and split handles alike: a closed peer gives SHMPRIM_ERR_END (consumer,
 * after everything pushed before the close) or SHMPRIM_ERR_CLOSED (producer),
 * and a peer whose claim names a process verified dead gives
 * SHMPRIM_ERR_PEER_DEAD (the consumer first drains what it published), with
 * no watched peer needed. Bound: a blocked ring wait, once past its spin,
 * notices a dead or closed peer within check_ns (default 20 ms) plus one
 * /proc/PID/stat read, and at once when a close wakes it. A producer making
 * progress (push_wait succeeding at once) checks the consumer's claim too, at
 * most once per check_ns (it reads the clock on every call): a dead consumer
 * is reported within check_ns of the death plus one /proc read. A consumer
 * making progress is draining what a dead producer published: it gets
 * SHMPRIM_ERR_PEER_DEAD when that is done. A closed consumer is noticed by a
 * progressing producer once the ring is full (at most capacity pushes).
 *
 * The words involved live in shared memory and are only hints: a peer that
 * forges them can cause extra wake syscalls or make a waiter sleep until its
 * next check (at most check_ns, or the timeout), never a wrong result.
 *
 * Returns: SHMPRIM_OK; SHMPRIM_ERR_TIMED_OUT (nothing done); SHMPRIM_ERR_PEER_DEAD;
 * SHMPRIM_ERR_CORRUPT (the ring or slab reported corruption: for pop_wait, what
 * shmprim_spsc_try_pop reports); SHMPRIM_ERR_SYSTEM (an unexpected futex/poll
 * error, errno kept); ring waits also SHMPRIM_ERR_END, SHMPRIM_ERR_CLOSED and
 * SHMPRIM_ERR_CLAIM_LOST (a taken handle whose claim is gone).
 */
#ifndef SHMPRIM_WAIT_H
#define SHMPRIM_WAIT_H

#include <stdint.h>
#include <shmprim/slab.h>
#include <shmprim/spsc.h>
#include <shmprim/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A process to watch. Uses a pidfd (Linux 5.3+), which cannot be fooled by
 * pid reuse once opened; where pidfds are refused it falls back to kill(pid, 0)
 * plus `/proc/<pid>/stat` (a zombie counts as dead), which can be. */
typedef struct shmprim_peer {
	/** the process id */
	int pid;
	int pidfd;   /**< -1 when using the fallback */
} shmprim_peer;

/** Starts watching a process.
 * @param peer filled in; release with shmprim_peer_close()
 * @param pid  the process
 * @return SHMPRIM_OK, SHMPRIM_ERR_PEER_DEAD if pid is already gone, SHMPRIM_ERR_INVALID_ARGUMENT for pid <= 0 */
SHMPRIM_API shmprim_status shmprim_peer_watch(shmprim_peer *peer, int pid);
/** Whether the watched process still runs.
 * @param peer a watched peer
 * @return SHMPRIM_OK while it runs, SHMPRIM_ERR_PEER_DEAD once it has exited (zombie included) */
SHMPRIM_API shmprim_status shmprim_peer_check(const shmprim_peer *peer);
/** Stops watching (closes the pidfd).
 * @param peer a watched peer */
SHMPRIM_API void shmprim_peer_close(shmprim_peer *peer);

#define SHMPRIM_WAIT_DEFAULT_SPIN 256u             /**< tries before the first sleep */
#define SHMPRIM_WAIT_DEFAULT_CHECK_NS 20000000ull  /**< 20 ms between peer checks */
/** While spinning, the clock is read every this many tries, so a wait returns
 * TIMED_OUT at most this many tries (each a pause and one attempt) after its
 * deadline, whatever the spin count: see "Timeouts" in docs/ipc.md for the
 * overrun as measured. */
#define SHMPRIM_WAIT_CLOCK_EVERY 64u

/** How a wait spins and whom it watches (see the note below it for timeouts). */
typedef struct shmprim_wait_opts {
	const shmprim_peer *peer; /**< NULL: no liveness check */
	uint32_t spin;            /**< tries (with a pause) before sleeping */
	uint64_t check_ns;        /**< longest sleep between checks of peer and state; 0: default */
} shmprim_wait_opts;

/* opts may be NULL: defaults, no peer. timeout_ns is for the whole call, spin
 * included; 0 tries once. A call returns TIMED_OUT no earlier than timeout_ns
 * and no later than SHMPRIM_WAIT_CLOCK_EVERY tries, or one sleep's wake-up,
 * after it (plus whatever the scheduler adds). */

/* ---- ring ---- */
/** Pushes one entry, waiting for room.
 * @param producer   the producer side
 * @param entry      entry_size bytes
 * @param timeout_ns for the whole call, spin included; 0 tries once
 * @param opts       spin, peer and check interval; NULL for defaults and no peer
 * @return SHMPRIM_OK, or as listed at the top of this file */
SHMPRIM_API shmprim_status shmprim_spsc_push_wait(shmprim_spsc_producer *producer, const void *entry,
                                                  uint64_t timeout_ns, const shmprim_wait_opts *opts);
/** Pops one entry, waiting for one.
 * @param consumer   the consumer side
 * @param entry_out  room for entry_size bytes
 * @param timeout_ns for the whole call, spin included; 0 tries once
 * @param opts       spin, peer and check interval; NULL for defaults and no peer
 * @return SHMPRIM_OK, or as listed at the top of this file */
SHMPRIM_API shmprim_status shmprim_spsc_pop_wait(shmprim_spsc_consumer *consumer, void *entry_out,
                                                 uint64_t timeout_ns, const shmprim_wait_opts *opts);
/** Waits until an entry can be pushed, without pushing (for batch calls).
 * @param producer   the producer side
 * @param timeout_ns for the whole call, spin included; 0 tries once
 * @param opts       spin, peer and check interval; NULL for defaults and no peer
 * @return SHMPRIM_OK, or as listed at the top of this file */
SHMPRIM_API shmprim_status shmprim_spsc_wait_writable(shmprim_spsc_producer *producer, uint64_t timeout_ns,
                                                      const shmprim_wait_opts *opts);
/** Waits until an entry can be popped, without popping (for batch calls).
 * @param consumer   the consumer side
 * @param timeout_ns for the whole call, spin included; 0 tries once
 * @param opts       spin, peer and check interval; NULL for defaults and no peer
 * @return SHMPRIM_OK, or as listed at the top of this file */
SHMPRIM_API shmprim_status shmprim_spsc_wait_readable(shmprim_spsc_consumer *consumer, uint64_t timeout_ns,
                                                      const shmprim_wait_opts *opts);
/** After plain (non-waiting) pushes: wake the consumer if it may be asleep.
 * @param producer the producer side */
SHMPRIM_API void shmprim_spsc_notify_consumer(shmprim_spsc_producer *producer);
/** After plain (non-waiting) pops: wake the producer if it may be asleep.
 * @param consumer the consumer side */
SHMPRIM_API void shmprim_spsc_notify_producer(shmprim_spsc_consumer *consumer);
/** Publishes this process's pid in the ring as the producer's (a hint for the
 * other side's peer watch).
 * @param producer the producer side */
SHMPRIM_API void shmprim_spsc_announce_producer(shmprim_spsc_producer *producer);
/** Publishes this process's pid in the ring as the consumer's.
 * @param consumer the consumer side */
SHMPRIM_API void shmprim_spsc_announce_consumer(shmprim_spsc_consumer *consumer);
/** The pid the producer announced (a hint, never trusted further).
 * @param consumer the consumer side
 * @return the pid, or 0 if none was announced */
SHMPRIM_API int shmprim_spsc_producer_pid(const shmprim_spsc_consumer *consumer);
/** The pid the consumer announced (a hint, never trusted further).
 * @param producer the producer side
 * @return the pid, or 0 if none was announced */
SHMPRIM_API int shmprim_spsc_consumer_pid(const shmprim_spsc_producer *producer);

/* ---- slab ---- */
/** try_alloc until a slot is free. CONTENDED from try_alloc is retried within the timeout.
 * @param slab       the slab (raw form)
 * @param out        receives the slot's handle
 * @param timeout_ns for the whole call, spin included; 0 tries once
 * @param opts       spin, peer and check interval; NULL for defaults and no peer
 * @return SHMPRIM_OK, or as listed at the top of this file */
SHMPRIM_API shmprim_status shmprim_slab_raw_alloc_wait(shmprim_slab_raw *slab, shmprim_slot_handle *out,
                                                       uint64_t timeout_ns, const shmprim_wait_opts *opts);
/** After frees (or a reclaim): if any allocator may be asleep, wake every
 * sleeping allocator (all of them, not one: each retries try_alloc and those
 * that find no slot sleep again, so no freed slot waits on a missed wake).
 * The ring's notify_* wake the one other side.
 * @param slab the slab (raw form) */
SHMPRIM_API void shmprim_slab_raw_notify(shmprim_slab_raw *slab);
/** shmprim_slab_raw_alloc_wait() for the region form.
 * @param slab       the slab
 * @param out        receives the slot's handle
 * @param timeout_ns for the whole call, spin included; 0 tries once
 * @param opts       spin, peer and check interval; NULL for defaults and no peer
 * @return SHMPRIM_OK, or as listed at the top of this file */
SHMPRIM_API shmprim_status shmprim_slab_alloc_wait(shmprim_slab *slab, shmprim_slot_handle *out,
                                                   uint64_t timeout_ns, const shmprim_wait_opts *opts);
/** shmprim_slab_raw_notify() for the region form.
 * @param slab the slab */
SHMPRIM_API void shmprim_slab_notify(shmprim_slab *slab);
/** shmprim_slab_free(), then notify.
 * @param slab the slab
 * @param h    the in-flight slot's handle
 * @return as shmprim_slab_free() */
SHMPRIM_API shmprim_status shmprim_slab_free_notify(shmprim_slab *slab, shmprim_slot_handle h);

/* ---- many futex words at once ---- */

/** Most words one shmprim_futex_wait_any() call takes (futex_waitv's limit). */
#define SHMPRIM_WAIT_ANY_MAX 128u
/** shmprim_futex_wait_any() / fan-in flag: do not use futex_waitv, sleep in
 * polling slices (the fallback: for tests and comparisons). */
#define SHMPRIM_WAIT_ANY_POLL 1u
/** The fallback's slice: it sleeps on the first word for at most this long,
 * then compares every word, so a change of any other word is seen within it. */
#define SHMPRIM_WAIT_ANY_SLICE_NS 1000000ull
/** What shmprim_futex_wait_any() reports as the woken word when it cannot tell. */
#define SHMPRIM_WAIT_ANY_UNKNOWN 0xffffffffu

/** Whether this kernel has futex_waitv (Linux 5.16+). Probed once per process
 * (one system call); a kernel or seccomp filter refusing it reads as not there.
 * @return 1 if shmprim_futex_wait_any() sleeps in futex_waitv, 0 if it polls */
SHMPRIM_API int shmprim_futex_waitv_supported(void);
/** Sleeps until one of n shared (not process-private) 32-bit futex words is
 * woken, or differs from its expected value, or timeout_ns passes.
 * With futex_waitv the compare and the sleep are one atomic step in the
 * kernel, so a waker that changes a word and then wakes it is never missed.
 * Without it (ENOSYS, or SHMPRIM_WAIT_ANY_POLL), it sleeps on words[0] in
 * slices of SHMPRIM_WAIT_ANY_SLICE_NS and compares every word between
 * slices: a changed word is still seen, up to one slice late; a wake that
 * leaves its word unchanged is seen only on words[0].
 * Returns may be spurious (a signal): re-check what the words guard.
 * @param words      the words (n of them)
 * @param expected   the value each must hold for the call to sleep
 * @param n          1 .. SHMPRIM_WAIT_ANY_MAX
 * @param timeout_ns how long at most
 * @param flags      0 or SHMPRIM_WAIT_ANY_POLL
 * @param woken      receives the index of a woken or changed word, or SHMPRIM_WAIT_ANY_UNKNOWN (may be NULL)
 * @return SHMPRIM_OK (woken, a word differed, or a signal), SHMPRIM_ERR_TIMED_OUT,
 *         SHMPRIM_ERR_INVALID_ARGUMENT (n, flags), SHMPRIM_ERR_NULL_ARGUMENT, SHMPRIM_ERR_SYSTEM (errno kept) */
SHMPRIM_API shmprim_status shmprim_futex_wait_any(uint32_t *const *words, const uint32_t *expected, uint32_t n,
                                                  uint64_t timeout_ns, uint32_t flags, uint32_t *woken);

#ifdef __cplusplus
}
#endif

#endif
