/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * frost/types.h - the built-in types: None, bool, int, float, str, bytes,
 * tuple, map, list and dict.
 *
 * Theory of operation. Constructors take the calling sandbox and return a
 * new private object holding one reference, except where the value has a
 * static immortal object: frost_none(), frost_bool(), frost_int_new()
 * for CONFIG_FROST_SMALLINT_MIN..MAX and the constructors of an empty str,
 * bytes, tuple or map return the one shared copy and allocate nothing.
 * Everything but list and dict is immutable once constructed, and a frozen
 * copy is never written again: a hash is computed at construction (str,
 * bytes, float, map, a tuple holding a container) or, for an int and a tuple
 * of leaves, when first asked (kept by a private one, recomputed each time
 * for a shared one: see frost_hash()). Containers take a new reference to
 * each item; accessors return borrowed references, valid while the container
 * is. Any argument that is another sandbox's private object fails with EPERM.
 *
 * Inline accessors. frost_tuple_len(), frost_tuple_get(), frost_int_get(),
 * frost_float_get(), frost_bool_get(), frost_str_data() and
 * frost_bytes_data() are macros expanding to static inline functions, so a
 * walk over a tuple costs no call. They make exactly the checks of the
 * exported functions of the same names (NULL, the type by identity, the
 * index), handle the success path themselves and call the exported
 * function for anything else, so every error and errno value is the
 * exported function's, and an output argument is left unwritten on error
 * as before. The exported functions remain for that, for programs built
 * against older headers, and for callers who take their address or write
 * (frost_tuple_get)(t, i).
 *
 * For this, and only for this, the header exposes two things that are
 * otherwise private. The layouts of these types' objects, as the
 * struct frost_*_pub prefixes below: the library checks at build time that
 * they match its own layouts, but only the fields the inline accessors
 * read are an interface, and nothing may write any of them. And the
 * built-in type objects (frost_tuple_type, ...), so that a type test is one
 * pointer comparison. Only the library makes objects of these types
 * (frost_object_new() refuses built-in types), so the comparison is exact;
 * the library itself refers to these objects by their exported names, so
 * a program whose executable holds a copy of one (a copy relocation) still
 * sees the same address as the library.
 */
#ifndef __FROST_TYPES_H
#define __FROST_TYPES_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <frost/compiler.h>
#include <frost/object.h>

struct frost_sandbox;

/**
 * frost_bool_type - The type of True and False (exported for inline tests).
 */
FROST_API extern const struct frost_type frost_bool_type;
/**
 * frost_int_type - The type of int objects (exported for inline tests).
 */
FROST_API extern const struct frost_type frost_int_type;
/**
 * frost_float_type - The type of float objects (exported for inline tests).
 */
FROST_API extern const struct frost_type frost_float_type;
/**
 * frost_str_type - The type of str objects (exported for inline tests).
 */
FROST_API extern const struct frost_type frost_str_type;
/**
 * frost_bytes_type - The type of bytes objects (exported for inline tests).
 */
FROST_API extern const struct frost_type frost_bytes_type;
/**
 * frost_tuple_type - The type of tuple objects (exported for inline tests).
 */
FROST_API extern const struct frost_type frost_tuple_type;

/*
 * enum frost_kind: what frost_kind() reports, which built-in type or a
 * user type (described in frost_kind()'s documentation):
 * FROST_KIND_INVALID (not an object: NULL, or a freed shared slot), _NONE,
 * _BOOL, _INT, _FLOAT, _STR, _BYTES, _TUPLE, _MAP, _LIST, _DICT, and _USER
 * (an object of a user type, frost_object_new()). New built-in types get
 * new values before FROST_KIND_USER; switch on the names, never on the
 * numbers.
 */
enum frost_kind {
	FROST_KIND_INVALID = 0,
	FROST_KIND_NONE,
	FROST_KIND_BOOL,
	FROST_KIND_INT,
	FROST_KIND_FLOAT,
	FROST_KIND_STR,
	FROST_KIND_BYTES,
	FROST_KIND_TUPLE,
	FROST_KIND_MAP,
	FROST_KIND_LIST,
	FROST_KIND_DICT,
	FROST_KIND_USER = 127,
};

/*
 * A built-in type's kind lives in bits 24..30 of its flags, beside
 * FROST_TYPE_BUILTIN; the bits mean nothing in a user type's flags.
 */
#define __FROST_TYPE_KIND_SHIFT	24
#define __FROST_TYPE_KIND(k)	((unsigned int)(k) << __FROST_TYPE_KIND_SHIFT)

