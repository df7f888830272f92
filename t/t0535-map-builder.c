// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0535-map-builder: frost_map_builder_* make, entry by entry, the map
 * frost_map_new() makes from arrays: private (finish) or shared in place
 * (finish_frozen, equal to frost_freeze() of the private map, with no
 * private map made). Duplicate keys: one entry at the first add's
 * position, the last add's value. The builder is a private object: the
 * shared pairs it holds survive reclaim cycles, and another sandbox's
 * builder is EPERM. Errors: NULL sandbox, builder, key or value, an
 * unhashable key, another thread's sandbox, offline (frozen finish), a
 * private pair at the frozen finish (EPERM, the builder consumed), and
 * every consumed or freed builder gives its references back; ENOMEM (fault
 * injection builds) in new, add and the frozen finish leaves nothing.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <frost/frost.h>
#include "tap.h"
#include "frost-test.h"

#define BIG	INT64_C(1000003)

static const struct frost_heap_config manual_cfg = { .flags = FROST_HEAP_MANUAL };

FROST_TEST_HEAP_FIXTURE(manual_heap, &manual_cfg)

static uint64_t live_shared(struct frost_heap *heap)
{
	struct frost_heap_stats st;

	frost_heap_stats(heap, &st);
	return st.shared_objects;
}

static void add_drop(struct frost_sandbox *sb, struct frost_map_builder *b,
		     struct frost_object *k, struct frost_object *v)
{
	assert_int(frost_map_builder_add(sb, b, k, v), ==, 0);
	frost_decref(k);
	frost_decref(v);
}

TEST_F(manual_heap, finish_equals_map_new)
{
	struct frost_sandbox *sb = self->sb;
	uint64_t before = frost_test_live(sb);
	struct frost_object *keys[3], *vals[3], *m, *ref, *k, *v;
	struct frost_map_builder *b = frost_map_builder_new(sb, 0);

	assert_ptr(b, !=, NULL);
	add_drop(sb, b, frost_test_str(sb, "a"), frost_test_int(sb, 1));
	add_drop(sb, b, frost_test_str(sb, "b"), frost_test_int(sb, 2));
	add_drop(sb, b, frost_test_str(sb, "a"), frost_test_int(sb, 3));	/* dup */
	for (int i = 0; i < 20; i++) {	/* past the first capacity */
		char name[8];

		snprintf(name, sizeof(name), "k%d", i);
		add_drop(sb, b, frost_test_str(sb, name), frost_test_int(sb, BIG + i));
	}
	expect_uint(frost_map_builder_len(b), ==, 23);
	m = frost_map_builder_finish(sb, b);
	assert_ptr(m, !=, NULL);
	expect_true(!frost_is_shared(m));
	expect_uint(frost_map_len(m), ==, 22);
	expect_int(frost_test_int_of(frost_map_get_str(m, "a", 1)), ==, 3);
	expect_int(frost_test_int_of(frost_map_get_str(m, "k19", 3)), ==, BIG + 19);
	expect_int(frost_map_item(m, 0, &k, &v), ==, 0);	/* first position */
	expect_mem(frost_str_data(k, NULL), "a", 2);
	expect_int(frost_test_int_of(v), ==, 3);

	keys[0] = frost_test_str(sb, "a");
	vals[0] = frost_test_int(sb, 1);
	keys[1] = frost_test_str(sb, "b");
	vals[1] = frost_test_int(sb, 2);
	keys[2] = keys[0];
	vals[2] = frost_test_int(sb, 3);
	ref = frost_map_new(sb, 3, keys, vals);
	assert_ptr(ref, !=, NULL);
	expect_true(!frost_equal(m, ref));	/* m has the k<i> too */
	frost_decref(m);
	b = frost_map_builder_new(sb, 3);
	for (int i = 0; i < 3; i++)
		assert_int(frost_map_builder_add(sb, b, keys[i], vals[i]), ==, 0);
	m = frost_map_builder_finish(sb, b);
	assert_ptr(m, !=, NULL);
	expect_true(frost_equal(m, ref));
	expect_uint(frost_hash(m), ==, frost_hash(ref));
	frost_decref(m);
	frost_decref(ref);
	frost_decref(keys[0]);
	frost_decref(keys[1]);
	for (int i = 0; i < 3; i++)
		frost_decref(vals[i]);
	expect_uint(frost_test_live(sb), ==, before);

	/* No pairs: the static empty map. */
	b = frost_map_builder_new(sb, 0);
	m = frost_map_builder_finish(sb, b);
	assert_ptr(m, !=, NULL);
	expect_uint(frost_map_len(m), ==, 0);
	expect_true(frost_is_shared(m));
	expect_uint(frost_test_live(sb), ==, before);
}

