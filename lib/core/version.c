// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/core/version.c - the library's version string.
 *
 * The string is built from the same FROST_VERSION_* macros that the public
 * header hands to users, so a program can detect a header/library mismatch.
 */
#include <frost/frost.h>

#define __FROST_STR(x) #x
#define FROST_STR(x) __FROST_STR(x)

const char *frost_version(void)
{
	return FROST_STR(FROST_VERSION_MAJOR) "." FROST_STR(FROST_VERSION_MINOR) "."
	       FROST_STR(FROST_VERSION_PATCH);
}
