// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tap-fixture - a TAP program whose fixture tests pass and fail on purpose.
 *
 * Theory of operation: t0000-tap runs this helper (it is not part of the
 * suite) and reads the "# ..." trace lines that every setup, body and
 * teardown prints, to check the order in which the harness runs them and
 * which of them it skips: setup before the body, teardown after it even
 * when the body fails an assertion or skips, no body after a failed setup,
 * no teardown after a setup that ended early, and a failing teardown fails
 * the test.  Tests that would take the whole process down (a timeout) are
 * skipped under TAP_NOFORK.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

static bool nofork(void)
{
	const char *s = getenv("TAP_NOFORK");

	return s && *s && strcmp(s, "0") != 0;
}

FIXTURE(counter) {
	int value;
	int *mem;
	int zero[8];
};

FIXTURE_SETUP(counter)
{
	int nonzero = self->value;

	for (size_t i = 0; i < sizeof(self->zero) / sizeof(int); i++)
		nonzero |= self->zero[i];
	tap_diag("setup counter zeroed=%d", !nonzero && !self->mem);
	self->value = 42;
	self->mem = malloc(sizeof(*self->mem));
	assert_ptr(self->mem, !=, NULL);
}

FIXTURE_TEARDOWN(counter)
{
	tap_diag("teardown counter value=%d", self->value);
	free(self->mem);
}

TEST_F(counter, passes)
{
	tap_diag("body passes value=%d", self->value);
	assert_int(self->value, ==, 42);
	self->value = 7;
}

TEST_F(counter, body_asserts)
{
	tap_diag("body body_asserts");
	self->value = 8;
	assert_int(self->value, ==, 0);
	tap_diag("unreachable after assert");
}

TEST_F(counter, body_skips)
{
	self->value = 9;
	tap_skip("skipped in the body");
	tap_diag("unreachable after skip");
}

TEST_F_TIMEOUT(counter, body_hangs, 0.5)
{
	if (nofork())
		tap_skip("would hang the harness under TAP_NOFORK");
	tap_diag("body body_hangs");
	pause();
}

/* Plain tests keep their place among the fixture tests. */
TEST(plain)
{
	tap_diag("body plain");
}

FIXTURE(bad_setup) {
	int unused;
};

FIXTURE_SETUP(bad_setup)
{
	tap_diag("setup bad_setup");
	assert_int(1, ==, 2);
	tap_diag("unreachable in setup");
}

FIXTURE_TEARDOWN(bad_setup)
{
	tap_diag("unreachable teardown bad_setup");
}

TEST_F(bad_setup, setup_asserts)
{
	tap_diag("unreachable body setup_asserts");
}

FIXTURE(soft_setup) {
	int unused;
};

FIXTURE_SETUP(soft_setup)
{
	expect_int(1, ==, 3);
}

FIXTURE_TEARDOWN(soft_setup)
{
	tap_diag("teardown soft_setup");
}

TEST_F(soft_setup, setup_expects)
{
	tap_diag("unreachable body setup_expects");
}

FIXTURE(bad_teardown) {
	int value;
};

FIXTURE_SETUP(bad_teardown)
{
	self->value = 1;
}

FIXTURE_TEARDOWN(bad_teardown)
{
	expect_int(self->value, ==, 2);
}

TEST_F(bad_teardown, teardown_fails)
{
	tap_diag("body teardown_fails");
}

TAP_MAIN()
