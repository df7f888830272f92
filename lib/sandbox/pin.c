// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/sandbox/pin.c - pins: a sandbox's multiset of shared objects kept alive.
 *
 * Theory of operation. A sandbox's pins (struct frost_pins in sb->pins) are
 * a multiset of shared objects: the core address-keyed table
 * (lib/core/addrtab.h: linear probing, multiplicative hashing of the address,
 * growth at 3/4 load, backward-shift deletion, no tombstones) mapping each
 * pinned object to its multiplicity, at least 1: an object whose count
 * drops to zero leaves the table. @total counts pins with multiplicity
 * (what frost_sandbox_stats() reports).
 *
 * The slot array is a raw buffer from the sandbox's own private arena
 * (__frost_private_alloc_ops): it is written only by the owning thread,
 * with plain loads and stores, and freed wholesale with the arena when the
 * sandbox detaches. The reclaimer reads the pins as roots only at the
 * owner's quiescent states (from the owner's thread) or while the sandbox
 * is held offline; that is why frost_pin() and frost_unpin() refuse an
 * offline sandbox.
 */
#include "sandbox/sandbox.h"

/* Internal: see pins.h. */
void __frost_pins_init(struct frost_sandbox *sb)
{
	/* @total is zero already (the sandbox was cleared). */
	__frost_addrtab_init(&sb->pins.tab, NULL, 0, &__frost_private_alloc_ops, sb);
}

/* Public: see include/frost/sandbox.h. */
int frost_pin(struct frost_sandbox *sb, struct frost_object *shared)
{
	struct __frost_addrtab_slot *slot;
	int ret;

	__frost_sandbox_guard(sb);
	if (unlikely(!shared))
		return -EINVAL;
	ret = __frost_shared_check(sb, shared);
	if (unlikely(ret))
		return ret;
	if (unlikely(!__frost_sandbox_online(sb)))
		return -EINVAL;
	/* A pin is a root store: shade the object while a cycle is open. */
	__frost_gc_barrier(sb, NULL, shared);
	/* A new object may grow the table: ENOMEM then, nothing changed. */
	slot = __frost_addrtab_insert(&sb->pins.tab, shared, NULL);
	if (unlikely(!slot))
		return -ENOMEM;
	slot->val.u++;
	__frost_stat_add(&sb->pins.total, 1);
	return 0;
}

/* Public: see include/frost/sandbox.h. */
int frost_unpin(struct frost_sandbox *sb, struct frost_object *shared)
{
	struct __frost_addrtab_slot *slot;

	__frost_sandbox_guard(sb);
	if (unlikely(!shared))
		return -EINVAL;
	if (unlikely(!__frost_sandbox_online(sb)))
		return -EINVAL;
	slot = __frost_addrtab_find(&sb->pins.tab, shared);
	if (!slot)
		return -ENOENT;
	__frost_gc_barrier(sb, shared, NULL);
	__frost_stat_sub(&sb->pins.total, 1);
	if (--slot->val.u == 0)
		__frost_addrtab_remove(&sb->pins.tab, slot);
	return 0;
}

/* Internal: see pins.h. */
void __frost_pins_for_each(struct frost_sandbox *sb, frost_root_fn fn, void *arg)
{
	struct __frost_addrtab_slot *slot;

	__frost_addrtab_for_each(slot, &sb->pins.tab)
		fn(slot->key, arg);
}

/* Internal: see pins.h. */
void __frost_pins_release(struct frost_sandbox *sb)
{
	/* The slots are an arena buffer: freed here, or with the arena. */
	__frost_addrtab_release(&sb->pins.tab);
	/* frost_sandbox_stats() may be reading it from another thread. */
	__atomic_store_n(&sb->pins.total, 0, __ATOMIC_RELAXED);
}
