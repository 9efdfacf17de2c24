/*
 * Blocking layer (include/shmprim/wait.h): spin, then sleep on a shared futex.
 *
 * Lost-wake argument (ring; the slab counts its sleepers and sleeps on
 * free_wake, which every wake bumps first, and works the same way):
 *   sleeper: flag = 1 (SL1); fence(seq_cst) (SL2); re-check; futex_wait(flag, 1)
 *   waker:   publish; fence(seq_cst) (WK1); if flag (WK2): clear it (WK3), futex_wake(flag)
 *            (but 2, a readiness-fd sleeper, is left for src/ready.c's notify)
 * The two fences (SL2 pairs with WK1) order each side's store before its load,
 * so either the re-check sees the publication or the other side sees the flag.
 * In the second case the flag is cleared before the wake, and the kernel
 * compares it with 1 under the futex lock: the waiter does not sleep, or is
 * queued before the wake and woken by it.
 * Everything read here from shared memory is a hint; the ring or slab call
 * made after every wake is what decides.
 */
#define _GNU_SOURCE

#include <shmprim/wait.h>
#include <shmprim/claim.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <shmprim/static/spsc.h>

#include "../backends/shmprim_atomic.h"
#include "../backends/shmprim_os.h" /* futex, clock, liveness: the model checker replaces them */
#include "spsc_claim.h"
#include "test_hooks.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* the same number on every architecture */
#endif

/* A sleep longer than this is split, so timespec fits a 32-bit time_t. */
#define MAX_SLICE_NS 3600000000000ull

static uint64_t now_ns(void)
{
	return sp_clock_ns();
}

/* ---- peers ---- */

shmprim_status shmprim_peer_watch(shmprim_peer *peer, int pid)
{
	long fd;

	if (!peer)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	peer->pid = pid;
	peer->pidfd = -1;
	if (pid <= 0)
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	fd = syscall(SYS_pidfd_open, (pid_t)pid, 0); /* pidfds are always close-on-exec */
	if (fd >= 0) {
		peer->pidfd = (int)fd;
	} else if (errno == ESRCH) {
		return SHMPRIM_ERR_PEER_DEAD;
	} else if (errno != ENOSYS && errno != EPERM && errno != EINVAL) {
		return SHMPRIM_ERR_SYSTEM;
	}
	return shmprim_peer_check(peer);
}

shmprim_status shmprim_peer_check(const shmprim_peer *peer)
{
	if (!peer)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (peer->pidfd >= 0) {
		struct pollfd p;
		int r;

		p.fd = peer->pidfd;
		p.events = POLLIN;
		p.revents = 0;
		r = poll(&p, 1, 0);
		if (r > 0)
			return SHMPRIM_ERR_PEER_DEAD; /* readable = exited */
		if (r == 0 || errno == EINTR)
			return SHMPRIM_OK;
		return SHMPRIM_ERR_SYSTEM;
	}
	if (peer->pid <= 0)
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	return sp_pid_liveness(peer->pid) == SHMPRIM_DEAD ? SHMPRIM_ERR_PEER_DEAD : SHMPRIM_OK;
}

void shmprim_peer_close(shmprim_peer *peer)
{
	if (!peer)
		return;
	if (peer->pidfd >= 0)
		close(peer->pidfd);
	peer->pidfd = -1;
	peer->pid = 0;
}

/* ---- the wait loop ---- */

/* What to sleep on. A ring side announces itself in its flag and sleeps on
 * that flag (futex value 1): the waker clears it before waking, so a wake
 * that lands before the sleeper reaches futex_wait makes the wait return at
 * once. Sleeping on the index word instead lost wakes: a waker delayed past
 * the sleeper's next announcement cleared it with nobody asleep, and the
 * sleeper then slept on an unchanged index with its flag gone. The slab
 * counts its sleepers and sleeps on free_wake, which every wake bumps. */
struct sleeper {
	uint32_t *word;
	uint32_t *flag;
	uint32_t *count;
};

/* One attempt: 1 = finished with *st, 0 = would block. */
typedef int (*attempt_fn)(void *ctx, shmprim_status *st);

