/*
 * Readiness fds for the sides of a channel or an SPSC ring
 * (include/shmprim/ready.h; the design and the hostile-peer argument at
 * length: docs/events.md).
 *
 * Each side's sleeping flag (the header's producer_sleeping and
 * consumer_sleeping) says how it may sleep: 0 awake, 1 in a futex wait
 * (src/wait.c), 2 on its readiness fd. A waker clears the flag and wakes the
 * kind of sleeper the value names; src/wait.c's wakers leave a 2 alone.
 *
 * Lost-wake argument (the SL/WK protocol of src/wait.c, with a bell):
 *   sleeper (arm): drain bell (D); flag = 2 (SL1); fence(seq_cst) (SL2);
 *                  look again (R); then poll/epoll on the fd
 *   waker (notify): publish, close or release; fence(seq_cst) (WK1);
 *                  if flag (WK2): old = exchange(flag, 0) (WK3);
 *                  old == 2: send one byte on the bell (B)
 * SL2 pairs with WK1, so R sees the publication or WK2 sees SL1's 2. In the
 * second case the one WK3 that reads that 2 sends B after it; D ran before
 * SL1, so B lands after D and stays queued until the next arm: the sleep
 * wakes. A B left over from an earlier arm only wakes early (spurious).
 * Checked under the model checker (tests/model/ready_scenarios.c, planted
 * bugs E1, E3-E6): there the bell is a counter word rung through the futex
 * model (backends/model/mc_bell.c).
 *
 * This file is the protocol: every shared-word access (the sp_* calls) and
 * the flag values. The fds (the bell pair, the epoll set, B, D, the poll, the
 * peer's pidfd) are src/ready_fd.c's, behind src/ready_fd.h, which the model
 * build replaces with backends/model/ready_model.h.
 *
 * Hostile peer (it holds the other bell end and writes any shared word):
 *   - our flag: it decides whether it rings us; not ringing is only not
 *     sending (its own messages wait). It cannot stop the kernel's pidfd.
 *   - its own flag: any non-zero value makes our notify send on the bell:
 *     a system call per notify, never a block (MSG_DONTWAIT: a full queue
 *     means a byte is already pending, so the peer's fd is readable anyway).
 *     The bell is a socket end of our own, not a shared file description:
 *     the peer cannot clear O_NONBLOCK on it (an eventfd's counter and flags
 *     are shared, so a peer could make a waker's write block).
 *   - flooding our end: D reads at most 64 messages per arm and R
 *     decides: spurious wake-ups only. Closing its end: we take the end out
 *     of the set (else it would read as ready for ever); its death still
 *     comes from the pidfd.
 *   - its claim word: with no pidfd from the caller, the pidfd is opened for
 *     the process the word names, as the blocking calls trust that word; a
 *     caller with a pidfd from the kernel (fork, SO_PEERPIDFD) passes it.
 * Everything read from shared memory here is a hint; the channel call in R
 * decides.
 */
#define _GNU_SOURCE

#include <string.h>

#include <shmprim/ready.h>
#include <shmprim/static/spsc.h>

#include "../backends/shmprim_atomic.h"
#include "../backends/shmprim_os.h" /* futex wake, liveness: the model checker replaces them */
#include "claim_word.h"
#include "ready_fd.h" /* the bell, the set, the pidfd: the model checker replaces them too */
#include "spsc_claim.h"

#define KIND_PRODUCER 1u /* a channel's */
#define KIND_CONSUMER 2u
#define KIND_RING_PRODUCER 3u
#define KIND_RING_CONSUMER 4u
#define SLEEP_FUTEX 1u /* src/wait.c's announce */
#define SLEEP_FD 2u

shmprim_status shmprim_ready_bell_pair(int ends[2])
{
	if (!ends)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (sp_rfd_bell_pair(ends) != 0) {
		ends[0] = ends[1] = -1;
		return SHMPRIM_ERR_SYSTEM;
	}
	return SHMPRIM_OK;
}

/* own/peer: the two sides' sleeping flags; claim: the peer's claim word. */
static shmprim_status ready_open(shmprim_ready *r, uint32_t *own, uint32_t *peer, uint64_t *claim, uint32_t kind,
                                 void *side, int bell, int peer_pidfd)
{
	shmprim_status st;

	memset(r, 0, sizeof(*r));
	r->fd = r->bell = r->pidfd = -1;
	st = sp_rfd_open(r, bell, peer_pidfd);
	if (st != SHMPRIM_OK)
		return st;
	r->kind = kind;
	r->side = side;
	r->own_flag = own;
	r->peer_flag = peer;
	r->peer_claim = claim;
	return SHMPRIM_OK;
}

