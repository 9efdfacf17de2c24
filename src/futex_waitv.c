/*
 * A wait on many futex words (include/shmprim/wait.h): Linux futex_waitv
 * (5.16+), probed once per process, and a fallback for older kernels that
 * sleeps on one word in short slices and compares the others between
 * slices. The calls go through the OS seam (backends/shmprim_os.h), which
 * the model checker replaces.
 *
 * The words are the callers' (for the fan-in: each channel's
 * consumer_sleeping flag, in shared memory). Their values are hints read
 * once each; whatever they guard is re-checked by the caller after every
 * return.
 */
#define _GNU_SOURCE

#include <shmprim/wait.h>
#include <shmprim/claim.h>

#include <errno.h>
#include <stdint.h>

#include "../backends/shmprim_atomic.h"
#include "../backends/shmprim_os.h" /* futex_waitv, its probe, futex: the model checker replaces them */
#include "wait_internal.h"

enum { UNPROBED = 0, PRESENT = 1, ABSENT = 2 };

/* The probe's answer is cached in one word per process
 * (sp_futex_waitv_cache); two threads probing at once both find the same
 * answer. */
int shmprim_futex_waitv_supported(void)
{
	uint32_t *cache = sp_futex_waitv_cache();
	uint32_t v = sp_load_relaxed_u32(cache); /* a cache of the probe: no partner */

	if (v == UNPROBED) {
		v = sp_futex_waitv_probe() ? PRESENT : ABSENT;
		sp_store_relaxed_u32(cache, v); /* a cache: no partner */
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

/* The fallback's slice: sleeps on words[0] (compared with its value by the
 * kernel), then looks at the others. */
static int poll_slice(uint32_t *const *words, const uint32_t *expected, uint32_t n, uint64_t ns, uint32_t *which)
{
	if (ns > SHMPRIM_WAIT_ANY_SLICE_NS)
		ns = SHMPRIM_WAIT_ANY_SLICE_NS;
	if (sp_futex_wait_raw(words[0], expected[0], ns) == 0) {
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
		/* 1: woken or a change (*which set, perhaps UNKNOWN); 0: the whole
		 * timeout passed; -1: an error (errno kept) */
		r = sp_futex_waitv(words, expected, n, timeout_ns, &which);
		if (r < 0 && errno == ENOSYS)
			sp_store_relaxed_u32(sp_futex_waitv_cache(), ABSENT); /* a cache: no partner */
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
