/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * frost/namespace.h - the heap's namespace: names bound to shared objects.
 *
 * Theory of operation. Each heap has one namespace, a lock-free hash table
 * (liburcu's rculfhash) from C-string names to shared objects. Lookups are
 * lock-free and write nothing shared. Stores (publish, replace, unpublish)
 * are atomic per name: a successful frost_publish_replace() is seen by
 * every later frost_lookup() of that name. A published object is a root:
 * it stays alive while bound (lifetime rule 2). Only shared objects can be
 * published; a private object is refused with EPERM.
 *
 * Names are non-empty C strings of at most FROST_NAME_MAX bytes (without
 * the NUL); any bytes but NUL are allowed.
 */
#ifndef __FROST_NAMESPACE_H
#define __FROST_NAMESPACE_H

#include <frost/compiler.h>

struct frost_sandbox;
struct frost_object;

#define FROST_NAME_MAX 4096

/**
 * frost_publish() - Bind @name to @shared, replacing any previous binding.
 * @sb: the calling sandbox.
 * @name: the name.
 * @shared: a shared object of @sb's heap.
 *
 * Context: the sandbox's own thread; never blocks.
 * Return: 0; -EINVAL (NULL argument, empty or too long name), -EPERM
 * (@shared is private or of another heap) or -ENOMEM.
 */
FROST_API int frost_publish(struct frost_sandbox *sb, const char *name, struct frost_object *shared);

/**
 * frost_publish_replace() - Compare-and-swap the binding of @name.
 * @sb: the calling sandbox.
 * @name: the name.
 * @expected: the object @name must be bound to now, or NULL for "unbound"
 *	(create only).
 * @shared: the new object.
 *
 * Context: the sandbox's own thread; never blocks.
 * Return: 0 if @name was bound to @expected and is now bound to @shared;
 * -EAGAIN if it was not (nothing changed); -EINVAL, -EPERM or -ENOMEM as
 * for frost_publish().
 */
FROST_API int frost_publish_replace(struct frost_sandbox *sb, const char *name,
				    struct frost_object *expected, struct frost_object *shared);

/**
 * frost_lookup() - The object bound to @name.
 * @sb: the calling sandbox (online).
 * @name: the name.
 *
 * Lock-free; writes nothing shared.
 *
 * Context: the sandbox's own thread; never blocks.
 * Return: the shared object, valid until @sb's next quiescent state unless a
 * root holds it (lifetime rule 1); NULL with errno ENOENT (unbound) or
 * EINVAL (NULL argument, bad name, offline or detached @sb).
 */
FROST_API struct frost_object *frost_lookup(struct frost_sandbox *sb, const char *name);

/**
 * frost_unpublish() - Remove the binding of @name.
 * @sb: the calling sandbox.
 * @name: the name.
 *
 * The object stays valid for sandboxes that looked it up until their next
 * quiescent state; after that, unless another root holds it, it may be
 * reclaimed.
 *
 * Context: the sandbox's own thread; never blocks.
 * Return: 0; -ENOENT (unbound) or -EINVAL.
 */
FROST_API int frost_unpublish(struct frost_sandbox *sb, const char *name);

#endif /* __FROST_NAMESPACE_H */
