/*
 * shmprim-ipcbench: the IPC comparison of issue 17 (item 4). Two processes
 * (and for fan-in, 8 or 64 producer processes and one consumer), in one run,
 * over what users pick for IPC today and over shmprim:
 *
 *   pipe, AF_UNIX SOCK_STREAM, AF_UNIX SOCK_SEQPACKET, POSIX mq, Boost
 *   message_queue (where built), the shmprim channel busy polling
 *   (send/recv + pause), the channel's futex waits (send_wait/recv_wait),
 *   the channel through its readiness fd (epoll), and the hand-assembled
 *   ring plus slab (channel_slab.c), busy polling; for fan-in also the
 *   channels served with one shmprim_channel_recv_any set (futex_waitv).
 *
 * Per pass: the bare cache-line bounce (the VM's speed mode), memcpy of
 * 16 KiB blocks, then every row once per size for throughput, every row once
 * per size for the round trip, and every fan-in row at 8 and 64 producers
 * (A B C ... A B C ...). Passes whose bounce is not within 1.5x of the
 * median are set aside, as in shmprim-bench and shmprim-chanbench.
 *
 * Every message is verified (twoproc.h's pattern: the sequence number and a
 * per-word mix of it in every byte, the length checked); after the last one,
 * nothing more may arrive. A row with an error prints FAILED, is left out of
 * the JSON, and the program exits 1.
 */
#include "bench_common.h"
#include "channel_slab.h"
#include "twoproc.h"
#ifdef IPCBENCH_HAVE_BOOST
#include "ipcbench_boost.h"
#endif

#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <mqueue.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <shmprim/channel.h>
#include <shmprim/ready.h>
#include <shmprim/wait.h>

#define MAX_PRODUCERS 64
#define WAIT_NS (10ull * 1000000000ull) /* blocking calls' timeout: a row that hangs fails */
#define ROOM_BYTES (256u * 1024u)       /* each channel's, ring+slab's and queue's room, about */
#define FANIN_SIZE 64u

static struct {
	int runs;
	int cpu[2];
	double scale;
	int quick;
	int selftest_corrupt;
	const char *json;
	unsigned tables;        /* TABLE_* bits: what runs */
	double ticks_per_ns;
} opt = {3, {0, 1}, 1.0, 0, 0, NULL, 7, 1.0};

#define TABLE_TPUT 1u
#define TABLE_RTT 2u
#define TABLE_FANIN 4u

/* ---- one link: a one-way path from a producer process to a consumer process ---- */

typedef struct ipclink {
	uint32_t max;           /* the longest message it carries (the row's size) */
	int fd[2];              /* pipe / socketpair: [0] the consumer's end, [1] the producer's */
	char name[64];          /* POSIX mq and Boost: the queue's name */
	uint32_t chunk;         /* POSIX mq: bytes per mq message (messages above it go in pieces) */
	mqd_t mq;
	void *boost;
	void *mem;              /* shmprim channel, ring+slab: the shared region */
	size_t len;
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_channel_consumer c;
	chslab b;
	int bell[2];            /* epoll fd row: the doorbell pair ([0] producer's, [1] consumer's), -1 none */
	int ep;                 /* epoll fd row: this side's event loop (one epoll set over r.fd), -1 none */
	shmprim_ready r;        /* epoll fd row: this side's readiness (opened in the side's process) */
} ipclink;

/* What a transport does. create/destroy run in the parent around the row's
 * processes; open runs in each process for the side it takes. send and recv
 * move one whole message (recv: into buf, room for max; *got its length),
 * 0 on success. try_recv (fan-in, non-blocking): 1 a message, 0 none, -1 an
 * error; try_send (fan-in producers of the rows without wait_fd): 1 sent,
 * 0 full, -1 an error. nothing_after: 0 when nothing more is there after the producer
 * finished. wait_fd: the fd an event loop waits on (fan-in through epoll), or
 * NULL when the consumer polls (round robin). arm (rows whose fd must be
 * armed before the consumer sleeps): 1 armed, 0 a message came meanwhile,
 * -1 an error. any: the consumer serves the fan-in links with one
 * shmprim_channel_recv_any set (futex_waitv) instead of epoll or polling. */
typedef struct xport {
	const char *impl;
	const char *absent;     /* non-NULL: not in this build or a slot not filled yet, and why */
	int shm;                /* a shmprim row (its backend is shown) */
	int fanin;              /* takes part in fan-in */
	int (*create)(ipclink *l, uint32_t max, char *why, size_t whylen);
	int (*open)(ipclink *l, int producer, int fanin);
	int (*send)(ipclink *l, const unsigned char *msg, uint32_t len, patience *w);
	int (*recv)(ipclink *l, unsigned char *buf, uint32_t *got, patience *w);
	int (*try_recv)(ipclink *l, unsigned char *buf, uint32_t *got);
	int (*try_send)(ipclink *l, const unsigned char *msg, uint32_t len);
	int (*wait_fd)(ipclink *l);
	void (*finish)(ipclink *l, int producer); /* the side is done (the producer closes) */
	int (*nothing_after)(ipclink *l);
	void (*destroy)(ipclink *l);
	int (*arm)(ipclink *l);
	int any;
} xport;

/* A link with no fd of its own yet (0 is an fd: every one starts at -1). */
static void link_clear(ipclink *l)
{
	memset(l, 0, sizeof(*l));
	l->fd[0] = l->fd[1] = l->bell[0] = l->bell[1] = l->ep = -1;
}

