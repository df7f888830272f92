// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0200-scalars - the scalar built-in types: None, bool, int, float, str,
 * bytes, and the generic frost_hash()/frost_equal()/frost_type_name().
 *
 * Theory of operation: each test builds objects through the public API in a
 * sandbox attached to a fresh heap and checks what a user relies on:
 * accessors return what was stored, equal objects hash alike and objects of
 * different types are never equal, wrong types and NULL arguments fail with
 * EINVAL, invalid UTF-8 fails with EILSEQ without allocating, small ints are
 * one static immortal copy shared by every sandbox, and immortal objects
 * ignore refcounting. The private-arena counters (frost_sandbox_stats())
 * show what was allocated and freed. The per-process hash key is checked by
 * running this program again with --print-hashes (see main()) and comparing
 * the hashes that two fresh processes print.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <frost/frost.h>
#include "tap.h"
#include "frost-test.h"
#include "types/object.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define SMALL_MIN ((int64_t)CONFIG_FROST_SMALLINT_MIN)
#define SMALL_MAX ((int64_t)CONFIG_FROST_SMALLINT_MAX)
#define SMALL_COUNT ((size_t)(SMALL_MAX - SMALL_MIN + 1))

/* The string whose hash --print-hashes prints. */
#define HASH_PROBE "frost hash probe \xe2\x9d\x84"

static uint64_t live_objects(struct frost_sandbox *sb)
{
	struct frost_sandbox_stats st;

	assert_int(frost_sandbox_stats(sb, &st), ==, 0);
	return st.live_objects;
}

static uint64_t live_bytes(struct frost_sandbox *sb)
{
	struct frost_sandbox_stats st;

	assert_int(frost_sandbox_stats(sb, &st), ==, 0);
	return st.live_bytes;
}

/* A float with a chosen bit pattern (NaN payloads, -0.0). */
static double from_bits(uint64_t bits)
{
	double d;

	memcpy(&d, &bits, sizeof(d));
	return d;
}

static uint64_t to_bits(double d)
{
	uint64_t bits;

	memcpy(&bits, &d, sizeof(bits));
	return bits;
}

TEST(none_and_bool)
{
	bool v = false;

	assert_ptr(frost_none(), !=, NULL);
	expect_ptr(frost_none(), ==, frost_none());
	expect_true(frost_is_shared(frost_none()));
	expect_str(frost_type_name(frost_none()), "NoneType");

	expect_ptr(frost_bool(true), ==, frost_bool(true));
	expect_ptr(frost_bool(false), ==, frost_bool(false));
	expect_ptr(frost_bool(true), !=, frost_bool(false));
	expect_true(frost_is_shared(frost_bool(true)));
	expect_true(frost_is_shared(frost_bool(false)));
	expect_str(frost_type_name(frost_bool(true)), "bool");
	expect_str(frost_type_name(frost_bool(false)), "bool");

	expect_int(frost_bool_get(frost_bool(true), &v), ==, 0);
	expect_true(v);
	expect_int(frost_bool_get(frost_bool(false), &v), ==, 0);
	expect_true(!v);

	expect_true(frost_equal(frost_none(), frost_none()));
	expect_true(frost_equal(frost_bool(true), frost_bool(true)));
	expect_true(!frost_equal(frost_bool(true), frost_bool(false)));
	expect_true(!frost_equal(frost_none(), frost_bool(false)));

	/* Hashable, stable, and the three differ. */
	errno = 0;
	expect_uint(frost_hash(frost_none()), ==, frost_hash(frost_none()));
	expect_uint(frost_hash(frost_bool(true)), ==, frost_hash(frost_bool(true)));
	expect_int(errno, ==, 0);
	expect_uint(frost_hash(frost_none()), !=, frost_hash(frost_bool(true)));
	expect_uint(frost_hash(frost_none()), !=, frost_hash(frost_bool(false)));
	expect_uint(frost_hash(frost_bool(true)), !=, frost_hash(frost_bool(false)));
}

TEST_F(heap, int_values)
{
	static const int64_t values[] = {
		0, 1, -1, 42, SMALL_MIN, SMALL_MAX, SMALL_MIN - 1, SMALL_MAX + 1,
		1000000, -1000000, INT32_MAX, INT32_MIN, (int64_t)1 << 53,
		INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
	};
	uint64_t before;

	before = live_objects(self->sb);
	for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
		struct frost_object *a = frost_int_new(self->sb, values[i]);
		struct frost_object *b = frost_int_new(self->sb, values[i]);
		int64_t got = ~values[i];

		assert_ptr(a, !=, NULL);
		assert_ptr(b, !=, NULL);
		expect_str(frost_type_name(a), "int");
		expect_int(frost_int_get(a, &got), ==, 0);
		expect_int(got, ==, values[i]);
		expect_true(frost_equal(a, b));
		expect_true(frost_equal(b, a));
		expect_uint(frost_hash(a), ==, frost_hash(b));
		/* The documented hash: SipHash-1-3 of the value's bits. */
		expect_uint(frost_hash(a), ==, __frost_hash_u64((uint64_t)values[i]));
		for (size_t j = 0; j < ARRAY_SIZE(values); j++) {
			struct frost_object *c;

			if (values[j] == values[i])
				continue;
			c = frost_int_new(self->sb, values[j]);
			assert_ptr(c, !=, NULL);
			expect_true(!frost_equal(a, c));
			expect_uint(frost_hash(a), !=, frost_hash(c));
			frost_decref(c);
		}
		frost_decref(a);
		frost_decref(b);
	}
	expect_uint(live_objects(self->sb), ==, before);
}

/* Every small int, as seen by one thread with its own sandbox. */
struct small_seen {
	struct frost_heap *heap;
	struct frost_object *ptr[SMALL_COUNT];
	uint64_t live_before, live_after;
	int64_t bad_value;		/* first value that read back wrong */
	size_t bad_count;		/* values wrong, unshared or refcounted */
	int attach_errno;
};

