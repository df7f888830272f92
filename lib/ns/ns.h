/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/ns/ns.h - the namespace and the intern table (internal).
 *
 * Theory of operation: see namespace.c and intern.c. Both tables are the
 * heap's, in its ns part below. The heap calls __frost_ns_init() at
 * creation and __frost_ns_destroy() when it is destroyed (no sandbox
 * attached then). The reclaimer enumerates the bindings with
 * __frost_ns_for_each() and sweeps the weak intern entries with
 * __frost_intern_sweep(), both through the heap's root hooks.
 */
#ifndef __FROST_NS_NS_H
#define __FROST_NS_NS_H

#include "core/tsan.h"
#include "gc/gc.h"
#include "ns/index.h"
#include <urcu/list.h>

struct cds_lfht;

/*
 * struct frost_heap_ns - the namespace layer's part of a heap.
 * @names: the namespace's index (lib/ns/namespace.c, lib/ns/index.c).
 * @binding_lock: protects @bindings and every node's binding count and
 *	unindexed flag (lib/ns/binding.c); a leaf lock, never held across a
 *	grace period.
 * @bindings: every live struct frost_binding of the heap.
 * @intern: the intern table (lib/ns/intern.c).
 * @ns_live: @names and @intern exist (set by __frost_ns_init()).
 */
struct frost_heap_ns {
	struct frost_heap_gc;
	struct frost_index names;
	pthread_mutex_t binding_lock;
	struct cds_list_head bindings;
	struct cds_lfht *intern;
	bool ns_live;
};

/*
 * struct ns_node - one name of the namespace (lib/ns/namespace.c).
 * @value: the bound object; NULL marks a tombstone (final).
 * @rcu: for the grace-period-deferred free.
 * @bindings: struct frost_binding objects resolved to this node (under
 *	binding_lock).
 * @unindexed: the node has left the index (under binding_lock): it is
 *	retired when @bindings drops to 0.
 * @hash, @len, @name: the key, immutable once the node is indexed.
 */
struct ns_node {
	struct frost_object *value;
	struct rcu_head rcu;
	uint32_t bindings;
	bool unindexed;
	uint64_t hash;
	size_t len;
	char name[];
};

/* A name being looked up: its bytes and length. */
struct ns_key {
	const char *name;
	size_t len;
};

/* The index's match function for namespace nodes. */
bool __frost_ns_match(const void *node, const void *key);

/* The node bound to @key (hash @hash), or NULL. Context: online. */
struct ns_node *__frost_ns_find(struct frost_heap *heap, const struct ns_key *key, uint64_t hash);

/* Free node @n after a grace period. Context: a registered reader. */
void __frost_ns_node_retire(struct ns_node *n);

/*
 * __frost_ns_node_unindexed() - @n just left the index (its remover calls
 * this): retire it now, or when its last binding goes (lib/ns/binding.c).
 */
void __frost_ns_node_unindexed(struct frost_heap *heap, struct ns_node *n);

/* Free every binding left of @heap (teardown, no sandbox attached). */
void __frost_bindings_destroy(struct frost_heap *heap);

#define __frost_heap_ns(h)	((struct frost_heap_ns *)(h))

struct cds_lfht_node;

/*
 * __frost_ns_init() - create @heap's namespace and intern tables.
 * Return: 0 or -ENOMEM (nothing left allocated).
 * __frost_ns_destroy() - free both tables and every node in them. Called
 * with no sandbox attached, from a thread that need not be a registered
 * RCU thread (it is registered for the duration if it is not).
 */
int __frost_ns_init(struct frost_heap *heap);
void __frost_ns_destroy(struct frost_heap *heap);

/*
 * __frost_intern_retire() - free intern node @ln, already removed with
 * cds_lfht_del(), after a grace period (call_rcu). For namespace.c's
 * teardown; the caller is a registered RCU thread.
 */
void __frost_intern_retire(struct cds_lfht_node *ln);

/*
 * __frost_intern_share() - the interned str equal to str @str (private or
 * shared, of @sb's heap, not empty): the table's entry, claimed as
 * frost_str_intern() claims it, or, if @add, a new entry made without a
 * quiescent state. Return: the shared str (valid until @sb's next
 * quiescent state, rule 1), or NULL with errno ENOENT (none and !@add),
 * ENOMEM or EINVAL (no table). Context: @sb's thread, online.
 */
struct frost_object *__frost_intern_share(struct frost_sandbox *sb, const struct frost_object *str,
					  bool add);

/*
 * __frost_intern_sweep() - condemn and unlink the weak entries whose str is
 * unmarked in the open cycle (lib/ns/intern.c has the race argument).
 * Context: the reclaimer, as an online QSBR reader.
 */
void __frost_intern_sweep(struct frost_heap *heap,
			  bool (*is_marked)(struct frost_object *o, void *arg), void *arg);

/* Call @fn on every object bound in @heap's namespace (caller online). */
void __frost_ns_for_each(struct frost_heap *heap, frost_root_fn fn, void *arg);

#endif /* __FROST_NS_NS_H */
