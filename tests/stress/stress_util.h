/* What the stress programs share: the scale rule, a clock, argument parsing. */
#ifndef SHMPRIM_TEST_STRESS_UTIL_H
#define SHMPRIM_TEST_STRESS_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define STRESS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define STRESS_SANITIZED 1
#endif
#endif

/* Counts are divided by SHMPRIM_STRESS_SCALE (an integer >= 1). Unset, it is
 * 10 in a TSan or ASan build (each shared access costs 5-15x there) and 1
 * otherwise, so one meson.build serves plain and sanitizer builds alike. */
static inline uint64_t stress_scale(void)
{
	const char *s = getenv("SHMPRIM_STRESS_SCALE");
	char *end;
	unsigned long long v;

	if (s && *s) {
		errno = 0;
		v = strtoull(s, &end, 10);
		if (errno || *end || v == 0) {
			fprintf(stderr, "SHMPRIM_STRESS_SCALE must be a positive integer, not '%s'\n", s);
			exit(2);
		}
		return v;
	}
#ifdef STRESS_SANITIZED
	return 10;
#else
	return 1;
#endif
}

/* argv[i] as an unsigned number, or dflt when absent; exits on garbage. */
static inline uint64_t stress_arg(int argc, char **argv, int i, uint64_t dflt)
{
	char *end;
	unsigned long long v;

	if (i >= argc)
		return dflt;
	errno = 0;
	v = strtoull(argv[i], &end, 0);
	if (errno || *end || end == argv[i]) {
		fprintf(stderr, "%s: argument %d ('%s') is not a number\n", argv[0], i, argv[i]);
		exit(2);
	}
	return v;
}

static inline double stress_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