static void *small_thread(void *arg)
{
	struct small_seen *s = arg;
	struct frost_sandbox_stats st;
	struct frost_sandbox *sb = frost_sandbox_attach(s->heap);

	if (!sb) {
		s->attach_errno = errno ? errno : -1;
		return NULL;
	}
	frost_sandbox_stats(sb, &st);
	s->live_before = st.live_objects;
	for (int64_t v = SMALL_MIN; v <= SMALL_MAX; v++) {
		struct frost_object *o = frost_int_new(sb, v);
		int64_t got = ~v;

		s->ptr[v - SMALL_MIN] = o;
		if (!o || frost_int_get(o, &got) || got != v || !frost_is_shared(o) ||
		    o->refcnt != __FROST_REFCNT_STATIC ||
		    frost_hash(o) != __frost_hash_u64((uint64_t)v)) {
			if (!s->bad_count++)
				s->bad_value = v;
		}
	}
	frost_sandbox_stats(sb, &st);
	s->live_after = st.live_objects;
	frost_sandbox_detach(sb);
	return NULL;
}

TEST(small_ints_shared_between_sandboxes)
{
	struct frost_heap *heap = frost_heap_create(NULL);
	struct small_seen *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	pthread_t ta, tb;

	assert_ptr(heap, !=, NULL);
	assert_true(a && b);
	a->heap = b->heap = heap;
	assert_int(pthread_create(&ta, NULL, small_thread, a), ==, 0);
	assert_int(pthread_create(&tb, NULL, small_thread, b), ==, 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);

	assert_int(a->attach_errno, ==, 0);
	assert_int(b->attach_errno, ==, 0);
	if (!expect_uint(a->bad_count, ==, 0))
		tap_diag("thread A: first bad small int %" PRId64, a->bad_value);
	if (!expect_uint(b->bad_count, ==, 0))
		tap_diag("thread B: first bad small int %" PRId64, b->bad_value);
	/* Nothing allocated in either sandbox. */
	expect_uint(a->live_after, ==, a->live_before);
	expect_uint(b->live_after, ==, b->live_before);

	size_t differ = 0, dups = 0;

	for (size_t i = 0; i < SMALL_COUNT; i++) {
		if (a->ptr[i] != b->ptr[i] || !a->ptr[i])
			differ++;
		if (i && a->ptr[i] == a->ptr[i - 1])
			dups++;
	}
	expect_uint(differ, ==, 0);
	expect_uint(dups, ==, 0);
	/* The same pointer without any sandbox (documented: @sb unused). */
	expect_ptr(frost_int_new(NULL, SMALL_MIN), ==, a->ptr[0]);
	expect_ptr(frost_int_new(NULL, SMALL_MAX), ==, a->ptr[SMALL_COUNT - 1]);
	expect_ptr(frost_int_new(NULL, 0), ==, a->ptr[-SMALL_MIN]);
	free(a);
	free(b);
	expect_int(frost_heap_destroy(heap), ==, 0);
}

TEST_F(heap, out_of_range_ints_allocate)
{
	static const int64_t values[] = {
		SMALL_MIN - 1, SMALL_MAX + 1, INT64_MIN, INT64_MAX,
	};

	for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
		uint64_t before = live_objects(self->sb);
		struct frost_object *a = frost_int_new(self->sb, values[i]);
		struct frost_object *b;
		int64_t got;

		assert_ptr(a, !=, NULL);
		expect_uint(live_objects(self->sb), ==, before + 1);
		expect_true(!frost_is_shared(a));
		expect_uint(a->refcnt, ==, 1);
		expect_int(frost_int_get(a, &got), ==, 0);
		expect_int(got, ==, values[i]);

		/* A second one is a distinct object with the same value. */
		b = frost_int_new(self->sb, values[i]);
		assert_ptr(b, !=, NULL);
		expect_ptr(a, !=, b);
		expect_uint(live_objects(self->sb), ==, before + 2);
		expect_true(frost_equal(a, b));
		expect_uint(frost_hash(a), ==, frost_hash(b));

		frost_incref(a);
		frost_decref(a);
		expect_uint(live_objects(self->sb), ==, before + 2);
		frost_decref(b);
		expect_uint(live_objects(self->sb), ==, before + 1);
		frost_decref(a);
		expect_uint(live_objects(self->sb), ==, before);
	}
}

TEST_F(heap, float_values)
{
	static const double values[] = {
		0.0, 1.0, -1.0, 0.5, 1e308, -1e-308, 4.9e-324, INFINITY, -INFINITY,
		3.141592653589793,
	};
	uint64_t before;

	before = live_objects(self->sb);
	for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
		struct frost_object *a = frost_float_new(self->sb, values[i]);
		struct frost_object *b = frost_float_new(self->sb, values[i]);
		double got = NAN;

		assert_ptr(a, !=, NULL);
		assert_ptr(b, !=, NULL);
		expect_true(!frost_is_shared(a));
		expect_str(frost_type_name(a), "float");
		expect_int(frost_float_get(a, &got), ==, 0);
		expect_uint(to_bits(got), ==, to_bits(values[i]));
		expect_true(frost_equal(a, b));
		expect_uint(frost_hash(a), ==, frost_hash(b));
		for (size_t j = 0; j < ARRAY_SIZE(values); j++) {
			struct frost_object *c;

			if (j == i)
				continue;
			c = frost_float_new(self->sb, values[j]);
			assert_ptr(c, !=, NULL);
			expect_true(!frost_equal(a, c));
			expect_uint(frost_hash(a), !=, frost_hash(c));
			frost_decref(c);
		}
		frost_decref(a);
		frost_decref(b);
	}
	expect_uint(live_objects(self->sb), ==, before);
}

