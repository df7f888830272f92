// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0000-tap - self-test of the TAP harness in t/tap.c.
 *
 * Theory of operation: the harness cannot check its own failure paths from
 * inside one test program, so this test runs the helper programs in
 * t/helpers/ (found under $FROST_OBJTREE, default ".") with
 * tap_run_capture() and inspects their output and exit status: failed
 * checks must name the check, its file:line and both values; crashes,
 * premature exits, timeouts, skips and bail-outs must be reported as such;
 * fixtures (TEST_F()) must run setup, body and teardown in that order, and
 * teardown also after a failed assertion in the body; and prove(1), if
 * installed, must call a failing program a failure.  The environment
 * variables that steer the harness are reset around every helper run so
 * the outer run's settings do not leak in.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "tap.h"

struct run {
	char *out;
	int status;
	bool dumped;
};

static char *helper_path(const char *name)
{
	const char *objtree = getenv("FROST_OBJTREE");
	char *path;

	if (!objtree || !*objtree)
		objtree = ".";
	if (asprintf(&path, "%s/t/helpers/%s", objtree, name) < 0)
		tap_bail_out("out of memory");
	return path;
}

/*
 * Run helper @name with TAP_NOFORK=@nofork and TAP_TIMEOUT=@timeout (each
 * unset if NULL) and an optional argument @arg.  Ends the test on failure.
 */
static void run_helper(struct run *r, const char *name, const char *nofork,
		       const char *timeout, const char *arg)
{
	char *path = helper_path(name);
	const char *argv[] = { path, arg, NULL };
	int ret;

	unsetenv("TAP_NOFORK");
	unsetenv("TAP_TIMEOUT");
	if (nofork)
		setenv("TAP_NOFORK", nofork, 1);
	if (timeout)
		setenv("TAP_TIMEOUT", timeout, 1);
	ret = tap_run_capture(argv, &r->out, &r->status);
	unsetenv("TAP_NOFORK");
	unsetenv("TAP_TIMEOUT");
	r->dumped = false;
	if (ret < 0)
		tap_diag("cannot run %s: %s (is FROST_OBJTREE right?)", path,
			 strerror(-ret));
	free(path);
	assert_int(ret, ==, 0);
}

/* Show a helper's output once, after the first failed check on it. */
static void dump(struct run *r)
{
	if (r->dumped)
		return;
	r->dumped = true;
	tap_diag("helper output was:\n%s", r->out);
}

/* Does @out contain @line as a complete line? */
static bool has_line(const char *out, const char *line)
{
	size_t len = strlen(line);
	const char *p = out;

	while ((p = strstr(p, line))) {
		if ((p == out || p[-1] == '\n') &&
		    (p[len] == '\n' || p[len] == '\0'))
			return true;
		p++;
	}
	return false;
}

static size_t count(const char *out, const char *s)
{
	size_t n = 0;

	for (const char *p = out; (p = strstr(p, s)); p++)
		n++;
	return n;
}

#define expect_line(r, line)						\
	do {								\
		if (!expect_true(has_line((r)->out, (line))))		\
			dump(r);					\
	} while (0)

#define expect_has(r, s)						\
	do {								\
		if (!expect_true(strstr((r)->out, (s))))		\
			dump(r);					\
	} while (0)

#define expect_lacks(r, s)						\
	do {								\
		if (!expect_true(!strstr((r)->out, (s))))		\
			dump(r);					\
	} while (0)

#define expect_exit(r, code)						\
	do {								\
		if (!expect_true(WIFEXITED((r)->status)) ||		\
		    !expect_int(WEXITSTATUS((r)->status), ==, (code)))	\
			dump(r);					\
	} while (0)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

TEST(passing_checks_return_true)
{
	int x = 3;

	expect_true(expect_int(x, ==, 3));
	expect_true(expect_uint(x, >, 2));
	expect_true(expect_ptr(&x, !=, NULL));
	expect_true(expect_str("a", "a"));
	expect_true(expect_mem("ab", "ab", 2));
	expect_true(expect_neg_errno(-EAGAIN, EAGAIN));
	expect_true(expect_null_errno(getenv("FROST_NO_SUCH_VARIABLE"), 0));
	expect_true(tap_ok(true, "tap_ok inside a test"));
}

