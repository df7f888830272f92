// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Tests for the compact map layout (issue 15): a 32-byte header with the
 * length, the index size and the hashable flag packed in one word.
 *
 * Theory of operation: every test runs in its own forked child on a fresh
 * heap. Maps of every length from 1 to 70 cross each index-size boundary
 * (2, 4, 8, ... 128 slots: lengths 1, 2, 3, 5, 9, 17, 33, 65); at each
 * length every key must be found (raw and with a key object), an absent
 * one must not, the entries keep insertion order, a map of the same pairs
 * in the reverse order is equal with the same hash, and so is the frozen
 * copy and a dict made from it. A map holding an unhashable value (a
 * user type without a hash) must stay unhashable through the packed flag, a big map must work, and a
 * length beyond the layout's limit (2^29 entries) is ENOMEM before any
 * argument is read.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <frost/frost.h>
#include "tap.h"
#include "frost-test.h"

#define MAXLEN 70

/* A map of @n pairs "key<i>" -> i, in order (@rev: reversed). */
static struct frost_object *mkmap(struct frost_sandbox *sb, size_t n, bool rev)
{
	struct frost_object *k[MAXLEN], *v[MAXLEN], *m;
	char buf[32];

	for (size_t i = 0; i < n; i++) {
		size_t j = rev ? n - 1 - i : i;

		snprintf(buf, sizeof(buf), "key%zu", j);
		k[i] = frost_test_str(sb, buf);
		v[i] = frost_test_int(sb, (int64_t)j);
	}
	m = frost_map_new(sb, n, k, v);
	assert_ptr(m, !=, NULL);
	for (size_t i = 0; i < n; i++) {
		frost_decref(k[i]);
		frost_decref(v[i]);
	}
	return m;
}

static void check_map(struct frost_sandbox *sb, const struct frost_object *m, size_t n)
{
	char buf[32];

	expect_uint(frost_map_len(m), ==, n);
	for (size_t i = 0; i < n + 3; i++) {
		int len = snprintf(buf, sizeof(buf), "key%zu", i);
		struct frost_object *key = frost_test_str(sb, buf), *a, *b;

		a = frost_map_get_str(m, buf, (size_t)len);
		b = frost_map_get(m, key);
		if (i < n) {
			expect_ptr(a, !=, NULL);
			expect_ptr(a, ==, b);
			expect_int(frost_test_intval(a), ==, (int64_t)i);
		} else {
			expect_null_errno(frost_map_get_str(m, buf, (size_t)len), ENOENT);
			expect_null_errno(frost_map_get(m, key), ENOENT);
		}
		frost_decref(key);
	}
}

/* Every length up to MAXLEN, private and frozen, in both orders. */
TEST_F(heap, every_length_across_index_boundaries)
{
	for (size_t n = 1; n <= MAXLEN; n++) {
		struct frost_object *m = mkmap(self->sb, n, false);
		struct frost_object *r = mkmap(self->sb, n, true);
		struct frost_object *f = frost_freeze(self->sb, m), *d;

		assert_ptr(f, !=, NULL);
		check_map(self->sb, m, n);
		check_map(self->sb, r, n);
		check_map(self->sb, f, n);
		expect_true(frost_equal(m, r));
		expect_true(frost_equal(f, r));
		expect_uint(frost_hash(m), ==, frost_hash(r));
		expect_uint(frost_hash(m), ==, frost_hash(f));
		/* Insertion order: entry i of the reversed map is key n-1-i. */
		for (size_t i = 0; i < n; i++) {
			struct frost_object *k, *v;

			assert_int(frost_map_item(r, i, &k, &v), ==, 0);
			expect_int(frost_test_intval(v), ==, (int64_t)(n - 1 - i));
		}
		expect_int(frost_map_item(r, n, NULL, NULL), ==, -ERANGE);
		/* A dict copies the entries and the index. */
		d = frost_dict_from_map(self->sb, f);
		assert_ptr(d, !=, NULL);
		expect_uint(frost_dict_len(d), ==, n);
		for (size_t i = 0; i < n; i++) {
			char buf[32];
			struct frost_object *key;

			snprintf(buf, sizeof(buf), "key%zu", i);
			key = frost_test_str(self->sb, buf);
			expect_int(frost_test_intval(frost_dict_get(d, key)), ==, (int64_t)i);
			frost_decref(key);
		}
		frost_decref(d);
		frost_decref(m);
		frost_decref(r);
		frost_quiescent(self->sb);
	}
}

static const struct frost_type nohash_type = {
	.name = "nohash",
	.basic_size = sizeof(struct frost_object),
	.flags = FROST_TYPE_IMMUTABLE,
};

/* The packed hashable flag: one unhashable value makes the map unhashable. */
TEST_F(heap, unhashable_flag_survives_packing)
{
	for (size_t n = 1; n <= 40; n += 13) {
		struct frost_object *k[40], *v[40], *m, *f;

		for (size_t i = 0; i < n; i++) {
			k[i] = frost_test_int(self->sb, (int64_t)i + 1000000);
			v[i] = i == n / 2 ? frost_object_new(self->sb, &nohash_type, 0)
					  : frost_none();
			assert_ptr(v[i], !=, NULL);
		}
		m = frost_map_new(self->sb, n, k, v);
		assert_ptr(m, !=, NULL);
		f = frost_freeze(self->sb, m);
		assert_ptr(f, !=, NULL);
		for (int w = 0; w < 2; w++) {
			struct frost_object *x = w ? f : m;

			errno = 0;
			expect_uint(frost_hash(x), ==, 0);
			expect_int(errno, ==, EINVAL);
			/* ...and cannot be a key. */
			expect_null_errno(frost_map_new(self->sb, 1, &x, &x), EINVAL);
			expect_uint(frost_map_len(x), ==, n);
		}
		for (size_t i = 0; i < n; i++) {
			frost_decref(k[i]);
			frost_decref(v[i]);
		}
		frost_decref(m);
		frost_quiescent(self->sb);
	}
}

/* A big map (index of 2^18 slots) and the length limit. */
TEST_F(heap, big_map_and_length_limit)
{
	enum { N = 100000 };
	static struct frost_object *k[N], *v[N];
	struct frost_object *m, *dummy[1] = { frost_none() };

	for (size_t i = 0; i < N; i++) {
		k[i] = frost_test_int(self->sb, (int64_t)i * 7 + 1000000);
		v[i] = frost_none();
	}
	m = frost_map_new(self->sb, N, k, v);
	assert_ptr(m, !=, NULL);
	expect_uint(frost_map_len(m), ==, N);
	for (size_t i = 0; i < N; i += 997)
		expect_ptr(frost_map_get_int(m, (int64_t)i * 7 + 1000000), ==, frost_none());
	expect_null_errno(frost_map_get_int(m, 3), ENOENT);
	for (size_t i = 0; i < N; i++)
		frost_decref(k[i]);
	frost_decref(m);

	/* Beyond 2^29 entries: ENOMEM, and the arrays are not read. */
	expect_null_errno(frost_map_new(self->sb, ((size_t)1 << 29) + 1, dummy, dummy), ENOMEM);
	expect_null_errno(frost_map_new(self->sb, SIZE_MAX, dummy, dummy), ENOMEM);
}

TAP_MAIN()
