/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/freeze/seal.h - publishing a new shared object (internal to freeze/).
 *
 * Theory of operation. A shared object comes into being in a slot taken
 * from the shared allocator (its type word still reads "free", so slab
 * scans skip it) and filled by its maker: frost_freeze() copies a private
 * object there (lib/freeze/freeze.c), the frozen builders write the value
 * in place (lib/freeze/builder.c). Sealing it is the same for both, and
 * lives here only:
 *
 *  - one reading of the reclaimer's phase (__frost_gc_phase()) serves every
 *    object made by one call and all their edges;
 *  - while that reading has a cycle open, each existing shared child of a
 *    new object is shaded: the new object is born marked and never traced
 *    by this cycle, so a child held by the sandbox alone (unlinked from
 *    every root since) would otherwise be freed under it
 *    (Documentation/design/reclaimer.rst);
 *  - the count becomes FROST_REFCNT_IMMORTAL, the object is born marked
 *    (before the type word, so a sweep that sees the object sees the mark),
 *    and the type word is stored last, with release ordering.
 *
 * The children a sealed object may have are shared objects of the maker's
 * heap or static ones (seal_check_children() says which were not); a
 * private child is frost_freeze()'s business (it copies it first).
 */
#ifndef __FROST_FREEZE_SEAL_H
#define __FROST_FREEZE_SEAL_H

#include "sandbox/sandbox.h"

/*
 * __frost_seal_check_children() - trace new object @o of @type and check
 * each non-NULL child: a shared object of @sb's heap or a static object.
 * Sets *@private_child if a child is private (any sandbox's) and then
 * returns 0 unless a foreign shared child was seen too.
 * Return: 0, or -EPERM (a shared child of another heap).
 */
int __frost_seal_check_children(struct frost_sandbox *sb, struct frost_object *o,
				const struct frost_type *type, bool *private_child);

/*
 * __frost_seal_shade() - shade every existing shared child of new object
 * @o of @type, if @phase has a cycle open.
 */
void __frost_seal_shade(struct frost_sandbox *sb, struct frost_object *o,
			const struct frost_type *type, unsigned int phase);

/*
 * __frost_seal_publish() - publish new shared object @o as @type: immortal
 * count, born marked by @phase, type word last. Its children are shaded
 * already (by @phase).
 */
static inline void __frost_seal_publish(struct frost_object *o, const struct frost_type *type,
					unsigned int phase)
{
	o->refcnt = FROST_REFCNT_IMMORTAL;
	/* Made while a cycle is open: its born bit (it does not age in that
	 * cycle) and its mark (it survives it), both before the type word,
	 * so a sweep that sees the object sees them. */
	__frost_gc_born_marked(o, phase);
	/* Pairs with the acquire load of the type word in the slab scans of
	 * sweep_page(), retrace_large() and retrace_all_marked(). */
	__atomic_store_n(&o->type, type, __ATOMIC_RELEASE);
}

/*
 * __frost_seal_new() - seal one new object @o of @type whose children are
 * all shared or static (checked): one phase reading, shading, publish.
 */
static inline void __frost_seal_new(struct frost_sandbox *sb, struct frost_object *o,
				    const struct frost_type *type)
{
	unsigned int phase = __frost_gc_phase(sb->heap);

	if (type->trace && unlikely(phase & FROST_GC_ACTIVE))
		__frost_seal_shade(sb, o, type, phase);
	__frost_seal_publish(o, type, phase);
}

#endif /* __FROST_FREEZE_SEAL_H */
