// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/ns/namespace.c - the heap's namespace: names bound to shared objects.
 *
 * Theory of operation. The namespace is an index (lib/ns/index.c: open
 * addressing, lock-free lookups, writers serialised, no resize worker) of
 * malloc'd nodes { value, name, hash }. Nodes are ordinary heap memory,
 * written only through the atomic @value word once they are indexed, and
 * freed with call_rcu after a grace period, never at once (a sandbox may be
 * reading one until its next quiescent state). Every operation from a
 * sandbox runs while it is online: QSBR's read side is "online", and an
 * offline caller gets EINVAL.
 *
 * Names hash with SipHash-1-3 under the per-process key; the index matches
 * the full 64-bit hash first, then length and bytes.
 *
 * A node's @value is the binding. It is read with load-acquire and written
 * only with compare-and-swap (release), so a successful CAS is never lost:
 * each store starts from the value it read and fails if that changed. Only
 * binding a new name or removing one takes the index's writer lock;
 * rebinding a bound name is one CAS. Removal has two steps: the value goes
 * to NULL by CAS (the node becomes a tombstone: the name is unbound from
 * that instant), then the node leaves the index and is retired with
 * call_rcu. NULL is final: no store ever writes into a tombstone. A lookup
 * that finds a tombstone reports ENOENT; a store that finds one removes it
 * itself (only the writer whose removal succeeded retires the node) and
 * retries, so no one waits for a preempted unpublisher. A new binding is a
 * new node inserted unless the name is present; since a tombstone still
 * indexed counts as present, two live nodes for one name never coexist,
 * and the loser of a creation race retries against the winner.
 *
 * Linearization points: frost_lookup() at its load of @value (or at the
 * lookup that found no node); frost_publish()/frost_publish_replace() at
 * their successful CAS or insertion, or, for -EAGAIN, at the load that
 * showed a value other than @expected; frost_unpublish() at the CAS to
 * NULL, or, for -ENOENT, at the load that showed a tombstone or the lookup
 * that found nothing.
 *
 * Teardown (__frost_ns_destroy()) runs with no sandbox attached: every node
 * is retired with call_rcu, then, offline, urcu_qsbr_barrier() waits for a
 * grace period and runs every callback, after which the index itself and
 * the intern table (still an rculfhash: lib/ns/intern.c) are destroyed.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "core/fault.h"
#include "ns/ns.h"

#define INTERN_INIT_BUCKETS	256
#define INTERN_MIN_BUCKETS	256

bool __frost_ns_match(const void *node, const void *arg)
{
	const struct ns_node *n = node;
	const struct ns_key *k = arg;

	return n->len == k->len && memcmp(n->name, k->name, k->len) == 0;
}

static void ns_node_free_rcu(struct rcu_head *head)
{
	free(__frost_container_of(head, struct ns_node, rcu));
}

void __frost_ns_node_retire(struct ns_node *n)
{
	urcu_qsbr_call_rcu(&n->rcu, ns_node_free_rcu);
}

static struct frost_index *ns_index(struct frost_heap *heap)
{
	return &__frost_heap_ns(heap)->names;
}

/*
 * Take tombstone @n out of the index. Whoever removes it retires it, once
 * no binding refers to it any more (lib/ns/binding.c: a binding keeps its
 * node's memory, never its value). The caller is online (call_rcu needs a
 * registered reader).
 */
static void ns_reap(struct frost_heap *heap, struct ns_node *n)
{
	if (__frost_index_remove_node(ns_index(heap), n->hash, n))
		__frost_ns_node_unindexed(heap, n);
}

struct ns_node *__frost_ns_find(struct frost_heap *heap, const struct ns_key *key, uint64_t hash)
{
	return __frost_index_lookup(ns_index(heap), hash, __frost_ns_match, key);
}

#define ns_find __frost_ns_find
#define ns_match __frost_ns_match

static struct ns_node *ns_node_new(const struct ns_key *key, uint64_t hash,
				   struct frost_object *value)
{
	size_t size = offsetof(struct ns_node, name) + key->len + 1;
	struct ns_node *n = __frost_should_fail() ? NULL : malloc(size);

	if (!n)
		return NULL;
	n->hash = hash;
	n->bindings = 0;
	n->unindexed = false;
	n->len = key->len;
	memcpy(n->name, key->name, key->len);
	n->name[key->len] = '\0';
	/*
	 * Relaxed: the node is published by the index's store-release of the
	 * slot (index_place() in lib/ns/index.c), which orders this and the
	 * key before it; readers reach @value only through that slot.
	 */
	__atomic_store_n(&n->value, value, __ATOMIC_RELAXED);
	return n;
}

/* The binding of @n: NULL for a tombstone. */
static struct frost_object *ns_load(struct ns_node *n)
{
	/*
	 * Pairs with the CAS-release in ns_store() (and, for a node's first
	 * value, the index's store-release of the slot): the object's
	 * contents, written before it was bound, are visible to whoever sees
	 * the binding.
	 */
	return __atomic_load_n(&n->value, __ATOMIC_ACQUIRE);
}

