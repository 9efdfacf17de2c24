/* The rendezvous: who is let in (uid policies, both sides), and every way a
 * bad peer can misbehave, each answered by its status within its deadline,
 * with no fd left behind. Fake peers speak the wire format by hand. */
#include "ipc_common.h"

#include <shmprim/rendezvous.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/rendezvous_wire.h"

#define PAGE 4096u
#define MS 1000000ull
#define STALL_TIMEOUT (200 * MS)

TestSuite(rv, .timeout = 60);

static void addr_for(char *buf, size_t n, const char *what)
{
	static unsigned counter;

	snprintf(buf, n, "@shmprim-rv-%d-%s-%s-%u", (int)getpid(), shmprim_backend_name(), what, counter++);
}

static int fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

static int exit_code(pid_t pid)
{
	int status;

	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "child status 0x%x", status);
	return WEXITSTATUS(status);
}

static void become_nobody(void)
{
	if (setgid(HOST_NOBODY_UID) != 0 || setuid(HOST_NOBODY_UID) != 0)
		_exit(100);
}

static shmprim_shm make_region(size_t len)
{
	shmprim_shm s;

	CR_REQUIRE(host_lacks_memfd());
	cr_assert_eq(shmprim_shm_create_memfd(&s, "rv", len, 0), SHMPRIM_OK);
	return s;
}

/* A client in a child: connects (as nobody, it lets a root server in), and
 * exits with the status, or 0 after checking what it got and writing a
 * mark into the region. */
static pid_t spawn_client(const char *addr, int as_nobody, uint64_t tag)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		uint32_t root = 0;
		shmprim_rv_policy root_ok = { &root, 1, NULL, 0, NULL, NULL };
		shmprim_rv_client c;
		shmprim_status st;

		if (as_nobody)
			become_nobody();
		st = shmprim_rv_connect(&c, addr, as_nobody ? &root_ok : NULL, 5000 * MS, 0);
		if (st != SHMPRIM_OK)
			_exit(st);
		if (c.tag != tag || c.shm.len != 2 * PAGE || c.server.pid != getppid() || c.n_extra != 0 ||
		    c.server.uid != (as_nobody ? 0 : geteuid()))
			_exit(101);
		((volatile uint32_t *)c.shm.base)[7] = 0xFEED;
		shmprim_rv_client_close(&c);
		_exit(0);
	}
	return pid;
}

static void listen_on(shmprim_rv_server *srv, char *addr, size_t n, const char *what)
{
	addr_for(addr, n, what);
	cr_assert_eq(shmprim_rv_listen(srv, addr), SHMPRIM_OK, "%s", strerror(srv->sys_errno));
}

Test(rv, same_uid_gets_the_region_and_both_learn_who)
{
	shmprim_shm s = make_region(2 * PAGE);
	shmprim_rv_server srv;
	shmprim_rv_offer offer = { &s, 0x1234, NULL, 0 };
	shmprim_peer_id who;
	char addr[108];
	int fds = fd_count();
	pid_t child;

	listen_on(&srv, addr, sizeof(addr), "ok");
	child = spawn_client(addr, 0, 0x1234);
	cr_assert_eq(shmprim_rv_accept(&srv, NULL, &offer, 5000 * MS, &who), SHMPRIM_OK);
	cr_assert_eq(who.pid, child);
	cr_assert_eq(who.uid, geteuid());
	cr_assert_eq(who.gid, getegid());
	cr_assert_eq(exit_code(child), 0);
	cr_assert_eq(((volatile uint32_t *)s.base)[7], 0xFEED, "the client wrote through the same memory");
	shmprim_peer_id_close(&who);
	cr_assert_eq(who.pidfd, -1);
	cr_assert_eq(shmprim_rv_server_close(&srv), SHMPRIM_OK);
	cr_assert_eq(shmprim_shm_close(&s), SHMPRIM_OK);
	cr_assert_eq(fd_count(), fds - 1, "only the region's fd was ours to close"); /* make_region's fd */
}

