// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Tests for lib/core/siphash.c and lib/types/utf8.c.
 *
 * Theory of operation: SipHash-2-4 is checked against the published
 * reference vectors (key 00..0f, message 00 01 02 ... of length n), which
 * validates the round core shared with SipHash-1-3.  SipHash-1-3 is checked
 * against values produced by an independent implementation (CPython's
 * bytes hash with PYTHONHASHSEED=0, i.e. an all-zero key), the integer
 * fast path against the byte version, and key sensitivity.  The UTF-8
 * validator is driven by named tables of ill-formed and well-formed inputs,
 * plus sweeps that move multibyte and invalid bytes across every offset of
 * a long ASCII run so both the 8-byte fast path and the tail are covered.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "tap.h"
#include "core/siphash.h"
#include "types/utf8.h"

static const struct __frost_sipkey ref_key = {
	.k0 = 0x0706050403020100ULL,
	.k1 = 0x0f0e0d0c0b0a0908ULL,
};

/* SipHash-2-4, 64-bit output, from the reference vector table. */
static const struct {
	size_t len;
	uint64_t tag;
} sip24_vectors[] = {
	{ 0, 0x726fdb47dd0e0e31ULL },
	{ 1, 0x74f839c593dc67fdULL },
	{ 2, 0x0d6c8009d9a94f5aULL },
	{ 3, 0x85676696d7fb7e2dULL },
	{ 7, 0xab0200f58b01d137ULL },
	{ 8, 0x93f5f5799a932462ULL },
	{ 9, 0x9e0082df0ba9e4b0ULL },
	{ 15, 0xa129ca6149be45e5ULL },
	{ 16, 0x3f2acc7f57c29bdbULL },
	{ 63, 0x958a324ceb064572ULL },
};

TEST(siphash24_reference_vectors)
{
	unsigned char msg[64];

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)i;

	for (size_t i = 0; i < sizeof(sip24_vectors) / sizeof(sip24_vectors[0]); i++) {
		uint64_t h = __frost_siphash24(&ref_key, msg, sip24_vectors[i].len);

		if (!expect_uint(h, ==, sip24_vectors[i].tag))
			tap_diag("siphash24 vector for length %zu",
				 sip24_vectors[i].len);
	}
	/* The paper's example: 15-byte message 00..0e. */
	expect_uint(__frost_siphash24(&ref_key, msg, 15), ==, 0xa129ca6149be45e5ULL);
	/* Empty input may be passed as NULL. */
	expect_uint(__frost_siphash24(&ref_key, NULL, 0), ==, 0x726fdb47dd0e0e31ULL);
}

TEST(siphash13_known_values)
{
	static const struct __frost_sipkey zero = { 0, 0 };

	/* Cross-checked with CPython 3.11 (siphash13, PYTHONHASHSEED=0). */
	expect_uint(__frost_siphash13(&zero, "a", 1), ==, 0x407448d2b89b1813ULL);
	expect_uint(__frost_siphash13(&zero, "abc", 3), ==, 0xc03bc3a0042630f2ULL);
	expect_uint(__frost_siphash13(&zero, "abcdefgh", 8), ==, 0x3f7b849c0b8e35eaULL);
	expect_uint(__frost_siphash13(&zero, "hello world, frost!", 19), ==,
		    0x01356f07c5186aa6ULL);
	/* 1-3 and 2-4 must differ. */
	expect_true(__frost_siphash13(&ref_key, "abc", 3) !=
		    __frost_siphash24(&ref_key, "abc", 3));
}

TEST(siphash13_u64_matches_bytes)
{
	static const uint64_t vals[] = {
		0, 1, 0xff, 0x100, 0x0706050403020100ULL, 0x8000000000000000ULL,
		0xdeadbeefcafef00dULL, UINT64_MAX,
	};

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		unsigned char le[8];

		for (int b = 0; b < 8; b++)
			le[b] = (unsigned char)(vals[i] >> (8 * b));
		expect_uint(__frost_siphash13_u64(&ref_key, vals[i]), ==,
			    __frost_siphash13(&ref_key, le, sizeof(le)));
	}
}

TEST(siphash_key_sensitivity)
{
	static const struct __frost_sipkey k1 = { 1, 2 };
	static const struct __frost_sipkey k2 = { 1, 3 };
	static const struct __frost_sipkey k3 = { 2, 2 };
	const char *msg = "frost";

	expect_true(__frost_siphash13(&k1, msg, 5) != __frost_siphash13(&k2, msg, 5));
	expect_true(__frost_siphash13(&k1, msg, 5) != __frost_siphash13(&k3, msg, 5));
	expect_true(__frost_siphash13(&k2, msg, 5) != __frost_siphash13(&k3, msg, 5));
	expect_true(__frost_siphash13_u64(&k1, 42) != __frost_siphash13_u64(&k2, 42));
	expect_true(__frost_siphash13_u64(&k1, 42) != __frost_siphash13_u64(&k3, 42));
	expect_true(__frost_siphash24(&k1, msg, 5) != __frost_siphash24(&k2, msg, 5));
	/* Same key, same input: deterministic; length is part of the hash. */
	expect_uint(__frost_siphash13(&k1, msg, 5), ==, __frost_siphash13(&k1, msg, 5));
	expect_true(__frost_siphash13(&k1, "\0", 1) != __frost_siphash13(&k1, "\0\0", 2));
}

