// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Tests for lifetime rule 4 in the containers: a private object is usable
 * only by the sandbox that owns it.
 *
 * Theory of operation: two threads attach one sandbox each (A and B) to one
 * heap. A builds private objects (an int, a str, a tuple, a map, a list)
 * and hands the pointers to B through a shared struct, ordered by a pthread
 * barrier. B passes them to every container call that takes a sandbox:
 * frost_tuple_new(), frost_map_new() (as key and as value) and
 * frost_list_append() (as the list and as the item). Each must fail with
 * EPERM and leave no trace: B's live count is unchanged, B's own objects in
 * the same calls keep their refcounts, and after the next barrier A finds
 * its own objects' refcounts and live count untouched. Static shared objects
 * (None, True, small ints) must be accepted from both sandboxes. Only A's
 * thread ever reads A's objects' counts; B only passes the pointers on.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <frost/frost.h>
#include "tap.h"
#include "frost-test.h"

#define BIG 1000000

enum { A_INT, A_STR, A_TUPLE, A_MAP, A_LIST, A_NR };

struct shared_state {
	struct frost_heap *heap;
	pthread_barrier_t barrier;
	struct frost_object *a_objs[A_NR];	/* A's private objects */
	struct frost_object *b_objs[A_NR];	/* B's, for the reverse check */
	struct frost_object *shared_tuple_b;	/* built by B from statics */
};

/* Build one of each kind of private object in @sb. */
static void build(struct frost_sandbox *sb, struct frost_object *objs[A_NR])
{
	struct frost_object *items[2];

	objs[A_INT] = frost_int_new(sb, BIG);
	objs[A_STR] = frost_str_new(sb, "private", 7);
	assert_ptr(objs[A_INT], !=, NULL);
	assert_ptr(objs[A_STR], !=, NULL);
	/* Holds only static objects, but is itself private. */
	items[0] = frost_none();
	items[1] = frost_int_new(sb, 1);
	objs[A_TUPLE] = frost_tuple_new(sb, 2, items);
	objs[A_MAP] = frost_map_new(sb, 1, &items[1], &items[0]);
	objs[A_LIST] = frost_list_new(sb);
	assert_ptr(objs[A_TUPLE], !=, NULL);
	assert_ptr(objs[A_MAP], !=, NULL);
	assert_ptr(objs[A_LIST], !=, NULL);
}

/*
 * From sandbox @sb, try every container call with @foreign (another
 * sandbox's private objects); every one must fail with EPERM and change
 * nothing in @sb.
 */
static void try_foreign(struct frost_sandbox *sb, struct frost_object *const foreign[A_NR])
{
	struct frost_object *mine, *list, *keys[2], *vals[2], *items[3];
	uint64_t base;

	mine = frost_int_new(sb, BIG + 1);
	list = frost_list_new(sb);
	assert_ptr(mine, !=, NULL);
	assert_ptr(list, !=, NULL);
	base = frost_test_live(sb);

	for (int i = 0; i < A_NR; i++) {
		struct frost_object *f = foreign[i];

		/* tuple: the foreign item anywhere, after our own. */
		items[0] = mine;
		items[1] = frost_none();
		items[2] = f;
		expect_null_errno(frost_tuple_new(sb, 3, items), EPERM);
		expect_null_errno(frost_tuple_new(sb, 1, &f), EPERM);

		/* map: as a key, as a value, first or last pair. */
		keys[0] = mine;
		vals[0] = mine;
		keys[1] = f;
		vals[1] = frost_none();
		expect_null_errno(frost_map_new(sb, 2, keys, vals), EPERM);
		keys[1] = frost_int_new(sb, 5);
		vals[1] = f;
		expect_null_errno(frost_map_new(sb, 2, keys, vals), EPERM);
		expect_null_errno(frost_map_new(sb, 1, &f, &mine), EPERM);
		expect_null_errno(frost_map_new(sb, 1, &mine, &f), EPERM);

		/* list: the foreign object as the item, and as the list. */
		expect_neg_errno(frost_list_append(sb, list, f), EPERM);
		expect_neg_errno(frost_list_append(sb, f, mine), EPERM);
	}
	expect_uint(frost_list_len(list), ==, 0);
	expect_uint(mine->refcnt, ==, 1);
	expect_uint(frost_test_live(sb), ==, base);

	/* Static shared objects are fine from any sandbox. */
	items[0] = frost_none();
	items[1] = frost_bool(true);
	items[2] = frost_int_new(sb, 1024);
	{
		struct frost_object *t = frost_tuple_new(sb, 3, items);
		struct frost_object *m = frost_map_new(sb, 3, items, items);

		expect_ptr(t, !=, NULL);
		expect_ptr(m, !=, NULL);
		expect_int(frost_list_append(sb, list, items[2]), ==, 0);
		if (t)
			frost_decref(t);
		if (m)
			frost_decref(m);
	}
	frost_decref(list);
	frost_decref(mine);
}