/* The pidfd names the peer: its fdinfo's Pid line (Linux 5.x+ prints it). */
Test(rv, peer_pidfd_names_the_peer)
{
	shmprim_shm s = make_region(2 * PAGE);
	shmprim_rv_server srv;
	shmprim_rv_offer offer = { &s, 0, NULL, 0 };
	shmprim_peer_id who;
	char addr[108], path[64], line[128];
	FILE *f;
	int pid_seen = -1;
	pid_t child;

	listen_on(&srv, addr, sizeof(addr), "pidfd");
	child = spawn_client(addr, 0, 0);
	cr_assert_eq(shmprim_rv_accept(&srv, NULL, &offer, 5000 * MS, &who), SHMPRIM_OK);
	if (who.pidfd < 0) {
		exit_code(child);
		cr_skip_test("neither SO_PEERPIDFD nor pidfd_open here (kernel before 5.3)");
	}
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", who.pidfd);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pid: %d", &pid_seen) == 1)
			break;
	fclose(f);
	cr_assert_eq(pid_seen, child, "pidfd from %s", who.pidfd_source == SHMPRIM_PIDFD_FROM_SOCKET ? "SO_PEERPIDFD"
	                                                                                           : "pidfd_open");
	/* Where the kernel has SO_PEERPIDFD (6.5+), the race-free one must be used. */
	{
		int sv[2], pfd = -1;
		socklen_t len = sizeof(pfd);

		cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
		if (getsockopt(sv[0], SOL_SOCKET, 77 /* SO_PEERPIDFD */, &pfd, &len) == 0) {
			close(pfd);
			cr_assert_eq(who.pidfd_source, SHMPRIM_PIDFD_FROM_SOCKET);
		} else {
			cr_assert_eq(who.pidfd_source, SHMPRIM_PIDFD_FROM_PID);
		}
		close(sv[0]);
		close(sv[1]);
	}
	cr_assert_eq(exit_code(child), 0);
	shmprim_peer_id_close(&who);
	shmprim_rv_server_close(&srv);
	shmprim_shm_close(&s);
}

static uint32_t nobody_list[] = { 12345, HOST_NOBODY_UID };

static int allow_pid(const shmprim_peer_id *peer, void *arg)
{
	return peer->pid == *(pid_t *)arg;
}

static int deny_all(const shmprim_peer_id *peer, void *arg)
{
	(void)peer;
	(void)arg;
	return 0;
}

/* A client running as another uid (nobody), against each kind of server policy. */
static void nobody_client(const shmprim_rv_policy *policy, shmprim_status want_server, int want_client_exit)
{
	shmprim_shm s = make_region(2 * PAGE);
	shmprim_rv_server srv;
	shmprim_rv_offer offer = { &s, 0, NULL, 0 };
	shmprim_peer_id who;
	char addr[108];
	int fds = fd_count(), code;
	pid_t child;

	CR_REQUIRE(host_lacks_setuid_nobody());
	listen_on(&srv, addr, sizeof(addr), "nobody");
	child = spawn_client(addr, 1, 0);
	cr_assert_eq(shmprim_rv_accept(&srv, policy, &offer, 5000 * MS, &who), want_server);
	code = exit_code(child);
	if (code == 100)
		cr_skip_test("setuid(nobody) refused here");
	cr_assert_eq(code, want_client_exit, "client: %s", shmprim_status_str((shmprim_status)code));
	cr_assert_eq(who.uid, HOST_NOBODY_UID, "the refused peer is still named");
	cr_assert_eq(who.pid, child);
	shmprim_peer_id_close(&who);
	shmprim_rv_server_close(&srv);
	shmprim_shm_close(&s);
	cr_assert_eq(fd_count(), fds - 1);
}

Test(rv, another_uid_is_refused_by_default)
{
	nobody_client(NULL, SHMPRIM_ERR_PEER_REFUSED, SHMPRIM_ERR_PEER_REFUSED);
}

Test(rv, another_uid_is_refused_by_a_list_without_it)
{
	uint32_t others[] = { 0, 1000 };
	shmprim_rv_policy p = { others, 2, others, 2, NULL, NULL };

	nobody_client(&p, SHMPRIM_ERR_PEER_REFUSED, SHMPRIM_ERR_PEER_REFUSED);
}

