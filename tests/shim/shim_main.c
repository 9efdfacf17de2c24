/* The runner behind tests/shim/criterion/criterion.h: runs every registered
 * Test() in its own forked process, one after another, and prints TAP
 * ("ok N - suite::name", "not ok N - suite::name", "# SKIP"). Exit status 0
 * only if no test failed. Arguments Criterion's runs pass (--tap, -jN,
 * --jobs N) are accepted; anything else is an error, so a run never
 * quietly does less than was asked. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Child exit statuses the parent reads (anything else, or a signal, fails). */
enum { SHIM_PASS = 0, SHIM_FAILED = 1, SHIM_SKIPPED = 97 };

static struct shim_test *tests;
static struct shim_suite *suites;
static int report_fd = -1;   /* the child's end of the message pipe */
static int expect_failed;    /* a cr_expect* failed in this (child) test */

void shim_register_test(struct shim_test *t)
{
	t->next = tests;
	tests = t;
}

void shim_register_suite(struct shim_suite *s)
{
	s->next = suites;
	suites = s;
}

/* Messages go through a pipe to the parent, which prints them as TAP
 * diagnostics under the test's result line. */
static void report(const char *prefix, const char *fmt, va_list ap)
{
	char buf[2048];
	int n = snprintf(buf, sizeof(buf), "%s", prefix);

	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	if (fmt[0] != '\0')
		vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	n = (int)strlen(buf);
	if (n < (int)sizeof(buf) - 1)
		buf[n++] = '\n';
	if (report_fd >= 0) {
		ssize_t w = write(report_fd, buf, (size_t)n);
		(void)w;
	} else {
		fwrite(buf, 1, (size_t)n, stderr);
	}
}

void shim_check_failed(int fatal, const char *file, int line, const char *expr, const char *fmt, ...)
{
	char prefix[512];
	va_list ap;

	if (fmt[0] == '\0')
		snprintf(prefix, sizeof(prefix), "%s:%d: Assertion failed: %s", file, line, expr);
	else
		snprintf(prefix, sizeof(prefix), "%s:%d: Assertion failed: ", file, line);
	va_start(ap, fmt);
	report(prefix, fmt, ap);
	va_end(ap);
	if (fatal) {
		fflush(stdout);
		_exit(SHIM_FAILED);
	}
	expect_failed = 1;
}

void shim_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("", fmt, ap);
	va_end(ap);
	fflush(stdout);
	_exit(SHIM_SKIPPED);
}

void shim_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("info: ", fmt, ap);
	va_end(ap);
}

static double timeout_of(const struct shim_test *t)
{
	const struct shim_suite *s;

	if (t->opts.timeout > 0)
		return t->opts.timeout;
	for (s = suites; s; s = s->next)
		if (strcmp(s->name, t->suite) == 0)
			return s->opts.timeout;
	return 0;
}

static int disabled(const struct shim_test *t)
{
	const struct shim_suite *s;

	if (t->opts.disabled)
		return 1;
	for (s = suites; s; s = s->next)
		if (strcmp(s->name, t->suite) == 0)
			return s->opts.disabled;
	return 0;
}

static int by_suite_then_name(const void *a, const void *b)
{
	const struct shim_test *x = *(const struct shim_test *const *)a;
	const struct shim_test *y = *(const struct shim_test *const *)b;
	int c = strcmp(x->suite, y->suite);

	return c ? c : strcmp(x->name, y->name);
}

/* Prints what the child sent, each line as a TAP diagnostic. */
static void print_messages(const char *msg, size_t len)
{
	size_t i;
	int at_line_start = 1;

	for (i = 0; i < len; i++) {
		if (at_line_start)
			fputs("  # ", stdout);
		putchar(msg[i]);
		at_line_start = msg[i] == '\n';
	}
	if (!at_line_start)
		putchar('\n');
}

