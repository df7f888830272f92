// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/freeze/freeze.c - frost_freeze(): deep, all-or-nothing copies into the
 * shared heap.
 *
 * Theory of operation. Freezing runs in four passes over the private graph
 * below the root, so that it either completes or changes nothing:
 *
 *  1. discover: walk every private object reachable through trace, with an
 *     explicit stack (no recursion) and a memo table (private -> copy) so
 *     that an object reachable twice, or through a cycle, is visited once.
 *     Any object that may not be frozen stops the walk with EPERM: a type
 *     without FROST_TYPE_IMMUTABLE (a list), another sandbox's private
 *     object, a shared object of another heap. Nothing is allocated in the
 *     shared heap during this pass.
 *  2. allocate: one shared slot per memo entry; on ENOMEM every slot taken
 *     so far goes back to the sandbox's magazine (never published, so no
 *     grace period is needed).
 *  3. copy and relink: each copy gets the private object's bytes after the
 *     header, then trace on the copy replaces every private child pointer by
 *     that child's copy. Shared children are kept.
 *  4. publish: each copy's count becomes FROST_REFCNT_IMMORTAL and, last,
 *     its type word is stored with release ordering (__frost_seal_publish(),
 *     lib/freeze/seal.h, shared with the frozen builders of builder.c). Until then the slot
 *     still reads as free (freed type) to anyone scanning the slabs; the
 *     release pairs with the acquire loads of the type word by slab scans
 *     (the reclaimer's sweep). Readers in other sandboxes obtain the object
 *     only through a root (namespace, channel), whose store is a release
 *     that pairs with their acquire load: they see the finished object.
 *
 * Every value a reader needs (str length and hash, tuple/map hash, the map
 * index) was computed when the private object was built, so the copy is
 * complete at publication and nothing writes it afterwards (rule 6).
 *
 * The memo and the stack start in small on-stack arrays; the memo (the
 * core address table, struct __frost_addrtab in lib/core/addrtab.h, shared
 * with the pins) moves to the sandbox's arena when a graph is larger, the
 * stack to malloc'd memory (struct __frost_stack, lib/core/stack.h, shared
 * with the other graph walks). Nothing recurses, so a 10^6-deep chain
 * freezes in constant C stack: the memo and the stack hold the depth, both
 * bounded by the number of private objects found, and running out of
 * either is ENOMEM with nothing changed. An object whose children are all
 * shared already (a str, a tuple of frozen items) takes a shorter path,
 * freeze_single(), with the same four steps and no tables.
 */
#include <string.h>
#include "core/addrtab.h"
#include "core/stack.h"
#include "freeze/seal.h"

#define FREEZE_INLINE_MEMO	32	/* a power of two */
#define FREEZE_INLINE_STACK	32

/*
 * The memo maps each private object found (a slot's key) to its copy
 * (the slot's value @p: NULL until step 2 allocates it).
 */
struct freeze_ctx {
	struct frost_sandbox *sb;
	unsigned int phase;	/* one reading for all new objects */
	struct __frost_addrtab memo;	/* private -> copy, in the arena */
	struct __frost_stack stack;	/* discovered, children not yet visited */
	int err;
	struct __frost_addrtab_slot memo_inline[FREEZE_INLINE_MEMO];
	struct frost_object *stack_inline[FREEZE_INLINE_STACK];
};

/* The copy of private object @o, found by discovery. */
static inline struct frost_object *memo_copy(const struct freeze_ctx *fc,
					     const struct frost_object *o)
{
	return __frost_addrtab_find(&fc->memo, o)->val.p;
}

/* May @o be part of a frozen graph built by @fc->sb? Adds new ones. */
static int discover_one(struct freeze_ctx *fc, struct frost_object *o)
{
	struct __frost_addrtab_slot *slot;
	bool added;
	int err;

	if (frost_is_shared(o))
		return __frost_shared_check(fc->sb, o);
	err = __frost_check_object(fc->sb, o);
	if (err)
		return err;
	if (!(o->type->flags & FROST_TYPE_IMMUTABLE))
		return -EPERM;
	slot = __frost_addrtab_insert(&fc->memo, o, &added);
	if (!slot)
		return -ENOMEM;
	if (!added)
		return 0;	/* seen: shared substructure or a cycle */
	return __frost_stack_push_ptr(&fc->stack, o);
}

static void discover_visit(struct frost_object **slot, void *arg)
{
	struct freeze_ctx *fc = arg;

	if (fc->err || !*slot)
		return;
	fc->err = discover_one(fc, *slot);
}

static void relink_visit(struct frost_object **slot, void *arg)
{
	struct freeze_ctx *fc = arg;

	if (!*slot)
		return;
	if (!frost_is_shared(*slot))
		*slot = memo_copy(fc, *slot);
	else
		/*
		 * An edge from a new (born-marked, never traced) object to an
		 * existing shared one: shade the target while a cycle is open,
		 * or an object this sandbox held since before the cycle, and
		 * unlinked from every root before it, would be freed under
		 * the new object (Documentation/design/reclaimer.rst).
		 */
		__frost_gc_shade_new_child(fc->sb, *slot, fc->phase);
}

static void freeze_ctx_release(struct freeze_ctx *fc)
{
	__frost_addrtab_release(&fc->memo);
	__frost_stack_release(&fc->stack);
}

static void unalloc_copies(struct freeze_ctx *fc)
{
	struct __frost_addrtab_slot *m;

	__frost_addrtab_for_each(m, &fc->memo) {
		if (m->val.p) {
			__frost_shared_unalloc(fc->sb, m->val.p);
			m->val.p = NULL;
		}
	}
}

