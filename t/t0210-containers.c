// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Tests for the containers: tuple, map and list (lib/types/{tuple,map,list}.c).
 *
 * Theory of operation: every test attaches its own sandbox to a fresh heap
 * (each TEST() runs in a forked child) and records the sandbox's live object
 * count first. Construction and accessors are checked against the values
 * put in; error paths against the errno the API promises, and against the
 * promise that a failed call takes no reference and allocates nothing
 * (refcounts and the live count unchanged). The hash/equality laws are
 * checked on values built twice from distinct objects. Release is checked
 * through the live count: dropping the last reference to a container, however
 * deeply nested, brings the count back to its baseline, while an item that is
 * still referenced elsewhere survives. Ints outside the small-int range are
 * private objects, so they are what the refcount checks watch.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <frost/frost.h>
#include "tap.h"
#include "frost-test.h"

#define BIG 1000000		/* outside the small-int cache: private ints */

static struct frost_object *tuple2(struct frost_sandbox *sb, struct frost_object *a,
				   struct frost_object *b)
{
	struct frost_object *items[2] = { a, b };
	struct frost_object *t = frost_tuple_new(sb, 2, items);

	assert_ptr(t, !=, NULL);
	return t;
}

static struct frost_object *map2(struct frost_sandbox *sb, struct frost_object *k1,
				 struct frost_object *v1, struct frost_object *k2,
				 struct frost_object *v2)
{
	struct frost_object *keys[2] = { k1, k2 }, *vals[2] = { v1, v2 };
	struct frost_object *m = frost_map_new(sb, 2, keys, vals);

	assert_ptr(m, !=, NULL);
	return m;
}

/* Hash of @o, asserting it is hashable. */
static uint64_t hash_ok(const struct frost_object *o)
{
	uint64_t h;

	errno = 0;
	h = frost_hash(o);
	expect_int(errno, ==, 0);
	return h;
}

TEST_F(heap, tuple_construct_and_access)
{
	struct frost_object *a, *b, *s, *t, *items[3];
	uint64_t base;

	base = frost_test_live(self->sb);
	a = frost_test_int(self->sb, BIG);
	b = frost_test_int(self->sb, 7);		/* small: static */
	s = frost_test_str(self->sb, "frost");
	items[0] = a;
	items[1] = b;
	items[2] = s;
	t = frost_tuple_new(self->sb, 3, items);
	assert_ptr(t, !=, NULL);
	expect_str(frost_type_name(t), "tuple");
	expect_true(!frost_is_shared(t));
	expect_uint(frost_tuple_len(t), ==, 3);
	expect_ptr(frost_tuple_get(t, 0), ==, a);
	expect_ptr(frost_tuple_get(t, 1), ==, b);
	expect_ptr(frost_tuple_get(t, 2), ==, s);
	expect_uint(a->refcnt, ==, 2);
	expect_uint(s->refcnt, ==, 2);
	expect_null_errno(frost_tuple_get(t, 3), ERANGE);
	expect_null_errno(frost_tuple_get(t, SIZE_MAX), ERANGE);
	expect_uint(frost_test_live(self->sb), ==, base + 3);

	/* The empty tuple: NULL items are fine with n == 0. */
	{
		struct frost_object *e = frost_tuple_new(self->sb, 0, NULL);

		assert_ptr(e, !=, NULL);
		expect_uint(frost_tuple_len(e), ==, 0);
		expect_null_errno(frost_tuple_get(e, 0), ERANGE);
		frost_decref(e);
	}

	frost_decref(t);
	expect_uint(a->refcnt, ==, 1);
	expect_uint(s->refcnt, ==, 1);
	frost_decref(a);
	frost_decref(s);
	expect_uint(frost_test_live(self->sb), ==, base);
}

TEST_F(heap, tuple_bad_arguments)
{
	struct frost_object *a, *items[3];
	uint64_t base;

	a = frost_test_int(self->sb, BIG + 1);
	base = frost_test_live(self->sb);
	items[0] = a;
	items[1] = frost_none();
	items[2] = NULL;
	expect_null_errno(frost_tuple_new(NULL, 1, items), EINVAL);
	expect_null_errno(frost_tuple_new(self->sb, 2, NULL), EINVAL);
	/* A NULL item, even the last: nothing taken, nothing allocated. */
	expect_null_errno(frost_tuple_new(self->sb, 3, items), EINVAL);
	expect_uint(a->refcnt, ==, 1);
	expect_uint(frost_test_live(self->sb), ==, base);
	/* A size whose byte count overflows is refused before items are read. */
	expect_null_errno(frost_tuple_new(self->sb, SIZE_MAX / 4, items), ENOMEM);
	expect_uint(a->refcnt, ==, 1);
	expect_uint(frost_test_live(self->sb), ==, base);
	frost_decref(a);
}

