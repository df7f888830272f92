// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/ns/index.c - the namespace index (writers, resize, walk).
 *
 * Theory of operation. The index maps a 64-bit hash plus a caller-checked
 * key to the caller's node. A table is a power-of-two array of slots
 * { hash, node }, linearly probed from hash & mask. The readers' side,
 * __frost_index_lookup(), is inline in index.h; this file holds the
 * writers, which serialise on @idx->lock, and the root walk.
 *
 * Slot states. A slot's @node goes NULL -> node -> TOMB -> node' -> TOMB
 * ..., never back to NULL while its array is published (an empty slot is
 * final only in the other direction: once used, a slot is used until the
 * array is retired). The writer keeps @fill (nodes plus tombstones) at most
 * half the slots before each store into an empty slot, growing or
 * rebuilding first when it would not be; so every published array keeps at
 * least half of its slots NULL for its whole life, and every probe
 * sequence, which visits consecutive slots, reaches a NULL slot: readers
 * terminate without a bound check. (A debug build checks @fill on every
 * store.)
 *
 * Tombstones, not backward-shift deletion. Backward shift moves the entries
 * after a removed one back towards their home slots: a reader that has
 * already passed slot i and is at i+1 when the entry for its key moves from
 * i+1 to i misses a key that was present throughout. Avoiding that needs a
 * sequence count the reader re-checks (a retry loop and two more loads on
 * every lookup) or a copy of the array per removal. With tombstones nothing
 * ever moves inside a published array, so a reader's view of the slots it
 * has not reached yet is never worse than the array it loaded. Tombstones
 * lengthen probes; they count in @fill and disappear at the next rebuild,
 * which happens at the latest when @fill reaches half the slots. An insert
 * reuses the first tombstone of its probe sequence (after checking the
 * whole sequence for the key, under the lock).
 *
 * Orderings, each with its partner:
 *  - index_place() stores @hash (relaxed), then @node (store-release).
 *    Pairs with the load-acquire of @node in __frost_index_lookup() and
 *    __frost_index_for_each(): a reader that sees the node sees its key
 *    (written by the caller before the insert) and this @hash or a later
 *    one.
 *  - Removal stores TOMB into @node (store-release, ordering nothing the
 *    reader needs but keeping one store kind per word). A reader that loads
 *    TOMB skips the slot; one that still loads the node may return it: the
 *    lookup then linearises before the removal, and the node stays valid
 *    until the reader's next quiescent state because the caller retires
 *    nodes only after a grace period.
 *  - index_publish() stores the new array into @idx->table with
 *    store-release after filling it with plain stores. Pairs with the
 *    load-acquire of @idx->table in __frost_index_lookup() and
 *    __frost_index_for_each(): a reader of the new array sees every slot
 *    copied into it.
 *  - The old array is retired with one urcu_qsbr_call_rcu(): freed after a
 *    grace period, so after every reader that might have loaded it passed
 *    a quiescent state. A rebuild is one call per O(n) inserts or
 *    removals, so call_rcu's ~75 ns are paid rarely and never per node.
 *
 * Why a reader never misses a key K present for the whole duration of its
 * lookup, which loaded array A (acquire). (a) If K's slot was written into
 * A, that store-release happened before the lookup began, so the reader's
 * acquire loads of A's slots read it or a later value of the slot; the only
 * later values are TOMB (K removed during the lookup: not present
 * throughout) and nodes stored after that. Every slot between K's home and
 * K's slot was non-NULL when K was placed (linear probing places at the
 * first NULL or tombstone) and slots never return to NULL, so the reader
 * does not stop before K's slot, where the hash test and match succeed.
 * (b) If K was copied into A by the rebuild that made A, the store-release
 * publishing A and the reader's load-acquire of @idx->table make the copy
 * visible; later stores into A are as in (a). (c) If K is only in a newer
 * array B, it was inserted after B replaced A, i.e. after the lookup
 * loaded A: not present throughout. Writers store only into the current
 * array, under the lock, so a replaced array keeps every key it held when
 * it was replaced. A stays allocated until a grace period after it was
 * replaced, and a lookup contains no quiescent state.
 *
 * Resize policy. n entries are rebuilt into the smallest power of two of
 * at least max(@min_slots, 3n) slots, so a fresh array is between 1/6 and
 * 1/3 full: growth is triggered at 1/2 (live entries and tombstones
 * alike), shrinking when a removal leaves fewer than 1/16 of the slots
 * live. Expected probes for a successful lookup (linear probing, load a):
 * (1 + 1/(1-a))/2, i.e. 1.1 to 1.5 slots, in 16-byte slots (four per cache
 * line).
 *
 * Why not ck_hs (CK 0.7.1, SPMC mode). Measured with
 * tools/bench/index-bench.c under callgrind (callgrind-index.sh): Ir per
 * successful lookup, loop (~6) and one memcmp (~18) included, at 64 / 1024
 * / 65536 names: this index 63 / 66 / 66, ck_hs 228 / 224 / 225,
 * rculfhash as the namespace uses it 163 / 171 / 175 (261 / 220 when its
 * resize worker lags). ck_hs_get() is a call into libck.so that reads and
 * re-checks an SPMC generation counter around a bounded probe, and with
 * Debian's CK (pointer packing disabled) it calls the compare callback,
 * indirectly, on every occupied slot it probes. Its atomics are inline asm
 * and libck.so is not instrumented, so under TSan every node it hands out
 * looks unsynchronised (index-bench race ckhs reports a race in the
 * compare callback); annotating that away would also hide our own missing
 * barriers. This index inlines the caller's match into a loop of two loads
 * and two compares per slot, and every ordering in it is a C11 atomic TSan
 * checks (a planted relaxed store of @node is reported). Details:
 * Documentation/design/index.rst.
 *
 * Lock order: @idx->lock is a leaf; nothing is called under it except
 * malloc/free and call_rcu() (which only queues).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/fault.h"
