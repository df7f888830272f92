// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/core/version.c - the library's version string.
 *
 * The string is built from the same FROST_VERSION_* macros that the public
 * header hands to users, so a program can detect a header/library mismatch.
 * A debug library also defines frost_config_debug, the symbol a debug
 * build's headers refer to.
 */
#include <frost/frost.h>

#define __FROST_STR(x) #x
#define FROST_STR(x) __FROST_STR(x)

/*
 * Only a debug library defines it: <frost/config.h> of a debug build makes
 * every program refer to it, so such a program cannot run on a release
 * library (Documentation/core-api/abi.rst).
 */
#ifdef CONFIG_FROST_DEBUG
const char frost_config_debug[] = "debug";
#endif

const char *frost_version(void)
{
	return FROST_STR(FROST_VERSION_MAJOR) "." FROST_STR(FROST_VERSION_MINOR) "."
	       FROST_STR(FROST_VERSION_PATCH);
}
