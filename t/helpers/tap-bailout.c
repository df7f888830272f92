// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tap-bailout - a TAP program that bails out halfway.
 *
 * Theory of operation: the second test calls tap_bail_out(); t0000-tap
 * checks that the first test was reported, that "Bail out!" was printed,
 * that the third test never ran and that the exit status is non-zero,
 * with and without TAP_NOFORK.
 */
#include "tap.h"

TEST(first)
{
	expect_true(1);
}

TEST(bail)
{
	tap_bail_out("database on fire: %d", 42);
}

TEST(never)
{
	tap_diag("never reached");
}

TAP_MAIN()