#include "core/err.h"
#include "ns/index.h"

/* Keep at most 1/2 of the slots used (entries + tombstones). */
static bool index_full(size_t fill, size_t mask)
{
	return fill + 1 > (mask + 1) / 2;
}

/*
 * The number of slots for @n entries: the smallest power of two at least
 * max(@min, 3 * @n). 0 if that would overflow.
 */
static size_t index_slots_for(size_t n, size_t min)
{
	size_t slots = min;

	if (n > SIZE_MAX / 8 / sizeof(struct frost_index_slot))
		return 0;
	while (slots < 3 * n)
		slots <<= 1;
	return slots;
}

static struct frost_index_table *index_table_new(size_t slots)
{
	struct frost_index_table *t;
	size_t size = offsetof(struct frost_index_table, slots) +
		      slots * sizeof(struct frost_index_slot);

	if (__frost_should_fail())
		return NULL;
	/* Cache-line aligned, so four slots share a line and none straddles. */
	if (posix_memalign((void **)&t, 64, size))
		return NULL;
	memset(t, 0, size);
	t->mask = slots - 1;
	return t;
}

static void index_table_free_rcu(struct rcu_head *head)
{
	free(__frost_container_of(head, struct frost_index_table, rcu));
}

/* Store @node under @hash into slot @s of the current (published) array. */
static void index_place(struct frost_index_slot *s, uint64_t hash, void *node)
{
	__atomic_store_n(&s->hash, hash, __ATOMIC_RELAXED);
	/*
	 * Pairs with the load-acquire of @node in __frost_index_lookup() and
	 * __frost_index_for_each(): the node's key and @hash come first.
	 */
	__atomic_store_n(&s->node, node, __ATOMIC_RELEASE);
}

/*
 * Publish @nt (filled with plain stores, not yet visible) as @idx's array,
 * and retire the old one after a grace period. Caller holds @idx->lock.
 */
