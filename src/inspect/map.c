/* The target, mapped read-only: nothing this tool does can write to it (a
 * store would fault), so it cannot disturb the processes it looks at. */
#define _GNU_SOURCE /* sigsetjmp under -std=c99 */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inspect.h"

/* "/name" with no other slash is a named shm object (shm_open's form); any
 * other path is opened as it is (a file, /proc/PID/fd/N, /dev/shm/name). */
static int is_shm_name(const char *t)
{
	return t[0] == '/' && t[1] != '\0' && strchr(t + 1, '/') == NULL;
}

int insp_map_open(const char *target, insp_map *out, char *why, size_t why_len)
{
	struct stat st;
	void *p;
	int fd;

	memset(out, 0, sizeof(*out));
	if (is_shm_name(target)) {
		fd = shm_open(target, O_RDONLY, 0);
		snprintf(out->how, sizeof(out->how), "shm object");
	} else {
		fd = open(target, O_RDONLY | O_CLOEXEC);
		snprintf(out->how, sizeof(out->how), strncmp(target, "/proc/", 6) == 0 ? "fd" : "file");
	}
	if (fd < 0) {
		snprintf(why, why_len, "cannot open %s: %s", target, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(why, why_len, "cannot stat %s: %s", target, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, why_len, "%s is not a regular file, shm object or memfd", target);
		close(fd);
		return -1;
	}
	if (st.st_size <= 0) {
		snprintf(why, why_len, "%s is empty: nothing to inspect", target);
		close(fd);
		return -1;
	}
	if ((unsigned long long)st.st_size > (unsigned long long)SIZE_MAX) {
		snprintf(why, why_len, "%s is larger than this process can map", target);
		close(fd);
		return -1;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		snprintf(why, why_len, "cannot map %s read-only: %s", target, strerror(errno));
		return -1;
	}
	out->base = (const unsigned char *)p;
	out->len = (size_t)st.st_size;
	return 0;
}

void insp_map_close(insp_map *m)
{
	if (m->base)
		munmap((void *)m->base, m->len);
	m->base = NULL;
	m->len = 0;
}

/* A file or shm object (not a sealed memfd) may be truncated while mapped;
 * touching a page past its new end raises SIGBUS. The guard turns that into
 * a refusal instead of a crash. */
static sigjmp_buf bus_jump;
static volatile sig_atomic_t bus_armed;

static void on_bus(int sig)
{
	(void)sig;
	if (bus_armed)
		siglongjmp(bus_jump, 1);
	signal(SIGBUS, SIG_DFL);
	raise(SIGBUS);
}

int insp_guarded(void (*fn)(void *), void *arg)
{
	struct sigaction sa, old;
	int rc = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_bus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jump, 1) == 0) {
		bus_armed = 1;
		fn(arg);
	} else {
		rc = -1;
	}
	bus_armed = 0;
	sigaction(SIGBUS, &old, NULL);
	return rc;
}
