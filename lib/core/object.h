/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/core/object.h - the object header's internal side (internal).
 *
 * Theory of operation. struct frost_object (include/frost/object.h) is a
 * reference count and a type. Static objects (None, True, False, the small
 * ints, the empty str, bytes, tuple and map) are immortal with a count of
 * their own, __FROST_REFCNT_STATIC, and they all live in one section of the
 * library, "frost_static" (FROST_STATIC_OBJECT below), so the reclaimer
 * and the handle checks tell them from heap-allocated shared objects by
 * their address: two compares against the section's bounds, which the
 * linker provides (__start_frost_static, __stop_frost_static), and no load
 * of the object (a cache miss per small int when the marker met one). A
 * static object belongs to no heap and to every sandbox. The count stays
 * distinct so that frost_is_shared() (a public inline) and debug checks can
 * still read it; __frost_is_static() itself never does.
 */
#ifndef __FROST_CORE_OBJECT_H
#define __FROST_CORE_OBJECT_H

#include <stdbool.h>
#include <stdint.h>
#include <frost/object.h>

#define __FROST_REFCNT_STATIC	(FROST_REFCNT_IMMORTAL + 1)

/*
 * Put a static object into the "frost_static" section. Every static object
 * must carry it (and FROST_STATIC_OBJECT_HEAD): __frost_is_static() knows
 * them by address only. The section is writable data (constructors set
 * the static objects' hashes once, before any thread runs).
 */
#define FROST_STATIC_OBJECT	__attribute__((section("frost_static"), used))

/* The section's bounds, defined by the linker (in this object, hidden). */
extern const char __start_frost_static[] __attribute__((visibility("hidden")));
extern const char __stop_frost_static[] __attribute__((visibility("hidden")));

/* Is @o one of the static objects? By address: @o is not read. */
static inline bool __frost_is_static(const struct frost_object *o)
{
	return (uintptr_t)o - (uintptr_t)__start_frost_static <
	       (uintptr_t)__stop_frost_static - (uintptr_t)__start_frost_static;
}

/* Initialiser for a static immortal object header. */
#define FROST_STATIC_OBJECT_HEAD(typ) { .refcnt = __FROST_REFCNT_STATIC, .type = (typ) }

/* Is @o of built-in type @type? (NULL-safe) */
static inline bool __frost_is(const struct frost_object *o, const struct frost_type *type)
{
	return o && o->type == type;
}

#endif /* __FROST_CORE_OBJECT_H */