static void announce(const struct sleeper *s)
{
	if (s->flag)
		sp_store_relaxed_u32(s->flag, 1); /* SL1: ordered by SL2 */
	else
		sp_fetch_add_u32(s->count, 1, SP_SEQ_CST); /* SL1: ordered by SL2 */
	sp_fence(SP_SEQ_CST); /* SL2: pairs with WK1 */
}

static void withdraw(const struct sleeper *s)
{
	if (s->flag)
		sp_store_relaxed_u32(s->flag, 0); /* SL3: a hint; a late wake is harmless */
	else
		sp_fetch_add_u32(s->count, UINT32_MAX, SP_RELAXED); /* SL3: -1, a hint as above */
}

/* Whether a ring peer's claim word names a process verified dead. Read
 * after each sleep, so a wait notices within one slice (wait.h); a live,
 * unverifiable, free or closed word is not a death. */
static int peer_claim_dead(uint64_t *peer_claim)
{
	uint64_t word;

	if (!peer_claim)
		return 0;
	word = sp_claim_peek(peer_claim); /* K4: pairs with K1/K3 */
	return sp_claim_state(word) == SHMPRIM_SIDE_HELD && sp_proc_liveness(word) == SHMPRIM_DEAD;
}

/* Whether a check of the peer is due, at most once per check interval;
 * advances *next_ns when it is. */
static int progress_check_due(uint64_t *next_ns, const shmprim_wait_opts *opts)
{
	uint64_t check = opts && opts->check_ns ? opts->check_ns : SHMPRIM_WAIT_DEFAULT_CHECK_NS;
	uint64_t now = now_ns();

	if (now < *next_ns)
		return 0;
	*next_ns = now + check;
	return 1;
}

/* peer_claim: the ring peer's claim word (NULL for the slab). */
static shmprim_status wait_for(attempt_fn attempt, void *ctx, const struct sleeper *s, uint64_t *peer_claim,
                               uint64_t timeout_ns, const shmprim_wait_opts *opts)
{
	const shmprim_peer *peer = opts ? opts->peer : NULL;
	uint32_t spin = opts ? opts->spin : SHMPRIM_WAIT_DEFAULT_SPIN;
	uint64_t check = opts && opts->check_ns ? opts->check_ns : SHMPRIM_WAIT_DEFAULT_CHECK_NS;
	uint64_t deadline, start;
	shmprim_status st;
	uint32_t i;

	if (attempt(ctx, &st))
		return st;
	if (timeout_ns == 0)
		return SHMPRIM_ERR_TIMED_OUT;
	start = now_ns();
	deadline = timeout_ns > UINT64_MAX - start ? UINT64_MAX : start + timeout_ns;
	if (check > MAX_SLICE_NS)
		check = MAX_SLICE_NS;
	for (i = 0; i < spin; i++) {
		sp_spin_hint();
		if (attempt(ctx, &st))
			return st;
		/* The timeout is for the whole call, spin included: check the clock
		 * every CLOCK_EVERY tries, which bounds the overrun (wait.h). */
		if ((i + 1) % SHMPRIM_WAIT_CLOCK_EVERY == 0 && now_ns() >= deadline)
			return SHMPRIM_ERR_TIMED_OUT;
	}
	for (;;) {
		uint32_t *futex_word = s->flag ? s->flag : s->word;
		uint32_t seen = 1u; /* a flag: the value announce stores */
		uint64_t now, slice;
		int r;

		/* On a line of its own: the coverage check counts the load's line. */
		if (!s->flag)
			seen = sp_load_acquire_u32(s->word); /* pairs with WK3's bump */

		announce(s);
		if (attempt(ctx, &st)) {
			withdraw(s);
			return st;
		}
		now = now_ns();
		if (now >= deadline) {
			withdraw(s);
			return SHMPRIM_ERR_TIMED_OUT;
		}
		slice = deadline - now < check ? deadline - now : check;
		SHMPRIM_WINDOW(SHMPRIM_WINDOW_BEFORE_SLEEP);
		r = sp_futex_wait(futex_word, seen, slice);
		withdraw(s);
		if (r != 0)
			return SHMPRIM_ERR_SYSTEM;
		if (attempt(ctx, &st))
			return st;
		if (peer_claim_dead(peer_claim)) {
			/* Take what the peer left before reporting it gone. */
			st = SHMPRIM_ERR_PEER_DEAD;
			(void)attempt(ctx, &st);
			return st;
		}
		if (peer) {
			st = shmprim_peer_check(peer);
			if (st != SHMPRIM_OK) {
				/* Take what the peer left before reporting it gone. */
				if (st == SHMPRIM_ERR_PEER_DEAD)
					(void)attempt(ctx, &st);
				return st;
			}
		}
	}
}

