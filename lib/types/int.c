// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/types/int.c - the int type (64-bit signed) and the small-int cache.
 *
 * Theory of operation. Values in CONFIG_FROST_SMALLINT_MIN..MAX live in a
 * static table of immortal objects, one copy shared by every sandbox of every
 * heap (the answer to "one small-int cache per sandbox"). Their headers are
 * initialised statically; value and hash are filled in by a constructor of
 * priority 102, after the hash key's (101, lib/types/hash.c), and the table is
 * never written again, so readers in any thread need no ordering beyond the
 * one thread creation already gives. Other values are private objects
 * allocated from the sandbox's arena. Every int caches its hash,
 * __frost_hash_u64() of the value's bits, at creation, so a frozen copy is
 * never written. Equality is equality of values.
 */
#include "types/types.h"

#define SMALLINT_MIN ((int64_t)CONFIG_FROST_SMALLINT_MIN)
#define SMALLINT_MAX ((int64_t)CONFIG_FROST_SMALLINT_MAX)
#define SMALLINT_COUNT ((size_t)(SMALLINT_MAX - SMALLINT_MIN + 1))

__FROST_SAME_MEMBER(struct frost_int, struct frost_int_pub, ob);
__FROST_SAME_MEMBER(struct frost_int, struct frost_int_pub, value);
__FROST_SAME_MEMBER(struct frost_int, struct frost_int_pub, hash);

_Static_assert(CONFIG_FROST_SMALLINT_MIN <= CONFIG_FROST_SMALLINT_MAX,
	       "empty small-int range");

/*
 * An int is made without its hash (0: not computed): most ints are never
 * hashed (a tuple of them is not; see lib/types/tuple.c), and SipHash is
 * most of what making one costs. The first frost_hash() of a private int
 * computes and keeps it: the owner is its only user. A shared or static
 * one is never written: it hashes again each time it is asked (a map
 * keyed by it hashed it once, when the map was made).
 */
static uint64_t int_hash(const struct frost_object *o)
{
	const struct frost_int *i = (const struct frost_int *)o;
	uint64_t h = i->hash;

	if (likely(h))
		return h;
	h = __frost_int_hash_value(i->value);
	if (!frost_is_shared(o))
		((struct frost_int *)(uintptr_t)i)->hash = h;
	return h;
}

static bool int_equal(const struct frost_object *a, const struct frost_object *b)
{
	return ((const struct frost_int *)a)->value ==
	       ((const struct frost_int *)b)->value;
}

const struct frost_type __frost_int_type = {
	.name = "int",
	.basic_size = sizeof(struct frost_int),
	.flags = FROST_TYPE_IMMUTABLE | FROST_TYPE_BUILTIN |
		 __FROST_TYPE_KIND(FROST_KIND_INT),
	.hash = int_hash,
	.equal = int_equal,
};

static struct frost_int small_ints[SMALLINT_COUNT] FROST_STATIC_OBJECT = {
	[0 ... SMALLINT_COUNT - 1] = {
		.ob = FROST_STATIC_OBJECT_HEAD(&__frost_int_type),
	},
};

__attribute__((constructor(102)))
static void small_ints_init(void)
{
	for (size_t i = 0; i < SMALLINT_COUNT; i++) {
		int64_t v = SMALLINT_MIN + (int64_t)i;

		small_ints[i].value = v;
		small_ints[i].hash = __frost_int_hash_value(v);
	}
}

/* Internal: see types.h. */
struct frost_object *__frost_small_int(int64_t v)
{
	if (v >= SMALLINT_MIN && v <= SMALLINT_MAX)
		return &small_ints[v - SMALLINT_MIN].ob;
	return NULL;
}

/* Internal: see types.h. */
void __frost_int_init(struct frost_object *o, int64_t v)
{
	struct frost_int *n = __frost_container_of(o, struct frost_int, ob);

	n->value = v;
	n->hash = 0;	/* computed when asked (int_hash()) */
}

/* Public: see include/frost/types.h. */
struct frost_object *frost_int_new(struct frost_sandbox *sb, int64_t v)
{
	struct frost_object *o;

	if (v >= SMALLINT_MIN && v <= SMALLINT_MAX)
		return &small_ints[v - SMALLINT_MIN].ob;

	__frost_sandbox_guard_null(sb);
	o = __frost_object_alloc(sb, &__frost_int_type, sizeof(struct frost_int));
	if (unlikely(!o))
		return NULL;
	__frost_int_init(o, v);
	return o;
}

/*
 * Public: see include/frost/types.h. The inline version calls this one for
 * its errors; programs built before it was inline call it for everything.
 */
int (frost_int_get)(const struct frost_object *o, int64_t *v)
{
	if (unlikely(!__frost_is(o, &__frost_int_type) || !v))
		return -EINVAL;
	*v = ((const struct frost_int *)o)->value;
	return 0;
}
