// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tap-timeout - a TAP program whose tests hang.
 *
 * Theory of operation: t0000-tap runs this with TAP_TIMEOUT=1.  The first
 * test hangs and leaves behind a grandchild that holds stdout open, so
 * the self-test (which reads to EOF) only finishes if the harness kills
 * the test's whole process group.  The second test hangs under its own
 * TEST_TIMEOUT(), which must win over TAP_TIMEOUT.  The last one passes,
 * showing that the run continues after a timeout.
 */
#include <unistd.h>

#include "tap.h"

static void hang(void)
{
	for (;;)
		pause();
}

TEST(hang)
{
	if (fork() == 0)
		hang();
	hang();
}

TEST_TIMEOUT(hang_own_timeout, 2)
{
	hang();
}

TEST(after)
{
	expect_int(1, ==, 1);
}

TAP_MAIN()
