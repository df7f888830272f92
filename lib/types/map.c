// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/types/map.c - the map type: an immutable hash map, built once.
 *
 * Theory of operation. A map is one allocation (layout in types.h): the
 * distinct entries in first-insertion order, each with its key's cached
 * hash, followed by an open-addressing index of uint32_t slots (entry
 * number + 1, 0 for empty), a power of two at least twice the length, so
 * that linear probing from hash & mask always reaches an empty slot.
 *
 * frost_map_new() works in three steps, so that every failure happens
 * before anything is allocated in the arena or any reference is taken:
 *   1. check the sandbox, the size and the ownership of every key and value;
 *   2. hash every key (an unhashable one is EINVAL) and deduplicate into a
 *      scratch index on the C heap: for each distinct key, the position of
 *      its first occurrence and of its last value ("last pair wins");
 *   3. allocate the map sized for the distinct keys, fill in entries and
 *      index, take the references and compute the map's hash.
 * The scratch memory is freed on every path. No pairs give the static
 * empty map, one immortal object shared by every sandbox and heap.
 *
 * The hash is computed once, at construction: the sum (order-independent)
 * of keyed SipHash over each (key hash, value hash) pair, mixed with the
 * length. If a value is unhashable, so is the map (@hashable false, @hash
 * 0); __frost_hashable() in types.h reports it. Keys are always hashable.
 * Nothing is written after construction, so a frozen copy is a byte copy
 * with its keys and values replaced; the index holds entry numbers, not
 * addresses, so it survives the copy.
 *
 * Equality: same length and every key of one maps to an equal value in the
 * other, with the cached hashes as a quick reject. Keys and values may be
 * containers nested to any depth, so every key comparison goes through
 * __frost_equal(), which walks them on a heap stack (lib/types/equal.c) and
 * can fail with ENOMEM: frost_map_new() (before it allocates anything) and
 * frost_map_get() then fail with ENOMEM rather than give a wrong answer.
 * map_equal() hands over to lib/types/equal.c, which knows this layout.
 *
 * Lookups without a key object: frost_map_get_str(), _bytes() and _int()
 * hash the raw value exactly as the key object's constructor would
 * (__frost_str_hash(), __frost_hash_bytes(), __frost_hash_u64()), probe the
 * same index and, on a hash match, compare the entry's key by type
 * (identity of the built-in type object) and contents. That is
 * frost_equal()'s rule for those types, so they answer as frost_map_get()
 * with the equivalent key object would, without allocating and without the
 * generic equality dispatch. Invalid UTF-8 given to frost_map_get_str()
 * cannot equal any str key (every str is valid), so it is simply not
 * found: ENOENT, with no validation pass.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/fault.h"
#include "types/types.h"

#define MAP_HASH_SEED UINT64_C(0x6d61702d5a17c0de)

/*
 * Slots hold entry number + 1 in a uint32_t; the index size (a power of
 * two, at least 2 * len) must fit the header's 31-bit field: 2^30 at most.
 */
#define MAP_MAX_LEN ((size_t)1 << 29)
_Static_assert(offsetof(struct frost_map, entries) == 32, "the map header is 32 bytes");

static inline struct frost_map *to_map(const struct frost_object *o)
{
	return __frost_container_of((struct frost_object *)o, struct frost_map, ob);
}

/* Smallest power of two >= 2 * @len, at least 2. @len <= MAP_MAX_LEN. */
static size_t index_size_for(size_t len)
{
	size_t s = 2;

	while (s < 2 * len)
		s <<= 1;
	return s;
}

/* Hash of a key or value, -EINVAL if it is unhashable. */
static int item_hash(const struct frost_object *o, uint64_t *h)
{
	if (unlikely(!__frost_hashable(o)))
		return -EINVAL;
	return __frost_hash_checked(o, h);
}

/*
 * Find @key (hash @h) in @m: 0 with *@out set, -ENOENT, or -ENOMEM if a
 * key comparison ran out of memory (deep keys: lib/types/equal.c).
 */
static int map_find(const struct frost_map *m, const struct frost_object *key, uint64_t h,
		    const struct frost_map_entry **out)
{
	const uint32_t *idx = __frost_map_index(m);
	size_t mask = m->index_size - 1;
	size_t i = (size_t)h & mask;
	uint32_t slot;

	while ((slot = idx[i]) != 0) {
		const struct frost_map_entry *e = &m->entries[slot - 1];

		if (e->hash == h) {
			int eq = __frost_equal(e->key, key);

			if (eq > 0) {
				*out = e;
				return 0;
			}
			if (unlikely(eq < 0))
				return eq;
		}
		i = (i + 1) & mask;
	}
	return -ENOENT;
}

