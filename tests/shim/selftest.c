/* The Criterion shim's own check: each way a test can end, run through the
 * real runner (shim_main.c, its main renamed shim_runner_main), and its TAP
 * compared line by line with what Criterion reports for the same cases: an
 * assertion failure fails the test and stops it, an expectation failure fails
 * it and lets it go on, a crash and a timeout fail it, a skip and a disabled
 * test are "ok ... # SKIP", the plan counts every Test(), and the run exits 1.
 * Runs on every target (under qemu-user in cross builds), since the shim is
 * what stands in for Criterion there. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int shim_runner_main(int argc, char **argv);

TestSuite(selftest, .timeout = 20);

Test(selftest, a_passes)
{
	cr_assert_eq(2 + 2, 4);
	cr_assert_str_eq("ab", "ab");
	cr_expect_neq(1, 2);
}

Test(selftest, b_assert_fails_and_stops)
{
	cr_assert_eq(1 + 1, 3, "one plus one is %d", 1 + 1);
	printf("not reached\n"); /* a stop that failed to stop would print here */
	fflush(stdout);
}

Test(selftest, c_expect_fails_and_goes_on)
{
	cr_expect_eq(1, 2, "first");
	cr_expect(0, "second");
}

Test(selftest, d_crash_fails)
{
	raise(SIGSEGV);
}

Test(selftest, e_timeout_fails, .timeout = 1)
{
	sleep(30);
}

Test(selftest, f_skip)
{
	cr_skip_test("skipped because %d", 7);
	cr_assert(0);
}

Test(selftest, g_disabled, .disabled = 1)
{
	cr_assert(0);
}

Test(selftest, h_null_checks)
{
	int x = 0;

	cr_assert_null(NULL);
	cr_assert_not_null(&x);
	cr_assert_not(x);
	cr_assert_lt(1, 2);
	cr_assert_leq(2, 2);
	cr_assert_gt(3, 2);
	cr_assert_geq(3, 3);
	cr_assert_str_neq("a", "b");
	cr_assert_null(&x, "points at x");
}

Test(selftest, i_exit_nonzero_fails)
{
	exit(3);
}

static const char *const expected[] = {
	"TAP version 13",
	"1..9",
	"ok 1 - selftest::a_passes",
	"not ok 2 - selftest::b_assert_fails_and_stops",
	"  # selftest.c:#: Assertion failed: one plus one is 2",
	"not ok 3 - selftest::c_expect_fails_and_goes_on",
	"  # selftest.c:#: Assertion failed: first",
	"  # selftest.c:#: Assertion failed: second",
	"not ok 4 - selftest::d_crash_fails # crashed: signal 11 (Segmentation fault)",
	"not ok 5 - selftest::e_timeout_fails # timed out after 1 s",
	"ok 6 - selftest::f_skip # SKIP skipped because 7",
	"ok 7 - selftest::g_disabled # SKIP test is disabled",
	"not ok 8 - selftest::h_null_checks",
	"  # selftest.c:#: Assertion failed: points at x",
	"not ok 9 - selftest::i_exit_nonzero_fails # exited with status 3",
};

/* The line with the directory before selftest.c and the line number as '#'. */
static void normalize(char *line)
{
	char *file = strstr(line, "selftest.c:"), *start, *num, *end;

	if (!file)
		return;
	for (start = file; start > line && start[-1] != ' '; start--)
		;
	memmove(start, file, strlen(file) + 1);
	num = start + strlen("selftest.c:");
	for (end = num; *end >= '0' && *end <= '9'; end++)
		;
	if (end > num) {
		*num = '#';
		memmove(num + 1, end, strlen(end) + 1);
	}
}

int main(void)
{
	char *args[] = { "shim-selftest", "--tap", NULL };
	char line[1024];
	size_t n = 0, i, want = sizeof(expected) / sizeof(expected[0]);
	int saved, rc, bad = 0;
	FILE *out = tmpfile();

	if (!out) {
		perror("tmpfile");
		return 1;
	}
	fflush(stdout);
	saved = dup(1);
	dup2(fileno(out), 1);
	rc = shim_runner_main(2, args);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	rewind(out);
	printf("TAP version 13\n1..2\n");
	while (fgets(line, sizeof(line), out)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#')
			continue; /* the runner's banner */
		normalize(line);
		if (n >= want || strcmp(line, expected[n]) != 0) {
			printf("# line %zu: got      '%s'\n#          expected '%s'\n", n + 1, line,
			       n < want ? expected[n] : "(end)");
			bad = 1;
		}
		n++;
	}
	for (i = n; i < want; i++) {
		printf("# missing line '%s'\n", expected[i]);
		bad = 1;
	}
	printf("%s 1 - the runner's TAP is the expected one, line for line\n", bad ? "not ok" : "ok");
	printf("%s 2 - the runner exits 1 when a test failed (got %d)\n", rc == 1 ? "ok" : "not ok", rc);
	return bad || rc != 1;
}