TEST_F(heap, tuple_hash_and_equality)
{
	struct frost_object *x1, *x2, *y1, *y2, *t12, *t12b, *t21, *t1, *n1, *n2;
	struct frost_object *l, *u1, *u2;

	/* Equal values, distinct objects. */
	x1 = frost_test_int(self->sb, BIG + 1);
	x2 = frost_test_int(self->sb, BIG + 1);
	y1 = frost_test_str(self->sb, "y");
	y2 = frost_test_str(self->sb, "y");
	assert_ptr(x1, !=, x2);
	t12 = tuple2(self->sb, x1, y1);
	t12b = tuple2(self->sb, x2, y2);
	t21 = tuple2(self->sb, y1, x1);
	expect_true(frost_equal(t12, t12b));
	expect_true(frost_equal(t12b, t12));
	expect_uint(hash_ok(t12), ==, hash_ok(t12b));
	/* Order matters. */
	expect_true(!frost_equal(t12, t21));
	expect_uint(hash_ok(t12), !=, hash_ok(t21));
	/* Length matters, so does type. */
	t1 = frost_tuple_new(self->sb, 1, &x1);
	assert_ptr(t1, !=, NULL);
	expect_true(!frost_equal(t12, t1));
	expect_true(!frost_equal(t1, x1));
	/* Nested. */
	n1 = tuple2(self->sb, t12, t1);
	n2 = tuple2(self->sb, t12b, t1);
	expect_true(frost_equal(n1, n2));
	expect_uint(hash_ok(n1), ==, hash_ok(n2));
	{
		struct frost_object *n3 = tuple2(self->sb, t21, t1);

		expect_true(!frost_equal(n1, n3));
		frost_decref(n3);
	}

	/* A tuple holding a list is unhashable, but still comparable. */
	l = frost_list_new(self->sb);
	assert_ptr(l, !=, NULL);
	u1 = tuple2(self->sb, x1, l);
	u2 = tuple2(self->sb, x2, l);
	expect_true(frost_equal(u1, u2));
	expect_true(frost_equal(u1, u1));
	errno = 0;
	expect_uint(frost_hash(u1), ==, 0);
	expect_int(errno, ==, EINVAL);
	/* ... and so is a tuple holding such a tuple. */
	{
		struct frost_object *uu = tuple2(self->sb, u1, x1);

		errno = 0;
		expect_uint(frost_hash(uu), ==, 0);
		expect_int(errno, ==, EINVAL);
		frost_decref(uu);
	}
	/* The teardown's detach frees what is left. */
}

