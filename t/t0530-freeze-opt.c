// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0530-freeze-opt: frost_freeze_opt()'s options.
 *
 * FROST_FREEZE_DEDUP: equal str, bytes, int and float leaves of one freeze
 * become one shared object (observable as identity), and nothing else
 * merges: a str never with a bytes, an int never with a float, 0.0 never
 * with -0.0 (each keeps its sign); a NaN only with the same bits. The
 * result is frost_equal() to, and hashes like, the plain freeze. A short
 * str whose text is interned becomes the interned str; one that is not
 * stays a copy (DEDUP alone never adds to the table). FROST_FREEZE_INTERN
 * interns short texts, so two freezes and frost_str_intern() share one
 * str, and that str survives reclaim cycles while the graph is published.
 * FROST_FREEZE_MOVE: the caller's reference is consumed (the private graph
 * it owned alone is freed by the call, a sub-object held elsewhere too
 * survives, an object with more references only loses one), and on
 * failure nothing changes. Bad input: unknown flags, NULL, a list inside,
 * another thread's sandbox, and ENOMEM at every allocation in turn (fault
 * injection builds), which leaves the private graph as it was.
 */
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <frost/frost.h>
#include "tap.h"
#include "frost-test.h"

#define BIG	INT64_C(1000003)

static const struct frost_heap_config manual_cfg = { .flags = FROST_HEAP_MANUAL };

FROST_TEST_HEAP_FIXTURE(manual_heap, &manual_cfg)

static struct frost_object *item(const struct frost_object *t, size_t i)
{
	struct frost_object *o = frost_tuple_get(t, i);

	assert_ptr(o, !=, NULL);
	return o;
}

static struct frost_object *flt(struct frost_sandbox *sb, double v)
{
	struct frost_object *o = frost_float_new(sb, v);

	assert_ptr(o, !=, NULL);
	return o;
}

static struct frost_object *tuple_drop(struct frost_sandbox *sb, size_t n, struct frost_object **items)
{
	struct frost_object *t = frost_tuple_new(sb, n, items);

	assert_ptr(t, !=, NULL);
	for (size_t i = 0; i < n; i++)
		frost_decref(items[i]);
	return t;
}

#define LONG_TEXT "a text longer than sixty-four bytes, so never shared with the intern table"

/* The leaves of the dedup test: index pairs that may and may not merge. */
static struct frost_object *dedup_graph(struct frost_sandbox *sb)
{
	struct frost_object *it[14];
	struct frost_object *b;

	it[0] = frost_test_str(sb, "hello");
	it[1] = frost_test_str(sb, "hello");
	b = frost_bytes_new(sb, "hello", 5);
	assert_ptr(b, !=, NULL);
	it[2] = b;
	it[3] = frost_test_int(sb, BIG);
	it[4] = frost_test_int(sb, BIG);
	it[5] = flt(sb, (double)BIG);		/* equal to the int, never merged */
	it[6] = flt(sb, 1.5);
	it[7] = flt(sb, 1.5);
	it[8] = flt(sb, 0.0);
	it[9] = flt(sb, -0.0);			/* equal to 0.0, never merged */
	it[10] = flt(sb, NAN);
	it[11] = flt(sb, NAN);			/* same bits: merged */
	it[12] = frost_test_str(sb, LONG_TEXT);
	it[13] = frost_test_str(sb, LONG_TEXT);
	return tuple_drop(sb, 14, it);
}