Test(rv, another_uid_is_accepted_by_a_uid_list)
{
	shmprim_rv_policy p = { nobody_list, 2, NULL, 0, NULL, NULL };

	nobody_client(&p, SHMPRIM_OK, 0);
}

Test(rv, another_uid_is_accepted_by_a_gid_list)
{
	shmprim_rv_policy p = { NULL, 0, nobody_list, 2, NULL, NULL };

	nobody_client(&p, SHMPRIM_OK, 0);
}

Test(rv, a_callback_decides)
{
	shmprim_rv_policy p = { NULL, 0, NULL, 0, deny_all, NULL };

	nobody_client(&p, SHMPRIM_ERR_PEER_REFUSED, SHMPRIM_ERR_PEER_REFUSED);
}

Test(rv, a_callback_sees_the_pid)
{
	shmprim_shm s = make_region(2 * PAGE);
	shmprim_rv_server srv;
	shmprim_rv_offer offer = { &s, 0, NULL, 0 };
	pid_t child, wrong = 1;
	shmprim_rv_policy p = { NULL, 0, NULL, 0, allow_pid, &wrong };
	char addr[108];

	listen_on(&srv, addr, sizeof(addr), "cb");
	child = spawn_client(addr, 0, 0);
	cr_assert_eq(shmprim_rv_accept(&srv, &p, &offer, 5000 * MS, NULL), SHMPRIM_ERR_PEER_REFUSED,
	             "the callback alone decides: same uid is not enough");
	cr_assert_eq(exit_code(child), SHMPRIM_ERR_PEER_REFUSED);
	child = spawn_client(addr, 0, 0);
	p.check_arg = &child;
	cr_assert_eq(shmprim_rv_accept(&srv, &p, &offer, 5000 * MS, NULL), SHMPRIM_OK);
	cr_assert_eq(exit_code(child), 0);
	shmprim_rv_server_close(&srv);
	shmprim_shm_close(&s);
}

/* The client checks the server too: a server running as nobody. */
static int nobody_server(const shmprim_rv_policy *client_policy)
{
	char addr[108];
	int ready[2], code;
	pid_t child;
	shmprim_rv_client c;
	shmprim_status st;
	char b;

	CR_REQUIRE(host_lacks_memfd());
	CR_REQUIRE(host_lacks_setuid_nobody());
	addr_for(addr, sizeof(addr), "nobody-server");
	cr_assert_eq(pipe(ready), 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		shmprim_rv_server srv;
		shmprim_shm s;
		shmprim_rv_offer offer = { &s, 0, NULL, 0 };
		uint32_t root = 0;
		shmprim_rv_policy p = { &root, 1, NULL, 0, NULL, NULL };

		become_nobody();
		if (shmprim_shm_create_memfd(&s, "rv", 2 * PAGE, 0) != SHMPRIM_OK || shmprim_rv_listen(&srv, addr) != SHMPRIM_OK)
			_exit(102);
		if (write(ready[1], "r", 1) != 1)
			_exit(103);
		st = shmprim_rv_accept(&srv, &p, &offer, 5000 * MS, NULL);
		_exit(st == SHMPRIM_OK || st == SHMPRIM_ERR_PROTOCOL ? 0 : st);
	}
	close(ready[1]);
	if (read(ready[0], &b, 1) != 1) {
		close(ready[0]);
		code = exit_code(child);
		if (code == 100)
			cr_skip_test("setuid(nobody) refused here");
		cr_assert_fail("server child exited %d", code);
	}
	close(ready[0]);
	st = shmprim_rv_connect(&c, addr, client_policy, 5000 * MS, 0);
	cr_assert_eq(c.server.uid, HOST_NOBODY_UID);
	cr_assert_eq(c.server.pid, child);
	shmprim_rv_client_close(&c);
	cr_assert_eq(exit_code(child), 0);
	return st;
}

Test(rv, client_refuses_a_server_of_another_uid_by_default)
{
	cr_assert_eq(nobody_server(NULL), SHMPRIM_ERR_PEER_REFUSED);
}

