/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/types/types.h - layouts of the built-in types (internal).
 *
 * Theory of operation. Each built-in object is a struct frost_object header
 * followed by its value. Everything a reader needs (lengths, hashes, the map
 * index) is computed when the object is built, so that a frozen copy is a
 * byte copy with its child pointers replaced and is never written again.
 * Each type lives in its own file under lib/types/ and exports its
 * struct frost_type as __frost_<name>_type.
 */
#ifndef __FROST_TYPES_TYPES_H
#define __FROST_TYPES_TYPES_H

#include "types/object.h"

extern const struct frost_type __frost_none_type;
extern const struct frost_type __frost_map_type;
extern const struct frost_type __frost_list_type;
extern const struct frost_type __frost_dict_type;

/*
 * These six are exported (include/frost/types.h) for the inline accessors'
 * type tests. The library must use their exported, interposable names: an
 * executable that reads one directly gets a copy relocation, the dynamic
 * linker binds every reference to that copy, and a hidden alias would keep
 * the original's address, so the inline tests would fail on objects the
 * library made. The layouts below match the struct frost_*_pub prefixes of
 * the public header; lib/types/<type>.c asserts it.
 */
#define __frost_bool_type	frost_bool_type
#define __frost_int_type	frost_int_type
#define __frost_float_type	frost_float_type
#define __frost_str_type	frost_str_type
#define __frost_bytes_type	frost_bytes_type
#define __frost_tuple_type	frost_tuple_type

/*
 * Value initialisers, one per scalar or sequence type: they write
 * everything after the header of an allocated object @o of the right size
 * (the private constructors' bodies and the frozen builders',
 * lib/freeze/builder.c, so the two can never compute a value or a hash
 * differently). The arguments are checked by the caller.
 *
 * __frost_small_int() - the static object for @v, or NULL if @v is not in
 * CONFIG_FROST_SMALLINT_MIN..MAX.
 * __frost_tuple_init() takes a reference to each item (a no-op on shared
 * ones); __frost_str_init() takes @nchars from __frost_str_check().
 */
struct frost_object *__frost_small_int(int64_t v);
void __frost_int_init(struct frost_object *o, int64_t v);
void __frost_float_init(struct frost_object *o, double v);
void __frost_str_init(struct frost_object *o, const char *utf8, size_t len, size_t nchars);
void __frost_bytes_init(struct frost_object *o, const void *p, size_t len);
void __frost_tuple_init(struct frost_object *o, size_t n, struct frost_object *const items[]);

/* bool: only the two static objects, True and False, exist. */
struct frost_bool {
	struct frost_object ob;
	bool value;
};

/*
 * __FROST_SAME_MEMBER() - does member @m sit at the same offset, with the
 * same size, in the internal struct @in and the public prefix @pub?
 */