static void map_trace(struct frost_object *o, frost_visit_fn visit, void *arg)
{
	struct frost_map *m = to_map(o);

	for (size_t i = 0; i < m->len; i++) {
		visit(&m->entries[i].key, arg);
		visit(&m->entries[i].val, arg);
	}
}

static uint64_t map_hash(const struct frost_object *o)
{
	return to_map(o)->hash;
}

/* frost_equal() compares maps itself (lib/types/equal.c); for direct callers. */
static bool map_equal(const struct frost_object *a, const struct frost_object *b)
{
	return frost_equal(a, b);
}

const struct frost_type __frost_map_type = {
	.name = "map",
	.basic_size = offsetof(struct frost_map, entries),
	.flags = FROST_TYPE_IMMUTABLE | FROST_TYPE_BUILTIN |
		 __FROST_TYPE_KIND(FROST_KIND_MAP),
	.trace = map_trace,
	.hash = map_hash,
	.equal = map_equal,
};

/* The construction state (struct __frost_map_plan, types.h). */
#define map_scratch __frost_map_plan

static int scratch_alloc(struct map_scratch *s, size_t n)
{
	size_t isz = index_size_for(n);

	/* n <= MAP_MAX_LEN: 8n + 4n + 4n + 4 * isz cannot overflow 64 bits. */
	s->mem = __frost_should_fail() ? NULL
		: malloc(n * sizeof(uint64_t) + 2 * n * sizeof(uint32_t) + isz * sizeof(uint32_t));
	if (!s->mem)
		return -ENOMEM;
	s->hash = s->mem;
	s->first = (uint32_t *)(s->hash + n);
	s->last = s->first + n;
	s->index = s->last + n;
	s->index_size = isz;
	memset(s->index, 0, isz * sizeof(uint32_t));
	return 0;
}

/*
 * Deduplicate @n hashed keys into @s. Return: the number of distinct keys,
 * or -ENOMEM if a key comparison ran out of memory.
 */
static long scratch_dedup(struct map_scratch *s, size_t n,
			  struct frost_object *const keys[])
{
	size_t mask = s->index_size - 1;
	size_t d = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t h = s->hash[i];
		size_t j = (size_t)h & mask;
		uint32_t slot;

		while ((slot = s->index[j]) != 0) {
			uint32_t f = s->first[slot - 1];

			if (s->hash[f] == h) {
				int eq = __frost_equal(keys[f], keys[i]);

				if (unlikely(eq < 0))
					return eq;
				if (eq) {
					s->last[slot - 1] = (uint32_t)i;
					break;
				}
			}
			j = (j + 1) & mask;
		}
		if (slot)
			continue;
		s->first[d] = (uint32_t)i;
		s->last[d] = (uint32_t)i;
		s->index[j] = (uint32_t)++d;
	}
	return (long)d;
}

/*
 * The static empty map, returned for every frost_map_new() of no pairs:
 * immortal and static (no heap, every sandbox). Its index is the smallest
 * one (two empty slots, from the union's zeroed tail), so every probe ends
 * at once; its hash, the one frost_map_new() would compute for no pairs,
 * is set once by a constructor after the key's (lib/types/hash.c).
 */
static union {
	struct frost_map m;
	unsigned char storage[offsetof(struct frost_map, entries) + 2 * sizeof(uint32_t)];
} empty_map FROST_STATIC_OBJECT = {
	.m = {
		.ob = FROST_STATIC_OBJECT_HEAD(&__frost_map_type),
		.index_size = 2,
		.hashable = true,
	},
};

__attribute__((constructor(102)))
static void empty_map_init(void)
{
	empty_map.m.hash = __frost_hash_u64(0 ^ __frost_hash_u64(MAP_HASH_SEED ^ 0));
}

/* Internal: see types.h. */
struct frost_object *__frost_map_empty(void)
{
	return &empty_map.m.ob;
}

