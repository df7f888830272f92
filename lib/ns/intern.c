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
 * its never-published slot back with __frost_shared_unalloc() and returns
 * the winner, so every caller gets the same pointer. A node's @str never
 * changes while the node is in the table.
 *
 * Interned strings are weak: the reclaimer removes the nodes of unmarked
 * strs with __frost_intern_remove_unmarked() and frees the strs after a
 * later grace period; the nodes themselves are freed with call_rcu. A str
 * found by a lookup racing with its removal stays valid for the finder
 * until its next quiescent state. For the reclaimer's side of the contract
 * (a str returned here while a cycle is open must not be swept while it is
 * still in the table or stored in a root) see __frost_intern_remove_unmarked().
 */
#include <stdlib.h>
#include <string.h>

#include "rcu/rcu.h"
#include "ns/ns.h"
#include "types/types.h"
#include "types/utf8.h"

/*
 * struct intern_node - one entry of the intern table.
 * @lnode: rculfhash links (owned by liburcu).
 * @str: the shared str; immutable while the node is in the table.
 * @rcu: for the grace-period-deferred free.
 */
struct intern_node {
	struct cds_lfht_node lnode;
	struct frost_object *str;
	struct rcu_head rcu;
};

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
	const struct intern_node *n = caa_container_of(ln, struct intern_node, lnode);
	const struct intern_key *k = arg;
	const struct frost_str *s;

	/* Pairs with ns_tsan_release() in frost_str_intern() (TSan builds). */
	ns_tsan_acquire(n);
	s = node_str(n);
	return s->len == k->len && memcmp(s->data, k->data, k->len) == 0;
}

static void intern_node_free_rcu(struct rcu_head *head)
{
	free(caa_container_of(head, struct intern_node, rcu));
}

/* Internal: see ns.h. */
void __frost_intern_retire(struct cds_lfht_node *ln)
{
	urcu_qsbr_call_rcu(&caa_container_of(ln, struct intern_node, lnode)->rcu,
			   intern_node_free_rcu);
}

static struct frost_object *intern_find(struct cds_lfht *ht, const struct intern_key *key,
					uint64_t hash)
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *ln;

	cds_lfht_lookup(ht, (unsigned long)hash, intern_match, key, &iter);
	ln = cds_lfht_iter_get_node(&iter);
	return ln ? caa_container_of(ln, struct intern_node, lnode)->str : NULL;
}

/*
 * Build the shared str for @key in a fresh shared slot. Nothing else can
 * see the slot until it is published through the table.
 */
static struct frost_object *intern_build(struct frost_sandbox *sb, const struct intern_key *key,
					 size_t nchars, uint64_t hash)
{
	struct frost_object *o;
	struct frost_str *s;

	o = __frost_shared_alloc(sb, offsetof(struct frost_str, data) + key->len + 1);
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

/* Public: see include/frost/types.h. */
struct frost_object *frost_str_intern(struct frost_sandbox *sb, const char *utf8, size_t len)
{
	struct cds_lfht_node *ln;
	struct intern_node *n;
	struct frost_object *o;
	struct frost_heap *heap;
	struct intern_key key;
	ssize_t nchars;
	uint64_t hash;

	if (unlikely(__frost_check_sandbox(sb)))
		return frost_err_null(EINVAL);
	if (unlikely(!utf8 && len))
		return frost_err_null(EINVAL);
	/* rculfhash needs the QSBR read side: an online registered thread. */
	if (unlikely(!__frost_sandbox_online(sb)))
		return frost_err_null(EINVAL);
	heap = sb->heap;
	if (unlikely(!heap->intern))
		return frost_err_null(EINVAL);
	if (unlikely(len > SIZE_MAX - offsetof(struct frost_str, data) - 1))
		return frost_err_null(ENOMEM);
	nchars = __frost_utf8_validate(utf8, len);
	if (unlikely(nchars < 0))
		return frost_err_null(EILSEQ);

	key.data = len ? utf8 : "";
	key.len = len;
	hash = __frost_str_hash(key.data, len);
	o = intern_find(heap->intern, &key, hash);
	if (o)
		return o;

	o = intern_build(sb, &key, (size_t)nchars, hash);
	if (unlikely(!o))
		return NULL;
	n = malloc(sizeof(*n));
	if (unlikely(!n)) {
		__frost_shared_unalloc(sb, o);
		return frost_err_null(ENOMEM);
	}
	cds_lfht_node_init(&n->lnode);
	n->str = o;
	/* Pairs with ns_tsan_acquire() in intern_match() (TSan builds). */
	ns_tsan_release(n);
	ns_tsan_release(o);
	ln = cds_lfht_add_unique(heap->intern, (unsigned long)hash, intern_match, &key, &n->lnode);
	if (ln == &n->lnode)
		return o;
	/* Lost the race: nobody saw our str; the winner's is the one. */
	__frost_shared_unalloc(sb, o);
	free(n);
	return caa_container_of(ln, struct intern_node, lnode)->str;
}

/*
 * Internal: see ns.h.
 *
 * What the reclaimer must guarantee. A sandbox may find a str here just
 * before the reclaimer decides it is unmarked, and then store it in a root
 * (publish, pin, send) or keep it in a private object. The root barrier of
 * a cycle shades it in the first cases, but a str the remover already took
 * out would then survive outside the table while a later intern of the
 * same text makes a second one. The reclaimer therefore shades strs that
 * frost_str_intern() returns while a cycle is open (a read barrier on this
 * weak table; frost_str_intern() offers no hook for it yet), or re-checks
 * @is_marked after the removal's grace period and treats the removed str as
 * live and no longer interned.
 */
void __frost_intern_remove_unmarked(struct frost_heap *heap,
				    bool (*is_marked)(struct frost_object *o))
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *ln;

	if (!heap->intern)
		return;
	for (cds_lfht_first(heap->intern, &iter); (ln = cds_lfht_iter_get_node(&iter)) != NULL;
	     cds_lfht_next(heap->intern, &iter)) {
		struct intern_node *n = caa_container_of(ln, struct intern_node, lnode);

		/* Pairs with ns_tsan_release() in frost_str_intern() (TSan builds). */
		ns_tsan_acquire(n);
		if (is_marked(n->str))
			continue;
		if (cds_lfht_del(heap->intern, ln) == 0)
			__frost_intern_retire(ln);
	}
}
