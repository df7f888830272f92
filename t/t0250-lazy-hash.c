// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t/t0250-lazy-hash.c - ints and tuples of leaves hash when first asked.
 *
 * Theory of operation. An int, and a tuple whose items are all leaves, are
 * made without their hash (lib/types/int.c, lib/types/tuple.c): the first
 * frost_hash() of a private one computes and keeps it, a shared one
 * computes it each time and is never written. The tests check that every
 * way of making an equal value gives the same hash (private, frozen copy,
 * frozen constructor, before and after a private copy was hashed, the
 * small-int cache's boundary), that maps keyed by such objects find them
 * by equal keys made every other way, that equality still tells unequal
 * tuples apart whether their hashes are known or not, that a tuple with a
 * container item hashes the same as before the change would (a function
 * of its items' hashes), and that hashing shared objects writes nothing:
 * every shared page is read-only while they are hashed
 * (frost_debug_protect_shared()), so a write would fault.
 */
#include <stdio.h>
#include "frost-test.h"

#define BIG	1000000		/* ints from here on are not static */

static struct frost_object *frozen_tuple_of_ints(struct frost_sandbox *sb, int64_t base, size_t n)
{
	struct frost_object *items[8], *t, *f;

	for (size_t i = 0; i < n; i++)
		items[i] = frost_test_frozen_int(sb, base + (int64_t)i);
	t = frost_tuple_new(sb, n, items);
	assert_ptr(t, !=, NULL);
	f = frost_freeze(sb, t);
	frost_decref(t);
	assert_ptr(f, !=, NULL);
	return f;
}

static struct frost_object *private_tuple_of_ints(struct frost_sandbox *sb, int64_t base, size_t n)
{
	struct frost_object *items[8], *t;

	for (size_t i = 0; i < n; i++) {
		items[i] = frost_int_new(sb, base + (int64_t)i);
		assert_ptr(items[i], !=, NULL);
	}
	t = frost_tuple_new(sb, n, items);
	for (size_t i = 0; i < n; i++)
		frost_decref(items[i]);
	assert_ptr(t, !=, NULL);
	return t;
}

TEST_F(heap, every_way_of_making_an_int_hashes_alike)
{
	const int64_t vals[] = { BIG, -BIG, INT64_MAX, INT64_MIN, CONFIG_FROST_SMALLINT_MAX,
				 CONFIG_FROST_SMALLINT_MAX + 1, CONFIG_FROST_SMALLINT_MIN - 1 };

	for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
		struct frost_object *p = frost_int_new(self->sb, vals[k]);
		struct frost_object *direct = frost_int_new_frozen(self->sb, vals[k]);
		struct frost_object *copy_unhashed, *copy_hashed;
		uint64_t h;

		assert_ptr(p, !=, NULL);
		assert_ptr(direct, !=, NULL);
		/* Frozen before the private one was hashed, then after. */
		copy_unhashed = frost_freeze(self->sb, p);
		h = frost_hash(p);
		copy_hashed = frost_freeze(self->sb, p);
		assert_ptr(copy_unhashed, !=, NULL);
		assert_ptr(copy_hashed, !=, NULL);
		expect_uint(h, !=, 0);
		expect_uint(frost_hash(p), ==, h);
		expect_uint(frost_hash(direct), ==, h);
		expect_uint(frost_hash(copy_unhashed), ==, h);
		expect_uint(frost_hash(copy_hashed), ==, h);
		expect_uint(frost_hash(direct), ==, h);	/* asked twice: the same */
		frost_decref(p);
	}
}

TEST_F(heap, every_way_of_making_a_tuple_of_leaves_hashes_alike)
{
	struct frost_object *p = private_tuple_of_ints(self->sb, BIG + 10, 4);
	struct frost_object *copy_unhashed = frost_freeze(self->sb, p);
	struct frost_object *items[4], *direct, *other;
	uint64_t h;

	assert_ptr(copy_unhashed, !=, NULL);
	for (size_t i = 0; i < 4; i++)
		items[i] = frost_int_new_frozen(self->sb, BIG + 10 + (int64_t)i);
	direct = frost_tuple_new_frozen(self->sb, 4, items);
	assert_ptr(direct, !=, NULL);
	h = frost_hash(p);
	expect_uint(h, !=, 0);
	expect_uint(frost_hash(copy_unhashed), ==, h);
	expect_uint(frost_hash(direct), ==, h);
	expect_uint(frost_hash(frozen_tuple_of_ints(self->sb, BIG + 10, 4)), ==, h);
	/* Equal whatever is known of the hashes; unequal ones stay apart. */
	expect_true(frost_equal(p, direct));
	expect_true(frost_equal(direct, copy_unhashed));
	other = frozen_tuple_of_ints(self->sb, BIG + 11, 4);
	expect_true(!frost_equal(direct, other));
	expect_true(!frost_equal(p, other));
	expect_uint(frost_hash(other), !=, h);
	frost_decref(p);
}

TEST_F(heap, a_tuple_holding_a_tuple_hashes_by_its_items)
{
	struct frost_object *inner_p = private_tuple_of_ints(self->sb, BIG + 20, 3);
	struct frost_object *inner_f = frozen_tuple_of_ints(self->sb, BIG + 20, 3);
	struct frost_object *outer_p, *outer_f, *frozen_outer;
	struct frost_object *two[2];

	two[0] = inner_p;
	two[1] = frost_test_frozen_int(self->sb, BIG + 30);
	outer_p = frost_tuple_new(self->sb, 2, two);
	two[0] = inner_f;
	outer_f = frost_tuple_new(self->sb, 2, two);
	assert_ptr(outer_p, !=, NULL);
	assert_ptr(outer_f, !=, NULL);
	/* The outer tuples hashed at construction from an inner one whose
	 * hash was not known yet: equal values, equal hashes. */
	expect_uint(frost_hash(outer_p), ==, frost_hash(outer_f));
	frozen_outer = frost_freeze(self->sb, outer_p);
	assert_ptr(frozen_outer, !=, NULL);
	expect_uint(frost_hash(frozen_outer), ==, frost_hash(outer_p));
	expect_true(frost_equal(frozen_outer, outer_f));
	frost_decref(outer_p);
	frost_decref(outer_f);
	frost_decref(inner_p);
}

TEST_F(heap, maps_keyed_by_unhashed_ints_and_tuples_find_equal_keys)
{
	struct frost_object *keys[2], *vals[2], *map, *fmap, *probe;

	keys[0] = frost_int_new_frozen(self->sb, BIG + 40);
	keys[1] = frozen_tuple_of_ints(self->sb, BIG + 50, 2);
	vals[0] = frost_test_frozen_int(self->sb, 1);
	vals[1] = frost_test_frozen_int(self->sb, 2);
	map = frost_map_new(self->sb, 2, keys, vals);
	assert_ptr(map, !=, NULL);
	fmap = frost_freeze(self->sb, map);
	assert_ptr(fmap, !=, NULL);
	expect_ptr(frost_map_get_int(fmap, BIG + 40), ==, vals[0]);
	probe = frost_int_new(self->sb, BIG + 40);
	expect_ptr(frost_map_get(fmap, probe), ==, vals[0]);
	frost_decref(probe);
	probe = private_tuple_of_ints(self->sb, BIG + 50, 2);
	expect_ptr(frost_map_get(fmap, probe), ==, vals[1]);
	expect_ptr(frost_map_get(map, probe), ==, vals[1]);
	frost_decref(probe);
	expect_ptr(frost_map_get(fmap, frozen_tuple_of_ints(self->sb, BIG + 50, 2)), ==, vals[1]);
	probe = frozen_tuple_of_ints(self->sb, BIG + 51, 2);
	expect_ptr(frost_map_get(fmap, probe), ==, NULL);
	frost_decref(map);
}

TEST_F(heap, hashing_shared_objects_writes_nothing)
{
	struct frost_object *i = frost_int_new_frozen(self->sb, BIG + 60);
	struct frost_object *t = frozen_tuple_of_ints(self->sb, BIG + 70, 5);
	struct frost_object *p = private_tuple_of_ints(self->sb, BIG + 70, 5);
	uint64_t hi, ht;

	assert_ptr(i, !=, NULL);
	/* No allocation or cycle while the pages are read-only. */
	assert_int(frost_debug_protect_shared(self->heap, true), ==, 0);
	hi = frost_hash(i);
	ht = frost_hash(t);
	expect_uint(frost_hash(i), ==, hi);
	expect_uint(frost_hash(t), ==, ht);
	expect_uint(frost_hash(frost_tuple_get(t, 0)), ==, frost_hash(frost_tuple_get(p, 0)));
	assert_int(frost_debug_protect_shared(self->heap, false), ==, 0);
	expect_uint(ht, ==, frost_hash(p));
	frost_decref(p);
}

TAP_MAIN()