TEST(run_capture)
{
	const char *sh[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	const char *missing[] = { "/nonexistent/frost-helper", NULL };
	char *out = NULL;
	int status = 0;

	assert_int(tap_run_capture(sh, &out, &status), ==, 0);
	expect_str(out, "out\nerr\n");
	expect_true(WIFEXITED(status));
	expect_int(WEXITSTATUS(status), ==, 3);
	free(out);

	expect_neg_errno(tap_run_capture(missing, &out, &status), ENOENT);
}

static void check_fail_common(struct run *r)
{
	char *loc, *want, *end;

	expect_exit(r, 1);
	expect_line(r, "TAP version 13");
	expect_line(r, "1..6");
	expect_line(r, "not ok 1 - fails");
	expect_line(r, "ok 2 - passes");

	/* The expression, its file:line and both values. */
	loc = strstr(r->out, "# first check at ");
	if (!expect_ptr(loc, !=, NULL)) {
		dump(r);
		return;
	}
	loc += strlen("# first check at ");
	end = strchr(loc, '\n');
	assert_ptr(end, !=, NULL);
	if (asprintf(&want, "# %.*s: check failed: expect_int(1 + 2, ==, 4)",
		     (int)(end - loc), loc) < 0)
		tap_bail_out("out of memory");
	expect_true(memmem(loc, (size_t)(end - loc), "tap-fail.c:", 11));
	expect_line(r, want);
	free(want);
	expect_line(r, "#    left: 3");
	expect_line(r, "#   right: 4");

	/* The other kinds of check. */
	expect_has(r, "check failed: expect_uint(5u, <, 4u)");
	expect_line(r, "#    left: 5 (0x5)");
	expect_has(r, "check failed: expect_ptr(&line, ==, NULL)");
	expect_line(r, "#   right: NULL");
	expect_has(r, "check failed: expect_str(\"abc\", \"abd\")");
	expect_line(r, "#    left: \"abc\"");
	expect_line(r, "#   right: \"abd\"");
	expect_line(r, "#    left: NULL");
	expect_has(r, "check failed: expect_mem(\"abcdefgh\", \"abcdXfgh\", 8)");
	expect_line(r, "#   first difference at offset 4 of 8");
	expect_line(r, "#    left: +0: 61 62 63 64 65 66 67 68");
	expect_line(r, "#   right: +0: 61 62 63 64 58 66 67 68");
	expect_has(r, "check failed: expect_neg_errno(-EINVAL, ENOENT)");
	expect_has(r, "check failed: expect_null_errno(fail_with(EPERM, NULL), ENOENT)");
	expect_has(r, "check failed: expect_true(line < 0)");
	expect_line(r, "# expect_true returned false");
	expect_has(r, "check failed: assert_int(line, <, 0)");
	expect_lacks(r, "unreachable");

	/* Skips, and tap_ok() inside a test. */
	expect_line(r, "ok 5 - skipped # SKIP not today");
	expect_line(r, "# check failed: one is greater than two");
	expect_line(r, "not ok 6 - named_check");
}

TEST(failing_checks)
{
	struct run r;

	run_helper(&r, "tap-fail", NULL, NULL, NULL);
	check_fail_common(&r);
	expect_line(&r, "not ok 3 - crash # killed by SIGABRT");
	expect_line(&r, "not ok 4 - exits # test exited prematurely with status 0");
	free(r.out);
}

TEST(failing_checks_nofork)
{
	struct run r;

	run_helper(&r, "tap-fail", "1", NULL, NULL);
	check_fail_common(&r);
	expect_line(&r, "ok 3 - crash # SKIP would abort the harness under TAP_NOFORK");
	expect_line(&r, "ok 4 - exits # SKIP would end the harness under TAP_NOFORK");
	free(r.out);
}

TEST(select_by_name)
{
	struct run r;

	run_helper(&r, "tap-fail", NULL, NULL, "pass*");
	expect_exit(&r, 0);
	expect_line(&r, "ok 1 - fails # SKIP not selected");
	expect_line(&r, "ok 2 - passes");
	expect_lacks(&r, "not ok");
	free(r.out);
}

TEST(skip_all)
{
	struct run r;

	run_helper(&r, "tap-skipall", NULL, NULL, NULL);
	expect_exit(&r, 0);
	expect_true(strncmp(r.out, "TAP version 13\n", 15) == 0);
	expect_line(&r, "1..0 # SKIP no frobnicator available (demo)");
	expect_lacks(&r, "ok 1");
	free(r.out);
}

TEST_TIMEOUT(timeout, 60)
{
	struct run r;
	double t0 = now(), elapsed;

	run_helper(&r, "tap-timeout", NULL, "1", NULL);
	elapsed = now() - t0;
	expect_exit(&r, 1);
	expect_line(&r, "not ok 1 - hang # TIMEOUT after 1 s");
	expect_line(&r, "not ok 2 - hang_own_timeout # TIMEOUT after 2 s");
	expect_line(&r, "ok 3 - after");
	/* 1 s + 2 s of timeouts, with generous slack for slow machines. */
	tap_diag("tap-timeout took %.2f s", elapsed);
	expect_true(elapsed >= 2.9);
	expect_true(elapsed < 20);
	free(r.out);
}

static void check_bailout(const char *nofork)
{
	struct run r;

	run_helper(&r, "tap-bailout", nofork, NULL, NULL);
	expect_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) != 0);
	expect_line(&r, "1..3");
	expect_line(&r, "ok 1 - first");
	expect_line(&r, "Bail out! database on fire: 42");
	expect_lacks(&r, "never reached");
	expect_lacks(&r, "ok 2");
	expect_lacks(&r, "ok 3");
	free(r.out);
}

