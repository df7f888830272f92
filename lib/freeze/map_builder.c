// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/freeze/map_builder.c - frost_map_builder_finish_frozen(): a map
 * builder's pairs made into a shared map in place.
 *
 * Theory of operation. The builder itself (lib/types/map_builder.c) is a
 * private object collecting pairs; this is its frozen finish, the map
 * counterpart of frost_tuple_new_frozen() (lib/freeze/builder.c) and on
 * the same path: every key and value must already be a shared object of
 * the caller's heap or a static one (checked before anything is
 * allocated: a private one is EPERM, never copied), the layout, the
 * duplicate-key rule and the hash come from the code frost_map_new() uses
 * (__frost_map_plan() and __frost_map_fill(), lib/types/map.c), the slot
 * from __frost_shared_alloc_nowait() and the publication from seal.h. So
 * the shared map equals frost_freeze() of the private map
 * frost_map_builder_finish() would give, and nothing private is made.
 *
 * No quiescent state inside, as for every frozen builder: the caller may
 * hold the builder's shared pairs outside any root just before the call
 * (the builder holds them since they were added: it is a private object,
 * a root at handshakes), and the new map is unreachable until returned.
 * Over shared_limit the allocation fails with ENOMEM at once.
 */
#include "freeze/seal.h"
#include "types/types.h"

/* Public: see include/frost/types.h. */
struct frost_object *frost_map_builder_finish_frozen(struct frost_sandbox *sb,
						     struct frost_map_builder *b)
{
	struct __frost_map_plan plan;
	struct frost_object *o = NULL;
	int err;

	err = __frost_map_builder_check(sb, b);
	if (unlikely(err))
		return frost_err_null(-err);
	if (unlikely(!__frost_sandbox_online(sb)))
		return frost_err_null(EINVAL);	/* the builder stays the caller's */
	for (size_t i = 0; i < b->len && !err; i++) {
		err = __frost_shared_check(sb, b->keys[i]);
		if (!err)
			err = __frost_shared_check(sb, b->vals[i]);
	}
	if (unlikely(err))
		goto out;
	if (!b->len) {
		o = __frost_map_empty();
		goto out;
	}
	err = __frost_map_plan(&plan, b->len, b->keys);
	if (unlikely(err))
		goto out;
	o = __frost_shared_alloc_nowait(sb, plan.size);
	if (likely(o)) {
		__frost_map_fill(o, &plan, b->keys, b->vals);
		__frost_seal_new(sb, o, &__frost_map_type);
	} else {
		err = -ENOMEM;
	}
	__frost_map_plan_release(&plan);
out:
	/* The builder's references are no-ops on shared pairs; it goes. */
	frost_decref(&b->ob);
	return o ? o : frost_err_null(-err);
}
