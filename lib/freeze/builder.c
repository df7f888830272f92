// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/freeze/builder.c - frozen builders: shared objects made in place.
 *
 * Theory of operation. frost_freeze() of a small object costs a private
 * object, checks, a shared slot, a copy and a private free. When every
 * child of the new object is shared already (a scalar, a str, a tuple of
 * frozen items), none of that is needed: the builders below take a slot
 * from the sandbox's shared magazine, write the value there with the same
 * initialiser the private constructor uses (lib/types/types.h, so the two
 * agree on every value and hash), and seal it with freeze's own sealing
 * code (lib/freeze/seal.h: one phase reading, shading of the existing
 * shared children while a cycle is open, born marked, the type word last
 * with release ordering). frost_shared_new() and frost_shared_seal() are
 * the same two steps for user types, with the filling in between left to
 * the caller.
 *
 * Children are checked before anything is allocated: each must be a
 * shared object of the caller's heap or a static object. A private child
 * is EPERM, never copied: the builders do not freeze (the caller freezes
 * it first, or builds the whole value privately and calls frost_freeze()).
 *
 * No quiescent state inside. The caller typically holds the children
 * outside any root (a lookup, a tuple item: valid until its next quiescent
 * state, rule 1), and writes them into a slot that is no root either. So
 * the allocation must not pace or run a cycle, as frost_freeze()'s may:
 * __frost_shared_alloc_nowait() defers pacing to the sandbox's next
 * quiescent state (__frost_gc_run_deferred()), and over shared_limit it
 * fails with ENOMEM at once (the cycle that would make room runs at that
 * quiescent state, or in the woken background reclaimer) instead of
 * blocking.
 *
 * An unsealed slot (between frost_shared_new() and frost_shared_seal())
 * keeps the freed type in its type word, so slab scans skip it exactly as
 * a free slot; its count word holds the type it will get, tagged with bit
 * 0 (a free slot's word 0 is a slot address or NULL, never odd), which is
 * how frost_shared_seal() tells an unsealed slot from anything else.
 */
#include <string.h>
#include "freeze/seal.h"
#include "types/types.h"

/* Tag of an unsealed slot's count word: the type pointer | UNSEALED. */
#define UNSEALED	UINT64_C(1)

_Static_assert(_Alignof(struct frost_type) > 1, "type pointers must have bit 0 clear");

/* The checks every builder starts with: @sb is the caller's, online. */
#define builder_guard(sb)							\
	do {									\
		__frost_sandbox_guard_null(sb);					\
		if (unlikely(!__frost_sandbox_online(sb)))			\
			return frost_err_null(EINVAL);				\
	} while (0)

/* Public: see include/frost/types.h. */
struct frost_object *frost_int_new_frozen(struct frost_sandbox *sb, int64_t v)
{
	struct frost_object *o;

	builder_guard(sb);
	o = __frost_small_int(v);
	if (o)
		return o;
	o = __frost_shared_alloc_leaf_nowait(sb, sizeof(struct frost_int));
	if (unlikely(!o))
		return NULL;
	__frost_int_init(o, v);
	__frost_seal_new(sb, o, &__frost_int_type);
	return o;
}

/* Public: see include/frost/types.h. */
struct frost_object *frost_float_new_frozen(struct frost_sandbox *sb, double v)
{
	struct frost_object *o;

	builder_guard(sb);
	o = __frost_shared_alloc_leaf_nowait(sb, sizeof(struct frost_float));
	if (unlikely(!o))
		return NULL;
	__frost_float_init(o, v);
	__frost_seal_new(sb, o, &__frost_float_type);
	return o;
}

/* Public: see include/frost/types.h. */
struct frost_object *frost_str_new_frozen(struct frost_sandbox *sb, const char *utf8, size_t len)
{
	struct frost_object *o;
	size_t nchars;
	int err;

	builder_guard(sb);
	err = __frost_str_check(utf8, len, &nchars);
	if (unlikely(err))
		return frost_err_null(-err);
	o = __frost_shared_alloc_leaf_nowait(sb, offsetof(struct frost_str, data) + len + 1);
	if (unlikely(!o))
		return NULL;
	__frost_str_init(o, utf8, len, nchars);
	__frost_seal_new(sb, o, &__frost_str_type);
	return o;
}

/* Public: see include/frost/types.h. */
struct frost_object *frost_bytes_new_frozen(struct frost_sandbox *sb, const void *p, size_t len)
{
	struct frost_object *o;

	builder_guard(sb);
	if (unlikely(!p && len))
		return frost_err_null(EINVAL);
	if (unlikely(len > SIZE_MAX - offsetof(struct frost_bytes, data) - 1))
		return frost_err_null(ENOMEM);
	o = __frost_shared_alloc_leaf_nowait(sb, offsetof(struct frost_bytes, data) + len + 1);
	if (unlikely(!o))
		return NULL;
	__frost_bytes_init(o, p, len);
	__frost_seal_new(sb, o, &__frost_bytes_type);
	return o;
}

/* Public: see include/frost/types.h. */
struct frost_object *frost_tuple_new_frozen(struct frost_sandbox *sb, size_t n,
					    struct frost_object *const items[])
{
	struct frost_object *o;
	int err;

	builder_guard(sb);
	if (unlikely(n && !items))
		return frost_err_null(EINVAL);
	if (unlikely(n > (SIZE_MAX - offsetof(struct frost_tuple, items)) /
			 sizeof(struct frost_object *)))
		return frost_err_null(ENOMEM);
	/* Every item shared (this heap) or static, before anything changes. */
	for (size_t i = 0; i < n; i++) {
		err = __frost_shared_check(sb, items[i]);
		if (unlikely(err))
			return frost_err_null(-err);
	}
	o = __frost_shared_alloc_nowait(sb, offsetof(struct frost_tuple, items) +
					    n * sizeof(struct frost_object *));
	if (unlikely(!o))
		return NULL;
	__frost_tuple_init(o, n, items);
	__frost_seal_new(sb, o, &__frost_tuple_type);
	return o;
}

/* Public: see include/frost/object.h. */
struct frost_object *frost_shared_new(struct frost_sandbox *sb, const struct frost_type *type,
				      size_t size)
{
	struct frost_object *o;

	builder_guard(sb);
	if (unlikely(!type || (type->flags & FROST_TYPE_BUILTIN)))
		return frost_err_null(EINVAL);
	if (unlikely(!(type->flags & FROST_TYPE_IMMUTABLE)))
		return frost_err_null(EPERM);
	if (!size)
		size = type->basic_size;
	if (unlikely(size < sizeof(*o)))
		return frost_err_null(EINVAL);
	o = type->trace ? __frost_shared_alloc_nowait(sb, size)
			: __frost_shared_alloc_leaf_nowait(sb, size);
	if (unlikely(!o))
		return NULL;
	/* NULL child slots until the caller fills them (trace skips NULL). */
	memset(o + 1, 0, size - sizeof(*o));
	o->refcnt = (uint64_t)(uintptr_t)type | UNSEALED;
	return o;
}

/* Public: see include/frost/object.h. */
int frost_shared_seal(struct frost_sandbox *sb, struct frost_object *o)
{
	const struct frost_shared_page *pg;
	const struct frost_type *type;
	bool private_child;
	int err;

	__frost_sandbox_guard(sb);
	if (unlikely(!__frost_sandbox_online(sb) || !o))
		return -EINVAL;
	/* Sealed already, static, or private: not a slot of frost_shared_new(). */
	if (frost_is_shared(o) || !(o->refcnt & UNSEALED))
		return -EINVAL;
	pg = __frost_shared_page_of(o);
	if (unlikely(pg->magic != FROST_SHARED_PAGE_MAGIC ||
		     __atomic_load_n(&o->type, __ATOMIC_RELAXED) != &__frost_freed_type))
		return -EINVAL;
	if (unlikely(pg->heap != sb->heap))
		return -EPERM;
	type = (const struct frost_type *)(uintptr_t)(o->refcnt & ~UNSEALED);
	err = __frost_seal_check_children(sb, o, type, &private_child);
	if (unlikely(err || private_child)) {
		/* Never published: straight back to the magazine. */
		__frost_shared_unalloc(sb, o);
		return -EPERM;
	}
	__frost_seal_new(sb, o, type);
	return 0;
}