TEST_F(manual_heap, finish_frozen_equals_freeze)
{
	struct frost_sandbox *sb = self->sb;
	uint64_t before = frost_test_live(sb);
	struct frost_map_builder *b = frost_map_builder_new(sb, 4), *b2;
	struct frost_object *m, *priv, *frozen, *k[3], *v[3];

	assert_ptr(b, !=, NULL);
	b2 = frost_map_builder_new(sb, 4);
	assert_ptr(b2, !=, NULL);
	k[0] = frost_str_new_frozen(sb, "x", 1);
	k[1] = frost_int_new_frozen(sb, BIG);
	k[2] = frost_str_new_frozen(sb, "x", 1);	/* equal to k[0] */
	v[0] = frost_test_frozen_int(sb, BIG + 1);
	v[1] = frost_str_new_frozen(sb, "val", 3);
	v[2] = frost_int_new_frozen(sb, 7);
	for (int i = 0; i < 3; i++) {
		assert_ptr(k[i], !=, NULL);
		assert_ptr(v[i], !=, NULL);
		assert_int(frost_map_builder_add(sb, b, k[i], v[i]), ==, 0);
		assert_int(frost_map_builder_add(sb, b2, k[i], v[i]), ==, 0);
	}
	priv = frost_map_builder_finish(sb, b2);
	assert_ptr(priv, !=, NULL);
	frozen = frost_freeze(sb, priv);
	assert_ptr(frozen, !=, NULL);
	m = frost_map_builder_finish_frozen(sb, b);
	assert_ptr(m, !=, NULL);
	expect_true(frost_is_shared(m));
	expect_true(frost_equal(m, frozen));
	expect_uint(frost_hash(m), ==, frost_hash(frozen));
	expect_uint(frost_map_len(m), ==, 2);
	expect_ptr(frost_map_get_str(m, "x", 1), ==, v[2]);	/* last wins */
	expect_ptr(frost_map_get_int(m, BIG), ==, v[1]);
	frost_decref(priv);
	expect_uint(frost_test_live(sb), ==, before);

	/* No pairs: the static empty map. */
	b = frost_map_builder_new(sb, 0);
	m = frost_map_builder_finish_frozen(sb, b);
	assert_ptr(m, !=, NULL);
	expect_uint(frost_map_len(m), ==, 0);
	expect_uint(frost_test_live(sb), ==, before);
}

TEST_F(manual_heap, builder_is_a_root)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_map_builder *b = frost_map_builder_new(sb, 0);
	struct frost_object *k = frost_str_new_frozen(sb, "kept", 4);
	struct frost_object *v = frost_int_new_frozen(sb, BIG), *m;
	uint64_t shared;

	assert_ptr(b, !=, NULL);
	assert_ptr(k, !=, NULL);
	assert_ptr(v, !=, NULL);
	assert_int(frost_map_builder_add(sb, b, k, v), ==, 0);
	shared = live_shared(self->heap);
	/* Held by the builder only: cycles must keep both. */
	for (int i = 0; i < 3; i++)
		assert_true(frost_reclaim(self->heap) >= 0);
	expect_uint(live_shared(self->heap), ==, shared);
	m = frost_map_builder_finish_frozen(sb, b);
	assert_ptr(m, !=, NULL);
	expect_int(frost_test_int_of(frost_map_get_str(m, "kept", 4)), ==, BIG);
	/* Dropped unfinished, it holds nothing any more. */
	b = frost_map_builder_new(sb, 0);
	assert_int(frost_map_builder_add(sb, b, k, v), ==, 0);
	expect_int(frost_map_builder_free(sb, b), ==, 0);
	for (int i = 0; i < 3; i++)
		assert_true(frost_reclaim(self->heap) >= 0);
	expect_uint(live_shared(self->heap), <, shared);
}

struct other {
	struct frost_heap *heap;
	struct frost_sandbox *sb;	/* the test's */
	struct frost_map_builder *b;	/* the test's */
	int add_foreign_sb, add_foreign_b, finish_foreign_b, free_foreign_b;
	int new_foreign_sb;
};

static void *other_main(void *arg)
{
	struct other *ot = arg;
	struct frost_sandbox *mine = frost_sandbox_attach(ot->heap);
	struct frost_object *k, *v;

	if (!mine)
		return NULL;
	k = frost_str_new(mine, "o", 1);
	v = frost_int_new(mine, 1);
	ot->add_foreign_sb = frost_map_builder_add(ot->sb, ot->b, k, v);
	ot->add_foreign_b = frost_map_builder_add(mine, ot->b, k, v);
	errno = 0;
	if (!frost_map_builder_finish(mine, ot->b))
		ot->finish_foreign_b = errno;
	ot->free_foreign_b = frost_map_builder_free(mine, ot->b);
	errno = 0;
	if (!frost_map_builder_new(ot->sb, 0))
		ot->new_foreign_sb = errno;
	frost_decref(k);
	frost_decref(v);
	frost_sandbox_detach(mine);
	return NULL;
}

