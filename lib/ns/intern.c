// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/ns/intern.c - interned strings: one shared str per text and heap.
 *
 * Theory of operation. The heap's intern table is a second rculfhash (made
 * and torn down with the namespace, see namespace.c), keyed by the text: the
 * hash is the str's own hash (__frost_str_hash(), so an interned str hashes
 * exactly like a private str of the same text) and a match is the same
 * bytes. A node is a small malloc'd record { links, str }; the table links
 * are never embedded in the str, because a shared object is never written
 * after it is published (lifetime rule 6) and rculfhash writes its links.
 *
 * frost_str_intern() validates the text, looks it up, and on a miss builds
 * the shared str directly in a shared slot (no private copy first): fields,
 * NUL, the immortal count, and the type last with a release store. The
 * node is then offered with cds_lfht_add_unique(); the loser of a race gives
 * its slot, seen by nobody else, back with __frost_gc_drop_new() (at once,
 * or through a sweep if it was born marked) and returns the winner, so
 * every caller gets the same pointer. A node's @str never
 * changes while the node is in the table.
 *
 * Interned strings are weak: the reclaimer's sweep condemns the entries
 * of unmarked strs (__frost_intern_sweep()) and frees the strs; the nodes
 * are freed with call_rcu. A lookup during a cycle claims the entry it
 * returns (intern_claim()), and claim and condemnation are one CAS on the
 * same word, so a str is never both returned and freed, and never returned
 * after a second str with its text was made.
 */
#include <stdlib.h>
#include <string.h>

#include "core/fault.h"
#include "rcu/rcu.h"
#include "gc/gc.h"
#include "ns/ns.h"
#include "types/types.h"
#include "types/utf8.h"

/*
 * struct intern_node - one entry of the intern table.
 * @lnode: rculfhash links (owned by liburcu).
 * @str: the shared str; immutable while the node is in the table.
 * @state: INTERN_DEAD once the reclaimer condemned the entry; otherwise
 *	the number of the last reclaim cycle in which a lookup claimed it
 *	(see intern_claim()). Atomic.
 * @rcu: for the grace-period-deferred free.
 */
struct intern_node {
	struct cds_lfht_node lnode;
	struct frost_object *str;
	uint64_t state;
	struct rcu_head rcu;
};

#define INTERN_DEAD	UINT64_MAX

struct intern_key {
	const char *data;
	size_t len;
};

static const struct frost_str *node_str(const struct intern_node *n)
{
	return __frost_container_of(n->str, const struct frost_str, ob);
}

static int intern_match(struct cds_lfht_node *ln, const void *arg)
{
	const struct intern_node *n = __frost_container_of(ln, struct intern_node, lnode);
	const struct intern_key *k = arg;
	const struct frost_str *s;

	/* Pairs with __frost_tsan_release() in frost_str_intern() (TSan builds). */
	__frost_tsan_acquire(n);
	/* A condemned entry matches nothing: its text is free to intern again. */
	if (__atomic_load_n(&n->state, __ATOMIC_ACQUIRE) == INTERN_DEAD)
		return 0;
	s = node_str(n);
	return s->len == k->len && memcmp(s->data, k->data, k->len) == 0;
}

static void intern_node_free_rcu(struct rcu_head *head)
{
	free(__frost_container_of(head, struct intern_node, rcu));
}

/* Internal: see ns.h. */
void __frost_intern_retire(struct cds_lfht_node *ln)
{
	urcu_qsbr_call_rcu(&__frost_container_of(ln, struct intern_node, lnode)->rcu,
			   intern_node_free_rcu);
}

/*
 * intern_claim() - may @sb return the str of @n? The read barrier of this
 * weak table. Outside a cycle, yes: entries are condemned only during a
 * cycle's sweep, and a lookup that still sees the phase idle runs before
 * that cycle's first grace period ends. During a cycle the lookup shades
 * the str (so the sweep keeps it) and then claims the entry for this cycle
 * with a CAS on @state; the reclaimer condemns an entry with a CAS on the
 * same word (__frost_intern_sweep()), so exactly one of the two wins: a
 * claimed entry is never condemned in this cycle, and a condemned one is
 * never returned.
 */
