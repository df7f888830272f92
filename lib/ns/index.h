/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/ns/index.h - the namespace index: an open-addressing map from hashed
 * names to the caller's nodes, read without locks by QSBR readers
 * (internal).
 *
 * Theory of operation: see index.c (the argument that a reader never misses
 * a live key, the resize and retirement rules, why ours and not ck_hs).
 * In short: a table is a power-of-two array of (hash, node) slots, linearly
 * probed. A reader loads the table with load-acquire, then walks one probe
 * sequence with a load-acquire of each slot's node and a relaxed load of its
 * hash, calling the caller's match only on a full 64-bit hash hit; it stops
 * at the first empty slot. Writers serialise on the index's mutex; removal
 * leaves a tombstone; growth, shrinking and tombstone clean-up build a new
 * array, publish it with a store-release and retire the old one with one
 * call_rcu().
 *
 * The index does not own the nodes: it stores and returns them. A node that
 * __frost_index_remove*() took out may still be returned to (and used by) a
 * reader until that reader's next quiescent state: retire it after a grace
 * period, as the rest of frost does.
 *
 * __frost_index_lookup() is static inline so that the caller's match
 * function, passed as a constant, is inlined into the probe loop.
 */
#ifndef __FROST_NS_INDEX_H
#define __FROST_NS_INDEX_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rcu/rcu.h"

/* The node word of a removed entry: never a node (nodes are aligned). */
#define FROST_INDEX_TOMB	((void *)1)

/* The smallest table (slots); __frost_index_init() rounds up to it. */
#define FROST_INDEX_MIN_SLOTS	16

/*
 * struct frost_index_slot - one slot.
 * @hash: the entry's hash; meaningful only when @node is a node. Atomic
 *	(relaxed), written before @node.
 * @node: NULL (empty, and final: never empty again in this array),
 *	FROST_INDEX_TOMB (removed) or the caller's node. Atomic
 *	(store-release / load-acquire).
 */
struct frost_index_slot {
	uint64_t hash;
	void *node;
};

/*
 * struct frost_index_table - one array, immutable in size.
 * @mask: number of slots - 1 (a power of two minus one).
 * @rcu: for the grace-period-deferred free once replaced.
 * @slots: the slots; always at least half of them empty (NULL).
 */
struct frost_index_table {
	size_t mask;
	struct rcu_head rcu;
	struct frost_index_slot slots[] __attribute__((aligned(16)));
};

/*
 * struct frost_index - the index.
 * @table: the current array (load-acquire by readers; store-release by the
 *	writer that publishes a new one). On its own cache line.
 * @lock: serialises writers.
 * @live: entries (nodes) in @table; written under @lock, read relaxed.
 * @fill: entries plus tombstones in @table (under @lock).
 * @min_slots: the table never shrinks below this.
 */
struct frost_index {
	struct frost_index_table *table __attribute__((aligned(64)));
	pthread_mutex_t lock __attribute__((aligned(64)));
	size_t live;
	size_t fill;
	size_t min_slots;
};

/*
 * Does @node hold the key @key? Called with nodes whose stored hash equals
 * the lookup's hash; must only read (a reader is running concurrently with
 * writers). Nodes' keys are immutable while they are in the index.
 */
typedef bool frost_index_match_fn(const void *node, const void *key);

/*
 * __frost_index_init() - make an empty index.
 * @idx: the index to set up.
 * @min_names: how many names it should hold without growing (it never
 *	shrinks below that either); 0 for the minimum.
 * Context: any thread.
 * Return: 0, -ENOMEM (nothing allocated) or -EINVAL (@min_names too big).
 */
int __frost_index_init(struct frost_index *idx, size_t min_names);

/*
 * __frost_index_destroy() - free @idx's current table. The caller
 * guarantees that no reader can be inside the index any more (after a
 * grace period, or no reader ever). Tables retired earlier are freed by
 * their call_rcu() callbacks, which reference only themselves.
 * Context: any thread; the nodes are the caller's.
 */
void __frost_index_destroy(struct frost_index *idx);