TEST_F(manual_heap, dedup_merges_equal_leaves_only)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_object *t = dedup_graph(sb);
	struct frost_object *plain, *d;
	double v = 1;

	plain = frost_freeze(sb, t);
	d = frost_freeze_opt(sb, t, FROST_FREEZE_DEDUP);
	assert_ptr(plain, !=, NULL);
	assert_ptr(d, !=, NULL);
	expect_true(frost_is_shared(d));
	expect_true(d != plain);

	/* Without the flag every private leaf has its own copy. */
	expect_true(item(plain, 0) != item(plain, 1));
	expect_true(item(plain, 3) != item(plain, 4));

	expect_ptr(item(d, 0), ==, item(d, 1));
	expect_ptr(item(d, 3), ==, item(d, 4));
	expect_ptr(item(d, 6), ==, item(d, 7));
	expect_ptr(item(d, 10), ==, item(d, 11));
	expect_ptr(item(d, 12), ==, item(d, 13));
	expect_true(item(d, 0) != item(d, 2));	/* str vs bytes */
	expect_true(item(d, 3) != item(d, 5));	/* int vs float */
	expect_true(item(d, 8) != item(d, 9));	/* 0.0 vs -0.0 */
	expect_str(frost_type_name(item(d, 5)), "float");
	expect_str(frost_type_name(item(d, 3)), "int");
	expect_int(frost_float_get(item(d, 9), &v), ==, 0);
	expect_true(signbit(v));
	expect_int(frost_float_get(item(d, 8), &v), ==, 0);
	expect_true(!signbit(v));
	expect_int(frost_float_get(item(d, 10), &v), ==, 0);
	expect_true(isnan(v));

	/* equal() and hash() cannot tell the two apart. */
	expect_true(frost_equal(d, plain));
	expect_true(frost_equal(d, t));
	expect_uint(frost_hash(d), ==, frost_hash(plain));
	for (size_t i = 0; i < 14; i++)
		expect_true(frost_equal(item(d, i), item(plain, i)));
	frost_decref(t);
}

TEST_F(manual_heap, dedup_nested_and_shared_substructure)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_object *in[2], *out[3], *t, *d;

	/* Two inner tuples with equal strs, one reached twice. */
	in[0] = frost_test_str(sb, "k");
	in[1] = frost_test_int(sb, BIG);
	out[0] = tuple_drop(sb, 2, in);
	out[1] = out[0];
	frost_incref(out[1]);
	in[0] = frost_test_str(sb, "k");
	in[1] = frost_test_int(sb, BIG);
	out[2] = tuple_drop(sb, 2, in);
	t = tuple_drop(sb, 3, out);
	d = frost_freeze_opt(sb, t, FROST_FREEZE_DEDUP);
	assert_ptr(d, !=, NULL);
	expect_ptr(item(d, 0), ==, item(d, 1));		/* one object, one copy */
	expect_true(item(d, 0) != item(d, 2));		/* tuples are not leaves */
	expect_ptr(item(item(d, 0), 0), ==, item(item(d, 2), 0));
	expect_ptr(item(item(d, 0), 1), ==, item(item(d, 2), 1));
	expect_true(frost_equal(d, t));
	frost_decref(t);
}

TEST_F(manual_heap, dedup_shares_interned_strs)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_object *it[2], *t, *d, *in, *s;

	in = frost_str_intern(sb, "interned", 8);
	assert_ptr(in, !=, NULL);
	it[0] = frost_test_str(sb, "interned");
	it[1] = frost_test_str(sb, "not-interned");
	t = tuple_drop(sb, 2, it);
	d = frost_freeze_opt(sb, t, FROST_FREEZE_DEDUP);
	assert_ptr(d, !=, NULL);
	expect_ptr(item(d, 0), ==, in);
	/* DEDUP alone adds nothing to the table. */
	s = frost_str_intern(sb, "not-interned", 12);
	assert_ptr(s, !=, NULL);
	expect_true(item(d, 1) != s);
	expect_true(frost_equal(item(d, 1), s));

	/* A lone short str: the interned one, or a copy. */
	s = frost_test_str(sb, "interned");
	expect_ptr(frost_freeze_opt(sb, s, FROST_FREEZE_DEDUP), ==, in);
	frost_decref(s);
	s = frost_test_str(sb, "lone");
	d = frost_freeze_opt(sb, s, FROST_FREEZE_DEDUP);
	assert_ptr(d, !=, NULL);
	expect_true(frost_is_shared(d));
	expect_true(d != frost_str_intern(sb, "lone", 4));
	frost_decref(s);
	frost_decref(t);
}

