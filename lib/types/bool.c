// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/types/bool.c - the bool type and its two static objects, True and False.
 *
 * Theory of operation. True and False are static immortal objects shared by
 * every sandbox; frost_bool() allocates nothing. The value is which of the two
 * objects it is; each also stores it in @value, which the inline
 * frost_bool_get() reads (include/frost/types.h). Neither is written after
 * start-up. Hashes are fixed functions of the per-process key, computed on
 * each call (the key is drawn at run time); equality is identity.
 */
#include "types/types.h"

/* Arbitrary constants, distinct from each other and from None's. */
#define FALSE_HASH_SEED UINT64_C(0x46616c7365466c73)	/* "FalseFls" */
#define TRUE_HASH_SEED  UINT64_C(0x5472756554727565)	/* "TrueTrue" */

__FROST_SAME_MEMBER(struct frost_bool, struct frost_bool_pub, ob);
__FROST_SAME_MEMBER(struct frost_bool, struct frost_bool_pub, value);

static struct frost_bool frost_false_object;
static struct frost_bool frost_true_object;

static uint64_t bool_hash(const struct frost_object *o)
{
	return __frost_hash_u64(o == &frost_true_object.ob ? TRUE_HASH_SEED
							: FALSE_HASH_SEED);
}

const struct frost_type __frost_bool_type = {
	.name = "bool",
	.basic_size = sizeof(struct frost_bool),
	.flags = FROST_TYPE_IMMUTABLE | FROST_TYPE_BUILTIN |
		 __FROST_TYPE_KIND(FROST_KIND_BOOL),
	.hash = bool_hash,
};

static struct frost_bool frost_false_object FROST_STATIC_OBJECT = {
	.ob = FROST_STATIC_OBJECT_HEAD(&__frost_bool_type),
	.value = false,
};
static struct frost_bool frost_true_object FROST_STATIC_OBJECT = {
	.ob = FROST_STATIC_OBJECT_HEAD(&__frost_bool_type),
	.value = true,
};

/* Public: see include/frost/types.h. */
struct frost_object *frost_bool(bool v)
{
	return v ? &frost_true_object.ob : &frost_false_object.ob;
}

/*
 * Public: see include/frost/types.h. The inline version calls this one for
 * its errors; programs built before it was inline call it for everything.
 */
int (frost_bool_get)(const struct frost_object *o, bool *v)
{
	if (unlikely(!__frost_is(o, &__frost_bool_type) || !v))
		return -EINVAL;
	*v = ((const struct frost_bool *)o)->value;
	return 0;
}
