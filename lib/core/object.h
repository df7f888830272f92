/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/core/object.h - the object header's internal side (internal).
 *
 * Theory of operation. struct frost_object (include/frost/object.h) is a
 * reference count and a type. Static objects (None, True, False, small
 * ints) are immortal with a count of their own, __FROST_REFCNT_STATIC, so
 * the reclaimer and the handle checks tell them from heap-allocated shared
 * objects without looking at their address: a static object belongs to no
 * heap and to every sandbox.
 */
#ifndef __FROST_CORE_OBJECT_H
#define __FROST_CORE_OBJECT_H

#include <stdbool.h>
#include <frost/object.h>

#define __FROST_REFCNT_STATIC	(FROST_REFCNT_IMMORTAL + 1)

static inline bool __frost_is_static(const struct frost_object *o)
{
	return o->refcnt == __FROST_REFCNT_STATIC;
}

/* Initialiser for a static immortal object header. */
#define FROST_STATIC_OBJECT_HEAD(typ) { .refcnt = __FROST_REFCNT_STATIC, .type = (typ) }

/* Is @o of built-in type @type? (NULL-safe) */
static inline bool __frost_is(const struct frost_object *o, const struct frost_type *type)
{
	return o && o->type == type;
}

#endif /* __FROST_CORE_OBJECT_H */