TEST_F(manual_heap, intern_shares_across_freezes_and_survives_cycles)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_object *it[2], *t1, *t2, *d1, *d2, *s, *l;

	it[0] = frost_test_str(sb, "across");
	it[1] = frost_test_str(sb, LONG_TEXT);
	t1 = tuple_drop(sb, 2, it);
	it[0] = frost_test_str(sb, "across");
	it[1] = frost_test_str(sb, LONG_TEXT);
	t2 = tuple_drop(sb, 2, it);
	d1 = frost_freeze_opt(sb, t1, FROST_FREEZE_INTERN);
	d2 = frost_freeze_opt(sb, t2, FROST_FREEZE_INTERN);
	assert_ptr(d1, !=, NULL);
	assert_ptr(d2, !=, NULL);
	s = item(d1, 0);
	expect_ptr(item(d2, 0), ==, s);
	expect_ptr(frost_str_intern(sb, "across", 6), ==, s);
	/* Too long for the table: one copy each. */
	expect_true(item(d1, 1) != item(d2, 1));
	l = frost_str_intern(sb, LONG_TEXT, strlen(LONG_TEXT));
	assert_ptr(l, !=, NULL);
	expect_true(item(d1, 1) != l);

	/* Published, the graph keeps its interned str through cycles. */
	assert_int(frost_publish(sb, "d1", d1), ==, 0);
	for (int i = 0; i < 3; i++)
		assert_true(frost_reclaim(self->heap) >= 0);
	d1 = frost_lookup(sb, "d1");
	assert_ptr(d1, !=, NULL);
	s = item(d1, 0);
	expect_ptr(frost_str_intern(sb, "across", 6), ==, s);
	expect_true(frost_equal(d1, t1));
	/* Unpublished, the entry goes with it; interning again works. */
	assert_int(frost_unpublish(sb, "d1"), ==, 0);
	for (int i = 0; i < 3; i++)
		assert_true(frost_reclaim(self->heap) >= 0);
	s = frost_str_intern(sb, "across", 6);
	assert_ptr(s, !=, NULL);
	expect_mem(frost_str_data(s, NULL), "across", 7);
	frost_decref(t1);
	frost_decref(t2);
}

TEST_F(manual_heap, move_frees_what_the_caller_owned)
{
	struct frost_sandbox *sb = self->sb;
	uint64_t before = frost_test_live(sb);
	struct frost_object *it[3], *t, *f, *ref;

	/* Single path: a tuple of static items. */
	it[0] = frost_int_new(sb, 1);
	it[1] = frost_int_new(sb, 2);
	t = frost_tuple_new(sb, 2, it);
	assert_ptr(t, !=, NULL);
	expect_uint(frost_test_live(sb), ==, before + 1);
	f = frost_freeze_opt(sb, t, FROST_FREEZE_MOVE);
	assert_ptr(f, !=, NULL);
	expect_true(frost_is_shared(f));
	expect_uint(frost_test_live(sb), ==, before);
	expect_uint(frost_tuple_len(f), ==, 2);
	expect_int(frost_test_int_of(item(f, 1)), ==, 2);

	/* General path: private leaves inside, all owned by the tuple. */
	it[0] = frost_test_str(sb, "moved");
	it[1] = frost_test_int(sb, BIG);
	it[2] = flt(sb, 2.5);
	t = tuple_drop(sb, 3, it);
	ref = frost_freeze(sb, t);
	expect_uint(frost_test_live(sb), ==, before + 4);
	f = frost_freeze_opt(sb, t, FROST_FREEZE_MOVE);
	assert_ptr(f, !=, NULL);
	expect_uint(frost_test_live(sb), ==, before);
	expect_true(frost_equal(f, ref));

	/* A lone private str. */
	t = frost_test_str(sb, "alone");
	f = frost_freeze_opt(sb, t, FROST_FREEZE_MOVE | FROST_FREEZE_DEDUP);
	assert_ptr(f, !=, NULL);
	expect_uint(frost_test_live(sb), ==, before);
	expect_mem(frost_str_data(f, NULL), "alone", 6);

	/* A shared object: returned as it is. */
	expect_ptr(frost_freeze_opt(sb, f, FROST_FREEZE_MOVE), ==, f);
}

