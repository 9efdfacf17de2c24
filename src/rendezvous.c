/* The rendezvous: a policy-checked hand-over of a sealed memfd over AF_UNIX
 * (include/shmprim/rendezvous.h; the wire format in rendezvous_wire.h). */
#define _GNU_SOURCE /* struct ucred, accept4, MSG_CMSG_CLOEXEC, F_GET_SEALS */

#include "rendezvous_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77 /* Linux 6.5; older kernels answer ENOPROTOOPT */
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

#define RV_MAX_FDS (1u + SHMPRIM_RV_MAX_EXTRA_FDS)
#define SIZE_SEALS (F_SEAL_SHRINK | F_SEAL_GROW)

uint64_t rv_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t deadline_after(uint64_t timeout_ns)
{
	uint64_t now = rv_now_ns();

	return timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
}

static shmprim_status sys_fail(int *sys_errno, const char **sys_call, const char *call)
{
	*sys_errno = errno;
	*sys_call = call;
	return SHMPRIM_ERR_SYSTEM;
}

/* 1 when fd is ready for events (or in error: the next call reports it),
 * 0 once the deadline has passed, -1 on a poll failure (errno). */
static int wait_for(int fd, short events, uint64_t deadline)
{
	for (;;) {
		uint64_t now = rv_now_ns(), left;
		struct pollfd p;
		int ms, r;

		left = now >= deadline ? 0 : (deadline - now + 999999) / 1000000;
		ms = left > (uint64_t)INT_MAX ? INT_MAX : (int)left;
		p.fd = fd;
		p.events = events;
		p.revents = 0;
		r = poll(&p, 1, ms);
		if (r > 0)
			return 1;
		if (r == 0) {
			if (rv_now_ns() >= deadline)
				return 0;
			continue;
		}
		if (errno != EINTR)
			return -1;
	}
}

static void close_fds(int *fds, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		close(fds[i]);
		fds[i] = -1;
	}
}

void shmprim_peer_id_close(shmprim_peer_id *id)
{
	if (!id)
		return;
	if (id->pidfd >= 0)
		close(id->pidfd);
	id->pidfd = -1;
	id->pidfd_source = SHMPRIM_PIDFD_NONE;
}

/* The kernel's record of the peer: uid, gid, pid at connect (or listen), and
 * a pidfd: SO_PEERPIDFD pins the very process; where the kernel lacks it,
 * pidfd_open(pid) is the best left (the pid may have been reused if the
 * peer died meanwhile, which pidfd_source tells the caller). */
static int peer_id_of(int sock, shmprim_peer_id *id)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	int pfd = -1;
	socklen_t plen = sizeof(pfd);

	memset(id, 0, sizeof(*id));
	id->pidfd = -1;
	id->pidfd_source = SHMPRIM_PIDFD_NONE;
	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0)
		return -1;
	if (len != sizeof(uc)) {
		errno = EPROTO;
		return -1;
	}
	id->uid = (uint32_t)uc.uid;
	id->gid = (uint32_t)uc.gid;
	id->pid = (int32_t)uc.pid;
	if (getsockopt(sock, SOL_SOCKET, SO_PEERPIDFD, &pfd, &plen) == 0 && plen == sizeof(pfd) && pfd >= 0) {
		id->pidfd = pfd;
		id->pidfd_source = SHMPRIM_PIDFD_FROM_SOCKET;
	} else if (uc.pid > 0) {
		pfd = (int)syscall(SYS_pidfd_open, (int)uc.pid, 0); /* close-on-exec by definition */
		if (pfd >= 0) {
			id->pidfd = pfd;
			id->pidfd_source = SHMPRIM_PIDFD_FROM_PID;
		}
	}
	return 0;
}

static int policy_ok(const shmprim_rv_policy *p)
{
	return !p || ((p->n_uids == 0 || p->uids) && (p->n_gids == 0 || p->gids));
}

static int allowed(const shmprim_rv_policy *p, const shmprim_peer_id *id)
{
	unsigned i;

	if (!p || (p->n_uids == 0 && p->n_gids == 0 && !p->check))
		return id->uid == (uint32_t)geteuid();
	for (i = 0; i < p->n_uids; i++)
		if (p->uids[i] == id->uid)
			return 1;
	for (i = 0; i < p->n_gids; i++)
		if (p->gids[i] == id->gid)
			return 1;
	return p->check && p->check(id, p->check_arg) != 0;
}

