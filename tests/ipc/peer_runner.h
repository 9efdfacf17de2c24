/*
 * How a peer program is started: directly where the kernel can run it, or
 * under qemu-user where it cannot (a 32-bit build on a kernel without 32-bit
 * support: execve fails with ENOEXEC). Which one is decided once per program,
 * by running its `info` mode. A program that was not built, or that neither
 * the kernel nor an emulator can start, is unavailable (the test says SKIP,
 * with the reason); one that starts but fails its `info` run is broken (FAIL).
 *
 * Environment (to take the capability away on purpose, or force the emulator):
 *   SHMPRIM_CROSS_QEMU=1     use qemu even where the kernel runs the program
 *   SHMPRIM_QEMU_I386=PATH   the emulator for i386 programs (default: the first
 *                            of qemu-i386-static, qemu-i386 on PATH); "none"
 *                            means there is none
 */
#ifndef PEER_RUNNER_H
#define PEER_RUNNER_H

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum peer_state { PEER_USABLE, PEER_UNAVAILABLE, PEER_BROKEN };

typedef struct peer_runner {
	const char *exe;
	const char *emulator; /* NULL: exec'd directly */
	enum peer_state state;
	char why[256];        /* unless usable: what was tried and what failed */
} peer_runner;

/* The qemu-user program for the ELF machine of exe, or NULL for a native one. */
static const char *peer_runner_qemu_name(const char *exe)
{
	unsigned char ident[EI_NIDENT + 4];
	uint16_t machine;
	int fd = open(exe, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, ident, sizeof(ident));
	close(fd);
	if (n < (ssize_t)sizeof(ident) || memcmp(ident, ELFMAG, SELFMAG) != 0)
		return NULL;
	/* e_machine follows e_type, right after the identification bytes, in the
	 * file's own byte order (every target here is little-endian). */
	machine = (uint16_t)(ident[EI_NIDENT + 2] | ident[EI_NIDENT + 3] << 8);
	if (machine == EM_386)
		return "i386";
	return NULL;
}

/* Runs `[emulator] exe info`: 0 when it ran and exited 0; -1 when it started
 * but failed; else the errno of the exec that could not start it (ENOEXEC:
 * the kernel refused the format; ENOENT: no such emulator), with why filled. */
static int peer_runner_try(const char *emulator, const char *exe, char *why, size_t why_len)
{
	int pipefd[2], err = 0, status;
	pid_t pid;
	ssize_t got;

	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return errno;
	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		char *args_native[] = { (char *)exe, "info", NULL };
		char *args_emulated[] = { (char *)emulator, (char *)exe, "info", NULL };
		int devnull = open("/dev/null", O_WRONLY);

		if (devnull >= 0) {
			dup2(devnull, STDOUT_FILENO);
			dup2(devnull, STDERR_FILENO);
		}
		if (emulator)
			execvp(emulator, args_emulated);
		else
			execv(exe, args_native);
		err = errno;
		if (write(pipefd[1], &err, sizeof(err)) != (ssize_t)sizeof(err))
			_exit(126);
		_exit(127);
	}
	close(pipefd[1]);
	got = read(pipefd[0], &err, sizeof(err));
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid)
		return errno;
	if (got == (ssize_t)sizeof(err)) {
		snprintf(why, why_len, "exec %s: %s", emulator ? emulator : exe, strerror(err));
		return err;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(why, why_len, "%s%s%s info exited with status %d", emulator ? emulator : "", emulator ? " " : "",
		         exe, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return -1; /* it started: not a question of capability */
	}
	return 0;
}

static peer_runner peer_runner_probe(const char *exe)
{
	peer_runner r;
	const char *arch = peer_runner_qemu_name(exe);
	const char *force = getenv("SHMPRIM_CROSS_QEMU");
	const char *env = getenv("SHMPRIM_QEMU_I386");
	const char *candidates[] = { "qemu-i386-static", "qemu-i386" };
	char native_why[96] = "SHMPRIM_CROSS_QEMU is set", qemu_why[96] = "no qemu-i386-static or qemu-i386 on PATH";
	int e = ENOEXEC;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.exe = exe;
	r.state = PEER_UNAVAILABLE;
	if (access(exe, X_OK) != 0) {
		snprintf(r.why, sizeof(r.why), "%s: not built here (%s)", exe, strerror(errno));
		return r;
	}
	if (!(arch && force && *force && strcmp(force, "0") != 0))
		e = peer_runner_try(NULL, exe, native_why, sizeof(native_why));
	if (e == 0) {
		r.state = PEER_USABLE;
		return r;
	}
	if (e != ENOEXEC || !arch) {
		r.state = PEER_BROKEN;
		snprintf(r.why, sizeof(r.why), "%s", native_why);
		return r;
	}
	/* The kernel cannot run it (or was told not to): an emulator may. */
	if (env && strcmp(env, "none") == 0)
		snprintf(qemu_why, sizeof(qemu_why), "SHMPRIM_QEMU_I386=none");
	for (i = 0; i < sizeof(candidates) / sizeof(candidates[0]) && !(env && strcmp(env, "none") == 0); i++) {
		const char *emulator = env && *env ? env : candidates[i];
		char why[96];

		e = peer_runner_try(emulator, exe, why, sizeof(why));
		if (e == 0) {
			r.emulator = emulator;
			r.state = PEER_USABLE;
			return r;
		}
		if (e == -1) {
			r.state = PEER_BROKEN;
			snprintf(r.why, sizeof(r.why), "%s", why);
			return r;
		}
		if (e != ENOENT || (env && *env))
			snprintf(qemu_why, sizeof(qemu_why), "%s", why);
		if (env && *env)
			break;
	}
	snprintf(r.why, sizeof(r.why), "this kernel cannot run %s programs (%s) and no emulator can (%s)", arch,
	         native_why, qemu_why);
	return r;
}

/* exec's the peer (in a child): args[0] is the program, as for execv. */
static void peer_runner_exec(const peer_runner *r, char *const args[])
{
	if (r->emulator) {
		char *argv[16];
		int i;

		argv[0] = (char *)r->emulator;
		for (i = 0; args[i] && i < 14; i++)
			argv[i + 1] = args[i];
		argv[i + 1] = NULL;
		execvp(r->emulator, argv);
	} else {
		execv(r->exe, args);
	}
}

#endif
