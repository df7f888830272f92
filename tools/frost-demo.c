// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tools/frost-demo.c - the smallest program that uses libfrost.
 *
 * It prints the library version and the build configuration it was compiled
 * with (small-int range, CONFIG_FROST_DEBUG, CONFIG_FROST_STATS), and nothing
 * else. `make run` runs frost-torture, not this; tools/examples/ shows the
 * API at work.
 */
#include <stdio.h>
#include <frost/frost.h>

int main(void)
{
	printf("frost %s (headers %d.%d.%d)\n", frost_version(), FROST_VERSION_MAJOR,
	       FROST_VERSION_MINOR, FROST_VERSION_PATCH);
	printf("config: smallint %d..%d, debug %s, stats %s\n", CONFIG_FROST_SMALLINT_MIN,
	       CONFIG_FROST_SMALLINT_MAX,
#ifdef CONFIG_FROST_DEBUG
	       "on",
#else
	       "off",
#endif
#ifdef CONFIG_FROST_STATS
	       "on"
#else
	       "off"
#endif
	);
	return 0;
}