/* ---- ring ---- */

static shmprim_spsc_header *ring_of_producer(const shmprim_spsc_producer *p)
{
	return (shmprim_spsc_header *)((unsigned char *)p->head - offsetof(shmprim_spsc_header, head));
}

static shmprim_spsc_header *ring_of_consumer(const shmprim_spsc_consumer *c)
{
	return (shmprim_spsc_header *)((unsigned char *)c->tail - offsetof(shmprim_spsc_header, tail));
}

/* Wakes the other side if its flag says it may be asleep on that flag.
 * update (may be NULL) is stored into word first: the producer's head, stored
 * only every few pushes, is then current for the consumer that wakes (a hint:
 * it takes the whole interval before it at once). */
static void wake_if_sleeping(uint32_t *flag, uint32_t *word, const uint32_t *update)
{
	uint32_t seen;

	sp_fence(SP_SEQ_CST); /* WK1: pairs with SL2 */
	/* A load first: no write (and no line transfer) while nobody sleeps. 2 is
	 * a side armed on its readiness fd: left set for shmprim_ready_notify,
	 * which rings its bell (src/ready.c). */
	seen = sp_load_relaxed_u32(flag); /* WK2: ordered by WK1 */
	if (seen == 0 || seen == 2)
		return;
	if (update)
		sp_store_release_u32(word, *update); /* P3 early: a hint for C0 */
	/* From what was seen only: a flag that became 2 meanwhile is not ours to clear. */
	if (sp_cas_u32(flag, &seen, 0, SP_RELAXED, SP_RELAXED)) /* WK3: one waker clears it */
		sp_futex_wake(flag); /* the flag is what the other side sleeps on */
}

void shmprim_spsc_notify_consumer(shmprim_spsc_producer *p)
{
	wake_if_sleeping(&ring_of_producer(p)->consumer_sleeping, p->head, &p->local_head);
}

void shmprim_spsc_notify_producer(shmprim_spsc_consumer *c)
{
	wake_if_sleeping(&ring_of_consumer(c)->producer_sleeping, c->tail, NULL);
}

struct push_ctx {
	shmprim_spsc_producer *p;
	const void *entry;
};

static int attempt_push(void *ctx, shmprim_status *st)
{
	struct push_ctx *x = (struct push_ctx *)ctx;

	/* The statused push: CLOSED, CLAIM_LOST and CORRUPT end the wait. */
	shmprim_status r = shmprim_spsc_try_push(x->p, x->entry);

	if (r == SHMPRIM_ERR_FULL)
		return 0; /* *st untouched: the caller may have put PEER_DEAD there */
	if (r == SHMPRIM_OK)
		shmprim_spsc_notify_consumer(x->p);
	*st = r;
	return 1;
}

static void producer_sleeper(shmprim_spsc_producer *p, struct sleeper *s)
{
	s->word = (uint32_t *)p->tail;
	s->flag = &ring_of_producer(p)->producer_sleeping;
	s->count = NULL;
}

static void consumer_sleeper(shmprim_spsc_consumer *c, struct sleeper *s)
{
	s->word = (uint32_t *)c->head;
	s->flag = &ring_of_consumer(c)->consumer_sleeping;
	s->count = NULL;
}