/**
 * frost_kind() - Which built-in type @o is, in one load and a test.
 * @o: an object, or NULL.
 *
 * The built-in types carry their kind in the reserved bits of their
 * struct frost_type flags, next to FROST_TYPE_BUILTIN; those bits are
 * read only when FROST_TYPE_BUILTIN is set, and no object of a user type
 * can have a type with that flag (frost_object_new() refuses it), so the
 * answer is exact: FROST_KIND_TUPLE means frost_tuple_len() and friends
 * will accept @o. struct frost_type keeps its layout.
 *
 * Context: any thread that may read @o.
 * Return: the kind; FROST_KIND_USER for every user type; FROST_KIND_INVALID
 * for NULL.
 */
static inline enum frost_kind frost_kind(const struct frost_object *o)
{
	unsigned int f;

	if (frost_unlikely(!o))
		return FROST_KIND_INVALID;
	f = o->type->flags;
	if (frost_likely(f & FROST_TYPE_BUILTIN))
		return (enum frost_kind)((f >> __FROST_TYPE_KIND_SHIFT) & 0x7fu);
	return FROST_KIND_USER;
}

/**
 * struct frost_bool_pub - layout of True and False (read-only; inline paths only).
 * @ob: the header.
 * @value: the value.
 */
struct frost_bool_pub {
	struct frost_object ob;
	bool value;
};

/**
 * struct frost_int_pub - layout of an int (read-only; inline paths only).
 * @ob: the header.
 * @value: the value.
 * @hash: private: the cached hash.
 */
struct frost_int_pub {
	struct frost_object ob;
	int64_t value;
	uint64_t hash;
};

/**
 * struct frost_float_pub - layout of a float (read-only; inline paths only).
 * @ob: the header.
 * @value: the value.
 * @hash: private: the cached hash.
 */
struct frost_float_pub {
	struct frost_object ob;
	double value;
	uint64_t hash;
};

/**
 * struct frost_str_pub - layout of a str (read-only; inline paths only).
 * @ob: the header.
 * @len: length in bytes.
 * @nchars: private: length in code points.
 * @hash: private: the cached hash.
 * @data: the UTF-8 text, NUL-terminated.
 */
struct frost_str_pub {
	struct frost_object ob;
	size_t len;
	size_t nchars;
	uint64_t hash;
	char data[];
};

/**
 * struct frost_bytes_pub - layout of a bytes object (read-only; inline paths only).
 * @ob: the header.
 * @len: length in bytes.
 * @hash: private: the cached hash.
 * @data: the bytes (followed by a NUL not counted in @len).
 */
struct frost_bytes_pub {
	struct frost_object ob;
	size_t len;
	uint64_t hash;
	unsigned char data[];
};

/**
 * struct frost_tuple_pub - layout of a tuple (read-only; inline paths only).
 * @ob: the header.
 * @len: number of items.
 * @hash: private: the cached hash.
 * @hashable: private: false if an item is unhashable.
 * @items: the items.
 */
struct frost_tuple_pub {
	struct frost_object ob;
	size_t len;
	uint64_t hash;
	bool hashable;
	struct frost_object *items[];
};

/**
 * frost_none() - The None object.
 *
 * Return: the static immortal None; never NULL.
 */
FROST_API struct frost_object *frost_none(void);

/**
 * frost_bool() - The static True or False object.
 * @v: the value.
 *
 * Return: the static immortal True (@v) or False; never NULL.
 */
FROST_API struct frost_object *frost_bool(bool v);

/**
 * frost_bool_get() - Read a bool object.
 * @o: True or False.
 * @v: where to store the value.
 *
 * Return: 0; -EINVAL if @o is not a bool or an argument is NULL.
 */
FROST_API int frost_bool_get(const struct frost_object *o, bool *v);
static inline int __frost_inline_bool_get(const struct frost_object *o, bool *v)
{
	if (frost_likely(o && o->type == &frost_bool_type && v)) {
		*v = ((const struct frost_bool_pub *)o)->value;
		return 0;
	}
	return (frost_bool_get)(o, v);	/* the errors, out of line */
}
#define frost_bool_get(o, v) __frost_inline_bool_get(o, v)

/**
 * frost_int_new() - Make an int object.
 * @sb: the calling sandbox.
 * @v: the value.
 *
 * Values in CONFIG_FROST_SMALLINT_MIN..MAX (default -5..1024) return the
 * static immortal small int, the same pointer in every sandbox; nothing is
 * allocated then and @sb is not used.
 *
 * Return: the int; NULL with errno EINVAL (NULL @sb when an allocation is
 * needed) or ENOMEM.
 */
FROST_API struct frost_object *frost_int_new(struct frost_sandbox *sb, int64_t v);

/**
 * frost_int_get() - Read an int object.
 * @o: an int.
 * @v: where to store the value.
 *
 * Return: 0; -EINVAL if @o is not an int or an argument is NULL.
 */
FROST_API int frost_int_get(const struct frost_object *o, int64_t *v);
static inline int __frost_inline_int_get(const struct frost_object *o, int64_t *v)
{
	if (frost_likely(o && o->type == &frost_int_type && v)) {
		*v = ((const struct frost_int_pub *)o)->value;
		return 0;
	}
	return (frost_int_get)(o, v);	/* the errors, out of line */
}
#define frost_int_get(o, v) __frost_inline_int_get(o, v)