TEST_F(heap, float_nan_and_signed_zero)
{
	struct frost_object *pz, *nz, *nan[4], *one;
	double got;

	pz = frost_float_new(self->sb, 0.0);
	nz = frost_float_new(self->sb, -0.0);
	nan[0] = frost_float_new(self->sb, NAN);
	nan[1] = frost_float_new(self->sb, -NAN);
	/* A signalling NaN, and one with a payload. */
	nan[2] = frost_float_new(self->sb, from_bits(UINT64_C(0x7ff0000000000001)));
	nan[3] = frost_float_new(self->sb, from_bits(UINT64_C(0xfff8dead0000beef)));
	one = frost_float_new(self->sb, 1.0);
	assert_true(pz && nz && nan[0] && nan[1] && nan[2] && nan[3] && one);

	/* -0.0 == 0.0, same hash, and the sign survives in the value. */
	expect_true(frost_equal(pz, nz));
	expect_true(frost_equal(nz, pz));
	expect_uint(frost_hash(pz), ==, frost_hash(nz));
	expect_int(frost_float_get(nz, &got), ==, 0);
	expect_true(got == 0.0 && signbit(got));

	/* Every NaN equals every NaN (reflexive), with one hash. */
	for (size_t i = 0; i < ARRAY_SIZE(nan); i++) {
		expect_true(frost_equal(nan[i], nan[i]));
		for (size_t j = 0; j < ARRAY_SIZE(nan); j++) {
			expect_true(frost_equal(nan[i], nan[j]));
			expect_uint(frost_hash(nan[i]), ==, frost_hash(nan[j]));
		}
		expect_true(!frost_equal(nan[i], pz));
		expect_true(!frost_equal(nan[i], one));
		expect_int(frost_float_get(nan[i], &got), ==, 0);
		expect_true(isnan(got));
	}
	/* The payload is kept as given. */
	expect_int(frost_float_get(nan[3], &got), ==, 0);
	expect_uint(to_bits(got), ==, UINT64_C(0xfff8dead0000beef));

	frost_decref(pz);
	frost_decref(nz);
	for (size_t i = 0; i < ARRAY_SIZE(nan); i++)
		frost_decref(nan[i]);
	frost_decref(one);
}

TEST_F(heap, different_types_never_equal)
{
	struct frost_object *i1, *f1, *i0, *f0, *big, *fbig, *s1, *b1, *s0, *b0;

	i1 = frost_int_new(self->sb, 1);
	f1 = frost_float_new(self->sb, 1.0);
	i0 = frost_int_new(self->sb, 0);
	f0 = frost_float_new(self->sb, 0.0);
	big = frost_int_new(self->sb, 1 << 20);
	fbig = frost_float_new(self->sb, 1 << 20);
	s1 = frost_str_new(self->sb, "1", 1);
	b1 = frost_bytes_new(self->sb, "1", 1);
	s0 = frost_str_new(self->sb, "", 0);
	b0 = frost_bytes_new(self->sb, "", 0);
	assert_true(i1 && f1 && i0 && f0 && big && fbig && s1 && b1 && s0 && b0);

	struct frost_object *all[] = {
		i1, f1, i0, f0, big, fbig, s1, b1, s0, b0,
		frost_none(), frost_bool(true), frost_bool(false),
	};

	/* 1 != 1.0, True != 1, False != 0 != None, "1" != b"1", "" != b"". */
	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(all); j++) {
			if (!expect_true(frost_equal(all[i], all[j]) == (i == j)))
				tap_diag("%s #%zu vs %s #%zu", frost_type_name(all[i]), i,
					 frost_type_name(all[j]), j);
		}
	}
	/* str and bytes with the same contents hash differently. */
	expect_uint(frost_hash(s1), !=, frost_hash(b1));
	expect_uint(frost_hash(s0), !=, frost_hash(b0));

	for (size_t i = 0; i < 10; i++)
		frost_decref(all[i]);
}

TEST_F(heap, str_basics)
{
	static const char text[] = "h\xc3\xa9llo, w\xc3\xb6rld \xe2\x9d\x84";
	struct frost_object *a, *b, *d;
	const char *data;
	size_t len = 0;
	uint64_t before;

	before = live_objects(self->sb);
	a = frost_str_new(self->sb, text, sizeof(text) - 1);
	b = frost_str_new(self->sb, text, sizeof(text) - 1);
	assert_ptr(a, !=, NULL);
	assert_ptr(b, !=, NULL);
	/* Cut inside the last code point (U+2744): refused. */
	expect_null_errno(frost_str_new(self->sb, text, sizeof(text) - 2), EILSEQ);
	expect_uint(live_objects(self->sb), ==, before + 2);
	expect_true(!frost_is_shared(a));
	expect_str(frost_type_name(a), "str");

	data = frost_str_data(a, &len);
	assert_ptr(data, !=, NULL);
	expect_uint(len, ==, sizeof(text) - 1);
	expect_mem(data, text, sizeof(text));		/* NUL-terminated copy */
	expect_ptr(data, !=, text);
	expect_ptr(frost_str_data(a, NULL), ==, data);
	expect_int(frost_str_length(a), ==, 14);

	expect_true(frost_equal(a, b));
	expect_uint(frost_hash(a), ==, frost_hash(b));

	/* A prefix is NUL-terminated at its own length. */
	d = frost_str_new(self->sb, text, 5);
	assert_ptr(d, !=, NULL);
	expect_str(frost_str_data(d, &len), "h\xc3\xa9ll");
	expect_uint(len, ==, 5);
	expect_int(frost_str_length(d), ==, 4);
	expect_true(!frost_equal(a, d));
	expect_uint(frost_hash(a), !=, frost_hash(d));

	frost_decref(a);
	frost_decref(b);
	frost_decref(d);
	expect_uint(live_objects(self->sb), ==, before);
}