/* 1 = passed, 0 = failed, -1 = skipped. */
static int run_one(struct shim_test *t, unsigned number)
{
	int fds[2], status = 127 << 8; /* "exited 127" if waitpid fails */
	double timeout = timeout_of(t);
	pid_t pid;

	if (disabled(t)) {
		printf("ok %u - %s::%s # SKIP test is disabled\n", number, t->suite, t->name);
		return -1;
	}
	if (pipe(fds) != 0) {
		printf("not ok %u - %s::%s # runner: pipe: %s\n", number, t->suite, t->name, strerror(errno));
		return 0;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		printf("not ok %u - %s::%s # runner: fork: %s\n", number, t->suite, t->name, strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return 0;
	}
	if (pid == 0) {
		close(fds[0]);
		report_fd = fds[1];
		if (timeout > 0)
			alarm((unsigned)(timeout + 0.999));
		t->fn();
		fflush(stdout);
		_exit(expect_failed ? SHIM_FAILED : SHIM_PASS);
	}
	close(fds[1]);
	/* Read before reaping: a child blocked on a full pipe would never exit. */
	{
		char *msg = NULL;
		size_t len = 0, cap = 0;
		char buf[4096];
		ssize_t n;

		while ((n = read(fds[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
			if (n < 0)
				continue;
			if (len + (size_t)n + 1 > cap) {
				char *bigger;

				cap = (len + (size_t)n + 1) * 2;
				bigger = realloc(msg, cap);
				if (!bigger)
					break;
				msg = bigger;
			}
			memcpy(msg + len, buf, (size_t)n);
			len += (size_t)n;
		}
		close(fds[0]);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(status) && WEXITSTATUS(status) == SHIM_PASS)
			printf("ok %u - %s::%s\n", number, t->suite, t->name);
		else if (WIFEXITED(status) && WEXITSTATUS(status) == SHIM_SKIPPED)
			printf("ok %u - %s::%s # SKIP %.*s\n", number, t->suite, t->name,
			       (int)(len && msg[len - 1] == '\n' ? len - 1 : len), len ? msg : "");
		else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
			printf("not ok %u - %s::%s # timed out after %g s\n", number, t->suite, t->name, timeout);
		else if (WIFSIGNALED(status))
			printf("not ok %u - %s::%s # crashed: signal %d (%s)\n", number, t->suite, t->name,
			       WTERMSIG(status), strsignal(WTERMSIG(status)));
		else if (WIFEXITED(status) && WEXITSTATUS(status) == SHIM_FAILED)
			printf("not ok %u - %s::%s\n", number, t->suite, t->name);
		else
			printf("not ok %u - %s::%s # exited with status %d\n", number, t->suite, t->name,
			       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		if (len && !(WIFEXITED(status) && WEXITSTATUS(status) == SHIM_SKIPPED))
			print_messages(msg, len);
		free(msg);
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == SHIM_PASS ? 1 :
	       WIFEXITED(status) && WEXITSTATUS(status) == SHIM_SKIPPED ? -1 : 0;
}

/* selftest.c calls the runner under another name, to check its output. */
#ifndef SHIM_RUNNER_MAIN
#define SHIM_RUNNER_MAIN main
#endif

int SHIM_RUNNER_MAIN(int argc, char **argv)
{
	struct shim_test **list, *t;
	size_t n = 0, i;
	unsigned failed = 0;
	int a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--tap") == 0 || strncmp(argv[a], "-j", 2) == 0 ||
		    strncmp(argv[a], "--jobs=", 7) == 0)
			continue;
		if (strcmp(argv[a], "--jobs") == 0 && a + 1 < argc) {
			a++;
			continue;
		}
		fprintf(stderr, "%s: unsupported argument %s (Criterion shim)\n", argv[0], argv[a]);
		return 2;
	}
	for (t = tests; t; t = t->next)
		n++;
	list = malloc((n ? n : 1) * sizeof(*list));
	if (!list)
		return 2;
	for (t = tests, i = 0; t; t = t->next)
		list[i++] = t;
	qsort(list, n, sizeof(*list), by_suite_then_name);
	printf("TAP version 13\n1..%zu\n# shmprim Criterion shim (tests/shim): one process per test\n", n);
	for (i = 0; i < n; i++)
		if (run_one(list[i], (unsigned)(i + 1)) == 0)
			failed++;
	fflush(stdout);
	free(list);
	return failed ? 1 : 0;
}