shmprim_status shmprim_spsc_push_wait(shmprim_spsc_producer *p, const void *entry, uint64_t timeout_ns,
                                      const shmprim_wait_opts *opts)
{
	struct push_ctx x;
	struct sleeper s;

	if (!p || !entry)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	/* Also while pushes succeed: a dead consumer is reported within one check
	 * interval, not only once the ring has filled (a clock read per call). */
	if (progress_check_due(&p->next_check_ns, opts) && peer_claim_dead(&ring_of_producer(p)->consumer_claim))
		return SHMPRIM_ERR_PEER_DEAD;
	x.p = p;
	x.entry = entry;
	producer_sleeper(p, &s);
	return wait_for(attempt_push, &x, &s, &ring_of_producer(p)->consumer_claim, timeout_ns, opts);
}

struct pop_ctx {
	shmprim_spsc_consumer *c;
	void *out;
};

static int attempt_pop(void *ctx, shmprim_status *st)
{
	struct pop_ctx *x = (struct pop_ctx *)ctx;

	/* The statused pop: END, CLAIM_LOST and CORRUPT end the wait. */
	shmprim_status r = shmprim_spsc_try_pop(x->c, x->out);

	if (r == SHMPRIM_ERR_EMPTY)
		return 0; /* *st untouched: the caller may have put PEER_DEAD there */
	if (r == SHMPRIM_OK)
		shmprim_spsc_notify_producer(x->c);
	*st = r;
	return 1;
}

shmprim_status shmprim_spsc_pop_wait(shmprim_spsc_consumer *c, void *entry_out, uint64_t timeout_ns,
                                     const shmprim_wait_opts *opts)
{
	struct pop_ctx x;
	struct sleeper s;

	if (!c || !entry_out)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	x.c = c;
	x.out = entry_out;
	consumer_sleeper(c, &s);
	return wait_for(attempt_pop, &x, &s, &ring_of_consumer(c)->producer_claim, timeout_ns, opts);
}

static int attempt_writable(void *ctx, shmprim_status *st)
{
	shmprim_spsc_producer *p = (shmprim_spsc_producer *)ctx;
	uint32_t room = shmprim_ring_room(p, 1);

	if (room == 0) {
		shmprim_status r = sp_spsc_full_status(p);

		if (r == SHMPRIM_ERR_FULL)
			return 0;
		*st = r;
		return 1;
	}
	*st = room == SHMPRIM_RING_CORRUPT ? SHMPRIM_ERR_CORRUPT : SHMPRIM_OK;
	return 1;
}

shmprim_status shmprim_spsc_wait_writable(shmprim_spsc_producer *p, uint64_t timeout_ns,
                                          const shmprim_wait_opts *opts)
{
	struct sleeper s;

	if (!p)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	producer_sleeper(p, &s);
	return wait_for(attempt_writable, p, &s, &ring_of_producer(p)->consumer_claim, timeout_ns, opts);
}

static int attempt_readable(void *ctx, shmprim_status *st)
{
	shmprim_spsc_consumer *c = (shmprim_spsc_consumer *)ctx;
	shmprim_status r;

	if (!shmprim_spsc_consumer_is_empty(c)) {
		*st = SHMPRIM_OK;
		return 1;
	}
	r = sp_spsc_empty_status(c); /* OK: the producer closed, entries are left */
	if (r == SHMPRIM_ERR_EMPTY)
		return 0;
	*st = r;
	return 1;
}

shmprim_status shmprim_spsc_wait_readable(shmprim_spsc_consumer *c, uint64_t timeout_ns,
                                          const shmprim_wait_opts *opts)
{
	struct sleeper s;

	if (!c)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	consumer_sleeper(c, &s);
	return wait_for(attempt_readable, c, &s, &ring_of_consumer(c)->producer_claim, timeout_ns, opts);
}

void shmprim_spsc_announce_producer(shmprim_spsc_producer *p)
{
	sp_store_release_u32(&ring_of_producer(p)->producer_pid, (uint32_t)getpid()); /* pairs with the pid loads */
}

void shmprim_spsc_announce_consumer(shmprim_spsc_consumer *c)
{
	sp_store_release_u32(&ring_of_consumer(c)->consumer_pid, (uint32_t)getpid()); /* pairs with the pid loads */
}

