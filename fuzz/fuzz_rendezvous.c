/*
 * Fuzz target: the rendezvous handshakes (src/rendezvous.c) reading records
 * a hostile peer wrote, with any fds attached. Input:
 *   byte 0   bit 0: 0 = the library is the client (reads an answer),
 *                   1 = the library is the server (reads a hello);
 *            bits 1-3: fds to attach (0-7); bit 4: the peer hangs up after
 *            sending; bit 5: the bytes are two records (split in half);
 *            bits 6-7: policy (default, uid list with us, uid list without
 *            us, a callback that allows)
 *   then one byte per fd: its kind (sealed memfd of 4096 or 8192 bytes,
 *   unsealed memfd, pipe, /dev/null, eventfd)
 *   then the record bytes (at most 256).
 * Every call must return a status (never crash or hang: the deadline is
 * now), and after each input this process must hold exactly the fds and
 * mappings it held before (checked, abort otherwise).
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../src/rendezvous_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What this target can leak: fds of the kinds it makes or receives, and
 * memfd mappings. (The fuzzer's own corpus files and allocator mappings
 * come and go, so they are not counted.) */
static int count_fds(void)
{
	static const char *kinds[] = { "/memfd:", "pipe:", "socket:", "anon_inode:", "/dev/null" };
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char path[300], target[256];
	int n = 0;
	size_t k;

	if (!d)
		abort();
	while ((e = readdir(d)) != NULL) {
		ssize_t len;

		if (e->d_name[0] == '.' || atoi(e->d_name) <= 2)
			continue; /* the harness's stdio may be pipes it replaces */
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = 0;
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			n += strncmp(target, kinds[k], strlen(kinds[k])) == 0;
	}
	closedir(d);
	return n;
}

static int count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	if (!f)
		abort();
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "/memfd:") != NULL;
	fclose(f);
	return n;
}

static int make_fd(uint8_t kind)
{
	int fd = -1, p[2];

	switch (kind % 6) {
	case 0:
	case 1:
	case 2:
		fd = memfd_create("fuzz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (fd < 0 || ftruncate(fd, kind % 6 == 1 ? 8192 : 4096) != 0)
			abort();
		if (kind % 6 != 2 && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0)
			abort();
		break;
	case 3:
		if (pipe2(p, O_CLOEXEC) != 0)
			abort();
		close(p[1]);
		fd = p[0];
		break;
	case 4:
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		break;
	case 5:
		fd = eventfd(0, EFD_CLOEXEC);
		break;
	}
	if (fd < 0)
		abort();
	return fd;
}

static void send_record(int sock, const uint8_t *p, size_t n, const int *fds, unsigned nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 8)];
	struct iovec iov = { (void *)p, n };
	struct msghdr h;

	memset(&h, 0, sizeof(h));
	memset(cbuf, 0, sizeof(cbuf));
	h.msg_iov = &iov;
	h.msg_iovlen = 1;
	if (nfds) {
		struct cmsghdr *cm;

		h.msg_control = cbuf;
		h.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&h);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	/* A zero-byte record with no fds is a valid SEQPACKET send: an empty record. */
	(void)sendmsg(sock, &h, MSG_NOSIGNAL);
}

static int allow_all(const shmprim_peer_id *peer, void *arg)
{
	(void)peer;
	(void)arg;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fds_before = -1, maps_before;
	static shmprim_shm region;
	uint32_t me = (uint32_t)geteuid(), other = me + 1;
	shmprim_rv_policy policies[4] = {
		{ NULL, 0, NULL, 0, NULL, NULL },
		{ &me, 1, NULL, 0, NULL, NULL },
		{ &other, 1, NULL, 0, NULL, NULL },
		{ NULL, 0, NULL, 0, allow_all, NULL },
	};
	int sv[2], fds[8];
	unsigned nfds, i;
	uint8_t mode;
	size_t len;

	if (fds_before < 0) {
		if (shmprim_shm_create_memfd(&region, "fuzz-offer", 4096, 0) != SHMPRIM_OK)
			abort();
		fds_before = count_fds();
		maps_before = count_maps();
	}
	if (size < 1)
		return 0;
	mode = data[0];
	nfds = (mode >> 1) & 7;
	if (size < 1 + nfds)
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		abort();
	for (i = 0; i < nfds; i++)
		fds[i] = make_fd(data[1 + i]);
	data += 1 + nfds;
	size -= 1 + nfds;
	len = size > 256 ? 256 : size;
	if (mode & 0x20) {
		send_record(sv[1], data, len / 2, fds, nfds);
		send_record(sv[1], data + len / 2, len - len / 2, NULL, 0);
	} else {
		send_record(sv[1], data, len, fds, nfds);
	}
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	if (mode & 0x10) {
		close(sv[1]);
		sv[1] = -1;
	}
	if (mode & 1) {
		shmprim_rv_offer offer = { &region, 42, NULL, 0 };
		shmprim_peer_id who;
		int e = 0;
		const char *call = NULL;

		(void)rv_server_handshake(sv[0], &policies[mode >> 6], &offer, 0, &who, &e, &call);
		shmprim_peer_id_close(&who);
	} else {
		shmprim_rv_client c;
		shmprim_status st;

		memset(&c, 0, sizeof(c));
		c.shm.fd = -1;
		c.server.pidfd = -1;
		for (i = 0; i < SHMPRIM_RV_MAX_EXTRA_FDS; i++)
			c.extra_fds[i] = -1;
		st = rv_client_handshake(sv[0], &policies[mode >> 6], 0, 0, &c);
		if (st == SHMPRIM_OK) {
			/* What a client accepted is mapped, sealed and its size. */
			volatile uint8_t *p = (volatile uint8_t *)c.shm.base;

			if (!p || c.shm.len == 0 || c.n_extra > SHMPRIM_RV_MAX_EXTRA_FDS)
				abort();
			p[0] = p[c.shm.len - 1];
		} else if (c.shm.base || c.shm.fd >= 0 || c.n_extra) {
			abort(); /* a failure keeps nothing */
		}
		shmprim_rv_client_close(&c);
	}
	close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (count_fds() != fds_before || count_maps() != maps_before) {
		fprintf(stderr, "leak: fds %d -> %d, maps %d -> %d\n", fds_before, count_fds(), maps_before,
		        count_maps());
		abort();
	}
	return 0;
}
