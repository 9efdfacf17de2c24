/*
 * Readiness fds (<shmprim/ready.h>) between real processes.
 *
 *   ipc_channel_ready basic    both sides' fds under poll, epoll and select
 *                              (exact ring counts); close; death (with and
 *                              without a caller's pidfd, messages left first);
 *                              a futex sleeper woken by notify; a hostile peer
 *   ipc_channel_ready stream [N]  N messages (10^6) between two processes that
 *                              sleep only on their fds, with random short
 *                              sleeps on both sides: every byte checked, and a
 *                              lost wake-up fails (a poll that times out while
 *                              the peer waits too)
 *   ipc_channel_ready busy [N]  N messages with both sides busy (no arm): 0
 *                              rings; then N/4 with spin-then-arm sides: rings
 *                              never exceed the peer's arm calls; figures printed
 *   ipc_channel_ready busy-only [N]  the first half alone (to run under strace -c -f)
 *   ipc_channel_ready ring [N]  an SPSC ring's readiness on both sides, close;
 *                              N entries (300000) with random sleeps, no lost
 *                              wake-up
 */
#include "ipc_channel_common.h"

#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <shmprim/ready.h>

#define DATA_BYTES 4096u
#define MAX 200u
#define WAIT_MS 5000 /* a poll this long that times out is a lost wake-up */

#define LD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define ST(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

enum how { BY_POLL, BY_EPOLL, BY_SELECT };
static const char *how_name[] = {"poll", "epoll", "select"};

/* 1 if fd is readable within ms, by the given mechanism. */
static int readable(int fd, enum how how, int ms)
{
	if (how == BY_POLL) {
		struct pollfd p;
		int r;

		p.fd = fd;
		p.events = POLLIN;
		p.revents = 0;
		r = poll(&p, 1, ms);
		IPC_CHECK(r >= 0, "poll: %s", strerror(errno));
		return r == 1 && (p.revents & POLLIN);
	}
	if (how == BY_EPOLL) {
		struct epoll_event ev;
		int ep = epoll_create1(EPOLL_CLOEXEC), r;

		IPC_CHECK(ep >= 0, "epoll_create1: %s", strerror(errno));
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		IPC_CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0, "epoll_ctl: %s", strerror(errno));
		r = epoll_wait(ep, &ev, 1, ms);
		close(ep);
		IPC_CHECK(r >= 0, "epoll_wait: %s", strerror(errno));
		return r == 1;
	}
	{
		fd_set set;
		struct timeval tv;
		int r;

		IPC_CHECK(fd < FD_SETSIZE, "fd %d too large for select", fd);
		FD_ZERO(&set);
		FD_SET(fd, &set);
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		r = select(fd + 1, &set, NULL, NULL, &tv);
		IPC_CHECK(r >= 0, "select: %s", strerror(errno));
		return r == 1;
	}
}

#define EXPECT(call, want)                                                                     \
	do {                                                                                   \
		shmprim_status got_ = (call);                                                  \
		IPC_CHECK(got_ == (want), "%s -> %s, expected %s", #call, shmprim_status_str(got_), \
		          shmprim_status_str(want));                                           \
	} while (0)

/* ---- basic: one process holds both sides ---- */

