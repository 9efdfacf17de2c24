/*
 * What the host offers, probed before a test relies on it: each function
 * returns NULL when the capability works here, else the reason it does not,
 * for the test's SKIP line. Only "the kernel or system lacks it" counts (ENOSYS,
 * a missing /dev/shm); any other error is left for the test to fail on.
 * tests/host/without takes these away on purpose, to prove the skips.
 */
#ifndef HOST_CAPS_H
#define HOST_CAPS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static inline const char *host_lacks_memfd(void)
{
	static char why[96];
	int fd = memfd_create("shmprim-probe", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd >= 0) {
		close(fd);
		return NULL;
	}
	if (errno != ENOSYS && errno != EINVAL)
		return NULL;
	snprintf(why, sizeof(why), "memfd_create with sealing: %s (kernel 3.17+ needed)", strerror(errno));
	return why;
}

/* POSIX named objects need a writable /dev/shm (glibc's shm_open). */
static inline const char *host_lacks_named_shm(void)
{
	static char why[96];
	char name[64];
	int fd;

	snprintf(name, sizeof(name), "/shmprim-probe-%ld", (long)getpid());
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd >= 0) {
		close(fd);
		shm_unlink(name);
		return NULL;
	}
	if (errno != ENOSYS && errno != ENOENT && errno != EROFS)
		return NULL;
	snprintf(why, sizeof(why), "shm_open: %s (no writable /dev/shm)", strerror(errno));
	return why;
}

/* Tests that play another local user fork a child that drops to nobody
 * (uid/gid 65534): only root (CAP_SETUID) can, as CI runs. */
#define HOST_NOBODY_UID 65534u
static inline const char *host_lacks_setuid_nobody(void)
{
	if (geteuid() != 0)
		return "not root: a child cannot setuid to nobody (65534) to play another user";
	return NULL;
}

#endif