static void *thread_a(void *arg)
{
	struct shared_state *st = arg;
	struct frost_sandbox *sb = frost_sandbox_attach(st->heap);
	uint64_t refs[A_NR], base;

	assert_ptr(sb, !=, NULL);
	build(sb, st->a_objs);
	for (int i = 0; i < A_NR; i++)
		refs[i] = st->a_objs[i]->refcnt;
	base = frost_test_live(sb);

	pthread_barrier_wait(&st->barrier);	/* 1: A's objects published */
	pthread_barrier_wait(&st->barrier);	/* 2: B has tried them */

	for (int i = 0; i < A_NR; i++)
		expect_uint(st->a_objs[i]->refcnt, ==, refs[i]);
	expect_uint(frost_list_len(st->a_objs[A_LIST]), ==, 0);
	expect_uint(frost_test_live(sb), ==, base);

	/* The reverse direction: A with B's objects. */
	try_foreign(sb, st->b_objs);

	pthread_barrier_wait(&st->barrier);	/* 3: A is done with B's */
	for (int i = 0; i < A_NR; i++)
		frost_decref(st->a_objs[i]);
	expect_int(frost_sandbox_detach(sb), ==, 0);
	return NULL;
}

static void *thread_b(void *arg)
{
	struct shared_state *st = arg;
	struct frost_sandbox *sb = frost_sandbox_attach(st->heap);
	uint64_t refs[A_NR], base;

	assert_ptr(sb, !=, NULL);
	build(sb, st->b_objs);
	for (int i = 0; i < A_NR; i++)
		refs[i] = st->b_objs[i]->refcnt;

	pthread_barrier_wait(&st->barrier);	/* 1 */
	try_foreign(sb, st->a_objs);
	base = frost_test_live(sb);
	pthread_barrier_wait(&st->barrier);	/* 2 */
	pthread_barrier_wait(&st->barrier);	/* 3 */

	for (int i = 0; i < A_NR; i++)
		expect_uint(st->b_objs[i]->refcnt, ==, refs[i]);
	expect_uint(frost_test_live(sb), ==, base);
	for (int i = 0; i < A_NR; i++)
		frost_decref(st->b_objs[i]);
	expect_int(frost_sandbox_detach(sb), ==, 0);
	return NULL;
}

TEST(foreign_private_objects_are_refused)
{
	struct shared_state st;
	pthread_t ta, tb;

	memset(&st, 0, sizeof(st));
	st.heap = frost_heap_create(NULL);
	assert_ptr(st.heap, !=, NULL);
	assert_int(pthread_barrier_init(&st.barrier, NULL, 2), ==, 0);
	assert_int(pthread_create(&ta, NULL, thread_a, &st), ==, 0);
	assert_int(pthread_create(&tb, NULL, thread_b, &st), ==, 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&st.barrier);
	expect_int(frost_heap_destroy(st.heap), ==, 0);
}

TEST_F(heap, static_objects_are_shared_by_everyone)
{
	expect_true(frost_is_shared(frost_none()));
	expect_true(frost_is_shared(frost_bool(false)));
	expect_true(frost_is_shared(frost_int_new(self->sb, -5)));
	expect_true(frost_is_shared(frost_int_new(self->sb, 1024)));
	/* The same pointer from any sandbox (and without one). */
	expect_ptr(frost_int_new(NULL, 7), ==, frost_int_new(self->sb, 7));
}

int main(int argc, char **argv)
{
#ifndef CONFIG_FROST_STATS
	tap_skip_all("CONFIG_FROST_STATS is off: no live-object counts");
#endif
	return tap_main(argc, argv);
}