static void readiness_both_sides(enum how how)
{
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_channel_consumer c;
	shmprim_ready pr, cr;
	shmprim_channel_msg m;
	int bells[2], fd, n = 0;
	char msg[MAX];

	memset(msg, 'x', sizeof(msg));
	IPC_OK(shmprim_channel_create_memfd(&ch, "ready_basic", DATA_BYTES, MAX));
	IPC_OK(shmprim_channel_take_producer(&ch, &p, NULL));
	IPC_OK(shmprim_channel_take_consumer(&ch, &c, NULL));
	IPC_OK(shmprim_ready_bell_pair(bells));
	IPC_OK(shmprim_channel_producer_ready_open(&pr, &p, bells[0], -1));
	IPC_OK(shmprim_channel_consumer_ready_open(&cr, &c, bells[1], -1));
	close(bells[0]);
	close(bells[1]);
	IPC_OK(shmprim_ready_fd(&cr, &fd));
	IPC_CHECK(fd == cr.fd, "ready_fd %d, r.fd %d", fd, cr.fd);

	/* Consumer: armed on an empty channel, not readable; a send and notify ring once. */
	EXPECT(shmprim_channel_consumer_arm(&cr), SHMPRIM_ERR_EMPTY);
	IPC_CHECK(!readable(cr.fd, how, 0), "%s: consumer fd readable on an empty channel", how_name[how]);
	IPC_OK(shmprim_channel_send(&p, msg, 10));
	IPC_CHECK(!readable(cr.fd, how, 0), "%s: readable before the notify", how_name[how]);
	/* The blocking layer's wake (futex sleepers only) leaves the armed flag for notify. */
	shmprim_channel_notify_consumer(&p);
	IPC_CHECK(__atomic_load_n(&ch.header->consumer_sleeping, __ATOMIC_ACQUIRE) == 2,
	          "the futex wake cleared an fd sleeper's flag (%u)", ch.header->consumer_sleeping);
	IPC_OK(shmprim_ready_notify(&pr));
	IPC_OK(shmprim_ready_notify(&pr)); /* the flag is cleared: no second ring */
	IPC_CHECK(pr.rings == 1, "%s: producer rang %llu times, expected 1", how_name[how], (unsigned long long)pr.rings);
	IPC_CHECK(readable(cr.fd, how, 0), "%s: consumer fd not readable after send + notify", how_name[how]);
	EXPECT(shmprim_channel_consumer_arm(&cr), SHMPRIM_OK);
	IPC_CHECK(!readable(cr.fd, how, 0), "%s: still readable after arm drained it", how_name[how]);
	IPC_OK(shmprim_channel_receive(&c, &m));
	IPC_CHECK(m.len == 10, "len %u", m.len);
	IPC_OK(shmprim_channel_release(&c));
	IPC_OK(shmprim_ready_notify(&cr)); /* producer not armed: no ring */
	IPC_CHECK(cr.rings == 0, "%s: consumer rang %llu times with the producer awake", how_name[how],
	          (unsigned long long)cr.rings);
	EXPECT(shmprim_channel_consumer_arm(&cr), SHMPRIM_ERR_EMPTY);
	IPC_CHECK(cr.arms == 2, "arms %llu", (unsigned long long)cr.arms);

	/* Producer: fill, armed, not readable; a release and notify ring once. */
	while (shmprim_channel_send(&p, msg, MAX) == SHMPRIM_OK)
		n++;
	IPC_CHECK(n == (int)(DATA_BYTES / (MAX + 8)), "%d messages filled the channel", n);
	EXPECT(shmprim_channel_producer_arm(&pr, MAX), SHMPRIM_ERR_FULL); /* its notify rings the consumer */
	IPC_CHECK(pr.rings == 2, "%s: producer rang %llu times, expected 2", how_name[how], (unsigned long long)pr.rings);
	IPC_CHECK(!readable(pr.fd, how, 0), "%s: producer fd readable on a full channel", how_name[how]);
	IPC_OK(shmprim_channel_receive(&c, &m));
	IPC_OK(shmprim_channel_release(&c));
	IPC_OK(shmprim_ready_notify(&cr));
	IPC_CHECK(cr.rings == 1, "%s: consumer rang %llu times, expected 1", how_name[how], (unsigned long long)cr.rings);
	IPC_CHECK(readable(pr.fd, how, 0), "%s: producer fd not readable after release + notify", how_name[how]);
	EXPECT(shmprim_channel_producer_arm(&pr, MAX), SHMPRIM_OK);
	IPC_CHECK(!readable(pr.fd, how, 0), "%s: producer fd readable after arm", how_name[how]);
	EXPECT(shmprim_channel_producer_arm(&pr, 0), SHMPRIM_ERR_MESSAGE_SIZE);
	EXPECT(shmprim_channel_consumer_arm(&pr), SHMPRIM_ERR_INVALID_STATE);

	/* Close: the producer closes and notifies an armed consumer: readable, the rest, then END. */
	while (shmprim_channel_receive(&c, &m) == SHMPRIM_OK)
		n--;
	IPC_OK(shmprim_channel_release(&c));
	IPC_CHECK(n == 1, "%d messages unaccounted for", n);
	EXPECT(shmprim_channel_consumer_arm(&cr), SHMPRIM_ERR_EMPTY);
	IPC_OK(shmprim_channel_send(&p, msg, 5));
	IPC_OK(shmprim_channel_producer_close(&p));
	IPC_OK(shmprim_ready_notify(&pr));
	IPC_CHECK(readable(cr.fd, how, 0), "%s: consumer fd not readable after close + notify", how_name[how]);
	EXPECT(shmprim_channel_consumer_arm(&cr), SHMPRIM_OK);
	IPC_OK(shmprim_channel_receive(&c, &m));
	EXPECT(shmprim_channel_consumer_arm(&cr), SHMPRIM_ERR_END);
	IPC_OK(shmprim_ready_close(&pr));
	IPC_OK(shmprim_ready_close(&cr));
	EXPECT(shmprim_ready_notify(&cr), SHMPRIM_ERR_INVALID_STATE);
	IPC_OK(shmprim_channel_unmap(&ch));
}

/* The consumer closes: an armed producer's fd reads ready, arm says CLOSED. */
static void consumer_closes(void)
{
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_channel_consumer c;
	shmprim_ready pr, cr;
	int bells[2];
	char msg[MAX];

	memset(msg, 'y', sizeof(msg));
	IPC_OK(shmprim_channel_create_memfd(&ch, "ready_cclose", DATA_BYTES, MAX));
	IPC_OK(shmprim_channel_take_producer(&ch, &p, NULL));
	IPC_OK(shmprim_channel_take_consumer(&ch, &c, NULL));
	IPC_OK(shmprim_ready_bell_pair(bells));
	IPC_OK(shmprim_channel_producer_ready_open(&pr, &p, bells[0], -1));
	IPC_OK(shmprim_channel_consumer_ready_open(&cr, &c, bells[1], -1));
	close(bells[0]);
	close(bells[1]);
	while (shmprim_channel_send(&p, msg, MAX) == SHMPRIM_OK)
		;
	EXPECT(shmprim_channel_producer_arm(&pr, MAX), SHMPRIM_ERR_FULL);
	IPC_OK(shmprim_channel_consumer_close(&c));
	IPC_OK(shmprim_ready_notify(&cr));
	IPC_CHECK(readable(pr.fd, BY_POLL, 0), "producer fd not readable after the consumer closed");
	EXPECT(shmprim_channel_producer_arm(&pr, MAX), SHMPRIM_ERR_CLOSED);
	/* A bell that is not a seqpacket socket is refused. */
	{
		shmprim_ready bad;
		int pipefd[2];

		IPC_CHECK(pipe(pipefd) == 0, "pipe");
		EXPECT(shmprim_channel_producer_ready_open(&bad, &p, pipefd[0], -1), SHMPRIM_ERR_INVALID_ARGUMENT);
		EXPECT(shmprim_channel_producer_ready_open(&bad, &p, pr.bell, pipefd[0]), SHMPRIM_ERR_INVALID_ARGUMENT);
		close(pipefd[0]);
		close(pipefd[1]);
	}
	IPC_OK(shmprim_ready_close(&pr));
	IPC_OK(shmprim_ready_close(&cr));
	IPC_OK(shmprim_channel_unmap(&ch));
}

/* A child that waits to be killed dies with the test too (a failing parent
 * must not leave it holding the test's stdout). */
