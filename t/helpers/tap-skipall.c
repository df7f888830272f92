// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tap-skipall - a TAP program that skips all of its tests.
 *
 * Theory of operation: main() calls tap_skip_all() before tap_main(), the
 * way a test program does when a prerequisite is missing; the registered
 * test must never run.  t0000-tap checks the "1..0 # SKIP" line and the
 * zero exit status.
 */
#include "tap.h"

TEST(never_runs)
{
	expect_true(0);
}

int main(int argc, char **argv)
{
	tap_skip_all("no frobnicator available (%s)", "demo");
	return tap_main(argc, argv);
}