/**
 * frost_float_new() - Make a float object.
 * @sb: the calling sandbox.
 * @v: the value (any double, NaN and infinities included).
 *
 * Return: the float; NULL with errno EINVAL or ENOMEM.
 */
FROST_API struct frost_object *frost_float_new(struct frost_sandbox *sb, double v);

/**
 * frost_float_get() - Read a float object.
 * @o: a float.
 * @v: where to store the value.
 *
 * Return: 0; -EINVAL if @o is not a float or an argument is NULL.
 */
FROST_API int frost_float_get(const struct frost_object *o, double *v);
static inline int __frost_inline_float_get(const struct frost_object *o, double *v)
{
	if (frost_likely(o && o->type == &frost_float_type && v)) {
		*v = ((const struct frost_float_pub *)o)->value;
		return 0;
	}
	return (frost_float_get)(o, v);	/* the errors, out of line */
}
#define frost_float_get(o, v) __frost_inline_float_get(o, v)

/**
 * frost_str_new() - Make a str from UTF-8 text.
 * @sb: the calling sandbox.
 * @utf8: the text (need not be NUL-terminated; may hold NUL characters).
 * @len: its length in bytes.
 *
 * The text is validated strictly: overlong forms, surrogates, code points
 * above U+10FFFF and truncated sequences are refused. Length in code points
 * and the hash are computed here, once. The copy is NUL-terminated.
 * The empty text (@len 0) gives the static immortal empty str, the same
 * pointer in every sandbox and heap, allocating nothing.
 *
 * Return: the str; NULL with errno EINVAL (NULL @sb, NULL @utf8 with
 * non-zero @len), EILSEQ (invalid UTF-8) or ENOMEM.
 */
FROST_API struct frost_object *frost_str_new(struct frost_sandbox *sb, const char *utf8, size_t len);

/**
 * frost_str_intern() - The one shared str with this text.
 * @sb: the calling sandbox.
 * @utf8: the text.
 * @len: its length in bytes.
 *
 * Returns the heap's interned str for the text, creating it on first use:
 * two calls with equal text, from any sandboxes of the heap, give the same
 * pointer while the string lives. The lookup is lock-free. Interned strings
 * are weak: one that no root reaches is reclaimed like any shared object.
 *
 * Context: the sandbox's own thread, online. Blocks only as frost_freeze()
 * may (shared_limit, reclaimer pacing), and is then a quiescent state.
 * Return: the shared str (lifetime rule 1); NULL with errno EINVAL (NULL
 * @sb or NULL @utf8 with non-zero @len, offline @sb), EILSEQ or ENOMEM.
 */
FROST_API struct frost_object *frost_str_intern(struct frost_sandbox *sb, const char *utf8, size_t len);

/**
 * frost_str_data() - The UTF-8 bytes of a str.
 * @o: a str.
 * @len: if not NULL, receives the length in bytes.
 *
 * Return: the NUL-terminated text, valid while @o is; NULL with errno
 * EINVAL if @o is not a str.
 */
FROST_API const char *frost_str_data(const struct frost_object *o, size_t *len);
static inline const char *__frost_inline_str_data(const struct frost_object *o, size_t *len)
{
	const struct frost_str_pub *s = (const struct frost_str_pub *)o;

	if (frost_unlikely(!o || o->type != &frost_str_type))
		return (frost_str_data)(o, len);	/* the error, out of line */
	if (len)
		*len = s->len;
	return s->data;
}
#define frost_str_data(o, len) __frost_inline_str_data(o, len)

/**
 * frost_str_length() - Length of a str in code points.
 * @o: a str.
 *
 * Return: the number of code points; -EINVAL if @o is not a str.
 */
FROST_API long frost_str_length(const struct frost_object *o);

/**
 * frost_bytes_new() - Make a bytes object (an immutable byte string).
 * @sb: the calling sandbox.
 * @p: the bytes.
 * @len: how many.
 *
 * @len 0 gives the static immortal empty bytes object (shared, allocates
 * nothing).
 *
 * Return: the bytes object; NULL with errno EINVAL (NULL @sb, NULL @p with
 * non-zero @len) or ENOMEM.
 */
FROST_API struct frost_object *frost_bytes_new(struct frost_sandbox *sb, const void *p, size_t len);

/**
 * frost_bytes_data() - The contents of a bytes object.
 * @o: a bytes object.
 * @len: if not NULL, receives the length.
 *
 * Return: the bytes, valid while @o is; NULL with errno EINVAL if @o is not
 * a bytes object.
 */