shmprim_status shmprim_channel_producer_ready_open(shmprim_ready *r, shmprim_channel_producer *p, int bell,
                                                   int peer_pidfd)
{
	if (!r || !p)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!p->header || p->state != 1)
		return SHMPRIM_ERR_INVALID_STATE;
	return ready_open(r, &p->header->producer_sleeping, &p->header->consumer_sleeping, &p->header->consumer_claim,
	                  KIND_PRODUCER, p, bell, peer_pidfd);
}

shmprim_status shmprim_channel_consumer_ready_open(shmprim_ready *r, shmprim_channel_consumer *c, int bell,
                                                   int peer_pidfd)
{
	if (!r || !c)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!c->header || c->state != 1)
		return SHMPRIM_ERR_INVALID_STATE;
	return ready_open(r, &c->header->consumer_sleeping, &c->header->producer_sleeping, &c->header->producer_claim,
	                  KIND_CONSUMER, c, bell, peer_pidfd);
}

shmprim_status shmprim_spsc_producer_ready_open(shmprim_ready *r, shmprim_spsc_producer *p, int bell, int peer_pidfd)
{
	shmprim_spsc_header *h;

	if (!r || !p)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!p->head)
		return SHMPRIM_ERR_INVALID_STATE;
	h = sp_spsc_header_of_producer(p);
	return ready_open(r, &h->producer_sleeping, &h->consumer_sleeping, &h->consumer_claim, KIND_RING_PRODUCER, p,
	                  bell, peer_pidfd);
}

shmprim_status shmprim_spsc_consumer_ready_open(shmprim_ready *r, shmprim_spsc_consumer *c, int bell, int peer_pidfd)
{
	shmprim_spsc_header *h;

	if (!r || !c)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!c->tail)
		return SHMPRIM_ERR_INVALID_STATE;
	h = sp_spsc_header_of_consumer(c);
	return ready_open(r, &h->consumer_sleeping, &h->producer_sleeping, &h->producer_claim, KIND_RING_CONSUMER, c,
	                  bell, peer_pidfd);
}

shmprim_status shmprim_ready_fd(const shmprim_ready *r, int *fd)
{
	if (!r || !fd)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (r->fd < 0)
		return SHMPRIM_ERR_INVALID_STATE;
	*fd = r->fd;
	return SHMPRIM_OK;
}

shmprim_status shmprim_ready_close(shmprim_ready *r)
{
	if (!r)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	sp_rfd_close(r);
	r->kind = 0;
	return SHMPRIM_OK;
}

/* ---- waking ---- */

shmprim_status shmprim_ready_notify(shmprim_ready *r)
{
	uint32_t old;

	if (!r)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (r->fd < 0)
		return SHMPRIM_ERR_INVALID_STATE;
	sp_fence(SP_SEQ_CST); /* WK1: pairs with SL2 (arm's, or src/wait.c's announce) */
	/* A load first: no write (and no line transfer) while the peer is awake. */
	if (sp_load_relaxed_u32(r->peer_flag) == 0) /* WK2: ordered by WK1 */
		return SHMPRIM_OK;
	if (r->kind == KIND_RING_PRODUCER) {
		/* The ring's head is stored every few pushes: current for the consumer that wakes. */
		shmprim_spsc_producer *p = r->side;

		sp_store_release_u32(p->head, p->local_head); /* P3 early: a hint for C0 */
	}
	old = sp_exchange_u32(r->peer_flag, 0, SP_RELAXED); /* WK3: one waker clears it */
	if (old == 0)
		return SHMPRIM_OK;
	if (old == SLEEP_FUTEX) {
		/* Asleep in a blocking call: on the flag, as src/wait.c's wake. */
		sp_futex_wake(r->peer_flag);
		r->futex_wakes++;
		return SHMPRIM_OK;
	}
	/* SLEEP_FD, or a value no honest side writes (a spurious ring at worst). */
	sp_rfd_ring(r); /* B: after WK3 */
	r->rings++;
	return SHMPRIM_OK;
}

/* ---- arming ---- */

/* Keeps the pidfd on the process the peer's claim word names (unless the
 * caller gave one): a new one when the word changes. */
static void watch_peer(shmprim_ready *r)
{
	uint64_t w;

	if (r->pidfd_given)
		return;
	w = sp_claim_peek(r->peer_claim); /* K4: pairs with K1/K3 */
	if (r->pid_known && w == r->pid_word)
		return;
	sp_rfd_unwatch(r);
	r->pid_word = w;
	r->pid_known = 1;
	if (sp_claim_state(w) != SHMPRIM_SIDE_HELD)
		return;
	sp_rfd_watch(r, w);
}

