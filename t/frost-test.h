/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * t/frost-test.h - fixtures the library's tests share.
 *
 * Theory of operation. Most tests need one heap with one sandbox attached
 * in the main thread, and a few small helpers (a frozen int, an int's
 * value). The heap fixture gives a TEST_F(heap, name) body self->heap and
 * self->sb, set up and torn down around it by t/tap.h's fixture machinery;
 * FROST_TEST_HEAP_FIXTURE() declares the same fixture for a heap with its
 * own configuration. A fixture that cannot be set up fails its test, and
 * a teardown that fails (detach or destroy returning an error) fails it
 * too; a test that detaches or destroys on its own sets the member to
 * NULL. The other helpers are for code outside a fixture (threads, main())
 * and bail out of the whole program (tap_bail_out()) on failure, since
 * they fail only when the library is broken beyond testing. Header-only,
 * static: each test binary links its own copy and nothing here can
 * disagree between tests.
 */
#ifndef __FROST_T_FROST_TEST_H
#define __FROST_T_FROST_TEST_H

#include <stdint.h>
#include <string.h>
#include <frost/frost.h>
#include "tap.h"

/**
 * frost_test_open() - create a heap (@cfg, NULL for defaults) and attach
 * the calling thread to it; bail out if either fails.
 * @cfg: heap configuration or NULL.
 * @heap: receives the heap.
 * @sb: receives the sandbox.
 */
static inline void frost_test_open(const struct frost_heap_config *cfg, struct frost_heap **heap,
				   struct frost_sandbox **sb)
{
	*heap = frost_heap_create(cfg);
	*sb = *heap ? frost_sandbox_attach(*heap) : NULL;
	if (!*sb)
		tap_bail_out("cannot create a heap and a sandbox");
}

/**
 * frost_test_close() - detach @sb and destroy @heap; bail out if either fails.
 * @heap: the heap.
 * @sb: the calling thread's sandbox on it.
 */
static inline void frost_test_close(struct frost_heap *heap, struct frost_sandbox *sb)
{
	if (frost_sandbox_detach(sb) || frost_heap_destroy(heap))
		tap_bail_out("teardown failed");
}

/**
 * frost_test_heap_setup() - the setup of a heap fixture: create a heap
 * (@cfg, NULL for defaults) and attach the calling thread; a failure fails
 * the test (and then the teardown does not run).
 * @cfg: heap configuration or NULL.
 * @heap: receives the heap.
 * @sb: receives the sandbox.
 */
static inline void frost_test_heap_setup(const struct frost_heap_config *cfg,
					 struct frost_heap **heap, struct frost_sandbox **sb)
{
	*heap = frost_heap_create(cfg);
	assert_ptr(*heap, !=, NULL);
	*sb = frost_sandbox_attach(*heap);
	if (!*sb) {
		frost_heap_destroy(*heap);
		assert_ptr(*sb, !=, NULL);
	}
}

/**
 * frost_test_heap_teardown() - the teardown of a heap fixture: detach @sb
 * and destroy @heap, each unless NULL; a failure fails the test.
 * @heap: the heap, or NULL if the test destroyed it.
 * @sb: the calling thread's sandbox on it, or NULL if the test detached it.
 */
static inline void frost_test_heap_teardown(struct frost_heap *heap, struct frost_sandbox *sb)
{
	if (sb)
		expect_int(frost_sandbox_detach(sb), ==, 0);
	if (heap)
		expect_int(frost_heap_destroy(heap), ==, 0);
}

/**
 * FROST_TEST_HEAP_FIXTURE() - declare a fixture @fx of one heap created
 * with configuration @cfg and one sandbox attached to it in the test's
 * thread, as self->heap and self->sb. Use at file scope, without a
 * semicolon after it.
 * @fx: the fixture's name, for TEST_F(@fx, name).
 * @cfg: a const struct frost_heap_config * expression, or NULL.
 */
#define FROST_TEST_HEAP_FIXTURE(fx, cfg)					\
	FIXTURE(fx) {								\
		struct frost_heap *heap;					\
		struct frost_sandbox *sb;					\
	};									\
	FIXTURE_SETUP(fx)							\
	{									\
		frost_test_heap_setup((cfg), &self->heap, &self->sb);		\
	}									\
	FIXTURE_TEARDOWN(fx)							\
	{									\
		frost_test_heap_teardown(self->heap, self->sb);			\
	}

/*
 * The common case: TEST_F(heap, name) { ... self->heap, self->sb ... } on a
 * heap with the default configuration.
 */
FROST_TEST_HEAP_FIXTURE(heap, NULL)

/**
 * frost_test_frozen_int() - a shared int @v made by @sb; bail out on failure.
 * @sb: the sandbox.
 * @v: the value.
 */
static inline struct frost_object *frost_test_frozen_int(struct frost_sandbox *sb, int64_t v)
{
	struct frost_object *p = frost_int_new(sb, v), *f;

	if (!p)
		tap_bail_out("frost_int_new failed");
	f = frost_freeze(sb, p);
	frost_decref(p);
	if (!f)
		tap_bail_out("frost_freeze failed");
	return f;
}

/**
 * frost_test_int_of() - the value of int @o, or INT64_MIN if @o is NULL or
 * not an int.
 * @o: an object.
 */
static inline int64_t frost_test_int_of(const struct frost_object *o)
{
	int64_t v = -1;

	if (!o || frost_int_get(o, &v))
		return INT64_MIN;
	return v;
}

/**
 * frost_test_live() - @sb's live private objects (frost_sandbox_stats());
 * the test fails if the stats cannot be read.
 * @sb: the sandbox.
 */
static inline uint64_t frost_test_live(struct frost_sandbox *sb)
{
	struct frost_sandbox_stats st;

	memset(&st, 0, sizeof(st));
	assert_int(frost_sandbox_stats(sb, &st), ==, 0);
	return st.live_objects;
}

/**
 * frost_test_shared() - @heap's shared objects (frost_heap_stats()).
 * @heap: the heap.
 */
static inline uint64_t frost_test_shared(struct frost_heap *heap)
{
	struct frost_heap_stats st;

	memset(&st, 0, sizeof(st));
	frost_heap_stats(heap, &st);
	return st.shared_objects;
}

/**
 * frost_test_int() - a new int @v of @sb; the test fails if it cannot be made.
 * @sb: the sandbox.
 * @v: the value.
 */
static inline struct frost_object *frost_test_int(struct frost_sandbox *sb, int64_t v)
{
	struct frost_object *o = frost_int_new(sb, v);

	assert_ptr(o, !=, NULL);
	return o;
}

/**
 * frost_test_str() - a new str of C string @s; the test fails if it cannot
 * be made.
 * @sb: the sandbox.
 * @s: the text.
 */
static inline struct frost_object *frost_test_str(struct frost_sandbox *sb, const char *s)
{
	struct frost_object *o = frost_str_new(sb, s, strlen(s));

	assert_ptr(o, !=, NULL);
	return o;
}

/**
 * frost_test_intval() - the value of int @o; the test fails (an expect) if
 * @o is not an int, and INT64_MIN is returned then.
 * @o: an object.
 */
static inline int64_t frost_test_intval(const struct frost_object *o)
{
	int64_t v = INT64_MIN;

	expect_int(frost_int_get(o, &v), ==, 0);
	return v;
}

#endif /* __FROST_T_FROST_TEST_H */