FROST_API const void *frost_bytes_data(const struct frost_object *o, size_t *len);
static inline const void *__frost_inline_bytes_data(const struct frost_object *o, size_t *len)
{
	const struct frost_bytes_pub *b = (const struct frost_bytes_pub *)o;

	if (frost_unlikely(!o || o->type != &frost_bytes_type))
		return (frost_bytes_data)(o, len);	/* the error, out of line */
	if (len)
		*len = b->len;
	return b->data;
}
#define frost_bytes_data(o, len) __frost_inline_bytes_data(o, len)

/**
 * frost_tuple_new() - Make a tuple (an immutable sequence).
 * @sb: the calling sandbox.
 * @n: number of items.
 * @items: the items; each gains a reference.
 *
 * @n 0 gives the static immortal empty tuple (shared, allocates nothing).
 *
 * Return: the tuple; NULL with errno EINVAL (NULL @sb, NULL @items with
 * non-zero @n, a NULL item), EPERM (an item is another sandbox's private
 * object) or ENOMEM. On failure no reference is taken.
 */
FROST_API struct frost_object *frost_tuple_new(struct frost_sandbox *sb, size_t n,
					       struct frost_object *const items[]);

/*
 * Frozen builders: frost_int_new_frozen(), frost_float_new_frozen(),
 * frost_str_new_frozen(), frost_bytes_new_frozen() and
 * frost_tuple_new_frozen() make the shared object that frost_freeze() of
 * the private one would return (frost_equal() and frost_hash() agree), but
 * allocate it directly in the shared heap and seal it in place: no private
 * object, no copy. Children (tuple items) must be shared already, of the
 * caller's heap, or static; a private item is EPERM, not copied: freeze it
 * first, or build the tuple privately and frost_freeze() it. None of them
 * is a quiescent state, ever: they never pace and never wait for the
 * reclaimer, so shared objects the caller holds outside its roots (a
 * lookup's result, as items) stay valid across them. What frost_freeze()
 * would wait for happens at the caller's next frost_quiescent() instead
 * (allocation pacing), and over the heap's shared_limit they fail with
 * ENOMEM at once, where frost_freeze() would run a cycle first: call
 * frost_quiescent() (it runs that cycle) or frost_reclaim(), then retry.
 */

/**
 * frost_tuple_new_frozen() - Make a shared tuple in place.
 * @sb: the calling sandbox (online).
 * @n: number of items.
 * @items: the items, each a shared object of @sb's heap or static.
 *
 * The result equals frost_freeze() of frost_tuple_new(@sb, @n, @items),
 * without the private tuple and the copy (see "Frozen builders" above).
 *
 * Context: the sandbox's own thread, online. Never blocks; not a quiescent
 * state.
 * Return: the shared tuple, valid until @sb's next quiescent state unless a
 * root holds it (lifetime rule 1); NULL with errno EINVAL (NULL, offline
 * or detached @sb, NULL @items with non-zero @n, a NULL item), EPERM (the
 * caller is not @sb's thread, an item is private, or a shared object of
 * another heap) or ENOMEM (no memory, or over shared_limit). On failure
 * nothing is allocated.
 */
FROST_API struct frost_object *frost_tuple_new_frozen(struct frost_sandbox *sb, size_t n,
						      struct frost_object *const items[]);

/**
 * frost_int_new_frozen() - Make a shared int in place.
 * @sb: the calling sandbox (online).
 * @v: the value.
 *
 * Small ints (CONFIG_FROST_SMALLINT_MIN..MAX) return the static object, as
 * frost_int_new() and frost_freeze() do; others are allocated in the
 * shared heap and sealed in place.
 *
 * Context: the sandbox's own thread, online. Never blocks; not a quiescent
 * state.
 * Return: the shared int, valid until @sb's next quiescent state unless a
 * root holds it; NULL with errno EINVAL (NULL, offline or detached @sb),
 * EPERM (not @sb's thread) or ENOMEM (no memory, or over shared_limit).
 */
FROST_API struct frost_object *frost_int_new_frozen(struct frost_sandbox *sb, int64_t v);

/**
 * frost_float_new_frozen() - Make a shared float in place.
 * @sb: the calling sandbox (online).
 * @v: the value.
 *
 * Context: the sandbox's own thread, online. Never blocks; not a quiescent
 * state.
 * Return: the shared float; NULL with errno as frost_int_new_frozen().
 */
FROST_API struct frost_object *frost_float_new_frozen(struct frost_sandbox *sb, double v);

/**
 * frost_str_new_frozen() - Make a shared str in place from UTF-8 text.
 * @sb: the calling sandbox (online).
 * @utf8: the text (need not be NUL-terminated; may contain NUL).
 * @len: its length in bytes.
 *
 * Not interned: two calls with the same text make two equal objects (use
 * frost_str_intern() for one copy per heap).
 *
 * Context: the sandbox's own thread, online. Never blocks; not a quiescent
 * state.
 * Return: the shared str; NULL with errno EINVAL (as
 * frost_int_new_frozen(), or NULL @utf8 with non-zero @len), EPERM,
 * EILSEQ (invalid UTF-8) or ENOMEM. On failure nothing is allocated.
 */
