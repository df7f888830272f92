// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/ns/binding.c - resolved names: frost_lookup() without the lookup.
 *
 * Theory of operation. A binding remembers the namespace node of its name
 * and exposes the node's @value word through its public @slot, so that
 * frost_binding_lookup() (include/frost/namespace.h) is one load of @slot
 * and one load-acquire of the word. That is exactly frost_lookup()'s read
 * of the binding, without hashing the name and probing the index, and
 * gives the same result: a name has at most one live node at a time, a
 * rebinding is a CAS on that node's @value, and an unbinding turns it into
 * a tombstone for good (@value NULL, lib/ns/namespace.c). So a non-NULL
 * value read through the slot is the name's binding at that instant, and a
 * NULL sends the lookup to the slow path, which resolves the name again:
 * to a new node if it was published again, or to nothing (ENOENT).
 *
 * Bindings live across quiescent states (that is their point), but nodes
 * are freed a grace period after they leave the index. So a binding holds
 * its node's memory (never its value, which the namespace alone roots):
 * each node counts the bindings resolved to it, and a node that left the
 * index is retired by whoever drops that count to zero, its last binding
 * or its remover. The count and the node's "unindexed" flag are changed
 * under the heap's binding_lock, as is the heap's list of bindings (teardown
 * frees what programs leave). Resolving takes the lock and re-checks the
 * flag, so it never takes a reference to a node already on its way to
 * call_rcu: the remover sets the flag and decides under the same lock.
 *
 * A binding belongs to its sandbox: the slow path and frost_binding_free()
 * check the calling thread like every sandbox-taking call; the fast path,
 * like frost_tuple_get(), reads only shared memory and checks nothing.
 */
#include <stdlib.h>
#include <string.h>
#include "core/fault.h"
#include "ns/ns.h"

/*
 * struct frost_binding_impl - a binding.
 * @pub: the public part (include/frost/namespace.h), first.
 * @sb: the sandbox it belongs to.
 * @heap: that sandbox's heap.
 * @node: the namespace node @pub's slot reads, or NULL (unresolved).
 * @link: on the heap's list of bindings (under binding_lock).
 * @hash, @len, @name: the name.
 */
struct frost_binding_impl {
	struct frost_binding pub;
	struct frost_sandbox *sb;
	struct frost_heap *heap;
	struct ns_node *node;
	struct cds_list_head link;
	uint64_t hash;
	size_t len;
	char name[];
};

#define binding_of(b)	__frost_container_of(b, struct frost_binding_impl, pub)

/* Drop @b's reference to its node; retire the node if it was the last. */
static void binding_unresolve(struct frost_binding_impl *b)
{
	struct ns_node *n = b->node;

	if (!n)
		return;
	b->node = NULL;
	/* Relaxed: the owner's own word; the fast path reads it only here. */
	__atomic_store_n(&b->pub.slot, (struct frost_object *const *)&b->pub.unbound,
			 __ATOMIC_RELAXED);
	if (--n->bindings == 0 && n->unindexed)
		__frost_ns_node_retire(n);
}

/*
 * Point @b at the node its name is bound to now, if any. Context: online,
 * under binding_lock.
 */
static void binding_resolve(struct frost_binding_impl *b)
{
	struct ns_key key = { .name = b->name, .len = b->len };
	struct ns_node *n = __frost_ns_find(b->heap, &key, b->hash);

	if (n == b->node)
		return;
	binding_unresolve(b);
	/* A node found in the index but flagged has left it since: its remover
	 * already decided under this lock; never resurrect it. */
	if (!n || n->unindexed)
		return;
	n->bindings++;
	b->node = n;
	__atomic_store_n(&b->pub.slot, (struct frost_object *const *)&n->value,
			 __ATOMIC_RELAXED);
}

