// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t/t0505-freeze-flat.c - frost_freeze() of a small tuple whose private
 * items have no children (freeze_flat_tuple() in lib/freeze/freeze.c).
 *
 * Theory of operation. Such a tuple (at most 16 items, each shared, static
 * or a private leaf) is frozen without the memo table. The tests check that
 * it gives what the general path gives: an equal copy, shared and static
 * items kept by identity, a private item repeated copied once, the
 * private originals untouched and their counts unchanged, exactly one new
 * shared object per distinct private item plus the tuple; that 16 items
 * take it and 17 the general path with the same result; that a mutable
 * leaf among the items is EPERM with nothing allocated; that
 * FROST_FREEZE_MOVE hands the caller's reference over; and, in a build with
 * fault injection, that every allocation failing in turn is ENOMEM with
 * nothing changed.
 */
#include <errno.h>
#include "frost-test.h"

#define BIG	1000000		/* ints from here on are not static */

static const struct frost_heap_config manual_cfg = { .flags = FROST_HEAP_MANUAL };

FROST_TEST_HEAP_FIXTURE(manual_heap, &manual_cfg)

/* A private tuple of @n private ints BIG + base + i. */
static struct frost_object *int_tuple(struct frost_sandbox *sb, int64_t base, size_t n)
{
	struct frost_object *items[32], *t;

	for (size_t i = 0; i < n; i++) {
		items[i] = frost_int_new(sb, BIG + base + (int64_t)i);
		assert_ptr(items[i], !=, NULL);
	}
	t = frost_tuple_new(sb, n, items);
	assert_ptr(t, !=, NULL);
	for (size_t i = 0; i < n; i++)
		frost_decref(items[i]);
	return t;
}

TEST_F(manual_heap, mixed_items_copied_as_the_general_path_would)
{
	struct frost_object *pi = frost_int_new(self->sb, BIG + 1);
	struct frost_object *ps = frost_test_str(self->sb, "a private str");
	struct frost_object *sh = frost_test_frozen_int(self->sb, BIG + 2);
	struct frost_object *items[7], *t, *f;
	uint64_t before = frost_test_shared(self->heap), live = frost_test_live(self->sb);

	items[0] = pi;
	items[1] = sh;
	items[2] = ps;
	items[3] = pi;			/* repeated: one copy */
	items[4] = frost_none();	/* static: kept */
	items[5] = frost_int_new(self->sb, 7);	/* a small int: static */
	items[6] = sh;			/* shared, twice */
	t = frost_tuple_new(self->sb, 7, items);
	assert_ptr(t, !=, NULL);
	f = frost_freeze(self->sb, t);
	assert_ptr(f, !=, NULL);
	expect_true(frost_is_shared(f));
	expect_true(frost_equal(f, t));
	/* The tuple, the int and the str: the rest were shared or static. */
	expect_uint(frost_test_shared(self->heap), ==, before + 3);
	expect_true(frost_is_shared(frost_tuple_get(f, 0)));
	expect_ptr(frost_tuple_get(f, 0), ==, frost_tuple_get(f, 3));
	expect_ptr(frost_tuple_get(f, 0), !=, pi);
	expect_ptr(frost_tuple_get(f, 1), ==, sh);
	expect_ptr(frost_tuple_get(f, 6), ==, sh);
	expect_ptr(frost_tuple_get(f, 4), ==, frost_none());
	expect_ptr(frost_tuple_get(f, 5), ==, items[5]);
	expect_int(frost_test_int_of(frost_tuple_get(f, 0)), ==, BIG + 1);
	expect_str(frost_str_data(frost_tuple_get(f, 2), NULL), "a private str");
	/* The originals: untouched, the tuple's references still its own. */
	expect_ptr(frost_tuple_get(t, 0), ==, pi);
	expect_uint(frost_test_live(self->sb), ==, live + 1);	/* + t */
	frost_decref(t);
	frost_decref(pi);
	frost_decref(ps);
	expect_uint(frost_test_live(self->sb), ==, live - 2);
}

TEST_F(manual_heap, sixteen_items_and_seventeen_give_the_same)
{
	for (size_t n = 15; n <= 17; n++) {
		struct frost_object *t = int_tuple(self->sb, (int64_t)(n * 100), n);
		uint64_t before = frost_test_shared(self->heap);
		struct frost_object *f = frost_freeze(self->sb, t);

		assert_ptr(f, !=, NULL);
		expect_true(frost_equal(f, t));
		expect_uint(frost_hash(f), ==, frost_hash(t));
		expect_uint(frost_test_shared(self->heap), ==, before + n + 1);
		for (size_t i = 0; i < n; i++)
			expect_true(frost_is_shared(frost_tuple_get(f, i)));
		frost_decref(t);
	}
	expect_uint(frost_test_live(self->sb), ==, 0);
}

/* A leaf user type that is not immutable. */
static const struct frost_type mutable_leaf_type = {
	.name = "mleaf", .basic_size = sizeof(struct frost_object) + 8,
};

TEST_F(manual_heap, a_mutable_leaf_item_is_refused_with_nothing_allocated)
{
	struct frost_object *m = frost_object_new(self->sb, &mutable_leaf_type, 0);
	struct frost_object *items[2], *t;
	uint64_t before = frost_test_shared(self->heap);

	assert_ptr(m, !=, NULL);
	items[0] = frost_int_new(self->sb, BIG + 3);
	items[1] = m;
	t = frost_tuple_new(self->sb, 2, items);
	assert_ptr(t, !=, NULL);
	expect_null_errno(frost_freeze(self->sb, t), EPERM);
	expect_uint(frost_test_shared(self->heap), ==, before);
	frost_decref(t);
	frost_decref(items[0]);
	frost_decref(m);
	expect_uint(frost_test_live(self->sb), ==, 0);
}

TEST_F(manual_heap, move_hands_the_reference_over)
{
	struct frost_object *t = int_tuple(self->sb, 500, 4), *f;

	f = frost_freeze_opt(self->sb, t, FROST_FREEZE_MOVE);
	assert_ptr(f, !=, NULL);
	expect_int(frost_test_int_of(frost_tuple_get(f, 3)), ==, BIG + 503);
	expect_uint(frost_test_live(self->sb), ==, 0);	/* t and its ints are gone */
	expect_int(frost_reclaim(self->heap), ==, 5);	/* unrooted: all five freed */
}

TEST_F(manual_heap, enomem_changes_nothing)
{
	struct frost_object *t = int_tuple(self->sb, 600, 6), *f = NULL;
	uint64_t before = frost_test_shared(self->heap), live = frost_test_live(self->sb);
	int fails = 0;

	if (frost_debug_fail_every(0) == -ENOSYS) {
		frost_decref(t);
		tap_skip("built without CONFIG_FROST_FAULT_INJECTION");
	}
	/* Each of the seven allocations fails in turn. */
	for (int n = 1; n < 16 && !f; n++) {
		frost_debug_fail_every(n);
		f = frost_freeze(self->sb, t);
		frost_debug_fail_every(0);
		if (f)
			break;
		expect_int(errno, ==, ENOMEM);
		fails++;
		expect_uint(frost_test_shared(self->heap), ==, before);
		expect_uint(frost_test_live(self->sb), ==, live);
	}
	expect_int(fails, >, 0);
	assert_ptr(f, !=, NULL);
	expect_true(frost_equal(f, t));
	frost_decref(t);
}

TAP_MAIN()
