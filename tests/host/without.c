/*
 * Runs a command on a host that lacks some capabilities, to prove that the
 * tests which need them say SKIP (with the reason) instead of failing:
 *
 *   without [--no-dev-shm] SYSCALL... -- COMMAND [ARGS...]
 *
 * Each named system call (memfd_create, pidfd_open, futex_waitv,
 * sched_setaffinity, ...) fails with ENOSYS, as on a kernel that predates it
 * (a seccomp filter, inherited by every child). --no-dev-shm mounts an empty
 * read-only tmpfs over /dev/shm in a private mount namespace (needs root), so
 * POSIX shm_open cannot create objects, as in a container without /dev/shm.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define AUDIT_ARCH_HERE AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AUDIT_ARCH_HERE AUDIT_ARCH_AARCH64
#else
#error "without: add this architecture's AUDIT_ARCH"
#endif

static const struct {
	const char *name;
	long nr;
} known[] = {
	{ "memfd_create", SYS_memfd_create },
	{ "pidfd_open", 434 }, /* the same number on every architecture */
	{ "futex_waitv", 449 },
	{ "sched_setaffinity", SYS_sched_setaffinity },
	{ "process_madvise", 440 },
};

static long syscall_number(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i].name, name) == 0)
			return known[i].nr;
	fprintf(stderr, "without: unknown system call %s\n", name);
	exit(2);
}

int main(int argc, char **argv)
{
	struct sock_filter prog[64];
	struct sock_fprog fprog;
	int i, n = 0, denied = 0, no_dev_shm = 0;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--no-dev-shm") == 0)
			no_dev_shm = 1;
	if (i >= argc - 1) {
		fprintf(stderr, "usage: without [--no-dev-shm] SYSCALL... -- COMMAND [ARGS...]\n");
		return 2;
	}
	if (no_dev_shm) {
		if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
		    mount("none", "/dev/shm", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k") != 0) {
			perror("without: hiding /dev/shm");
			return 2;
		}
	}
	/* A foreign architecture's system calls are let through untouched. */
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_HERE, 1, 0);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (int j = 1; j < i && n < 60; j++) {
		if (strcmp(argv[j], "--no-dev-shm") == 0)
			continue;
		prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)syscall_number(argv[j]), 0, 1);
		prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
		denied++;
	}
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	if (denied) {
		fprog.len = (unsigned short)n;
		fprog.filter = prog;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) != 0) {
			perror("without: seccomp");
			return 2;
		}
	}
	execvp(argv[i + 1], argv + i + 1);
	fprintf(stderr, "without: exec %s: %s\n", argv[i + 1], strerror(errno));
	return 127;
}