#define __FROST_SAME_MEMBER(in, pub, m)					\
	_Static_assert(offsetof(in, m) == offsetof(pub, m) &&			\
		       sizeof(((in *)0)->m) == sizeof(((pub *)0)->m),		\
		       #in "." #m " differs from the public " #pub)

struct frost_int {
	struct frost_object ob;
	int64_t value;
	uint64_t hash;
};

/*
 * __frost_hash_known() - @h as a cached hash: never 0, since 0 in the hash
 * field of an int or of a tuple of leaves means "not computed yet" (those
 * hash when first asked: lib/types/int.c, lib/types/tuple.c).
 */
static inline uint64_t __frost_hash_known(uint64_t h)
{
	return h ? h : 1;
}

/* The hash of every int with value @v (lib/types/int.c). */
static inline uint64_t __frost_int_hash_value(int64_t v)
{
	return __frost_hash_known(__frost_hash_u64((uint64_t)v));
}

struct frost_float {
	struct frost_object ob;
	double value;
	uint64_t hash;
};

/* str: UTF-8 bytes, NUL-terminated; @nchars code points. */
/*
 * __frost_str_check() - may @utf8[0..@len) become a str? Sets *@nchars.
 * Return: 0, -EINVAL (NULL text with non-zero length), -ENOMEM (too long)
 * or -EILSEQ (invalid UTF-8).
 */
int __frost_str_check(const char *utf8, size_t len, size_t *nchars);

struct frost_str {
	struct frost_object ob;
	size_t len;
	size_t nchars;
	uint64_t hash;
	char data[];
};

/* The static immortal empty str (lib/types/str.c). */
struct frost_object *__frost_str_empty(void);

/* The hash of a str holding the @len bytes at @p (lib/types/str.c). */
uint64_t __frost_str_hash(const char *p, size_t len);

struct frost_bytes {
	struct frost_object ob;
	size_t len;
	uint64_t hash;
	unsigned char data[];
};

/* tuple: @hashable is false when an item is unhashable (then @hash is 0). */
struct frost_tuple {
	struct frost_object ob;
	size_t len;
	uint64_t hash;
	bool hashable;
	struct frost_object *items[];
};

/*
 * map: @len entries in first-insertion order, followed by an open-addressing
 * index of @index_size (a power of two, at least 2 * len) uint32_t slots,
 * each an entry number + 1 (0: empty), probed linearly from hash & mask.
 * The header is 32 bytes, 16 after the object header: @hash, then @len,
 * @index_size and @hashable packed in one 64-bit word (a map has at most
 * 2^29 entries, so its index at most 2^30 slots: 31 bits). Every entry
 * keeps its key's hash next to the key, so a probe that compares hashes
 * reads one cache line per entry.
 */
struct frost_map_entry {
	uint64_t hash;
	struct frost_object *key;
	struct frost_object *val;
};

struct frost_map {
	struct frost_object ob;
	uint64_t hash;
	uint32_t len;
	uint32_t index_size : 31;
	uint32_t hashable : 1;
	struct frost_map_entry entries[];
	/* uint32_t index[index_size] follows entries[len]. */
};

static inline uint32_t *__frost_map_index(const struct frost_map *m)
{
	return (uint32_t *)(void *)&((struct frost_map *)m)->entries[m->len];
}

/*
 * struct __frost_map_plan - a map's construction from key and value arrays
 * (lib/types/map.c; frost_map_new() and the frozen map builder,
 * lib/freeze/map_builder.c, so both compute one layout and one hash).
 * @hash: hash of each input key.
 * @first: per distinct key, the input position of its first occurrence.
 * @last: per distinct key, the input position of its last value.
 * @index: @index_size scratch slots, distinct key number + 1 (0: empty).
 * @index_size: a power of two, at least twice the number of input keys.
 * @mem: the one malloc'd block the four arrays above live in.
 * @len: the number of distinct keys (the map's length).
 * @size: the map object's size in bytes, header included.
 */
struct __frost_map_plan {
	uint64_t *hash;
	uint32_t *first;
	uint32_t *last;
	uint32_t *index;
	size_t index_size;
	void *mem;
	size_t len;
	size_t size;
};

/*
 * __frost_map_plan() - hash @n (>= 1) keys (checked by the caller for
 * ownership) and deduplicate them, last value wins, into @p.
 * Return: 0, -EINVAL (an unhashable key) or -ENOMEM; on failure @p holds
 * nothing. __frost_map_fill() then writes the map into an allocated @o of
 * @p->size bytes, taking a reference to each key and value kept;
 * __frost_map_plan_release() frees @p's memory. __frost_map_empty() is
 * the static empty map.
 */
int __frost_map_plan(struct __frost_map_plan *p, size_t n, struct frost_object *const keys[]);
void __frost_map_fill(struct frost_object *o, const struct __frost_map_plan *p,
		      struct frost_object *const keys[], struct frost_object *const vals[]);
void __frost_map_plan_release(struct __frost_map_plan *p);
struct frost_object *__frost_map_empty(void);

/*
 * struct frost_map_builder - a map under construction (lib/types/map_builder.c):
 * a private object of __frost_map_builder_type, never shared.
 * @ob: the object header.
 * @len: pairs added.
 * @cap: room in @keys and @vals (0: both NULL).
 * @keys: the keys in the order added, one reference each (private arena).
 * @vals: the values, @vals[i] added with @keys[i] (private arena).
 */
struct frost_map_builder {
	struct frost_object ob;
	size_t len;
	size_t cap;
	struct frost_object **keys;
	struct frost_object **vals;
};

extern const struct frost_type __frost_map_builder_type;

/*
 * __frost_map_builder_check() - may @sb use builder @b? Return: 0, -EINVAL
 * (NULL or detached @sb, NULL or not a builder), -EPERM (another thread's
 * sandbox, another sandbox's builder).
 */
int __frost_map_builder_check(struct frost_sandbox *sb, const struct frost_map_builder *b);

/* list: mutable, private only; @items is a separate private allocation. */
struct frost_list {
	struct frost_object ob;
	size_t len;
	size_t cap;
	struct frost_object **items;
};

/*
 * __frost_hashable() - may @o (not NULL) be hashed?
 *
 * A type without a hash callback is never hashable. Tuples and maps are
 * hashable only when every item (map: every value; keys always are) is:
 * they record that once, at construction, in @hashable, and their hash
 * callback returns 0 when it is false. __frost_hash_checked() must consult
 * this so that frost_hash() of such a container fails with EINVAL and it
 * cannot become a map key.
 */
static inline bool __frost_hashable(const struct frost_object *o)
{
	const struct frost_type *t = o->type;

	if (!t || !t->hash)
		return false;
	if (t == &__frost_tuple_type)
		return __frost_container_of(o, const struct frost_tuple, ob)->hashable;
	if (t == &__frost_map_type)
		return __frost_container_of(o, const struct frost_map, ob)->hashable;
	return true;
}

#endif /* __FROST_TYPES_TYPES_H */