TEST_F(manual_heap, bad_input)
{
	struct frost_sandbox *sb = self->sb;
	uint64_t before = frost_test_live(sb);
	struct frost_map_builder *b = frost_map_builder_new(sb, 0);
	struct frost_object *k = frost_test_str(sb, "k"), *v = frost_test_int(sb, BIG);
	struct frost_object *list = frost_list_new(sb);
	struct other ot = { .heap = self->heap, .sb = sb, .b = b };
	pthread_t th;

	assert_ptr(b, !=, NULL);
	assert_ptr(list, !=, NULL);
	expect_null_errno(frost_map_builder_new(NULL, 0), EINVAL);
	expect_neg_errno(frost_map_builder_add(NULL, b, k, v), EINVAL);
	expect_neg_errno(frost_map_builder_add(sb, NULL, k, v), EINVAL);
	expect_neg_errno(frost_map_builder_add(sb, b, NULL, v), EINVAL);
	expect_neg_errno(frost_map_builder_add(sb, b, k, NULL), EINVAL);
	expect_neg_errno(frost_map_builder_add(sb, b, list, v), EINVAL);	/* unhashable */
	expect_neg_errno(frost_map_builder_add(sb, (struct frost_map_builder *)(void *)k, k, v),
			 EINVAL);	/* not a builder */
	errno = 0;
	expect_uint(frost_map_builder_len(NULL), ==, 0);
	expect_int(errno, ==, EINVAL);
	expect_uint(frost_map_builder_len(b), ==, 0);
	expect_null_errno(frost_map_builder_finish(sb, NULL), EINVAL);
	expect_null_errno(frost_map_builder_finish_frozen(sb, NULL), EINVAL);
	expect_int(frost_map_builder_free(sb, NULL), ==, 0);

	pthread_create(&th, NULL, other_main, &ot);
	pthread_join(th, NULL);
	expect_int(ot.add_foreign_sb, ==, -EPERM);
	expect_int(ot.add_foreign_b, ==, -EPERM);
	expect_int(ot.finish_foreign_b, ==, EPERM);
	expect_int(ot.free_foreign_b, ==, -EPERM);
	expect_int(ot.new_foreign_sb, ==, EPERM);
	expect_uint(frost_map_builder_len(b), ==, 0);	/* untouched */

	/* Offline: the frozen finish refuses and keeps the builder. */
	assert_int(frost_map_builder_add(sb, b, k, v), ==, 0);
	frost_sandbox_offline(sb);
	expect_null_errno(frost_map_builder_finish_frozen(sb, b), EINVAL);
	frost_sandbox_online(sb);
	expect_uint(frost_map_builder_len(b), ==, 1);
	/* Private pairs: EPERM, the builder consumed with its references. */
	expect_null_errno(frost_map_builder_finish_frozen(sb, b), EPERM);
	frost_decref(k);
	frost_decref(v);
	frost_decref(list);
	expect_uint(frost_test_live(sb), ==, before);
}

TEST_F(manual_heap, enomem_leaves_nothing_behind)
{
	struct frost_sandbox *sb = self->sb;
	uint64_t before = frost_test_live(sb), shared;
	struct frost_object *k = frost_str_new_frozen(sb, "k", 1);
	struct frost_object *v = frost_int_new_frozen(sb, BIG);
	struct frost_map_builder *b;
	int err;

	assert_ptr(k, !=, NULL);
	assert_ptr(v, !=, NULL);
	b = frost_map_builder_new(sb, 0);
	assert_ptr(b, !=, NULL);
	if (frost_debug_fail_every(1) == -ENOSYS) {
		frost_map_builder_free(sb, b);
		tap_skip("built without CONFIG_FROST_FAULT_INJECTION");
	}
	shared = live_shared(self->heap);
	expect_null_errno(frost_map_builder_new(sb, 16), ENOMEM);
	expect_neg_errno(frost_map_builder_add(sb, b, k, v), ENOMEM);	/* growth */
	frost_debug_fail_every(0);
	expect_uint(frost_map_builder_len(b), ==, 0);
	assert_int(frost_map_builder_add(sb, b, k, v), ==, 0);
	frost_debug_fail_every(1);
	errno = 0;
	expect_ptr(frost_map_builder_finish_frozen(sb, b), ==, NULL);	/* consumed */
	err = errno;
	frost_debug_fail_every(0);
	expect_int(err, ==, ENOMEM);
	expect_uint(live_shared(self->heap), ==, shared);
	expect_uint(frost_test_live(sb), ==, before);
}

TAP_MAIN()