struct utf8_case {
	const char *name;
	const char *s;
	size_t len;
	ssize_t want;
};

/* Length from the literal, so embedded NULs are kept. */
#define U(name, lit, want) { name, lit, sizeof(lit) - 1, want }

static const struct utf8_case utf8_invalid[] = {
	U("overlong 2-byte '/'", "\xc0\xaf", -EILSEQ),
	U("overlong 3-byte '/'", "\xe0\x80\xaf", -EILSEQ),
	U("overlong 4-byte '/'", "\xf0\x80\x80\xaf", -EILSEQ),
	U("overlong 2-byte NUL", "\xc0\x80", -EILSEQ),
	U("overlong 3-byte NUL", "\xe0\x80\x80", -EILSEQ),
	U("overlong 4-byte NUL", "\xf0\x80\x80\x80", -EILSEQ),
	U("overlong 2-byte U+007F", "\xc1\xbf", -EILSEQ),
	U("overlong 3-byte U+07FF", "\xe0\x9f\xbf", -EILSEQ),
	U("overlong 4-byte U+FFFF", "\xf0\x8f\xbf\xbf", -EILSEQ),
	U("surrogate U+D800", "\xed\xa0\x80", -EILSEQ),
	U("surrogate U+DBFF", "\xed\xaf\xbf", -EILSEQ),
	U("surrogate U+DC00", "\xed\xb0\x80", -EILSEQ),
	U("surrogate U+DFFF", "\xed\xbf\xbf", -EILSEQ),
	U("CESU-8 surrogate pair", "\xed\xa0\x80\xed\xb0\x80", -EILSEQ),
	U("above max U+110000", "\xf4\x90\x80\x80", -EILSEQ),
	U("above max F4 BF BF BF", "\xf4\xbf\xbf\xbf", -EILSEQ),
	U("lead F5", "\xf5\x80\x80\x80", -EILSEQ),
	U("lead F7", "\xf7\xbf\xbf\xbf", -EILSEQ),
	U("5-byte lead F8", "\xf8\x88\x80\x80\x80", -EILSEQ),
	U("6-byte lead FC", "\xfc\x84\x80\x80\x80\x80", -EILSEQ),
	U("lead FE", "\xfe", -EILSEQ),
	U("lead FF", "\xff", -EILSEQ),
	U("FE FF BOM-like", "\xfe\xff", -EILSEQ),
	U("lone continuation 80", "\x80", -EILSEQ),
	U("lone continuation BF", "\xbf", -EILSEQ),
	U("two continuations", "\x80\x80", -EILSEQ),
	U("continuation after ASCII", "a\x80" "b", -EILSEQ),
	U("extra continuation after 2-byte", "\xc3\xa9\xa9", -EILSEQ),
	U("truncated 2-byte at end", "\xc3", -EILSEQ),
	U("truncated 3-byte at end (1/3)", "\xe2", -EILSEQ),
	U("truncated 3-byte at end (2/3)", "\xe2\x82", -EILSEQ),
	U("truncated 4-byte at end (1/4)", "\xf0", -EILSEQ),
	U("truncated 4-byte at end (2/4)", "\xf0\x9f", -EILSEQ),
	U("truncated 4-byte at end (3/4)", "\xf0\x9f\x98", -EILSEQ),
	U("truncated 2-byte then ASCII", "\xc3" "A", -EILSEQ),
	U("truncated 3-byte then ASCII", "\xe2\x82" "A", -EILSEQ),
	U("truncated 4-byte then ASCII", "\xf0\x9f\x98" "A", -EILSEQ),
	U("truncated 2-byte then NUL", "\xc3\x00", -EILSEQ),
	U("bad continuation 2-byte", "\xc3\xc3", -EILSEQ),
	U("bad continuation 3-byte 3rd", "\xe2\x82\xc0", -EILSEQ),
	U("bad continuation 4-byte 4th", "\xf0\x9f\x98\xc0", -EILSEQ),
	U("bad continuation ED 7F", "\xed\x7f\x80", -EILSEQ),
	U("bad continuation F4 8F BF 7F", "\xf4\x8f\xbf\x7f", -EILSEQ),
	U("lead C0", "\xc0", -EILSEQ),
	U("lead C1 81", "\xc1\x81", -EILSEQ),
	U("valid then invalid", "\xe2\x82\xac\xff", -EILSEQ),
	U("NUL then invalid", "\x00\xff", -EILSEQ),
	U("invalid after 9 ASCII", "abcdefghi\x80", -EILSEQ),
	U("invalid at byte 8", "abcdefgh\xc0\x80", -EILSEQ),
};

