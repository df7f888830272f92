/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * t/frost-test.h - fixtures the library's tests share.
 *
 * Theory of operation. Most tests need one heap with one sandbox attached
 * in the main thread, and a few small helpers (a frozen int, an int's
 * value). Setting them up can fail only when the library is broken beyond
 * testing, so failures bail out of the whole program (tap_bail_out())
 * rather than fail one check. Header-only, static inline: each test binary
 * links its own copy and nothing here can disagree between tests.
 */
#ifndef __FROST_T_FROST_TEST_H
#define __FROST_T_FROST_TEST_H

#include <stdint.h>
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

#endif /* __FROST_T_FROST_TEST_H */