TEST(bail_out)
{
	check_bailout(NULL);
}

TEST(bail_out_nofork)
{
	check_bailout("1");
}

static void run_prove(const char *helper, int want_exit, const char *result)
{
	char *path = helper_path(helper);
	const char *argv[] = { "prove", path, NULL };
	struct run r = { 0 };
	int ret;

	unsetenv("TAP_NOFORK");
	unsetenv("TAP_TIMEOUT");
	ret = tap_run_capture(argv, &r.out, &r.status);
	free(path);
	if (ret == -ENOENT)
		tap_skip("prove not found in PATH");
	assert_int(ret, ==, 0);
	if (want_exit)
		expect_true(!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0);
	else
		expect_exit(&r, 0);
	expect_has(&r, result);
	if (!r.dumped && count(r.out, result) != 1)
		dump(&r);
	free(r.out);
}

TEST(prove_sees_failure)
{
	run_prove("tap-fail", 1, "Result: FAIL");
}

TEST(prove_accepts_skip_all)
{
	/* A lone skipped file makes prove say "Result: NOTESTS", status 0. */
	run_prove("tap-skipall", 0, "skipped: no frobnicator available (demo)");
}

/*
 * The fixture tests use a fixture themselves: one helper run, whose output
 * the teardown frees however the test ended.
 */
FIXTURE(fixture_run) {
	struct run r;
};

FIXTURE_SETUP(fixture_run)
{
	expect_ptr(self->r.out, ==, NULL);	/* a zero-filled instance */
}

FIXTURE_TEARDOWN(fixture_run)
{
	free(self->r.out);
}

/* Do the complete lines @lines (NULL-terminated) appear in @r, in order? */
static bool in_order(struct run *r, const char *const *lines)
{
	const char *p = r->out;

	for (; *lines; lines++) {
		size_t len = strlen(*lines);

		for (;;) {
			p = strstr(p, *lines);
			if (!p) {
				tap_diag("missing, or out of order: %s", *lines);
				dump(r);
				return false;
			}
			if ((p == r->out || p[-1] == '\n') &&
			    (p[len] == '\n' || p[len] == '\0'))
				break;
			p++;
		}
		p += len;
	}
	return true;
}

static void check_fixture_common(struct run *r, const char *hang_line)
{
	const char *const order[] = {
		"1..8",
		"# setup counter zeroed=1",
		"# body passes value=42",
		"# teardown counter value=7",
		"ok 1 - passes",
		"# setup counter zeroed=1",
		"# body body_asserts",
		"# teardown counter value=8",
		"not ok 2 - body_asserts",
		"# setup counter zeroed=1",
		"# teardown counter value=9",
		"ok 3 - body_skips # SKIP skipped in the body",
		hang_line,
		"# body plain",
		"ok 5 - plain",
		"# setup bad_setup",
		"not ok 6 - setup_asserts",
		"# setup of fixture soft_setup failed; body not run",
		"# teardown soft_setup",
		"not ok 7 - setup_expects",
		"# body teardown_fails",
		"not ok 8 - teardown_fails",
		NULL
	};

	expect_exit(r, 1);
	expect_true(in_order(r, order));
	expect_has(r, "check failed: assert_int(self->value, ==, 0)");
	expect_has(r, "check failed: assert_int(1, ==, 2)");
	expect_has(r, "check failed: expect_int(1, ==, 3)");
	expect_has(r, "check failed: expect_int(self->value, ==, 2)");
	expect_lacks(r, "unreachable");
}

TEST_F(fixture_run, fixture_order)
{
	run_helper(&self->r, "tap-fixture", NULL, NULL, NULL);
	check_fixture_common(&self->r, "not ok 4 - body_hangs # TIMEOUT after 0.5 s");
	/* The hung body never reaches its teardown: its process is killed. */
	expect_line(&self->r, "# body body_hangs");
	expect_true(count(self->r.out, "# teardown counter") == 3);
}

TEST_F(fixture_run, fixture_order_nofork)
{
	run_helper(&self->r, "tap-fixture", "1", NULL, NULL);
	check_fixture_common(&self->r,
			     "ok 4 - body_hangs # SKIP would hang the harness under TAP_NOFORK");
	expect_line(&self->r, "# teardown counter value=42");
}

TEST_F(fixture_run, fixture_select_by_name)
{
	run_helper(&self->r, "tap-fixture", NULL, NULL, "passes");
	expect_exit(&self->r, 0);
	expect_line(&self->r, "ok 1 - passes");
	expect_line(&self->r, "ok 2 - body_asserts # SKIP not selected");
	/* An unselected test's setup does not run. */
	expect_true(count(self->r.out, "# setup") == 1);
}

TAP_MAIN()