static void msg_make(rv_msg *m, unsigned kind, unsigned n_fds, uint64_t size, uint64_t tag)
{
	memset(m, 0, sizeof(*m));
	m->magic = RV_MAGIC;
	m->version = RV_VERSION;
	m->kind = (uint16_t)kind;
	m->n_fds = n_fds;
	m->size = size;
	m->tag = tag;
}

static shmprim_status send_msg(int sock, const rv_msg *m, const int *fds, unsigned n, uint64_t deadline,
                               int *sys_errno, const char **sys_call)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * RV_MAX_FDS)];
		struct cmsghdr align;
	} c;
	struct iovec iov;
	struct msghdr h;

	memset(&h, 0, sizeof(h));
	iov.iov_base = (void *)m;
	iov.iov_len = sizeof(*m);
	h.msg_iov = &iov;
	h.msg_iovlen = 1;
	if (n) {
		struct cmsghdr *cm;

		memset(&c, 0, sizeof(c));
		h.msg_control = c.buf;
		h.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		cm = CMSG_FIRSTHDR(&h);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	}
	for (;;) {
		ssize_t r = sendmsg(sock, &h, MSG_NOSIGNAL | MSG_DONTWAIT);
		int w;

		if (r == (ssize_t)sizeof(*m))
			return SHMPRIM_OK;
		if (r >= 0)
			return SHMPRIM_ERR_PROTOCOL; /* a record is all or nothing; not seen */
		if (errno == EINTR)
			continue;
		if (errno == EPIPE || errno == ECONNRESET)
			return SHMPRIM_ERR_PROTOCOL; /* the peer left mid-handshake */
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return sys_fail(sys_errno, sys_call, "sendmsg");
		w = wait_for(sock, POLLOUT, deadline);
		if (w == 0)
			return SHMPRIM_ERR_TIMED_OUT;
		if (w < 0)
			return sys_fail(sys_errno, sys_call, "poll");
	}
}

/* One record: exactly RV_MSG_SIZE bytes into *m and up to RV_MAX_FDS fds
 * (close-on-exec) into fds. Any fd that arrived is either returned or closed,
 * on every path. */
static shmprim_status recv_msg(int sock, rv_msg *m, int *fds, unsigned *n_fds, uint64_t deadline,
                               int *sys_errno, const char **sys_call)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * RV_MAX_FDS)];
		struct cmsghdr align;
	} c;
	unsigned char data[RV_MSG_SIZE + 1]; /* one more: a longer record is MSG_TRUNC anyway */
	struct iovec iov;
	struct msghdr h;
	struct cmsghdr *cm;
	int too_many = 0, resets = 0;
	ssize_t r;

	*n_fds = 0;
	for (;;) {
		int w = wait_for(sock, POLLIN, deadline);

		if (w == 0)
			return SHMPRIM_ERR_TIMED_OUT;
		if (w < 0)
			return sys_fail(sys_errno, sys_call, "poll");
		memset(&h, 0, sizeof(h));
		iov.iov_base = data;
		iov.iov_len = sizeof(data);
		h.msg_iov = &iov;
		h.msg_iovlen = 1;
		h.msg_control = c.buf;
		h.msg_controllen = sizeof(c.buf);
		r = recvmsg(sock, &h, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (r >= 0)
			break;
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			continue;
		/* A peer that closed with our record unread leaves ECONNRESET
		 * pending, reported before the records it sent: read on. */
		if (errno == ECONNRESET && ++resets == 1)
			continue;
		if (errno == ECONNRESET)
			return SHMPRIM_ERR_PROTOCOL;
		return sys_fail(sys_errno, sys_call, "recvmsg");
	}
	/* Take every fd before judging the record, so that no path leaks one. */
	for (cm = CMSG_FIRSTHDR(&h); cm; cm = CMSG_NXTHDR(&h, cm)) {
		size_t k, i;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len < CMSG_LEN(0))
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (*n_fds < RV_MAX_FDS) {
				fds[(*n_fds)++] = fd;
			} else {
				close(fd);
				too_many = 1;
			}
		}
	}
	/* Closed early (0 bytes), short, long (MSG_TRUNC), or with fds the
	 * kernel could not fit (MSG_CTRUNC: it has closed those itself). */
	if (too_many || r != (ssize_t)RV_MSG_SIZE || (h.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		close_fds(fds, *n_fds);
		*n_fds = 0;
		return SHMPRIM_ERR_PROTOCOL;
	}
	memcpy(m, data, RV_MSG_SIZE);
	return SHMPRIM_OK;
}

