// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/gc/check.c - checking the generational invariant: no old object
 * points to a young one (Documentation/design/reclaimer.rst, I1).
 *
 * Theory of operation. A young cycle stops at old objects and sweeps only
 * young ones; that frees nothing reachable only while every child of every
 * old object is old (or static). The promotion rule is what keeps it so,
 * and a fault in it (a parent aged ahead of its child) stays invisible
 * until a young cycle frees the child under a reader, which a stress run
 * may or may not catch. This walk catches the cause instead: under
 * gc->cycle_lock no sweep runs, so no old bit changes and no old object is
 * freed; it visits every allocated old slot of every traced slab and large
 * mapping and asks each child whether it is old. It holds for garbage too:
 * an old object's children were old when it became old and stay old until
 * a full cycle, which frees an unreachable parent with its children.
 *
 * Callers: frost_debug_check_generations() (tests, frost-torture), and
 * with CONFIG_FROST_DEBUG the end of every cycle, which panics on a
 * violation. Objects being published meanwhile are young and unread (their
 * type word is the freed type until then: acquire loads here pair with the
 * release stores of the type word in __frost_seal_publish() and
 * intern_build()).
 */
#include <stdio.h>
#include "gc/gc_internal.h"

/* Violations printed per walk; the count goes on. */
#define CHECK_REPORT_MAX	4

struct gen_check {
	struct frost_heap *heap;
	const struct frost_object *parent;
	long bad;
};

static void check_child(struct frost_object **slot, void *arg)
{
	struct gen_check *gc = arg;
	const struct frost_object *c = *slot;

	if (!c || __frost_is_static(c) || __frost_gc_is_old(c))
		return;
	if (gc->bad++ < CHECK_REPORT_MAX)
		fprintf(stderr,
			"frost: heap %p: old %s %p points to young %s %p (an old-to-young edge)\n",
			(void *)gc->heap, gc->parent->type->name, (const void *)gc->parent,
			__atomic_load_n(&c->type, __ATOMIC_ACQUIRE)->name, (const void *)c);
}

/* Check the children of @o if it is an allocated old object with any. */
static void check_object(struct gen_check *gc, struct frost_object *o)
{
	/* Acquire: a published object's contents are visible (see above). */
	const struct frost_type *t = __atomic_load_n(&o->type, __ATOMIC_ACQUIRE);

	if (t == &__frost_freed_type || !t->trace || !__frost_gc_is_old(o))
		return;
	gc->parent = o;
	t->trace(o, check_child, gc);
}

static void check_large(struct frost_shared_page *pg, void *arg)
{
	check_object(arg, (struct frost_object *)(void *)((char *)pg + FROST_SHARED_HDR_SIZE));
}

long __frost_gc_check_generations(struct frost_heap *heap)
{
	struct gen_check gc = { .heap = heap };
	struct frost_shared_page *pg;
	size_t nr_large = 0;

	pg = __frost_shared_snapshot_pages(heap, NULL, 0, &nr_large);
	for (; pg; pg = __frost_shared_slab_next(heap, pg)) {
		char *base = (char *)pg + FROST_SHARED_HDR_SIZE;

		/* Leaf slabs hold no pointers; an all-young page no old slot. */
		if (pg->kind == FROST_PAGE_SHARED_LEAF || !pg->old_count)
			continue;
		for (uint32_t i = 0; i < pg->capacity; i++)
			check_object(&gc, (struct frost_object *)(void *)
				     (base + (size_t)i * pg->obj_size));
	}
	__frost_shared_for_each_large(heap, check_large, &gc);
	return gc.bad;
}

long frost_debug_check_generations(struct frost_heap *heap)
{
	struct frost_sandbox *sb;
	long bad;
	bool off;

	if (!__frost_heap_live(heap))
		return -EINVAL;
	/* Offline while we wait for the lock: a running cycle may wait for
	 * the calling sandbox's handshake (as in frost_reclaim()). */
	sb = frost_sandbox_current();
	off = __frost_blocking_begin(sb);
	pthread_mutex_lock(&__frost_heap_gc(heap)->gc->cycle_lock);
	bad = __frost_gc_check_generations(heap);
	pthread_mutex_unlock(&__frost_heap_gc(heap)->gc->cycle_lock);
	__frost_blocking_end(sb, off);
	return bad;
}