TEST_F(heap, map_construct_and_access)
{
	struct frost_object *keys[3], *vals[3], *m, *k, *v, *probe;
	uint64_t base;

	base = frost_test_live(self->sb);
	keys[0] = frost_test_str(self->sb, "one");
	keys[1] = frost_test_int(self->sb, 2);
	keys[2] = frost_test_int(self->sb, BIG + 3);
	vals[0] = frost_test_int(self->sb, BIG + 10);
	vals[1] = frost_none();
	vals[2] = frost_test_str(self->sb, "three");
	m = frost_map_new(self->sb, 3, keys, vals);
	assert_ptr(m, !=, NULL);
	expect_str(frost_type_name(m), "map");
	expect_uint(frost_map_len(m), ==, 3);
	expect_uint(keys[0]->refcnt, ==, 2);
	expect_uint(vals[0]->refcnt, ==, 2);

	/* Lookup by equal but distinct key objects. */
	probe = frost_test_str(self->sb, "one");
	expect_ptr(frost_map_get(m, probe), ==, vals[0]);
	frost_decref(probe);
	expect_ptr(frost_map_get(m, frost_int_new(self->sb, 2)), ==, vals[1]);
	probe = frost_test_int(self->sb, BIG + 3);
	expect_ptr(frost_map_get(m, probe), ==, vals[2]);
	frost_decref(probe);

	/* Absent keys, including a same-value key of another type. */
	probe = frost_test_str(self->sb, "two");
	expect_null_errno(frost_map_get(m, probe), ENOENT);
	frost_decref(probe);
	expect_null_errno(frost_map_get(m, frost_int_new(self->sb, 1)), ENOENT);
	{
		struct frost_object *f = frost_float_new(self->sb, 2.0);

		assert_ptr(f, !=, NULL);
		expect_null_errno(frost_map_get(m, f), ENOENT);
		frost_decref(f);
	}

	/* Insertion order. */
	for (size_t i = 0; i < 3; i++) {
		k = v = NULL;
		expect_int(frost_map_item(m, i, &k, &v), ==, 0);
		expect_ptr(k, ==, keys[i]);
		expect_ptr(v, ==, vals[i]);
	}
	expect_int(frost_map_item(m, 1, NULL, NULL), ==, 0);
	expect_neg_errno(frost_map_item(m, 3, &k, &v), ERANGE);

	/* The empty map. */
	{
		struct frost_object *e = frost_map_new(self->sb, 0, NULL, NULL);

		assert_ptr(e, !=, NULL);
		expect_uint(frost_map_len(e), ==, 0);
		expect_null_errno(frost_map_get(e, keys[1]), ENOENT);
		expect_neg_errno(frost_map_item(e, 0, &k, &v), ERANGE);
		frost_decref(e);
	}

	frost_decref(m);
	expect_uint(keys[0]->refcnt, ==, 1);
	expect_uint(vals[0]->refcnt, ==, 1);
	for (size_t i = 0; i < 3; i++) {
		frost_decref(keys[i]);
		frost_decref(vals[i]);
	}
	expect_uint(frost_test_live(self->sb), ==, base);
}

TEST_F(heap, map_duplicate_keys_last_wins)
{
	struct frost_object *keys[6], *vals[6], *m, *k, *v;
	uint64_t base;

	base = frost_test_live(self->sb);
	/* Keys 1 2 1 3 2 BIG BIG (the BIGs distinct objects, equal values). */
	keys[0] = frost_test_int(self->sb, 1);
	keys[1] = frost_test_int(self->sb, 2);
	keys[2] = frost_test_int(self->sb, 1);
	keys[3] = frost_test_int(self->sb, 3);
	keys[4] = frost_test_int(self->sb, BIG);
	keys[5] = frost_test_int(self->sb, BIG);
	assert_ptr(keys[4], !=, keys[5]);
	for (int i = 0; i < 6; i++)
		vals[i] = frost_test_int(self->sb, BIG + 100 + i);
	m = frost_map_new(self->sb, 6, keys, vals);
	assert_ptr(m, !=, NULL);
	expect_uint(frost_map_len(m), ==, 4);

	/* Positions of first occurrences, values of last ones. */
	expect_int(frost_map_item(m, 0, &k, &v), ==, 0);
	expect_int(frost_test_intval(k), ==, 1);
	expect_ptr(v, ==, vals[2]);
	expect_int(frost_map_item(m, 1, &k, &v), ==, 0);
	expect_int(frost_test_intval(k), ==, 2);
	expect_ptr(v, ==, vals[1]);
	expect_int(frost_map_item(m, 2, &k, &v), ==, 0);
	expect_int(frost_test_intval(k), ==, 3);
	expect_ptr(v, ==, vals[3]);
	expect_int(frost_map_item(m, 3, &k, &v), ==, 0);
	expect_ptr(k, ==, keys[4]);	/* the first key object is kept */
	expect_ptr(v, ==, vals[5]);
	expect_ptr(frost_map_get(m, keys[5]), ==, vals[5]);
	expect_ptr(frost_map_get(m, keys[0]), ==, vals[2]);

	/* Overridden values and the duplicate key object gained nothing. */
	expect_uint(vals[0]->refcnt, ==, 1);
	expect_uint(vals[4]->refcnt, ==, 1);
	expect_uint(keys[5]->refcnt, ==, 1);
	expect_uint(keys[4]->refcnt, ==, 2);
	expect_uint(vals[2]->refcnt, ==, 2);

	frost_decref(m);
	for (int i = 0; i < 6; i++) {
		expect_uint(vals[i]->refcnt, ==, 1);
		frost_decref(keys[i]);
		frost_decref(vals[i]);
	}
	expect_uint(frost_test_live(self->sb), ==, base);
}

