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
 *   - flooding our end: D reads at most DRAIN_MAX bytes per arm and R
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

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <shmprim/ready.h>
#include <shmprim/static/spsc.h>

#include "../backends/shmprim_atomic.h"
#include "claim_word.h"
#include "spsc_claim.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* the same number on every architecture */
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define KIND_PRODUCER 1u /* a channel's */
#define KIND_CONSUMER 2u
#define KIND_RING_PRODUCER 3u
#define KIND_RING_CONSUMER 4u
#define SLEEP_FUTEX 1u /* src/wait.c's announce */
#define SLEEP_FD 2u
#define TAG_BELL 1u
#define TAG_PIDFD 2u
/* Bytes one arm drains at most: a flood leaves the fd readable (spurious). */
#define DRAIN_MAX 64

shmprim_status shmprim_ready_bell_pair(int ends[2])
{
	if (!ends)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0) {
		ends[0] = ends[1] = -1;
		return SHMPRIM_ERR_SYSTEM;
	}
	return SHMPRIM_OK;
}

static int is_bell(int fd)
{
	int type = 0, domain = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_SEQPACKET)
		return 0;
	len = sizeof(domain);
	return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 && domain == AF_UNIX;
}

/* A pidfd answers signal 0: sent (alive), ESRCH (exited) or EPERM. */
static int is_pidfd(int fd)
{
	if (syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0) == 0)
		return 1;
	return errno == ESRCH || errno == EPERM;
}

static int set_add(int epfd, int fd, uint32_t tag)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = tag;
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void drop_pidfd(shmprim_ready *r)
{
	if (r->pidfd < 0)
		return;
	(void)epoll_ctl(r->fd, EPOLL_CTL_DEL, r->pidfd, NULL);
	close(r->pidfd);
	r->pidfd = -1;
	r->arm_syscalls += 2;
}

/* own/peer: the two sides' sleeping flags; claim: the peer's claim word. */
static shmprim_status ready_open(shmprim_ready *r, uint32_t *own, uint32_t *peer, uint64_t *claim, uint32_t kind,
                                 void *side, int bell, int peer_pidfd)
{
	int saved;

	memset(r, 0, sizeof(*r));
	r->fd = r->bell = r->pidfd = -1;
	if (bell < 0 || !is_bell(bell))
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	if (peer_pidfd >= 0 && !is_pidfd(peer_pidfd))
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	r->kind = kind;
	r->side = side;
	r->own_flag = own;
	r->peer_flag = peer;
	r->peer_claim = claim;
	r->fd = epoll_create1(EPOLL_CLOEXEC);
	if (r->fd < 0)
		goto fail;
	r->bell = fcntl(bell, F_DUPFD_CLOEXEC, 3);
	if (r->bell < 0 || set_add(r->fd, r->bell, TAG_BELL) != 0)
		goto fail;
	r->bell_in_set = 1;
	if (peer_pidfd >= 0) {
		r->pidfd = fcntl(peer_pidfd, F_DUPFD_CLOEXEC, 3);
		if (r->pidfd < 0 || set_add(r->fd, r->pidfd, TAG_PIDFD) != 0)
			goto fail;
		r->pidfd_given = 1;
	}
	return SHMPRIM_OK;
fail:
	saved = errno;
	(void)shmprim_ready_close(r);
	errno = saved;
	return SHMPRIM_ERR_SYSTEM;
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
	if (r->pidfd >= 0)
		close(r->pidfd);
	if (r->bell >= 0)
		close(r->bell);
	if (r->fd >= 0)
		close(r->fd);
	r->fd = r->bell = r->pidfd = -1;
	r->bell_in_set = 0;
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
		syscall(SYS_futex, r->peer_flag, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
		r->futex_wakes++;
		return SHMPRIM_OK;
	}
	/* SLEEP_FD, or a value no honest side writes (a spurious ring at worst).
	 * EAGAIN: the peer's queue is full, so its fd is readable already;
	 * EPIPE: its end is closed, nobody to wake. Neither blocks. */
	(void)send(r->bell, "", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	r->rings++;
	return SHMPRIM_OK;
}

/* ---- arming ---- */

/* Reads what the bell holds (D), at most DRAIN_MAX messages. At EOF (the
 * peer's end closed) the end leaves the set: it would read ready for ever. */
static void drain(shmprim_ready *r)
{
	char buf[64];
	int i;

	for (i = 0; i < DRAIN_MAX; i++) {
		ssize_t n = recv(r->bell, buf, sizeof(buf), MSG_DONTWAIT);

		r->arm_syscalls++;
		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
			(void)epoll_ctl(r->fd, EPOLL_CTL_DEL, r->bell, NULL);
			r->arm_syscalls++;
			r->bell_in_set = 0;
		}
		return;
	}
}

/* Keeps the pidfd on the process the peer's claim word names (unless the
 * caller gave one): a new pidfd when the word changes, verified to be of
 * that process (alive after pidfd_open: its pid was not reused). */
static void watch_peer(shmprim_ready *r)
{
	uint64_t w;
	long fd;

	if (r->pidfd_given)
		return;
	w = sp_claim_peek(r->peer_claim); /* K4: pairs with K1/K3 */
	if (r->pid_known && w == r->pid_word)
		return;
	drop_pidfd(r);
	r->pid_word = w;
	r->pid_known = 1;
	if (sp_claim_state(w) != SHMPRIM_SIDE_HELD)
		return;
	fd = syscall(SYS_pidfd_open, (pid_t)shmprim_proc_token_pid(w), 0);
	r->arm_syscalls++;
	if (fd < 0)
		return; /* exited already, or no pidfds: peer_dead asks /proc */
	if (shmprim_proc_liveness(w) != SHMPRIM_ALIVE || set_add(r->fd, (int)fd, TAG_PIDFD) != 0) {
		close((int)fd);
		return;
	}
	r->pidfd = (int)fd;
	r->arm_syscalls += 2;
}

/* Whether the peer is dead: its pidfd read ready, or (no pidfd) /proc says so. */
static int peer_dead(shmprim_ready *r, int pid_ready)
{
	if (r->pidfd >= 0)
		return pid_ready;
	if (!r->pid_known || sp_claim_state(r->pid_word) != SHMPRIM_SIDE_HELD)
		return 0;
	r->arm_syscalls++;
	return shmprim_proc_liveness(r->pid_word) == SHMPRIM_DEAD;
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
	struct epoll_event ev[2];
	int n, i, bell_ready = 0, pid_ready = 0, dead;
	shmprim_status st;

	/* Our own progress first: a peer armed for it must not wait on us. */
	(void)shmprim_ready_notify(r);
	watch_peer(r);
	n = epoll_wait(r->fd, ev, 2, 0);
	r->arm_syscalls++;
	for (i = 0; i < n; i++) {
		if (ev[i].data.u32 == TAG_BELL)
			bell_ready = 1;
		else if (ev[i].data.u32 == TAG_PIDFD)
			pid_ready = 1;
	}
	if (bell_ready)
		drain(r); /* D: before SL1 */
	dead = peer_dead(r, pid_ready); /* before R: R then sees all the dead peer did */
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
