// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tap-fail - a TAP program whose tests fail on purpose.
 *
 * Theory of operation: t0000-tap runs this helper (it is not part of the
 * suite) and checks what the harness printed.  Test 1 fails every kind of
 * expect_*() check and then an assert_*(), after which nothing may run;
 * it also prints where its first check is, so the self-test can look for
 * that file:line.  The other tests pass, crash, exit behind the harness's
 * back, skip, and fail a tap_ok() inside a test.  Tests that would take
 * the whole process down are skipped under TAP_NOFORK.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "tap.h"

static bool nofork(void)
{
	const char *s = getenv("TAP_NOFORK");

	return s && *s && strcmp(s, "0") != 0;
}

static void *fail_with(int err, void *ret)
{
	errno = err;
	return ret;
}

TEST(fails)
{
	int line;

	line = __LINE__ + 1;
	expect_int(1 + 2, ==, 4);
	tap_diag("first check at %s:%d", __FILE__, line);

	expect_uint(5u, <, 4u);
	expect_ptr(&line, ==, NULL);
	expect_str("abc", "abd");
	expect_str(NULL, "x");
	expect_mem("abcdefgh", "abcdXfgh", 8);
	expect_neg_errno(-EINVAL, ENOENT);
	expect_null_errno(fail_with(EPERM, NULL), ENOENT);
	if (!expect_true(line < 0))
		tap_diag("expect_true returned false");
	assert_int(line, <, 0);
	tap_diag("unreachable after assert");
}

TEST(passes)
{
	const char buf[] = "frost";

	expect_int(-1, <, 0);
	expect_uint(1, <=, 1);
	expect_ptr(buf, !=, NULL);
	expect_str(buf, "frost");
	expect_str(NULL, NULL);
	expect_mem(buf, "frost", sizeof(buf));
	expect_neg_errno(-ENOENT, ENOENT);
	expect_null_errno(fail_with(EPERM, NULL), EPERM);
	assert_true(buf[0] == 'f');
	assert_int(sizeof(buf), ==, 6);
}

TEST(crash)
{
	struct rlimit nocore = { 0, 0 };

	if (nofork())
		tap_skip("would abort the harness under TAP_NOFORK");
	setrlimit(RLIMIT_CORE, &nocore);
	abort();
}

TEST(exits)
{
	if (nofork())
		tap_skip("would end the harness under TAP_NOFORK");
	exit(0);
}

TEST(skipped)
{
	tap_skip("not %s", "today");
	tap_diag("unreachable after skip");
}

TEST(named_check)
{
	tap_ok(1 > 2, "one is greater than two");
}

TAP_MAIN()