FROST_API struct frost_object *frost_str_new_frozen(struct frost_sandbox *sb, const char *utf8,
						    size_t len);

/**
 * frost_bytes_new_frozen() - Make a shared bytes object in place.
 * @sb: the calling sandbox (online).
 * @p: the bytes.
 * @len: how many.
 *
 * Context: the sandbox's own thread, online. Never blocks; not a quiescent
 * state.
 * Return: the shared bytes object; NULL with errno EINVAL (as
 * frost_int_new_frozen(), or NULL @p with non-zero @len), EPERM or ENOMEM.
 */
FROST_API struct frost_object *frost_bytes_new_frozen(struct frost_sandbox *sb, const void *p,
						      size_t len);

/**
 * frost_tuple_len() - Number of items in a tuple.
 * @o: a tuple.
 *
 * Return: the length; 0 with errno EINVAL if @o is not a tuple.
 */
FROST_API size_t frost_tuple_len(const struct frost_object *o);
static inline size_t __frost_inline_tuple_len(const struct frost_object *o)
{
	if (frost_likely(o && o->type == &frost_tuple_type))
		return ((const struct frost_tuple_pub *)o)->len;
	return (frost_tuple_len)(o);	/* the error, out of line */
}
#define frost_tuple_len(o) __frost_inline_tuple_len(o)

/**
 * frost_tuple_get() - Item @i of a tuple (borrowed).
 * @o: a tuple.
 * @i: index.
 *
 * Return: the item, valid while the tuple is; NULL with errno ERANGE (@i out
 * of range) or EINVAL (@o is not a tuple).
 */
FROST_API struct frost_object *frost_tuple_get(const struct frost_object *o, size_t i);
static inline struct frost_object *__frost_inline_tuple_get(const struct frost_object *o, size_t i)
{
	const struct frost_tuple_pub *t = (const struct frost_tuple_pub *)o;

	if (frost_likely(o && o->type == &frost_tuple_type && i < t->len))
		return t->items[i];
	return (frost_tuple_get)(o, i);	/* the errors, out of line */
}
#define frost_tuple_get(o, i) __frost_inline_tuple_get(o, i)

/**
 * frost_map_new() - Make a map (an immutable hash map).
 * @sb: the calling sandbox.
 * @n: number of key/value pairs.
 * @keys: the keys; must be hashable.
 * @vals: the values.
 *
 * Built once: with duplicate keys (frost_equal) the last pair wins. Keys and
 * values gain a reference each. Keys may be nested to any depth: they are
 * compared without recursion (see frost_equal()). @n 0 gives the static
 * immortal empty map (shared, allocates nothing).
 *
 * Return: the map; NULL with errno EINVAL (NULL @sb, NULL arrays with
 * non-zero @n, a NULL key or value, an unhashable key), EPERM (another
 * sandbox's private object) or ENOMEM (more than 2^29 pairs, or a key
 * comparison that ran out of memory). On failure no reference is taken.
 */
FROST_API struct frost_object *frost_map_new(struct frost_sandbox *sb, size_t n,
					     struct frost_object *const keys[],
					     struct frost_object *const vals[]);

/**
 * frost_map_len() - Number of distinct keys in a map.
 * @o: a map.
 *
 * Return: the length; 0 with errno EINVAL if @o is not a map.
 */
FROST_API size_t frost_map_len(const struct frost_object *o);

/**
 * frost_map_get() - Value for @key in a map (borrowed).
 * @map: a map.
 * @key: the key to look up.
 *
 * The key is compared without recursion, so it may be nested to any depth
 * (see frost_equal()).
 *
 * Return: the value, valid while the map is; NULL with errno ENOENT (absent),
 * EINVAL (@map is not a map, @key NULL or unhashable) or ENOMEM (comparing
 * a deep key with a stored one ran out of memory: absent or not is then
 * unknown).
 */
FROST_API struct frost_object *frost_map_get(const struct frost_object *map,
					     const struct frost_object *key);

/**
 * frost_map_get_str() - Value for a str key given as UTF-8 text (borrowed).
 * @map: a map.
 * @utf8: the key's text (need not be NUL-terminated; may be NULL if @len is 0).
 * @len: its length in bytes.
 *
 * The same answer as frost_map_get() with a str key holding this text,
 * without making one: nothing is allocated. Only str keys match (never a
 * bytes key with the same contents, by frost_equal()'s rules). The text is
 * not validated: invalid UTF-8 cannot equal any str key, so it is not found
 * (ENOENT, not EILSEQ). A caller that looks the same text up often may
 * compute its hash once with frost_str_hash() and use
 * frost_map_get_str_hashed().
 *
 * Context: any thread (no sandbox needed; @map must be valid for the caller).
 * Return: the value, valid while the map is; NULL with errno ENOENT (absent,
 * or invalid UTF-8) or EINVAL (@map is not a map, NULL @utf8 with non-zero
 * @len).
 */