/*
 * __frost_index_lookup() - find the node for @key.
 * @idx: the index.
 * @hash: @key's hash (the same function the nodes were inserted with).
 * @match: key comparison, called only on a full hash hit.
 * @key: passed to @match.
 * Context: an online QSBR reader (or a writer holding nothing else: no
 *	lock is taken, nothing is written). The node stays valid until the
 *	caller's next quiescent state. Never blocks.
 * Return: the node, or NULL if no entry matched. A key present for the
 *	whole duration of the call is always found.
 */
static inline __attribute__((always_inline)) void *
__frost_index_lookup(const struct frost_index *idx, uint64_t hash, frost_index_match_fn *match,
		     const void *key)
{
	/* Pairs with the store-release in index_publish() (index.c). */
	const struct frost_index_table *t = __atomic_load_n(&idx->table, __ATOMIC_ACQUIRE);
	size_t mask = t->mask;
	size_t i = (size_t)hash & mask;

	for (;;) {
		const struct frost_index_slot *s = &t->slots[i];
		/*
		 * Pairs with the store-release of @node in index_place()
		 * (index.c): the node's key and the slot's @hash, written
		 * before it, are visible.
		 */
		void *n = __atomic_load_n(&s->node, __ATOMIC_ACQUIRE);

		if (!n)
			return NULL;
		if (__atomic_load_n(&s->hash, __ATOMIC_RELAXED) == hash &&
		    n != FROST_INDEX_TOMB && match(n, key))
			return n;
		i = (i + 1) & mask;
	}
}

/*
 * __frost_index_insert() - add @node under @hash unless @key is present.
 * @idx: the index.
 * @hash: @key's hash.
 * @node: the new entry (non-NULL, at least 2-byte aligned); its key must
 *	be written before the call and stay unchanged while it is indexed.
 * @match: key comparison, as for __frost_index_lookup().
 * @key: @node's key, passed to @match.
 * @existing: if not NULL, set to the node already holding @key on -EEXIST.
 * Context: a registered QSBR thread (a resize calls call_rcu()); takes
 *	@idx->lock, never waits for a grace period.
 * Return: 0, -EEXIST (@key present: nothing changed), -ENOMEM (the table
 *	had to grow and could not: nothing changed) or -EINVAL (bad @node).
 */
int __frost_index_insert(struct frost_index *idx, uint64_t hash, void *node,
			 frost_index_match_fn *match, const void *key, void **existing);

/*
 * __frost_index_remove() - take the entry for @key out of @idx.
 * @idx, @hash, @match, @key: as for __frost_index_lookup().
 * Context: as for __frost_index_insert(). Never fails for lack of memory (a
 *	shrink that cannot allocate is skipped).
 * Return: the removed node (the caller retires it after a grace period),
 *	or NULL if @key was not present.
 */
void *__frost_index_remove(struct frost_index *idx, uint64_t hash, frost_index_match_fn *match,
			   const void *key);

/*
 * __frost_index_remove_node() - take exactly @node (indexed under @hash)
 * out of @idx: for callers that already hold the node (namespace.c's
 * tombstone reaping).
 * Context: as for __frost_index_remove().
 * Return: true if @node was indexed and is removed now, false if it was not
 *	(another writer removed it first).
 */
bool __frost_index_remove_node(struct frost_index *idx, uint64_t hash, const void *node);

/*
 * __frost_index_for_each() - call @fn on every node of @idx's current
 * table (the reclaimer's root walk), each a few slots after it was
 * prefetched. Entries present for the whole walk are visited exactly once;
 * entries inserted or removed during it may or may not be.
 * Context: an online QSBR reader; @fn must not pass a quiescent state.
 */
void __frost_index_for_each(const struct frost_index *idx, void (*fn)(void *node, void *arg),
			    void *arg);

/*
 * __frost_index_count() - the number of entries (a snapshot if writers
 * run). Context: any thread.
 */
size_t __frost_index_count(const struct frost_index *idx);

/*
 * __frost_index_slots() - the current table's size in slots (tests and
 * statistics; a snapshot). Context: an online QSBR reader or a writer.
 */
size_t __frost_index_slots(const struct frost_index *idx);

#endif /* __FROST_NS_INDEX_H */
