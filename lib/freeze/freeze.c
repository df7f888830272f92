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
 * freeze_single(), with the same four steps and no tables; so does a small
 * tuple whose private items have no children (a record of ints and strs),
 * freeze_flat_tuple(), its item array standing for the memo table.
 *
 * frost_freeze_opt() adds two options to the same passes.
 *
 * FROST_FREEZE_DEDUP (and FROST_FREEZE_INTERN, which implies it): after
 * discovery, the private leaves of the four value types (str, bytes, int,
 * float: exact built-in types, no user type) go into a scratch hash table
 * (malloc'd, by their cached hashes) and each leaf whose value an earlier
 * one has is marked a duplicate of it (its memo value is the
 * representative's address tagged MEMO_DUP): it gets no slot of its own,
 * and relinking points its parents at the representative's copy. Values
 * are the same only if type and contents are: a str never merges with a
 * bytes, an int never with a float, and floats merge only when their bits
 * are identical, so -0.0 and 0.0 (equal) stay two objects and each keeps
 * its sign, and NaNs merge only with the same payload. frost_equal()
 * cannot tell a merged graph from an unmerged one: equal objects compared
 * before merging compare equal after, and identity only ever joins
 * objects that were equal. Then, after every slot is allocated (from here
 * on nothing is a quiescent state, see below), each short str
 * representative (FREEZE_INTERN_MAX bytes at most) is looked up in the
 * heap's intern table (__frost_intern_share(), lib/ns/intern.c); if the
 * text is interned, its interned str replaces the copy (memo value tagged
 * MEMO_EXT, the unused slot goes back unpublished), and with
 * FROST_FREEZE_INTERN a text not yet interned is interned now. Sharing
 * with the table is sound with the reclaimer: an interned str is a shared
 * object like any other, held by the table only weakly; the lookup claims
 * the entry (during a cycle it shades the str, so this cycle's sweep keeps
 * it), and from then on the new graph references it, so every later cycle
 * marks it through the graph's trace while the graph is reachable, and the
 * entry lives exactly as long as some str-holder does. The lookup must
 * follow the last allocation that may pace (a quiescent state would end
 * the found str's validity, rule 1): the interning allocation itself is
 * __frost_shared_alloc_nowait(), and if it fails the own copy is kept.
 *
 * FROST_FREEZE_MOVE: the caller hands its reference to the root over. A
 * private object lives in its sandbox's arena pages and a shared one in
 * the reclaimer's slabs, whose page headers say which kind they are, so
 * no object can change kind in place: the copy stays. What the move
 * saves is the second walk: once published, the root is dropped here; if
 * the caller owned it uniquely (count 1, no finalize) and every child is
 * shared (freeze_single()), its children's references are the copy's now
 * (shared children hold no count), so the original is freed without
 * tracing it. Otherwise the drop is frost_decref(), which frees what the
 * root owned uniquely. Either way the private graph is gone when the call
 * returns, instead of when the caller gets round to dropping it.
 */
#include <stdlib.h>
#include <string.h>
#include "core/addrtab.h"
#include "core/fault.h"
#include "core/stack.h"
#include "freeze/seal.h"
#include "ns/ns.h"
#include "types/types.h"

#define FREEZE_INLINE_MEMO	32	/* a power of two */
#define FREEZE_INLINE_STACK	32

/*
 * The memo maps each private object found (a slot's key) to its copy
 * (the slot's value @p: NULL until step 2 allocates it).
 */
struct freeze_ctx {
	struct frost_sandbox *sb;
	unsigned int phase;	/* one reading for all new objects */
	unsigned int flags;	/* FROST_FREEZE_* */
	struct __frost_addrtab memo;	/* private -> copy, in the arena */
	struct __frost_stack stack;	/* discovered, children not yet visited */
	int err;
	struct __frost_addrtab_slot memo_inline[FREEZE_INLINE_MEMO];
	struct frost_object *stack_inline[FREEZE_INLINE_STACK];
};

/*
 * Memo value tags (dedup only; copies and shared objects are 16-byte
 * aligned): MEMO_DUP, the value is the private representative whose copy
 * serves this leaf too; MEMO_EXT, the value is an existing shared object
 * (an interned str) that serves instead of a copy. Untagged: our copy.
 */
#define MEMO_DUP	UINT64_C(1)
#define MEMO_EXT	UINT64_C(2)
#define MEMO_TAGS	(MEMO_DUP | MEMO_EXT)

/* Longest str shared with the intern table under FROST_FREEZE_DEDUP. */
#define FREEZE_INTERN_MAX	64

/*
 * The shared object that stands for private object @o, found by discovery:
 * its copy, its representative's copy, or an interned str (*@ext set).
 */
static inline struct frost_object *memo_lookup(const struct freeze_ctx *fc,
					       const struct frost_object *o, bool *ext)
{
	uint64_t v = __frost_addrtab_find(&fc->memo, o)->val.u;

	if (unlikely(v & MEMO_DUP))
		v = __frost_addrtab_find(&fc->memo, (void *)(uintptr_t)(v & ~MEMO_TAGS))->val.u;
	*ext = v & MEMO_EXT;
	return (struct frost_object *)(uintptr_t)(v & ~MEMO_TAGS);
}

static inline struct frost_object *memo_copy(const struct freeze_ctx *fc,
					     const struct frost_object *o)
{
	bool ext;

	return memo_lookup(fc, o, &ext);
}

/*
 * May private object @o be copied by @sb's freeze? 0; -EPERM for another
 * sandbox's object or a mutable type (a list); what
 * __frost_check_object() says of a bad one.
 */
static int check_private(struct frost_sandbox *sb, const struct frost_object *o)
{
	int err = __frost_check_object(sb, o);

	if (err)
		return err;
	return o->type->flags & FROST_TYPE_IMMUTABLE ? 0 : -EPERM;
}

/* May @o be part of a frozen graph built by @fc->sb? Adds new ones. */
static int discover_one(struct freeze_ctx *fc, struct frost_object *o)
{
	struct __frost_addrtab_slot *slot;
	bool added;
	int err;

	if (frost_is_shared(o))
		return __frost_shared_check(fc->sb, o);
	err = check_private(fc->sb, o);
	if (err)
		return err;
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
	bool ext = false;

	if (!*slot)
		return;
	if (!frost_is_shared(*slot)) {
		*slot = memo_lookup(fc, *slot, &ext);
		if (!ext)
			return;	/* a new copy: born with its parent */
	}
	/*
	 * An edge from a new (born-marked, never traced) object to an
	 * existing shared one (kept, or an interned str standing for a
	 * private one): shade the target while a cycle is open, or an object
	 * this sandbox held since before the cycle, and unlinked from every
	 * root before it, would be freed under the new object
	 * (Documentation/design/reclaimer.rst).
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
		if (m->val.p && !(m->val.u & MEMO_TAGS)) {
			__frost_shared_unalloc(fc->sb, m->val.p);
			m->val.p = NULL;
		}
	}
}

/*
 * Dedup (FROST_FREEZE_DEDUP): is private @o a value leaf, and its cached
 * hash. Exact built-in types only: a user type's equality is its own.
 */
static bool dedup_leaf(const struct frost_object *o, uint64_t *hash)
{
	const struct frost_type *t = o->type;

	if (t == &__frost_str_type)
		*hash = ((const struct frost_str *)o)->hash;
	else if (t == &__frost_bytes_type)
		*hash = ((const struct frost_bytes *)o)->hash;
	else if (t == &__frost_int_type)
		*hash = o->type->hash(o);	/* an int hashes when asked */
	else if (t == &__frost_float_type)
		*hash = ((const struct frost_float *)o)->hash;
	else
		return false;
	return true;
}

/*
 * Same type and same contents (floats: the same bits, so 0.0 and -0.0,
 * or two NaN payloads, stay apart although frost_equal() joins them).
 */
static bool dedup_same(const struct frost_object *a, const struct frost_object *b)
{
	if (a->type != b->type)
		return false;
	if (a->type == &__frost_str_type) {
		const struct frost_str *x = (const void *)a, *y = (const void *)b;

		return x->len == y->len && memcmp(x->data, y->data, x->len) == 0;
	}
	if (a->type == &__frost_bytes_type) {
		const struct frost_bytes *x = (const void *)a, *y = (const void *)b;

		return x->len == y->len && memcmp(x->data, y->data, x->len) == 0;
	}
	if (a->type == &__frost_int_type)
		return ((const struct frost_int *)a)->value == ((const struct frost_int *)b)->value;
	return memcmp(&((const struct frost_float *)a)->value,
		      &((const struct frost_float *)b)->value, sizeof(double)) == 0;
}

/*
 * Mark every leaf whose value an earlier leaf has (MEMO_DUP, see the
 * theory above). The scratch table is malloc'd and freed here. Return: 0
 * or -ENOMEM (nothing marked then).
 */
static int dedup_leaves(struct freeze_ctx *fc)
{
	struct __frost_addrtab_slot *m;
	struct frost_object **tab;
	size_t n = 0, cap = 2, mask;
	uint64_t h;

	__frost_addrtab_for_each(m, &fc->memo)
		n += dedup_leaf(m->key, &h);
	if (n < 2)
		return 0;
	while (cap < 2 * n)
		cap <<= 1;
	tab = __frost_should_fail() ? NULL : calloc(cap, sizeof(*tab));
	if (!tab)
		return -ENOMEM;
	mask = cap - 1;
	__frost_addrtab_for_each(m, &fc->memo) {
		size_t i;

		if (!dedup_leaf(m->key, &h))
			continue;
		for (i = (size_t)h & mask; tab[i]; i = (i + 1) & mask) {
			if (dedup_same(tab[i], m->key)) {
				m->val.u = (uint64_t)(uintptr_t)tab[i] | MEMO_DUP;
				break;
			}
		}
		if (!tab[i])
			tab[i] = m->key;
	}
	free(tab);
	return 0;
}

/*
 * Share short str representatives with the intern table (after the last
 * allocation that may pace: see the theory above). A miss, or a failure
 * to intern, keeps the copy.
 */
static void dedup_intern(struct freeze_ctx *fc)
{
	bool add = fc->flags & FROST_FREEZE_INTERN;
	struct __frost_addrtab_slot *m;

	__frost_addrtab_for_each(m, &fc->memo) {
		const struct frost_object *o = m->key;
		struct frost_object *shared;

		if (o->type != &__frost_str_type || (m->val.u & MEMO_TAGS) ||
		    ((const struct frost_str *)o)->len > FREEZE_INTERN_MAX)
			continue;
		shared = __frost_intern_share(fc->sb, o, add);
		if (!shared)
			continue;
		__frost_shared_unalloc(fc->sb, m->val.p);
		m->val.u = (uint64_t)(uintptr_t)shared | MEMO_EXT;
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

static struct frost_object *freeze_single(struct frost_sandbox *sb, struct frost_object *o,
					  unsigned int flags)
{
	const struct frost_type *type = o->type;
	struct frost_object *copy;
	bool private_child = false;
	size_t size;
	int err;

	err = check_private(sb, o);
	if (err)
		return frost_err_null(-err);
	if (type == &__frost_tuple_type) {
		/* The common container, without trace's indirect calls. */
		const struct frost_tuple *t = (const struct frost_tuple *)o;

		for (size_t i = 0; i < t->len; i++) {
			if (!frost_is_shared(t->items[i])) {
				private_child = true;
				break;
			}
			err = __frost_shared_check(sb, t->items[i]);
			if (err)
				return frost_err_null(-err);
		}
	} else {
		err = __frost_seal_check_children(sb, o, type, &private_child);
		if (err)
			return frost_err_null(-err);
	}
	if (private_child)
		return ERR_GENERAL;
	if (unlikely(flags & FROST_FREEZE_DEDUP) && type == &__frost_str_type &&
	    ((const struct frost_str *)o)->len <= FREEZE_INTERN_MAX) {
		/* A lone short str: the interned one if there is (or, with
		 * FROST_FREEZE_INTERN, will be) one. No allocation precedes. */
		copy = __frost_intern_share(sb, o, flags & FROST_FREEZE_INTERN);
		if (copy)
			goto moved;
	}
	size = __frost_private_usable_size(o);
	copy = __frost_shared_alloc_for(sb, size, type);
	if (!copy)
		return frost_err_null(ENOMEM);
	memcpy(copy + 1, o + 1, size - sizeof(*copy));
	__frost_seal_new(sb, copy, type);
moved:
	if (flags & FROST_FREEZE_MOVE) {
		/*
		 * Every child is shared (no count to give back): a uniquely
		 * owned original is freed without a walk; one held elsewhere
		 * too just loses the caller's reference.
		 */
		if (o->refcnt == 1 && !type->finalize)
			__frost_object_free(o);
		else
			frost_decref(o);
	}
	return copy;
}

/* Items of a tuple freeze_flat_tuple() takes: enough for a record. */
#define FREEZE_FLAT_MAX	16

/*
 * A private tuple of at most FREEZE_FLAT_MAX items, each shared (or static)
 * or a private object without children (an int, a str, ...): the four
 * passes of the general path with the memo table replaced by the item
 * array itself, since nothing below the items can be private and the only
 * sharing possible is an item repeated (found by comparing pointers, so
 * that it gets one copy, as the memo would give it). Not with
 * FROST_FREEZE_DEDUP (the general path merges values). Return: the copy,
 * NULL with errno set, or ERR_GENERAL for the general path.
 */
static struct frost_object *freeze_flat_tuple(struct frost_sandbox *sb, struct frost_object *o,
					      unsigned int flags)
{
	const struct frost_tuple *t = (const struct frost_tuple *)o;
	struct frost_object *copy[FREEZE_FLAT_MAX], *root;
	/* For each item: the index of its first occurrence (itself if it is
	 * the first), or -1 for a shared item, kept as it is. */
	int first[FREEZE_FLAT_MAX];
	unsigned int phase;
	size_t n = t->len;
	int err;

	if (o->type != &__frost_tuple_type || n > FREEZE_FLAT_MAX || (flags & FROST_FREEZE_DEDUP))
		return ERR_GENERAL;
	/* 1. discover and validate (the root was, by freeze_single()). */
	for (size_t i = 0; i < n; i++) {
		struct frost_object *it = t->items[i];

		if (frost_is_shared(it)) {
			err = __frost_shared_check(sb, it);
			if (err)
				return frost_err_null(-err);
			first[i] = -1;
			continue;
		}
		if (it->type->trace)
			return ERR_GENERAL;	/* a private container below */
		err = check_private(sb, it);
		if (err)
			return frost_err_null(-err);
		first[i] = (int)i;
		for (size_t j = 0; j < i; j++) {
			if (t->items[j] == it) {
				first[i] = first[j];
				break;
			}
		}
	}
	/* 2. allocate every copy before writing any (a pacing allocation is a
	 * quiescent state: nothing is read from the shared heap until all
	 * are made). */
	root = __frost_shared_alloc_for(sb, __frost_private_usable_size(o), o->type);
	if (!root)
		return frost_err_null(ENOMEM);
	for (size_t i = 0; i < n; i++) {
		if (first[i] != (int)i)
			continue;
		copy[i] = __frost_shared_alloc_for(sb, __frost_private_usable_size(t->items[i]),
						   t->items[i]->type);
		if (!copy[i]) {
			for (size_t j = 0; j < i; j++)
				if (first[j] == (int)j)
					__frost_shared_unalloc(sb, copy[j]);
			__frost_shared_unalloc(sb, root);
			return frost_err_null(ENOMEM);
		}
	}
	/* 3. copy and relink, by one reading of the phase (as freeze()). */
	phase = __frost_gc_phase(sb->heap);
	memcpy(root + 1, o + 1, __frost_private_usable_size(o) - sizeof(*root));
	for (size_t i = 0; i < n; i++) {
		struct frost_object **slot = &((struct frost_tuple *)root)->items[i];

		if (first[i] < 0) {
			/* An existing shared child of a new object: shaded
			 * while a cycle is open (relink_visit() says why). */
			__frost_gc_shade_new_child(sb, *slot, phase);
			continue;
		}
		if (first[i] == (int)i)
			memcpy(copy[i] + 1, t->items[i] + 1,
			       __frost_private_usable_size(t->items[i]) - sizeof(*root));
		*slot = copy[first[i]];
	}
	/* 4. publish, the items before the tuple. */
	for (size_t i = 0; i < n; i++)
		if (first[i] == (int)i)
			__frost_seal_publish(copy[i], t->items[i]->type, phase);
	__frost_seal_publish(root, o->type, phase);
	if (flags & FROST_FREEZE_MOVE)
		frost_decref(o);
	return root;
}

#define FREEZE_FLAGS	(FROST_FREEZE_DEDUP | FROST_FREEZE_INTERN | FROST_FREEZE_MOVE)

static struct frost_object *freeze(struct frost_sandbox *sb, struct frost_object *o,
				   unsigned int flags)
{
	struct __frost_addrtab_slot *m;
	struct freeze_ctx fc;
	struct frost_object *root;
	int err;

	/* Online only: the shared allocator's lock-free pop relies on it. */
	__frost_sandbox_guard_null(sb);
	if (!o || !__frost_sandbox_online(sb) || (flags & ~FREEZE_FLAGS))
		return frost_err_null(EINVAL);
	if (flags & FROST_FREEZE_INTERN)
		flags |= FROST_FREEZE_DEDUP;
	if (frost_is_shared(o)) {
		err = __frost_shared_check(sb, o);
		return err ? frost_err_null(-err) : o;
	}
	root = freeze_single(sb, o, flags);
	if (root != ERR_GENERAL)
		return root;
	root = freeze_flat_tuple(sb, o, flags);
	if (root != ERR_GENERAL)
		return root;

	fc.sb = sb;
	fc.flags = flags;
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
	if (!err && (flags & FROST_FREEZE_DEDUP))
		err = dedup_leaves(&fc);
	if (err)
		goto fail;

	/* 2. allocate every copy before writing any (none for duplicates). */
	__frost_addrtab_for_each(m, &fc.memo) {
		if (m->val.p)
			continue;	/* MEMO_DUP */
		m->val.p = __frost_shared_alloc_for(sb, __frost_private_usable_size(m->key),
						    ((const struct frost_object *)m->key)->type);
		if (!m->val.p) {
			err = -ENOMEM;
			unalloc_copies(&fc);
			goto fail;
		}
	}
	/* No quiescent state from here on: interned strs stay valid. */
	if (flags & FROST_FREEZE_DEDUP)
		dedup_intern(&fc);

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
		size_t size;

		if (m->val.u & MEMO_TAGS)
			continue;	/* stands for another copy, or interned */
		size = __frost_private_usable_size(priv);
		memcpy(copy + 1, priv + 1, size - sizeof(struct frost_object));
		if (priv->type->trace)
			priv->type->trace(copy, relink_visit, &fc);
	}

	/* 4. publish: immortal count, then the type word (release). */
	__frost_addrtab_for_each(m, &fc.memo) {
		if (!(m->val.u & MEMO_TAGS))
			__frost_seal_publish(m->val.p, ((struct frost_object *)m->key)->type,
					     fc.phase);
	}
	root = memo_copy(&fc, o);
	freeze_ctx_release(&fc);
	/* The caller's reference, handed over: frees what it owned alone. */
	if (flags & FROST_FREEZE_MOVE)
		frost_decref(o);
	return root;

fail:
	freeze_ctx_release(&fc);
	return frost_err_null(-err);
}

struct frost_object *frost_freeze(struct frost_sandbox *sb, struct frost_object *o)
{
	return freeze(sb, o, 0);
}

struct frost_object *frost_freeze_opt(struct frost_sandbox *sb, struct frost_object *o,
				      unsigned int flags)
{
	return freeze(sb, o, flags);
}