static void index_publish(struct frost_index *idx, struct frost_index_table *nt)
{
	struct frost_index_table *old = idx->table;

	/*
	 * Pairs with the load-acquire of @idx->table in
	 * __frost_index_lookup() and __frost_index_for_each(): the copied
	 * slots are visible to whoever loads @nt.
	 */
	__atomic_store_n(&idx->table, nt, __ATOMIC_RELEASE);
	/* A reader may still walk @old until its next quiescent state. */
	urcu_qsbr_call_rcu(&old->rcu, index_table_free_rcu);
}

/*
 * Rebuild @idx's entries into a new array of @slots slots, dropping the
 * tombstones, and publish it. Caller holds @idx->lock. Return: 0 or
 * -ENOMEM (nothing changed).
 */
static int index_rebuild(struct frost_index *idx, size_t slots)
{
	struct frost_index_table *t = idx->table, *nt;
	size_t i, live = 0;

	nt = index_table_new(slots);
	if (!nt)
		return -ENOMEM;
	for (i = 0; i <= t->mask; i++) {
		/* Under the lock: no writer can change @t. */
		void *n = t->slots[i].node;
		uint64_t h = t->slots[i].hash;
		size_t j;

		if (!n || n == FROST_INDEX_TOMB)
			continue;
		for (j = (size_t)h & nt->mask; nt->slots[j].node; j = (j + 1) & nt->mask)
			;
		/* Not yet published: plain stores (ordered by index_publish()). */
		nt->slots[j].hash = h;
		nt->slots[j].node = n;
		live++;
	}
	frost_assert(live == idx->live);
	index_publish(idx, nt);
	idx->fill = live;
	return 0;
}

/* Internal: see index.h. */
int __frost_index_init(struct frost_index *idx, size_t min_names)
{
	size_t slots = index_slots_for(min_names, FROST_INDEX_MIN_SLOTS);

	memset(idx, 0, sizeof(*idx));
	if (!slots)
		return -EINVAL;
	idx->table = index_table_new(slots);
	if (!idx->table)
		return -ENOMEM;
	idx->min_slots = slots;
	pthread_mutex_init(&idx->lock, NULL);
	return 0;
}

/* Internal: see index.h. */
void __frost_index_destroy(struct frost_index *idx)
{
	if (!idx->table)
		return;
	free(idx->table);
	idx->table = NULL;
	pthread_mutex_destroy(&idx->lock);
}

/* Internal: see index.h. */
int __frost_index_insert(struct frost_index *idx, uint64_t hash, void *node,
			 frost_index_match_fn *match, const void *key, void **existing)
{
	struct frost_index_table *t;
	struct frost_index_slot *free_slot;
	size_t i;
	int ret = 0;

	if (unlikely(!node || node == FROST_INDEX_TOMB || ((uintptr_t)node & 1)))
		return -EINVAL;
	pthread_mutex_lock(&idx->lock);
retry:
	t = idx->table;
	free_slot = NULL;
	for (i = (size_t)hash & t->mask;; i = (i + 1) & t->mask) {
		struct frost_index_slot *s = &t->slots[i];
		void *n = s->node;	/* under the lock: our own stores */

		if (!n)
			break;
		if (n == FROST_INDEX_TOMB) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (s->hash == hash && match(n, key)) {
			if (existing)
				*existing = n;
			ret = -EEXIST;
			goto out;
		}
	}
	if (!free_slot) {
		/* A NULL slot becomes used: keep half the array NULL. */
		if (index_full(idx->fill, t->mask)) {
			size_t slots = index_slots_for(idx->live + 1, idx->min_slots);

			ret = slots ? index_rebuild(idx, slots) : -ENOMEM;
			if (ret)
				goto out;
			goto retry;
		}
		free_slot = &t->slots[i];
		idx->fill++;
	}
	frost_assert(!index_full(idx->fill - 1, t->mask));
	index_place(free_slot, hash, node);
	/* Relaxed: a statistic for __frost_index_count(); writers hold the lock. */
	__atomic_store_n(&idx->live, idx->live + 1, __ATOMIC_RELAXED);
out:
	pthread_mutex_unlock(&idx->lock);
	return ret;
}

/*
 * Find and remove the slot whose node is @node (if @match is NULL) or
 * matches @key. Return the removed node or NULL.
 */