Test(rv, client_accepts_a_server_uid_it_lists)
{
	shmprim_rv_policy p = { nobody_list, 2, NULL, 0, NULL, NULL };

	cr_assert_eq(nobody_server(&p), SHMPRIM_OK);
}

Test(rv, filesystem_path_works_and_close_unlinks_it)
{
	shmprim_shm s = make_region(2 * PAGE);
	shmprim_rv_server srv, dup;
	shmprim_rv_offer offer = { &s, 0, NULL, 0 };
	char dir[] = "/tmp/shmprim-rv-XXXXXX", path[108];
	pid_t child;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sock", dir);
	cr_assert_eq(shmprim_rv_listen(&srv, path), SHMPRIM_OK);
	cr_assert_eq(shmprim_rv_listen(&dup, path), SHMPRIM_ERR_SYSTEM, "a path in use");
	cr_assert_eq(dup.sys_errno, EADDRINUSE);
	cr_assert_str_eq(dup.sys_call, "bind");
	cr_assert_eq(dup.fd, -1);
	child = spawn_client(path, 0, 0);
	cr_assert_eq(shmprim_rv_accept(&srv, NULL, &offer, 5000 * MS, NULL), SHMPRIM_OK);
	cr_assert_eq(exit_code(child), 0);
	cr_assert_eq(shmprim_rv_server_close(&srv), SHMPRIM_OK);
	cr_assert_eq(access(path, F_OK), -1, "the socket file is gone");
	cr_assert_eq(shmprim_rv_server_close(&srv), SHMPRIM_OK, "closing twice is a no-op");
	cr_assert_eq(rmdir(dir), 0);
	shmprim_shm_close(&s);
}

Test(rv, arguments_are_checked)
{
	shmprim_shm s = make_region(PAGE), plain;
	shmprim_rv_server srv;
	shmprim_rv_client c;
	int fds[5] = { 0, 0, 0, 0, 0 }, bad = -1;
	shmprim_rv_offer offer = { &s, 0, fds, 5 };
	char addr[108], longname[200];
	int memfd;

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	cr_assert_eq(shmprim_rv_listen(NULL, "@x"), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_rv_listen(&srv, NULL), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_rv_listen(&srv, ""), SHMPRIM_ERR_INVALID_ARGUMENT);
	cr_assert_eq(shmprim_rv_listen(&srv, "@"), SHMPRIM_ERR_INVALID_ARGUMENT);
	cr_assert_eq(shmprim_rv_listen(&srv, longname), SHMPRIM_ERR_INVALID_ARGUMENT);
	cr_assert_eq(shmprim_rv_connect(&c, longname, NULL, MS, 0), SHMPRIM_ERR_INVALID_ARGUMENT);
	cr_assert_eq(shmprim_rv_connect(&c, "@shmprim-rv-nobody-listens-here", NULL, MS, 0), SHMPRIM_ERR_SYSTEM);
	cr_assert_eq(c.sys_errno, ECONNREFUSED);
	cr_assert_eq(c.shm.fd, -1);
	listen_on(&srv, addr, sizeof(addr), "args");
	cr_assert_eq(shmprim_rv_accept(&srv, NULL, NULL, 0, NULL), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_rv_accept(&srv, NULL, &offer, 0, NULL), SHMPRIM_ERR_INVALID_ARGUMENT, "5 extra fds");
	offer.n_extra = 1;
	offer.extra_fds = &bad;
	cr_assert_eq(shmprim_rv_accept(&srv, NULL, &offer, 0, NULL), SHMPRIM_ERR_INVALID_ARGUMENT, "fd -1");
	/* An unsealed fd is the server's own mistake: said before any client. */
	memfd = memfd_create("unsealed", MFD_CLOEXEC);
	cr_assert_geq(memfd, 0);
	cr_assert_eq(ftruncate(memfd, PAGE), 0);
	cr_assert_eq(shmprim_shm_open_fd(&plain, memfd, SHMPRIM_SHM_ALLOW_UNSEALED), SHMPRIM_OK);
	offer.shm = &plain;
	offer.n_extra = 0;
	cr_assert_eq(shmprim_rv_accept(&srv, NULL, &offer, 0, NULL), SHMPRIM_ERR_NOT_SEALED);
	offer.shm = &s;
	cr_assert_eq(shmprim_rv_accept(&srv, NULL, &offer, 0, NULL), SHMPRIM_ERR_TIMED_OUT, "no client, timeout 0");
	shmprim_shm_close(&plain);
	close(memfd);
	shmprim_rv_server_close(&srv);
	cr_assert_eq(shmprim_rv_accept(&srv, NULL, &offer, 0, NULL), SHMPRIM_ERR_INVALID_ARGUMENT, "closed server");
	shmprim_shm_close(&s);
}

