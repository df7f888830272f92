// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0500-freeze: frost_freeze() is deep, all-or-nothing and faithful.
 *
 * A frozen copy is shared (immortal), equal to its original with the same
 * hash, and made of shared children only; sharing and cycles inside the
 * private graph are preserved; the private original is untouched. A list,
 * a mutable user type, another sandbox's private object or another heap's
 * shared object anywhere inside fails with EPERM and allocates nothing in
 * the shared heap (the heap's counters prove it). Already-shared objects
 * and static ones come back as they are.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <frost/frost.h>
#include "tap.h"
#include "frost-test.h"

static uint64_t shared_objects(struct frost_heap *heap)
{
	struct frost_heap_stats st;

	frost_heap_stats(heap, &st);
	return st.shared_objects;
}

static uint64_t live_private(struct frost_sandbox *sb)
{
	struct frost_sandbox_stats st;

	frost_sandbox_stats(sb, &st);
	return st.live_objects;
}

static struct frost_object *str(struct frost_sandbox *sb, const char *s)
{
	return frost_str_new(sb, s, strlen(s));
}

/* ("name", 123456789, 2.5, b"\0\1", {"k": (1, "v")}) as private objects. */
static struct frost_object *sample(struct frost_sandbox *sb)
{
	struct frost_object *inner[2] = { frost_int_new(sb, 1), str(sb, "v") };
	struct frost_object *k = str(sb, "k"), *v = frost_tuple_new(sb, 2, inner);
	struct frost_object *items[5] = {
		str(sb, "name"), frost_int_new(sb, 123456789), frost_float_new(sb, 2.5),
		frost_bytes_new(sb, "\0\1", 2), frost_map_new(sb, 1, &k, &v),
	};
	struct frost_object *t = frost_tuple_new(sb, 5, items);

	frost_decref(inner[1]);
	frost_decref(k);
	frost_decref(v);
	for (int i = 0; i < 5; i++)
		frost_decref(items[i]);
	return t;
}

static bool all_shared(const struct frost_object *o)
{
	if (!frost_is_shared(o))
		return false;
	if (strcmp(frost_type_name(o), "tuple") == 0) {
		for (size_t i = 0; i < frost_tuple_len(o); i++)
			if (!all_shared(frost_tuple_get(o, i)))
				return false;
	} else if (strcmp(frost_type_name(o), "map") == 0) {
		for (size_t i = 0; i < frost_map_len(o); i++) {
			struct frost_object *k, *v;

			frost_map_item(o, i, &k, &v);
			if (!all_shared(k) || !all_shared(v))
				return false;
		}
	}
	return true;
}

TEST_F(heap, deep_copy_is_equal_and_shared)
{
	struct frost_object *priv, *frozen, *again;
	uint64_t before_private;

	priv = sample(self->sb);
	before_private = live_private(self->sb);
	frozen = frost_freeze(self->sb, priv);
	assert_ptr(frozen, !=, NULL);
	expect_ptr(frozen, !=, priv);
	expect_true(frost_is_shared(frozen));
	expect_true(!frost_is_shared(priv));
	expect_true(all_shared(frozen));
	expect_true(frost_equal(frozen, priv));
	expect_uint(frost_hash(frozen), ==, frost_hash(priv));
	/* 9 copies: tuple, "name", big int, float, bytes, map, "k", (1,"v"), "v". */
	expect_uint(shared_objects(self->heap), ==, 9);
	/* Freezing allocated nothing private (its work tables were freed). */
	expect_uint(live_private(self->sb), ==, before_private);
	/* Freezing twice gives an equal, distinct copy. */
	again = frost_freeze(self->sb, priv);
	expect_ptr(again, !=, frozen);
	expect_true(frost_equal(again, frozen));
	/* A shared object freezes to itself. */
	expect_ptr(frost_freeze(self->sb, frozen), ==, frozen);
	expect_uint(shared_objects(self->heap), ==, 18);
	/* The original still works and is still private. */
	expect_uint(frost_tuple_len(priv), ==, 5);
	frost_decref(priv);
}

TEST_F(heap, static_objects_are_not_copied)
{
	expect_ptr(frost_freeze(self->sb, frost_none()), ==, frost_none());
	expect_ptr(frost_freeze(self->sb, frost_bool(true)), ==, frost_bool(true));
	expect_ptr(frost_freeze(self->sb, frost_int_new(self->sb, 7)), ==, frost_int_new(self->sb, 7));
	expect_ptr(frost_freeze(self->sb, frost_int_new(self->sb, -5)), ==, frost_int_new(self->sb, -5));
	expect_uint(shared_objects(self->heap), ==, 0);
}

TEST_F(heap, immortal_refcount_never_written)
{
	struct frost_object *priv, *frozen;
	uint64_t before;

	priv = str(self->sb, "immortal");
	frozen = frost_freeze(self->sb, priv);
	assert_ptr(frozen, !=, NULL);
	before = frozen->refcnt;
	for (int i = 0; i < 1000000; i++) {
		frost_incref(frozen);
		frost_decref(frozen);
		frost_decref(frozen);
	}
	expect_uint(frozen->refcnt, ==, before);
	frost_decref(priv);
}

TEST_F(heap, mutable_inside_fails_and_allocates_nothing)
{
	struct frost_object *list, *items[3], *t, *outer;

	list = frost_list_new(self->sb);
	items[0] = str(self->sb, "a");
	items[1] = list;
	items[2] = str(self->sb, "c");
	t = frost_tuple_new(self->sb, 3, items);
	outer = frost_tuple_new(self->sb, 1, &t);
	expect_null_errno(frost_freeze(self->sb, list), EPERM);
	expect_null_errno(frost_freeze(self->sb, t), EPERM);
	expect_null_errno(frost_freeze(self->sb, outer), EPERM);
	expect_uint(shared_objects(self->heap), ==, 0);
	frost_decref(outer);
	frost_decref(t);
	for (int i = 0; i < 3; i++)
		frost_decref(items[i]);
	expect_uint(live_private(self->sb), ==, 0);
}

/* A user type with two child slots. */
struct pair {
	struct frost_object ob;
	struct frost_object *a, *b;
};

static void pair_trace(struct frost_object *o, frost_visit_fn visit, void *arg)
{
	struct pair *p = (struct pair *)(void *)o;

	visit(&p->a, arg);
	visit(&p->b, arg);
}

static const struct frost_type pair_type = {
	.name = "pair", .basic_size = sizeof(struct pair), .flags = FROST_TYPE_IMMUTABLE,
	.trace = pair_trace,
};
static const struct frost_type mutable_pair_type = {
	.name = "mpair", .basic_size = sizeof(struct pair), .trace = pair_trace,
};

TEST_F(heap, sharing_and_cycles_preserved)
{
	struct frost_object *x, *items[2], *t, *ft, *p1, *p2, *f1;
	struct pair *fp;

	x = str(self->sb, "shared child");
	items[0] = items[1] = x;
	t = frost_tuple_new(self->sb, 2, items);
	ft = frost_freeze(self->sb, t);
	assert_ptr(ft, !=, NULL);
	expect_ptr(frost_tuple_get(ft, 0), ==, frost_tuple_get(ft, 1));
	expect_uint(shared_objects(self->heap), ==, 2);
	/* A cycle through a user type: p1 -> p2 -> p1. */
	p1 = frost_object_new(self->sb, &pair_type, 0);
	p2 = frost_object_new(self->sb, &pair_type, 0);
	((struct pair *)(void *)p1)->a = p2;
	((struct pair *)(void *)p2)->a = p1;
	((struct pair *)(void *)p2)->b = ft;	/* a shared child is kept */
	f1 = frost_freeze(self->sb, p1);
	assert_ptr(f1, !=, NULL);
	fp = (struct pair *)(void *)f1;
	expect_true(frost_is_shared(fp->a));
	expect_ptr(((struct pair *)(void *)fp->a)->a, ==, f1);
	expect_ptr(((struct pair *)(void *)fp->a)->b, ==, ft);
	expect_ptr(fp->b, ==, NULL);
	/* Break the private cycle (p2 -> p1 holds no reference) and drop
	 * p1, which owns p2's reference. */
	((struct pair *)(void *)p2)->a = NULL;
	frost_decref(p1);
	frost_decref(t);
	frost_decref(x);
	expect_uint(live_private(self->sb), ==, 0);
}

TEST_F(heap, mutable_user_type_refused)
{
	struct frost_object *m;

	m = frost_object_new(self->sb, &mutable_pair_type, 0);
	expect_null_errno(frost_freeze(self->sb, m), EPERM);
	expect_uint(shared_objects(self->heap), ==, 0);
	frost_decref(m);
}

TEST_F(heap, large_graphs_and_objects)
{
	static struct frost_object *items[20000];
	struct frost_object *t, *ft, *big, *fbig;
	char *text = malloc(1 << 20);
	size_t len;

	assert_ptr(text, !=, NULL);
	for (int i = 0; i < 20000; i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "item-%d", i);
		items[i] = str(self->sb, buf);
	}
	t = frost_tuple_new(self->sb, 20000, items);
	ft = frost_freeze(self->sb, t);
	assert_ptr(ft, !=, NULL);
	expect_true(frost_equal(t, ft));
	expect_uint(shared_objects(self->heap), ==, 20001);
	memset(text, 'x', 1 << 20);
	big = frost_str_new(self->sb, text, 1 << 20);
	fbig = frost_freeze(self->sb, big);
	assert_ptr(fbig, !=, NULL);
	expect_true(frost_equal(big, fbig));
	expect_true(frost_str_data(fbig, &len) != NULL && len == 1 << 20);
	frost_decref(big);
	frost_decref(t);
	for (int i = 0; i < 20000; i++)
		frost_decref(items[i]);
	expect_uint(live_private(self->sb), ==, 0);
	free(text);
}