TEST_F(heap, str_and_bytes_embedded_nul_and_empty)
{
	static const char text[] = "a\0b\0\0c";
	struct frost_object *s, *s2, *sx, *b, *b2, *bx, *se, *se2, *be, *be2;
	const char *sd;
	const unsigned char *bd;
	size_t len = 99;
	uint64_t before;

	before = live_objects(self->sb);
	s = frost_str_new(self->sb, text, sizeof(text) - 1);
	s2 = frost_str_new(self->sb, text, sizeof(text) - 1);
	sx = frost_str_new(self->sb, "a\0b\0\0d", 6);
	b = frost_bytes_new(self->sb, text, sizeof(text) - 1);
	b2 = frost_bytes_new(self->sb, text, sizeof(text) - 1);
	bx = frost_bytes_new(self->sb, "a\0b\0\0d", 6);
	se = frost_str_new(self->sb, "", 0);
	se2 = frost_str_new(self->sb, NULL, 0);
	be = frost_bytes_new(self->sb, "", 0);
	be2 = frost_bytes_new(self->sb, NULL, 0);
	assert_true(s && s2 && sx && b && b2 && bx && se && se2 && be && be2);
	/* The four empty ones are the static empty str and bytes: no allocation. */
	expect_uint(live_objects(self->sb), ==, before + 6);

	sd = frost_str_data(s, &len);
	expect_uint(len, ==, 6);
	expect_mem(sd, text, 7);
	expect_int(frost_str_length(s), ==, 6);
	expect_true(frost_equal(s, s2));
	expect_uint(frost_hash(s), ==, frost_hash(s2));
	expect_true(!frost_equal(s, sx));	/* differs after the NULs */
	expect_uint(frost_hash(s), !=, frost_hash(sx));

	bd = frost_bytes_data(b, &len);
	expect_uint(len, ==, 6);
	expect_mem(bd, text, 6);
	expect_true(frost_equal(b, b2));
	expect_uint(frost_hash(b), ==, frost_hash(b2));
	expect_true(!frost_equal(b, bx));
	expect_uint(frost_hash(b), !=, frost_hash(bx));
	expect_true(!frost_equal(s, b));
	expect_uint(frost_hash(s), !=, frost_hash(b));
	expect_str(frost_type_name(b), "bytes");
	expect_true(!frost_is_shared(b));

	/* Empty: valid, zero length, NUL-terminated, equal to each other. */
	len = 99;
	sd = frost_str_data(se, &len);
	assert_ptr(sd, !=, NULL);
	expect_uint(len, ==, 0);
	expect_str(sd, "");
	expect_int(frost_str_length(se), ==, 0);
	expect_true(frost_equal(se, se2));
	expect_uint(frost_hash(se), ==, frost_hash(se2));
	len = 99;
	expect_ptr(frost_bytes_data(be, &len), !=, NULL);
	expect_uint(len, ==, 0);
	expect_true(frost_equal(be, be2));
	expect_uint(frost_hash(be), ==, frost_hash(be2));
	expect_true(!frost_equal(se, be));
	expect_true(!frost_equal(se, s));

	/* All bytes 0..255 survive. */
	unsigned char all[256];

	for (size_t i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)(255 - i);
	struct frost_object *ball = frost_bytes_new(self->sb, all, sizeof(all));

	assert_ptr(ball, !=, NULL);
	bd = frost_bytes_data(ball, &len);
	expect_uint(len, ==, sizeof(all));
	expect_mem(bd, all, sizeof(all));
	/* bytes need not be UTF-8; the same bytes are refused as a str. */
	expect_null_errno(frost_str_new(self->sb, (const char *)all, sizeof(all)), EILSEQ);

	struct frost_object *objs[] = { s, s2, sx, b, b2, bx, se, se2, be, be2, ball };

	for (size_t i = 0; i < ARRAY_SIZE(objs); i++)
		frost_decref(objs[i]);
	expect_uint(live_objects(self->sb), ==, before);
}

#define SEQ(s) { s, sizeof(s) - 1 }

static const struct {
	const char *s;
	size_t len;
} bad_utf8[] = {
	SEQ("\x80"),				/* lone continuation */
	SEQ("\xbf"),
	SEQ("\xc0\x80"),			/* overlong U+0000 */
	SEQ("\xc1\xbf"),			/* overlong U+007F */
	SEQ("\xc2"),				/* truncated 2-byte */
	SEQ("\xc2\x41"),			/* bad continuation */
	SEQ("\xe0\x80\x80"),			/* overlong 3-byte */
	SEQ("\xe0\x9f\xbf"),			/* overlong U+07FF */
	SEQ("\xe1"),				/* truncated 3-byte */
	SEQ("\xe1\x80"),
	SEQ("\xe0\xa0"),
	SEQ("\xed\xa0\x80"),			/* surrogate U+D800 */
	SEQ("\xed\xbf\xbf"),			/* surrogate U+DFFF */
	SEQ("\xed\xa0\xbd\xed\xb8\x80"),	/* CESU-8 surrogate pair */
	SEQ("\xf0\x80\x80\x80"),		/* overlong 4-byte */
	SEQ("\xf0\x8f\xbf\xbf"),		/* overlong U+FFFF */
	SEQ("\xf4\x90\x80\x80"),		/* U+110000 */
	SEQ("\xf7\xbf\xbf\xbf"),		/* U+1FFFFF */
	SEQ("\xf5\x80\x80\x80"),		/* lead F5 */
	SEQ("\xf8\x88\x80\x80\x80"),		/* 5-byte form */
	SEQ("\xfc\x84\x80\x80\x80\x80"),	/* 6-byte form */
	SEQ("\xfe"),
	SEQ("\xff"),
	SEQ("\xf0"),				/* truncated 4-byte */
	SEQ("\xf0\x90"),
	SEQ("\xf0\x90\x80"),
	SEQ("abc\x80"),				/* stray byte after ASCII */
	SEQ("abcdefghij\xc3"),			/* truncated after the word fast path */
	SEQ("\xc3\xa9\xa9"),			/* one continuation too many */
	SEQ("\xe2\x82\x41"),			/* bad third byte */
	SEQ("\xf0\x9f\x98\x41"),		/* bad fourth byte */
	SEQ("\xc3\xc3\xa9"),			/* lead where a continuation belongs */
	SEQ("12345678\xed\xb2\x80"),		/* surrogate after an aligned word */
	SEQ("\x00\x80"),			/* NUL is fine, the stray byte is not */
	SEQ("\xef\xbf"),			/* truncated U+FFFF */
	SEQ("ok\xf4\x8f\xbf"),			/* truncated U+10FFFF at the end */
};