/* ---- bad servers: a raw SEQPACKET listener in a child ---- */

enum bad_server {
	SRV_OK_WITH_EXTRAS, SRV_STALL, SRV_CLOSE, SRV_REFUSE, SRV_NO_FD, SRV_FD_COUNT_LIES, SRV_TOO_MANY_FDS,
	SRV_FLOOD_FDS, SRV_PIPE, SRV_UNSEALED, SRV_WRONG_SIZE, SRV_HUGE_SIZE, SRV_SHORT, SRV_LONG, SRV_BAD_MAGIC,
	SRV_BAD_VERSION, SRV_BAD_KIND, SRV_RESERVED, SRV_REFUSE_WITH_FD,
};

static int raw_listen(const char *addr)
{
	struct sockaddr_un sa;
	size_t n = strlen(addr);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path + 1, addr + 1, n - 1);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)), 0);
	cr_assert_eq(listen(fd, 4), 0);
	return fd;
}

static int raw_connect(const char *addr)
{
	struct sockaddr_un sa;
	size_t n = strlen(addr);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		_exit(110);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path + 1, addr + 1, n - 1);
	if (connect(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) != 0)
		_exit(111);
	return fd;
}

static void raw_send(int sock, const void *buf, size_t len, const int *fds, unsigned n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 64)];
	struct iovec iov = { (void *)buf, len };
	struct msghdr h;

	memset(&h, 0, sizeof(h));
	memset(cbuf, 0, sizeof(cbuf));
	h.msg_iov = &iov;
	h.msg_iovlen = 1;
	if (n) {
		struct cmsghdr *cm;

		h.msg_control = cbuf;
		h.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		cm = CMSG_FIRSTHDR(&h);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	}
	if (sendmsg(sock, &h, MSG_NOSIGNAL) < 0)
		_exit(112);
}

static int sealed_memfd(size_t len, int seal)
{
	int fd = memfd_create("fake", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0 || ftruncate(fd, (off_t)len) != 0)
		_exit(113);
	if (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0)
		_exit(114);
	return fd;
}

