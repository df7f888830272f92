/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/core/addrtab.h - one open-addressing table keyed by address (internal).
 *
 * Theory of operation. Several walks need a map from an object's address
 * to a word: a sandbox's pins (object -> multiplicity, lib/sandbox/pin.c)
 * and frost_freeze()'s memo (private object -> its copy,
 * lib/freeze/freeze.c). struct __frost_addrtab is that map, once:
 *
 *  - linear probing in a power-of-two array of {key, value} slots; a NULL
 *    key is an empty slot, so NULL is never a key;
 *  - the home slot of a key is a multiplicative hash of the address: the
 *    address without its four alignment bits times 2^64 / phi, bits 20
 *    and up. On objects laid out at a fixed stride (a slab page, an
 *    arena page), the common case, this spread keys better than taking
 *    the product's top bits or its bits 32 and up (measured: mean probe
 *    lengths 1.3 against 2.4 over strides 16..256 at 70% load);
 *  - growth (doubling, at least FROST_ADDRTAB_MIN_CAP slots) when an
 *    insertion would pass 3/4 load, so a probe always meets an empty slot;
 *  - deletion by backward shift: the entries after the hole that may move
 *    back into it do, so there are no tombstones and a probe stops at the
 *    first empty slot. An entry may fill the hole only if its home is not
 *    cyclically after the hole (see __frost_addrtab_remove()).
 *
 * The slots start in a chunk the caller provides (an array in its frame,
 * or none) and move to memory from the caller's allocator (core/alloc.h)
 * when they grow: the private arena for per-sandbox tables, so they are
 * written by their owner only and go with its arena; malloc for others.
 * Growth is the only thing that can fail (-ENOMEM, or NULL from
 * __frost_addrtab_insert()), and it leaves the table exactly as it was;
 * the allocator asks __frost_should_fail() first, so fault injection
 * reaches every table's growth.
 *
 * find, insert and remove are static inline (they are the pin and freeze
 * fast paths); growth and release are out of line in lib/core/addrtab.c.
 * A table is used by one thread at a time: plain loads and stores. A
 * slot pointer returned by find or insert is valid until the next
 * insert or remove.
 */
#ifndef __FROST_CORE_ADDRTAB_H
#define __FROST_CORE_ADDRTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/alloc.h"
#include "core/err.h"

#define FROST_ADDRTAB_MIN_CAP	16u	/* first growth from no chunk */

/*
 * union __frost_addrtab_val - the word a key maps to.
 * @u: as a number (a pin's multiplicity).
 * @p: as a pointer (a freeze copy).
 */
union __frost_addrtab_val {
	uint64_t u;
	void *p;
};

/*
 * struct __frost_addrtab_slot - one entry.
 * @key: the address (NULL: an empty slot).
 * @val: its value; zero in a new entry.
 */
struct __frost_addrtab_slot {
	void *key;
	union __frost_addrtab_val val;
};

/**
 * struct __frost_addrtab - an address-keyed hash table.
 * @slots: @cap slots: @chunk, or an array from @ops once grown.
 * @cap: a power of two, or 0 (no chunk and nothing inserted yet).
 * @used: slots holding a key.
 * @chunk: the caller's first array (NULL if none); never freed here.
 * @chunk_cap: slots in @chunk (a power of two, or 0).
 * @ops, @ctx: the allocator of grown arrays and its context word.
 */
struct __frost_addrtab {
	struct __frost_addrtab_slot *slots;
	size_t cap;
	size_t used;
	struct __frost_addrtab_slot *chunk;
	size_t chunk_cap;
	const struct __frost_alloc_ops *ops;
	void *ctx;
};

/*
 * __frost_addrtab_init() - an empty table in @chunk (@chunk_cap slots, a
 * power of two; NULL and 0 for none), growing with @ops (called with
 * @ctx). Clears @chunk. Cannot fail.
 */
void __frost_addrtab_init(struct __frost_addrtab *t, struct __frost_addrtab_slot *chunk,
			  size_t chunk_cap, const struct __frost_alloc_ops *ops, void *ctx);

/* Grow @t (out of line): 0, or -ENOMEM with @t unchanged. */
int __frost_addrtab_grow(struct __frost_addrtab *t);

