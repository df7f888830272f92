// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/types/list.c - the list type: a mutable, growable sequence.
 *
 * Theory of operation. A list is the only mutable built-in type, so it is
 * private forever: its type lacks FROST_TYPE_IMMUTABLE (frost_freeze()
 * refuses it, and with it anything that contains it) and it has no hash
 * callback (it cannot be a map key, and a tuple or map holding it is
 * unhashable). The item array is a separate allocation from the owner's
 * private arena (lib/mm/private.h), grown by doubling from 4 slots; the
 * capacity is whatever the arena's size class actually gives, so a grown
 * array never wastes its rounding.
 *
 * Invariants: @len <= @cap; @items is NULL exactly when @cap is 0; slots
 * [0, @len) hold one reference each. frost_list_append() changes nothing
 * until every check passed and the array has room, so a failed append
 * (EINVAL, EPERM, ENOMEM) leaves the list as it was and takes no reference.
 *
 * Only the owner touches a list, so there is no locking. Children are
 * released by the core through list_trace() when the count drops to zero;
 * list_finalize() then frees the array.
 */
#include <stdint.h>
#include <string.h>

#include "types/types.h"
#include "mm/private.h"

#define LIST_MIN_CAP 4

static inline struct frost_list *to_list(const struct frost_object *o)
{
	return __frost_container_of((struct frost_object *)o, struct frost_list, ob);
}

static void list_trace(struct frost_object *o, frost_visit_fn visit, void *arg)
{
	struct frost_list *l = to_list(o);

	for (size_t i = 0; i < l->len; i++)
		visit(&l->items[i], arg);
}

static void list_finalize(struct frost_object *o)
{
	struct frost_list *l = to_list(o);

	if (l->items)
		__frost_private_free(l->items);
	l->items = NULL;
	l->cap = 0;
	l->len = 0;
}

const struct frost_type __frost_list_type = {
	.name = "list",
	.basic_size = sizeof(struct frost_list),
	.flags = FROST_TYPE_BUILTIN | __FROST_TYPE_KIND(FROST_KIND_LIST),	/* not FROST_TYPE_IMMUTABLE: never shared */
	.trace = list_trace,
	.finalize = list_finalize,
	/* .hash NULL: unhashable; .equal NULL: identity. */
};

/* Make room for one more item; 0 or -ENOMEM (the list unchanged). */
static int list_grow(struct frost_sandbox *sb, struct frost_list *l)
{
	struct frost_object **items;
	size_t cap;

	if (l->cap > SIZE_MAX / 2 / sizeof(*items))
		return -ENOMEM;
	cap = l->cap ? 2 * l->cap : LIST_MIN_CAP;
	items = __frost_private_alloc(sb, cap * sizeof(*items));
	if (unlikely(!items))
		return -ENOMEM;
	cap = __frost_private_usable_size(items) / sizeof(*items);
	if (l->len)
		memcpy(items, l->items, l->len * sizeof(*items));
	if (l->items)
		__frost_private_free(l->items);
	l->items = items;
	l->cap = cap;
	return 0;
}

/* Public: see include/frost/types.h. */
struct frost_object *frost_list_new(struct frost_sandbox *sb)
{
	struct frost_object *o;
	struct frost_list *l;

	__frost_sandbox_guard_null(sb);
	o = __frost_object_alloc(sb, &__frost_list_type, sizeof(struct frost_list));
	if (unlikely(!o))
		return NULL;
	l = to_list(o);
	l->len = 0;
	l->cap = 0;
	l->items = NULL;
	return o;
}

/* Public: see include/frost/types.h. */
int frost_list_append(struct frost_sandbox *sb, struct frost_object *list,
		      struct frost_object *item)
{
	struct frost_list *l;
	int err;

	__frost_sandbox_guard(sb);
	if (unlikely(!list || !item))
		return -EINVAL;
	err = __frost_check_object(sb, list);
	if (unlikely(err))
		return err;
	if (unlikely(list->type != &__frost_list_type))
		return -EINVAL;
	/* A shared list cannot exist (not freezable); refuse one anyway. */
	if (unlikely(frost_is_shared(list)))
		return -EPERM;
	err = __frost_check_object(sb, item);
	if (unlikely(err))
		return err;

	l = to_list(list);
	if (l->len == l->cap) {
		err = list_grow(sb, l);
		if (unlikely(err))
			return err;
	}
	frost_incref(item);
	l->items[l->len++] = item;
	return 0;
}

/* Public: see include/frost/types.h. */
size_t frost_list_len(const struct frost_object *o)
{
	if (unlikely(!__frost_is(o, &__frost_list_type))) {
		errno = EINVAL;
		return 0;
	}
	return to_list(o)->len;
}

/* Public: see include/frost/types.h. */
struct frost_object *frost_list_get(const struct frost_object *o, size_t i)
{
	const struct frost_list *l;

	if (unlikely(!__frost_is(o, &__frost_list_type)))
		return frost_err_null(EINVAL);
	l = to_list(o);
	if (unlikely(i >= l->len))
		return frost_err_null(ERANGE);
	return l->items[i];
}
