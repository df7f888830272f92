// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0001-config: include/generated/autoconf.h reflects .config.
 *
 * The test reads $FROST_OBJTREE/.config at run time and compares every
 * CONFIG_FROST_* symbol with the value this program was compiled with (the
 * force-included autoconf.h): a stale header, a missed rebuild or a parse
 * error in scripts/mkautoconf shows up as a mismatch. It also checks that
 * the library's version string matches the public header.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <frost/frost.h>
#include "tap.h"

/* Value of @name in .config: "y", a number, or NULL if unset/absent. */
static char *config_value(const char *name)
{
	const char *tree = getenv("FROST_OBJTREE");
	char path[4096], line[512];
	size_t n = strlen(name);
	char *val = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/.config", tree ? tree : ".");
	f = fopen(path, "r");
	if (!f)
		tap_bail_out("cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, n) == 0 && line[n] == '=') {
			line[strcspn(line, "\n")] = '\0';
			val = strdup(line + n + 1);
			break;
		}
	}
	fclose(f);
	return val;
}

static bool config_is_y(const char *name)
{
	char *v = config_value(name);
	bool y = v && strcmp(v, "y") == 0;

	free(v);
	return y;
}

static long config_long(const char *name)
{
	char *v = config_value(name);
	long l;

	if (!v)
		tap_bail_out("%s missing from .config", name);
	l = strtol(v, NULL, 10);
	free(v);
	return l;
}

TEST(bool_options_match)
{
#ifdef CONFIG_FROST_DEBUG
	expect_true(config_is_y("CONFIG_FROST_DEBUG"));
#else
	expect_true(!config_is_y("CONFIG_FROST_DEBUG"));
#endif
#ifdef CONFIG_FROST_STATS
	expect_true(config_is_y("CONFIG_FROST_STATS"));
#else
	expect_true(!config_is_y("CONFIG_FROST_STATS"));
#endif
}

TEST(int_options_match)
{
	expect_int(CONFIG_FROST_SMALLINT_MIN, ==, config_long("CONFIG_FROST_SMALLINT_MIN"));
	expect_int(CONFIG_FROST_SMALLINT_MAX, ==, config_long("CONFIG_FROST_SMALLINT_MAX"));
	/* Negative values must be parenthesised to be safe in expressions. */
	expect_int(-CONFIG_FROST_SMALLINT_MIN, ==, -config_long("CONFIG_FROST_SMALLINT_MIN"));
}

TEST(version_matches_header)
{
	char want[32];

	snprintf(want, sizeof(want), "%d.%d.%d", FROST_VERSION_MAJOR, FROST_VERSION_MINOR,
		 FROST_VERSION_PATCH);
	expect_str(frost_version(), want);
}

TAP_MAIN()