TEST_F(heap, map_thousand_int_keys)
{
	enum { N = 1000 };
	static struct frost_object *keys[N], *vals[N];
	struct frost_object *m;
	uint64_t base;
	int found = 0, absent = 0;

	base = frost_test_live(self->sb);
	/* Half small (static) ints, half private ones, spread apart. */
	for (int i = 0; i < N; i++) {
		keys[i] = frost_test_int(self->sb, i < N / 2 ? i : (int64_t)i * 1000003);
		vals[i] = frost_test_int(self->sb, BIG + i);
	}
	m = frost_map_new(self->sb, N, keys, vals);
	assert_ptr(m, !=, NULL);
	expect_uint(frost_map_len(m), ==, N);
	for (int i = 0; i < N; i++) {
		struct frost_object *probe = frost_test_int(self->sb, i < N / 2 ? i : (int64_t)i * 1000003);
		struct frost_object *v = frost_map_get(m, probe);

		if (v && frost_test_intval(v) == BIG + i)
			found++;
		frost_decref(probe);
	}
	expect_int(found, ==, N);
	for (int i = N / 2; i < N; i++) {
		struct frost_object *probe = frost_test_int(self->sb, (int64_t)i * 1000003 + 1);

		errno = 0;
		if (!frost_map_get(m, probe) && errno == ENOENT)
			absent++;
		frost_decref(probe);
	}
	expect_int(absent, ==, N / 2);
	for (int i = 0; i < N; i++) {
		struct frost_object *k, *v;

		if (frost_map_item(m, (size_t)i, &k, &v) || k != keys[i] || v != vals[i]) {
			expect_int(i, ==, -1);
			break;
		}
	}
	for (int i = 0; i < N; i++) {
		frost_decref(keys[i]);
		frost_decref(vals[i]);
	}
	expect_uint(frost_test_live(self->sb), ==, base + 1 + N / 2 + N);
	frost_decref(m);
	expect_uint(frost_test_live(self->sb), ==, base);
}

TEST_F(heap, map_unhashable_keys)
{
	struct frost_object *l, *t, *m, *keys[2], *vals[2], *x;
	uint64_t base;

	l = frost_list_new(self->sb);
	assert_ptr(l, !=, NULL);
	x = frost_test_int(self->sb, BIG);
	t = tuple2(self->sb, x, l);	/* unhashable: holds a list */
	base = frost_test_live(self->sb);

	keys[0] = x;
	vals[0] = x;
	keys[1] = l;
	vals[1] = x;
	expect_null_errno(frost_map_new(self->sb, 2, keys, vals), EINVAL);
	keys[1] = t;
	expect_null_errno(frost_map_new(self->sb, 2, keys, vals), EINVAL);
	expect_uint(x->refcnt, ==, 2);
	expect_uint(l->refcnt, ==, 2);
	expect_uint(t->refcnt, ==, 1);
	expect_uint(frost_test_live(self->sb), ==, base);

	/* Lookups with unhashable keys. */
	m = frost_map_new(self->sb, 1, &x, &x);
	assert_ptr(m, !=, NULL);
	expect_null_errno(frost_map_get(m, l), EINVAL);
	expect_null_errno(frost_map_get(m, t), EINVAL);

	/* Unhashable values are fine; the map becomes unhashable. */
	{
		struct frost_object *mu, *mm;

		mu = frost_map_new(self->sb, 1, &x, &l);
		assert_ptr(mu, !=, NULL);
		expect_ptr(frost_map_get(mu, x), ==, l);
		errno = 0;
		expect_uint(frost_hash(mu), ==, 0);
		expect_int(errno, ==, EINVAL);
		/* ... so it cannot be a key either. */
		errno = 0;
		mm = frost_map_new(self->sb, 1, &mu, &x);
		expect_ptr(mm, ==, NULL);
		expect_int(errno, ==, EINVAL);
		expect_null_errno(frost_map_get(m, mu), EINVAL);
		frost_decref(mu);
	}
	frost_decref(m);
	frost_decref(t);
	frost_decref(l);
	frost_decref(x);
}