/*
 * Validate the common arguments. On success *@heap and *@key are set and
 * *@hash is the name's hash.
 */
static int ns_enter(struct frost_sandbox *sb, const char *name, struct frost_heap **heap,
		    struct ns_key *key, uint64_t *hash)
{
	size_t len;

	__frost_sandbox_guard(sb);
	if (unlikely(!name))
		return -EINVAL;
	len = strnlen(name, FROST_NAME_MAX + 1);
	if (unlikely(len == 0 || len > FROST_NAME_MAX))
		return -EINVAL;
	/* Lookups need the QSBR read side: an online registered thread. */
	if (unlikely(!__frost_sandbox_online(sb)))
		return -EINVAL;
	*heap = __frost_sb_core(sb)->heap;
	key->name = name;
	key->len = len;
	*hash = __frost_hash_bytes(name, len);
	return 0;
}

enum ns_mode {
	NS_PUBLISH,	/* bind, whatever was bound */
	NS_REPLACE,	/* bind only if bound to @expected (NULL: unbound) */
};

static int ns_store(struct frost_sandbox *sb, const char *name, enum ns_mode mode,
		    struct frost_object *expected, struct frost_object *shared)
{
	struct ns_node *n, *fresh = NULL;
	struct frost_object *old;
	struct frost_heap *heap;
	struct ns_key key;
	uint64_t hash;
	int ret;

	ret = ns_enter(sb, name, &heap, &key, &hash);
	if (unlikely(ret))
		return ret;
	ret = __frost_shared_check(sb, shared);
	if (unlikely(ret))
		return ret;

	n = ns_find(heap, &key, hash);
	for (;;) {
		if (!n) {
			void *winner = NULL;

			/* Unbound. */
			if (mode == NS_REPLACE && expected) {
				ret = -EAGAIN;
				break;
			}
			if (!fresh) {
				fresh = ns_node_new(&key, hash, shared);
				if (unlikely(!fresh)) {
					ret = -ENOMEM;
					break;
				}
			}
			ret = __frost_index_insert(ns_index(heap), hash, fresh, ns_match, &key,
						   &winner);
			if (ret == 0) {
				fresh = NULL;
				__frost_gc_barrier(sb, NULL, shared);
				break;
			}
			if (ret != -EEXIST)
				break;		/* -ENOMEM: nothing changed */
			/* Lost the race: go on against the winner. */
			n = winner;
			ret = 0;
		}
		old = ns_load(n);
		if (!old) {
			/* Tombstone: the name is unbound; help remove it. */
			if (mode == NS_REPLACE && expected) {
				ret = -EAGAIN;
				break;
			}
			ns_reap(heap, n);
			n = ns_find(heap, &key, hash);
			continue;
		}
		if (mode == NS_REPLACE && old != expected) {
			ret = -EAGAIN;
			break;
		}
		/*
		 * Pairs with the load-acquire in ns_load(): @shared's contents
		 * are visible to whoever reads the new binding. A failed CAS
		 * only reloads @old, which is compared, never dereferenced.
		 */
		if (__atomic_compare_exchange_n(&n->value, &old, shared, false,
						__ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
			__frost_gc_barrier(sb, old, shared);
			ret = 0;
			break;
		}
		if (mode == NS_REPLACE) {
			/* Rebound or unbound meanwhile: not @expected any more. */
			ret = -EAGAIN;
			break;
		}
		/* frost_publish(): retry from what is there now. */
	}
	/* Never indexed: no reader can have seen it. */
	free(fresh);
	return ret;
}

/* Public: see include/frost/namespace.h. */
int frost_publish(struct frost_sandbox *sb, const char *name, struct frost_object *shared)
{
	return ns_store(sb, name, NS_PUBLISH, NULL, shared);
}

/* Public: see include/frost/namespace.h. */
int frost_publish_replace(struct frost_sandbox *sb, const char *name,
			  struct frost_object *expected, struct frost_object *shared)
{
	return ns_store(sb, name, NS_REPLACE, expected, shared);
}

/* Public: see include/frost/namespace.h. */
struct frost_object *frost_lookup(struct frost_sandbox *sb, const char *name)
{
	struct frost_object *v;
	struct frost_heap *heap;
	struct ns_node *n;
	struct ns_key key;
	uint64_t hash;
	int ret;

