/*
 * Shared by the channel ipc tests: message n's length and bytes, derived from
 * a seed and n alone so that both processes agree without talking, a control
 * page shared across fork, and process helpers.
 */
#ifndef IPC_CHANNEL_COMMON_H
#define IPC_CHANNEL_COMMON_H

#include "ipc_common.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <shmprim/channel.h>

#define CH_SEC 1000000000ull
#define CH_MS 1000000ull

/* Message n: 1 + a hash of (seed, n) mod max bytes. */
static inline uint32_t ch_len(uint64_t seed, uint64_t n, uint32_t max)
{
	return 1u + (uint32_t)(ipc_mix(seed ^ (n * 0x9e3779b97f4a7c15ull)) % max);
}

/* Word j of message n: a start from (seed, n), then steps; cheap enough that
 * 10^7 messages are generated and checked faster than they travel. */
static inline uint64_t ch_base(uint64_t seed, uint64_t n)
{
	return ipc_mix(seed + n);
}
#define CH_STEP 0xd1b54a32d192ed03ull

static inline void ch_fill(void *dst, uint64_t seed, uint64_t n, uint32_t len)
{
	unsigned char *d = dst;
	uint64_t w = ch_base(seed, n);
	uint32_t k;

	for (k = 0; k + 8 <= len; k += 8, w += CH_STEP)
		memcpy(d + k, &w, 8);
	if (k < len)
		memcpy(d + k, &w, len - k);
}

/* 1 when m is exactly message n. */
static inline int ch_check(const void *m, uint32_t len, uint64_t seed, uint64_t n, uint32_t max)
{
	const unsigned char *b = m;
	uint64_t w = ch_base(seed, n), got;
	uint32_t k;

	if (len != ch_len(seed, n, max))
		return 0;
	for (k = 0; k + 8 <= len; k += 8, w += CH_STEP) {
		memcpy(&got, b + k, 8);
		if (got != w)
			return 0;
	}
	return k == len || memcmp(b + k, &w, len - k) == 0;
}

/* A page (or more) shared with every child forked after it. */
static inline void *ch_shared(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		IPC_FAIL("mmap: %s", strerror(errno));
	memset(p, 0, bytes);
	return p;
}

static inline pid_t ch_fork(void (*role)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid < 0)
		IPC_FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		role(arg);
		_exit(0);
	}
	return pid;
}

/* Waits for a child that must exit 0; why is the test's message, if any. */
static inline void ch_finish(pid_t pid, const char *role, const char *why)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		IPC_FAIL("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		IPC_FAIL("the %s ended with status 0x%x: %s", role, status, why && *why ? why : "no message");
}

/* The first failure a child reports, kept in the control page. */
typedef struct ch_fail {
	uint32_t failed;
	char why[300];
} ch_fail;

static inline void ch_child_fail(ch_fail *f, const char *fmt, ...)
{
	va_list ap;

	if (!__atomic_exchange_n(&f->failed, 1, __ATOMIC_SEQ_CST)) {
		va_start(ap, fmt);
		vsnprintf(f->why, sizeof(f->why), fmt, ap);
		va_end(ap);
	}
	_exit(1);
}

#endif
