/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * frost/namespace.h - the heap's namespace: names bound to shared objects.
 *
 * Theory of operation. Each heap has one namespace, an open-addressing
 * index from C-string names to shared objects (lib/ns/index.c). Lookups
 * are lock-free and write nothing shared; a resolved name (struct
 * frost_binding) skips even the hashing and probing: two loads and a test. Stores (publish, replace, unpublish)
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
 * @expected is compared by address. It must still be valid for @sb when
 * the call is made (lifetime rule 1, or a root such as a pin): an object
 * looked up before a quiescent state and held by nothing may have been
 * freed since and its memory reused for a newer object bound to @name,
 * and the swap would then succeed against that one.
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
 * struct frost_binding - a resolved name (treat as opaque).
 * @slot: where the name's current binding is read: the namespace's word
 *	for it while the name is bound to a node, else @unbound.
 * @unbound: always NULL: what @slot points at when the name is not
 *	resolved, so the fast path needs no extra test.
 *
 * The layout is public only so that frost_binding_lookup() can be inline;
 * the library's own structure extends it.
 */
struct frost_binding {
	struct frost_object *const *slot;
	struct frost_object *unbound;
};

/**
 * frost_binding_new() - Resolve @name once, for fast repeated lookups.
 * @sb: the calling sandbox (online).
 * @name: the name; it need not be bound yet.
 *
 * Like CPython's LOAD_GLOBAL caches: the binding remembers where @name's
 * value lives in the namespace, so frost_binding_lookup() costs two loads
 * and a test while the name stays bound, and re-resolves by itself after
 * the name was unpublished and published again. The binding belongs to
 * @sb: use it only on @sb's thread, and free it before @sb detaches
 * (frost_heap_destroy() frees any left over).
 *
 * Context: the sandbox's own thread; never blocks.
 * Return: the binding; NULL with errno EINVAL (NULL argument, bad name,
 * offline or detached @sb), EPERM (another thread's @sb) or ENOMEM.
 */
FROST_API struct frost_binding *frost_binding_new(struct frost_sandbox *sb, const char *name);

/**
 * frost_binding_lookup_slow() - Re-resolve @b (out-of-line part).
 * @b: the binding.
 *
 * Called by frost_binding_lookup() when the name it had resolved is not
 * bound any more; not for direct use.
 */
FROST_API struct frost_object *frost_binding_lookup_slow(struct frost_binding *b);

/**
 * frost_binding_lookup() - The object bound to @b's name: frost_lookup()
 * without hashing or probing.
 * @b: a binding of the calling sandbox.
 *
 * While the name stays bound: one load of @b, one load-acquire of the
 * binding word, one test. Otherwise it re-resolves the name in the
 * namespace (frost_binding_lookup_slow()).
 *
 * Context: @b's sandbox's own thread, online; never blocks. Like
 * frost_tuple_get(), the fast path does not check the thread.
 * Return: the shared object, valid until the sandbox's next quiescent state
 * unless a root holds it (lifetime rule 1); NULL with errno ENOENT
 * (unbound) or EINVAL/EPERM (NULL @b, or a sandbox that may not use it).
 */
static inline struct frost_object *frost_binding_lookup(struct frost_binding *b)
{
	/*
	 * Acquire: pairs with the CAS-release (or the index's store-release
	 * of a new name) that bound the object, as in frost_lookup().
	 */
	struct frost_object *v = frost_likely(b != 0) ? __atomic_load_n(b->slot, __ATOMIC_ACQUIRE) : 0;

	if (frost_likely(v != 0))
		return v;
	return frost_binding_lookup_slow(b);
}

/**
 * frost_binding_free() - Forget a binding made by frost_binding_new().
 * @b: the binding (NULL: nothing to do).
 *
 * Context: the binding's sandbox's own thread, online; never blocks.
 */
FROST_API void frost_binding_free(struct frost_binding *b);

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
