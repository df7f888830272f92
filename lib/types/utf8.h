/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Strict UTF-8 validation (internal).
 *
 * Theory of operation: input is accepted only if it is well-formed UTF-8
 * as defined by RFC 3629 and Unicode Table 3-7 (no overlong forms, no
 * surrogates, nothing above U+10FFFF, no truncated sequences).  U+0000 is
 * an ordinary code point, so callers pass an explicit length.
 */
#ifndef __FROST_UTF8_H
#define __FROST_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

ssize_t __frost_utf8_validate(const char *s, size_t len);

#endif /* __FROST_UTF8_H */
