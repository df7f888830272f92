// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Tests for deep structures (issue 12, point 2): every API that walks a
 * graph must do so with bounded C stack.
 *
 * Theory of operation: each test builds chains DEPTH (10^6) levels deep
 * of tuples, of maps whose single value is the next level, and of maps
 * whose single key is the next level, and runs the APIs that look inside
 * them: frost_equal() of two equal chains and of two chains that differ
 * only at the bottom, frost_hash(), frost_map_get() with a deep key,
 * frost_map_new() with deep keys (it compares keys), frost_freeze() of a
 * deep private chain, the release of a deep private chain, and the
 * reclaimer freeing a deep shared chain (published, looked up, then
 * unpublished). main() caps the stack at 8 MiB before the tests fork, so a
 * recursion of one frame per level crashes the test (SIGSEGV) rather than
 * quietly eating memory where the stack limit is "unlimited".
 *
 * To make two chains that differ only at the bottom compare all the way
 * down, their bottoms are distinct objects of a user type ("opaque") whose
 * hash is a constant and which compares by identity: every level of the
 * two chains then has the same cached hash, so the quick hash reject never
 * fires and equality must descend to the bottom to say "different".
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <frost/frost.h>
#include "frost-test.h"
#include "tap.h"

#define DEPTH 1000000

static struct frost_heap *heap;
static struct frost_sandbox *sb;

static uint64_t opaque_hash(const struct frost_object *o)
{
	(void)o;
	return 42;
}

static const struct frost_type opaque_type = {
	.name = "opaque", .basic_size = sizeof(struct frost_object),
	.flags = FROST_TYPE_IMMUTABLE, .hash = opaque_hash,
};

static uint64_t live(void)
{
	struct frost_sandbox_stats st;

	memset(&st, 0, sizeof(st));
	assert_int(frost_sandbox_stats(sb, &st), ==, 0);
	return st.live_objects;
}

static struct frost_object *opaque(void)
{
	struct frost_object *o = frost_object_new(sb, &opaque_type, 0);

	assert_ptr(o, !=, NULL);
	return o;
}

enum chain_kind { TUPLES, MAP_VALUES, MAP_KEYS };

/* One level above @below; takes over the caller's reference to @below. */
static struct frost_object *level(enum chain_kind kind, struct frost_object *below)
{
	struct frost_object *o, *k = frost_int_new(sb, 1);

	assert_ptr(k, !=, NULL);
	if (kind == TUPLES)
		o = frost_tuple_new(sb, 1, &below);
	else if (kind == MAP_VALUES)
		o = frost_map_new(sb, 1, &k, &below);
	else
		o = frost_map_new(sb, 1, &below, &k);
	assert_ptr(o, !=, NULL);
	frost_decref(below);
	frost_decref(k);
	return o;
}

/* A chain of @depth levels of @kind above @bottom (whose reference it takes). */
static struct frost_object *chain(enum chain_kind kind, struct frost_object *bottom, size_t depth)
{
	struct frost_object *o = bottom;

	for (size_t i = 0; i < depth; i++)
		o = level(kind, o);
	return o;
}

static void setup(void)
{
	/* No background cycles: the chains take long to build under TSan, and
	 * a reclaimer waiting for our quiescent state would warn of stalls. */
	struct frost_heap_config cfg = { .flags = FROST_HEAP_MANUAL };

	frost_test_open(&cfg, &heap, &sb);
}

static void teardown(void)
{
	frost_test_close(heap, sb);
}

/* Equal chains compare equal (both ways), hash equally, and errno stays. */
static void check_equal_chains(enum chain_kind kind)
{
	struct frost_object *a, *b;
	uint64_t base;

	setup();
	base = live();
	a = chain(kind, frost_int_new(sb, 7), DEPTH);
	b = chain(kind, frost_int_new(sb, 7), DEPTH);
	errno = 0;
	expect_true(frost_equal(a, b));
	expect_true(frost_equal(b, a));
	expect_int(errno, ==, 0);
	expect_uint(frost_hash(a), ==, frost_hash(b));
	expect_int(errno, ==, 0);
	frost_decref(a);
	frost_decref(b);
	expect_uint(live(), ==, base);
	teardown();
}