TEST_F(heap, map_hash_and_equality)
{
	struct frost_object *a, *a2, *b, *c, *k1, *k2, *k1b, *m12, *m21, *m1c, *m1, *m13;
	struct frost_object *e1, *e2, *t;

	a = frost_test_str(self->sb, "a");
	a2 = frost_test_str(self->sb, "a");
	b = frost_test_int(self->sb, BIG + 2);
	c = frost_test_int(self->sb, BIG + 3);
	k1 = frost_test_int(self->sb, BIG + 1);
	k1b = frost_test_int(self->sb, BIG + 1);
	k2 = frost_test_str(self->sb, "k2");

	m12 = map2(self->sb, k1, a, k2, b);
	m21 = map2(self->sb, k2, b, k1b, a2);	/* other order, distinct equal objects */
	expect_true(frost_equal(m12, m21));
	expect_true(frost_equal(m21, m12));
	expect_uint(hash_ok(m12), ==, hash_ok(m21));

	m1c = map2(self->sb, k1, a, k2, c);	/* a different value */
	expect_true(!frost_equal(m12, m1c));
	expect_uint(hash_ok(m12), !=, hash_ok(m1c));
	m1 = frost_map_new(self->sb, 1, &k1, &a);	/* fewer keys */
	assert_ptr(m1, !=, NULL);
	expect_true(!frost_equal(m12, m1));
	expect_true(!frost_equal(m1, m12));
	m13 = map2(self->sb, k1, a, c, b);	/* same length, another key */
	expect_true(!frost_equal(m12, m13));
	expect_true(!frost_equal(m13, m12));

	/* Keys and values swapped are a different map. */
	{
		struct frost_object *sw = map2(self->sb, a, k1, b, k2);

		expect_true(!frost_equal(m12, sw));
		frost_decref(sw);
	}

	/* Empty maps are equal; a map is never equal to a tuple. */
	e1 = frost_map_new(self->sb, 0, NULL, NULL);
	e2 = frost_map_new(self->sb, 0, NULL, NULL);
	assert_ptr(e1, !=, NULL);
	assert_ptr(e2, !=, NULL);
	expect_true(frost_equal(e1, e2));
	expect_uint(hash_ok(e1), ==, hash_ok(e2));
	t = frost_tuple_new(self->sb, 0, NULL);
	assert_ptr(t, !=, NULL);
	expect_true(!frost_equal(e1, t));

	/* Maps with unhashable values still compare by value. */
	{
		struct frost_object *l = frost_list_new(self->sb), *u1, *u2, *u3;

		assert_ptr(l, !=, NULL);
		u1 = map2(self->sb, k1, l, k2, a);
		u2 = map2(self->sb, k2, a2, k1b, l);
		u3 = map2(self->sb, k1, l, k2, b);
		expect_true(frost_equal(u1, u2));
		expect_true(!frost_equal(u1, u3));
	}
}

TEST_F(heap, nested_containers)
{
	struct frost_object *x, *y, *kt, *kt2, *inner, *outer, *lst, *top, *v;

	x = frost_test_int(self->sb, BIG);
	y = frost_test_str(self->sb, "y");
	/* A map keyed by a tuple, inside a tuple, inside a list. */
	kt = tuple2(self->sb, x, y);
	inner = frost_map_new(self->sb, 1, &kt, &y);
	assert_ptr(inner, !=, NULL);
	outer = tuple2(self->sb, inner, kt);
	lst = frost_list_new(self->sb);
	assert_ptr(lst, !=, NULL);
	assert_int(frost_list_append(self->sb, lst, outer), ==, 0);
	/* A map whose key is a hashable map. */
	top = frost_map_new(self->sb, 1, &inner, &lst);
	assert_ptr(top, !=, NULL);

	kt2 = tuple2(self->sb, x, y);
	v = frost_tuple_get(frost_list_get(frost_map_get(top, inner), 0), 0);
	expect_ptr(v, ==, inner);
	expect_ptr(frost_map_get(v, kt2), ==, y);
	expect_ptr(frost_tuple_get(frost_tuple_get(outer, 1), 1), ==, y);
	{
		struct frost_object *inner2 = frost_map_new(self->sb, 1, &kt2, &y);

		assert_ptr(inner2, !=, NULL);
		expect_ptr(frost_map_get(top, inner2), ==, lst);
		expect_true(frost_equal(inner, inner2));
		frost_decref(inner2);
	}
	frost_decref(kt2);
	frost_decref(top);
	frost_decref(lst);
	frost_decref(outer);
	frost_decref(inner);
	frost_decref(kt);
	frost_decref(y);
	frost_decref(x);
}

