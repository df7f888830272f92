/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/types/object.h - the object life cycle, ownership checks, hashing and
 * equality (internal).
 *
 * Theory of operation: see lib/types/object.c. A private object is
 * allocated from its sandbox's arena with one reference and freed by
 * frost_dealloc() when its count reaches zero, iteratively (the sandbox's
 * part below holds the objects waiting to be freed). Every call that takes
 * an object for a sandbox checks it with __frost_check_object() before it
 * changes anything (lifetime rule 4).
 */
#ifndef __FROST_TYPES_OBJECT_H
#define __FROST_TYPES_OBJECT_H

#include <stdbool.h>
#include <stdint.h>
#include <frost/frost.h>
#include "core/err.h"
#include "core/handle.h"
#include "core/object.h"
#include "core/siphash.h"
#include "mm/mm.h"

/*
 * struct frost_sandbox_obj - the object layer's part of a sandbox.
 * @dealloc_pending: objects whose count reached zero while a dealloc was
 *	running, linked through their refcnt word (see frost_dealloc()).
 * @in_dealloc: frost_dealloc() is running on this sandbox.
 */
struct frost_sandbox_obj {
	struct frost_sandbox_mm;
	struct frost_object *dealloc_pending;
	bool in_dealloc;
};

#define __frost_sb_obj(sb)	((struct frost_sandbox_obj *)(sb))

/*
 * __frost_hash_checked() - hash of @o, or -EINVAL if it is unhashable.
 * Containers use it to hash their items; frost_hash() wraps it.
 */
int __frost_hash_checked(const struct frost_object *o, uint64_t *hash);

/*
 * __frost_equal() - frost_equal() that reports failure: 1 if @a and @b are
 * equal, 0 if not (or either is NULL), -ENOMEM if the comparison ran out of
 * memory (lib/types/equal.c). Never recurses on the C stack for built-in
 * containers.
 */
int __frost_equal(const struct frost_object *a, const struct frost_object *b);

/*
 * __frost_check_object() - may sandbox @sb use object @o?
 * Return: 0 if @o is static, a shared object of @sb's heap or a private
 * object of @sb; -EPERM if it is another sandbox's private object or a
 * shared object of another heap; -EINVAL if @o is NULL or not an object.
 * Cost: one page-header load and compare either way (no lookup).
 */
int __frost_check_object(const struct frost_sandbox *sb, const struct frost_object *o);

/* The sandbox that owns private object @o (from its page header). */
struct frost_sandbox *__frost_object_owner(const struct frost_object *o);

/*
 * __frost_object_alloc() - allocate a private object of @size bytes
 * (header included) for @sb: refcount 1, type set, body uninitialised.
 * Return: the object or NULL (errno ENOMEM).
 */
struct frost_object *__frost_object_alloc(struct frost_sandbox *sb,
					  const struct frost_type *type, size_t size);

/* Free a private object's memory (no finalize, no child release). */
void __frost_object_free(struct frost_object *o);

#endif /* __FROST_TYPES_OBJECT_H */