TEST(tuple_chains_equal)
{
	check_equal_chains(TUPLES);
}

TEST(map_value_chains_equal)
{
	check_equal_chains(MAP_VALUES);
}

TEST(map_key_chains_equal)
{
	check_equal_chains(MAP_KEYS);
}

/*
 * Chains over distinct opaque bottoms: same hash at every level, different
 * values. The same chain over one shared bottom is equal.
 */
static void check_bottom_differs(enum chain_kind kind)
{
	struct frost_object *x = opaque(), *y = opaque(), *a, *b, *c;

	frost_incref(x);
	a = chain(kind, x, DEPTH);
	b = chain(kind, y, DEPTH);
	c = chain(kind, x, DEPTH);
	expect_uint(frost_hash(a), ==, frost_hash(b));
	errno = 0;
	expect_true(!frost_equal(a, b));
	expect_true(!frost_equal(b, a));
	expect_int(errno, ==, 0);
	expect_true(frost_equal(a, c));
	expect_int(errno, ==, 0);
	frost_decref(a);
	frost_decref(b);
	frost_decref(c);
}

TEST(tuple_chains_differ_at_bottom)
{
	setup();
	check_bottom_differs(TUPLES);
	teardown();
}

TEST(map_value_chains_differ_at_bottom)
{
	setup();
	check_bottom_differs(MAP_VALUES);
	teardown();
}

TEST(map_key_chains_differ_at_bottom)
{
	setup();
	check_bottom_differs(MAP_KEYS);
	teardown();
}

/*
 * Maps whose two keys have the same hash but differ (chains over distinct
 * opaque bottoms), inserted in opposite orders, so that a lookup meets the
 * wrong candidate first and must go on probing. Nested under @depth tuple
 * levels: 0 and 5 are compared by the bounded recursion, 9, 30 and 200
 * by the explicit stack (a map frame that rejects a candidate).
 */
static struct frost_object *two_key_map(struct frost_object *x, struct frost_object *y,
					int vx, int vy, bool x_first)
{
	struct frost_object *kx, *ky, *keys[2], *vals[2], *m;

	frost_incref(x);
	frost_incref(y);
	kx = chain(TUPLES, x, 3);
	ky = chain(TUPLES, y, 3);
	keys[0] = x_first ? kx : ky;
	keys[1] = x_first ? ky : kx;
	vals[x_first ? 0 : 1] = frost_int_new(sb, vx);
	vals[x_first ? 1 : 0] = frost_int_new(sb, vy);
	m = frost_map_new(sb, 2, keys, vals);
	assert_ptr(m, !=, NULL);
	assert_uint(frost_map_len(m), ==, 2);
	for (int i = 0; i < 2; i++) {
		frost_decref(keys[i]);
		frost_decref(vals[i]);
	}
	return m;
}

TEST(colliding_keys_at_every_depth)
{
	static const size_t depths[] = { 0, 5, 9, 30, 200 };
	struct frost_object *x, *y, *a, *b, *c;
	uint64_t base;

	setup();
	base = live();
	x = opaque();
	y = opaque();
	for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
		a = chain(TUPLES, two_key_map(x, y, 1, 2, true), depths[i]);
		b = chain(TUPLES, two_key_map(x, y, 1, 2, false), depths[i]);
		c = chain(TUPLES, two_key_map(x, y, 2, 1, false), depths[i]);	/* swapped */
		expect_uint(frost_hash(a), ==, frost_hash(c));
		expect_true(frost_equal(a, b));
		expect_true(frost_equal(b, a));
		expect_true(!frost_equal(a, c));
		expect_true(!frost_equal(c, a));
		expect_true(!frost_equal(b, c));
		frost_decref(a);
		frost_decref(b);
		frost_decref(c);
	}
	frost_decref(x);
	frost_decref(y);
	expect_uint(live(), ==, base);
	teardown();
}