/*
 * __frost_addrtab_release() - free what @t allocated. @t is then empty and
 * holds no memory, not even its chunk (which is the caller's again); it may
 * be reused and grows from nothing with the same allocator.
 */
void __frost_addrtab_release(struct __frost_addrtab *t);

/* __frost_addrtab_clear() - remove every entry, keeping the memory. */
void __frost_addrtab_clear(struct __frost_addrtab *t);

/* The home slot of @key in a table of @mask + 1 slots (at most 2^32). */
static inline size_t __frost_addrtab_home(const void *key, size_t mask)
{
	uint64_t x = (uint64_t)(uintptr_t)key >> 4;

	return (size_t)((x * UINT64_C(0x9e3779b97f4a7c15)) >> 20) & mask;
}

/* The slot holding @key, or the empty slot where it would go; @t->cap != 0. */
static inline struct __frost_addrtab_slot *
__frost_addrtab_probe(const struct __frost_addrtab *t, const void *key)
{
	size_t mask = t->cap - 1;
	size_t i = __frost_addrtab_home(key, mask);

	while (t->slots[i].key && t->slots[i].key != key)
		i = (i + 1) & mask;
	return &t->slots[i];
}

/* Entries in @t. */
static inline size_t __frost_addrtab_len(const struct __frost_addrtab *t)
{
	return t->used;
}

/*
 * __frost_addrtab_find() - the entry of @key (not NULL) in @t.
 * Return: its slot, or NULL if @key is not in @t.
 */
static inline struct __frost_addrtab_slot *
__frost_addrtab_find(const struct __frost_addrtab *t, const void *key)
{
	struct __frost_addrtab_slot *s;

	if (unlikely(!t->cap))
		return NULL;
	s = __frost_addrtab_probe(t, key);
	return s->key ? s : NULL;
}

/*
 * __frost_addrtab_insert() - the entry of @key (not NULL), added with value
 * zero if @key was not in @t; *@added (if @added is not NULL) says which.
 * Return: the slot, or NULL if a new entry needed a growth that failed
 * (ENOMEM; @t unchanged, *@added undefined).
 */
static inline struct __frost_addrtab_slot *
__frost_addrtab_insert(struct __frost_addrtab *t, void *key, bool *added)
{
	struct __frost_addrtab_slot *s;

	frost_assert(key);
	if (likely(t->cap)) {
		s = __frost_addrtab_probe(t, key);
		if (s->key) {
			if (added)
				*added = false;
			return s;
		}
		/* A new key: keep the load at most 3/4 after inserting it. */
		if (likely((t->used + 1) * 4 <= t->cap * 3))
			goto fill;
	}
	if (unlikely(__frost_addrtab_grow(t)))
		return NULL;
	s = __frost_addrtab_probe(t, key);
fill:
	s->key = key;
	s->val.u = 0;
	t->used++;
	if (added)
		*added = true;
	return s;
}

/*
 * __frost_addrtab_remove() - remove the entry in slot @s (from find or
 * insert) and close the gap by shifting its cluster back.
 */
static inline void __frost_addrtab_remove(struct __frost_addrtab *t,
					  struct __frost_addrtab_slot *s)
{
	size_t mask = t->cap - 1;
	size_t i = (size_t)(s - t->slots), j = i;

	frost_assert(s->key && i < t->cap);
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!t->slots[j].key)
			break;
		home = __frost_addrtab_home(t->slots[j].key, mask);
		/*
		 * The entry at @j may move to the hole at @i unless its home
		 * lies cyclically in (i, j]: then the hole is before its home
		 * and moving it would make it unreachable.
		 */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		t->slots[i] = t->slots[j];
		i = j;
	}
	t->slots[i].key = NULL;
	t->slots[i].val.u = 0;
	t->used--;
}

/*
 * __frost_addrtab_for_each() - run the next statement for each slot @s of
 * @t that holds an entry, in slot order. The body must not insert or
 * remove (it may change @s->val).
 */
#define __frost_addrtab_for_each(s, t)						\
	for ((s) = (t)->slots; (s) && (s) < (t)->slots + (t)->cap; (s)++)	\
		if (!(s)->key) {} else

#endif /* __FROST_CORE_ADDRTAB_H */
