// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0410-pins: a sandbox's pins are a multiset of shared objects.
 *
 * Pinning twice needs two unpins and a third fails with ENOENT; an object
 * never pinned gives ENOENT; private objects are refused with EPERM, NULLs
 * with EINVAL; static objects may be pinned. frost_sandbox_stats() counts
 * pins with multiplicity. Ten thousand distinct pins (several table
 * growths), some pinned twice, are then dropped in a scrambled order: the
 * deletion's backward shift must keep every remaining pin findable, which
 * the internal walk (__frost_pins_for_each) confirms at checkpoints.
 */
#include <stdlib.h>
#include <string.h>
#include <frost/frost.h>
#include "sandbox/sandbox.h"
#include "tap.h"
#include "frost-test.h"

static const struct frost_heap_config manual_cfg = { .flags = FROST_HEAP_MANUAL };

FROST_TEST_HEAP_FIXTURE(manual_heap, &manual_cfg)

static uint64_t pins(struct frost_sandbox *sb)
{
	struct frost_sandbox_stats st;

	if (frost_sandbox_stats(sb, &st))
		tap_bail_out("frost_sandbox_stats failed");
	return st.pins;
}

TEST_F(manual_heap, multiset)
{
	struct frost_object *o;

	o = frost_test_frozen_int(self->sb, 1 << 20);
	expect_uint(pins(self->sb), ==, 0);
	expect_int(frost_pin(self->sb, o), ==, 0);
	expect_int(frost_pin(self->sb, o), ==, 0);
	expect_uint(pins(self->sb), ==, 2);
	expect_int(frost_unpin(self->sb, o), ==, 0);
	expect_uint(pins(self->sb), ==, 1);
	expect_int(frost_unpin(self->sb, o), ==, 0);
	expect_uint(pins(self->sb), ==, 0);
	expect_neg_errno(frost_unpin(self->sb, o), ENOENT);
	expect_uint(pins(self->sb), ==, 0);
	/* Pinnable again after it reached zero. */
	expect_int(frost_pin(self->sb, o), ==, 0);
	expect_uint(pins(self->sb), ==, 1);
}

TEST_F(manual_heap, errors)
{
	struct frost_object *o, *priv, *never;
	struct frost_sandbox *gone;

	o = frost_test_frozen_int(self->sb, 1 << 21);
	never = frost_test_frozen_int(self->sb, 1 << 22);
	priv = frost_str_new(self->sb, "private", 7);
	assert_true(priv != NULL);

	expect_neg_errno(frost_unpin(self->sb, never), ENOENT);
	expect_int(frost_pin(self->sb, o), ==, 0);
	expect_neg_errno(frost_unpin(self->sb, never), ENOENT);
	expect_neg_errno(frost_pin(self->sb, priv), EPERM);
	expect_neg_errno(frost_unpin(self->sb, priv), ENOENT);
	expect_neg_errno(frost_pin(NULL, o), EINVAL);
	expect_neg_errno(frost_pin(self->sb, NULL), EINVAL);
	expect_neg_errno(frost_unpin(NULL, o), EINVAL);
	expect_neg_errno(frost_unpin(self->sb, NULL), EINVAL);
	expect_uint(pins(self->sb), ==, 1);

	/* Static objects are accepted (and never die anyway). */
	expect_int(frost_pin(self->sb, frost_none()), ==, 0);
	expect_int(frost_pin(self->sb, frost_int_new(self->sb, 5)), ==, 0);
	expect_int(frost_pin(self->sb, frost_bool(true)), ==, 0);
	expect_uint(pins(self->sb), ==, 4);
	expect_int(frost_unpin(self->sb, frost_none()), ==, 0);
	expect_int(frost_unpin(self->sb, frost_int_new(self->sb, 5)), ==, 0);
	expect_int(frost_unpin(self->sb, frost_bool(true)), ==, 0);
	expect_neg_errno(frost_unpin(self->sb, frost_bool(false)), ENOENT);

	/* An offline sandbox's pins are the reclaimer's to read: refused. */
	frost_sandbox_offline(self->sb);
	expect_neg_errno(frost_pin(self->sb, o), EINVAL);
	expect_neg_errno(frost_unpin(self->sb, o), EINVAL);
	frost_sandbox_online(self->sb);
	expect_uint(pins(self->sb), ==, 1);

	frost_decref(priv);
	/* A detached sandbox (its memory lives as long as the heap). */
	gone = self->sb;
	self->sb = NULL;	/* so that the teardown does not detach it */
	assert_int(frost_sandbox_detach(gone), ==, 0);
	expect_neg_errno(frost_pin(gone, frost_none()), EINVAL);
	expect_neg_errno(frost_unpin(gone, frost_none()), EINVAL);
	expect_int(frost_heap_destroy(self->heap), ==, 0);
	self->heap = NULL;
}