/*
 * The children test of a new object (freeze's single path, frost_shared_seal()):
 * each child shared of @sb's heap or static.
 */
struct single_check {
	struct frost_sandbox *sb;
	unsigned int phase;	/* read once: see relink_visit() */
	int err;		/* a foreign shared child */
	bool private_child;	/* needs the general path */
};

static void single_check_visit(struct frost_object **slot, void *arg)
{
	struct single_check *sc = arg;

	if (!*slot || sc->err)
		return;
	if (!frost_is_shared(*slot))
		sc->private_child = true;
	else
		sc->err = __frost_shared_check(sc->sb, *slot);
}

/* Internal: see seal.h. */
int __frost_seal_check_children(struct frost_sandbox *sb, struct frost_object *o,
				const struct frost_type *type, bool *private_child)
{
	struct single_check sc = { .sb = sb };

	if (type->trace)
		type->trace(o, single_check_visit, &sc);
	*private_child = sc.private_child;
	return sc.err;
}

static void single_shade_visit(struct frost_object **slot, void *arg)
{
	struct single_check *sc = arg;

	/* As in relink_visit(): shade the shared children of a new object. */
	if (*slot)
		__frost_gc_shade_new_child(sc->sb, *slot, sc->phase);
}

/* Internal: see seal.h. */
void __frost_seal_shade(struct frost_sandbox *sb, struct frost_object *o,
			const struct frost_type *type, unsigned int phase)
{
	struct single_check sc = { .sb = sb, .phase = phase };

	if (type->trace && (phase & FROST_GC_ACTIVE))
		type->trace(o, single_shade_visit, &sc);
}

/*
 * The common case, a private object whose children are all shared (a str,
 * an int, a tuple of frozen or static items): no memo, no stack.
 */
/* Return: the copy, NULL with errno set, or ERR_GENERAL to take the long way. */
#define ERR_GENERAL ((struct frost_object *)(uintptr_t)1)

static struct frost_object *freeze_single(struct frost_sandbox *sb, struct frost_object *o)
{
	const struct frost_type *type = o->type;
	struct frost_object *copy;
	bool private_child;
	size_t size;
	int err;

	err = __frost_check_object(sb, o);
	if (err)
		return frost_err_null(-err);
	if (!(type->flags & FROST_TYPE_IMMUTABLE))
		return frost_err_null(EPERM);
	err = __frost_seal_check_children(sb, o, type, &private_child);
	if (err)
		return frost_err_null(-err);
	if (private_child)
		return ERR_GENERAL;
	size = __frost_private_usable_size(o);
	copy = __frost_shared_alloc_for(sb, size, type);
	if (!copy)
		return frost_err_null(ENOMEM);
	memcpy(copy + 1, o + 1, size - sizeof(*copy));
	__frost_seal_new(sb, copy, type);
	return copy;
}

struct frost_object *frost_freeze(struct frost_sandbox *sb, struct frost_object *o)
{
	struct __frost_addrtab_slot *m;
	struct freeze_ctx fc;
	struct frost_object *root;
	int err;

	/* Online only: the shared allocator's lock-free pop relies on it. */
	__frost_sandbox_guard_null(sb);
	if (!o || !__frost_sandbox_online(sb))
		return frost_err_null(EINVAL);
	if (frost_is_shared(o)) {
		err = __frost_shared_check(sb, o);
		return err ? frost_err_null(-err) : o;
	}
	root = freeze_single(sb, o);
	if (root != ERR_GENERAL)
		return root;

	fc.sb = sb;
	__frost_addrtab_init(&fc.memo, fc.memo_inline, FREEZE_INLINE_MEMO,
			     &__frost_private_alloc_ops, sb);
	__frost_stack_init(&fc.stack, fc.stack_inline, FREEZE_INLINE_STACK,
			   sizeof(fc.stack_inline[0]));
	fc.err = 0;

	/* 1. discover and validate. */
	err = discover_one(&fc, o);
	while (!err && !__frost_stack_empty(&fc.stack)) {
		struct frost_object *cur = __frost_stack_pop_ptr(&fc.stack);

		if (cur->type->trace)
			cur->type->trace(cur, discover_visit, &fc);
		err = fc.err;
	}
	if (err)
		goto fail;

	/* 2. allocate every copy before writing any. */
	__frost_addrtab_for_each(m, &fc.memo) {
		m->val.p = __frost_shared_alloc_for(sb, __frost_private_usable_size(m->key),
						    ((const struct frost_object *)m->key)->type);
		if (!m->val.p) {
			err = -ENOMEM;
			unalloc_copies(&fc);
			goto fail;
		}
	}

	/*
	 * 3. copy the bodies, then point children at their copies (and shade
	 * the shared ones kept, while a cycle is open). One reading of the
	 * phase serves steps 3 and 4: if some copies were born marked and
	 * others not, a marked parent (never traced) could keep an unmarked
	 * child that the sweep frees (found by frost-torture).
	 */
	fc.phase = __frost_gc_phase(sb->heap);
	__frost_addrtab_for_each(m, &fc.memo) {
		struct frost_object *priv = m->key, *copy = m->val.p;
		size_t size = __frost_private_usable_size(priv);

		memcpy(copy + 1, priv + 1, size - sizeof(struct frost_object));
		if (priv->type->trace)
			priv->type->trace(copy, relink_visit, &fc);
	}

	/* 4. publish: immortal count, then the type word (release). */
	__frost_addrtab_for_each(m, &fc.memo)
		__frost_seal_publish(m->val.p, ((struct frost_object *)m->key)->type, fc.phase);
	root = memo_copy(&fc, o);
	freeze_ctx_release(&fc);
	return root;

fail:
	freeze_ctx_release(&fc);
	return frost_err_null(-err);
}