static const struct utf8_case utf8_valid[] = {
	U("empty", "", 0),
	U("NUL", "\x00", 1),
	U("three NULs", "\x00\x00\x00", 3),
	U("U+007F", "\x7f", 1),
	U("U+0080", "\xc2\x80", 1),
	U("U+07FF", "\xdf\xbf", 1),
	U("U+0800", "\xe0\xa0\x80", 1),
	U("U+D7FF", "\xed\x9f\xbf", 1),
	U("U+E000", "\xee\x80\x80", 1),
	U("U+FFFD", "\xef\xbf\xbd", 1),
	U("U+FFFF", "\xef\xbf\xbf", 1),
	U("U+10000", "\xf0\x90\x80\x80", 1),
	U("U+100000", "\xf4\x80\x80\x80", 1),
	U("U+10FFFF", "\xf4\x8f\xbf\xbf", 1),
	U("mixed", "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", 5),
	U("mixed with NUL", "\x00\xc3\xa9\x00\xf4\x8f\xbf\xbf\x00", 5),
	U("8 ASCII exactly", "abcdefgh", 8),
	U("ASCII word then 2-byte", "abcdefgh\xc3\xa9", 9),
	U("full 4-byte char", "\xf0\x9f\x98\x80", 1),
};

static void run_utf8_table(const struct utf8_case *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ssize_t r = __frost_utf8_validate(t[i].s, t[i].len);

		if (!expect_int(r, ==, t[i].want))
			tap_diag("utf8 case '%s'", t[i].name);
	}
}

TEST(utf8_invalid_sequences)
{
	run_utf8_table(utf8_invalid, sizeof(utf8_invalid) / sizeof(utf8_invalid[0]));
}

TEST(utf8_valid_edge_cases)
{
	run_utf8_table(utf8_valid, sizeof(utf8_valid) / sizeof(utf8_valid[0]));
	expect_int(__frost_utf8_validate(NULL, 0), ==, 0);
}

TEST(utf8_truncated_4byte_every_position)
{
	static const char ch[] = "\xf0\x9f\x98\x80";
	char buf[96];

	for (size_t k = 0; k <= 4; k++) {
		/* Bare prefix: only the full character is valid. */
		expect_int(__frost_utf8_validate(ch, k), ==,
			   k == 0 ? 0 : k == 4 ? 1 : -EILSEQ);

		/* Prefix after a long ASCII run (fast path, then tail). */
		memset(buf, 'x', 70);
		memcpy(buf + 70, ch, k);
		expect_int(__frost_utf8_validate(buf, 70 + k), ==,
			   k == 0 ? 70 : k == 4 ? 71 : -EILSEQ);

		/* Prefix followed by ASCII. */
		memcpy(buf, ch, k);
		memset(buf + k, 'y', 20);
		expect_int(__frost_utf8_validate(buf, k + 20), ==,
			   k == 0 ? 20 : k == 4 ? 21 : -EILSEQ);
	}
}

TEST(utf8_fast_path_offsets)
{
	static const struct {
		const char *s;
		size_t len;
	} chars[] = {
		{ "\xc3\xa9", 2 },
		{ "\xe2\x82\xac", 3 },
		{ "\xf0\x9f\x98\x80", 4 },
	};
	char buf[100];
	size_t bad = 0, badlen = 0;

	for (size_t c = 0; c < 3; c++) {
		size_t cl = chars[c].len;

		for (size_t off = 0; off + cl <= sizeof(buf); off++) {
			ssize_t r;

			memset(buf, 'a', sizeof(buf));
			memcpy(buf + off, chars[c].s, cl);
			r = __frost_utf8_validate(buf, sizeof(buf));
			if (r != (ssize_t)(sizeof(buf) - cl + 1))
				bad++;
			/* Same char cut short by the end of the buffer. */
			r = __frost_utf8_validate(buf, off + cl - 1);
			if (r != -EILSEQ)
				badlen++;
		}
	}
	expect_uint(bad, ==, 0);
	expect_uint(badlen, ==, 0);

	/* One invalid byte at each offset of a long ASCII run. */
	bad = 0;
	for (size_t off = 0; off < sizeof(buf); off++) {
		memset(buf, 'a', sizeof(buf));
		buf[off] = (char)0x80;
		if (__frost_utf8_validate(buf, sizeof(buf)) != -EILSEQ)
			bad++;
		buf[off] = (char)0xff;
		if (__frost_utf8_validate(buf, sizeof(buf)) != -EILSEQ)
			bad++;
	}
	expect_uint(bad, ==, 0);

	/* Long pure ASCII, odd length, unaligned start. */
	memset(buf, 'q', sizeof(buf));
	expect_int(__frost_utf8_validate(buf + 1, 77), ==, 77);
	expect_int(__frost_utf8_validate(buf + 3, 97), ==, 97);
}

TAP_MAIN()