FROST_API struct frost_object *frost_map_get_str(const struct frost_object *map,
						 const char *utf8, size_t len);

/**
 * frost_str_hash() - The hash of a str holding this text, without making one.
 * @utf8: the text (may be NULL if @len is 0).
 * @len: its length in bytes.
 *
 * Equal to frost_hash() of a str with this text. Like every frost hash it is
 * keyed per process: cache it within the process, never store it. The text
 * is not validated.
 *
 * Context: any thread.
 * Return: the hash; 0 with errno EINVAL for NULL @utf8 with non-zero @len
 * (a hash may be 0 too: set errno to 0 first to tell).
 */
FROST_API uint64_t frost_str_hash(const char *utf8, size_t len);

/**
 * frost_map_get_str_hashed() - frost_map_get_str() with a precomputed hash.
 * @map: a map.
 * @utf8: the key's text (may be NULL if @len is 0).
 * @len: its length in bytes.
 * @hash: frost_str_hash(@utf8, @len), computed earlier in this process.
 *
 * Skips hashing the text. A @hash that is not frost_str_hash() of the text
 * gives a wrong ENOENT (never a wrong value: contents are compared).
 *
 * Context: any thread.
 * Return: as frost_map_get_str().
 */
FROST_API struct frost_object *frost_map_get_str_hashed(const struct frost_object *map,
							const char *utf8, size_t len,
							uint64_t hash);

/**
 * frost_map_get_bytes() - Value for a bytes key given as a buffer (borrowed).
 * @map: a map.
 * @p: the key's contents (may be NULL if @len is 0).
 * @len: its length in bytes.
 *
 * The same answer as frost_map_get() with a bytes key holding these bytes,
 * without making one. Only bytes keys match (never a str).
 *
 * Context: any thread.
 * Return: the value, valid while the map is; NULL with errno ENOENT
 * (absent) or EINVAL (@map is not a map, NULL @p with non-zero @len).
 */
FROST_API struct frost_object *frost_map_get_bytes(const struct frost_object *map,
						   const void *p, size_t len);

/**
 * frost_map_get_int() - Value for an int key given as a C integer (borrowed).
 * @map: a map.
 * @v: the key's value.
 *
 * The same answer as frost_map_get() with an int key of value @v, without
 * making one. Only int keys match (never a float or a bool: 1 != 1.0).
 *
 * Context: any thread.
 * Return: the value, valid while the map is; NULL with errno ENOENT
 * (absent) or EINVAL (@map is not a map).
 */
FROST_API struct frost_object *frost_map_get_int(const struct frost_object *map, int64_t v);

/**
 * frost_map_item() - The @i-th key/value pair of a map, in insertion order.
 * @map: a map.
 * @i: index, 0 <= @i < frost_map_len(@map).
 * @key: receives the key (borrowed); may be NULL.
 * @val: receives the value (borrowed); may be NULL.
 *
 * Duplicate keys keep the position of their first occurrence.
 *
 * Return: 0; -ERANGE (@i out of range) or -EINVAL (@map is not a map).
 */
FROST_API int frost_map_item(const struct frost_object *map, size_t i,
			     struct frost_object **key, struct frost_object **val);

struct frost_map_builder;

/**
 * frost_map_builder_new() - Start building a map entry by entry.
 * @sb: the calling sandbox.
 * @hint: the number of pairs expected (0 if unknown); room for them is
 *	made now, more is made as needed.
 *
 * A map builder is a private, mutable object of @sb (never frozen or
 * shared; every call but frost_map_builder_len() takes @sb and refuses
 * another sandbox's builder with EPERM). It holds a reference to each key
 * and value added, which keeps shared ones valid across quiescent states
 * as a private container does. Finish it with frost_map_builder_finish()
 * (a private map) or frost_map_builder_finish_frozen() (a shared map, made
 * in place), or drop it with frost_map_builder_free(); free it before
 * detaching @sb.
 *
 * Context: the sandbox's own thread.
 * Return: the builder; NULL with errno EINVAL (NULL or detached @sb),
 * EPERM (another thread's sandbox) or ENOMEM.
 */
FROST_API struct frost_map_builder *frost_map_builder_new(struct frost_sandbox *sb, size_t hint);

/**
 * frost_map_builder_add() - Add a key/value pair to a map builder.
 * @sb: the calling sandbox.
 * @b: the builder, made by @sb.
 * @key: the key; must be hashable (as for frost_map_new()).
 * @val: the value.
 *
 * Takes a reference to @key and @val. A key added twice (frost_equal())
 * is resolved at the finish as frost_map_new() resolves it: one entry, at
 * the position of the first add, with the value of the last.
 *
 * Context: the sandbox's own thread.
 * Return: 0; -EINVAL (NULL or detached @sb, NULL @b, @key or @val, @b not
 * a builder, an unhashable key), -EPERM (another thread's sandbox, another
 * sandbox's builder, key or value, a shared object of another heap) or
 * -ENOMEM. On failure the builder is unchanged and no reference is taken.
 */