/* Magic, version and the fields every kind shares. */
static shmprim_status check_header(const rv_msg *m, unsigned n_fds_received)
{
	if (m->magic != RV_MAGIC)
		return SHMPRIM_ERR_PROTOCOL;
	if (m->version != RV_VERSION)
		return SHMPRIM_ERR_BAD_VERSION;
	if (m->reserved != 0 || m->n_fds != n_fds_received)
		return SHMPRIM_ERR_PROTOCOL;
	return SHMPRIM_OK;
}

shmprim_status rv_server_handshake(int conn, const shmprim_rv_policy *policy, const shmprim_rv_offer *offer,
                                   uint64_t deadline_ns, shmprim_peer_id *client, int *sys_errno,
                                   const char **sys_call)
{
	int fds[RV_MAX_FDS];
	shmprim_peer_id id;
	shmprim_status st;
	unsigned n, i;
	rv_msg m;

	if (peer_id_of(conn, &id) != 0)
		return sys_fail(sys_errno, sys_call, "getsockopt(SO_PEERCRED)");
	/* A peer the policy does not allow is answered before anything it sent
	 * is parsed. */
	if (!allowed(policy, &id)) {
		msg_make(&m, RV_REFUSE, 0, 0, 0);
		(void)send_msg(conn, &m, NULL, 0, deadline_ns, sys_errno, sys_call); /* best effort */
		st = SHMPRIM_ERR_PEER_REFUSED;
		goto out;
	}
	st = recv_msg(conn, &m, fds, &n, deadline_ns, sys_errno, sys_call);
	if (st != SHMPRIM_OK)
		goto out;
	st = check_header(&m, n);
	if (st == SHMPRIM_OK && (m.kind != RV_HELLO || n != 0 || m.size != 0 || m.tag != 0))
		st = SHMPRIM_ERR_PROTOCOL;
	close_fds(fds, n); /* a hello carries none */
	if (st != SHMPRIM_OK)
		goto out;
	fds[0] = offer->shm->fd;
	for (i = 0; i < offer->n_extra; i++)
		fds[1 + i] = offer->extra_fds[i];
	msg_make(&m, RV_OFFER, 1 + offer->n_extra, offer->shm->len, offer->tag);
	st = send_msg(conn, &m, fds, 1 + offer->n_extra, deadline_ns, sys_errno, sys_call);
out:
	if (client && (st == SHMPRIM_OK || st == SHMPRIM_ERR_PEER_REFUSED))
		*client = id;
	else
		shmprim_peer_id_close(&id);
	return st;
}

/* The region fd from an offer: a regular file with both size seals, of the
 * size announced, mapped into out->shm. */
static shmprim_status take_region(int fd, uint64_t size, unsigned shm_flags, shmprim_rv_client *out)
{
	struct stat sb;
	shmprim_status st;

	if (fstat(fd, &sb) != 0)
		return sys_fail(&out->sys_errno, &out->sys_call, "fstat");
	if (!S_ISREG(sb.st_mode))
		return SHMPRIM_ERR_NOT_SEALED; /* a pipe, socket, device...: not a memfd */
	st = shmprim_shm_open_fd(&out->shm, fd, shm_flags & ~SHMPRIM_SHM_ALLOW_UNSEALED);
	if (st == SHMPRIM_ERR_SYSTEM) {
		out->sys_errno = out->shm.sys_errno;
		out->sys_call = out->shm.sys_call;
	}
	if (st == SHMPRIM_ERR_REGION_TOO_SMALL || st == SHMPRIM_ERR_INVALID_ARGUMENT)
		st = SHMPRIM_ERR_PROTOCOL; /* empty or oversized: not what was announced */
	if (st == SHMPRIM_OK && (uint64_t)out->shm.len != size) {
		shmprim_shm_close(&out->shm);
		st = SHMPRIM_ERR_PROTOCOL;
	}
	return st;
}