#define NPINS 10000

struct walk {
	struct frost_object **objs;
	size_t n;
	size_t calls;
	size_t unknown;
};

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(struct frost_object *const *)a;
	uintptr_t y = (uintptr_t)*(struct frost_object *const *)b;

	return (x > y) - (x < y);
}

static void walk_fn(struct frost_object *o, void *arg)
{
	struct walk *w = arg;

	w->calls++;
	if (!bsearch(&o, w->objs, w->n, sizeof(*w->objs), cmp_ptr))
		w->unknown++;
}

TEST_F_TIMEOUT(manual_heap, ten_thousand, 300)
{
	static struct frost_object *objs[NPINS], *sorted[NPINS];
	static unsigned int order[NPINS];
	struct walk w = { 0 };
	unsigned int seed = 42;
	size_t i, live = NPINS;
	uint64_t expected = 0;

	for (i = 0; i < NPINS; i++) {
		objs[i] = frost_test_frozen_int(self->sb, 1000000 + (int64_t)i);
		if (!expect_int(frost_pin(self->sb, objs[i]), ==, 0))
			break;
		expected++;
		/* Every third twice. */
		if (i % 3 == 0) {
			expect_int(frost_pin(self->sb, objs[i]), ==, 0);
			expected++;
		}
	}
	expect_uint(pins(self->sb), ==, expected);

	memcpy(sorted, objs, sizeof(objs));
	qsort(sorted, NPINS, sizeof(*sorted), cmp_ptr);
	w.objs = sorted;
	w.n = NPINS;
	__frost_pins_for_each(self->sb, walk_fn, &w);
	expect_uint(w.calls, ==, NPINS);
	expect_uint(w.unknown, ==, 0);

	/* Unpin in a scrambled order (Fisher-Yates). */
	for (i = 0; i < NPINS; i++)
		order[i] = (unsigned int)i;
	for (i = NPINS - 1; i > 0; i--) {
		size_t j = (size_t)rand_r(&seed) % (i + 1);
		unsigned int t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < NPINS; i++) {
		unsigned int k = order[i];

		if (!expect_int(frost_unpin(self->sb, objs[k]), ==, 0))
			break;
		expected--;
		if (k % 3 == 0) {
			expect_int(frost_unpin(self->sb, objs[k]), ==, 0);
			expected--;
		}
		live--;
		if (!expect_neg_errno(frost_unpin(self->sb, objs[k]), ENOENT))
			break;
		/* At checkpoints: every remaining pin is still found. */
		if (i % 1000 == 999) {
			size_t m;

			for (m = i + 1; m < NPINS; m++) {
				/* unpin finds it only if its probe run is intact */
				if (!expect_int(frost_unpin(self->sb, objs[order[m]]), ==, 0))
					break;
				expect_int(frost_pin(self->sb, objs[order[m]]), ==, 0);
			}
			w.calls = 0;
			__frost_pins_for_each(self->sb, walk_fn, &w);
			expect_uint(w.calls, ==, live);
			expect_uint(pins(self->sb), ==, expected);
		}
	}
	expect_uint(pins(self->sb), ==, 0);
	w.calls = 0;
	__frost_pins_for_each(self->sb, walk_fn, &w);
	expect_uint(w.calls, ==, 0);
}

TAP_MAIN()
