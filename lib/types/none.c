// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/types/none.c - the None type and its one static object.
 *
 * Theory of operation. None is a single static immortal object shared by
 * every sandbox of every heap; frost_none() returns it and allocates nothing.
 * It is never written after start-up (its header is initialised statically),
 * so it needs no ordering. Its hash is a fixed function of the per-process key,
 * computed on each call because the key is drawn at run time; equality is
 * identity, which is right since there is only one None.
 */
#include "types/types.h"

/* Arbitrary constant, distinct from those of True and False (bool.c). */
#define NONE_HASH_SEED UINT64_C(0x4e6f6e654e6f6e65)	/* "NoneNone" */

static uint64_t none_hash(const struct frost_object *o)
{
	return __frost_hash_u64(NONE_HASH_SEED);
}

const struct frost_type __frost_none_type = {
	.name = "NoneType",
	.basic_size = sizeof(struct frost_object),
	.flags = FROST_TYPE_IMMUTABLE | FROST_TYPE_BUILTIN |
		 __FROST_TYPE_KIND(FROST_KIND_NONE),
	.hash = none_hash,
};

static struct frost_object frost_none_object FROST_STATIC_OBJECT =
	FROST_STATIC_OBJECT_HEAD(&__frost_none_type);

/* Public: see include/frost/types.h. */
struct frost_object *frost_none(void)
{
	return &frost_none_object;
}
