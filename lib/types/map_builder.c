// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/types/map_builder.c - the map builder: a map's entries one by one.
 *
 * Theory of operation. frost_map_new() wants every key and value in two
 * arrays at once; a loader that parses records field by field would build
 * those arrays itself, then the map, then freeze it: three copies. A map
 * builder collects the pairs instead and makes the map once, private
 * (frost_map_builder_finish()) or directly in the shared heap
 * (frost_map_builder_finish_frozen(), lib/freeze/map_builder.c: no private
 * map and no freeze copy).
 *
 * A builder is a private object of an internal, mutable type (never
 * frozen, never shared): so its owner is in its page header, every call
 * checks it with __frost_check_object() (another sandbox's builder is
 * EPERM), and it is one of its sandbox's private objects, which a
 * handshake scans through builder_trace(): the shared keys and values it
 * holds are kept across quiescent states like a private tuple's items.
 * The pairs live in two arrays from the owner's arena, grown by doubling;
 * slots [0, @len) of each hold one reference. frost_map_builder_add()
 * changes nothing until every check passed and there is room, so a failed
 * add takes no reference. Duplicate keys are kept until the finish, which
 * resolves them as frost_map_new() does: one entry at the position of the
 * key's first add, with the value of its last (__frost_map_plan()).
 *
 * The finish calls consume the builder, successful or not (its references
 * are dropped with it), except when the caller was not entitled to it: a
 * NULL, another sandbox's builder or sandbox, or an offline sandbox leaves
 * it as it was.
 */
#include <string.h>

#include "types/types.h"
#include "mm/private.h"

#define BUILDER_MIN_CAP 8

static inline struct frost_map_builder *to_builder(const struct frost_object *o)
{
	return __frost_container_of((struct frost_object *)o, struct frost_map_builder, ob);
}

static void builder_trace(struct frost_object *o, frost_visit_fn visit, void *arg)
{
	struct frost_map_builder *b = to_builder(o);

	for (size_t i = 0; i < b->len; i++) {
		visit(&b->keys[i], arg);
		visit(&b->vals[i], arg);
	}
}

static void builder_finalize(struct frost_object *o)
{
	struct frost_map_builder *b = to_builder(o);

	if (b->keys)
		__frost_private_free(b->keys);
	if (b->vals)
		__frost_private_free(b->vals);
	b->keys = b->vals = NULL;
	b->len = b->cap = 0;
}

/* Internal: see types.h. */
const struct frost_type __frost_map_builder_type = {
	.name = "map_builder",
	.basic_size = sizeof(struct frost_map_builder),
	.flags = 0,	/* mutable: never frozen, never a map key */
	.trace = builder_trace,
	.finalize = builder_finalize,
};

/* Room for @cap pairs: both arrays or neither. Return: 0 or -ENOMEM. */
static int builder_grow(struct frost_sandbox *sb, struct frost_map_builder *b, size_t cap)
{
	struct frost_object **k, **v;

	if (unlikely(cap > SIZE_MAX / sizeof(*k)))
		return -ENOMEM;
	k = __frost_private_alloc(sb, cap * sizeof(*k));
	if (unlikely(!k))
		return -ENOMEM;
	v = __frost_private_alloc(sb, cap * sizeof(*v));
	if (unlikely(!v)) {
		__frost_private_free(k);
		return -ENOMEM;
	}
	if (b->len) {
		memcpy(k, b->keys, b->len * sizeof(*k));
		memcpy(v, b->vals, b->len * sizeof(*v));
	}
	if (b->keys)
		__frost_private_free(b->keys);
	if (b->vals)
		__frost_private_free(b->vals);
	b->keys = k;
	b->vals = v;
	b->cap = cap;
	return 0;
}

/* Public: see include/frost/types.h. */
struct frost_map_builder *frost_map_builder_new(struct frost_sandbox *sb, size_t hint)
{
	struct frost_map_builder *b;
	struct frost_object *o;
	int err;

	__frost_sandbox_guard_null(sb);
	o = __frost_object_alloc(sb, &__frost_map_builder_type, sizeof(*b));
	if (unlikely(!o))
		return NULL;
	b = to_builder(o);
	b->len = b->cap = 0;
	b->keys = b->vals = NULL;
	if (hint) {
		err = builder_grow(sb, b, hint);
		if (unlikely(err)) {
			__frost_object_free(o);
			return frost_err_null(-err);
		}
	}
	return b;
}

/* Internal: see types.h. */
int __frost_map_builder_check(struct frost_sandbox *sb, const struct frost_map_builder *b)
{
	int err;

	err = __frost_check_sandbox(sb);
	if (unlikely(err))
		return err;
	if (unlikely(!b))
		return -EINVAL;
	err = __frost_check_object(sb, &b->ob);
	if (unlikely(err))
		return err;
	if (unlikely(b->ob.type != &__frost_map_builder_type))
		return -EINVAL;
	return 0;
}

/* Public: see include/frost/types.h. */
int frost_map_builder_add(struct frost_sandbox *sb, struct frost_map_builder *b,
			  struct frost_object *key, struct frost_object *val)
{
	uint64_t h;
	int err;

	err = __frost_map_builder_check(sb, b);
	if (unlikely(err))
		return err;
	err = __frost_check_object(sb, key);
	if (!err)
		err = __frost_check_object(sb, val);
	if (unlikely(err))
		return err;
	if (unlikely(!__frost_hashable(key) || __frost_hash_checked(key, &h)))
		return -EINVAL;
	if (unlikely(b->len == b->cap)) {
		err = builder_grow(sb, b, b->cap ? 2 * b->cap : BUILDER_MIN_CAP);
		if (unlikely(err))
			return err;
	}
	frost_incref(key);
	frost_incref(val);
	b->keys[b->len] = key;
	b->vals[b->len] = val;
	b->len++;
	return 0;
}

/* Public: see include/frost/types.h. */
size_t frost_map_builder_len(const struct frost_map_builder *b)
{
	if (unlikely(!b || b->ob.type != &__frost_map_builder_type)) {
		errno = EINVAL;
		return 0;
	}
	return b->len;
}

/* Public: see include/frost/types.h. */
struct frost_object *frost_map_builder_finish(struct frost_sandbox *sb, struct frost_map_builder *b)
{
	struct frost_object *m;
	int err;

	err = __frost_map_builder_check(sb, b);
	if (unlikely(err))
		return frost_err_null(-err);
	m = frost_map_new(sb, b->len, b->keys, b->vals);
	err = m ? 0 : errno;
	frost_decref(&b->ob);
	if (!m)
		errno = err;
	return m;
}

/* Public: see include/frost/types.h. */
int frost_map_builder_free(struct frost_sandbox *sb, struct frost_map_builder *b)
{
	int err;

	if (!b)
		return 0;
	err = __frost_map_builder_check(sb, b);
	if (unlikely(err))
		return err;
	frost_decref(&b->ob);
	return 0;
}