/* Internal: see types.h. */
int __frost_map_plan(struct __frost_map_plan *s, size_t n, struct frost_object *const keys[])
{
	size_t isz;
	long nd;
	int err;

	s->mem = NULL;
	s->len = 0;
	if (unlikely(n > MAP_MAX_LEN))
		return -ENOMEM;
	if (unlikely(scratch_alloc(s, n)))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		err = item_hash(keys[i], &s->hash[i]);
		if (unlikely(err))
			goto fail;
	}
	nd = scratch_dedup(s, n, keys);
	if (unlikely(nd < 0)) {
		err = (int)nd;
		goto fail;
	}
	s->len = (size_t)nd;
	isz = index_size_for(s->len);
	if (unlikely(__builtin_mul_overflow(s->len, sizeof(struct frost_map_entry), &s->size) ||
		     __builtin_add_overflow(s->size, offsetof(struct frost_map, entries), &s->size) ||
		     __builtin_add_overflow(s->size, isz * sizeof(uint32_t), &s->size))) {
		err = -ENOMEM;
		goto fail;
	}
	return 0;
fail:
	__frost_map_plan_release(s);
	return err;
}

/* Internal: see types.h. */
void __frost_map_plan_release(struct __frost_map_plan *s)
{
	free(s->mem);
	s->mem = NULL;
}

/* Internal: see types.h. */
void __frost_map_fill(struct frost_object *o, const struct __frost_map_plan *s,
		      struct frost_object *const keys[], struct frost_object *const vals[])
{
	struct frost_map *m = to_map(o);
	size_t d = s->len, isz = index_size_for(d), mask = isz - 1;
	bool hashable = true;
	uint64_t sum = 0;
	uint32_t *idx;

	m->len = d;
	m->index_size = isz;
	idx = __frost_map_index(m);
	memset(idx, 0, isz * sizeof(uint32_t));
	for (size_t e = 0; e < d; e++) {
		struct frost_map_entry *ent = &m->entries[e];
		uint64_t pair[2];
		size_t j;

		ent->hash = s->hash[s->first[e]];
		ent->key = keys[s->first[e]];
		ent->val = vals[s->last[e]];
		frost_incref(ent->key);
		frost_incref(ent->val);

		for (j = (size_t)ent->hash & mask; idx[j]; j = (j + 1) & mask)
			;
		idx[j] = (uint32_t)(e + 1);

		if (!hashable)
			continue;
		pair[0] = ent->hash;
		if (item_hash(ent->val, &pair[1]))
			hashable = false;
		else
			sum += __frost_hash_bytes(pair, sizeof(pair));
	}
	m->hashable = hashable;
	m->hash = hashable ? __frost_hash_u64(sum ^ __frost_hash_u64(MAP_HASH_SEED ^ d)) : 0;
}

/* Public: see include/frost/types.h. */
struct frost_object *frost_map_new(struct frost_sandbox *sb, size_t n,
				   struct frost_object *const keys[],
				   struct frost_object *const vals[])
{
	struct __frost_map_plan s;
	struct frost_object *o;
	int err;

	__frost_sandbox_guard_null(sb);
	if (unlikely(n && (!keys || !vals)))
		return frost_err_null(EINVAL);
	if (!n)
		return &empty_map.m.ob;
	if (unlikely(n > MAP_MAX_LEN))
		return frost_err_null(ENOMEM);
	for (size_t i = 0; i < n; i++) {
		err = __frost_check_object(sb, keys[i]);
		if (!err)
			err = __frost_check_object(sb, vals[i]);
		if (unlikely(err))
			return frost_err_null(-err);
	}
	err = __frost_map_plan(&s, n, keys);
	if (unlikely(err))
		return frost_err_null(-err);
	o = __frost_object_alloc(sb, &__frost_map_type, s.size);
	if (unlikely(!o)) {
		err = errno;
		__frost_map_plan_release(&s);
		return frost_err_null(err ? err : ENOMEM);
	}
	__frost_map_fill(o, &s, keys, vals);
	__frost_map_plan_release(&s);
	return o;
}

/* Public: see include/frost/types.h. */
size_t frost_map_len(const struct frost_object *o)
{
	if (unlikely(!__frost_is(o, &__frost_map_type))) {
		errno = EINVAL;
		return 0;
	}
	return to_map(o)->len;
}