static struct frost_object *foreign;
static pthread_barrier_t barrier;

static void *other_sandbox(void *arg)
{
	struct frost_sandbox *mine = frost_sandbox_attach(arg);

	foreign = mine ? frost_str_new(mine, "foreign", 7) : NULL;
	pthread_barrier_wait(&barrier);	/* handed over */
	pthread_barrier_wait(&barrier);	/* the test is done with it */
	if (mine) {
		frost_decref(foreign);
		frost_sandbox_detach(mine);
	}
	return NULL;
}

TEST_F(heap, foreign_objects_refused)
{
	struct frost_heap *heap2;
	struct frost_object *t, *priv, *other_shared;
	pthread_t th;

	pthread_barrier_init(&barrier, NULL, 2);
	pthread_create(&th, NULL, other_sandbox, self->heap);
	pthread_barrier_wait(&barrier);
	assert_ptr(foreign, !=, NULL);
	expect_null_errno(frost_freeze(self->sb, foreign), EPERM);
	/* The constructors refuse it, so plant it with a user type to reach
	 * freeze's own check. */
	t = frost_object_new(self->sb, &pair_type, 0);
	((struct pair *)(void *)t)->a = str(self->sb, "mine");
	((struct pair *)(void *)t)->b = foreign;
	expect_null_errno(frost_freeze(self->sb, t), EPERM);
	((struct pair *)(void *)t)->b = NULL;
	frost_decref(t);
	pthread_barrier_wait(&barrier);
	pthread_join(th, NULL);
	expect_uint(shared_objects(self->heap), ==, 0);

	/* A shared object of another heap is refused as a child. */
	heap2 = frost_heap_create(NULL);
	assert_ptr(heap2, !=, NULL);
	frost_sandbox_detach(self->sb);
	self->sb = frost_sandbox_attach(heap2);
	priv = frost_str_new(self->sb, "other heap", 10);
	other_shared = frost_freeze(self->sb, priv);
	assert_ptr(other_shared, !=, NULL);
	frost_decref(priv);
	frost_sandbox_detach(self->sb);
	self->sb = frost_sandbox_attach(self->heap);
	expect_null_errno(frost_freeze(self->sb, other_shared), EPERM);
	t = frost_object_new(self->sb, &pair_type, 0);
	((struct pair *)(void *)t)->a = other_shared;
	expect_null_errno(frost_freeze(self->sb, t), EPERM);
	((struct pair *)(void *)t)->a = NULL;
	frost_decref(t);
	expect_uint(shared_objects(self->heap), ==, 0);
	expect_int(frost_heap_destroy(heap2), ==, 0);
}

TEST_F(heap, bad_arguments)
{
	struct frost_object *s;

	expect_null_errno(frost_freeze(NULL, frost_none()), EINVAL);
	expect_null_errno(frost_freeze(self->sb, NULL), EINVAL);
	/* Offline, a sandbox may not allocate shared memory. */
	s = str(self->sb, "offline");
	frost_sandbox_offline(self->sb);
	expect_null_errno(frost_freeze(self->sb, s), EINVAL);
	frost_sandbox_online(self->sb);
	expect_uint(shared_objects(self->heap), ==, 0);
	frost_decref(s);
}

TAP_MAIN()