FROST_API int frost_map_builder_add(struct frost_sandbox *sb, struct frost_map_builder *b,
				    struct frost_object *key, struct frost_object *val);

/**
 * frost_map_builder_len() - Number of pairs added to a map builder.
 * @b: the builder.
 *
 * Counts every add, a repeated key included (the map may be shorter).
 *
 * Context: the builder's sandbox's thread.
 * Return: the count; 0 with errno EINVAL if @b is NULL or not a builder.
 */
FROST_API size_t frost_map_builder_len(const struct frost_map_builder *b);

/**
 * frost_map_builder_finish() - Make the private map a builder holds.
 * @sb: the calling sandbox.
 * @b: the builder, made by @sb.
 *
 * The map equals frost_map_new() of the pairs in the order added. The
 * builder is consumed, whether the call succeeds or fails, except on the
 * EINVAL and EPERM of a NULL, detached or foreign @sb or @b: then it is
 * left as it was.
 *
 * Context: the sandbox's own thread.
 * Return: the map (no pairs: the static empty map); NULL with errno EINVAL,
 * EPERM (as above) or ENOMEM.
 */
FROST_API struct frost_object *frost_map_builder_finish(struct frost_sandbox *sb,
							struct frost_map_builder *b);

/**
 * frost_map_builder_finish_frozen() - Make a builder's map in the shared heap.
 * @sb: the calling sandbox (online).
 * @b: the builder, made by @sb; every key and value a shared object of
 *	@sb's heap or a static object.
 *
 * The frozen-builder counterpart of frost_map_builder_finish(), as
 * frost_tuple_new_frozen() is of frost_tuple_new(): the map is made in a
 * shared slot in place and equals frost_freeze() of the private map, with
 * no private map and no copy. Like every frozen builder it is never a
 * quiescent state and over shared_limit fails with ENOMEM at once. The
 * builder is consumed, whether the call succeeds or fails, except on the
 * EINVAL of a NULL, detached or offline @sb, a NULL @b, and the EPERM of a
 * foreign @sb or @b: then it is left as it was.
 *
 * Context: the sandbox's own thread, online; not a quiescent state.
 * Return: the shared map, valid until @sb's next quiescent state unless a
 * root holds it (lifetime rule 1); NULL with errno EINVAL, EPERM (as
 * above, or a private key or value, or one of another heap: the builder is
 * consumed then) or ENOMEM (nothing allocated).
 */
FROST_API struct frost_object *frost_map_builder_finish_frozen(struct frost_sandbox *sb,
							       struct frost_map_builder *b);

/**
 * frost_map_builder_free() - Drop a map builder and the pairs it holds.
 * @sb: the calling sandbox.
 * @b: the builder, made by @sb, or NULL (nothing is done).
 *
 * Context: the sandbox's own thread.
 * Return: 0; -EINVAL or -EPERM as frost_map_builder_add() (the builder is
 * left as it was).
 */
FROST_API int frost_map_builder_free(struct frost_sandbox *sb, struct frost_map_builder *b);

/**
 * frost_list_new() - Make an empty list (mutable; never shareable).
 * @sb: the calling sandbox.
 *
 * Return: the list; NULL with errno EINVAL or ENOMEM.
 */
FROST_API struct frost_object *frost_list_new(struct frost_sandbox *sb);

/**
 * frost_list_append() - Append @item to @list.
 * @sb: the calling sandbox; must own @list.
 * @list: a list.
 * @item: the item; gains a reference.
 *
 * Return: 0; -EINVAL (NULL argument, @list not a list), -EPERM (@list or
 * @item is another sandbox's private object, @list is shared) or -ENOMEM
 * (the list is unchanged).
 */
FROST_API int frost_list_append(struct frost_sandbox *sb, struct frost_object *list,
				struct frost_object *item);

/**
 * frost_list_len() - Number of items in a list.
 * @o: a list.
 *
 * Return: the length; 0 with errno EINVAL if @o is not a list.
 */
FROST_API size_t frost_list_len(const struct frost_object *o);

/**
 * frost_list_get() - Item @i of a list (borrowed).
 * @o: a list.
 * @i: index.
 *
 * Return: the item, valid until the list changes or dies; NULL with errno
 * ERANGE or EINVAL.
 */
FROST_API struct frost_object *frost_list_get(const struct frost_object *o, size_t i);