/* frost_map_get() with a deep key, found and (differing at the bottom) not. */
static void check_map_get(enum chain_kind kind)
{
	struct frost_object *x = opaque(), *y = opaque(), *k1, *k2, *k3, *m, *v, *one;

	frost_incref(x);
	k1 = chain(kind, x, DEPTH);
	k2 = chain(kind, x, DEPTH);		/* equal to k1, distinct objects */
	k3 = chain(kind, y, DEPTH);		/* same hash, not equal */
	one = frost_int_new(sb, 1);
	m = frost_map_new(sb, 1, &k1, &one);
	assert_ptr(m, !=, NULL);
	v = frost_map_get(m, k2);
	expect_ptr(v, ==, one);
	expect_null_errno(frost_map_get(m, k3), ENOENT);
	frost_decref(m);
	frost_decref(one);
	frost_decref(k1);
	frost_decref(k2);
	frost_decref(k3);
}

TEST(map_get_deep_key)
{
	setup();
	check_map_get(TUPLES);
	check_map_get(MAP_KEYS);
	teardown();
}

/* frost_map_new() compares its keys: equal deep keys merge, others do not. */
static void check_map_new(enum chain_kind kind)
{
	uint64_t base = live();
	struct frost_object *x = opaque(), *y = opaque(), *keys[3], *vals[3], *m;

	frost_incref(x);
	keys[0] = chain(kind, x, DEPTH);
	keys[1] = chain(kind, y, DEPTH);
	keys[2] = chain(kind, x, DEPTH);	/* equal to keys[0] */
	for (int i = 0; i < 3; i++)
		vals[i] = frost_int_new(sb, 100 + i);
	m = frost_map_new(sb, 3, keys, vals);
	assert_ptr(m, !=, NULL);
	expect_uint(frost_map_len(m), ==, 2);
	expect_int(frost_test_int_of(frost_map_get(m, keys[0])), ==, 102);	/* last wins */
	expect_int(frost_test_int_of(frost_map_get(m, keys[2])), ==, 102);
	expect_int(frost_test_int_of(frost_map_get(m, keys[1])), ==, 101);
	frost_decref(m);
	for (int i = 0; i < 3; i++) {
		frost_decref(keys[i]);
		frost_decref(vals[i]);
	}
	expect_uint(live(), ==, base);
}

TEST(map_new_deep_keys)
{
	setup();
	check_map_new(TUPLES);
	check_map_new(MAP_VALUES);
	check_map_new(MAP_KEYS);
	teardown();
}

/*
 * Freeze a deep private chain; the copy equals the original, is shared at
 * every level, and releasing the private chain frees every level (the
 * dealloc of a deep private chain).
 */
static void check_freeze(enum chain_kind kind)
{
	struct frost_object *a, *f, *o;
	uint64_t base = live();
	size_t n = 0;

	a = chain(kind, frost_int_new(sb, 7), DEPTH);
	f = frost_freeze(sb, a);
	assert_ptr(f, !=, NULL);
	for (o = f; o && frost_is_shared(o) && strcmp(frost_type_name(o), "int"); n++) {
		struct frost_object *k = NULL, *v = NULL;

		if (kind == TUPLES)
			o = frost_tuple_get(o, 0);
		else if (frost_map_item(o, 0, &k, &v))
			o = NULL;
		else
			o = kind == MAP_KEYS ? k : v;
	}
	expect_true(o && frost_is_shared(o));
	expect_int(frost_test_int_of(o), ==, 7);
	expect_uint(n, ==, DEPTH);
	expect_true(frost_equal(a, f));
	expect_true(frost_equal(f, a));
	expect_uint(frost_hash(a), ==, frost_hash(f));
	frost_decref(a);
	expect_uint(live(), ==, base);
}