static void run_bad_server(int lfd, enum bad_server how)
{
	int conn = accept(lfd, NULL, NULL), fds[64], pfd[2], i;
	rv_msg m;
	unsigned char junk[64];

	if (conn < 0)
		_exit(115);
	memset(&m, 0, sizeof(m));
	m.magic = RV_MAGIC;
	m.version = RV_VERSION;
	m.kind = RV_OFFER;
	m.n_fds = 1;
	m.size = 2 * PAGE;
	fds[0] = sealed_memfd(2 * PAGE, 1);
	switch (how) {
	case SRV_OK_WITH_EXTRAS:
		for (i = 1; i <= 4; i++)
			fds[i] = eventfd(0, EFD_CLOEXEC);
		m.n_fds = 5;
		raw_send(conn, &m, sizeof(m), fds, 5);
		break;
	case SRV_STALL:
		pause();
		break;
	case SRV_CLOSE:
		close(conn);
		_exit(0);
	case SRV_REFUSE:
		m.kind = RV_REFUSE;
		m.n_fds = 0;
		m.size = 0;
		raw_send(conn, &m, sizeof(m), NULL, 0);
		break;
	case SRV_REFUSE_WITH_FD:
		m.kind = RV_REFUSE;
		m.size = 0;
		raw_send(conn, &m, sizeof(m), fds, 1);
		break;
	case SRV_NO_FD:
		m.n_fds = 0;
		raw_send(conn, &m, sizeof(m), NULL, 0);
		break;
	case SRV_FD_COUNT_LIES:
		raw_send(conn, &m, sizeof(m), NULL, 0); /* says 1, sends none */
		break;
	case SRV_TOO_MANY_FDS:
		for (i = 1; i < 6; i++)
			fds[i] = sealed_memfd(PAGE, 1);
		m.n_fds = 6;
		raw_send(conn, &m, sizeof(m), fds, 6);
		break;
	case SRV_FLOOD_FDS:
		for (i = 1; i < 40; i++)
			fds[i] = sealed_memfd(PAGE, 1);
		m.n_fds = 40;
		raw_send(conn, &m, sizeof(m), fds, 40);
		break;
	case SRV_PIPE:
		if (pipe(pfd) != 0)
			_exit(116);
		raw_send(conn, &m, sizeof(m), pfd, 1);
		break;
	case SRV_UNSEALED:
		fds[0] = sealed_memfd(2 * PAGE, 0);
		raw_send(conn, &m, sizeof(m), fds, 1);
		break;
	case SRV_WRONG_SIZE:
		m.size = 3 * PAGE;
		raw_send(conn, &m, sizeof(m), fds, 1);
		break;
	case SRV_HUGE_SIZE:
		m.size = ~0ull;
		raw_send(conn, &m, sizeof(m), fds, 1);
		break;
	case SRV_SHORT:
		raw_send(conn, &m, sizeof(m) - 1, fds, 1);
		break;
	case SRV_LONG:
		memset(junk, 0, sizeof(junk));
		memcpy(junk, &m, sizeof(m));
		raw_send(conn, junk, sizeof(junk), fds, 1);
		break;
	case SRV_BAD_MAGIC:
		m.magic ^= 1;
		raw_send(conn, &m, sizeof(m), fds, 1);
		break;
	case SRV_BAD_VERSION:
		m.version = RV_VERSION + 1;
		raw_send(conn, &m, sizeof(m), fds, 1);
		break;
	case SRV_BAD_KIND:
		m.kind = RV_HELLO;
		raw_send(conn, &m, sizeof(m), fds, 1);
		break;
	case SRV_RESERVED:
		m.reserved = 1;
		raw_send(conn, &m, sizeof(m), fds, 1);
		break;
	}
	/* Wait for the client to hang up, so nothing it reads races our exit. */
	while (read(conn, junk, sizeof(junk)) > 0)
		;
	_exit(0);
}

/* Runs a bad server in a child; the client here gets want within the timeout
 * (each case well under it, the stall at it), with no fd left open. */
static void against_bad_server(enum bad_server how, shmprim_status want)
{
	char addr[108];
	shmprim_rv_client c;
	shmprim_status st;
	uint64_t t0, took;
	int lfd, fds;
	pid_t child;

	CR_REQUIRE(host_lacks_memfd());
	addr_for(addr, sizeof(addr), "bad-server");
	lfd = raw_listen(addr);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0)
		run_bad_server(lfd, how);
	close(lfd);
	fds = fd_count();
	t0 = ipc_now_ns();
	st = shmprim_rv_connect(&c, addr, NULL, STALL_TIMEOUT, 0);
	took = ipc_now_ns() - t0;
	cr_assert_eq(st, want, "case %d: got %s, want %s", (int)how, shmprim_status_str(st), shmprim_status_str(want));
	if (want == SHMPRIM_ERR_TIMED_OUT)
		cr_assert_geq(took, STALL_TIMEOUT, "case %d: gave up early (%llu ns)", (int)how, (unsigned long long)took);
	cr_assert_lt(took, STALL_TIMEOUT + 1000 * MS, "case %d: %llu ns", (int)how, (unsigned long long)took);
	if (st == SHMPRIM_OK) {
		cr_assert_eq(c.n_extra, 4);
		cr_assert_eq(fd_count(), fds + 1 + (int)c.n_extra + (c.server.pidfd >= 0),
		             "the region's fd, the extras and the server's pidfd");
		shmprim_rv_client_close(&c);
	} else {
		cr_assert_null(c.shm.base);
		cr_assert_eq(c.shm.fd, -1);
		cr_assert_eq(c.n_extra, 0);
		cr_assert_eq(c.server.pidfd, -1);
	}
	cr_assert_eq(fd_count(), fds, "case %d: fds left open", (int)how);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