	ret = ns_enter(sb, name, &heap, &key, &hash);
	if (unlikely(ret))
		return frost_err_null(-ret);
	n = ns_find(heap, &key, hash);
	if (!n)
		return frost_err_null(ENOENT);
	v = ns_load(n);
	if (!v)
		return frost_err_null(ENOENT);
	return v;
}

/* Public: see include/frost/namespace.h. */
int frost_unpublish(struct frost_sandbox *sb, const char *name)
{
	struct frost_object *old;
	struct frost_heap *heap;
	struct ns_node *n;
	struct ns_key key;
	uint64_t hash;
	int ret;

	ret = ns_enter(sb, name, &heap, &key, &hash);
	if (unlikely(ret))
		return ret;
	n = ns_find(heap, &key, hash);
	if (!n)
		return -ENOENT;
	old = ns_load(n);
	while (old) {
		/*
		 * Pairs with the load-acquire in ns_load() (a NULL publishes
		 * nothing, but the CAS must be ordered after our own earlier
		 * stores to the name for a consistent per-name history).
		 */
		if (__atomic_compare_exchange_n(&n->value, &old, NULL, false,
						__ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
			__frost_gc_barrier(sb, old, NULL);
			ns_reap(heap, n);
			return 0;
		}
	}
	/* Someone else unbound it first; finish their removal. */
	ns_reap(heap, n);
	return -ENOENT;
}

struct ns_walk {
	frost_root_fn fn;
	void *arg;
};

static void ns_walk_node(void *node, void *arg)
{
	struct ns_walk *w = arg;
	struct frost_object *v = ns_load(node);

	if (v)
		w->fn(v, w->arg);
}

/* Internal: see ns.h. */
void __frost_ns_for_each(struct frost_heap *heap, frost_root_fn fn, void *arg)
{
	struct ns_walk w = { .fn = fn, .arg = arg };

	__frost_index_for_each(ns_index(heap), ns_walk_node, &w);
}

static struct cds_lfht *table_new(unsigned long init, unsigned long min)
{
	if (__frost_should_fail())
		return NULL;
	return cds_lfht_new_flavor(init, min, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING,
				   &urcu_qsbr_flavor, NULL);
}

/* Internal: see ns.h. */
int __frost_ns_init(struct frost_heap *heap)
{
	struct frost_heap_ns *hn = __frost_heap_ns(heap);

	if (__frost_index_init(&hn->names, 0))
		return -ENOMEM;
	pthread_mutex_init(&hn->binding_lock, NULL);
	CDS_INIT_LIST_HEAD(&hn->bindings);
	hn->intern = table_new(INTERN_INIT_BUCKETS, INTERN_MIN_BUCKETS);
	if (!hn->intern) {
		/* Fresh and empty: no reader ever saw it. */
		__frost_index_destroy(&hn->names);
		return -ENOMEM;
	}
	hn->ns_live = true;
	return 0;
}

/* Retire every node of the namespace (caller online, no sandbox left). */
static void ns_retire_node(void *node, void *arg)
{
	(void)arg;
	__frost_ns_node_retire(node);
}

/* Delete and retire every node of @ht (caller online). */
static void table_drain(struct cds_lfht *ht, void (*retire)(struct cds_lfht_node *ln))
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *ln;

	for (cds_lfht_first(ht, &iter); (ln = cds_lfht_iter_get_node(&iter)) != NULL;
	     cds_lfht_next(ht, &iter)) {
		if (cds_lfht_del(ht, ln) == 0)
			retire(ln);
	}
}

static void table_destroy(struct cds_lfht *ht)
{
	int ret = cds_lfht_destroy(ht, NULL);

	/* -EPERM would mean a node survived the drain: no sandbox may be attached. */
	frost_bug_on(ret != 0);
}

/* Internal: see ns.h. */
void __frost_ns_destroy(struct frost_heap *heap)
{
	struct frost_heap_ns *hn = __frost_heap_ns(heap);
	bool registered, online;

	if (!hn->ns_live)
		return;
	/*
	 * call_rcu and cds_lfht_del need a registered, online reader. The
	 * caller may be any thread: register it for the duration if needed.
	 */
	registered = URCU_TLS(urcu_qsbr_reader).registered;
	online = registered && urcu_qsbr_read_ongoing();
	/* Inside the fork gate, entered offline (lib/rcu/gate.c): no
	 * fork copies this thread's registration or the barrier half done. */
	if (online)
		urcu_qsbr_thread_offline();
	__frost_fork_gate_enter();
	if (!registered)
		urcu_qsbr_register_thread();	/* comes back online */
	else
		urcu_qsbr_thread_online();

	/* No sandbox is attached: nothing changes the namespace meanwhile.
	 * Bindings left over go first: they may hold unindexed nodes. */
	__frost_bindings_destroy(heap);
	__frost_index_for_each(&hn->names, ns_retire_node, NULL);
	table_drain(hn->intern, __frost_intern_retire);

	/*
	 * Offline from here on: urcu_qsbr_barrier() waits for a grace period
	 * and runs every callback queued so far, so every node and every
	 * retired index array is freed (and rculfhash's resize worker, a
	 * reader, is past the intern table's nodes). cds_lfht_destroy() then
	 * waits for any resize in flight; the worker's grace periods must not
	 * wait for us (the 0.13.2 destroy deadlock), hence offline.
	 */
	urcu_qsbr_thread_offline();
	urcu_qsbr_barrier();
	__frost_index_destroy(&hn->names);
	pthread_mutex_destroy(&hn->binding_lock);
	table_destroy(hn->intern);
	hn->intern = NULL;
	hn->ns_live = false;

	if (!registered)
		urcu_qsbr_unregister_thread();
	__frost_fork_gate_exit();
	if (online)
		urcu_qsbr_thread_online();
}
