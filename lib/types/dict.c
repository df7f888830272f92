// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/types/dict.c - the dict type: a private, mutable hash map.
 *
 * Theory of operation. A dict is the mutable counterpart of a map: the
 * "mutable private instance" a runtime makes from an immutable shared one.
 * Like a list it is private forever: its type lacks FROST_TYPE_IMMUTABLE
 * (frost_freeze() refuses it, and anything that contains it, with EPERM)
 * and has no hash callback (it is no key, and a tuple or map holding it is
 * unhashable). Its equality is identity, as a list's: a dict can contain
 * itself, and a structural comparison of two such cycles would not end.
 *
 * Layout (CPython's compact dict, and frost's map, with deletion): the
 * header holds the counts and one table from the owner's private arena
 * (lib/mm/private.h): @cap entries (hash, key, value) in insertion order,
 * followed by an index of 2 * @cap uint32_t slots probed linearly from
 * hash & mask, each 0 (empty), DICT_DUMMY (deleted) or entry number + 1.
 * @cap is a power of two, so the index size is too. Entries [0, @used) were
 * filled in order; deleting one leaves a hole there (key and value NULL)
 * and a DUMMY in its index slot, so a deletion costs no move and keeps
 * every probe chain intact. @len counts the live entries.
 *
 * Invariants: @len <= @used <= @cap; @table is NULL exactly when @cap is 0;
 * the non-empty index slots (live entries and dummies) number at most
 * @used (every dummy was a live entry's slot, or was reused by one), so at
 * most half the index is non-empty and every probe reaches an empty slot.
 * A set that finds @used == @cap rebuilds: in place (compaction: live
 * entries moved down in order, index rebuilt without dummies) when at most
 * half the entries are live, else into a table twice the size.
 * frost_dict_item() compacts in place first when there are holes, so the
 * i-th live entry is entries[i]: iteration by index is O(1) per step and
 * stable while the dict is not modified. Compaction allocates nothing.
 *
 * The format of entries and index is the map's (lib/types/types.h), so
 * frost_dict_from_map() copies a map's two arrays as they are, with its
 * index size: one allocation and two memcpy()s, no hashing, no probing,
 * and no reference to take for a shared map (its keys and values are
 * shared and immortal).
 *
 * Every call that changes the dict checks it and its arguments first, so
 * a failure (EINVAL, EPERM, ENOMEM, including a key comparison that ran
 * out of memory) leaves it as it was and takes no reference. A value that
 * is replaced or deleted is released last, after the dict is consistent.
 * Only the owner touches a dict, so there is no locking. trace visits
 * every key and value slot of [0, @used) (holes are NULL), which serves
 * dealloc, marking of the shared objects a dict references, and freeze's
 * refusal; finalize frees the table.
 */
#include <stdint.h>
#include <string.h>

#include "types/types.h"
#include "mm/private.h"

#define DICT_DUMMY	UINT32_MAX
#define DICT_MIN_CAP	4
/* Entry numbers + 1 and DICT_DUMMY fit a uint32_t; 2 * cap must as well. */
#define DICT_MAX_CAP	((size_t)1 << 30)

/*
 * struct frost_dict - a private mutable dict.
 * @ob: the header.
 * @len: live entries.
 * @used: entries filled so far, holes included.
 * @cap: entries the table holds (0 or a power of two).
 * @table: @cap entries followed by the 2 * @cap index slots (NULL if @cap is 0).
 */
struct frost_dict {
	struct frost_object ob;
	size_t len;
	size_t used;
	size_t cap;
	struct frost_map_entry *table;
};

static inline struct frost_dict *to_dict(const struct frost_object *o)
{
	return __frost_container_of((struct frost_object *)o, struct frost_dict, ob);
}

static inline uint32_t *dict_index(const struct frost_dict *d)
{
	return (uint32_t *)(void *)&d->table[d->cap];
}

static void dict_trace(struct frost_object *o, frost_visit_fn visit, void *arg)
{
	struct frost_dict *d = to_dict(o);

	for (size_t i = 0; i < d->used; i++) {
		visit(&d->table[i].key, arg);
		visit(&d->table[i].val, arg);
	}
}

static void dict_finalize(struct frost_object *o)
{
	struct frost_dict *d = to_dict(o);

	if (d->table)
		__frost_private_free(d->table);
	d->table = NULL;
	d->cap = d->used = d->len = 0;
}

const struct frost_type __frost_dict_type = {
	.name = "dict",
	.basic_size = sizeof(struct frost_dict),
	/* not FROST_TYPE_IMMUTABLE: never shared */
	.flags = FROST_TYPE_BUILTIN | __FROST_TYPE_KIND(FROST_KIND_DICT),
	.trace = dict_trace,
	.finalize = dict_finalize,
	/* .hash NULL: unhashable; .equal NULL: identity. */
};

/* Bytes of a table of @cap entries (@cap <= DICT_MAX_CAP: no overflow). */
static inline size_t table_size(size_t cap)
{
	return cap * sizeof(struct frost_map_entry) + 2 * cap * sizeof(uint32_t);
}

/*
 * Find @key (hash @h) in @d. Return: its entry number, -ENOENT (then
 * *@ins is the index slot a new entry for it should take, if @d has a
 * table), or -ENOMEM (a key comparison ran out of memory).
 */
static long dict_find(const struct frost_dict *d, const struct frost_object *key, uint64_t h,
		      size_t *ins)
{
	const uint32_t *idx;
	size_t mask, i, free_slot = SIZE_MAX;
	uint32_t slot;

	if (!d->cap)
		return -ENOENT;
	idx = dict_index(d);
	mask = 2 * d->cap - 1;
	for (i = (size_t)h & mask; (slot = idx[i]) != 0; i = (i + 1) & mask) {
		const struct frost_map_entry *e;
		int eq;

		if (slot == DICT_DUMMY) {
			if (free_slot == SIZE_MAX)
				free_slot = i;
			continue;
		}
		e = &d->table[slot - 1];
		if (e->hash != h)
			continue;
		eq = __frost_equal(e->key, key);
		if (eq > 0)
			return (long)(slot - 1);
		if (unlikely(eq < 0))
			return eq;
	}
	if (ins)
		*ins = free_slot != SIZE_MAX ? free_slot : i;
	return -ENOENT;
}

/*
 * Copy the live entries of @d, in order, into @table of @cap entries and
 * build its index (no dummies). @table may be @d's own (compaction): live
 * entries only move down. Sets @d's table, counts and capacity.
 */
static void dict_rebuild(struct frost_dict *d, struct frost_map_entry *table, size_t cap)
{
	size_t n = 0, mask = 2 * cap - 1;
	uint32_t *idx;

	for (size_t i = 0; i < d->used; i++) {
		if (!d->table[i].key)
			continue;
		if (&table[n] != &d->table[i])
			table[n] = d->table[i];
		n++;
	}
	d->table = table;
	d->cap = cap;
	d->used = d->len = n;
	idx = dict_index(d);
	memset(idx, 0, 2 * cap * sizeof(uint32_t));
	for (size_t e = 0; e < n; e++) {
		size_t j;

		for (j = (size_t)table[e].hash & mask; idx[j]; j = (j + 1) & mask)
			;
		idx[j] = (uint32_t)(e + 1);
	}
}

/* Make room for one more entry (@used < @cap after); 0 or -ENOMEM (unchanged). */
static int dict_make_room(struct frost_sandbox *sb, struct frost_dict *d)
{
	struct frost_map_entry *old = d->table, *table;
	size_t cap;

	if (d->cap && d->len <= d->cap / 2) {
		dict_rebuild(d, d->table, d->cap);	/* compaction frees half */
		return 0;
	}
	cap = d->cap ? 2 * d->cap : DICT_MIN_CAP;
	if (unlikely(cap > DICT_MAX_CAP))
		return -ENOMEM;
	table = __frost_private_alloc(sb, table_size(cap));
	if (unlikely(!table))
		return -ENOMEM;
	if (old)
		dict_rebuild(d, table, cap);
	else {
		d->table = table;
		d->cap = cap;
		memset(dict_index(d), 0, 2 * cap * sizeof(uint32_t));
	}
	if (old)
		__frost_private_free(old);
	return 0;
}

/* Hash of key @k, or -EINVAL if it is NULL or unhashable. */
static inline int key_hash(const struct frost_object *k, uint64_t *h)
{
	if (unlikely(!k || !__frost_hashable(k)))
		return -EINVAL;
	return __frost_hash_checked(k, h);
}

/* Checks common to the calls that change @d: 0 or the error. */
static int dict_check(struct frost_sandbox *sb, const struct frost_object *d)
{
	int err;

	if (unlikely(!d))
		return -EINVAL;
	err = __frost_check_object(sb, d);
	if (unlikely(err))
		return err;
	if (unlikely(d->type != &__frost_dict_type))
		return -EINVAL;
	/* A shared dict cannot exist (not freezable); refuse one anyway. */
	if (unlikely(frost_is_shared(d)))
		return -EPERM;
	return 0;
}

static struct frost_dict *dict_alloc(struct frost_sandbox *sb)
{
	struct frost_object *o;
	struct frost_dict *d;

	o = __frost_object_alloc(sb, &__frost_dict_type, sizeof(struct frost_dict));
	if (unlikely(!o))
		return NULL;
	d = to_dict(o);
	d->len = d->used = d->cap = 0;
	d->table = NULL;
	return d;
}

/* Public: see include/frost/types.h. */
struct frost_object *frost_dict_new(struct frost_sandbox *sb)
{
	struct frost_dict *d;

	__frost_sandbox_guard_null(sb);
	d = dict_alloc(sb);
	return d ? &d->ob : NULL;
}

/* Public: see include/frost/types.h. */
struct frost_object *frost_dict_from_map(struct frost_sandbox *sb, const struct frost_object *map)
{
	const struct frost_map *m;
	struct frost_dict *d;
	size_t cap;
	int err;

	__frost_sandbox_guard_null(sb);
	if (unlikely(!map))
		return frost_err_null(EINVAL);
	err = __frost_check_object(sb, map);
	if (unlikely(err))
		return frost_err_null(-err);
	if (unlikely(map->type != &__frost_map_type))
		return frost_err_null(EINVAL);
	m = __frost_container_of(map, const struct frost_map, ob);
	d = dict_alloc(sb);
	if (unlikely(!d))
		return NULL;
	if (!m->len)
		return &d->ob;

	/* The map's index size is a power of two >= 2 * len: cap >= len. */
	cap = m->index_size / 2;
	if (unlikely(cap > DICT_MAX_CAP))
		goto nomem;
	d->table = __frost_private_alloc(sb, table_size(cap));
	if (unlikely(!d->table))
		goto nomem;
	d->cap = cap;
	d->used = d->len = m->len;
	memcpy(d->table, m->entries, m->len * sizeof(struct frost_map_entry));
	memcpy(dict_index(d), __frost_map_index(m), m->index_size * sizeof(uint32_t));
	/* A shared map's keys and values are shared: no reference to take. */
	if (!frost_is_shared(map)) {
		for (size_t i = 0; i < m->len; i++) {
			frost_incref(d->table[i].key);
			frost_incref(d->table[i].val);
		}
	}
	return &d->ob;

nomem:
	__frost_object_free(&d->ob);
	return frost_err_null(ENOMEM);
}

/* Public: see include/frost/types.h. */
int frost_dict_set(struct frost_sandbox *sb, struct frost_object *dict, struct frost_object *key,
		   struct frost_object *val)
{
	struct frost_map_entry *e;
	struct frost_dict *d;
	struct frost_object *old;
	uint64_t h;
	size_t ins = 0;
	long found;
	int err;

	__frost_sandbox_guard(sb);
	err = dict_check(sb, dict);
	if (unlikely(err))
		return err;
	if (unlikely(!key || !val))
		return -EINVAL;
	err = __frost_check_object(sb, key);
	if (!err)
		err = __frost_check_object(sb, val);
	if (unlikely(err))
		return err;
	err = key_hash(key, &h);
	if (unlikely(err))
		return err;

	d = to_dict(dict);
	found = dict_find(d, key, h, &ins);
	if (found >= 0) {
		e = &d->table[found];
		old = e->val;
		frost_incref(val);
		e->val = val;
		frost_decref(old);	/* last: the dict is consistent */
		return 0;
	}
	if (unlikely(found != -ENOENT))
		return (int)found;
	if (d->used == d->cap) {
		err = dict_make_room(sb, d);
		if (unlikely(err))
			return err;
		/* Rebuilt without dummies: the key's slot is the first empty one. */
		found = dict_find(d, key, h, &ins);
		frost_assert(found == -ENOENT);
	}
	frost_incref(key);
	frost_incref(val);
	e = &d->table[d->used];
	e->hash = h;
	e->key = key;
	e->val = val;
	dict_index(d)[ins] = (uint32_t)(d->used + 1);
	d->used++;
	d->len++;
	return 0;
}

/* Public: see include/frost/types.h. */
struct frost_object *frost_dict_get(const struct frost_object *dict, const struct frost_object *key)
{
	uint64_t h;
	long found;

	if (unlikely(!__frost_is(dict, &__frost_dict_type)))
		return frost_err_null(EINVAL);
	if (unlikely(key_hash(key, &h)))
		return frost_err_null(EINVAL);
	found = dict_find(to_dict(dict), key, h, NULL);
	if (found < 0)
		return frost_err_null((int)-found);
	return to_dict(dict)->table[found].val;
}

/* Public: see include/frost/types.h. */
int frost_dict_del(struct frost_sandbox *sb, struct frost_object *dict,
		   const struct frost_object *key)
{
	struct frost_object *k, *v;
	struct frost_dict *d;
	uint32_t *idx;
	size_t mask, i;
	uint64_t h;
	long found;
	int err;

	__frost_sandbox_guard(sb);
	err = dict_check(sb, dict);
	if (unlikely(err))
		return err;
	if (unlikely(!key))
		return -EINVAL;
	err = __frost_check_object(sb, key);
	if (unlikely(err))
		return err;
	err = key_hash(key, &h);
	if (unlikely(err))
		return err;
	d = to_dict(dict);
	found = dict_find(d, key, h, NULL);
	if (found < 0)
		return (int)found;

	/* The entry's index slot becomes a dummy: chains through it stay. */
	idx = dict_index(d);
	mask = 2 * d->cap - 1;
	for (i = (size_t)h & mask; idx[i] != (uint32_t)found + 1; i = (i + 1) & mask)
		;
	idx[i] = DICT_DUMMY;
	k = d->table[found].key;
	v = d->table[found].val;
	d->table[found].key = NULL;
	d->table[found].val = NULL;
	d->len--;
	frost_decref(k);	/* last: the dict is consistent */
	frost_decref(v);
	return 0;
}

/* Public: see include/frost/types.h. */
size_t frost_dict_len(const struct frost_object *dict)
{
	if (unlikely(!__frost_is(dict, &__frost_dict_type))) {
		errno = EINVAL;
		return 0;
	}
	return to_dict(dict)->len;
}

/* Public: see include/frost/types.h. */
int frost_dict_item(struct frost_object *dict, size_t i, struct frost_object **key,
		    struct frost_object **val)
{
	struct frost_dict *d;

	if (unlikely(!__frost_is(dict, &__frost_dict_type)))
		return -EINVAL;
	d = to_dict(dict);
	if (unlikely(i >= d->len))
		return -ERANGE;
	if (d->used != d->len)
		dict_rebuild(d, d->table, d->cap);	/* close the holes */
	if (key)
		*key = d->table[i].key;
	if (val)
		*val = d->table[i].val;
	return 0;
}