static void *index_remove(struct frost_index *idx, uint64_t hash, frost_index_match_fn *match,
			  const void *key, const void *node)
{
	struct frost_index_table *t;
	void *found = NULL;
	size_t i;

	pthread_mutex_lock(&idx->lock);
	t = idx->table;
	for (i = (size_t)hash & t->mask;; i = (i + 1) & t->mask) {
		struct frost_index_slot *s = &t->slots[i];
		void *n = s->node;	/* under the lock: our own stores */

		if (!n)
			break;
		if (n == FROST_INDEX_TOMB || s->hash != hash)
			continue;
		if (match ? match(n, key) : n == node) {
			/*
			 * Store-release for one store kind per word; a reader
			 * that loads TOMB needs nothing from us (see the
			 * theory comment).
			 */
			__atomic_store_n(&s->node, FROST_INDEX_TOMB, __ATOMIC_RELEASE);
			found = n;
			break;
		}
	}
	if (found) {
		/* Relaxed: as in __frost_index_insert(). */
		__atomic_store_n(&idx->live, idx->live - 1, __ATOMIC_RELAXED);
		if (t->mask + 1 > idx->min_slots && idx->live < (t->mask + 1) / 16) {
			/* Shrinking is an optimisation: on -ENOMEM keep the array. */
			(void)index_rebuild(idx, index_slots_for(idx->live, idx->min_slots));
		}
	}
	pthread_mutex_unlock(&idx->lock);
	return found;
}

/* Internal: see index.h. */
void *__frost_index_remove(struct frost_index *idx, uint64_t hash, frost_index_match_fn *match,
			   const void *key)
{
	return index_remove(idx, hash, match, key, NULL);
}

/* Internal: see index.h. */
bool __frost_index_remove_node(struct frost_index *idx, uint64_t hash, const void *node)
{
	if (!node || node == FROST_INDEX_TOMB)
		return false;
	return index_remove(idx, hash, NULL, NULL, node) != NULL;
}

/* Internal: see index.h. */
/*
 * Nodes given to fn() trail the slot walk by this many, each prefetched
 * when its slot is read: the nodes are scattered allocations, and fn()
 * (the reclaimer's root walk) reads each one at once.
 */
#define FOR_EACH_PREFETCH	8

void __frost_index_for_each(const struct frost_index *idx, void (*fn)(void *node, void *arg),
			    void *arg)
{
	/* Pairs with the store-release in index_publish(). */
	const struct frost_index_table *t = __atomic_load_n(&idx->table, __ATOMIC_ACQUIRE);
	void *ring[FOR_EACH_PREFETCH];
	size_t i, seen = 0;

	for (i = 0; i <= t->mask; i++) {
		/* Pairs with the store-release of @node in index_place(). */
		void *n = __atomic_load_n(&t->slots[i].node, __ATOMIC_ACQUIRE);

		if (!n || n == FROST_INDEX_TOMB)
			continue;
		/* Fetch this node while @fn works on the ones before it. */
		__builtin_prefetch(n);
		if (seen >= FOR_EACH_PREFETCH)
			fn(ring[seen % FOR_EACH_PREFETCH], arg);
		ring[seen++ % FOR_EACH_PREFETCH] = n;
	}
	/* The last ones, in order. */
	for (i = seen > FOR_EACH_PREFETCH ? seen - FOR_EACH_PREFETCH : 0; i < seen; i++)
		fn(ring[i % FOR_EACH_PREFETCH], arg);
}

/* Internal: see index.h. */
size_t __frost_index_count(const struct frost_index *idx)
{
	/* Relaxed: a snapshot; pairs with nothing. */
	return __atomic_load_n(&idx->live, __ATOMIC_RELAXED);
}

/* Internal: see index.h. */
size_t __frost_index_slots(const struct frost_index *idx)
{
	/* Pairs with the store-release in index_publish(). */
	return __atomic_load_n(&idx->table, __ATOMIC_ACQUIRE)->mask + 1;
}