/* ---- fds: pipe, AF_UNIX stream and seqpacket ---- */

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t r = write(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* A byte stream carries no boundaries: the consumer reads exactly the
 * row's size (every message of a row has it), as a framed protocol would. */
static int read_all(int fd, unsigned char *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int pipe_create(ipclink *l, uint32_t max, char *why, size_t whylen)
{
	l->max = max;
	if (pipe(l->fd) != 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int sock_create(ipclink *l, uint32_t max, int type, char *why, size_t whylen)
{
	l->max = max;
	if (socketpair(AF_UNIX, type, 0, l->fd) != 0) {
		snprintf(why, whylen, "socketpair: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int stream_create(ipclink *l, uint32_t max, char *why, size_t whylen)
{
	return sock_create(l, max, SOCK_STREAM, why, whylen);
}

static int seqp_create(ipclink *l, uint32_t max, char *why, size_t whylen)
{
	return sock_create(l, max, SOCK_SEQPACKET, why, whylen);
}

static int fd_open(ipclink *l, int producer, int fanin)
{
	/* each side drops the other's end: the consumer sees EOF when the producer closes */
	close(l->fd[producer ? 0 : 1]);
	l->fd[producer ? 0 : 1] = -1;
	if (fanin && !producer)
		return fcntl(l->fd[0], F_SETFL, fcntl(l->fd[0], F_GETFL) | O_NONBLOCK);
	return 0;
}

static int fd_send(ipclink *l, const unsigned char *msg, uint32_t len, patience *w)
{
	(void)w;
	return write_all(l->fd[1], msg, len);
}

static int stream_recv(ipclink *l, unsigned char *buf, uint32_t *got, patience *w)
{
	(void)w;
	*got = l->max;
	return read_all(l->fd[0], buf, l->max);
}

static int seqp_send(ipclink *l, const unsigned char *msg, uint32_t len, patience *w)
{
	(void)w;
	return send(l->fd[1], msg, len, 0) == (ssize_t)len ? 0 : -1;
}

static int seqp_recv(ipclink *l, unsigned char *buf, uint32_t *got, patience *w)
{
	ssize_t r;

	(void)w;
	do
		r = recv(l->fd[0], buf, l->max, 0);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return -1;
	*got = (uint32_t)r;
	return 0;
}

/* Fan-in: what is there now, as bytes (the consumer reassembles the stream rows). */
static int fd_try_recv(ipclink *l, unsigned char *buf, uint32_t *got)
{
	ssize_t r = read(l->fd[0], buf, l->max);

	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	if (r <= 0)
		return -1;
	*got = (uint32_t)r;
	return 1;
}

static int fd_wait_fd(ipclink *l)
{
	return l->fd[0];
}

static void fd_finish(ipclink *l, int producer)
{
	if (producer && l->fd[1] >= 0) {
		close(l->fd[1]);
		l->fd[1] = -1;
	}
}

/* After the producer closed: end of file, or (the parent's copy of the
 * write end still open) nothing to read; never more bytes. */
static int fd_nothing_after(ipclink *l)
{
	unsigned char b;
	ssize_t r = recv(l->fd[0], &b, 1, MSG_DONTWAIT);

	if (r < 0 && errno == ENOTSOCK) {
		int fl = fcntl(l->fd[0], F_GETFL);

		fcntl(l->fd[0], F_SETFL, fl | O_NONBLOCK);
		r = read(l->fd[0], &b, 1);
	}
	return r == 0 || (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) ? 0 : 1;
}

static void fd_destroy(ipclink *l)
{
	int i;

	for (i = 0; i < 2; i++)
		if (l->fd[i] >= 0)
			close(l->fd[i]);
	l->fd[0] = l->fd[1] = -1;
}

/* ---- POSIX mq ----
 * The queue gets the limits an unprivileged user gets (/proc/sys/fs/mqueue:
 * msg_max messages of at most msgsize_max bytes; 10 and 8192 by default), so
 * that running as root measures what everyone else gets. A message longer
 * than msgsize_max goes as ceil(len / msgsize_max) mq messages, which the
 * consumer joins (16 KiB: two 8 KiB pieces by default). */

static long proc_long(const char *path, long dflt)
{
	FILE *f = fopen(path, "r");
	long v;

	if (!f)
		return dflt;
	if (fscanf(f, "%ld", &v) != 1)
		v = dflt;
	fclose(f);
	return v;
}

static long mq_msg_max(void)
{
	return proc_long("/proc/sys/fs/mqueue/msg_max", 10);
}

static long mq_msgsize_max(void)
{
	return proc_long("/proc/sys/fs/mqueue/msgsize_max", 8192);
}

static unsigned link_serial;

static int mq_create(ipclink *l, uint32_t max, char *why, size_t whylen)
{
	struct mq_attr a;
	long size_max = mq_msgsize_max();
	mqd_t q;

	memset(&a, 0, sizeof(a));
	l->max = max;
	l->chunk = max <= (uint32_t)size_max ? max : (uint32_t)size_max;
	a.mq_maxmsg = mq_msg_max();
	a.mq_msgsize = l->chunk;
	snprintf(l->name, sizeof(l->name), "/shmprim-ipcbench-%d-%u", (int)getpid(), link_serial++);
	q = mq_open(l->name, O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	if (q == (mqd_t)-1) {
		snprintf(why, whylen, "mq_open: %s", strerror(errno));
		l->name[0] = 0;
		return -1;
	}
	mq_close(q);
	l->mq = (mqd_t)-1;
	return 0;
}

static int mq_open_side(ipclink *l, int producer, int fanin)
{
	l->mq = mq_open(l->name, (producer ? O_WRONLY : O_RDONLY) | (fanin && !producer ? O_NONBLOCK : 0));
	return l->mq == (mqd_t)-1 ? -1 : 0;
}

static int mq_send_msg(ipclink *l, const unsigned char *msg, uint32_t len, patience *w)
{
	uint32_t off, n;

	(void)w;
	for (off = 0; off < len; off += n) {
		n = len - off < l->chunk ? len - off : l->chunk;
		while (mq_send(l->mq, (const char *)msg + off, n, 0) != 0)
			if (errno != EINTR)
				return -1;
	}
	return 0;
}

static int mq_recv_msg(ipclink *l, unsigned char *buf, uint32_t *got, patience *w)
{
	uint32_t off = 0;
	ssize_t r;

	(void)w;
	/* the pieces of one message: chunk-sized ones, then the rest (l->max bytes in all) */
	while (off < l->max) {
		do
			r = mq_receive(l->mq, (char *)buf + off, l->chunk, NULL);
		while (r < 0 && errno == EINTR);
		if (r <= 0 || (uint32_t)r > l->max - off)
			return -1;
		off += (uint32_t)r;
		if ((uint32_t)r < l->chunk)
			break;
	}
	*got = off;
	return 0;
}

static int mq_try_recv(ipclink *l, unsigned char *buf, uint32_t *got)
{
	ssize_t r = mq_receive(l->mq, (char *)buf, l->chunk, NULL);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0)
		return -1;
	*got = (uint32_t)r;
	return 1;
}

static int mq_wait_fd(ipclink *l)
{
	return (int)l->mq; /* a Linux mqd_t is a pollable fd */
}

static void mq_finish(ipclink *l, int producer)
{
	(void)l;
	(void)producer;
}

static int mq_nothing_after(ipclink *l)
{
	struct timespec past = {0, 0};
	char *b = (char *)malloc(l->chunk);
	ssize_t r = b ? mq_timedreceive(l->mq, b, l->chunk, NULL, &past) : 1;

	free(b);
	return r < 0 && (errno == ETIMEDOUT || errno == EAGAIN) ? 0 : 1;
}

static void mq_destroy(ipclink *l)
{
	if (l->mq != (mqd_t)-1 && l->mq != (mqd_t)0)
		mq_close(l->mq);
	if (l->name[0])
		mq_unlink(l->name);
	l->name[0] = 0;
}

/* ---- Boost.Interprocess message_queue (blocking send/receive) ---- */

#ifdef IPCBENCH_HAVE_BOOST
static size_t room_msgs(uint32_t max)
{
	size_t n = ROOM_BYTES / max;

	return n < 16 ? 16 : n;
}

static int boost_create(ipclink *l, uint32_t max, char *why, size_t whylen)
{
	l->max = max;
	snprintf(l->name, sizeof(l->name), "shmprim-ipcbench-%d-%u", (int)getpid(), link_serial++);
	if (ipcb_boost_create(l->name, room_msgs(max), max, why, whylen) != 0) {
		l->name[0] = 0;
		return -1;
	}
	return 0;
}

static int boost_open(ipclink *l, int producer, int fanin)
{
	(void)producer;
	(void)fanin;
	l->boost = ipcb_boost_open(l->name);
	return l->boost ? 0 : -1;
}

static int boost_send(ipclink *l, const unsigned char *msg, uint32_t len, patience *w)
{
	(void)w;
	return ipcb_boost_send(l->boost, msg, len);
}

static int boost_recv(ipclink *l, unsigned char *buf, uint32_t *got, patience *w)
{
	size_t n = 0;

	(void)w;
	if (ipcb_boost_receive(l->boost, buf, l->max, &n) != 0)
		return -1;
	*got = (uint32_t)n;
	return 0;
}

static int boost_try_recv(ipclink *l, unsigned char *buf, uint32_t *got)
{
	size_t n = 0;
	int r = ipcb_boost_try_receive(l->boost, buf, l->max, &n);

	*got = (uint32_t)n;
	return r;
}

static void boost_finish(ipclink *l, int producer)
{
	(void)l;
	(void)producer;
}

static int boost_nothing_after(ipclink *l)
{
	unsigned char *b = (unsigned char *)malloc(l->max);
	uint32_t got;
	int r = b ? boost_try_recv(l, b, &got) : 1;

	free(b);
	return r == 0 ? 0 : 1;
}

static void boost_destroy(ipclink *l)
{
	if (l->boost)
		ipcb_boost_close(l->boost);
	l->boost = NULL;
	if (l->name[0])
		ipcb_boost_remove(l->name);
	l->name[0] = 0;
}
#endif

/* ---- the shmprim channel ---- */

static uint32_t chan_data_bytes(void)
{
	return ROOM_BYTES;
}

static int chan_create(ipclink *l, uint32_t max, char *why, size_t whylen)
{
	shmprim_channel ch;
	shmprim_status st;

	l->max = max;
	l->len = shmprim_channel_required_size(chan_data_bytes());
	l->mem = bench_map(l->len);
	if (!l->mem) {
		snprintf(why, whylen, "memfd mapping: %s", strerror(errno));
		return -1;
	}
	st = shmprim_channel_init(&ch, shmprim_region_from_raw(l->mem, l->len), 0, chan_data_bytes(), max);
	if (st != SHMPRIM_OK) {
		snprintf(why, whylen, "shmprim_channel_init: %s", shmprim_status_str(st));
		return -1;
	}
	return 0;
}

static int chan_open(ipclink *l, int producer, int fanin)
{
	(void)fanin;
	if (shmprim_channel_attach_expect(&l->ch, shmprim_region_from_raw(l->mem, l->len), 0, chan_data_bytes(),
	                                  l->max) != SHMPRIM_OK)
		return -1;
	if (producer)
		return shmprim_channel_take_producer(&l->ch, &l->p, NULL) == SHMPRIM_OK ? 0 : -1;
	return shmprim_channel_take_consumer(&l->ch, &l->c, NULL) == SHMPRIM_OK ? 0 : -1;
}

/* busy: the non-blocking calls, a pause between tries */
static int chan_send_busy(ipclink *l, const unsigned char *msg, uint32_t len, patience *w)
{
	shmprim_status st;

	while ((st = shmprim_channel_send(&l->p, msg, len)) == SHMPRIM_ERR_FULL)
		if (!patience_left(w))
			return -1;
	return st == SHMPRIM_OK ? 0 : -1;
}

static int chan_recv_busy(ipclink *l, unsigned char *buf, uint32_t *got, patience *w)
{
	shmprim_status st;

	while ((st = shmprim_channel_recv(&l->c, buf, l->max, got)) == SHMPRIM_ERR_EMPTY)
		if (!patience_left(w))
			return -1;
	return st == SHMPRIM_OK ? 0 : -1;
}

static int chan_try_recv(ipclink *l, unsigned char *buf, uint32_t *got)
{
	shmprim_status st = shmprim_channel_recv(&l->c, buf, l->max, got);

	return st == SHMPRIM_OK ? 1 : st == SHMPRIM_ERR_EMPTY ? 0 : -1;
}

static int chan_try_send(ipclink *l, const unsigned char *msg, uint32_t len)
{
	shmprim_status st = shmprim_channel_send(&l->p, msg, len);

	return st == SHMPRIM_OK ? 1 : st == SHMPRIM_ERR_FULL ? 0 : -1;
}

/* futex: the blocking calls, default spin then sleep */
static int chan_send_futex(ipclink *l, const unsigned char *msg, uint32_t len, patience *w)
{
	(void)w;
	return shmprim_channel_send_wait(&l->p, msg, len, WAIT_NS, NULL) == SHMPRIM_OK ? 0 : -1;
}

static int chan_recv_futex(ipclink *l, unsigned char *buf, uint32_t *got, patience *w)
{
	(void)w;
	return shmprim_channel_recv_wait(&l->c, buf, l->max, got, WAIT_NS, NULL) == SHMPRIM_OK ? 0 : -1;
}

static void chan_finish(ipclink *l, int producer)
{
	if (producer)
		(void)shmprim_channel_producer_close(&l->p);
}

static int chan_nothing_after(ipclink *l)
{
	shmprim_channel_msg v;

	return shmprim_channel_receive(&l->c, &v) == SHMPRIM_ERR_END ? 0 : 1;
}

static void shm_destroy(ipclink *l)
{
	bench_unmap(l->mem, l->len);
	l->mem = NULL;
}

/* ---- the shmprim channel through its readiness fd (<shmprim/ready.h>) ----
 * As an event-loop server would: a side that finds nothing to do (consumer:
 * empty; producer: full) arms its readiness and sleeps in epoll_wait on an
 * epoll set holding the readiness fd; after each send (producer) or receive
 * (consumer) shmprim_ready_notify rings the peer's bell only if it is armed.
 * No spinning before the sleep: the row measures the fd path. The doorbell
 * pair is made in the parent and inherited; each side's process dups its end
 * (ready_open) and finds the peer's pidfd from its claim word. */

static int chfd_create(ipclink *l, uint32_t max, char *why, size_t whylen)
{
	if (chan_create(l, max, why, whylen) != 0)
		return -1;
	if (shmprim_ready_bell_pair(l->bell) != SHMPRIM_OK) {
		snprintf(why, whylen, "shmprim_ready_bell_pair: %s", strerror(errno));
		l->bell[0] = l->bell[1] = -1;
		return -1;
	}
	return 0;
}

static int chfd_open(ipclink *l, int producer, int fanin)
{
	struct epoll_event e;
	shmprim_status st;

	if (chan_open(l, producer, fanin) != 0)
		return -1;
	st = producer ? shmprim_channel_producer_ready_open(&l->r, &l->p, l->bell[0], -1)
	              : shmprim_channel_consumer_ready_open(&l->r, &l->c, l->bell[1], -1);
	if (st != SHMPRIM_OK)
		return -1;
	/* this side's own loop (fan-in's consumer puts r.fd in its one set instead) */
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	memset(&e, 0, sizeof(e));
	e.events = EPOLLIN;
	return l->ep >= 0 && epoll_ctl(l->ep, EPOLL_CTL_ADD, l->r.fd, &e) == 0 ? 0 : -1;
}

/* One sleep in the side's epoll set; -1 when nothing came within WAIT_NS. */
static int chfd_sleep(ipclink *l)
{
	struct epoll_event e;
	int n;

	do
		n = epoll_wait(l->ep, &e, 1, (int)(WAIT_NS / 1000000u));
	while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : -1;
}

static int chfd_send(ipclink *l, const unsigned char *msg, uint32_t len, patience *w)
{
	shmprim_status st;

	(void)w;
	while ((st = shmprim_channel_send(&l->p, msg, len)) == SHMPRIM_ERR_FULL) {
		st = shmprim_channel_producer_arm(&l->r, len);
		if (st == SHMPRIM_ERR_FULL) {
			if (chfd_sleep(l) != 0)
				return -1;
		} else if (st != SHMPRIM_OK) {
			return -1;
		}
	}
	if (st != SHMPRIM_OK)
		return -1;
	/* a load while the consumer is busy; one send on the bell when it is armed */
	return shmprim_ready_notify(&l->r) == SHMPRIM_OK ? 0 : -1;
}

static int chfd_recv(ipclink *l, unsigned char *buf, uint32_t *got, patience *w)
{
	shmprim_status st;

	(void)w;
	while ((st = shmprim_channel_recv(&l->c, buf, l->max, got)) == SHMPRIM_ERR_EMPTY) {
		st = shmprim_channel_consumer_arm(&l->r);
		if (st == SHMPRIM_ERR_EMPTY) {
			if (chfd_sleep(l) != 0)
				return -1;
		} else if (st != SHMPRIM_OK) {
			return -1;
		}
	}
	if (st != SHMPRIM_OK)
		return -1;
	/* the producer may sleep for room */
	return shmprim_ready_notify(&l->r) == SHMPRIM_OK ? 0 : -1;
}

static int chfd_try_recv(ipclink *l, unsigned char *buf, uint32_t *got)
{
	int rr = chan_try_recv(l, buf, got);

	if (rr == 1 && shmprim_ready_notify(&l->r) != SHMPRIM_OK)
		return -1;
	return rr;
}

static int chfd_arm(ipclink *l)
{
	shmprim_status st = shmprim_channel_consumer_arm(&l->r);

	return st == SHMPRIM_ERR_EMPTY ? 1 : st == SHMPRIM_OK ? 0 : -1;
}

static int chfd_wait_fd(ipclink *l)
{
	return l->r.fd;
}

static void chfd_finish(ipclink *l, int producer)
{
	if (producer) {
		(void)shmprim_channel_producer_close(&l->p);
		(void)shmprim_ready_notify(&l->r); /* an armed consumer wakes to see the end */
	}
}

static void chfd_destroy(ipclink *l)
{
	int i;

	for (i = 0; i < 2; i++)
		if (l->bell[i] >= 0)
			close(l->bell[i]);
	l->bell[0] = l->bell[1] = -1;
	shm_destroy(l);
}

/* ---- the hand-assembled ring plus slab (channel_slab.c), busy polling ---- */

static uint32_t slab_slots(uint32_t max)
{
	uint32_t n = 16;

	while (n * 2u * (max + CHSLAB_PREFIX) <= ROOM_BYTES && n < 4096)
		n *= 2;
	return n;
}

static int slab_create(ipclink *l, uint32_t max, char *why, size_t whylen)
{
	chslab b;
	shmprim_status st;

	l->max = max;
	l->len = chslab_required_size(slab_slots(max), max);
	l->mem = bench_map(l->len);
	if (!l->mem) {
		snprintf(why, whylen, "memfd mapping: %s", strerror(errno));
		return -1;
	}
	st = chslab_init(&b, shmprim_region_from_raw(l->mem, l->len), slab_slots(max), max);
	if (st != SHMPRIM_OK) {
		snprintf(why, whylen, "chslab_init: %s", shmprim_status_str(st));
		return -1;
	}
	return 0;
}

static int slab_open(ipclink *l, int producer, int fanin)
{
	(void)producer;
	(void)fanin;
	return chslab_attach(&l->b, shmprim_region_from_raw(l->mem, l->len), slab_slots(l->max), l->max,
	                     (uint32_t)getpid()) == SHMPRIM_OK ? 0 : -1;
}

static int slab_send(ipclink *l, const unsigned char *msg, uint32_t len, patience *w)
{
	shmprim_status st;

	while ((st = chslab_send(&l->b, msg, len)) == SHMPRIM_ERR_FULL)
		if (!patience_left(w))
			return -1;
	return st == SHMPRIM_OK ? 0 : -1;
}

static int slab_recv(ipclink *l, unsigned char *buf, uint32_t *got, patience *w)
{
	shmprim_status st;

	while ((st = chslab_recv(&l->b, buf, l->max, got)) == SHMPRIM_ERR_EMPTY)
		if (!patience_left(w))
			return -1;
	return st == SHMPRIM_OK ? 0 : -1;
}

static int slab_try_recv(ipclink *l, unsigned char *buf, uint32_t *got)
{
	shmprim_status st = chslab_recv(&l->b, buf, l->max, got);

	return st == SHMPRIM_OK ? 1 : st == SHMPRIM_ERR_EMPTY ? 0 : -1;
}

static int slab_try_send(ipclink *l, const unsigned char *msg, uint32_t len)
{
	shmprim_status st = chslab_send(&l->b, msg, len);

	return st == SHMPRIM_OK ? 1 : st == SHMPRIM_ERR_FULL ? 0 : -1;
}

static void slab_finish(ipclink *l, int producer)
{
	(void)l;
	(void)producer;
}

static int slab_nothing_after(ipclink *l)
{
	chslab_msg v;

	return chslab_receive(&l->b, &v) == SHMPRIM_ERR_EMPTY ? 0 : 1;
}

/* ---- ROWS ----
 * A row is a line here: its send/recv (and for fan-in its try_recv, and
 * try_send or wait_fd), e.g.
 *   {"shmprim channel epoll fd", NULL, 1, 1, chfd_create, chfd_open,
 *    chfd_send, chfd_recv, chfd_try_recv, NULL, chfd_wait_fd,
 *    chfd_finish, chan_nothing_after, chfd_destroy, chfd_arm, 0},
 * Fan-in rows with a wait_fd are served through one epoll set (arming each
 * fd before sleeping when arm is set), rows with any through one
 * shmprim_channel_recv_any set, the others round robin over try_recv.
 * absent: a slot for a row not built yet, and why. */

static const xport rows[] = {
	{"pipe", NULL, 0, 1, pipe_create, fd_open, fd_send, stream_recv, fd_try_recv, NULL, fd_wait_fd,
	 fd_finish, fd_nothing_after, fd_destroy, NULL, 0},
	{"AF_UNIX stream", NULL, 0, 1, stream_create, fd_open, fd_send, stream_recv, fd_try_recv, NULL, fd_wait_fd,
	 fd_finish, fd_nothing_after, fd_destroy, NULL, 0},
	{"AF_UNIX seqpacket", NULL, 0, 1, seqp_create, fd_open, seqp_send, seqp_recv, fd_try_recv, NULL, fd_wait_fd,
	 fd_finish, fd_nothing_after, fd_destroy, NULL, 0},
	{"POSIX mq", NULL, 0, 1, mq_create, mq_open_side, mq_send_msg, mq_recv_msg, mq_try_recv, NULL, mq_wait_fd,
	 mq_finish, mq_nothing_after, mq_destroy, NULL, 0},
#ifdef IPCBENCH_HAVE_BOOST
	{"Boost message_queue", NULL, 0, 0, boost_create, boost_open, boost_send, boost_recv, boost_try_recv, NULL,
	 NULL, boost_finish, boost_nothing_after, boost_destroy, NULL, 0},
#else
	{"Boost message_queue", "not built: no boost/interprocess headers (libboost-dev) or no C++ compiler when "
	 "this build was configured", 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0},
#endif
	{"shmprim channel busy", NULL, 1, 1, chan_create, chan_open, chan_send_busy, chan_recv_busy, chan_try_recv,
	 chan_try_send, NULL, chan_finish, chan_nothing_after, shm_destroy, NULL, 0},
	{"shmprim channel futex", NULL, 1, 0, chan_create, chan_open, chan_send_futex, chan_recv_futex, NULL, NULL,
	 NULL, chan_finish, chan_nothing_after, shm_destroy, NULL, 0},
	{"shmprim channel epoll fd", NULL, 1, 1, chfd_create, chfd_open, chfd_send, chfd_recv, chfd_try_recv, NULL,
	 chfd_wait_fd, chfd_finish, chan_nothing_after, chfd_destroy, chfd_arm, 0},
	/* fan-in only: producers send_wait (it wakes the consumer), the consumer recv_any */
	{"shmprim futex_waitv", NULL, 1, 2, chan_create, chan_open, chan_send_futex, chan_recv_futex, NULL, NULL,
	 NULL, chan_finish, chan_nothing_after, shm_destroy, NULL, 1},
	{"ring+slab busy", NULL, 1, 1, slab_create, slab_open, slab_send, slab_recv, slab_try_recv, slab_try_send,
	 NULL, slab_finish, slab_nothing_after, shm_destroy, NULL, 0},
};
#define NROWS ((int)(sizeof(rows) / sizeof(rows[0])))
#define ROW_CHAN_BUSY 5
#define ROW_CHAN_FUTEX 6
#define ROW_CHAN_FD 7
#define ROW_WAITV 8
#define ROW_SLAB 9
/* fanin == 2: a fan-in-only row (no one-to-one rows) */
#define ONE_TO_ONE(r) (rows[r].fanin != 2)

static const char *backend_of(int r)
{
	return rows[r].shm ? shmprim_backend_name() : "-";
}

/* ---- sizes ---- */

typedef struct size_case {
	const char *name;
	uint32_t bytes;
	uint64_t items;         /* messages per throughput row at --scale 1 */
	uint64_t rounds;        /* round trips per row */
} size_case;

static const size_case sizes[] = {
	{"64 B", 64, 200000, 20000},
	{"1 KiB", 1024, 100000, 20000},
	{"16 KiB", 16384, 20000, 5000},
};
#define NSIZES ((int)(sizeof(sizes) / sizeof(sizes[0])))
static const int fanin_n[] = {8, 64};
#define NFANIN 2
#define FANIN_ITEMS 200000u     /* messages per fan-in row, all producers together */

static uint64_t scaled(uint64_t n)
{
	double v = (double)n * opt.scale / (opt.quick ? 50.0 : 1.0);

	return v < 64 ? 64 : (uint64_t)v;
}

/* ---- processes ---- */

typedef struct ctl {
	uint32_t ready;
	uint32_t pad0[15];
	uint64_t t_start, t_end;
	double p50_ns, p99_ns;
	uint64_t errors[MAX_PRODUCERS + 1];
} ctl;

/* A barrier for more processes than CPUs (65 on two): the waiters sleep on
 * the count (a futex on the shared page), the last to come wakes them. The
 * count only grows, so a second barrier waits for 2 x parties. */
static void barrier(ctl *c, uint32_t parties)
{
	/* B1: pairs with B2 in every other party: what each did before is seen after */
	uint32_t v = __atomic_add_fetch(&c->ready, 1, __ATOMIC_ACQ_REL);
	struct timespec tick = {0, 50000000};

	if (v == parties) {
		syscall(SYS_futex, &c->ready, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
		return;
	}
	/* B2: pairs with B1; the timeout covers a wake that came between the load and the wait */
	while ((v = __atomic_load_n(&c->ready, __ATOMIC_ACQUIRE)) < parties)
		syscall(SYS_futex, &c->ready, FUTEX_WAIT, v, &tick, NULL, 0);
}

/* Runs fn(0..n-1, arg) in n forked processes; 0 when all exited 0. */
static int run_procs(int n, void (*fn)(int who, void *arg), void *arg)
{
	pid_t pid[MAX_PRODUCERS + 1];
	int i, status, rc = 0, started = 0;

	fflush(NULL);
	for (i = 0; i < n; i++) {
		pid[i] = fork();
		if (pid[i] < 0) {
			rc = -1;
			break;
		}
		if (pid[i] == 0) {
			fn(i, arg);
			_exit(0);
		}
		started++;
	}
	for (i = 0; i < started; i++)
		if (waitpid(pid[i], &status, 0) != pid[i] || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = -1;
	return rc;
}

typedef struct row_result {
	double mmsg, gbps, p50, p99;
	uint64_t errors;
	int ran;
} row_result;

/* --selftest-corrupt spoils one byte of message 7 of this row at 64 B */
static int corrupt_here(int r, uint32_t len, uint64_t k)
{
	return opt.selftest_corrupt && r == ROW_CHAN_BUSY && len == 64 && k == 7;
}

/* ---- throughput: one producer (cpu[0]) to one consumer (cpu[1]) ---- */

typedef struct tput_ctx {
	int r;
	const size_case *sc;
	uint64_t items;
	ipclink *l;
	ctl *c;
} tput_ctx;

static void tput_proc(int who, void *arg)
{
	tput_ctx *x = (tput_ctx *)arg;
	const xport *t = &rows[x->r];
	unsigned char *buf = (unsigned char *)malloc(x->sc->bytes);
	uint64_t k, errors = 0;
	uint32_t got;
	patience w;
	int ok;

	bench_pin(opt.cpu[who]);
	ok = buf && t->open(x->l, who == 0, 0) == 0;
	barrier(x->c, 2);
	patience_start(&w);
	if (!ok) {
		errors++;
	} else if (who == 0) {
		x->c->t_start = bench_now_ns();
		for (k = 1; k <= x->items; k++) {
			twoproc_fill(buf, x->sc->bytes, k);
			if (corrupt_here(x->r, x->sc->bytes, k))
				buf[x->sc->bytes - 1] ^= 1;
			if (t->send(x->l, buf, x->sc->bytes, &w) != 0) {
				errors++;
				break;
			}
		}
		t->finish(x->l, 1);
	} else {
		for (k = 1; k <= x->items; k++) {
			if (t->recv(x->l, buf, &got, &w) != 0) {
				errors++;
				break;
			}
			errors += (uint64_t)twoproc_bad(buf, got, x->sc->bytes, k);
		}
		x->c->t_end = bench_now_ns();
	}
	/* the producer has finished before the consumer looks for more */
	barrier(x->c, 4);
	if (ok && who == 1)
		errors += (uint64_t)t->nothing_after(x->l);
	x->c->errors[who] = errors;
	free(buf);
}

static row_result run_tput(int r, const size_case *sc, char *why, size_t whylen)
{
	row_result out;
	tput_ctx x;
	ipclink l;

	memset(&out, 0, sizeof(out));
	link_clear(&l);
	out.errors = 1;
	x.r = r;
	x.sc = sc;
	x.items = scaled(sc->items) * (rows[r].shm ? 4u : 1u); /* the fast rows run longer: tens of ms at least */
	x.l = &l;
	x.c = (ctl *)bench_map(sizeof(ctl));
	if (x.c && rows[r].create(&l, sc->bytes, why, whylen) == 0 && run_procs(2, tput_proc, &x) == 0) {
		double s = (double)(x.c->t_end - x.c->t_start) / 1e9;

		out.errors = x.c->errors[0] + x.c->errors[1];
		out.mmsg = (double)x.items / s / 1e6;
		out.gbps = (double)x.items * sc->bytes / s / 1e9;
		out.ran = 1;
	}
	rows[r].destroy(&l);
	bench_unmap(x.c, sizeof(ctl));
	return out;
}

/* ---- round trip: message k to the echoer over one link and back over another ---- */

typedef struct rtt_ctx {
	int r;
	const size_case *sc;
	uint64_t rounds;
	ipclink *l;                /* l[0]: pinger to echoer, l[1]: back */
	ctl *c;
} rtt_ctx;

static void rtt_proc(int who, void *arg)
{
	rtt_ctx *x = (rtt_ctx *)arg;
	const xport *t = &rows[x->r];
	unsigned char *buf = (unsigned char *)malloc(x->sc->bytes);
	ipclink *out = &x->l[who], *in = &x->l[1 - who];
	uint64_t k, errors = 0;
	uint32_t got, len = x->sc->bytes;
	patience w;
	int ok;

	bench_pin(opt.cpu[who]);
	ok = buf && t->open(out, 1, 0) == 0 && t->open(in, 0, 0) == 0;
	barrier(x->c, 2);
	patience_start(&w);
	if (!ok) {
		errors++;
	} else if (who == 0) {
		uint64_t *stamps = (uint64_t *)calloc((size_t)x->rounds + 1, sizeof(uint64_t));

		for (k = 1; k <= x->rounds; k++) {
			if (stamps)
				stamps[k - 1] = bench_ticks();
			twoproc_fill(buf, len, k);
			if (t->send(out, buf, len, &w) != 0 || t->recv(in, buf, &got, &w) != 0) {
				errors++;
				break;
			}
			errors += (uint64_t)twoproc_bad(buf, got, len, k);
		}
		if (stamps && k > x->rounds) {
			stamps[x->rounds] = bench_ticks();
			bench_rtt_stats(stamps, (size_t)x->rounds, (size_t)(x->rounds / 100), opt.ticks_per_ns,
			                &x->c->p50_ns, &x->c->p99_ns);
		} else {
			errors++;
		}
		free(stamps);
	} else {
		/* the echoer checks message k and sends those same bytes back */
		for (k = 1; k <= x->rounds; k++) {
			if (t->recv(in, buf, &got, &w) != 0) {
				errors++;
				break;
			}
			errors += (uint64_t)twoproc_bad(buf, got, len, k);
			if (t->send(out, buf, len, &w) != 0) {
				errors++;
				break;
			}
		}
	}
	if (ok)
		t->finish(out, 1);
	barrier(x->c, 4);
	if (ok)
		errors += (uint64_t)t->nothing_after(in);
	x->c->errors[who] = errors;
	free(buf);
}

static row_result run_rtt(int r, const size_case *sc, char *why, size_t whylen)
{
	row_result out;
	rtt_ctx x;
	ipclink l[2];

	memset(&out, 0, sizeof(out));
	link_clear(&l[0]);
	link_clear(&l[1]);
	out.errors = 1;
	x.r = r;
	x.sc = sc;
	x.rounds = scaled(sc->rounds);
	x.l = l;
	x.c = (ctl *)bench_map(sizeof(ctl));
	if (x.c && rows[r].create(&l[0], sc->bytes, why, whylen) == 0 &&
	    rows[r].create(&l[1], sc->bytes, why, whylen) == 0 && run_procs(2, rtt_proc, &x) == 0) {
		out.errors = x.c->errors[0] + x.c->errors[1];
		out.p50 = x.c->p50_ns;
		out.p99 = x.c->p99_ns;
		out.ran = 1;
	}
	rows[r].destroy(&l[0]);
	rows[r].destroy(&l[1]);
	bench_unmap(x.c, sizeof(ctl));
	return out;
}

/* ---- fan-in: n producers (all on cpu[0]), each on its own link, one consumer (cpu[1]) ----
 * Producer i sends per_producer messages of 64 bytes, message k keyed
 * ((i + 1) << 40) | k. The consumer waits in one epoll set (rows with an fd)
 * or polls the links round robin, and reassembles each link's bytes (a byte
 * stream may split a message), checking every producer's sequence. */

typedef struct fanin_ctx {
	int r, n;
	uint64_t per_producer;
	ipclink *l;
	ctl *c;
} fanin_ctx;

static uint64_t fanin_key(int i, uint64_t k)
{
	return ((uint64_t)(i + 1) << 40) | k;
}

static void fanin_producer(fanin_ctx *x, int i, uint64_t *errors)
{
	const xport *t = &rows[x->r];
	unsigned char buf[FANIN_SIZE];
	patience w;
	uint64_t k;

	patience_start(&w);
	for (k = 1; k <= x->per_producer; k++) {
		twoproc_fill(buf, FANIN_SIZE, fanin_key(i, k));
		if (t->wait_fd || !t->try_send) {
			if (t->send(&x->l[i], buf, FANIN_SIZE, &w) != 0) {
				(*errors)++;
				return;
			}
			continue;
		}
		/* busy rows: try, and yield the CPU the producers share when full */
		for (;;) {
			int st = t->try_send(&x->l[i], buf, FANIN_SIZE);

			if (st == 1)
				break;
			if (st != 0 || !patience_left(&w)) {
				(*errors)++;
				return;
			}
			sched_yield();
		}
	}
}

typedef struct asm_state {
	unsigned char part[FANIN_SIZE];
	uint32_t have;
	uint64_t next;          /* the next k expected */
} asm_state;

/* Feeds the bytes that came from producer i; counts the messages completed. */
static void fanin_feed(asm_state *a, int i, const unsigned char *p, uint32_t n, uint64_t *done, uint64_t *errors)
{
	while (n) {
		uint32_t take = FANIN_SIZE - a->have < n ? FANIN_SIZE - a->have : n;

		memcpy(a->part + a->have, p, take);
		a->have += take;
		p += take;
		n -= take;
		if (a->have == FANIN_SIZE) {
			*errors += (uint64_t)twoproc_bad(a->part, FANIN_SIZE, FANIN_SIZE, fanin_key(i, a->next));
			a->next++;
			a->have = 0;
			(*done)++;
		}
	}
}

/* Serves link id after a wake-up: what is there now, up to 16 messages (the
 * others get their turn); a link whose messages have all come is not read
 * again. 1: more may be there (16 read, or for a row with arm a message came
 * while arming), 0: nothing more (armed, or done), -1: an error. */
static int fanin_serve(fanin_ctx *x, asm_state *a, int id, int ep, unsigned char *buf, uint64_t *done,
                       uint64_t *errors)
{
	const xport *t = &rows[x->r];
	uint32_t got, m;
	int rr = 1;

	for (m = 0; m < 16 && a[id].next <= x->per_producer; m++) {
		rr = t->try_recv(&x->l[id], buf, &got);
		if (rr <= 0)
			break;
		fanin_feed(&a[id], id, buf, got, done, errors);
	}
	if (rr < 0)
		return -1;
	if (a[id].next > x->per_producer && a[id].have == 0) {
		epoll_ctl(ep, EPOLL_CTL_DEL, t->wait_fd(&x->l[id]), NULL);
		return 0;
	}
	if (!t->arm)
		return 0; /* level-triggered: epoll reports it again while bytes wait */
	if (rr == 1)
		return 1;
	rr = t->arm(&x->l[id]); /* empty: arm before the next sleep */
	return rr < 0 ? -1 : rr == 0 ? 1 : 0;
}

static void fanin_consumer(fanin_ctx *x, uint64_t *errors)
{
	const xport *t = &rows[x->r];
	asm_state *a = (asm_state *)calloc((size_t)x->n, sizeof(asm_state));
	unsigned char *buf = (unsigned char *)malloc(65536);
	uint64_t total = x->per_producer * (uint64_t)x->n, done = 0, deadline = bench_now_ns() + TWOPROC_STUCK_NS;
	int i, ep = -1;

	if (!a || !buf) {
		(*errors)++;
		goto out;
	}
	for (i = 0; i < x->n; i++)
		a[i].next = 1;
	if (t->any) {
		/* one fan-in set: recv_any sleeps on every channel's word at once (futex_waitv) */
		shmprim_channel_consumer *cs[MAX_PRODUCERS];
		shmprim_channel_fanin f;

		for (i = 0; i < x->n; i++)
			cs[i] = &x->l[i].c;
		if (shmprim_channel_fanin_init(&f, cs, (uint32_t)x->n, 0) != SHMPRIM_OK) {
			(*errors)++;
			goto out;
		}
		while (done < total) {
			uint32_t got = 0, idx = SHMPRIM_FANIN_NONE;
			shmprim_status st = shmprim_channel_recv_any(&f, buf, 65536, &got, &idx, WAIT_NS, NULL);

			if (st == SHMPRIM_ERR_END && idx < (uint32_t)x->n && a[idx].next == x->per_producer + 1)
				continue; /* a producer that has sent everything closed: retired */
			if (st != SHMPRIM_OK || idx >= (uint32_t)x->n || got != FANIN_SIZE ||
			    a[idx].next > x->per_producer || bench_now_ns() > deadline) {
				(*errors)++;
				break;
			}
			fanin_feed(&a[idx], (int)idx, buf, got, &done, errors);
		}
	} else if (t->wait_fd) {
		struct epoll_event ev[MAX_PRODUCERS];
		/* rows with arm: links to serve before sleeping (all, at first: messages
		 * may have come before the first arm) */
		unsigned char more[MAX_PRODUCERS];
		int nmore = t->arm ? x->n : 0;

		memset(more, t->arm ? 1 : 0, sizeof(more));
		ep = epoll_create1(0);
		for (i = 0; i < x->n && ep >= 0; i++) {
			struct epoll_event e;

			memset(&e, 0, sizeof(e));
			e.events = EPOLLIN;
			e.data.u32 = (uint32_t)i;
			if (epoll_ctl(ep, EPOLL_CTL_ADD, t->wait_fd(&x->l[i]), &e) != 0)
				break;
		}
		if (ep < 0 || i < x->n) {
			(*errors)++;
			goto out;
		}
		while (done < total) {
			int nev = epoll_wait(ep, ev, MAX_PRODUCERS, nmore ? 0 : 1000), j;

			if (nev < 0 && errno != EINTR) {
				(*errors)++;
				break;
			}
			if (bench_now_ns() > deadline) {
				(*errors)++;
				break;
			}
			for (j = 0; j < nev; j++) {
				int id = (int)ev[j].data.u32;

				if (t->arm) {
					more[id] = 1; /* served in the sweep below, once */
					continue;
				}
				if (fanin_serve(x, a, id, ep, buf, &done, errors) < 0) {
					(*errors)++;
					goto out;
				}
			}
			for (i = 0, nmore = 0; t->arm && i < x->n; i++) {
				int rr;

				if (!more[i])
					continue;
				rr = fanin_serve(x, a, i, ep, buf, &done, errors);
				if (rr < 0) {
					(*errors)++;
					goto out;
				}
				more[i] = (unsigned char)rr;
				nmore += rr;
			}
		}
	} else {
		uint32_t spins = 0;

		while (done < total) {
			int any = 0;

			for (i = 0; i < x->n; i++) {
				uint32_t got, m;
				int rr;

				for (m = 0; m < 32 && a[i].next <= x->per_producer; m++) {
					rr = t->try_recv(&x->l[i], buf, &got);
					if (rr < 0) {
						(*errors)++;
						goto out;
					}
					if (rr == 0)
						break;
					any = 1;
					if (got != FANIN_SIZE)
						(*errors)++;
					fanin_feed(&a[i], i, buf, FANIN_SIZE, &done, errors);
				}
			}
			if (!any) {
				bench_relax();
				if (++spins % 4096u == 0 && bench_now_ns() > deadline) {
					(*errors)++;
					break;
				}
			}
		}
	}
	/* every producer's sequence complete, and none longer */
	for (i = 0; i < x->n; i++)
		if (a[i].next != x->per_producer + 1 || a[i].have != 0)
			(*errors)++;
out:
	x->c->t_end = bench_now_ns();
	if (ep >= 0)
		close(ep);
	free(a);
	free(buf);
}

static void fanin_proc(int who, void *arg)
{
	fanin_ctx *x = (fanin_ctx *)arg;
	const xport *t = &rows[x->r];
	uint64_t errors = 0;
	int i, ok = 1, parties = x->n + 1;

	if (who < x->n) {
		bench_pin(opt.cpu[0]);
		ok = t->open(&x->l[who], 1, 1) == 0;
		barrier(x->c, (uint32_t)parties);
		if (!ok)
			errors++;
		else
			fanin_producer(x, who, &errors);
		if (ok)
			t->finish(&x->l[who], 1);
		barrier(x->c, 2u * (uint32_t)parties);
	} else {
		bench_pin(opt.cpu[1]);
		for (i = 0; i < x->n && ok; i++)
			ok = t->open(&x->l[i], 0, 1) == 0;
		barrier(x->c, (uint32_t)parties);
		x->c->t_start = bench_now_ns();
		if (!ok)
			errors++;
		else
			fanin_consumer(x, &errors);
		barrier(x->c, 2u * (uint32_t)parties);
		for (i = 0; i < x->n && ok; i++)
			errors += (uint64_t)t->nothing_after(&x->l[i]);
	}
	x->c->errors[who] = errors;
}

static row_result run_fanin(int r, int n, char *why, size_t whylen)
{
	row_result out;
	fanin_ctx x;
	ipclink *l = (ipclink *)calloc((size_t)n, sizeof(ipclink));
	int i, made = 0;

	memset(&out, 0, sizeof(out));
	out.errors = 1;
	x.r = r;
	x.n = n;
	x.per_producer = scaled(FANIN_ITEMS) / (uint64_t)n;
	x.l = l;
	x.c = (ctl *)bench_map(sizeof(ctl));
	if (l && x.c) {
		for (i = 0; i < n; i++)
			link_clear(&l[i]);
		for (made = 0; made < n; made++)
			if (rows[r].create(&l[made], FANIN_SIZE, why, whylen) != 0) {
				made++;
				break;
			}
		if (made == n && run_procs(n + 1, fanin_proc, &x) == 0) {
			double s = (double)(x.c->t_end - x.c->t_start) / 1e9;

			out.errors = 0;
			for (i = 0; i <= n; i++)
				out.errors += x.c->errors[i];
			out.mmsg = (double)(x.per_producer * (uint64_t)n) / s / 1e6;
			out.gbps = out.mmsg * FANIN_SIZE / 1e3;
			out.ran = 1;
		}
	}
	for (i = 0; i < made; i++)
		rows[r].destroy(&l[i]);
	free(l);
	bench_unmap(x.c, sizeof(ctl));
	return out;
}

/* ---- memcpy of 16 KiB blocks, one core (cpu[1], the consumer's) ----
 * hot: one 16 KiB block to another, both in the core's caches; ring: 16 KiB
 * blocks to successive places of a 256 KiB area (a channel's data area) from
 * one source, as a producer copying into the channel does. The last copy's
 * bytes are checked. GB/s. */

static double memcpy_gbps(int ring, uint64_t *errors)
{
	const size_t blk = 16384, area = ring ? ROOM_BYTES : blk;
	/* one page-aligned block: the source at its start, the destination 1 KiB
	 * past a page boundary after it, so that no load aliases a store's page
	 * offset (4K aliasing would slow the copy, as malloc's placement did) */
	unsigned char *base = (unsigned char *)bench_map(blk + 1024 + area), *src = base, *dst = base + blk + 1024;
	uint64_t n = 0, t0, t1, k;
	size_t off = 0;

	if (!base) {
		(*errors)++;
		return 0;
	}
	memset(dst, 0, area);
	twoproc_fill(src, (uint32_t)blk, 1);
	t0 = bench_now_ns();
	do {
		for (k = 0; k < 64; k++) {
			src[0] = (unsigned char)n; /* each copy its own first byte: the copy cannot be hoisted */
			memcpy(dst + off, src, blk);
			__asm__ __volatile__("" : : "r"(dst) : "memory");
			off = (off + blk) % area;
			n++;
		}
		t1 = bench_now_ns();
	} while (t1 - t0 < (opt.quick ? 5000000u : 50000000u));
	src[0] = 1;
	memcpy(dst, src, blk);
	*errors += (uint64_t)twoproc_bad(dst, (uint32_t)blk, (uint32_t)blk, 1);
	bench_unmap(base, blk + 1024 + area);
	return (double)n * blk / (double)(t1 - t0);
}

/* ---- the run ---- */

#define MAX_PASSES TWOPROC_MAX_PASSES
static row_result tput_res[MAX_PASSES][NSIZES][NROWS];
static row_result rtt_res[MAX_PASSES][NSIZES][NROWS];
static row_result fanin_res[MAX_PASSES][NFANIN][NROWS];
static double memcpy_res[MAX_PASSES][2];
static uint64_t memcpy_err[MAX_PASSES];
static double pass_bounce[MAX_PASSES];
static char absent_why[NROWS][256];
static int keep[MAX_PASSES];
static int npass, warmups;
static FILE *json_out;
static int failed;

static void json_row(const char *wl, const char *impl, const char *backend, const char *param, trio t,
                     const char *unit)
{
	if (json_out && t.n > 0)
		fprintf(json_out,
		        "{\"workload\": \"%s\", \"impl\": \"%s\", \"backend\": \"%s\", \"param\": \"%s\", "
		        "\"median\": %.4g, \"min\": %.4g, \"max\": %.4g, \"unit\": \"%s\"}\n",
		        wl, impl, backend, param, t.med, t.lo, t.hi, unit);
}

static const char *verdict(row_result *const res[], int *row_failed)
{
	int p;

	*row_failed = 0;
	for (p = 0; p < npass; p++)
		if (!res[p]->ran || res[p]->errors) {
			*row_failed = 1;
			failed = 1;
			return res[p]->ran ? "FAILED (data did not verify)" : "FAILED (could not run)";
		}
	return "verified";
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: shmprim-ipcbench [--runs N] [--scale F] [--cpus A,B] [--quick] [--tables LIST] [--json FILE] "
	        "[--selftest-corrupt]\n"
	        "  --runs N            measured passes after one warm-up pass (1..%d, default 3)\n"
	        "  --scale F           multiply every message and round-trip count (default 1)\n"
	        "  --cpus A,B          the producer's and the consumer's CPU (default 0,1); fan-in\n"
	        "                      producers all run on A\n"
	        "  --quick             counts / 50, no warm-up pass (the bench test suite)\n"
	        "  --tables LIST       a subset of tput,rtt,fanin (default all three)\n"
	        "  --json FILE         one JSON object per result line (bench/README.md), for\n"
	        "                      bench/plot-json and bench/ipc-ratios\n"
	        "  --selftest-corrupt  the busy channel's producer spoils one byte of one 64 B message:\n"
	        "                      that row must come out FAILED (exit 1)\n",
	        MAX_PASSES - 1);
}

static int parse(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *endp;

		if (strcmp(a, "--quick") == 0) {
			opt.quick = 1;
		} else if (strcmp(a, "--selftest-corrupt") == 0) {
			opt.selftest_corrupt = 1;
		} else if (strcmp(a, "--tables") == 0 && i + 1 < argc) {
			char list[64], *tok, *save = NULL;

			snprintf(list, sizeof(list), "%s", argv[++i]);
			opt.tables = 0;
			for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (strcmp(tok, "tput") == 0)
					opt.tables |= TABLE_TPUT;
				else if (strcmp(tok, "rtt") == 0)
					opt.tables |= TABLE_RTT;
				else if (strcmp(tok, "fanin") == 0)
					opt.tables |= TABLE_FANIN;
				else
					return -1;
			}
			if (!opt.tables)
				return -1;
		} else if (strcmp(a, "--json") == 0 && i + 1 < argc) {
			opt.json = argv[++i];
		} else if (strcmp(a, "--runs") == 0 && i + 1 < argc) {
			long n = strtol(argv[++i], &endp, 10);

			if (*endp || n < 1 || n >= MAX_PASSES)
				return -1;
			opt.runs = (int)n;
		} else if (strcmp(a, "--scale") == 0 && i + 1 < argc) {
			opt.scale = strtod(argv[++i], &endp);
			if (*endp || !(opt.scale > 0) || opt.scale > 100)
				return -1;
		} else if (strcmp(a, "--cpus") == 0 && i + 1 < argc) {
			if (sscanf(argv[++i], "%d,%d", &opt.cpu[0], &opt.cpu[1]) != 2 || opt.cpu[0] < 0 ||
			    opt.cpu[1] < 0 || opt.cpu[0] == opt.cpu[1])
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

/* A row is in the run unless it is a slot or was not built; a create that
 * failed (mq_open refused, say) makes it absent too, with why. */
static int in_run(int r)
{
	return !rows[r].absent && !absent_why[r][0];
}

static void run_pass(int p)
{
	int s, r, f;
	char why[256];

	pass_bounce[p] = twoproc_bounce(opt.cpu[0], opt.cpu[1], opt.ticks_per_ns);
	printf("pass %d%s: bare cache-line bounce %.0f ns round trip\n", p, p < warmups ? " (warm-up)" : "",
	       pass_bounce[p]);
	bench_pin(opt.cpu[1]);
	memcpy_res[p][0] = memcpy_gbps(0, &memcpy_err[p]);
	memcpy_res[p][1] = memcpy_gbps(1, &memcpy_err[p]);
	for (s = 0; s < NSIZES && (opt.tables & TABLE_TPUT); s++)
		for (r = 0; r < NROWS; r++)
			if (in_run(r) && ONE_TO_ONE(r)) {
				why[0] = 0;
				tput_res[p][s][r] = run_tput(r, &sizes[s], why, sizeof(why));
				if (why[0])
					snprintf(absent_why[r], sizeof(absent_why[r]), "%s", why);
			}
	for (s = 0; s < NSIZES && (opt.tables & TABLE_RTT); s++)
		for (r = 0; r < NROWS; r++)
			if (in_run(r) && ONE_TO_ONE(r))
				rtt_res[p][s][r] = run_rtt(r, &sizes[s], why, sizeof(why));
	for (f = 0; f < NFANIN && (opt.tables & TABLE_FANIN); f++)
		for (r = 0; r < NROWS; r++)
			if (in_run(r) && rows[r].fanin) {
				why[0] = 0;
				fanin_res[p][f][r] = run_fanin(r, fanin_n[f], why, sizeof(why));
				if (why[0])
					snprintf(absent_why[r], sizeof(absent_why[r]), "%s", why);
			}
}

static trio pick(const row_result *res, size_t stride, int what)
{
	double v[MAX_PASSES];
	int p;

	for (p = 0; p < npass; p++) {
		const row_result *x = (const row_result *)((const char *)res + (size_t)p * stride);

		v[p] = what == 0 ? x->mmsg : what == 1 ? x->gbps : what == 2 ? x->p50 : x->p99;
	}
	return trio_of(v, keep, npass);
}

static void report_rows(void)
{
	int s, r, f, p, bad;
	char param[64];

	printf("\nthroughput, one producer process to one consumer process, median [min - max] over the kept passes\n");
	printf("%-7s %-26s %26s %26s  %s\n", "size", "impl", "Mmsg/s", "GB/s", "data");
	for (s = 0; s < NSIZES && (opt.tables & TABLE_TPUT); s++)
		for (r = 0; r < NROWS; r++) {
			row_result *res[MAX_PASSES];
			const char *v;
			trio tm, tg;

			if (!in_run(r) || !ONE_TO_ONE(r))
				continue;
			for (p = 0; p < npass; p++)
				res[p] = &tput_res[p][s][r];
			v = verdict(res, &bad);
			tm = pick(&tput_res[0][s][r], sizeof(tput_res[0]), 0);
			tg = pick(&tput_res[0][s][r], sizeof(tput_res[0]), 1);
			printf("%-7s %-26s %8.3f [%6.3f - %6.3f] %8.3f [%6.3f - %6.3f]  %s\n", sizes[s].name, rows[r].impl,
			       tm.med, tm.lo, tm.hi, tg.med, tg.lo, tg.hi, v);
			if (!bad) {
				snprintf(param, sizeof(param), "size=%u", sizes[s].bytes);
				json_row("ipc-tput", rows[r].impl, backend_of(r), param, tm, "Mmsg/s");
				json_row("ipc-gbps", rows[r].impl, backend_of(r), param, tg, "GB/s");
			}
		}

	printf("\nround trip, message k out over one link and back over another, ns, median [min - max] over the kept "
	       "passes\n");
	printf("%-7s %-26s %26s %26s  %s\n", "size", "impl", "p50", "p99", "data");
	for (s = 0; s < NSIZES && (opt.tables & TABLE_RTT); s++)
		for (r = 0; r < NROWS; r++) {
			row_result *res[MAX_PASSES];
			const char *v;
			trio t50, t99;

			if (!in_run(r) || !ONE_TO_ONE(r))
				continue;
			for (p = 0; p < npass; p++)
				res[p] = &rtt_res[p][s][r];
			v = verdict(res, &bad);
			t50 = pick(&rtt_res[0][s][r], sizeof(rtt_res[0]), 2);
			t99 = pick(&rtt_res[0][s][r], sizeof(rtt_res[0]), 3);
			printf("%-7s %-26s %8.0f [%6.0f - %6.0f] %8.0f [%6.0f - %6.0f]  %s\n", sizes[s].name, rows[r].impl,
			       t50.med, t50.lo, t50.hi, t99.med, t99.lo, t99.hi, v);
			if (!bad) {
				snprintf(param, sizeof(param), "size=%u p50", sizes[s].bytes);
				json_row("ipc-rtt", rows[r].impl, backend_of(r), param, t50, "ns");
				snprintf(param, sizeof(param), "size=%u p99", sizes[s].bytes);
				json_row("ipc-rtt", rows[r].impl, backend_of(r), param, t99, "ns");
			}
		}

	printf("\nfan-in, %u-byte messages, N producer processes (cpu%d) each on its own link to one consumer (cpu%d),\n"
	       "epoll for the rows with an fd, one recv_any set for futex_waitv, round robin polling for the others;\n"
	       "Mmsg/s, median [min - max]\n",
	       FANIN_SIZE, opt.cpu[0], opt.cpu[1]);
	printf("%-13s %-26s %26s  %s\n", "producers", "impl", "Mmsg/s", "data");
	for (f = 0; f < NFANIN && (opt.tables & TABLE_FANIN); f++)
		for (r = 0; r < NROWS; r++) {
			row_result *res[MAX_PASSES];
			const char *v;
			trio tm;

			if (!in_run(r) || !rows[r].fanin)
				continue;
			for (p = 0; p < npass; p++)
				res[p] = &fanin_res[p][f][r];
			v = verdict(res, &bad);
			tm = pick(&fanin_res[0][f][r], sizeof(fanin_res[0]), 0);
			printf("%-13d %-26s %8.3f [%6.3f - %6.3f]  %s\n", fanin_n[f], rows[r].impl, tm.med, tm.lo, tm.hi, v);
			if (!bad) {
				snprintf(param, sizeof(param), "producers=%d", fanin_n[f]);
				json_row("ipc-fanin", rows[r].impl, backend_of(r), param, tm, "Mmsg/s");
			}
		}
}

/* The targets, as ratios taken pass by pass in this run. */
/* cmp NULL: a ratio shown beside the targets, with none of its own */
static void ratio_line(const char *what, const double *v, const char *cmp, double limit)
{
	trio t = trio_of(v, keep, npass);
	char param[160];
	int met;

	if (t.n == 0) {
		if (cmp)
			printf("%-72s %8s   (target %s %.2f)\n", what, "n/a", cmp, limit);
		else
			printf("%-72s %8s\n", what, "n/a");
		return;
	}
	if (!cmp) {
		printf("%-72s %7.2fx [%5.2f - %5.2f]  (no target)\n", what, t.med, t.lo, t.hi);
		json_row("targets", "ratio", "-", what, t, "x");
		return;
	}
	met = cmp[0] == '>' ? t.med >= limit : t.med <= limit;
	printf("%-72s %7.2fx [%5.2f - %5.2f]  target %s %.2f: %s\n", what, t.med, t.lo, t.hi, cmp, limit,
	       met ? "met" : "MISSED");
	snprintf(param, sizeof(param), "%s (%s %.2f)", what, cmp, limit);
	json_row("targets", "ratio", "-", param, t, "x");
}

static void report_targets(void)
{
	static const int peers[] = {0, 1, 2, 3, 4}; /* pipe, stream, seqpacket, mq, Boost */
	double v[MAX_PASSES];
	int p, s, i;
	char what[128];

	printf("\ntargets (issue 17), ratios per pass, median [min - max] over the kept passes\n");
	for (i = 0; i < 2; i++) {
		int r = i ? ROW_CHAN_FUTEX : ROW_CHAN_BUSY;

		for (p = 0; p < npass; p++) {
			double best = 0;
			size_t q;

			for (q = 0; q < sizeof(peers) / sizeof(peers[0]); q++)
				if (in_run(peers[q]) && tput_res[p][0][peers[q]].mmsg > best)
					best = tput_res[p][0][peers[q]].mmsg;
			v[p] = best > 0 ? tput_res[p][0][r].mmsg / best : 0;
		}
		snprintf(what, sizeof(what), "64 B msgs/s, %s / best of pipe, AF_UNIX, mq, Boost", rows[r].impl);
		ratio_line(what, v, ">=", 10);
	}
	for (i = 0; i < 3; i++) {
		int r = i == 0 ? ROW_CHAN_BUSY : i == 1 ? ROW_CHAN_FD : ROW_CHAN_FUTEX;
		double limit = i == 0 ? 0.2 : 1.0;

		for (p = 0; p < npass; p++)
			v[p] = in_run(r) && rtt_res[p][0][1].p50 > 0 ? rtt_res[p][0][r].p50 / rtt_res[p][0][1].p50 : 0;
		snprintf(what, sizeof(what), "64 B round trip p50, %s / AF_UNIX stream", rows[r].impl);
		/* the issue names busy waiting and the fd; the futex waits are shown beside them */
		ratio_line(what, v, i == 2 ? NULL : "<=", limit);
	}
	for (s = 0; s < NSIZES; s++) {
		for (p = 0; p < npass; p++)
			v[p] = tput_res[p][s][ROW_SLAB].mmsg > 0 ? tput_res[p][s][ROW_CHAN_BUSY].mmsg /
			                                               tput_res[p][s][ROW_SLAB].mmsg
			                                         : 0;
		snprintf(what, sizeof(what), "%s msgs/s, shmprim channel busy / ring+slab busy", sizes[s].name);
		ratio_line(what, v, ">=", 0.9);
	}
	/* fan-in: the epoll fd and futex_waitv rows against the best fd row served
	 * through epoll (the issue names no target: shown beside them) */
	for (s = 0; s < NFANIN && (opt.tables & TABLE_FANIN); s++)
		for (i = 0; i < 2; i++) {
			int r = i ? ROW_WAITV : ROW_CHAN_FD;

			for (p = 0; p < npass; p++) {
				double best = 0;
				int q;

				for (q = 0; q < 4; q++) /* pipe, stream, seqpacket, mq (Boost has no fan-in) */
					if (in_run(q) && fanin_res[p][s][q].mmsg > best)
						best = fanin_res[p][s][q].mmsg;
				v[p] = best > 0 && in_run(r) ? fanin_res[p][s][r].mmsg / best : 0;
			}
			snprintf(what, sizeof(what), "fan-in %d msgs/s, %s / best of pipe, AF_UNIX, mq",
			         fanin_n[s], rows[r].impl);
			ratio_line(what, v, NULL, 0);
		}
	for (i = 0; i < 2; i++) {
		for (p = 0; p < npass; p++)
			v[p] = memcpy_res[p][i] > 0 ? tput_res[p][2][ROW_CHAN_BUSY].gbps / memcpy_res[p][i] : 0;
		snprintf(what, sizeof(what), "16 KiB GB/s, shmprim channel busy / memcpy 16 KiB %s",
		         i ? "into 256 KiB" : "hot");
		ratio_line(what, v, ">=", 0.5);
	}
}

int main(int argc, char **argv)
{
	int p, r, i, nkept;
	double mode_bounce;
	cpu_set_t saved;
	trio tb;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse(argc, argv) != 0) {
		usage();
		return 2;
	}
	if (sched_getaffinity(0, sizeof(saved), &saved) != 0 || bench_pin(opt.cpu[0]) != 0 || bench_pin(opt.cpu[1]) != 0) {
		fprintf(stderr, "shmprim-ipcbench: cannot pin to cpu%d and cpu%d: skipped\n", opt.cpu[0], opt.cpu[1]);
		return 77;
	}
	sched_setaffinity(0, sizeof(saved), &saved);
	if (opt.json && !(json_out = fopen(opt.json, "w"))) {
		fprintf(stderr, "shmprim-ipcbench: cannot write %s: %s\n", opt.json, strerror(errno));
		return 2;
	}
	opt.ticks_per_ns = twoproc_calibrate_ticks();
	/* pass 0 is the warm-up, discarded; --quick (a data check) has none */
	warmups = opt.quick ? 0 : 1;
	npass = opt.runs + warmups;

	printf("shmprim-ipcbench: IPC between processes, producer cpu%d, consumer cpu%d, atomics backend %s\n",
	       opt.cpu[0], opt.cpu[1], shmprim_backend_name());
	printf("  room about %u KiB per link (channel data area, ring+slab slots, Boost queue); pipe and sockets "
	       "at the system's defaults;\n  POSIX mq at the unprivileged limits: %ld messages of at most %ld bytes "
	       "(/proc/sys/fs/mqueue), longer messages in pieces\n",
	       ROOM_BYTES / 1024u, mq_msg_max(), mq_msgsize_max());
	printf("  futex_waitv: %s\n", shmprim_futex_waitv_supported() ? "supported (the fan-in set sleeps in it)"
	                                                                 : "not supported: the fan-in set's polling fallback");
	printf("  %d measured passes%s, every row once per pass\n", opt.runs, opt.quick ? "" : " after a warm-up");
	for (p = 0; p < npass; p++)
		run_pass(p);

	nkept = twoproc_keep(pass_bounce, warmups, npass, keep, &mode_bounce);
	printf("\nbare cache-line bounce: median %.0f ns over the measured passes (%s mode); kept %d of %d passes "
	       "(bounce within 1.5x of it)\n",
	       mode_bounce, mode_bounce > 150 ? "slow" : "fast", nkept, opt.runs);
	tb = trio_of(pass_bounce, keep, npass);
	if (json_out)
		fprintf(json_out,
		        "{\"workload\": \"bounce-check\", \"impl\": \"bounce floor\", \"backend\": \"-\", \"param\": "
		        "\"ipcbench passes\", \"median\": %.4g, \"min\": %.4g, \"max\": %.4g, \"unit\": \"ns\"}\n",
		        tb.med, tb.lo, tb.hi);
	{
		static const char *const mname[2] = {"16 KiB hot", "16 KiB into 256 KiB"};

		int bad = 0;

		for (p = 0; p < npass; p++)
			bad |= memcpy_err[p] != 0;
		failed |= bad;
		for (i = 0; i < 2; i++) {
			double v[MAX_PASSES];
			trio t;

			for (p = 0; p < npass; p++)
				v[p] = memcpy_res[p][i];
			t = trio_of(v, keep, npass);
			printf("memcpy %-20s %8.2f GB/s [%5.2f - %5.2f]  %s\n", mname[i], t.med, t.lo, t.hi,
			       bad ? "FAILED (data did not verify)" : "verified");
			json_row("memcpy", "memcpy", "-", mname[i], t, "GB/s");
		}
	}
	report_rows();
	report_targets();

	printf("\nabsent:");
	for (r = i = 0; r < NROWS; r++)
		if (!in_run(r)) {
			const char *why = rows[r].absent ? rows[r].absent : absent_why[r];

			printf("\n  %s: %s", rows[r].impl, why);
			if (json_out)
				fprintf(json_out,
				        "{\"workload\": \"absent\", \"impl\": \"%s\", \"backend\": \"%s\", \"param\": \"\", "
				        "\"reason\": \"%s\"}\n",
				        rows[r].impl, backend_of(r), why);
			i++;
		}
	printf("%s\n", i ? "" : " none");
	if (json_out)
		fclose(json_out);
	if (failed)
		fprintf(stderr, "shmprim-ipcbench: a row failed (see the data column)\n");
	return failed ? 1 : 0;
}
