/* Test-only stand-in for the part of Criterion's API that shmprim's suites
 * use, for targets Debian ships no Criterion for (s390x, the big-endian one).
 * It lets the *same* test sources (tests/unit, tests/batch, tests/ipc) build
 * into a plain runner (tests/shim/shim_main.c) that prints TAP: one line per
 * Test(), each run in its own forked process, so that
 *   - a failed cr_assert* stops that test and fails it,
 *   - a failed cr_expect* fails it and lets it go on,
 *   - a crash (any signal) or a timeout (.timeout, from Test or TestSuite)
 *     fails it,
 *   - cr_skip_test reports "ok N - ... # SKIP", as Criterion's --tap does,
 * and the runner exits non-zero if any test failed. Only what the suites use
 * is here: a Test() option or macro missing from it is a compile error, never
 * a silently ignored check. Written for shmprim; shares no code with Criterion. */
#ifndef SHMPRIM_CRITERION_SHIM_H
#define SHMPRIM_CRITERION_SHIM_H

/* Criterion's header brings these in, and the suites rely on it (malloc,
 * printf, bool); an implicit malloc would truncate pointers on 64-bit. */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The Test() / TestSuite() options the suites use. `unused_` takes the
 * leading positional 0, so `{ 0, __VA_ARGS__ }` is valid with no options. */
struct shim_opts {
	int unused_;
	double timeout;       /* seconds; 0 = the suite's, or none */
	int disabled;         /* reported as skipped, as Criterion does */
	const char *description;
};

struct shim_test {
	const char *suite;
	const char *name;
	void (*fn)(void);
	struct shim_opts opts;
	struct shim_test *next;
};

struct shim_suite {
	const char *name;
	struct shim_opts opts;
	struct shim_suite *next;
};

void shim_register_test(struct shim_test *t);
void shim_register_suite(struct shim_suite *s);
/* fatal != 0: the test stops here (cr_assert*); else it goes on but fails (cr_expect*). */
void shim_check_failed(int fatal, const char *file, int line, const char *expr, const char *fmt, ...);
void shim_skip(const char *fmt, ...);
void shim_log(const char *fmt, ...);

#define Test(suite, name, ...)                                                                    \
	static void shim_fn_##suite##_##name(void);                                               \
	static struct shim_test shim_t_##suite##_##name = {                                       \
		#suite, #name, shim_fn_##suite##_##name, { 0, __VA_ARGS__ }, NULL };              \
	__attribute__((constructor)) static void shim_reg_##suite##_##name(void)                 \
	{                                                                                         \
		shim_register_test(&shim_t_##suite##_##name);                                     \
	}                                                                                         \
	static void shim_fn_##suite##_##name(void)

#define TestSuite(suite, ...)                                                                     \
	static struct shim_suite shim_s_##suite = { #suite, { 0, __VA_ARGS__ }, NULL };           \
	__attribute__((constructor)) static void shim_sreg_##suite(void)                         \
	{                                                                                         \
		shim_register_suite(&shim_s_##suite);                                             \
	}                                                                                         \
	struct shim_suite_semicolon_##suite

/* The message, when given, is a printf format and its arguments; `"" fmt`
 * makes the no-message form pass an empty format. Each operand is evaluated
 * once, as in Criterion. */
#define SHIM_CHECK_(fatal, cond, expr, ...)                                                       \
	do {                                                                                      \
		if (!(cond))                                                                      \
			shim_check_failed((fatal), __FILE__, __LINE__, (expr), "" __VA_ARGS__);   \
	} while (0)

#define cr_assert(c, ...) SHIM_CHECK_(1, (c), #c, __VA_ARGS__)
#define cr_assert_not(c, ...) SHIM_CHECK_(1, !(c), "!(" #c ")", __VA_ARGS__)
#define cr_assert_eq(a, b, ...) SHIM_CHECK_(1, (a) == (b), #a " == " #b, __VA_ARGS__)
#define cr_assert_neq(a, b, ...) SHIM_CHECK_(1, (a) != (b), #a " != " #b, __VA_ARGS__)
#define cr_assert_lt(a, b, ...) SHIM_CHECK_(1, (a) < (b), #a " < " #b, __VA_ARGS__)
#define cr_assert_leq(a, b, ...) SHIM_CHECK_(1, (a) <= (b), #a " <= " #b, __VA_ARGS__)
#define cr_assert_gt(a, b, ...) SHIM_CHECK_(1, (a) > (b), #a " > " #b, __VA_ARGS__)
#define cr_assert_geq(a, b, ...) SHIM_CHECK_(1, (a) >= (b), #a " >= " #b, __VA_ARGS__)
#define cr_assert_null(p, ...) SHIM_CHECK_(1, (p) == NULL, #p " == NULL", __VA_ARGS__)
#define cr_assert_not_null(p, ...) SHIM_CHECK_(1, (p) != NULL, #p " != NULL", __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) SHIM_CHECK_(1, strcmp((a), (b)) == 0, #a " eq " #b, __VA_ARGS__)
#define cr_assert_str_neq(a, b, ...) SHIM_CHECK_(1, strcmp((a), (b)) != 0, #a " neq " #b, __VA_ARGS__)

#define cr_expect(c, ...) SHIM_CHECK_(0, (c), #c, __VA_ARGS__)
#define cr_expect_not(c, ...) SHIM_CHECK_(0, !(c), "!(" #c ")", __VA_ARGS__)
#define cr_expect_eq(a, b, ...) SHIM_CHECK_(0, (a) == (b), #a " == " #b, __VA_ARGS__)
#define cr_expect_neq(a, b, ...) SHIM_CHECK_(0, (a) != (b), #a " != " #b, __VA_ARGS__)

#define cr_skip_test(...) shim_skip("" __VA_ARGS__)
#define cr_log_info(...) shim_log("" __VA_ARGS__)

#ifdef __cplusplus
}
#endif

#endif
