// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/types/float.c - the float type (IEEE 754 double).
 *
 * Theory of operation. A float is a private object holding the value and its
 * hash, computed once at creation so a frozen copy is never written.
 * Equality makes every NaN equal to every NaN (so equality is reflexive and a
 * NaN can be a map key) and -0.0 equal to 0.0. The hash agrees with it: the
 * value is normalised first (-0.0 to 0.0, every NaN to one canonical quiet
 * NaN) and its bits are hashed.
 */
#include <math.h>
#include <string.h>

#include "types/types.h"

__FROST_SAME_MEMBER(struct frost_float, struct frost_float_pub, ob);
__FROST_SAME_MEMBER(struct frost_float, struct frost_float_pub, value);
__FROST_SAME_MEMBER(struct frost_float, struct frost_float_pub, hash);

static uint64_t float_hash_value(double v)
{
	uint64_t bits;

	if (isnan(v))
		v = NAN;
	else if (v == 0.0)
		v = 0.0;	/* -0.0 == 0.0: both become +0.0 */
	memcpy(&bits, &v, sizeof(bits));
	return __frost_hash_u64(bits);
}

static uint64_t float_hash(const struct frost_object *o)
{
	return ((const struct frost_float *)o)->hash;
}

static bool float_equal(const struct frost_object *a, const struct frost_object *b)
{
	double x = ((const struct frost_float *)a)->value;
	double y = ((const struct frost_float *)b)->value;

	return x == y || (isnan(x) && isnan(y));
}

const struct frost_type __frost_float_type = {
	.name = "float",
	.basic_size = sizeof(struct frost_float),
	.flags = FROST_TYPE_IMMUTABLE | FROST_TYPE_BUILTIN |
		 __FROST_TYPE_KIND(FROST_KIND_FLOAT),
	.hash = float_hash,
	.equal = float_equal,
};

/* Internal: see types.h. */
void __frost_float_init(struct frost_object *o, double v)
{
	struct frost_float *f = __frost_container_of(o, struct frost_float, ob);

	f->value = v;
	f->hash = float_hash_value(v);
}

/* Public: see include/frost/types.h. */
struct frost_object *frost_float_new(struct frost_sandbox *sb, double v)
{
	struct frost_object *o;

	__frost_sandbox_guard_null(sb);
	o = __frost_object_alloc(sb, &__frost_float_type, sizeof(struct frost_float));
	if (unlikely(!o))
		return NULL;
	__frost_float_init(o, v);
	return o;
}

/*
 * Public: see include/frost/types.h. The inline version calls this one for
 * its errors; programs built before it was inline call it for everything.
 */
int (frost_float_get)(const struct frost_object *o, double *v)
{
	if (unlikely(!__frost_is(o, &__frost_float_type) || !v))
		return -EINVAL;
	*v = ((const struct frost_float *)o)->value;
	return 0;
}