static bool intern_claim(struct frost_sandbox *sb, struct intern_node *n)
{
	struct frost_heap *heap = __frost_sb_gc(sb)->heap;
	/* Acquire: pairs with the release store opening a cycle. */
	unsigned int phase = __atomic_load_n(&__frost_heap_ns(heap)->gc_phase, __ATOMIC_ACQUIRE);
	uint64_t cycle, st;

	st = __atomic_load_n(&n->state, __ATOMIC_ACQUIRE);
	if (st == INTERN_DEAD)
		return false;
	if (!(phase & FROST_GC_ACTIVE))
		return true;
	cycle = __atomic_load_n(&__frost_heap_ns(heap)->gc_cycle_no, __ATOMIC_ACQUIRE);
	/* Shade first: once the claim is visible the mark must be too. */
	__frost_gc_shade_slow(sb, n->str);
	while (st != cycle) {
		if (st == INTERN_DEAD)
			return false;
		/* Release: the shade above is visible to the reclaimer that
		 * sees the claim. Pairs with the acquire CAS in
		 * __frost_intern_sweep(). */
		if (__atomic_compare_exchange_n(&n->state, &st, cycle, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			break;
	}
	return true;
}

static struct intern_node *intern_find(struct cds_lfht *ht, const struct intern_key *key,
				       uint64_t hash)
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *ln;

	cds_lfht_lookup(ht, (unsigned long)hash, intern_match, key, &iter);
	ln = cds_lfht_iter_get_node(&iter);
	return ln ? __frost_container_of(ln, struct intern_node, lnode) : NULL;
}

/*
 * Build the shared str for @key in a fresh shared slot. Nothing else can
 * see the slot until it is published through the table.
 */
static struct frost_object *intern_build(struct frost_sandbox *sb, const struct intern_key *key,
					 size_t nchars, uint64_t hash, bool nowait)
{
	size_t size = offsetof(struct frost_str, data) + key->len + 1;
	struct frost_object *o;
	struct frost_str *s;

	o = nowait ? __frost_shared_alloc_leaf_nowait(sb, size) : __frost_shared_alloc_leaf(sb, size);
	if (unlikely(!o))
		return NULL;
	s = __frost_container_of(o, struct frost_str, ob);
	s->len = key->len;
	s->nchars = nchars;
	s->hash = hash;
	if (key->len)
		memcpy(s->data, key->data, key->len);
	s->data[key->len] = '\0';
	o->refcnt = FROST_REFCNT_IMMORTAL;
	/* A str made while a cycle is open survives that cycle. */
	__frost_gc_born_marked(o, __frost_gc_phase(__frost_sb_gc(sb)->heap));
	/*
	 * The type goes last: a slot whose type is not the freed type is a
	 * complete object. Pairs with the reclaimer's and debug checks'
	 * load-acquire of the type word (lib/mm/shared.c); readers that reach
	 * the str through the table are ordered by cds_lfht_add_unique()'s
	 * full barrier and the dependency from the node.
	 */
	__atomic_store_n(&o->type, &__frost_str_type, __ATOMIC_RELEASE);
	return o;
}

static struct frost_object *intern_get(struct frost_sandbox *sb, struct frost_heap *heap,
				       const struct intern_key *kp, size_t nchars, uint64_t hash,
				       bool add, bool nowait);

/* Public: see include/frost/types.h. */
struct frost_object *frost_str_intern(struct frost_sandbox *sb, const char *utf8, size_t len)
{
	struct frost_heap *heap;
	struct intern_key key;
	size_t nchars;
	int err;
	uint64_t hash;

	__frost_sandbox_guard_null(sb);
	/* rculfhash needs the QSBR read side: an online registered thread. */
	if (unlikely(!__frost_sandbox_online(sb)))
		return frost_err_null(EINVAL);
	heap = __frost_sb_gc(sb)->heap;
	if (unlikely(!__frost_heap_ns(heap)->intern))
		return frost_err_null(EINVAL);
	err = __frost_str_check(utf8, len, &nchars);
	if (unlikely(err))
		return frost_err_null(-err);
	if (!len)
		return __frost_str_empty();	/* static: one for every heap */

	key.data = len ? utf8 : "";
	key.len = len;
	hash = __frost_str_hash(key.data, len);
	return intern_get(sb, heap, &key, nchars, hash, true, false);
}

/*
 * intern_get() - the str of @key (@nchars code points, hash @hash) in
 * @heap's table: the entry found (claimed, see intern_claim()), or, if
 * @add, a new one; NULL (errno ENOMEM) if none can be made, NULL (errno
 * ENOENT) if none exists and !@add. @nowait: allocate without a quiescent
 * state (__frost_shared_alloc_nowait()).
 */
static struct frost_object *intern_get(struct frost_sandbox *sb, struct frost_heap *heap,
				       const struct intern_key *kp, size_t nchars, uint64_t hash,
				       bool add, bool nowait)
{
	struct intern_key key = *kp;
	struct cds_lfht_node *ln;
	struct intern_node *n;
	struct frost_object *o;

	for (;;) {
		n = intern_find(__frost_heap_ns(heap)->intern, &key, hash);
		if (n && intern_claim(sb, n))
			return n->str;
		if (!add)
			return frost_err_null(ENOENT);

		o = intern_build(sb, &key, nchars, hash, nowait);
		if (unlikely(!o))
			return NULL;
		n = __frost_should_fail() ? NULL : malloc(sizeof(*n));
		if (unlikely(!n)) {
			__frost_gc_drop_new(sb, o);
			return frost_err_null(ENOMEM);
		}
		cds_lfht_node_init(&n->lnode);
		n->str = o;
		n->state = 0;
		/* Pairs with __frost_tsan_acquire() in intern_match() (TSan builds). */
		__frost_tsan_release(n);
		__frost_tsan_release(o);
		ln = cds_lfht_add_unique(__frost_heap_ns(heap)->intern, (unsigned long)hash, intern_match, &key,
					 &n->lnode);
		if (ln == &n->lnode)
			return o;	/* born marked if a cycle is open */
		/* Lost the race: nobody saw our str; the winner's is the one,
		 * unless the reclaimer condemns it first: then start over.
		 * Born marked, ours waits for a sweep (__frost_gc_drop_new()). */
		__frost_gc_drop_new(sb, o);
		free(n);
		n = __frost_container_of(ln, struct intern_node, lnode);
		if (intern_claim(sb, n))
			return n->str;
	}
}

/*
 * Internal: see ns.h. The str @str is valid (a private or shared str of
 * @sb's heap), so its text needs no validation and its hash is cached.
 * Never a quiescent state: the caller (frost_freeze_opt()) holds shared
 * objects outside any root.
 */
struct frost_object *__frost_intern_share(struct frost_sandbox *sb, const struct frost_object *str,
					  bool add)
{
	const struct frost_str *s = __frost_container_of(str, const struct frost_str, ob);
	struct frost_heap *heap = __frost_sb_gc(sb)->heap;
	struct intern_key key = { .data = s->data, .len = s->len };

	if (unlikely(!__frost_heap_ns(heap)->intern))
		return frost_err_null(EINVAL);
	return intern_get(sb, heap, &key, s->nchars, s->hash, add, true);
}

/*
 * Internal: see ns.h. Runs in the reclaimer's sweep, online, after marking
 * terminated. An entry whose str is unmarked is condemned with a CAS from
 * its observed state to INTERN_DEAD, which fails if a lookup claimed it for
 * this cycle meanwhile (intern_claim() shaded the str before its claim, so
 * the str is marked then and stays). A condemned entry is unlinked and its
 * node retired after a grace period; the str is freed by the sweep.
 */
void __frost_intern_sweep(struct frost_heap *heap,
			  bool (*is_marked)(struct frost_object *o, void *arg), void *arg)
{
	uint64_t cycle = __atomic_load_n(&__frost_heap_ns(heap)->gc_cycle_no, __ATOMIC_ACQUIRE);
	struct cds_lfht_iter iter;
	struct cds_lfht_node *ln;

	if (!__frost_heap_ns(heap)->intern)
		return;
	for (cds_lfht_first(__frost_heap_ns(heap)->intern, &iter); (ln = cds_lfht_iter_get_node(&iter)) != NULL;
	     cds_lfht_next(__frost_heap_ns(heap)->intern, &iter)) {
		struct intern_node *n = __frost_container_of(ln, struct intern_node, lnode);
		uint64_t st;

		/* Pairs with __frost_tsan_release() in frost_str_intern() (TSan builds). */
		__frost_tsan_acquire(n);
		st = __atomic_load_n(&n->state, __ATOMIC_ACQUIRE);
		for (;;) {
			if (st == INTERN_DEAD || st == cycle || is_marked(n->str, arg))
				break;
			/* Acquire: pairs with the release CAS in intern_claim(). */
			if (__atomic_compare_exchange_n(&n->state, &st, INTERN_DEAD, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				if (cds_lfht_del(__frost_heap_ns(heap)->intern, ln) == 0)
					__frost_intern_retire(ln);
				break;
			}
		}
	}
}