TEST_F(heap, str_invalid_utf8_refused)
{
	uint64_t before, bytes_before;

	before = live_objects(self->sb);
	bytes_before = live_bytes(self->sb);
	assert_uint(ARRAY_SIZE(bad_utf8), >=, 30);
	for (size_t i = 0; i < ARRAY_SIZE(bad_utf8); i++) {
		if (!expect_null_errno(frost_str_new(self->sb, bad_utf8[i].s, bad_utf8[i].len),
				       EILSEQ))
			tap_diag("bad_utf8[%zu] was accepted", i);
		/* bytes take anything. */
		struct frost_object *b = frost_bytes_new(self->sb, bad_utf8[i].s, bad_utf8[i].len);

		expect_ptr(b, !=, NULL);
		if (b)
			frost_decref(b);
	}
	expect_uint(live_objects(self->sb), ==, before);
	expect_uint(live_bytes(self->sb), ==, bytes_before);
}

static const struct {
	const char *s;
	size_t len;
	long nchars;
} good_utf8[] = {
	{ "", 0, 0 },
	{ "\0", 1, 1 },					/* U+0000 */
	{ "\x7f", 1, 1 },				/* U+007F */
	{ "\xc2\x80", 2, 1 },				/* U+0080 */
	{ "\xdf\xbf", 2, 1 },				/* U+07FF */
	{ "\xe0\xa0\x80", 3, 1 },			/* U+0800 */
	{ "\xed\x9f\xbf", 3, 1 },			/* U+D7FF */
	{ "\xee\x80\x80", 3, 1 },			/* U+E000 */
	{ "\xef\xbb\xbf", 3, 1 },			/* BOM */
	{ "\xef\xbf\xbf", 3, 1 },			/* U+FFFF */
	{ "\xf0\x90\x80\x80", 4, 1 },			/* U+10000 */
	{ "\xf4\x8f\xbf\xbf", 4, 1 },			/* U+10FFFF */
	{ "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", 11, 5 },
	{ "0123456789abcdef\xc3\xa9", 18, 17 },		/* after two words */
	{ "\xf0\x9f\x98\x80" "01234567", 12, 9 },	/* a word after a 4-byte */
};

TEST_F(heap, str_valid_utf8_edges)
{
	uint64_t before;

	before = live_objects(self->sb);
	for (size_t i = 0; i < ARRAY_SIZE(good_utf8); i++) {
		struct frost_object *s = frost_str_new(self->sb, good_utf8[i].s, good_utf8[i].len);
		size_t len = 999;

		if (!expect_ptr(s, !=, NULL)) {
			tap_diag("good_utf8[%zu] refused: %s", i, strerror(errno));
			continue;
		}
		if (!expect_int(frost_str_length(s), ==, good_utf8[i].nchars))
			tap_diag("good_utf8[%zu]", i);
		expect_mem(frost_str_data(s, &len), good_utf8[i].s, good_utf8[i].len);
		expect_uint(len, ==, good_utf8[i].len);
		expect_int(frost_str_data(s, NULL)[good_utf8[i].len], ==, 0);
		frost_decref(s);
	}
	expect_uint(live_objects(self->sb), ==, before);
}

TEST_F(heap, str_large)
{
	enum { MIB = 1 << 20 };
	static const char unit[] = "ab\xc3\xa9";	/* 4 bytes, 3 code points */
	struct frost_object *a, *b, *c;
	uint64_t before, bytes_before;
	char *buf = malloc(MIB);
	size_t len;

	assert_true(buf != NULL);
	for (size_t i = 0; i < MIB; i += 4)
		memcpy(buf + i, unit, 4);

	before = live_objects(self->sb);
	bytes_before = live_bytes(self->sb);
	a = frost_str_new(self->sb, buf, MIB);
	assert_ptr(a, !=, NULL);
	expect_uint(live_objects(self->sb), ==, before + 1);
	expect_uint(live_bytes(self->sb), >=, bytes_before + MIB);
	expect_int(frost_str_length(a), ==, MIB / 4 * 3);
	expect_mem(frost_str_data(a, &len), buf, MIB);
	expect_uint(len, ==, MIB);
	expect_int(frost_str_data(a, NULL)[MIB], ==, 0);

	b = frost_str_new(self->sb, buf, MIB);
	assert_ptr(b, !=, NULL);
	expect_true(frost_equal(a, b));
	expect_uint(frost_hash(a), ==, frost_hash(b));

	buf[MIB - 1] = 'x';	/* "ab\xc3x": the last sequence is now broken */
	expect_null_errno(frost_str_new(self->sb, buf, MIB), EILSEQ);
	buf[MIB - 2] = 'y';	/* "abyx": valid again, one code point more */
	c = frost_str_new(self->sb, buf, MIB);
	assert_ptr(c, !=, NULL);
	expect_int(frost_str_length(c), ==, MIB / 4 * 3 + 1);
	expect_true(!frost_equal(a, c));
	expect_uint(frost_hash(a), !=, frost_hash(c));
	expect_uint(live_objects(self->sb), ==, before + 3);

	frost_decref(a);
	frost_decref(b);
	frost_decref(c);
	expect_uint(live_objects(self->sb), ==, before);
	expect_uint(live_bytes(self->sb), ==, bytes_before);
	free(buf);
}

