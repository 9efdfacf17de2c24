/*
 * The readiness fds' Linux plumbing (src/ready_fd.h): a bell is an end of an
 * AF_UNIX SOCK_SEQPACKET pair; the fd to poll is an epoll set over the
 * side's bell end and the peer's pidfd. The protocol over them, and why a
 * socket end rather than an eventfd, is src/ready.c's and docs/events.md's.
 * The model build compiles none of this (backends/model/ready_model.h).
 */
#define _GNU_SOURCE

#include "ready_fd.h"

#if !defined(SHMPRIM_ATOMICS_MODEL)

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <shmprim/claim.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* the same number on every architecture */
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define TAG_BELL 1u
#define TAG_PIDFD 2u
/* Bytes one arm drains at most: a flood leaves the fd readable (spurious). */
#define DRAIN_MAX 64

int sp_rfd_bell_pair(int ends[2])
{
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends);
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

shmprim_status sp_rfd_open(shmprim_ready *r, int bell, int peer_pidfd)
{
	int saved;

	if (bell < 0 || !is_bell(bell))
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	if (peer_pidfd >= 0 && !is_pidfd(peer_pidfd))
		return SHMPRIM_ERR_INVALID_ARGUMENT;
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
	sp_rfd_close(r);
	errno = saved;
	return SHMPRIM_ERR_SYSTEM;
}

void sp_rfd_close(shmprim_ready *r)
{
	if (r->pidfd >= 0)
		close(r->pidfd);
	if (r->bell >= 0)
		close(r->bell);
	if (r->fd >= 0)
		close(r->fd);
	r->fd = r->bell = r->pidfd = -1;
	r->bell_in_set = 0;
}

void sp_rfd_ring(shmprim_ready *r)
{
	/* EAGAIN: the peer's queue is full, so its fd is readable already;
	 * EPIPE: its end is closed, nobody to wake. Neither blocks. */
	(void)send(r->bell, "", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

unsigned sp_rfd_poll(shmprim_ready *r)
{
	struct epoll_event ev[2];
	unsigned ready = 0;
	int n, i;

	n = epoll_wait(r->fd, ev, 2, 0);
	r->arm_syscalls++;
	for (i = 0; i < n; i++) {
		if (ev[i].data.u32 == TAG_BELL)
			ready |= SP_RFD_BELL;
		else if (ev[i].data.u32 == TAG_PIDFD)
			ready |= SP_RFD_PID;
	}
	return ready;
}

/* At most DRAIN_MAX messages. At EOF (the peer's end closed) the end leaves
 * the set: it would read ready for ever. */
void sp_rfd_drain(shmprim_ready *r)
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

void sp_rfd_unwatch(shmprim_ready *r)
{
	if (r->pidfd < 0)
		return;
	(void)epoll_ctl(r->fd, EPOLL_CTL_DEL, r->pidfd, NULL);
	close(r->pidfd);
	r->pidfd = -1;
	r->arm_syscalls += 2;
}

/* Verified to be of that process: alive after pidfd_open, so its pid was
 * not reused. */
void sp_rfd_watch(shmprim_ready *r, uint64_t w)
{
	long fd = syscall(SYS_pidfd_open, (pid_t)shmprim_proc_token_pid(w), 0);

	r->arm_syscalls++;
	if (fd < 0)
		return; /* exited already, or no pidfds: the protocol asks /proc */
	if (shmprim_proc_liveness(w) != SHMPRIM_ALIVE || set_add(r->fd, (int)fd, TAG_PIDFD) != 0) {
		close((int)fd);
		return;
	}
	r->pidfd = (int)fd;
	r->arm_syscalls += 2;
}

#else

typedef int sp_ready_fd_model_build; /* the model's stand-in: backends/model/ready_model.h */

#endif