TEST_F(heap, wrong_types_and_nulls)
{
	struct frost_object *t, *m, *l, *x, *k, *v;

	x = frost_test_int(self->sb, BIG);
	t = frost_tuple_new(self->sb, 1, &x);
	m = frost_map_new(self->sb, 1, &x, &x);
	l = frost_list_new(self->sb);
	assert_ptr(t, !=, NULL);
	assert_ptr(m, !=, NULL);
	assert_ptr(l, !=, NULL);

	struct frost_object *objs[] = { NULL, x, t, m, l };
	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		struct frost_object *o = objs[i];

		if (o != t) {
			errno = 0;
			expect_uint(frost_tuple_len(o), ==, 0);
			expect_int(errno, ==, EINVAL);
			expect_null_errno(frost_tuple_get(o, 0), EINVAL);
		}
		if (o != m) {
			errno = 0;
			expect_uint(frost_map_len(o), ==, 0);
			expect_int(errno, ==, EINVAL);
			expect_null_errno(frost_map_get(o, x), EINVAL);
			expect_neg_errno(frost_map_item(o, 0, &k, &v), EINVAL);
		}
		if (o != l) {
			errno = 0;
			expect_uint(frost_list_len(o), ==, 0);
			expect_int(errno, ==, EINVAL);
			expect_null_errno(frost_list_get(o, 0), EINVAL);
			if (o)
				expect_neg_errno(frost_list_append(self->sb, o, x), EINVAL);
		}
	}
	expect_null_errno(frost_map_get(m, NULL), EINVAL);
	expect_neg_errno(frost_list_append(self->sb, NULL, x), EINVAL);
	expect_neg_errno(frost_list_append(self->sb, l, NULL), EINVAL);
	expect_neg_errno(frost_list_append(NULL, l, x), EINVAL);
	expect_null_errno(frost_list_new(NULL), EINVAL);
	expect_null_errno(frost_map_new(NULL, 1, &x, &x), EINVAL);
	expect_null_errno(frost_map_new(self->sb, 1, NULL, &x), EINVAL);
	expect_null_errno(frost_map_new(self->sb, 1, &x, NULL), EINVAL);
	expect_null_errno(frost_map_new(self->sb, SIZE_MAX / 2, &x, &x), ENOMEM);
	{
		struct frost_object *keys[2] = { x, NULL }, *vals[2] = { x, x };

		expect_null_errno(frost_map_new(self->sb, 2, keys, vals), EINVAL);
		keys[1] = frost_none();
		vals[1] = NULL;
		expect_null_errno(frost_map_new(self->sb, 2, keys, vals), EINVAL);
	}
	/* 4 references: ours, the tuple's, the map's key and value. */
	expect_uint(x->refcnt, ==, 4);
	expect_uint(frost_list_len(l), ==, 0);
}

TEST_F(heap, list_basics)
{
	enum { N = 3000 };	/* grows the item array past a page */
	struct frost_object *l, *x, *l2;
	uint64_t base;
	int ok = 0;

	base = frost_test_live(self->sb);
	l = frost_list_new(self->sb);
	assert_ptr(l, !=, NULL);
	expect_str(frost_type_name(l), "list");
	expect_uint(frost_list_len(l), ==, 0);
	expect_null_errno(frost_list_get(l, 0), ERANGE);
	x = frost_test_int(self->sb, BIG);
	for (int i = 0; i < N; i++) {
		struct frost_object *v = (i % 3 == 0) ? x : frost_int_new(self->sb, i);

		if (frost_list_append(self->sb, l, v) == 0)
			ok++;
		if (v != x)
			frost_decref(v);
	}
	expect_int(ok, ==, N);
	expect_uint(frost_list_len(l), ==, N);
	expect_uint(x->refcnt, ==, 1 + N / 3);
	for (int i = 0; i < N; i++) {
		struct frost_object *v = frost_list_get(l, (size_t)i);

		if (i % 3 == 0 ? v != x : frost_test_intval(v) != i) {
			expect_int(i, ==, -1);
			break;
		}
	}
	expect_null_errno(frost_list_get(l, N), ERANGE);

	/* Unhashable; equal only to itself. */
	errno = 0;
	expect_uint(frost_hash(l), ==, 0);
	expect_int(errno, ==, EINVAL);
	l2 = frost_list_new(self->sb);
	assert_ptr(l2, !=, NULL);
	expect_true(frost_equal(l, l));
	expect_true(!frost_equal(l, l2));

	frost_decref(l);
	expect_uint(x->refcnt, ==, 1);
	frost_decref(x);
	frost_decref(l2);
	expect_uint(frost_test_live(self->sb), ==, base);
}