TEST_F(heap, wrong_type_accessors)
{
	struct frost_object *i, *fl, *s, *b;
	int64_t iv = 7;
	double dv = 7.0;
	bool bv = true;
	size_t len = 7;

	i = frost_int_new(self->sb, INT64_MAX);
	fl = frost_float_new(self->sb, 2.5);
	s = frost_str_new(self->sb, "12", 2);
	b = frost_bytes_new(self->sb, "12", 2);
	assert_true(i && fl && s && b);

	struct frost_object *all[] = {
		i, fl, s, b, frost_none(), frost_bool(true), frost_int_new(self->sb, 1),
	};

	for (size_t k = 0; k < ARRAY_SIZE(all); k++) {
		const struct frost_object *o = all[k];

		if (o != i && o != all[6])
			expect_neg_errno(frost_int_get(o, &iv), EINVAL);
		if (o != fl)
			expect_neg_errno(frost_float_get(o, &dv), EINVAL);
		if (o != frost_bool(true))
			expect_neg_errno(frost_bool_get(o, &bv), EINVAL);
		if (o != s) {
			expect_null_errno(frost_str_data(o, &len), EINVAL);
			expect_neg_errno(frost_str_length(o), EINVAL);
		}
		if (o != b)
			expect_null_errno(frost_bytes_data(o, &len), EINVAL);
	}
	/* Outputs untouched on failure. */
	expect_int(iv, ==, 7);
	expect_true(dv == 7.0);
	expect_true(bv);
	expect_uint(len, ==, 7);

	frost_decref(i);
	frost_decref(fl);
	frost_decref(s);
	frost_decref(b);
}

TEST_F(heap, null_arguments)
{
	struct frost_object *i, *fl, *s, *b;
	uint64_t before;
	int64_t iv;
	double dv;
	bool bv;
	size_t len;

	i = frost_int_new(self->sb, SMALL_MAX + 1);
	fl = frost_float_new(self->sb, 2.5);
	s = frost_str_new(self->sb, "x", 1);
	b = frost_bytes_new(self->sb, "x", 1);
	assert_true(i && fl && s && b);
	before = live_objects(self->sb);

	expect_null_errno(frost_type_name(NULL), EINVAL);
	errno = 0;
	expect_uint(frost_hash(NULL), ==, 0);
	expect_int(errno, ==, EINVAL);
	expect_true(!frost_equal(NULL, NULL));
	expect_true(!frost_equal(NULL, s));
	expect_true(!frost_equal(s, NULL));

	expect_neg_errno(frost_bool_get(NULL, &bv), EINVAL);
	expect_neg_errno(frost_bool_get(frost_bool(true), NULL), EINVAL);

	expect_null_errno(frost_int_new(NULL, SMALL_MAX + 1), EINVAL);
	expect_null_errno(frost_int_new(NULL, SMALL_MIN - 1), EINVAL);
	expect_null_errno(frost_int_new(NULL, INT64_MIN), EINVAL);
	expect_neg_errno(frost_int_get(NULL, &iv), EINVAL);
	expect_neg_errno(frost_int_get(i, NULL), EINVAL);
	expect_neg_errno(frost_int_get(frost_int_new(NULL, 3), NULL), EINVAL);

	expect_null_errno(frost_float_new(NULL, 1.0), EINVAL);
	expect_null_errno(frost_float_new(NULL, NAN), EINVAL);
	expect_neg_errno(frost_float_get(NULL, &dv), EINVAL);
	expect_neg_errno(frost_float_get(fl, NULL), EINVAL);

	expect_null_errno(frost_str_new(NULL, "x", 1), EINVAL);
	expect_null_errno(frost_str_new(NULL, "", 0), EINVAL);
	expect_null_errno(frost_str_new(NULL, "\xff", 1), EINVAL);	/* sb first */
	expect_null_errno(frost_str_new(self->sb, NULL, 1), EINVAL);
	expect_null_errno(frost_str_data(NULL, &len), EINVAL);
	expect_null_errno(frost_str_data(NULL, NULL), EINVAL);
	expect_neg_errno(frost_str_length(NULL), EINVAL);

	expect_null_errno(frost_bytes_new(NULL, "x", 1), EINVAL);
	expect_null_errno(frost_bytes_new(NULL, NULL, 0), EINVAL);
	expect_null_errno(frost_bytes_new(self->sb, NULL, 1), EINVAL);
	expect_null_errno(frost_bytes_data(NULL, &len), EINVAL);
	expect_null_errno(frost_bytes_data(NULL, NULL), EINVAL);

	/* Nothing was allocated by the failures. */
	expect_uint(live_objects(self->sb), ==, before);
	frost_decref(i);
	frost_decref(fl);
	frost_decref(s);
	frost_decref(b);
}

/* A user type without hash or equal: unhashable, compared by identity. */
static const struct frost_type plain_type = {
	.name = "plain",
	.basic_size = sizeof(struct frost_object),
};

TEST(unhashable_and_identity)
{
	/* Static immortal instances: no sandbox needed to hash or compare. */
	struct frost_object x = { .refcnt = FROST_REFCNT_IMMORTAL, .type = &plain_type };
	struct frost_object y = { .refcnt = FROST_REFCNT_IMMORTAL, .type = &plain_type };
	uint64_t h = 1;

	errno = 0;
	expect_uint(frost_hash(&x), ==, 0);
	expect_int(errno, ==, EINVAL);
	expect_neg_errno(__frost_hash_checked(&x, &h), EINVAL);
	expect_uint(h, ==, 1);
	expect_neg_errno(__frost_hash_checked(NULL, &h), EINVAL);
	expect_int(__frost_hash_checked(frost_none(), &h), ==, 0);
	expect_uint(h, ==, frost_hash(frost_none()));

	expect_true(frost_equal(&x, &x));
	expect_true(!frost_equal(&x, &y));
	expect_true(!frost_equal(&x, frost_none()));
	expect_str(frost_type_name(&x), "plain");
}

