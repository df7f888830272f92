// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/types/bool.c - the bool type and its two static objects, True and False.
 *
 * Theory of operation. True and False are static immortal objects shared by
 * every sandbox; frost_bool() allocates nothing. The value is which of the two
 * objects it is, so the object is just a header and is never written after
 * start-up. Hashes are fixed functions of the per-process key, computed on
 * each call (the key is drawn at run time); equality is identity.
 */
#include "types/types.h"

/* Arbitrary constants, distinct from each other and from None's. */
#define FALSE_HASH_SEED UINT64_C(0x46616c7365466c73)	/* "FalseFls" */
#define TRUE_HASH_SEED  UINT64_C(0x5472756554727565)	/* "TrueTrue" */

static struct frost_object frost_false_object;
static struct frost_object frost_true_object;

static uint64_t bool_hash(const struct frost_object *o)
{
	return __frost_hash_u64(o == &frost_true_object ? TRUE_HASH_SEED
							: FALSE_HASH_SEED);
}

const struct frost_type __frost_bool_type = {
	.name = "bool",
	.basic_size = sizeof(struct frost_object),
	.flags = FROST_TYPE_IMMUTABLE | FROST_TYPE_BUILTIN,
	.hash = bool_hash,
};

static struct frost_object frost_false_object =
	FROST_STATIC_OBJECT_HEAD(&__frost_bool_type);
static struct frost_object frost_true_object =
	FROST_STATIC_OBJECT_HEAD(&__frost_bool_type);

/* Public: see include/frost/types.h. */
struct frost_object *frost_bool(bool v)
{
	return v ? &frost_true_object : &frost_false_object;
}

/* Public: see include/frost/types.h. */
int frost_bool_get(const struct frost_object *o, bool *v)
{
	if (unlikely(!__frost_is(o, &__frost_bool_type) || !v))
		return -EINVAL;
	*v = o == &frost_true_object;
	return 0;
}