TEST(freeze_deep_private)
{
	setup();
	check_freeze(TUPLES);
	check_freeze(MAP_VALUES);
	check_freeze(MAP_KEYS);
	teardown();
}

/*
 * A deep shared chain published, looked up and compared (against a private
 * twin), then unpublished: the reclaimer marks it while it is reachable
 * and frees every level once it is not.
 */
static void check_reclaim(enum chain_kind kind)
{
	struct frost_object *a, *f, *got, *m, *one;
	struct frost_heap_stats st;
	long freed;

	a = chain(kind, frost_int_new(sb, 7), DEPTH);
	f = frost_freeze(sb, a);
	assert_ptr(f, !=, NULL);
	assert_int(frost_publish(sb, "deep", f), ==, 0);
	expect_int(frost_reclaim(heap), ==, 0);		/* marked: nothing freed */
	got = frost_lookup(sb, "deep");
	expect_ptr(got, ==, f);
	expect_true(frost_equal(got, a));
	one = frost_int_new(sb, 1);
	m = frost_map_new(sb, 1, &a, &one);
	assert_ptr(m, !=, NULL);
	expect_ptr(frost_map_get(m, got), ==, one);
	frost_decref(m);
	frost_decref(one);
	frost_decref(a);
	assert_int(frost_unpublish(sb, "deep"), ==, 0);
	freed = frost_reclaim(heap);
	/* Every level, and a map level's int 1 key or value is a static object. */
	expect_int(freed, >=, DEPTH);
	frost_heap_stats(heap, &st);
	expect_uint(st.shared_objects, ==, 0);
}

TEST(reclaim_deep_shared)
{
	setup();
	check_reclaim(TUPLES);
	check_reclaim(MAP_VALUES);
	check_reclaim(MAP_KEYS);
	teardown();
}

/*
 * Out of memory while comparing (fault-injection builds only): frost_equal()
 * must not claim equality; it says false with errno ENOMEM. frost_map_new()
 * then fails with ENOMEM and takes nothing.
 */
TEST(equal_enomem)
{
	struct frost_object *a, *b, *keys[2], *vals[2];
	uint64_t base;
	bool eq;

	setup();
	a = chain(TUPLES, frost_int_new(sb, 7), DEPTH);
	b = chain(TUPLES, frost_int_new(sb, 7), DEPTH);
	base = live();
	if (frost_debug_fail_every(1) == -ENOSYS) {
		tap_diag("no fault injection in this build: checking the success path only");
		expect_true(frost_equal(a, b));
	} else {
		errno = 0;
		eq = frost_equal(a, b);
		frost_debug_fail_every(0);
		expect_true(!eq);
		expect_int(errno, ==, ENOMEM);

		keys[0] = a;
		keys[1] = b;
		vals[0] = vals[1] = frost_none();
		frost_debug_fail_every(3);
		errno = 0;
		for (int i = 0; i < 64; i++) {
			struct frost_object *m = frost_map_new(sb, 2, keys, vals);

			if (m) {
				expect_uint(frost_map_len(m), ==, 1);
				frost_decref(m);
			} else {
				expect_int(errno, ==, ENOMEM);
			}
		}
		frost_debug_fail_every(0);
		expect_true(frost_equal(a, b));
	}
	expect_uint(live(), ==, base);
	frost_decref(a);
	frost_decref(b);
	teardown();
}

int main(int argc, char **argv)
{
	struct rlimit rl;

	/* A normal stack: a recursion per level must crash, not just grow. */
	if (getrlimit(RLIMIT_STACK, &rl) == 0 &&
	    (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 8u << 20)) {
		rl.rlim_cur = 8u << 20;
		setrlimit(RLIMIT_STACK, &rl);
	}
	return tap_main(argc, argv);
}
