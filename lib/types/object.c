// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/types/object.c - object allocation, deallocation and ownership checks.
 *
 * Theory of operation. A private object is allocated from its sandbox's
 * arena with one reference. When frost_decref() drops the count to zero it
 * calls frost_dealloc(), which releases the object's children (trace with a
 * decref visitor), runs the type's finalize and frees the memory.
 *
 * Deallocation is iterative, not recursive: an object whose count reaches
 * zero while a dealloc is already running on its sandbox is pushed onto the
 * sandbox's pending list (linked through its now-unused refcnt word) and
 * freed by the outer loop. Dropping the head of a million-deep chain of
 * tuples therefore uses constant stack. Children are released before the
 * parent's finalize runs, but they are freed only after it, so a finalizer
 * may still read its children.
 *
 * Ownership: a private object's page header names its sandbox. Every API
 * call that takes an object and a sandbox checks it with
 * __frost_check_object() before changing anything (lifetime rule 4).
 *
 * Allocation: frost_object_new() and frost_object_new_uninit() are inline
 * in <frost/object.h> (a pop from the sandbox's public class slot) and call
 * frost_object_new_slow() when that cannot serve them; frost_decref() frees
 * objects without trace or finalize inline and calls frost_dealloc() for
 * the rest. The library still exports frost_object_new() and
 * frost_object_new_uninit() as functions (the ABI, and callers that take
 * their address): in this file only, the header's inline versions are
 * renamed by the two #defines below so that the exported definitions can
 * have the public names.
 */
#define frost_object_new	__frost_object_new_inline
#define frost_object_new_uninit	__frost_object_new_uninit_inline
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "types/object.h"
#undef frost_object_new
#undef frost_object_new_uninit

struct frost_sandbox *__frost_object_owner(const struct frost_object *o)
{
	return __frost_private_owner(o);
}

int __frost_check_object(const struct frost_sandbox *sb, const struct frost_object *o)
{
	const struct frost_page *pg;

	if (unlikely(!o))
		return -EINVAL;
	if (frost_is_shared(o)) {
		/* Static objects belong to every heap; a shared object only to
		 * the heap its slab names (heap 2's objects are reclaimed by
		 * heap 2, which cannot see heap 1's references to them). */
		if (__frost_is_static(o))
			return 0;
		if (unlikely(__frost_shared_page_of(o)->heap != __frost_sb_core(sb)->heap))
			return -EPERM;
		return 0;
	}
	pg = __frost_page_of(o);
	if (unlikely(pg->magic != FROST_PAGE_MAGIC))
		return -EINVAL;
	if (unlikely(pg->owner != sb))
		return -EPERM;
	return 0;
}

struct frost_object *__frost_object_alloc(struct frost_sandbox *sb,
					  const struct frost_type *type, size_t size)
{
	struct frost_object *o;

	frost_assert(size >= sizeof(*o));
	o = __frost_private_alloc_sort(&__frost_sb_mm(sb)->arena, sb, size, FROST_ALLOC_OBJECT);
	if (unlikely(!o))
		return NULL;
	o->refcnt = 1;
	o->type = type;
	return o;
}

void __frost_object_free(struct frost_object *o)
{
	__frost_private_free(o);
}

/*
 * Drop a child's reference during a dealloc. Not frost_decref(): its
 * inline free would free a leaf child at once, and the parent's finalize
 * may still read its children; through frost_dealloc() the child goes on
 * the pending list and is freed after the parent's finalize.
 */
static void release_child(struct frost_object **slot, void *arg)
{
	struct frost_object *o = *slot;
	int64_t r;

	(void)arg;
	if (!o)
		return;
	r = (int64_t)o->refcnt;
	if (r < 1)
		return;		/* immortal */
#ifdef CONFIG_FROST_DEBUG
	frost_debug_check_owner(o);
#endif
	if (r == 1)
		frost_dealloc(o);
	else
		o->refcnt = (uint64_t)r - 1;
}

void frost_dealloc(struct frost_object *o)
{
	struct frost_sandbox_obj *sb = __frost_sb_obj(__frost_object_owner(o));

	frost_bug_on(frost_is_shared(o));
	if (sb->in_dealloc) {
		/* The count is zero: reuse the word as the pending-list link;
		 * the loop running below us will free it. */
		o->refcnt = (uint64_t)(uintptr_t)sb->dealloc_pending;
		sb->dealloc_pending = o;
		return;
	}

	sb->in_dealloc = true;
	for (;;) {
		const struct frost_type *type = o->type;

		if (type->trace)
			type->trace(o, release_child, NULL);
		if (type->finalize)
			type->finalize(o);
		__frost_object_free(o);
		o = sb->dealloc_pending;
		if (!o)
			break;
		sb->dealloc_pending = (struct frost_object *)(uintptr_t)o->refcnt;
	}
	sb->in_dealloc = false;
}

void frost_debug_check_owner(const struct frost_object *o)
{
	const struct frost_page *pg;
	struct frost_sandbox *cur;

	if (!o || frost_is_shared(o))
		return;
	pg = __frost_page_of(o);
	if (pg->magic == FROST_SHARED_PAGE_MAGIC)
		__frost_panic("refcount change on %p, a shared slot that is not immortal (freed?)",
			      (const void *)o);
	if (pg->magic != FROST_PAGE_MAGIC)
		__frost_panic("refcount change on %p, which is not a frost object", (const void *)o);
	cur = frost_sandbox_current();
	if (pg->owner == cur)
		return;
	if (cur)
		__frost_panic("sandbox %llu changed the refcount of sandbox %llu's private object %p (%s)",
			      (unsigned long long)__frost_sb_core(cur)->id,
			      (unsigned long long)__frost_sb_core(pg->owner)->id,
			      (const void *)o, o->type->name);
	__frost_panic("a thread without a sandbox changed the refcount of sandbox %llu's private object %p (%s)",
		      (unsigned long long)__frost_sb_core(pg->owner)->id, (const void *)o, o->type->name);
}

struct frost_object *frost_object_new_slow(struct frost_sandbox *sb, const struct frost_type *type,
					   size_t size, bool zero)
{
	struct frost_object *o;

	__frost_sandbox_guard_null(sb);
	if (!type || (type->flags & FROST_TYPE_BUILTIN))
		return frost_err_null(EINVAL);
	if (!size)
		size = type->basic_size;
	if (size < sizeof(*o))
		return frost_err_null(EINVAL);
	o = __frost_object_alloc(sb, type, size);
	if (!o)
		return frost_err_null(ENOMEM);
	if (zero)
		memset(o + 1, 0, size - sizeof(*o));
	return o;
}

/* The exported functions (see the top of this file). */
FROST_API struct frost_object *frost_object_new(struct frost_sandbox *sb,
						const struct frost_type *type, size_t size);
FROST_API struct frost_object *frost_object_new_uninit(struct frost_sandbox *sb,
						       const struct frost_type *type, size_t size);

struct frost_object *frost_object_new(struct frost_sandbox *sb, const struct frost_type *type,
				      size_t size)
{
	return __frost_object_new_inline(sb, type, size);
}

struct frost_object *frost_object_new_uninit(struct frost_sandbox *sb,
					     const struct frost_type *type, size_t size)
{
	return __frost_object_new_uninit_inline(sb, type, size);
}
