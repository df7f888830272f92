/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tools/fuzz/fuzz.h - helpers shared by the libFuzzer targets.
 *
 * Theory of operation. Each target decodes its input with a tiny cursor
 * (struct fz) that never reads past the end: a read beyond it yields zeros
 * and marks the input exhausted, so every input, however short, is a valid
 * program. FZ_CHECK() aborts with the failed condition and its location:
 * an invariant violation is a crash, which libFuzzer saves as an artifact.
 * fz_utf8_valid() is a reference UTF-8 decoder written from RFC 3629 code
 * point ranges (not from the library's table-driven validator), so the
 * str targets compare two independent implementations.
 */
#ifndef FROST_FUZZ_H
#define FROST_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <frost/frost.h>

#define FZ_CHECK(cond)								\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
				__FILE__, __LINE__, #cond);			\
			abort();						\
		}								\
	} while (0)

/*
 * fz_open() - the heap (no background reclaimer: cycles run only where a
 * target asks) and the sandbox a single-threaded target works in, made
 * once in LLVMFuzzerInitialize(); aborts if either cannot be had.
 */
static inline void fz_open(struct frost_heap **heap, struct frost_sandbox **sb)
{
	struct frost_heap_config cfg = { .flags = FROST_HEAP_MANUAL };

	*heap = frost_heap_create(&cfg);
	*sb = *heap ? frost_sandbox_attach(*heap) : NULL;
	FZ_CHECK(*sb);
}

struct fz {
	const uint8_t *p;
	size_t n;
	bool done;
};

static inline uint8_t fz_u8(struct fz *f)
{
	if (!f->n) {
		f->done = true;
		return 0;
	}
	f->n--;
	return *f->p++;
}

static inline uint64_t fz_u64(struct fz *f)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)fz_u8(f) << (8 * i);
	return v;
}

/* Up to @max bytes, length from the input; points into the input. */
static inline const uint8_t *fz_bytes(struct fz *f, size_t max, size_t *len)
{
	size_t l = fz_u8(f) % (max + 1);
	const uint8_t *p = f->p;

	if (l > f->n)
		l = f->n;
	f->p += l;
	f->n -= l;
	*len = l;
	return p;
}

/*
 * Reference UTF-8 check: decode each sequence to its code point and accept
 * only the shortest form of a scalar value (U+0000..U+10FFFF minus the
 * surrogates D800..DFFF). Return: code points, or -1 if ill-formed.
 */
static inline long fz_utf8_valid(const uint8_t *s, size_t len)
{
	long chars = 0;
	size_t i = 0;

	while (i < len) {
		uint32_t cp, min;
		size_t extra;
		uint8_t c = s[i];

		if (c < 0x80) {
			cp = c;
			extra = 0;
			min = 0;
		} else if ((c & 0xe0) == 0xc0) {
			cp = c & 0x1f;
			extra = 1;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			cp = c & 0x0f;
			extra = 2;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			cp = c & 0x07;
			extra = 3;
			min = 0x10000;
		} else {
			return -1;
		}
		if (len - i - 1 < extra)
			return -1;
		for (size_t k = 1; k <= extra; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		i += extra + 1;
		chars++;
	}
	return chars;
}

#endif /* FROST_FUZZ_H */