Test(rv, server_offer_with_extra_fds) { against_bad_server(SRV_OK_WITH_EXTRAS, SHMPRIM_OK); }
Test(rv, server_stalls) { against_bad_server(SRV_STALL, SHMPRIM_ERR_TIMED_OUT); }
Test(rv, server_closes_without_answer) { against_bad_server(SRV_CLOSE, SHMPRIM_ERR_PROTOCOL); }
Test(rv, server_refuses) { against_bad_server(SRV_REFUSE, SHMPRIM_ERR_PEER_REFUSED); }
Test(rv, server_refusal_with_an_fd) { against_bad_server(SRV_REFUSE_WITH_FD, SHMPRIM_ERR_PROTOCOL); }
Test(rv, server_sends_no_fd) { against_bad_server(SRV_NO_FD, SHMPRIM_ERR_PROTOCOL); }
Test(rv, server_fd_count_lies) { against_bad_server(SRV_FD_COUNT_LIES, SHMPRIM_ERR_PROTOCOL); }
Test(rv, server_sends_too_many_fds) { against_bad_server(SRV_TOO_MANY_FDS, SHMPRIM_ERR_PROTOCOL); }
Test(rv, server_floods_fds) { against_bad_server(SRV_FLOOD_FDS, SHMPRIM_ERR_PROTOCOL); }
Test(rv, server_sends_a_pipe) { against_bad_server(SRV_PIPE, SHMPRIM_ERR_NOT_SEALED); }
Test(rv, server_sends_an_unsealed_memfd) { against_bad_server(SRV_UNSEALED, SHMPRIM_ERR_NOT_SEALED); }
Test(rv, server_announces_another_size) { against_bad_server(SRV_WRONG_SIZE, SHMPRIM_ERR_PROTOCOL); }
Test(rv, server_announces_a_huge_size) { against_bad_server(SRV_HUGE_SIZE, SHMPRIM_ERR_PROTOCOL); }
Test(rv, server_message_truncated) { against_bad_server(SRV_SHORT, SHMPRIM_ERR_PROTOCOL); }
Test(rv, server_message_too_long) { against_bad_server(SRV_LONG, SHMPRIM_ERR_PROTOCOL); }
Test(rv, server_bad_magic) { against_bad_server(SRV_BAD_MAGIC, SHMPRIM_ERR_PROTOCOL); }
Test(rv, server_other_version) { against_bad_server(SRV_BAD_VERSION, SHMPRIM_ERR_BAD_VERSION); }
Test(rv, server_wrong_kind) { against_bad_server(SRV_BAD_KIND, SHMPRIM_ERR_PROTOCOL); }
Test(rv, server_reserved_not_zero) { against_bad_server(SRV_RESERVED, SHMPRIM_ERR_PROTOCOL); }

/* ---- bad clients against the real server ---- */

enum bad_client { CLI_STALL, CLI_CLOSE, CLI_SHORT, CLI_LONG, CLI_BAD_MAGIC, CLI_BAD_VERSION, CLI_WRONG_KIND,
	CLI_WITH_FDS, CLI_FLOOD_FDS, CLI_NONE };