void __frost_ns_node_unindexed(struct frost_heap *heap, struct ns_node *n)
{
	struct frost_heap_ns *hn = __frost_heap_ns(heap);
	bool retire;

	pthread_mutex_lock(&hn->binding_lock);
	n->unindexed = true;
	retire = n->bindings == 0;
	pthread_mutex_unlock(&hn->binding_lock);
	if (retire)
		__frost_ns_node_retire(n);
}

/* Public: see include/frost/namespace.h. */
struct frost_binding *frost_binding_new(struct frost_sandbox *sb, const char *name)
{
	struct frost_binding_impl *b;
	struct frost_heap_ns *hn;
	size_t len;

	__frost_sandbox_guard_null(sb);
	if (unlikely(!name))
		return frost_err_null(EINVAL);
	len = strnlen(name, FROST_NAME_MAX + 1);
	if (unlikely(len == 0 || len > FROST_NAME_MAX || !__frost_sandbox_online(sb)))
		return frost_err_null(EINVAL);
	b = __frost_should_fail() ? NULL
		: malloc(offsetof(struct frost_binding_impl, name) + len + 1);
	if (!b)
		return frost_err_null(ENOMEM);
	b->pub.unbound = NULL;
	b->pub.slot = (struct frost_object *const *)&b->pub.unbound;
	b->sb = sb;
	b->heap = __frost_sb_core(sb)->heap;
	b->node = NULL;
	b->hash = __frost_hash_bytes(name, len);
	b->len = len;
	memcpy(b->name, name, len);
	b->name[len] = '\0';
	hn = __frost_heap_ns(b->heap);
	pthread_mutex_lock(&hn->binding_lock);
	cds_list_add(&b->link, &hn->bindings);
	binding_resolve(b);
	pthread_mutex_unlock(&hn->binding_lock);
	return &b->pub;
}

/* Public: see include/frost/namespace.h. */
struct frost_object *frost_binding_lookup_slow(struct frost_binding *pub)
{
	struct frost_binding_impl *b;
	struct frost_heap_ns *hn;
	struct frost_object *v;

	if (unlikely(!pub))
		return frost_err_null(EINVAL);
	b = binding_of(pub);
	__frost_sandbox_guard_null(b->sb);
	if (unlikely(!__frost_sandbox_online(b->sb)))
		return frost_err_null(EINVAL);
	hn = __frost_heap_ns(b->heap);
	pthread_mutex_lock(&hn->binding_lock);
	binding_resolve(b);
	pthread_mutex_unlock(&hn->binding_lock);
	/* Acquire: as in frost_binding_lookup(). */
	v = __atomic_load_n(b->pub.slot, __ATOMIC_ACQUIRE);
	return v ? v : frost_err_null(ENOENT);
}

/* Public: see include/frost/namespace.h. */
void frost_binding_free(struct frost_binding *pub)
{
	struct frost_binding_impl *b;
	struct frost_heap_ns *hn;

	if (!pub)
		return;
	b = binding_of(pub);
	/* Another thread's binding: misuse no return value can report. */
	if (__frost_check_sandbox(b->sb) == -EPERM)
		__frost_panic("frost_binding_free() from a thread that is not its sandbox's");
	hn = __frost_heap_ns(b->heap);
	pthread_mutex_lock(&hn->binding_lock);
	cds_list_del(&b->link);
	binding_unresolve(b);
	pthread_mutex_unlock(&hn->binding_lock);
	free(b);
}

void __frost_bindings_destroy(struct frost_heap *heap)
{
	struct frost_heap_ns *hn = __frost_heap_ns(heap);
	struct cds_list_head *n, *next;

	pthread_mutex_lock(&hn->binding_lock);
	cds_list_for_each_safe(n, next, &hn->bindings) {
		struct frost_binding_impl *b = __frost_container_of(n, struct frost_binding_impl, link);

		binding_unresolve(b);
		free(b);
	}
	CDS_INIT_LIST_HEAD(&hn->bindings);
	pthread_mutex_unlock(&hn->binding_lock);
}
