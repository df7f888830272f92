// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Strict UTF-8 validation.
 *
 * Theory of operation: the scanner walks the buffer once.  While the next
 * eight bytes all have their high bit clear (checked as one 64-bit word
 * loaded with memcpy(), so alignment does not matter) they are ASCII and
 * are counted as eight code points in one step.  Otherwise one sequence is
 * decoded byte by byte following Unicode Table 3-7:
 *
 *   U+0000..U+007F     00..7F
 *   U+0080..U+07FF     C2..DF  80..BF
 *   U+0800..U+0FFF     E0      A0..BF  80..BF
 *   U+1000..U+CFFF     E1..EC  80..BF  80..BF
 *   U+D000..U+D7FF     ED      80..9F  80..BF
 *   U+E000..U+FFFF     EE..EF  80..BF  80..BF
 *   U+10000..U+3FFFF   F0      90..BF  80..BF  80..BF
 *   U+40000..U+FFFFF   F1..F3  80..BF  80..BF  80..BF
 *   U+100000..U+10FFFF F4      80..8F  80..BF  80..BF
 *
 * Only the second byte has a lead-dependent range; that is what excludes
 * overlong forms (E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and values
 * above U+10FFFF (F4 90..BF).  Leads 80..C1 and F5..FF never occur.
 */
#include <errno.h>
#include <string.h>

#include "utf8.h"

#define UTF8_HIGH_BITS 0x8080808080808080ULL

static inline int utf8_is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/**
 * __frost_utf8_validate() - check that a buffer is well-formed UTF-8
 * @s: bytes to check (may be NULL when @len is 0)
 * @len: number of bytes at @s; NUL bytes inside are valid (U+0000)
 *
 * Strict RFC 3629 validation: overlong encodings, UTF-16 surrogates
 * (U+D800..U+DFFF), code points above U+10FFFF, stray or missing
 * continuation bytes and sequences truncated by the end of the buffer are
 * all rejected.
 *
 * Return: the number of code points in @s if it is valid UTF-8,
 * otherwise -EILSEQ.
 */
ssize_t __frost_utf8_validate(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	ssize_t n = 0;

	while (i < len) {
		unsigned char c = p[i];
		unsigned char lo = 0x80, hi = 0xbf;
		size_t need;

		if (c < 0x80) {
			uint64_t w;

			/* ASCII: try to skip whole 8-byte words. */
			while (len - i >= 8) {
				memcpy(&w, p + i, sizeof(w));
				if (w & UTF8_HIGH_BITS)
					break;
				i += 8;
				n += 8;
			}
			while (i < len && p[i] < 0x80) {
				i++;
				n++;
			}
			continue;
		}

		if (c < 0xc2) {
			/* Stray continuation byte, or overlong C0/C1 lead. */
			return -EILSEQ;
		} else if (c < 0xe0) {
			need = 1;
		} else if (c < 0xf0) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c < 0xf5) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else {
			return -EILSEQ;
		}

		if (len - i <= need)
			return -EILSEQ;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return -EILSEQ;
		for (size_t k = 2; k <= need; k++)
			if (!utf8_is_cont(p[i + k]))
				return -EILSEQ;
		i += need + 1;
		n++;
	}
	return n;
}
