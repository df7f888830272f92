// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The mark primitive at memory speed (issue 18): leaf slabs, static objects
 * by address, slot indices by reciprocal multiplication.
 *
 * Theory of operation. The reclaimer marks an object by its page's bitmap
 * and, for an object of a leaf slab (a type without trace), learns from
 * the page kind that there is nothing to trace; static objects it knows by
 * their address. These tests check (a) that the reciprocal slot map equals
 * the division for every offset of every size class; (b) that the static
 * objects, and only they, are static by address (a forged header with the
 * static count is not); (c) that the mark primitive never reads a leaf or
 * static object: its memory is made inaccessible (PROT_NONE) while it is
 * marked and tested; (d) that leaves go to leaf slabs and traced objects do
 * not, that a leaf reachable only through a container survives a cycle
 * (from the namespace, from a pin, from a private container, through a
 * user type's trace), and that leaf garbage is freed.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <frost/frost.h>
#include "tap.h"
#include "frost-test.h"
#include "gc/gc_internal.h"
#include "mm/shared.h"

static const struct frost_heap_config manual_cfg = { .flags = FROST_HEAP_MANUAL };

FROST_TEST_HEAP_FIXTURE(manual, &manual_cfg)

/* (a) The reciprocal equals the division, every class, every offset. */
TEST(slot_reciprocal_exhaustive)
{
	unsigned int classes = 0;

	for (unsigned int c = 0; c < FROST_NR_CLASSES; c++) {
		uint32_t d = __frost_class_size[c];
		uint64_t m;
		uint32_t bad = 0;

		if (d < FROST_SHARED_MIN || d > FROST_SMALL_MAX)
			continue;	/* not a shared slab class */
		m = __frost_shared_recip(d);
		for (uint64_t x = 0; x < FROST_SHARED_SLOT_SPAN; x++)
			if (((x * m) >> 32) != x / d)
				bad++;
		expect_uint(bad, ==, 0);
		classes++;
	}
	expect_uint(classes, >, 0);
}

/* (a) On real slabs: the slot of each object is its index by division. */
TEST_F(manual, slot_of_real_objects)
{
	static const size_t sizes[] = { 1, 40, 100, 300, 1000, 3000, 7000 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char buf[8192];
		struct frost_object *p, *f;
		struct frost_shared_page *pg;

		memset(buf, 'a' + (int)i, sizes[i]);
		p = frost_bytes_new(self->sb, buf, sizes[i]);
		assert_ptr(p, !=, NULL);
		f = frost_freeze(self->sb, p);
		frost_decref(p);
		assert_ptr(f, !=, NULL);
		pg = __frost_shared_page_of(f);
		expect_uint(__frost_shared_slot(pg, f), ==,
			    ((uintptr_t)f - (uintptr_t)pg - FROST_SHARED_HDR_SIZE) / pg->obj_size);
		expect_uint(pg->slot_recip, ==, __frost_shared_recip(pg->obj_size));
	}
}

/* (b) The static objects are static by address; nothing else is. */
TEST_F(manual, static_by_address)
{
	struct frost_object *empty_tuple = frost_tuple_new(self->sb, 0, NULL);
	struct frost_object *empty_str = frost_str_new(self->sb, "", 0);
	struct frost_object *empty_bytes = frost_bytes_new(self->sb, "", 0);
	struct frost_object *small = frost_int_new(self->sb, CONFIG_FROST_SMALLINT_MIN);
	struct frost_object *small2 = frost_int_new(self->sb, CONFIG_FROST_SMALLINT_MAX);
	struct frost_object *big = frost_test_frozen_int(self->sb, CONFIG_FROST_SMALLINT_MAX + 1);
	struct frost_object *priv = frost_int_new(self->sb, CONFIG_FROST_SMALLINT_MAX + 2);
	struct frost_object forged = { .refcnt = __FROST_REFCNT_STATIC, .type = big->type };

	expect_true(__frost_is_static(frost_none()));
	expect_true(__frost_is_static(frost_bool(true)));
	expect_true(__frost_is_static(frost_bool(false)));
	expect_true(__frost_is_static(empty_tuple));
	expect_true(__frost_is_static(empty_str));
	expect_true(__frost_is_static(empty_bytes));
	expect_true(__frost_is_static(small));
	expect_true(__frost_is_static(small2));
	expect_true(!__frost_is_static(big));
	assert_ptr(priv, !=, NULL);
	expect_true(!__frost_is_static(priv));
	/* The count alone does not make an object static: the address does. */
	expect_true(!__frost_is_static(&forged));
	frost_decref(priv);
}

/* Freeze @n distinct big ints and return the one furthest into its slab. */
static struct frost_object *deep_leaf(struct frost_sandbox *sb, size_t n)
{
	struct frost_object *best = NULL;
	uintptr_t best_off = 0;

	for (size_t i = 0; i < n; i++) {
		struct frost_object *f = frost_test_frozen_int(sb, 1000000 + (int64_t)i);
		uintptr_t off = (uintptr_t)f & (FROST_PAGE_SIZE - 1);

		frost_pin(sb, f);
		if (off > best_off) {
			best = f;
			best_off = off;
		}
	}
	return best;
}

/*
 * (c) Marking a leaf does not read it: with the object's OS page made
 * inaccessible, test-and-mark and is-marked still work (a read would fault
 * and fail the test, which runs in a child).
 */
TEST_F(manual, leaf_marked_without_reading_it)
{
	long pagesz = sysconf(_SC_PAGESIZE);
	struct frost_object *o = deep_leaf(self->sb, 2000);
	void *os_page;
	unsigned int colour = 1;

	assert_ptr(o, !=, NULL);
	assert_int(__frost_shared_page_of(o)->kind, ==, FROST_PAGE_SHARED_LEAF);
	os_page = (void *)((uintptr_t)o & ~(uintptr_t)(pagesz - 1));
	/* The page header (and its bitmap) is in another OS page. */
	assert_true((uintptr_t)os_page >= (uintptr_t)__frost_shared_page_of(o) + FROST_SHARED_HDR_SIZE);
	/* Clear the bit first: another test's cycle is not in this child. */
	__frost_shared_page_of(o)->mark[colour][__frost_shared_slot(__frost_shared_page_of(o), o) / 64] = 0;
	assert_int(mprotect(os_page, (size_t)pagesz, PROT_NONE), ==, 0);
	expect_true(!__frost_gc_is_marked(o, colour));
	expect_true(__frost_gc_test_and_mark(o, colour));
	expect_true(!__frost_gc_test_and_mark(o, colour));
	expect_true(__frost_gc_is_marked(o, colour));
	assert_int(mprotect(os_page, (size_t)pagesz, PROT_READ | PROT_WRITE), ==, 0);
	expect_int(frost_test_int_of(o), >=, 1000000);
}

/* (c) Static objects: marked, always, without a read of the object. */
TEST(static_marked_without_reading_it)
{
	/* A copy of a static object's header, elsewhere, is not static... */
	struct frost_object copy = *frost_none();

	expect_true(!__frost_is_static(&copy));
	/* ...and the static one is "marked" by its address. */
	expect_true(__frost_gc_is_marked(frost_none(), 0));
	expect_true(__frost_gc_is_marked(frost_none(), 1));
	expect_true(!__frost_gc_test_and_mark(frost_bool(true), 0));
}

/* (d) Leaves in leaf slabs, traced objects not. */
TEST_F(manual, leaf_slab_kinds)
{
	struct frost_object *it[3], *t, *ft;

	it[0] = frost_test_int(self->sb, 123456789);
	it[1] = frost_float_new(self->sb, 2.5);
	it[2] = frost_test_str(self->sb, "a str that is not interned");
	assert_ptr(it[1], !=, NULL);
	t = frost_tuple_new(self->sb, 3, it);
	assert_ptr(t, !=, NULL);
	ft = frost_freeze(self->sb, t);
	assert_ptr(ft, !=, NULL);
	expect_int(__frost_shared_page_of(ft)->kind, ==, FROST_PAGE_SHARED);
	for (size_t i = 0; i < 3; i++)
		expect_int(__frost_shared_page_of(frost_tuple_get(ft, i))->kind, ==,
			   FROST_PAGE_SHARED_LEAF);
	/* Interned strs are leaves too. */
	expect_int(__frost_shared_page_of(frost_str_intern(self->sb, "interned", 8))->kind, ==,
		   FROST_PAGE_SHARED_LEAF);
	for (size_t i = 0; i < 3; i++)
		frost_decref(it[i]);
	frost_decref(t);
}

/* The sum of the ints of frozen tuple @t (checks every item is intact). */
static int64_t tuple_sum(const struct frost_object *t)
{
	int64_t s = 0;

	for (size_t i = 0; i < frost_tuple_len(t); i++)
		s += frost_test_int_of(frost_tuple_get(t, i));
	return s;
}

static struct frost_object *frozen_tuple_of_ints(struct frost_sandbox *sb, int64_t base, size_t n)
{
	struct frost_object *it[16], *t, *f;

	for (size_t i = 0; i < n; i++)
		it[i] = frost_test_int(sb, base + (int64_t)i);
	t = frost_tuple_new(sb, n, it);
	assert_ptr(t, !=, NULL);
	f = frost_freeze(sb, t);
	assert_ptr(f, !=, NULL);
	frost_decref(t);
	for (size_t i = 0; i < n; i++)
		frost_decref(it[i]);
	return f;
}

/*
 * (d) A leaf reachable only through a container survives; once the
 * container is garbage, the container and its leaves are freed.
 */
TEST_F(manual, leaf_through_container_survives)
{
	struct frost_object *pub = frozen_tuple_of_ints(self->sb, 5000000, 8);
	struct frost_object *pinned = frozen_tuple_of_ints(self->sb, 6000000, 8);
	struct frost_object *leaf;
	struct frost_object *priv_items[1], *priv;
	int64_t s1 = tuple_sum(pub), s2 = tuple_sum(pinned);

	assert_int(frost_publish(self->sb, "mark.pub", pub), ==, 0);
	assert_int(frost_pin(self->sb, pinned), ==, 0);
	/* A shared leaf held only by a private container. */
	leaf = frost_test_frozen_int(self->sb, 7000000);
	priv_items[0] = leaf;
	priv = frost_tuple_new(self->sb, 1, priv_items);
	assert_ptr(priv, !=, NULL);
	frost_quiescent(self->sb);
	/* Nothing here is garbage: the first cycle frees nothing. */
	expect_int(frost_reclaim(self->heap), ==, 0);
	expect_int(frost_reclaim(self->heap), ==, 0);
	expect_int(tuple_sum(pub), ==, s1);
	expect_int(tuple_sum(pinned), ==, s2);
	expect_int(frost_test_int_of(leaf), ==, 7000000);
	expect_ptr(leaf->type, !=, &__frost_freed_type);

	/* Drop the published tuple: it and its 8 leaves are garbage. */
	assert_int(frost_unpublish(self->sb, "mark.pub"), ==, 0);
	frost_quiescent(self->sb);
	expect_int(frost_reclaim(self->heap), ==, 9);
	expect_int(tuple_sum(pinned), ==, s2);
	expect_int(frost_test_int_of(leaf), ==, 7000000);
	/* The private container goes: its shared leaf is garbage then. */
	frost_decref(priv);
	frost_quiescent(self->sb);
	expect_int(frost_reclaim(self->heap), ==, 1);
	expect_ptr(leaf->type, ==, &__frost_freed_type);
	expect_int(frost_unpin(self->sb, pinned), ==, 0);
}

/* (d) Leaf garbage is freed; a leaf freed slot is reused for a leaf. */
TEST_F(manual, leaf_garbage_freed)
{
	struct frost_object *f[64];
	struct frost_heap_stats st0, st1;

	frost_heap_stats(self->heap, &st0);
	for (size_t i = 0; i < 64; i++)
		f[i] = frost_test_frozen_int(self->sb, 8000000 + (int64_t)i);
	frost_quiescent(self->sb);
	expect_int(frost_reclaim(self->heap), ==, 64);
	frost_heap_stats(self->heap, &st1);
	expect_uint(st1.freed_objects - st0.freed_objects, ==, 64);
	for (size_t i = 0; i < 64; i++) {
		expect_ptr(f[i]->type, ==, &__frost_freed_type);
		expect_int(__frost_shared_page_of(f[i])->kind, ==, FROST_PAGE_SHARED_LEAF);
	}
}

/* A user type with one child slot, and one without (a leaf). */
struct box {
	struct frost_object ob;
	struct frost_object *child;
};

static void box_trace(struct frost_object *o, frost_visit_fn visit, void *arg)
{
	visit(&((struct box *)(void *)o)->child, arg);
}

static const struct frost_type box_type = {
	.name = "t0760-box",
	.basic_size = sizeof(struct box),
	.flags = FROST_TYPE_IMMUTABLE,
	.trace = box_trace,
};

static const struct frost_type blob_type = {
	.name = "t0760-blob",
	.basic_size = sizeof(struct frost_object) + 16,
	.flags = FROST_TYPE_IMMUTABLE,
};

/* (d) User types: slots or not decide the slab; a traced child survives. */
TEST_F(manual, user_types)
{
	struct frost_object *blob = frost_object_new(self->sb, &blob_type, 0);
	struct frost_object *box = frost_object_new(self->sb, &box_type, 0);
	struct frost_object *fbox, *fblob;

	assert_ptr(blob, !=, NULL);
	assert_ptr(box, !=, NULL);
	((struct box *)(void *)box)->child = blob;	/* the box's reference */
	fbox = frost_freeze(self->sb, box);
	assert_ptr(fbox, !=, NULL);
	frost_decref(box);
	fblob = ((struct box *)(void *)fbox)->child;
	expect_int(__frost_shared_page_of(fbox)->kind, ==, FROST_PAGE_SHARED);
	expect_int(__frost_shared_page_of(fblob)->kind, ==, FROST_PAGE_SHARED_LEAF);
	assert_int(frost_publish(self->sb, "mark.box", fbox), ==, 0);
	frost_quiescent(self->sb);
	expect_int(frost_reclaim(self->heap), ==, 0);
	expect_ptr(fblob->type, ==, &blob_type);
	assert_int(frost_unpublish(self->sb, "mark.box"), ==, 0);
	frost_quiescent(self->sb);
	expect_int(frost_reclaim(self->heap), ==, 2);
	expect_ptr(fblob->type, ==, &__frost_freed_type);
}

TAP_MAIN()