/* Public: see include/frost/types.h. */
struct frost_object *frost_map_get(const struct frost_object *map,
				   const struct frost_object *key)
{
	const struct frost_map_entry *e;
	uint64_t h;
	int err;

	if (unlikely(!__frost_is(map, &__frost_map_type) || !key))
		return frost_err_null(EINVAL);
	if (unlikely(item_hash(key, &h)))
		return frost_err_null(EINVAL);
	err = map_find(to_map(map), key, h, &e);
	if (err)
		return frost_err_null(-err);
	return e->val;
}

/*
 * Probe @m for a str or bytes key of type @type whose @len bytes equal @p
 * (hash @h). Both layouts start with @len after the header; the data
 * offset differs, so it is passed in.
 */
static inline const struct frost_map_entry *
map_find_buf(const struct frost_map *m, const struct frost_type *type, size_t data_off,
	     const void *p, size_t len, uint64_t h)
{
	const uint32_t *idx = __frost_map_index(m);
	size_t mask = m->index_size - 1;
	size_t i = (size_t)h & mask;
	uint32_t slot;

	while ((slot = idx[i]) != 0) {
		const struct frost_map_entry *e = &m->entries[slot - 1];

		if (e->hash == h && e->key->type == type) {
			const struct frost_str *k = (const struct frost_str *)e->key;

			if (k->len == len &&
			    (!len || memcmp((const unsigned char *)k + data_off, p, len) == 0))
				return e;
		}
		i = (i + 1) & mask;
	}
	return NULL;
}

_Static_assert(offsetof(struct frost_str, len) == offsetof(struct frost_bytes, len),
	       "map_find_buf() reads str and bytes lengths at one offset");

/* Public: see include/frost/types.h. */
struct frost_object *frost_map_get_str_hashed(const struct frost_object *map, const char *utf8,
					      size_t len, uint64_t hash)
{
	const struct frost_map_entry *e;

	if (unlikely(!__frost_is(map, &__frost_map_type) || (!utf8 && len)))
		return frost_err_null(EINVAL);
	e = map_find_buf(to_map(map), &__frost_str_type, offsetof(struct frost_str, data),
			 utf8, len, hash);
	if (unlikely(!e))
		return frost_err_null(ENOENT);
	return e->val;
}

/* Public: see include/frost/types.h. */
struct frost_object *frost_map_get_str(const struct frost_object *map, const char *utf8,
				       size_t len)
{
	if (unlikely(!__frost_is(map, &__frost_map_type) || (!utf8 && len)))
		return frost_err_null(EINVAL);
	return frost_map_get_str_hashed(map, utf8, len, __frost_str_hash(utf8, len));
}

/* Public: see include/frost/types.h. */
struct frost_object *frost_map_get_bytes(const struct frost_object *map, const void *p,
					 size_t len)
{
	const struct frost_map_entry *e;

	if (unlikely(!__frost_is(map, &__frost_map_type) || (!p && len)))
		return frost_err_null(EINVAL);
	e = map_find_buf(to_map(map), &__frost_bytes_type, offsetof(struct frost_bytes, data),
			 p, len, __frost_hash_bytes(p, len));
	if (unlikely(!e))
		return frost_err_null(ENOENT);
	return e->val;
}

/* Public: see include/frost/types.h. */
struct frost_object *frost_map_get_int(const struct frost_object *map, int64_t v)
{
	const struct frost_map *m;
	const uint32_t *idx;
	size_t mask, i;
	uint64_t h;
	uint32_t slot;

	if (unlikely(!__frost_is(map, &__frost_map_type)))
		return frost_err_null(EINVAL);
	m = to_map(map);
	idx = __frost_map_index(m);
	mask = m->index_size - 1;
	h = __frost_int_hash_value(v);
	for (i = (size_t)h & mask; (slot = idx[i]) != 0; i = (i + 1) & mask) {
		const struct frost_map_entry *e = &m->entries[slot - 1];

		if (e->hash == h && e->key->type == &__frost_int_type &&
		    ((const struct frost_int *)e->key)->value == v)
			return e->val;
	}
	return frost_err_null(ENOENT);
}

/* Public: see include/frost/types.h. */
int frost_map_item(const struct frost_object *map, size_t i,
		   struct frost_object **key, struct frost_object **val)
{
	const struct frost_map *m;

	if (unlikely(!__frost_is(map, &__frost_map_type)))
		return -EINVAL;
	m = to_map(map);
	if (unlikely(i >= m->len))
		return -ERANGE;
	if (key)
		*key = m->entries[i].key;
	if (val)
		*val = m->entries[i].val;
	return 0;
}