shmprim_status rv_client_handshake(int conn, const shmprim_rv_policy *policy, uint64_t deadline_ns,
                                   unsigned shm_flags, shmprim_rv_client *out)
{
	int fds[RV_MAX_FDS];
	shmprim_status st;
	unsigned n, i;
	rv_msg m;

	if (peer_id_of(conn, &out->server) != 0)
		return sys_fail(&out->sys_errno, &out->sys_call, "getsockopt(SO_PEERCRED)");
	if (!allowed(policy, &out->server))
		return SHMPRIM_ERR_PEER_REFUSED;
	msg_make(&m, RV_HELLO, 0, 0, 0);
	st = send_msg(conn, &m, NULL, 0, deadline_ns, &out->sys_errno, &out->sys_call);
	/* PROTOCOL: the server has closed already, maybe after a refusal that
	 * is still there to read. */
	if (st != SHMPRIM_OK && st != SHMPRIM_ERR_PROTOCOL)
		return st;
	st = recv_msg(conn, &m, fds, &n, deadline_ns, &out->sys_errno, &out->sys_call);
	if (st != SHMPRIM_OK)
		return st;
	st = check_header(&m, n);
	if (st == SHMPRIM_OK) {
		if (m.kind == RV_REFUSE)
			st = n == 0 && m.size == 0 && m.tag == 0 ? SHMPRIM_ERR_PEER_REFUSED : SHMPRIM_ERR_PROTOCOL;
		else if (m.kind != RV_OFFER || n == 0 || m.size == 0 || m.size > (uint64_t)SHMPRIM_SHM_MAX_SIZE)
			st = SHMPRIM_ERR_PROTOCOL;
	}
	if (st == SHMPRIM_OK)
		st = take_region(fds[0], m.size, shm_flags, out);
	if (st != SHMPRIM_OK) {
		close_fds(fds, n);
		return st;
	}
	close(fds[0]); /* open_fd mapped its own duplicate */
	for (i = 1; i < n; i++)
		out->extra_fds[i - 1] = fds[i];
	out->n_extra = n - 1;
	out->tag = m.tag;
	return SHMPRIM_OK;
}