/**
 * frost_dict_new() - Make an empty dict (a private, mutable hash map).
 * @sb: the calling sandbox.
 *
 * A dict is private forever, like a list: frost_freeze() refuses it (and
 * anything containing it) with EPERM, it is unhashable (no key), and it
 * equals only itself (a dict may contain itself). Keys must be hashable;
 * they and the values may be @sb's private objects or shared objects of
 * its heap. Iteration (frost_dict_item()) follows insertion order.
 *
 * Context: the sandbox's own thread.
 * Return: the dict; NULL with errno EINVAL (NULL or foreign @sb) or ENOMEM.
 */
FROST_API struct frost_object *frost_dict_new(struct frost_sandbox *sb);

/**
 * frost_dict_from_map() - Make a dict holding a map's pairs.
 * @sb: the calling sandbox.
 * @map: a map: shared (of @sb's heap) or @sb's private one.
 *
 * The mutable private instance of an immutable shared value: the dict
 * references the map's keys and values (no copy of them, and for a shared
 * map no reference count written) and starts with the map's entry array
 * and hash index copied as they are (one allocation, no hashing). Changing
 * the dict never changes the map. The order is the map's.
 *
 * Context: the sandbox's own thread.
 * Return: the dict; NULL with errno EINVAL (NULL argument, @map not a
 * map), EPERM (@map is another sandbox's private map or another heap's
 * shared one) or ENOMEM.
 */
FROST_API struct frost_object *frost_dict_from_map(struct frost_sandbox *sb,
						   const struct frost_object *map);

/**
 * frost_dict_set() - Set @dict[@key] to @val.
 * @sb: the calling sandbox; must own @dict.
 * @dict: a dict.
 * @key: the key: hashable; gains a reference if it is new.
 * @val: the value; gains a reference (a replaced value loses one).
 *
 * A new key goes at the end of the iteration order; an existing key keeps
 * its position. Keys are compared by frost_equal(), without recursion.
 *
 * Context: the sandbox's own thread.
 * Return: 0; -EINVAL (NULL argument, @dict not a dict, @key unhashable),
 * -EPERM (@dict, @key or @val is another sandbox's private object or
 * another heap's shared one) or -ENOMEM (no room, or a key comparison ran
 * out of memory). On failure the dict is unchanged and no reference is
 * taken.
 */
FROST_API int frost_dict_set(struct frost_sandbox *sb, struct frost_object *dict,
			     struct frost_object *key, struct frost_object *val);

/**
 * frost_dict_get() - Value for @key in a dict (borrowed).
 * @dict: a dict.
 * @key: the key to look up.
 *
 * Takes no sandbox, like frost_list_get(): it cannot check that the caller
 * owns @dict. Calling it on another sandbox's dict is a misuse that the
 * library does not detect (it may read a dict its owner is changing);
 * every call that takes a sandbox does check (EPERM).
 *
 * Context: the owner's thread.
 * Return: the value, valid until the dict changes or dies; NULL with errno
 * ENOENT (absent), EINVAL (@dict not a dict, @key NULL or unhashable) or
 * ENOMEM (comparing a deep key ran out of memory).
 */
FROST_API struct frost_object *frost_dict_get(const struct frost_object *dict,
					      const struct frost_object *key);

/**
 * frost_dict_del() - Remove @key and its value from a dict.
 * @sb: the calling sandbox; must own @dict.
 * @dict: a dict.
 * @key: the key.
 *
 * The key and value lose the dict's references. The other items keep
 * their order.
 *
 * Context: the sandbox's own thread.
 * Return: 0; -ENOENT (absent), -EINVAL (NULL argument, @dict not a dict,
 * @key unhashable), -EPERM (another sandbox's or heap's object) or -ENOMEM
 * (a deep key comparison ran out of memory; the dict is unchanged).
 */
FROST_API int frost_dict_del(struct frost_sandbox *sb, struct frost_object *dict,
			     const struct frost_object *key);

/**
 * frost_dict_len() - Number of items in a dict.
 * @dict: a dict.
 *
 * Context: the owner's thread.
 * Return: the number of keys; 0 with errno EINVAL if @dict is not a dict.
 */
FROST_API size_t frost_dict_len(const struct frost_object *dict);

/**
 * frost_dict_item() - The @i-th key/value pair of a dict, in insertion order.
 * @dict: a dict.
 * @i: index, 0 <= @i < frost_dict_len(@dict).
 * @key: receives the key (borrowed); may be NULL.
 * @val: receives the value (borrowed); may be NULL.
 *
 * Indexes are stable while the dict is not modified; after a deletion,
 * the items after it move down by one. O(1), except that the first call
 * after deletions closes the holes they left (O(n), no allocation): so
 * @dict is written, and, like every dict call, this is for the owner only.
 *
 * Context: the owner's thread.
 * Return: 0; -ERANGE (@i out of range) or -EINVAL (@dict is not a dict).
 */
FROST_API int frost_dict_item(struct frost_object *dict, size_t i, struct frost_object **key,
			      struct frost_object **val);

#endif /* __FROST_TYPES_H */