static void run_bad_client(const char *addr, enum bad_client how)
{
	int sock = raw_connect(addr), fds[40], i;
	unsigned char junk[64];
	rv_msg m;

	memset(&m, 0, sizeof(m));
	m.magic = RV_MAGIC;
	m.version = RV_VERSION;
	m.kind = RV_HELLO;
	for (i = 0; i < 40; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	switch (how) {
	case CLI_STALL:
		pause();
		break;
	case CLI_CLOSE:
		_exit(0);
	case CLI_SHORT:
		raw_send(sock, &m, 8, NULL, 0);
		break;
	case CLI_LONG:
		memset(junk, 0, sizeof(junk));
		memcpy(junk, &m, sizeof(m));
		raw_send(sock, junk, sizeof(junk), NULL, 0);
		break;
	case CLI_BAD_MAGIC:
		m.magic = 0;
		raw_send(sock, &m, sizeof(m), NULL, 0);
		break;
	case CLI_BAD_VERSION:
		m.version = 0;
		raw_send(sock, &m, sizeof(m), NULL, 0);
		break;
	case CLI_WRONG_KIND:
		m.kind = RV_OFFER;
		raw_send(sock, &m, sizeof(m), NULL, 0);
		break;
	case CLI_WITH_FDS:
		m.n_fds = 2;
		raw_send(sock, &m, sizeof(m), fds, 2);
		break;
	case CLI_FLOOD_FDS:
		m.n_fds = 40;
		raw_send(sock, &m, sizeof(m), fds, 40);
		break;
	case CLI_NONE:
		break;
	}
	while (read(sock, junk, sizeof(junk)) > 0)
		;
	_exit(0);
}

static void against_bad_client(enum bad_client how, shmprim_status want)
{
	shmprim_shm s = make_region(2 * PAGE);
	shmprim_rv_server srv;
	shmprim_rv_offer offer = { &s, 0, NULL, 0 };
	shmprim_peer_id who;
	char addr[108];
	uint64_t t0, took;
	shmprim_status st;
	pid_t child = -1;
	int fds;

	listen_on(&srv, addr, sizeof(addr), "bad-client");
	if (how != CLI_NONE) {
		child = fork();
		cr_assert_geq(child, 0);
		if (child == 0)
			run_bad_client(addr, how);
	}
	fds = fd_count();
	t0 = ipc_now_ns();
	st = shmprim_rv_accept(&srv, NULL, &offer, STALL_TIMEOUT, &who);
	took = ipc_now_ns() - t0;
	cr_assert_eq(st, want, "case %d: got %s, want %s", (int)how, shmprim_status_str(st), shmprim_status_str(want));
	if (want == SHMPRIM_ERR_TIMED_OUT)
		cr_assert_geq(took, STALL_TIMEOUT, "case %d: gave up early", (int)how);
	cr_assert_lt(took, STALL_TIMEOUT + 1000 * MS, "case %d: %llu ns", (int)how, (unsigned long long)took);
	cr_assert_eq(who.pidfd, -1, "no identity kept for a failed handshake");
	cr_assert_eq(fd_count(), fds, "case %d: fds left open", (int)how);
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	shmprim_rv_server_close(&srv);
	shmprim_shm_close(&s);
}

Test(rv, no_client_comes) { against_bad_client(CLI_NONE, SHMPRIM_ERR_TIMED_OUT); }
Test(rv, client_stalls_after_connecting) { against_bad_client(CLI_STALL, SHMPRIM_ERR_TIMED_OUT); }
Test(rv, client_closes_without_hello) { against_bad_client(CLI_CLOSE, SHMPRIM_ERR_PROTOCOL); }
Test(rv, client_hello_truncated) { against_bad_client(CLI_SHORT, SHMPRIM_ERR_PROTOCOL); }
Test(rv, client_hello_too_long) { against_bad_client(CLI_LONG, SHMPRIM_ERR_PROTOCOL); }
Test(rv, client_bad_magic) { against_bad_client(CLI_BAD_MAGIC, SHMPRIM_ERR_PROTOCOL); }
Test(rv, client_other_version) { against_bad_client(CLI_BAD_VERSION, SHMPRIM_ERR_BAD_VERSION); }
Test(rv, client_wrong_kind) { against_bad_client(CLI_WRONG_KIND, SHMPRIM_ERR_PROTOCOL); }
Test(rv, client_hello_with_fds) { against_bad_client(CLI_WITH_FDS, SHMPRIM_ERR_PROTOCOL); }
Test(rv, client_floods_fds) { against_bad_client(CLI_FLOOD_FDS, SHMPRIM_ERR_PROTOCOL); }