TEST_F(manual_heap, move_keeps_what_others_hold)
{
	struct frost_sandbox *sb = self->sb;
	uint64_t before = frost_test_live(sb);
	struct frost_object *it[2], *sub, *t, *f;

	/* A sub-object reached twice and held by the caller too. */
	it[0] = frost_test_str(sb, "sub");
	it[1] = frost_test_int(sb, BIG);
	sub = tuple_drop(sb, 2, it);
	it[0] = sub;
	it[1] = sub;
	t = frost_tuple_new(sb, 2, it);
	assert_ptr(t, !=, NULL);
	expect_uint(frost_test_live(sb), ==, before + 4);
	f = frost_freeze_opt(sb, t, FROST_FREEZE_MOVE);
	assert_ptr(f, !=, NULL);
	expect_ptr(item(f, 0), ==, item(f, 1));
	/* t is gone; sub and its leaves stay, intact, the caller's. */
	expect_uint(frost_test_live(sb), ==, before + 3);
	expect_true(!frost_is_shared(sub));
	expect_true(frost_equal(sub, item(f, 0)));
	expect_uint(frost_tuple_len(sub), ==, 2);

	/* A root with two references only loses one. */
	frost_incref(sub);
	f = frost_freeze_opt(sb, sub, FROST_FREEZE_MOVE);
	assert_ptr(f, !=, NULL);
	expect_uint(frost_test_live(sb), ==, before + 3);
	expect_true(frost_equal(sub, f));
	frost_decref(sub);
	expect_uint(frost_test_live(sb), ==, before);
}

TEST_F(manual_heap, move_failure_changes_nothing)
{
	struct frost_sandbox *sb = self->sb;
	uint64_t before = frost_test_live(sb);
	struct frost_object *it[2], *t;

	it[0] = frost_list_new(sb);
	assert_ptr(it[0], !=, NULL);
	it[1] = frost_test_str(sb, "x");
	t = tuple_drop(sb, 2, it);
	expect_null_errno(frost_freeze_opt(sb, t, FROST_FREEZE_MOVE | FROST_FREEZE_DEDUP), EPERM);
	expect_uint(frost_test_live(sb), ==, before + 3);
	expect_uint(frost_tuple_len(t), ==, 2);
	frost_decref(t);
	expect_uint(frost_test_live(sb), ==, before);
}

struct other {
	struct frost_sandbox *sb;
	struct frost_object *o;
	int err;
};

static void *other_main(void *arg)
{
	struct other *ot = arg;

	errno = 0;
	if (!frost_freeze_opt(ot->sb, ot->o, FROST_FREEZE_DEDUP))
		ot->err = errno;
	return NULL;
}

TEST_F(manual_heap, bad_input)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_object *s = frost_test_str(sb, "s");
	struct other ot = { .sb = sb, .o = s };
	pthread_t th;

	expect_null_errno(frost_freeze_opt(sb, s, 0x80), EINVAL);
	expect_null_errno(frost_freeze_opt(sb, s, ~0u), EINVAL);
	expect_null_errno(frost_freeze_opt(sb, NULL, FROST_FREEZE_DEDUP), EINVAL);
	expect_null_errno(frost_freeze_opt(NULL, s, FROST_FREEZE_DEDUP), EINVAL);
	frost_sandbox_offline(sb);
	expect_null_errno(frost_freeze_opt(sb, s, FROST_FREEZE_INTERN), EINVAL);
	frost_sandbox_online(sb);
	pthread_create(&th, NULL, other_main, &ot);
	pthread_join(th, NULL);
	expect_int(ot.err, ==, EPERM);
	/* Flags 0: frost_freeze() itself. */
	expect_true(frost_equal(frost_freeze_opt(sb, s, 0), s));
	frost_decref(s);
}

TEST_F(manual_heap, enomem_changes_nothing)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_object *t = dedup_graph(sb);
	uint64_t before = frost_test_live(sb);
	int fails = 0;

	if (frost_debug_fail_every(0) == -ENOSYS) {
		frost_decref(t);
		tap_skip("built without CONFIG_FROST_FAULT_INJECTION");
	}
	/* Every allocation of the freeze fails in turn, the dedup table's too. */
	for (int n = 1; n < 64; n++) {
		struct frost_object *f;

		frost_debug_fail_every(n);
		f = frost_freeze_opt(sb, t, FROST_FREEZE_INTERN | FROST_FREEZE_MOVE);
		frost_debug_fail_every(0);
		if (f)
			break;
		expect_int(errno, ==, ENOMEM);
		fails++;
		expect_uint(frost_test_live(sb), ==, before);	/* t intact */
		expect_uint(frost_tuple_len(t), ==, 14);
	}
	expect_int(fails, >, 0);
}

TAP_MAIN()