/* A pid that does not fit a pid_t reads as "none": it is only a hint. */
static int pid_hint(uint32_t v)
{
	return v <= (uint32_t)INT_MAX ? (int)v : 0;
}

int shmprim_spsc_producer_pid(const shmprim_spsc_consumer *c)
{
	return pid_hint(sp_load_acquire_u32(&ring_of_consumer(c)->producer_pid)); /* pairs with announce */
}

int shmprim_spsc_consumer_pid(const shmprim_spsc_producer *p)
{
	return pid_hint(sp_load_acquire_u32(&ring_of_producer(p)->consumer_pid)); /* pairs with announce */
}

/* ---- slab ---- */

struct alloc_ctx {
	shmprim_slab_raw *slab;
	shmprim_slot_handle *out;
};

static int attempt_alloc(void *ctx, shmprim_status *st)
{
	struct alloc_ctx *x = (struct alloc_ctx *)ctx;

	switch (shmprim_slab_raw_try_alloc(x->slab, x->out)) {
	case SHMPRIM_ALLOC_OK:
		*st = SHMPRIM_OK;
		return 1;
	case SHMPRIM_ALLOC_CORRUPT:
		*st = SHMPRIM_ERR_CORRUPT;
		return 1;
	default: /* WOULD_BLOCK, or CONTENDED: try again after a while */
		return 0;
	}
}

shmprim_status shmprim_slab_raw_alloc_wait(shmprim_slab_raw *slab, shmprim_slot_handle *out, uint64_t timeout_ns,
                                           const shmprim_wait_opts *opts)
{
	struct alloc_ctx x;
	struct sleeper s;

	if (!slab || !out)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	x.slab = slab;
	x.out = out;
	s.word = &slab->header->free_wake;
	s.flag = NULL;
	s.count = &slab->header->free_waiters;
	return wait_for(attempt_alloc, &x, &s, NULL, timeout_ns, opts);
}

void shmprim_slab_raw_notify(shmprim_slab_raw *slab)
{
	shmprim_slab_header *h = slab->header;

	sp_fence(SP_SEQ_CST); /* WK1: pairs with SL2 */
	if (sp_load_relaxed_u32(&h->free_waiters) != 0) { /* WK2: ordered by WK1 */
		/* Changed before the wake, so an allocator about to sleep on the
		 * old value does not (the kernel compares it under its lock). */
		sp_fetch_add_u32(&h->free_wake, 1, SP_RELEASE); /* WK3: pairs with the sleeper's load of it */
		sp_futex_wake(&h->free_wake);
	}
}

shmprim_status shmprim_slab_alloc_wait(shmprim_slab *slab, shmprim_slot_handle *out, uint64_t timeout_ns,
                                       const shmprim_wait_opts *opts)
{
	return shmprim_slab_raw_alloc_wait(slab ? &slab->raw : NULL, out, timeout_ns, opts);
}

void shmprim_slab_notify(shmprim_slab *slab)
{
	shmprim_slab_raw_notify(&slab->raw);
}

shmprim_status shmprim_slab_free_notify(shmprim_slab *slab, shmprim_slot_handle h)
{
	shmprim_status st = shmprim_slab_free(slab, h);

	if (st == SHMPRIM_OK)
		shmprim_slab_raw_notify(&slab->raw);
	return st;
}

/* ---- for the channel's blocking calls (src/channel_os.c) ---- */

shmprim_status sp_wait_on_flag(int (*attempt)(void *ctx, shmprim_status *st), void *ctx, uint32_t *flag,
                               uint64_t timeout_ns, const shmprim_wait_opts *opts)
{
	struct sleeper s;
	shmprim_wait_opts own;

	s.word = NULL;
	s.flag = flag;
	s.count = NULL;
	/* The channel checks its peer inside attempt (the claim holder), not through opts->peer. */
	if (opts) {
		own = *opts;
		own.peer = NULL;
		opts = &own;
	}
	return wait_for(attempt, ctx, &s, NULL, timeout_ns, opts);
}

void sp_wake_flag(uint32_t *flag)
{
	wake_if_sleeping(flag, NULL, NULL);
}

uint64_t sp_now_ns(void)
{
	return now_ns();
}