static void die_with_parent(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* ---- basic: death ---- */

/* Sleeps on r's fd, arms after each wake-up; what the first arm that does not
 * arm says, after at most wakes wake-ups (each within WAIT_MS). */
static shmprim_status arm_after_wakes(shmprim_ready *r, enum how how, int wakes)
{
	shmprim_status st = SHMPRIM_ERR_EMPTY;
	int i;

	for (i = 0; i < wakes; i++) {
		IPC_CHECK(readable(r->fd, how, WAIT_MS), "fd not readable %d ms after the peer died (wake %d)", WAIT_MS, i);
		st = r->kind == 1 ? shmprim_channel_producer_arm(r, MAX) : shmprim_channel_consumer_arm(r);
		if (st != SHMPRIM_ERR_EMPTY && st != SHMPRIM_ERR_FULL)
			return st;
	}
	return st;
}

typedef struct basic_ctl {
	ch_fail fail;
	uint32_t step;
} basic_ctl;

static basic_ctl *bctl;
static int g_memfd, g_bell;

/* The producer child: sends 3 messages, notifies, reports, then waits to be killed. */
static void death_producer(void *arg)
{
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_ready pr;
	char msg[16] = "hello";
	int i;

	(void)arg;
	die_with_parent();
	if (shmprim_channel_open_fd(&ch, g_memfd) != SHMPRIM_OK || shmprim_channel_take_producer(&ch, &p, NULL) != SHMPRIM_OK ||
	    shmprim_channel_producer_ready_open(&pr, &p, g_bell, -1) != SHMPRIM_OK)
		ch_child_fail(&bctl->fail, "producer child: setup");
	for (i = 0; i < 3; i++)
		if (shmprim_channel_send(&p, msg, 5) != SHMPRIM_OK)
			ch_child_fail(&bctl->fail, "producer child: send %d", i);
	(void)shmprim_ready_notify(&pr);
	ST(bctl->step, 1);
	for (;;)
		pause();
}

/* The consumer child: armed on an empty channel, then killed. */
static void death_consumer(void *arg)
{
	shmprim_channel ch;
	shmprim_channel_consumer c;
	shmprim_ready cr;

	(void)arg;
	die_with_parent();
	if (shmprim_channel_open_fd(&ch, g_memfd) != SHMPRIM_OK || shmprim_channel_take_consumer(&ch, &c, NULL) != SHMPRIM_OK ||
	    shmprim_channel_consumer_ready_open(&cr, &c, g_bell, -1) != SHMPRIM_OK)
		ch_child_fail(&bctl->fail, "consumer child: setup");
	if (shmprim_channel_consumer_arm(&cr) != SHMPRIM_ERR_EMPTY)
		ch_child_fail(&bctl->fail, "consumer child: arm");
	ST(bctl->step, 1);
	for (;;)
		pause();
}

static void wait_step(uint32_t want)
{
	uint64_t until = ipc_now_ns() + 5 * CH_SEC;

	while (LD(bctl->step) < want) {
		IPC_CHECK(!LD(bctl->fail.failed), "child failed: %s", bctl->fail.why);
		IPC_CHECK(ipc_now_ns() < until, "child never reached step %u", want);
		ipc_sleep_ns(CH_MS);
	}
}

/* A producer dies with 3 messages unread: readable, OK and the 3, then PEER_DEAD. */
static void producer_dies(int give_pidfd)
{
	shmprim_channel ch;
	shmprim_channel_consumer c;
	shmprim_ready cr;
	shmprim_channel_msg m;
	int bells[2], pidfd = -1, got = 0;
	pid_t pid;
	uint64_t t0;

	memset(bctl, 0, sizeof(*bctl));
	IPC_OK(shmprim_channel_create_memfd(&ch, "ready_death", DATA_BYTES, MAX));
	IPC_OK(shmprim_channel_take_consumer(&ch, &c, NULL));
	IPC_OK(shmprim_ready_bell_pair(bells));
	g_memfd = ch.shm.fd;
	g_bell = bells[0];
	pid = ch_fork(death_producer, NULL);
	close(bells[0]);
	if (give_pidfd) {
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		IPC_CHECK(pidfd >= 0, "pidfd_open: %s", strerror(errno));
	}
	IPC_OK(shmprim_channel_consumer_ready_open(&cr, &c, bells[1], pidfd));
	close(bells[1]);
	wait_step(1);
	EXPECT(shmprim_channel_consumer_arm(&cr), SHMPRIM_OK);
	while (shmprim_channel_receive(&c, &m) == SHMPRIM_OK)
		got++;
	IPC_CHECK(got == 3, "received %d, expected 3", got);
	IPC_OK(shmprim_channel_release(&c));
	EXPECT(shmprim_channel_consumer_arm(&cr), SHMPRIM_ERR_EMPTY);
	t0 = ipc_now_ns();
	kill(pid, SIGKILL);
	/* The bell's end closes a moment before the pidfd reads ready: one spurious wake-up at most. */
	EXPECT(arm_after_wakes(&cr, BY_EPOLL, 2), SHMPRIM_ERR_PEER_DEAD);
	printf("producer death (%s pidfd): reported %.2f ms after the kill\n", give_pidfd ? "given" : "claim word's",
	       (double)(ipc_now_ns() - t0) / 1e6);
	waitpid(pid, NULL, 0);
	if (pidfd >= 0)
		close(pidfd);
	IPC_OK(shmprim_ready_close(&cr));
	IPC_OK(shmprim_channel_unmap(&ch));
}

/* A consumer dies armed: the producer's fd reads ready, arm says PEER_DEAD. */
static void consumer_dies(void)
{
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_ready pr;
	int bells[2];
	pid_t pid;

	memset(bctl, 0, sizeof(*bctl));
	IPC_OK(shmprim_channel_create_memfd(&ch, "ready_cdeath", DATA_BYTES, MAX));
	IPC_OK(shmprim_channel_take_producer(&ch, &p, NULL));
	IPC_OK(shmprim_ready_bell_pair(bells));
	g_memfd = ch.shm.fd;
	g_bell = bells[1];
	pid = ch_fork(death_consumer, NULL);
	close(bells[1]);
	IPC_OK(shmprim_channel_producer_ready_open(&pr, &p, bells[0], -1));
	close(bells[0]);
	wait_step(1);
	{
		char msg[MAX];

		memset(msg, 1, sizeof(msg));
		while (shmprim_channel_send(&p, msg, MAX) == SHMPRIM_OK)
			;
	}
	EXPECT(shmprim_channel_producer_arm(&pr, MAX), SHMPRIM_ERR_FULL);
	IPC_CHECK(pr.rings == 1, "the armed consumer was rung %llu times, expected 1", (unsigned long long)pr.rings);
	IPC_CHECK(!readable(pr.fd, BY_POLL, 0), "producer fd readable while the consumer lives");
	kill(pid, SIGKILL);
	EXPECT(arm_after_wakes(&pr, BY_POLL, 2), SHMPRIM_ERR_PEER_DEAD);
	waitpid(pid, NULL, 0);
	IPC_OK(shmprim_ready_close(&pr));
	IPC_OK(shmprim_channel_unmap(&ch));
}

/* A consumer asleep in recv_wait (a futex) is woken by the producer's ready notify. */
static void futex_sleeper_woken(void)
{
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_ready pr;
	int bells[2];
	pid_t pid;

	memset(bctl, 0, sizeof(*bctl));
	IPC_OK(shmprim_channel_create_memfd(&ch, "ready_futex", DATA_BYTES, MAX));
	IPC_OK(shmprim_channel_take_producer(&ch, &p, NULL));
	IPC_OK(shmprim_ready_bell_pair(bells));
	IPC_OK(shmprim_channel_producer_ready_open(&pr, &p, bells[0], -1));
	g_memfd = ch.shm.fd;
	pid = fork();
	IPC_CHECK(pid >= 0, "fork");
	if (pid == 0) {
		shmprim_channel ch2;
		shmprim_channel_consumer c;
		char buf[MAX];
		uint32_t len;
		shmprim_wait_opts o;
		uint64_t t;

		memset(&o, 0, sizeof(o));
		o.spin = 0;
		o.check_ns = 10 * CH_SEC; /* no rescue by the periodic re-check */
		if (shmprim_channel_open_fd(&ch2, g_memfd) != SHMPRIM_OK ||
		    shmprim_channel_take_consumer(&ch2, &c, NULL) != SHMPRIM_OK)
			ch_child_fail(&bctl->fail, "futex consumer: setup");
		ST(bctl->step, 1);
		t = ipc_now_ns();
		if (shmprim_channel_recv_wait(&c, buf, sizeof(buf), &len, 8 * CH_SEC, &o) != SHMPRIM_OK || len != 7)
			ch_child_fail(&bctl->fail, "futex consumer: recv_wait");
		if (ipc_now_ns() - t > 4 * CH_SEC)
			ch_child_fail(&bctl->fail, "futex consumer: woken only after %llu ms",
			              (unsigned long long)((ipc_now_ns() - t) / CH_MS));
		_exit(0);
	}
	wait_step(1);
	/* Until the consumer sleeps (its flag reads 1). */
	while (__atomic_load_n(&ch.header->consumer_sleeping, __ATOMIC_ACQUIRE) != 1)
		ipc_sleep_ns(CH_MS);
	ipc_sleep_ns(20 * CH_MS);
	IPC_OK(shmprim_channel_send(&p, "futexed", 7));
	IPC_OK(shmprim_ready_notify(&pr));
	IPC_CHECK(pr.futex_wakes == 1 && pr.rings == 0, "futex wakes %llu, rings %llu", (unsigned long long)pr.futex_wakes,
	          (unsigned long long)pr.rings);
	ch_finish(pid, "futex consumer", bctl->fail.why);
	close(bells[0]);
	close(bells[1]);
	IPC_OK(shmprim_ready_close(&pr));
	IPC_OK(shmprim_channel_unmap(&ch));
}

/* ---- basic: a hostile producer ---- */

#define HOSTILE_NOTIFIES 100000

static shmprim_channel_header *g_header;

/* Holds the producer side and does what no honest producer does: zeroes the
 * consumer's flag, sets its own flag to odd values, floods the bell, then
 * closes its end; never drains. */
static void hostile_producer(void *arg)
{
	shmprim_channel ch;
	shmprim_channel_producer p;
	uint32_t v = 2;
	int i;

	(void)arg;
	die_with_parent();
	if (shmprim_channel_open_fd(&ch, g_memfd) != SHMPRIM_OK || shmprim_channel_take_producer(&ch, &p, NULL) != SHMPRIM_OK)
		ch_child_fail(&bctl->fail, "hostile: setup");
	for (i = 0; i < 100000; i++)
		if (send(g_bell, "junkjunk", 8, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			break;
	ST(bctl->step, 1);
	while (LD(bctl->step) < 2) {
		__atomic_store_n(&ch.header->consumer_sleeping, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&ch.header->producer_sleeping, v, __ATOMIC_RELAXED);
		v = v * 2654435761u + 7u;
		if (v == 0)
			v = 3;
	}
	ST(bctl->step, 3);
	while (LD(bctl->step) < 4)
		ipc_sleep_ns(CH_MS);
	close(g_bell); /* its end: EOF on ours */
	ST(bctl->step, 5);
	for (;;)
		pause();
}

static void hostile_peer(void)
{
	shmprim_channel ch;
	shmprim_channel_consumer c;
	shmprim_ready cr;
	int bells[2], i, spurious = 0;
	uint64_t t0, worst = 0, rings0;
	pid_t pid;

	memset(bctl, 0, sizeof(*bctl));
	IPC_OK(shmprim_channel_create_memfd(&ch, "ready_hostile", DATA_BYTES, MAX));
	g_header = ch.header;
	IPC_OK(shmprim_channel_take_consumer(&ch, &c, NULL));
	IPC_OK(shmprim_ready_bell_pair(bells));
	g_memfd = ch.shm.fd;
	g_bell = bells[0];
	pid = ch_fork(hostile_producer, NULL);
	close(bells[0]);
	IPC_OK(shmprim_channel_consumer_ready_open(&cr, &c, bells[1], -1));
	close(bells[1]);
	wait_step(1);
	/* A flooded bell and a zeroed flag: every wake-up is spurious (EMPTY), each arm is short. */
	for (i = 0; i < 2000; i++) {
		uint64_t t = ipc_now_ns();
		shmprim_status st = shmprim_channel_consumer_arm(&cr);

		t = ipc_now_ns() - t;
		worst = t > worst ? t : worst;
		IPC_CHECK(st == SHMPRIM_ERR_EMPTY, "arm %d -> %s", i, shmprim_status_str(st));
		spurious += readable(cr.fd, BY_POLL, 0);
	}
	IPC_CHECK(worst < CH_SEC, "an arm took %llu ms (a block, not a preemption)", (unsigned long long)(worst / CH_MS));
	/* It stops. Its flag at odd values (written here, as it would): every
	 * notify sends, none blocks, though nobody drains its end. */
	ST(bctl->step, 2);
	wait_step(3);
	rings0 = cr.rings;
	t0 = ipc_now_ns();
	for (i = 0; i < HOSTILE_NOTIFIES; i++) {
		__atomic_store_n(&ch.header->producer_sleeping, (uint32_t)i * 2654435761u | 2u, __ATOMIC_RELAXED);
		IPC_OK(shmprim_ready_notify(&cr));
	}
	t0 = ipc_now_ns() - t0;
	printf("hostile: %d spurious wake-ups in 2000 arms (worst arm %.3f ms); %llu notifies sent in %.3f s "
	       "into a queue nobody drains\n",
	       spurious, (double)worst / 1e6, (unsigned long long)(cr.rings - rings0), (double)t0 / 1e9);
	IPC_CHECK(cr.rings - rings0 == HOSTILE_NOTIFIES && cr.futex_wakes == 0,
	          "%llu rings and %llu futex wakes for %d notifies", (unsigned long long)(cr.rings - rings0), (unsigned long long)cr.futex_wakes, HOSTILE_NOTIFIES);
	IPC_CHECK(t0 < 10 * CH_SEC, "notifies took %llu ms", (unsigned long long)(t0 / CH_MS));
	/* It closes its end: after an arm the fd is quiet (no endless readiness), death still comes. */
	ST(bctl->step, 4);
	wait_step(5);
	EXPECT(shmprim_channel_consumer_arm(&cr), SHMPRIM_ERR_EMPTY);
	for (i = 0; i < 1000 && readable(cr.fd, BY_POLL, 0); i++) /* bounded: a bell left in the set spins */
		EXPECT(shmprim_channel_consumer_arm(&cr), SHMPRIM_ERR_EMPTY); /* drains the rest of the flood */
	IPC_CHECK(cr.bell_in_set == 0, "the closed bell end is still in the set");
	IPC_CHECK(!readable(cr.fd, BY_POLL, 50), "fd readable with nothing to report");
	kill(pid, SIGKILL);
	EXPECT(arm_after_wakes(&cr, BY_POLL, 1), SHMPRIM_ERR_PEER_DEAD); /* its end is closed already */
	waitpid(pid, NULL, 0);
	IPC_OK(shmprim_ready_close(&cr));
	IPC_OK(shmprim_channel_unmap(&ch));
}

static int run_basic(void)
{
	int how;

	for (how = BY_POLL; how <= BY_SELECT; how++)
		readiness_both_sides((enum how)how);
	consumer_closes();
	producer_dies(0);
	producer_dies(1);
	consumer_dies();
	futex_sleeper_woken();
	hostile_peer();
	printf("PASS basic: poll, epoll, select on both sides; close; death; futex sleeper; hostile peer\n");
	return 0;
}

/* ---- stream: no lost wake-up ---- */

typedef struct stream_ctl {
	ch_fail fail;
	uint64_t count;
	uint64_t received;
	uint64_t sleeps[2], arms[2], rings[2], waits[2], calls[2]; /* calls: arm calls (each announces) */
	uint32_t busy;   /* 1: busy mode (no arm) */
	uint32_t sleepy; /* 1: random short sleeps */
	uint32_t spin; /* tries before arming */
} stream_ctl;

static stream_ctl *sctl;
static uint64_t g_seed;
static int g_bells[2];

/* A random short sleep, now and then (1 in 64 calls: 0..100 us). */
static void maybe_sleep(ipc_rng *rng, int side)
{
	uint64_t r = ipc_rand(rng);

	if ((r & 63) == 0) {
		ipc_sleep_ns((r >> 8) % 100000);
		sctl->sleeps[side]++;
	}
}

/* Busy sides on a shared 2-CPU machine: a yield now and then, so that a
 * spinner does not hold a CPU its peer needs for a whole time slice (the
 * test's own system call, not the library's: the counters say those). */
static void test_yield(uint32_t tries)
{
	if ((tries & 255) == 0)
		sched_yield();
}

static void stream_producer(void *arg)
{
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_ready pr;
	ipc_rng rng = {g_seed ^ 0x1111};
	uint64_t n;
	int busy = (int)sctl->busy;

	(void)arg;
	close(g_bells[1]);
	if (shmprim_channel_open_fd(&ch, g_memfd) != SHMPRIM_OK || shmprim_channel_take_producer(&ch, &p, NULL) != SHMPRIM_OK ||
	    shmprim_channel_producer_ready_open(&pr, &p, g_bells[0], -1) != SHMPRIM_OK)
		ch_child_fail(&sctl->fail, "producer: setup");
	for (n = 0; n < sctl->count; n++) {
		uint32_t len = ch_len(g_seed, n, MAX), tries = 0;
		void *buf;
		shmprim_status st;

		for (;;) {
			st = shmprim_channel_loan(&p, len, &buf);
			if (st == SHMPRIM_OK)
				break;
			if (st != SHMPRIM_ERR_FULL)
				ch_child_fail(&sctl->fail, "producer: loan %llu: %s", (unsigned long long)n, shmprim_status_str(st));
			if (busy) {
				test_yield(++tries);
				continue;
			}
			if (++tries < sctl->spin)
				continue;
			st = shmprim_channel_producer_arm(&pr, len);
			sctl->calls[0]++;
			if (st == SHMPRIM_OK)
				continue;
			if (st != SHMPRIM_ERR_FULL)
				ch_child_fail(&sctl->fail, "producer: arm: %s", shmprim_status_str(st));
			sctl->waits[0]++;
			if (!readable(pr.fd, BY_POLL, WAIT_MS))
				ch_child_fail(&sctl->fail, "LOST WAKE-UP: producer armed at message %llu, no wake in %d ms "
				              "(consumer received %llu)", (unsigned long long)n, WAIT_MS,
				              (unsigned long long)LD(sctl->received));
			tries = 0;
		}
		ch_fill(buf, g_seed, n, len);
		if (shmprim_channel_send_loan(&p, len) != SHMPRIM_OK)
			ch_child_fail(&sctl->fail, "producer: send_loan");
		(void)shmprim_ready_notify(&pr);
		if (sctl->sleepy)
			maybe_sleep(&rng, 0);
	}
	if (shmprim_channel_producer_close(&p) != SHMPRIM_OK)
		ch_child_fail(&sctl->fail, "producer: close");
	(void)shmprim_ready_notify(&pr);
	sctl->arms[0] = pr.arms;
	sctl->rings[0] = pr.rings + pr.futex_wakes;
	(void)shmprim_ready_close(&pr);
}

static void stream_consumer(void *arg)
{
	shmprim_channel ch;
	shmprim_channel_consumer c;
	shmprim_ready cr;
	ipc_rng rng = {g_seed ^ 0x2222};
	uint64_t n = 0;
	uint32_t tries = 0;
	int busy = (int)sctl->busy;

	(void)arg;
	close(g_bells[0]);
	if (shmprim_channel_open_fd(&ch, g_memfd) != SHMPRIM_OK || shmprim_channel_take_consumer(&ch, &c, NULL) != SHMPRIM_OK ||
	    shmprim_channel_consumer_ready_open(&cr, &c, g_bells[1], -1) != SHMPRIM_OK)
		ch_child_fail(&sctl->fail, "consumer: setup");
	ST(bctl->step, 1);
	for (;;) {
		shmprim_channel_msg m;
		shmprim_status st = shmprim_channel_receive(&c, &m);

		if (st == SHMPRIM_OK) {
			if (!ch_check(m.data, m.len, g_seed, n, MAX))
				ch_child_fail(&sctl->fail, "consumer: message %llu wrong", (unsigned long long)n);
			n++;
			/* Release in small batches, as an event loop would per wake-up. */
			if ((n & 3) == 0) {
				(void)shmprim_channel_release(&c);
				(void)shmprim_ready_notify(&cr);
				ST(sctl->received, n);
			}
			tries = 0;
			if (sctl->sleepy)
				maybe_sleep(&rng, 1);
			continue;
		}
		(void)shmprim_channel_release(&c);
		(void)shmprim_ready_notify(&cr);
		ST(sctl->received, n);
		if (st == SHMPRIM_ERR_END)
			break;
		if (st != SHMPRIM_ERR_EMPTY)
			ch_child_fail(&sctl->fail, "consumer: receive: %s", shmprim_status_str(st));
		if (busy) {
			test_yield(++tries);
			continue;
		}
		if (++tries < sctl->spin)
			continue;
		st = shmprim_channel_consumer_arm(&cr);
		sctl->calls[1]++;
		if (st == SHMPRIM_OK || st == SHMPRIM_ERR_END)
			continue;
		if (st != SHMPRIM_ERR_EMPTY)
			ch_child_fail(&sctl->fail, "consumer: arm: %s", shmprim_status_str(st));
		sctl->waits[1]++;
		if (!readable(cr.fd, BY_EPOLL, WAIT_MS))
			ch_child_fail(&sctl->fail, "LOST WAKE-UP: consumer armed after message %llu, no wake in %d ms",
			              (unsigned long long)n, WAIT_MS);
		tries = 0;
	}
	if (n != sctl->count)
		ch_child_fail(&sctl->fail, "consumer: %llu messages then END, expected %llu", (unsigned long long)n,
		              (unsigned long long)sctl->count);
	sctl->arms[1] = cr.arms;
	sctl->rings[1] = cr.rings + cr.futex_wakes;
	(void)shmprim_ready_close(&cr);
}

static void run_pair(uint64_t count, int busy, uint32_t spin, int sleepy, const char *what)
{
	shmprim_channel ch;
	pid_t pc, pp;
	uint64_t t0;

	memset(sctl, 0, sizeof(*sctl));
	memset(bctl, 0, sizeof(*bctl));
	sctl->count = count;
	sctl->busy = (uint32_t)busy;
	sctl->spin = spin;
	sctl->sleepy = (uint32_t)sleepy;
	IPC_OK(shmprim_channel_create_memfd(&ch, "ready_stream", DATA_BYTES, MAX));
	IPC_OK(shmprim_ready_bell_pair(g_bells));
	g_memfd = ch.shm.fd;
	t0 = ipc_now_ns();
	pc = ch_fork(stream_consumer, NULL);
	wait_step(1);
	pp = ch_fork(stream_producer, NULL);
	close(g_bells[0]);
	close(g_bells[1]);
	ch_finish(pp, "producer", sctl->fail.why);
	ch_finish(pc, "consumer", sctl->fail.why);
	printf("%s: %llu messages in %.2f s; producer: %llu arm calls, %llu armed, %llu polls, %llu rings sent, %llu sleeps; "
	       "consumer: %llu arm calls, %llu armed, %llu polls, %llu rings sent, %llu sleeps\n",
	       what, (unsigned long long)count, (double)(ipc_now_ns() - t0) / 1e9, (unsigned long long)sctl->calls[0], (unsigned long long)sctl->arms[0],
	       (unsigned long long)sctl->waits[0], (unsigned long long)sctl->rings[0], (unsigned long long)sctl->sleeps[0],
	       (unsigned long long)sctl->calls[1], (unsigned long long)sctl->arms[1], (unsigned long long)sctl->waits[1], (unsigned long long)sctl->rings[1],
	       (unsigned long long)sctl->sleeps[1]);
	/* Each ring answers one announcement (an arm call) of the peer: the waker clears the flag it rang for. */
	IPC_CHECK(sctl->rings[0] <= sctl->calls[1], "producer rang %llu times for %llu consumer arm calls",
	          (unsigned long long)sctl->rings[0], (unsigned long long)sctl->calls[1]);
	IPC_CHECK(sctl->rings[1] <= sctl->calls[0], "consumer rang %llu times for %llu producer arm calls",
	          (unsigned long long)sctl->rings[1], (unsigned long long)sctl->calls[0]);
	if (busy)
		IPC_CHECK(sctl->rings[0] == 0 && sctl->rings[1] == 0 && sctl->arms[0] == 0 && sctl->arms[1] == 0,
		          "busy sides made %llu + %llu rings", (unsigned long long)sctl->rings[0],
		          (unsigned long long)sctl->rings[1]);
	IPC_OK(shmprim_channel_unmap(&ch));
}

/* ---- ring: the same for an SPSC ring ---- */

#define RING_CAP 64u
#define RING_BYTES (64u * 1024u)

static void ring_readiness(void)
{
	void *mem = ch_shared(RING_BYTES);
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_ready pr, cr;
	uint64_t v = 7, out;
	int bells[2], n = 0;

	IPC_OK(shmprim_spsc_init(&ring, shmprim_region_from_raw(mem, RING_BYTES), 0, RING_CAP, sizeof(uint64_t)));
	IPC_OK(shmprim_spsc_take_producer(&ring, &p, NULL));
	IPC_OK(shmprim_spsc_take_consumer(&ring, &c, NULL));
	IPC_OK(shmprim_ready_bell_pair(bells));
	IPC_OK(shmprim_spsc_producer_ready_open(&pr, &p, bells[0], -1));
	IPC_OK(shmprim_spsc_consumer_ready_open(&cr, &c, bells[1], -1));
	close(bells[0]);
	close(bells[1]);
	EXPECT(shmprim_channel_consumer_arm(&cr), SHMPRIM_ERR_INVALID_STATE);
	EXPECT(shmprim_spsc_consumer_arm(&cr), SHMPRIM_ERR_EMPTY);
	IPC_CHECK(!readable(cr.fd, BY_EPOLL, 0), "ring consumer fd readable on an empty ring");
	IPC_OK(shmprim_spsc_try_push(&p, &v));
	IPC_OK(shmprim_ready_notify(&pr));
	IPC_OK(shmprim_ready_notify(&pr));
	IPC_CHECK(pr.rings == 1, "ring producer rang %llu times, expected 1", (unsigned long long)pr.rings);
	IPC_CHECK(readable(cr.fd, BY_EPOLL, 0), "ring consumer fd not readable after push + notify");
	EXPECT(shmprim_spsc_consumer_arm(&cr), SHMPRIM_OK);
	IPC_OK(shmprim_spsc_try_pop(&c, &out));
	IPC_CHECK(out == 7, "popped %llu", (unsigned long long)out);
	while (shmprim_spsc_try_push(&p, &v) == SHMPRIM_OK)
		n++;
	IPC_CHECK(n == (int)RING_CAP, "%d entries filled a ring of %u", n, RING_CAP);
	EXPECT(shmprim_spsc_producer_arm(&pr), SHMPRIM_ERR_FULL);
	IPC_CHECK(!readable(pr.fd, BY_POLL, 0), "ring producer fd readable on a full ring");
	IPC_OK(shmprim_spsc_try_pop(&c, &out));
	IPC_OK(shmprim_ready_notify(&cr));
	IPC_CHECK(cr.rings == 1, "ring consumer rang %llu times, expected 1", (unsigned long long)cr.rings);
	IPC_CHECK(readable(pr.fd, BY_POLL, 0), "ring producer fd not readable after pop + notify");
	EXPECT(shmprim_spsc_producer_arm(&pr), SHMPRIM_OK);
	/* Close: the ring's own close wakes futex sleepers only; notify rings the armed consumer. */
	while (shmprim_spsc_try_pop(&c, &out) == SHMPRIM_OK)
		n--;
	IPC_CHECK(n == 1, "%d entries unaccounted for", n);
	EXPECT(shmprim_spsc_consumer_arm(&cr), SHMPRIM_ERR_EMPTY);
	IPC_OK(shmprim_spsc_try_push(&p, &v));
	IPC_OK(shmprim_spsc_producer_close(&p));
	IPC_CHECK(!readable(cr.fd, BY_POLL, 0), "readable before the ready notify");
	IPC_OK(shmprim_ready_notify(&pr));
	IPC_CHECK(readable(cr.fd, BY_POLL, 0), "ring consumer fd not readable after close + notify");
	EXPECT(shmprim_spsc_consumer_arm(&cr), SHMPRIM_OK);
	IPC_OK(shmprim_spsc_try_pop(&c, &out));
	EXPECT(shmprim_spsc_consumer_arm(&cr), SHMPRIM_ERR_END);
	IPC_OK(shmprim_ready_close(&pr));
	IPC_OK(shmprim_ready_close(&cr));
	munmap(mem, RING_BYTES);
}

static shmprim_spsc g_ring;

static void ring_producer(void *arg)
{
	shmprim_spsc_producer p;
	shmprim_ready pr;
	ipc_rng rng = {g_seed ^ 0x3333};
	uint64_t n;

	(void)arg;
	close(g_bells[1]);
	if (shmprim_spsc_take_producer(&g_ring, &p, NULL) != SHMPRIM_OK ||
	    shmprim_spsc_producer_ready_open(&pr, &p, g_bells[0], -1) != SHMPRIM_OK)
		ch_child_fail(&sctl->fail, "ring producer: setup");
	for (n = 0; n < sctl->count; n++) {
		uint64_t v = ipc_mix(g_seed + n);
		shmprim_status st;

		while ((st = shmprim_spsc_try_push(&p, &v)) == SHMPRIM_ERR_FULL) {
			st = shmprim_spsc_producer_arm(&pr);
			sctl->calls[0]++;
			if (st == SHMPRIM_OK)
				continue;
			if (st != SHMPRIM_ERR_FULL)
				ch_child_fail(&sctl->fail, "ring producer: arm: %s", shmprim_status_str(st));
			sctl->waits[0]++;
			if (!readable(pr.fd, BY_POLL, WAIT_MS))
				ch_child_fail(&sctl->fail, "LOST WAKE-UP: ring producer armed at entry %llu, no wake in %d ms",
				              (unsigned long long)n, WAIT_MS);
		}
		if (st != SHMPRIM_OK)
			ch_child_fail(&sctl->fail, "ring producer: push: %s", shmprim_status_str(st));
		(void)shmprim_ready_notify(&pr);
		maybe_sleep(&rng, 0);
	}
	if (shmprim_spsc_producer_close(&p) != SHMPRIM_OK)
		ch_child_fail(&sctl->fail, "ring producer: close");
	(void)shmprim_ready_notify(&pr);
	sctl->arms[0] = pr.arms;
	sctl->rings[0] = pr.rings + pr.futex_wakes;
}

static void ring_consumer(void *arg)
{
	shmprim_spsc_consumer c;
	shmprim_ready cr;
	ipc_rng rng = {g_seed ^ 0x4444};
	uint64_t n = 0, v;

	(void)arg;
	close(g_bells[0]);
	if (shmprim_spsc_take_consumer(&g_ring, &c, NULL) != SHMPRIM_OK ||
	    shmprim_spsc_consumer_ready_open(&cr, &c, g_bells[1], -1) != SHMPRIM_OK)
		ch_child_fail(&sctl->fail, "ring consumer: setup");
	ST(bctl->step, 1);
	for (;;) {
		shmprim_status st = shmprim_spsc_try_pop(&c, &v);

		if (st == SHMPRIM_OK) {
			if (v != ipc_mix(g_seed + n))
				ch_child_fail(&sctl->fail, "ring consumer: entry %llu wrong", (unsigned long long)n);
			n++;
			(void)shmprim_ready_notify(&cr);
			maybe_sleep(&rng, 1);
			continue;
		}
		if (st == SHMPRIM_ERR_END)
			break;
		if (st != SHMPRIM_ERR_EMPTY)
			ch_child_fail(&sctl->fail, "ring consumer: pop: %s", shmprim_status_str(st));
		st = shmprim_spsc_consumer_arm(&cr);
		sctl->calls[1]++;
		if (st == SHMPRIM_OK || st == SHMPRIM_ERR_END)
			continue;
		if (st != SHMPRIM_ERR_EMPTY)
			ch_child_fail(&sctl->fail, "ring consumer: arm: %s", shmprim_status_str(st));
		sctl->waits[1]++;
		if (!readable(cr.fd, BY_EPOLL, WAIT_MS))
			ch_child_fail(&sctl->fail, "LOST WAKE-UP: ring consumer armed after entry %llu, no wake in %d ms",
			              (unsigned long long)n, WAIT_MS);
	}
	if (n != sctl->count)
		ch_child_fail(&sctl->fail, "ring consumer: %llu entries then END, expected %llu", (unsigned long long)n,
		              (unsigned long long)sctl->count);
	sctl->arms[1] = cr.arms;
	sctl->rings[1] = cr.rings + cr.futex_wakes;
}

static void ring_stream(uint64_t count)
{
	void *mem = ch_shared(RING_BYTES);
	pid_t pc, pp;
	uint64_t t0;

	memset(sctl, 0, sizeof(*sctl));
	memset(bctl, 0, sizeof(*bctl));
	sctl->count = count;
	IPC_OK(shmprim_spsc_init(&g_ring, shmprim_region_from_raw(mem, RING_BYTES), 0, RING_CAP, sizeof(uint64_t)));
	IPC_OK(shmprim_ready_bell_pair(g_bells));
	t0 = ipc_now_ns();
	pc = ch_fork(ring_consumer, NULL);
	wait_step(1);
	pp = ch_fork(ring_producer, NULL);
	close(g_bells[0]);
	close(g_bells[1]);
	ch_finish(pp, "ring producer", sctl->fail.why);
	ch_finish(pc, "ring consumer", sctl->fail.why);
	printf("ring stream, random sleeps: %llu entries in %.2f s; producer: %llu arm calls, %llu armed, %llu rings "
	       "sent; consumer: %llu arm calls, %llu armed, %llu rings sent\n",
	       (unsigned long long)count, (double)(ipc_now_ns() - t0) / 1e9, (unsigned long long)sctl->calls[0],
	       (unsigned long long)sctl->arms[0], (unsigned long long)sctl->rings[0], (unsigned long long)sctl->calls[1],
	       (unsigned long long)sctl->arms[1], (unsigned long long)sctl->rings[1]);
	IPC_CHECK(sctl->rings[0] <= sctl->calls[1] && sctl->rings[1] <= sctl->calls[0], "more rings than arm calls");
	munmap(mem, RING_BYTES);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "basic";
	uint64_t count;

	IPC_REQUIRE(host_lacks_memfd());
	setvbuf(stdout, NULL, _IONBF, 0);
	bctl = ch_shared(sizeof(*bctl));
	sctl = ch_shared(sizeof(*sctl));
	g_seed = ipc_env_u64("SHMPRIM_SEED", (uint64_t)ipc_now_ns());
	printf("seed %llu (SHMPRIM_SEED=%llu to repeat)\n", (unsigned long long)g_seed, (unsigned long long)g_seed);
	if (strcmp(mode, "basic") == 0)
		return run_basic();
	count = argc > 2 ? strtoull(argv[2], NULL, 0) : 1000000ull;
	if (strcmp(mode, "stream") == 0) {
		run_pair(count, 0, 1, 1, "stream, random sleeps, arm at once");
		printf("PASS stream: no lost wake-up\n");
		return 0;
	}
	if (strcmp(mode, "ring") == 0) {
		ring_readiness();
		ring_stream(argc > 2 ? count : 300000u);
		printf("PASS ring: readiness of both sides, close, no lost wake-up\n");
		return 0;
	}
	if (strcmp(mode, "busy") == 0 || strcmp(mode, "busy-only") == 0) {
		run_pair(count, 1, 0, 0, "busy sides, never armed");
		if (strcmp(mode, "busy-only") == 0)
			return 0; /* for strace -c -f: the library makes no system call here */
		run_pair(count / 4, 0, 4096, 0, "spin 4096 tries, then arm"); /* figures, and the ring bound */
		printf("PASS busy\n");
		return 0;
	}
	fprintf(stderr, "usage: %s basic | stream [N] | busy [N] | busy-only [N] | ring [N]\n", argv[0]);
	return 2;
}
