// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/types/tuple.c - the tuple type: an immutable sequence of objects.
 *
 * Theory of operation. A tuple is one allocation: the header, the length,
 * the cached hash and the item pointers inline. frost_tuple_new() checks
 * every argument (the sandbox, then each item's ownership, lifetime rule 4)
 * before it allocates or takes a reference, so a failure leaves nothing
 * behind. The hash is computed once, at construction, by chaining each
 * item's hash through keyed SipHash, which makes it depend on order; if an
 * item is unhashable the tuple is too: @hashable is false, @hash 0, and
 * __frost_hashable() (types.h) reports it so that frost_hash() fails with
 * EINVAL and the tuple cannot be a map key. Nothing is written after
 * construction, so a frozen copy is a byte copy with its items replaced.
 *
 * Children are reached only through tuple_trace(); the core releases them
 * when the count drops to zero. Equality is element-wise, with the cached
 * hashes as a quick reject (equal objects hash equally); it is walked
 * without recursion by lib/types/equal.c, which knows the layout, so
 * tuple_equal() only hands over to it. Construction never walks either:
 * an item's hash is its cached hash. The empty tuple is one static
 * immortal object, shared by every sandbox and heap.
 */
#include <stdint.h>

#include "types/types.h"

__FROST_SAME_MEMBER(struct frost_tuple, struct frost_tuple_pub, ob);
__FROST_SAME_MEMBER(struct frost_tuple, struct frost_tuple_pub, len);
__FROST_SAME_MEMBER(struct frost_tuple, struct frost_tuple_pub, hash);
__FROST_SAME_MEMBER(struct frost_tuple, struct frost_tuple_pub, hashable);
_Static_assert(offsetof(struct frost_tuple, items) == offsetof(struct frost_tuple_pub, items),
	       "struct frost_tuple.items differs from the public struct frost_tuple_pub");

/* Chain seed: keeps tuple hashes apart from the hashes of plain u64s. */
#define TUPLE_HASH_SEED UINT64_C(0x7475706c65aa55c3)

static inline struct frost_tuple *to_tuple(const struct frost_object *o)
{
	return __frost_container_of((struct frost_object *)o, struct frost_tuple, ob);
}

static void tuple_trace(struct frost_object *o, frost_visit_fn visit, void *arg)
{
	struct frost_tuple *t = to_tuple(o);

	for (size_t i = 0; i < t->len; i++)
		visit(&t->items[i], arg);
}

/* Hash of hashable tuple @t from its items' hashes (never 0). */
static uint64_t tuple_hash_items(const struct frost_tuple *t)
{
	uint64_t acc = __frost_hash_u64(TUPLE_HASH_SEED ^ (uint64_t)t->len);

	for (size_t i = 0; i < t->len; i++)
		acc = __frost_hash_u64(acc ^ t->items[i]->type->hash(t->items[i]));
	return __frost_hash_known(acc);
}

/*
 * A tuple of leaves only (no tuple or map among its items) is made
 * without its hash (0: not computed), as its ints are: a tuple is rarely
 * hashed (a map key, or frost_hash()), and hashing it and its items is
 * most of what making it costs. The first hash of a private one is kept;
 * a shared one hashes again each time (its items' hashes: n + 1 SipHash
 * rounds, no recursion, since no item is a container). A tuple with a
 * container among its items hashes at construction, as before, so a deep
 * nest of tuples never hashes recursively.
 */
static uint64_t tuple_hash(const struct frost_object *o)
{
	const struct frost_tuple *t = to_tuple(o);
	uint64_t h = t->hash;

	if (likely(h) || !t->hashable)
		return h;
	h = tuple_hash_items(t);
	if (!frost_is_shared(o))
		((struct frost_tuple *)(uintptr_t)t)->hash = h;
	return h;
}

/* frost_equal() compares tuples itself (lib/types/equal.c); for direct callers. */
static bool tuple_equal(const struct frost_object *a, const struct frost_object *b)
{
	return frost_equal(a, b);
}

const struct frost_type __frost_tuple_type = {
	.name = "tuple",
	.basic_size = offsetof(struct frost_tuple, items),
	.flags = FROST_TYPE_IMMUTABLE | FROST_TYPE_BUILTIN |
		 __FROST_TYPE_KIND(FROST_KIND_TUPLE),
	.trace = tuple_trace,
	.hash = tuple_hash,
	.equal = tuple_equal,
};

/* Internal: see types.h. */
void __frost_tuple_init(struct frost_object *o, size_t n, struct frost_object *const items[])
{
	struct frost_tuple *t = to_tuple(o);
	bool hashable = true, leaves = true;

	t->len = n;
	for (size_t i = 0; i < n; i++) {
		const struct frost_type *type = items[i]->type;

		frost_incref(items[i]);
		t->items[i] = items[i];
		if (!__frost_hashable(items[i]))
			hashable = false;
		if (type == &__frost_tuple_type || type == &__frost_map_type)
			leaves = false;
	}
	t->hashable = hashable;
	/* Leaves only: hashed when asked (tuple_hash()); else now. */
	t->hash = hashable && !leaves ? tuple_hash_items(t) : 0;
}

/*
 * The static empty tuple, returned for every frost_tuple_new() of no items:
 * immortal and static (no heap, every sandbox), its hash set once by a
 * constructor after the key's (lib/types/hash.c), before any thread runs.
 */
static struct frost_tuple empty_tuple FROST_STATIC_OBJECT = {
	.ob = FROST_STATIC_OBJECT_HEAD(&__frost_tuple_type),
	.hashable = true,
};

__attribute__((constructor(102)))
static void empty_tuple_init(void)
{
	empty_tuple.hash = tuple_hash_items(&empty_tuple);
}

/* Public: see include/frost/types.h. */
struct frost_object *frost_tuple_new(struct frost_sandbox *sb, size_t n,
				     struct frost_object *const items[])
{
	struct frost_object *o;
	int err;

	__frost_sandbox_guard_null(sb);
	if (unlikely(n && !items))
		return frost_err_null(EINVAL);
	if (!n)
		return &empty_tuple.ob;
	if (unlikely(n > (SIZE_MAX - offsetof(struct frost_tuple, items)) /
			 sizeof(struct frost_object *)))
		return frost_err_null(ENOMEM);
	for (size_t i = 0; i < n; i++) {
		err = __frost_check_object(sb, items[i]);
		if (unlikely(err))
			return frost_err_null(-err);
	}

	o = __frost_object_alloc(sb, &__frost_tuple_type,
				 offsetof(struct frost_tuple, items) +
				 n * sizeof(struct frost_object *));
	if (unlikely(!o))
		return NULL;
	__frost_tuple_init(o, n, items);
	return o;
}

/*
 * Public: see include/frost/types.h. The inline version calls this one for
 * its errors; programs built before it was inline call it for everything.
 */
size_t (frost_tuple_len)(const struct frost_object *o)
{
	if (unlikely(!__frost_is(o, &__frost_tuple_type))) {
		errno = EINVAL;
		return 0;
	}
	return to_tuple(o)->len;
}

/*
 * Public: see include/frost/types.h. The inline version calls this one for
 * its errors; programs built before it was inline call it for everything.
 */
struct frost_object *(frost_tuple_get)(const struct frost_object *o, size_t i)
{
	const struct frost_tuple *t;

	if (unlikely(!__frost_is(o, &__frost_tuple_type)))
		return frost_err_null(EINVAL);
	t = to_tuple(o);
	if (unlikely(i >= t->len))
		return frost_err_null(ERANGE);
	return t->items[i];
}
