/*
 * A wait on many futex words (include/shmprim/wait.h): Linux futex_waitv
 * (5.16+, syscall 449 on every architecture), probed once per process, and a
 * fallback for older kernels that sleeps on one word in short slices and
 * compares the others between slices.
 *
 * The words are the callers' (for the fan-in: each channel's
 * consumer_sleeping flag, in shared memory). Their values are hints read
 * once each; whatever they guard is re-checked by the caller after every
 * return.
 */
#define _GNU_SOURCE

#include <shmprim/wait.h>

#include <errno.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../backends/shmprim_atomic.h"
#include "wait_internal.h"

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449 /* the same number on every architecture */
#endif
#define WAITV_U32 0x02u /* FUTEX2_SIZE_U32; no FUTEX2_PRIVATE: shared words */

/* struct futex_waitv and struct __kernel_timespec, spelled out so that old
 * kernel headers and 32-bit builds (32-bit time_t) agree with the kernel. */
struct waitv_entry {
	uint64_t val;
	uint64_t uaddr;
	uint32_t flags;
	uint32_t reserved;
};

struct kernel_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

enum { UNPROBED = 0, PRESENT = 1, ABSENT = 2 };

/* Per process; two threads probing at once both find the same answer. */
static uint32_t waitv_state;

int shmprim_futex_waitv_supported(void)
{
	uint32_t v = sp_load_relaxed_u32(&waitv_state); /* a cache of the probe: no partner */

	if (v == UNPROBED) {
		int saved = errno;
		/* No words: EINVAL where the call exists, ENOSYS (or a seccomp
		 * filter's EPERM) where it does not. */
		long r = syscall(SYS_futex_waitv, NULL, 0u, 0u, NULL, 0);

		v = r < 0 && errno == EINVAL ? PRESENT : ABSENT;
		errno = saved;
		sp_store_relaxed_u32(&waitv_state, v); /* a cache: no partner */
	}
	return v == PRESENT;
}

/* 1 when a word differs from its expected value (*which: the first). */
static int any_changed(uint32_t *const *words, const uint32_t *expected, uint32_t n, uint32_t *which)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		/* A hint: the caller re-checks what the word guards. */
		if (sp_load_relaxed_u32(words[i]) != expected[i]) {
			*which = i;
			return 1;
		}
	}
	return 0;
}

/* 0: slept the whole slice with nothing changed; 1: woken or a change
 * (*which set, perhaps UNKNOWN); -1: an error (errno kept). */
static int waitv(uint32_t *const *words, const uint32_t *expected, uint32_t n, uint64_t ns, uint32_t *which)
{
	struct waitv_entry w[SHMPRIM_WAIT_ANY_MAX];
	struct kernel_timespec abs;
	struct timespec now;
	uint64_t at;
	uint32_t i;
	long r;

	for (i = 0; i < n; i++) {
		w[i].val = expected[i];
		w[i].uaddr = (uint64_t)(uintptr_t)words[i];
		w[i].flags = WAITV_U32;
		w[i].reserved = 0;
	}
	/* futex_waitv takes an absolute time on the clock it is given. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	at = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	at = ns > UINT64_MAX - at ? UINT64_MAX : at + ns;
	if (at > (uint64_t)INT64_MAX)
		at = (uint64_t)INT64_MAX;
	abs.tv_sec = (int64_t)(at / 1000000000ull);
	abs.tv_nsec = (int64_t)(at % 1000000000ull);
	r = syscall(SYS_futex_waitv, w, n, 0u, &abs, CLOCK_MONOTONIC);
	if (r >= 0) {
		*which = (uint32_t)r;
		return 1;
	}
	if (errno == ETIMEDOUT)
		return 0;
	if (errno == EAGAIN || errno == EINTR) {
		*which = SHMPRIM_WAIT_ANY_UNKNOWN;
		return 1;
	}
	return -1;
}

/* The fallback's slice: sleeps on words[0] (compared with its value by the
 * kernel), then looks at the others. */
static int poll_slice(uint32_t *const *words, const uint32_t *expected, uint32_t n, uint64_t ns, uint32_t *which)
{
	struct timespec ts;

	if (ns > SHMPRIM_WAIT_ANY_SLICE_NS)
		ns = SHMPRIM_WAIT_ANY_SLICE_NS;
	ts.tv_sec = (time_t)(ns / 1000000000ull);
	ts.tv_nsec = (long)(ns % 1000000000ull);
	if (syscall(SYS_futex, words[0], FUTEX_WAIT, expected[0], &ts, NULL, 0) == 0) {
		*which = 0;
		return 1;
	}
	if (errno == EAGAIN) {
		*which = 0;
		return 1;
	}
	if (errno == EINTR) {
		*which = SHMPRIM_WAIT_ANY_UNKNOWN;
		return 1;
	}
	if (errno != ETIMEDOUT)
		return -1;
	return any_changed(words, expected, n, which);
}

shmprim_status shmprim_futex_wait_any(uint32_t *const *words, const uint32_t *expected, uint32_t n,
                                      uint64_t timeout_ns, uint32_t flags, uint32_t *woken)
{
	uint64_t start, now;
	uint32_t which = SHMPRIM_WAIT_ANY_UNKNOWN, i;
	int r;

	if (woken)
		*woken = SHMPRIM_WAIT_ANY_UNKNOWN;
	if (!words || !expected)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (n == 0 || n > SHMPRIM_WAIT_ANY_MAX || (flags & ~SHMPRIM_WAIT_ANY_POLL))
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	for (i = 0; i < n; i++)
		if (!words[i])
			return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!(flags & SHMPRIM_WAIT_ANY_POLL) && shmprim_futex_waitv_supported()) {
		r = waitv(words, expected, n, timeout_ns, &which);
		if (r < 0 && errno == ENOSYS)
			sp_store_relaxed_u32(&waitv_state, ABSENT); /* a cache: no partner */
		else if (r < 0)
			return SHMPRIM_ERR_SYSTEM;
		else if (r == 0)
			return SHMPRIM_ERR_TIMED_OUT;
		else {
			if (woken)
				*woken = which;
			return SHMPRIM_OK;
		}
	}
	if (any_changed(words, expected, n, &which)) {
		if (woken)
			*woken = which;
		return SHMPRIM_OK;
	}
	start = sp_now_ns();
	for (;;) {
		now = sp_now_ns();
		if (now - start >= timeout_ns)
			return SHMPRIM_ERR_TIMED_OUT;
		r = poll_slice(words, expected, n, timeout_ns - (now - start), &which);
		if (r < 0)
			return SHMPRIM_ERR_SYSTEM;
		if (r > 0) {
			if (woken)
				*woken = which;
			return SHMPRIM_OK;
		}
	}
}