TEST(immortal_objects_ignore_refcounts)
{
	struct frost_object *objs[] = {
		frost_none(), frost_bool(true), frost_bool(false),
		frost_int_new(NULL, 0), frost_int_new(NULL, SMALL_MIN),
		frost_int_new(NULL, SMALL_MAX),
	};

	for (size_t k = 0; k < ARRAY_SIZE(objs); k++) {
		struct frost_object *o = objs[k];

		assert_ptr(o, !=, NULL);
		expect_uint(o->refcnt, ==, __FROST_REFCNT_STATIC);
		for (int n = 0; n < 1000000; n++)
			frost_decref(o);
		expect_uint(o->refcnt, ==, __FROST_REFCNT_STATIC);
		for (int n = 0; n < 1000000; n++)
			frost_incref(o);
		expect_uint(o->refcnt, ==, __FROST_REFCNT_STATIC);
		expect_true(frost_is_shared(o));
	}
	/* Still usable. */
	int64_t v;

	expect_int(frost_int_get(objs[5], &v), ==, 0);
	expect_int(v, ==, SMALL_MAX);
	expect_ptr(frost_none(), ==, objs[0]);
}

/* --print-hashes: what a fresh process says; one hex hash per line. */
static int print_hashes(void)
{
	struct frost_heap *heap = frost_heap_create(NULL);
	struct frost_sandbox *sb = heap ? frost_sandbox_attach(heap) : NULL;
	struct frost_object *s = sb ? frost_str_new(sb, HASH_PROBE, sizeof(HASH_PROBE) - 1) : NULL;

	if (!s) {
		fprintf(stderr, "print-hashes: %s\n", strerror(errno));
		return 1;
	}
	printf("%016" PRIx64 "\n", frost_hash(s));
	printf("%016" PRIx64 "\n", frost_hash(frost_int_new(sb, 42)));
	printf("%016" PRIx64 "\n", frost_hash(frost_none()));
	frost_decref(s);
	frost_sandbox_detach(sb);
	frost_heap_destroy(heap);
	return 0;
}

static bool parse_hashes(const char *out, uint64_t h[3])
{
	return out && sscanf(out, "%" SCNx64 "\n%" SCNx64 "\n%" SCNx64, &h[0], &h[1], &h[2]) == 3;
}

/*
 * Not a fixture test: the heap (and its threads) must not exist yet when
 * tap_run_capture() forks, or ThreadSanitizer kills the child
 * (die_after_fork).
 */