/* "@name" (abstract) or a path, as a sockaddr. */
static shmprim_status address_of(const char *address, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n;

	if (!address)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	n = strlen(address);
	if (n == 0 || n > SHMPRIM_RV_ADDRESS_MAX || (address[0] == '@' && n < 2))
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (address[0] == '@') {
		/* Abstract: a leading NUL, then exactly the name's bytes (no terminator). */
		memcpy(sa->sun_path + 1, address + 1, n - 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		memcpy(sa->sun_path, address, n + 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
	return SHMPRIM_OK;
}

static void server_reset(shmprim_rv_server *s)
{
	s->fd = -1;
	s->path[0] = '\0';
	s->sys_errno = 0;
	s->sys_call = NULL;
}

shmprim_status shmprim_rv_listen(shmprim_rv_server *out, const char *address)
{
	struct sockaddr_un sa;
	socklen_t len;
	shmprim_status st;

	if (!out)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	server_reset(out);
	st = address_of(address, &sa, &len);
	if (st != SHMPRIM_OK)
		return st;
	/* SEQPACKET: records keep their boundaries, so a short or long one shows. */
	out->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (out->fd < 0)
		return sys_fail(&out->sys_errno, &out->sys_call, "socket");
	if (bind(out->fd, (const struct sockaddr *)&sa, len) != 0) {
		st = sys_fail(&out->sys_errno, &out->sys_call, "bind");
		close(out->fd);
		out->fd = -1;
		return st;
	}
	if (address[0] != '@')
		memcpy(out->path, address, strlen(address) + 1);
	if (listen(out->fd, 64) != 0) {
		st = sys_fail(&out->sys_errno, &out->sys_call, "listen");
		shmprim_rv_server_close(out);
		out->sys_call = "listen";
		return st;
	}
	return SHMPRIM_OK;
}

static shmprim_status offer_ok(const shmprim_rv_offer *o)
{
	unsigned i;
	int seals;

	if (!o || !o->shm || (o->n_extra && !o->extra_fds))
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (o->shm->fd < 0 || o->shm->len == 0 || o->n_extra > SHMPRIM_RV_MAX_EXTRA_FDS)
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	for (i = 0; i < o->n_extra; i++)
		if (o->extra_fds[i] < 0)
			return SHMPRIM_ERR_INVALID_ARGUMENT;
	/* The client would refuse it: say so here, where the mistake is. */
	seals = fcntl(o->shm->fd, F_GET_SEALS);
	if (seals < 0 || (seals & SIZE_SEALS) != SIZE_SEALS)
		return SHMPRIM_ERR_NOT_SEALED;
	return SHMPRIM_OK;
}

shmprim_status shmprim_rv_accept(shmprim_rv_server *srv, const shmprim_rv_policy *policy,
                                 const shmprim_rv_offer *offer, uint64_t timeout_ns, shmprim_peer_id *client)
{
	uint64_t deadline = deadline_after(timeout_ns);
	shmprim_status st;
	int conn;

	if (client) {
		memset(client, 0, sizeof(*client));
		client->pidfd = -1;
	}
	if (!srv)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (srv->fd < 0 || !policy_ok(policy))
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	st = offer_ok(offer);
	if (st != SHMPRIM_OK)
		return st;
	for (;;) {
		int w;

		conn = accept4(srv->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (conn >= 0)
			break;
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return sys_fail(&srv->sys_errno, &srv->sys_call, "accept4");
		w = wait_for(srv->fd, POLLIN, deadline);
		if (w == 0)
			return SHMPRIM_ERR_TIMED_OUT;
		if (w < 0)
			return sys_fail(&srv->sys_errno, &srv->sys_call, "poll");
	}
	st = rv_server_handshake(conn, policy, offer, deadline, client, &srv->sys_errno, &srv->sys_call);
	close(conn);
	return st;
}

shmprim_status shmprim_rv_server_close(shmprim_rv_server *srv)
{
	shmprim_status st = SHMPRIM_OK;

	if (!srv)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (srv->fd >= 0 && close(srv->fd) != 0)
		st = sys_fail(&srv->sys_errno, &srv->sys_call, "close");
	srv->fd = -1;
	if (srv->path[0] && unlink(srv->path) != 0 && errno != ENOENT && st == SHMPRIM_OK)
		st = sys_fail(&srv->sys_errno, &srv->sys_call, "unlink");
	srv->path[0] = '\0';
	return st;
}

static void client_reset(shmprim_rv_client *c)
{
	unsigned i;

	memset(c, 0, sizeof(*c));
	c->shm.fd = -1;
	for (i = 0; i < SHMPRIM_RV_MAX_EXTRA_FDS; i++)
		c->extra_fds[i] = -1;
	c->server.pidfd = -1;
}

shmprim_status shmprim_rv_connect(shmprim_rv_client *out, const char *address, const shmprim_rv_policy *policy,
                                  uint64_t timeout_ns, unsigned shm_flags)
{
	uint64_t deadline = deadline_after(timeout_ns);
	struct sockaddr_un sa;
	socklen_t len;
	shmprim_status st;
	int sock;

	if (!out)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	client_reset(out);
	st = address_of(address, &sa, &len);
	if (st != SHMPRIM_OK)
		return st;
	if (!policy_ok(policy))
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0)
		return sys_fail(&out->sys_errno, &out->sys_call, "socket");
	/* A non-blocking AF_UNIX connect completes at once, or says EAGAIN while
	 * the server's backlog is full. */
	while (connect(sock, (const struct sockaddr *)&sa, len) != 0) {
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			st = sys_fail(&out->sys_errno, &out->sys_call, "connect");
			close(sock);
			return st;
		}
		if (rv_now_ns() >= deadline) {
			close(sock);
			return SHMPRIM_ERR_TIMED_OUT;
		}
		usleep(1000);
	}
	st = rv_client_handshake(sock, policy, deadline, shm_flags, out);
	close(sock);
	if (st != SHMPRIM_OK)
		shmprim_peer_id_close(&out->server); /* uid/gid/pid stay readable */
	return st;
}

shmprim_status shmprim_rv_client_close(shmprim_rv_client *c)
{
	shmprim_status st;
	unsigned i;

	if (!c)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = shmprim_shm_close(&c->shm);
	for (i = 0; i < SHMPRIM_RV_MAX_EXTRA_FDS; i++) {
		if (c->extra_fds[i] >= 0)
			close(c->extra_fds[i]);
		c->extra_fds[i] = -1;
	}
	c->n_extra = 0;
	shmprim_peer_id_close(&c->server);
	return st;
}