TEST_F(heap, decref_to_zero_frees)
{
	struct frost_object *items[4], *t, *m, *l;
	uint64_t base;

	base = frost_test_live(self->sb);
	for (int i = 0; i < 4; i++)
		items[i] = frost_test_int(self->sb, BIG + i);
	t = frost_tuple_new(self->sb, 4, items);
	m = frost_map_new(self->sb, 2, items, items + 2);
	l = frost_list_new(self->sb);
	assert_ptr(t, !=, NULL);
	assert_ptr(m, !=, NULL);
	assert_ptr(l, !=, NULL);
	for (int i = 0; i < 4; i++) {
		assert_int(frost_list_append(self->sb, l, items[i]), ==, 0);
		frost_decref(items[i]);	/* now owned by the containers only */
	}
	expect_uint(frost_test_live(self->sb), >=, base + 7);
	frost_decref(t);
	frost_decref(m);
	expect_uint(frost_test_live(self->sb), >, base + 4);	/* the list still holds the ints */
	frost_decref(l);
	expect_uint(frost_test_live(self->sb), ==, base);
}

TEST_F(heap, deep_nesting_releases_everything)
{
	enum { DEPTH = 3000 };
	struct frost_object *cur, *x;
	uint64_t base;

	base = frost_test_live(self->sb);
	cur = frost_test_int(self->sb, BIG);
	for (int i = 0; i < DEPTH; i++) {
		struct frost_object *next;

		x = frost_test_int(self->sb, BIG + i);
		switch (i % 3) {
		case 0:
			next = tuple2(self->sb, x, cur);
			break;
		case 1:
			next = map2(self->sb, x, cur, frost_none(), x);
			break;
		default:
			next = frost_list_new(self->sb);
			assert_ptr(next, !=, NULL);
			assert_int(frost_list_append(self->sb, next, cur), ==, 0);
			assert_int(frost_list_append(self->sb, next, x), ==, 0);
			break;
		}
		frost_decref(x);
		frost_decref(cur);	/* the new container holds it */
		cur = next;
	}
	expect_uint(frost_test_live(self->sb), >=, base + 2 * DEPTH + 1);
	frost_decref(cur);
	expect_uint(frost_test_live(self->sb), ==, base);
}

TEST_F(heap, item_survives_its_container)
{
	struct frost_object *x, *s, *t, *m, *l;
	uint64_t base;

	base = frost_test_live(self->sb);
	x = frost_test_int(self->sb, BIG + 42);
	s = frost_test_str(self->sb, "kept");
	t = tuple2(self->sb, x, s);
	m = frost_map_new(self->sb, 1, &s, &x);
	l = frost_list_new(self->sb);
	assert_ptr(m, !=, NULL);
	assert_ptr(l, !=, NULL);
	assert_int(frost_list_append(self->sb, l, t), ==, 0);
	frost_decref(t);	/* only the list holds the tuple now */
	expect_uint(x->refcnt, ==, 3);
	frost_decref(l);	/* frees the list and the tuple */
	frost_decref(m);
	expect_uint(x->refcnt, ==, 1);
	expect_uint(s->refcnt, ==, 1);
	expect_int(frost_test_intval(x), ==, BIG + 42);
	expect_str(frost_str_data(s, NULL), "kept");
	expect_uint(frost_test_live(self->sb), ==, base + 2);
	frost_decref(x);
	frost_decref(s);
	expect_uint(frost_test_live(self->sb), ==, base);
}

/*
 * frost_tuple_len()/frost_tuple_get() are inline (macros for static inline
 * functions); the exported functions remain, reached here through function
 * pointers (a macro name not followed by "(" is not expanded).
 */
#if defined(frost_tuple_len) && defined(frost_tuple_get)
#define TUPLE_ACCESSORS_INLINE 1
#else
#define TUPLE_ACCESSORS_INLINE 0
#endif

static size_t (*const ool_tuple_len)(const struct frost_object *) = frost_tuple_len;
static struct frost_object *(*const ool_tuple_get)(const struct frost_object *, size_t) =
	frost_tuple_get;