/* Whether the peer is dead: its pidfd read ready, or (no pidfd) /proc says so. */
static int peer_dead(shmprim_ready *r, int pid_ready)
{
	if (r->pidfd >= 0)
		return pid_ready;
	if (!r->pid_known || sp_claim_state(r->pid_word) != SHMPRIM_SIDE_HELD)
		return 0;
	r->arm_syscalls++;
	return sp_proc_liveness(r->pid_word) == SHMPRIM_DEAD;
}

/* R: the channel call, undone. */
static shmprim_status look(shmprim_ready *r, uint32_t len)
{
	shmprim_status st;

	if (r->kind == KIND_RING_CONSUMER) {
		/* As the ring's wait_readable: OK also when the producer closed and entries are left. */
		shmprim_spsc_consumer *c = r->side;

		return shmprim_spsc_consumer_is_empty(c) ? sp_spsc_empty_status(c) : SHMPRIM_OK;
	}
	if (r->kind == KIND_RING_PRODUCER) {
		shmprim_spsc_producer *p = r->side;
		uint32_t room = shmprim_ring_room(p, 1);

		if (room == 0)
			return sp_spsc_full_status(p);
		return room == SHMPRIM_RING_CORRUPT ? SHMPRIM_ERR_CORRUPT : SHMPRIM_OK;
	}
	if (r->kind == KIND_CONSUMER) {
		shmprim_channel_consumer *c = r->side;
		uint64_t tail = c->tail;
		uint32_t pending = c->pending;
		shmprim_channel_msg m;

		st = shmprim_channel_receive(c, &m);
		if (st == SHMPRIM_OK) { /* not received: left for the caller */
			c->tail = tail;
			c->pending = pending;
		}
	} else {
		shmprim_channel_producer *p = r->side;
		void *buf;

		st = shmprim_channel_loan(p, len, &buf);
		if (st == SHMPRIM_OK)
			(void)shmprim_channel_cancel_loan(p);
	}
	return st;
}

static shmprim_status arm(shmprim_ready *r, uint32_t len, shmprim_status would_block)
{
	unsigned ready;
	int dead;
	shmprim_status st;

	/* Our own progress first: a peer armed for it must not wait on us. */
	(void)shmprim_ready_notify(r);
	watch_peer(r);
	ready = sp_rfd_poll(r);
	if (ready & SP_RFD_BELL)
		sp_rfd_drain(r); /* D: before SL1 */
	dead = peer_dead(r, (ready & SP_RFD_PID) != 0); /* before R: R then sees all the dead peer did */
	sp_store_relaxed_u32(r->own_flag, SLEEP_FD); /* SL1: ordered by SL2 */
	sp_fence(SP_SEQ_CST);                        /* SL2: pairs with WK1 */
	st = look(r, len);                           /* R */
	if (st == would_block && dead)
		st = SHMPRIM_ERR_PEER_DEAD;
	if (st != would_block) {
		sp_store_relaxed_u32(r->own_flag, 0); /* SL3: a hint; a late ring is spurious */
		return st;
	}
	r->arms++;
	return st;
}

shmprim_status shmprim_channel_consumer_arm(shmprim_ready *r)
{
	if (!r)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (r->fd < 0 || r->kind != KIND_CONSUMER)
		return SHMPRIM_ERR_INVALID_STATE;
	return arm(r, 0, SHMPRIM_ERR_EMPTY);
}

shmprim_status shmprim_channel_producer_arm(shmprim_ready *r, uint32_t len)
{
	if (!r)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (r->fd < 0 || r->kind != KIND_PRODUCER)
		return SHMPRIM_ERR_INVALID_STATE;
	return arm(r, len, SHMPRIM_ERR_FULL);
}

shmprim_status shmprim_spsc_consumer_arm(shmprim_ready *r)
{
	if (!r)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (r->fd < 0 || r->kind != KIND_RING_CONSUMER)
		return SHMPRIM_ERR_INVALID_STATE;
	return arm(r, 0, SHMPRIM_ERR_EMPTY);
}

shmprim_status shmprim_spsc_producer_arm(shmprim_ready *r)
{
	if (!r)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (r->fd < 0 || r->kind != KIND_RING_PRODUCER)
		return SHMPRIM_ERR_INVALID_STATE;
	return arm(r, 1, SHMPRIM_ERR_FULL);
}
