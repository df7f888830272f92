// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/core/err.c - the library's one way to die: __frost_panic().
 *
 * Theory of operation. What no return value can report (a broken invariant,
 * misuse that would corrupt another thread's state) ends the process with a
 * message on stderr, written in one write(2) so that it is not interleaved
 * with other output, then abort() for a core dump.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "core/err.h"

void __frost_panic(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	/* One write, so the message is not interleaved with other output. */
	n = snprintf(msg, sizeof(msg), "frost: ");
	va_start(ap, fmt);
	n += vsnprintf(msg + n, sizeof(msg) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(msg) - 2)
		n = (int)sizeof(msg) - 2;
	msg[n++] = '\n';
	fwrite(msg, 1, (size_t)n, stderr);
	abort();
}