/* A user type laid out like a tuple of one item. */
static const struct frost_type tuple_lookalike_type = { .name = "tuple-lookalike" };

TEST_F(heap, inline_tuple_accessors_match_exported)
{
	struct frost_object *x, *s, *t, *empty, *l, *m, *fake;
	struct frost_tuple_pub *f;

	expect_true(TUPLE_ACCESSORS_INLINE);
	x = frost_test_int(self->sb, BIG + 1);
	s = frost_test_str(self->sb, "item");
	t = tuple2(self->sb, x, s);
	empty = frost_tuple_new(self->sb, 0, NULL);
	l = frost_list_new(self->sb);
	m = map2(self->sb, x, s, s, x);
	fake = frost_object_new(self->sb, &tuple_lookalike_type,
				sizeof(struct frost_tuple_pub) + sizeof(struct frost_object *));
	assert_true(empty && l && m && fake);
	assert_int(frost_list_append(self->sb, l, x), ==, 0);
	f = (struct frost_tuple_pub *)fake;
	f->len = 1;
	f->items[0] = x;
	expect_ptr(t->type, ==, &frost_tuple_type);
	expect_null_errno(frost_object_new(self->sb, &frost_tuple_type, 0), EINVAL);

	/* Success, both ways; errno is left alone. */
	errno = 0;
	expect_uint(frost_tuple_len(t), ==, 2);
	expect_uint(ool_tuple_len(t), ==, 2);
	expect_uint((frost_tuple_len)(t), ==, 2);
	expect_uint(frost_tuple_len(empty), ==, 0);
	expect_uint(ool_tuple_len(empty), ==, 0);
	expect_ptr(frost_tuple_get(t, 0), ==, x);
	expect_ptr(frost_tuple_get(t, 1), ==, s);
	expect_ptr(ool_tuple_get(t, 0), ==, x);
	expect_ptr(ool_tuple_get(t, 1), ==, s);
	expect_ptr((frost_tuple_get)(t, 1), ==, s);
	expect_int(errno, ==, 0);

	/* Out of range: ERANGE both ways, at the end, far and at SIZE_MAX. */
	size_t idx[] = { 2, 3, 1u << 20, SIZE_MAX };

	for (size_t k = 0; k < sizeof(idx) / sizeof(idx[0]); k++) {
		expect_null_errno(frost_tuple_get(t, idx[k]), ERANGE);
		expect_null_errno(ool_tuple_get(t, idx[k]), ERANGE);
	}
	expect_null_errno(frost_tuple_get(empty, 0), ERANGE);
	expect_null_errno(ool_tuple_get(empty, 0), ERANGE);

	/* Not a tuple (NULL, other containers, a look-alike): EINVAL, even at index 0. */
	const struct frost_object *bad[] = { NULL, l, m, x, s, fake, frost_none() };

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		errno = 0;
		expect_uint(frost_tuple_len(bad[k]), ==, 0);
		expect_int(errno, ==, EINVAL);
		errno = 0;
		expect_uint(ool_tuple_len(bad[k]), ==, 0);
		expect_int(errno, ==, EINVAL);
		expect_null_errno(frost_tuple_get(bad[k], 0), EINVAL);
		expect_null_errno(ool_tuple_get(bad[k], 0), EINVAL);
		expect_null_errno(frost_tuple_get(bad[k], 5), EINVAL);
		expect_null_errno(ool_tuple_get(bad[k], 5), EINVAL);
	}

	/* A walk with the inline accessors, as tools/bench/read.c does. */
	int64_t sum = 0;

	for (size_t k = 0; k < frost_tuple_len(t); k++) {
		int64_t v = 0;

		if (frost_int_get(frost_tuple_get(t, k), &v) == 0)
			sum += v;
	}
	expect_int(sum, ==, BIG + 1);

	f->len = 0;	/* the look-alike's "item" is not a reference */
	frost_decref(fake);
	frost_decref(m);
	frost_decref(l);
	frost_decref(empty);
	frost_decref(t);
	frost_decref(s);
	frost_decref(x);
}

int main(int argc, char **argv)
{
#ifndef CONFIG_FROST_STATS
	tap_skip_all("CONFIG_FROST_STATS is off: no live-object counts");
#endif
	return tap_main(argc, argv);
}