TEST(hash_keyed_per_process)
{
	struct frost_heap *heap;
	struct frost_sandbox *sb;
	const char *const argv[] = { "/proc/self/exe", "--print-hashes", NULL };
	uint64_t h[2][3] = { { 0 } }, mine[3];

	for (int r = 0; r < 2; r++) {
		char *out = NULL;
		int status = 0;

		assert_int(tap_run_capture(argv, &out, &status), ==, 0);
		/* Under valgrind /proc/self/exe is the tool, not this test. */
		if (out && strstr(out, "valgrind: You cannot run")) {
			free(out);
			tap_skip("cannot re-execute this test through /proc/self/exe");
		}
		if (!expect_true(WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
		    !expect_true(parse_hashes(out, h[r])))
			tap_diag("--print-hashes said: %s", out ? out : "(nothing)");
		free(out);
	}
	/* Two processes, two keys: every hash differs. */
	for (int k = 0; k < 3; k++)
		expect_uint(h[0][k], !=, h[1][k]);

	/* ...and differs from this process's, which is stable. */
	frost_test_open(NULL, &heap, &sb);
	struct frost_object *s = frost_str_new(sb, HASH_PROBE, sizeof(HASH_PROBE) - 1);

	assert_ptr(s, !=, NULL);
	mine[0] = frost_hash(s);
	mine[1] = frost_hash(frost_int_new(sb, 42));
	mine[2] = frost_hash(frost_none());
	for (int k = 0; k < 3; k++)
		expect_uint(mine[k], !=, h[0][k]);
	expect_uint(frost_hash(s), ==, mine[0]);
	expect_true(__frost_hash_key.k0 != 0 || __frost_hash_key.k1 != 0);
	frost_decref(s);
	frost_test_close(heap, sb);
}

/*
 * The accessors are inline (macros for static inline functions), and the
 * exported functions of the same names still exist: reached here through
 * function pointers (a macro name not followed by "(" is not expanded).
 */
#if defined(frost_bool_get) && defined(frost_int_get) && defined(frost_float_get) && \
	defined(frost_str_data) && defined(frost_bytes_data)
#define SCALAR_ACCESSORS_INLINE 1
#else
#define SCALAR_ACCESSORS_INLINE 0
#endif

static int (*const ool_bool_get)(const struct frost_object *, bool *) = frost_bool_get;
static int (*const ool_int_get)(const struct frost_object *, int64_t *) = frost_int_get;
static int (*const ool_float_get)(const struct frost_object *, double *) = frost_float_get;
static const char *(*const ool_str_data)(const struct frost_object *, size_t *) = frost_str_data;
static const void *(*const ool_bytes_data)(const struct frost_object *, size_t *) = frost_bytes_data;

/* A user type whose objects look like an int, a str and a bool in memory. */
static const struct frost_type lookalike_type = { .name = "lookalike" };

TEST_F(heap, inline_scalar_accessors_match_exported)
{
	struct frost_object *i, *fl, *s, *b, *fake;
	int64_t iv;
	double dv;
	bool bv;
	size_t len;

	expect_true(SCALAR_ACCESSORS_INLINE);
	i = frost_int_new(self->sb, -(INT64_C(1) << 40));
	fl = frost_float_new(self->sb, -0.25);
	s = frost_str_new(self->sb, "h\xc3\xa9llo", 6);
	b = frost_bytes_new(self->sb, "\0\1\2", 3);
	fake = frost_object_new(self->sb, &lookalike_type, sizeof(struct frost_str_pub) + 16);
	assert_true(i && fl && s && b && fake);
	/* The type tests compare with the exported type objects. */
	expect_ptr(i->type, ==, &frost_int_type);
	expect_ptr(frost_int_new(self->sb, 3)->type, ==, &frost_int_type);
	expect_ptr(fl->type, ==, &frost_float_type);
	expect_ptr(s->type, ==, &frost_str_type);
	expect_ptr(b->type, ==, &frost_bytes_type);
	expect_ptr(frost_bool(false)->type, ==, &frost_bool_type);
	/* ...of which nobody else can make objects: identity is exact. */
	expect_null_errno(frost_object_new(self->sb, &frost_int_type, 0), EINVAL);
	expect_null_errno(frost_object_new(self->sb, &frost_str_type, 64), EINVAL);

	/* Success: the same values both ways. */
	iv = 0;
	expect_int(frost_int_get(i, &iv), ==, 0);
	expect_int(iv, ==, -(INT64_C(1) << 40));
	iv = 0;
	expect_int(ool_int_get(i, &iv), ==, 0);
	expect_int(iv, ==, -(INT64_C(1) << 40));
	expect_int((frost_int_get)(frost_int_new(self->sb, -5), &iv), ==, 0);
	expect_int(iv, ==, -5);
	dv = 0;
	expect_int(frost_float_get(fl, &dv), ==, 0);
	expect_true(dv == -0.25);
	dv = 0;
	expect_int(ool_float_get(fl, &dv), ==, 0);
	expect_true(dv == -0.25);
	for (int k = 0; k < 2; k++) {
		bv = !k;
		expect_int(frost_bool_get(frost_bool(k), &bv), ==, 0);
		expect_int(bv, ==, k);
		bv = !k;
		expect_int(ool_bool_get(frost_bool(k), &bv), ==, 0);
		expect_int(bv, ==, k);
	}
	len = 0;
	expect_str(frost_str_data(s, &len), "h\xc3\xa9llo");
	expect_uint(len, ==, 6);
	expect_ptr(frost_str_data(s, NULL), ==, ool_str_data(s, &len));
	expect_uint(len, ==, 6);
	len = 0;
	expect_true(memcmp(frost_bytes_data(b, &len), "\0\1\2", 3) == 0);
	expect_uint(len, ==, 3);
	expect_ptr(frost_bytes_data(b, NULL), ==, ool_bytes_data(b, &len));
	expect_uint(len, ==, 3);

	/* Errors: the same return, the same errno, outputs untouched. */
	const struct frost_object *bad[] = { NULL, fake, s, i, fl, b, frost_none() };

	for (size_t k = 0; k < ARRAY_SIZE(bad); k++) {
		const struct frost_object *o = bad[k];

		iv = 11;
		dv = 11.0;
		bv = true;
		len = 11;
		if (o != i) {
			expect_neg_errno(frost_int_get(o, &iv), EINVAL);
			expect_neg_errno(ool_int_get(o, &iv), EINVAL);
		}
		if (o != fl) {
			expect_neg_errno(frost_float_get(o, &dv), EINVAL);
			expect_neg_errno(ool_float_get(o, &dv), EINVAL);
		}
		expect_neg_errno(frost_bool_get(o, &bv), EINVAL);
		expect_neg_errno(ool_bool_get(o, &bv), EINVAL);
		if (o != s) {
			expect_null_errno(frost_str_data(o, &len), EINVAL);
			expect_null_errno(ool_str_data(o, &len), EINVAL);
			expect_null_errno(frost_str_data(o, NULL), EINVAL);
		}
		if (o != b) {
			expect_null_errno(frost_bytes_data(o, &len), EINVAL);
			expect_null_errno(ool_bytes_data(o, &len), EINVAL);
			expect_null_errno(frost_bytes_data(o, NULL), EINVAL);
		}
		expect_int(iv, ==, 11);
		expect_true(dv == 11.0);
		expect_true(bv);
		expect_uint(len, ==, 11);
	}
	/* A NULL output pointer with the right type. */
	expect_neg_errno(frost_int_get(i, NULL), EINVAL);
	expect_neg_errno(ool_int_get(i, NULL), EINVAL);
	expect_neg_errno(frost_float_get(fl, NULL), EINVAL);
	expect_neg_errno(ool_float_get(fl, NULL), EINVAL);
	expect_neg_errno(frost_bool_get(frost_bool(true), NULL), EINVAL);
	expect_neg_errno(ool_bool_get(frost_bool(true), NULL), EINVAL);

	frost_decref(i);
	frost_decref(fl);
	frost_decref(s);
	frost_decref(b);
	frost_decref(fake);
}

/* The one-test refcount paths: saturation at 2^63, immortal counts unwritten. */
TEST_F(heap, refcount_one_test_edges)
{
	struct frost_object *o = frost_int_new(self->sb, INT64_C(1) << 50);
	uint64_t before = live_objects(self->sb);

	assert_ptr(o, !=, NULL);
	frost_incref(o);
	expect_uint(o->refcnt, ==, 2);
	frost_decref(o);
	expect_uint(o->refcnt, ==, 1);
	/* 2^63 - 1 saturates into the immortal range, and stays there. */
	o->refcnt = (uint64_t)INT64_MAX;
	frost_incref(o);
	expect_uint(o->refcnt, ==, UINT64_C(1) << 63);
	expect_true(frost_is_shared(o));
	frost_incref(o);
	frost_decref(o);
	frost_decref(o);
	expect_uint(o->refcnt, ==, UINT64_C(1) << 63);
	/*
	 * Immortal counts, bottom to near the top, are left alone both ways
	 * (2^64 - 1 is never a count: immortal counts are never changed).
	 */
	const uint64_t imm[] = { UINT64_C(1) << 63, (UINT64_C(1) << 63) + 1,
				 FROST_REFCNT_IMMORTAL, UINT64_MAX - 1 };

	for (size_t k = 0; k < ARRAY_SIZE(imm); k++) {
		o->refcnt = imm[k];
		frost_incref(o);
		expect_uint(o->refcnt, ==, imm[k]);
		frost_decref(o);
		expect_uint(o->refcnt, ==, imm[k]);
	}
	/* The last reference still frees. */
	o->refcnt = 1;
	expect_uint(live_objects(self->sb), ==, before);
	frost_decref(o);
	expect_uint(live_objects(self->sb), ==, before - 1);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--print-hashes"))
		return print_hashes();
	return tap_main(argc, argv);
}
