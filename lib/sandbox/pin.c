// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/sandbox/pin.c - pins: a sandbox's multiset of shared objects kept alive.
 *
 * Theory of operation. A sandbox's pins (struct frost_pins in sb->pins) are
 * an open-addressing hash table keyed by object address: linear probing,
 * a power-of-two capacity, growth (doubling) when an insertion would pass
 * 3/4 load, and deletion by backward shift, so there are no tombstones and
 * a probe stops at the first empty slot. Each slot holds an object and its
 * multiplicity; @total counts pins with multiplicity (what
 * frost_sandbox_stats() reports).
 *
 * The slot array is a raw buffer from the sandbox's own private arena: it
 * is written only by the owning thread, with plain loads and stores, and
 * freed wholesale with the arena when the sandbox detaches. The reclaimer
 * reads the pins as roots only at the owner's quiescent states (from the
 * owner's thread) or while the sandbox is held offline; that is why
 * frost_pin() and frost_unpin() refuse an offline sandbox.
 */
#include <string.h>

#include "sandbox/sandbox.h"

#define PINS_MIN_CAP	16u

/* Fibonacci hashing of the address; the low bits are alignment. */
static inline uint32_t pin_slot(const struct frost_object *o, uint32_t mask)
{
	uint64_t x = (uint64_t)(uintptr_t)o;

	return (uint32_t)((x * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & mask;
}

/* Index of @o's slot, or of the empty slot where it would go. */
static uint32_t pins_probe(const struct frost_pins *p, const struct frost_object *o)
{
	uint32_t mask = p->cap - 1;
	uint32_t i = pin_slot(o, mask);

	while (p->slots[i].obj && p->slots[i].obj != o)
		i = (i + 1) & mask;
	return i;
}

static int pins_grow(struct frost_sandbox *sb, struct frost_pins *p)
{
	uint32_t cap = p->cap ? p->cap * 2 : PINS_MIN_CAP;
	struct frost_pin_slot *old = p->slots;
	uint32_t old_cap = p->cap, i;

	if (unlikely(cap < p->cap))
		return -ENOMEM;
	p->slots = __frost_private_alloc(sb, (size_t)cap * sizeof(*p->slots));
	if (unlikely(!p->slots)) {
		p->slots = old;
		return -ENOMEM;
	}
	memset(p->slots, 0, (size_t)cap * sizeof(*p->slots));
	p->cap = cap;
	for (i = 0; i < old_cap; i++)
		if (old[i].obj)
			p->slots[pins_probe(p, old[i].obj)] = old[i];
	if (old)
		__frost_private_free(old);
	return 0;
}

/* Public: see include/frost/sandbox.h. */
int frost_pin(struct frost_sandbox *sb, struct frost_object *shared)
{
	struct frost_pins *p;
	uint32_t i;
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
	p = &sb->pins;
	if (p->cap) {
		i = pins_probe(p, shared);
		if (p->slots[i].obj) {
			p->slots[i].count++;
			__frost_stat_add(&p->total, 1);
			return 0;
		}
	}
	/* A new object: keep the load at most 3/4 after inserting it. */
	if ((uint64_t)(p->used + 1) * 4 > (uint64_t)p->cap * 3) {
		ret = pins_grow(sb, p);
		if (unlikely(ret))
			return ret;
	}
	i = pins_probe(p, shared);
	p->slots[i].obj = shared;
	p->slots[i].count = 1;
	p->used++;
	__frost_stat_add(&p->total, 1);
	return 0;
}

/* Remove slot @i and close the gap by shifting the cluster back. */
static void pins_remove(struct frost_pins *p, uint32_t i)
{
	uint32_t mask = p->cap - 1;
	uint32_t j = i;

	for (;;) {
		uint32_t home;

		j = (j + 1) & mask;
		if (!p->slots[j].obj)
			break;
		home = pin_slot(p->slots[j].obj, mask);
		/*
		 * The entry at @j may move to the hole at @i unless its home
		 * lies cyclically in (i, j]: then the hole is before its home
		 * and moving it would make it unreachable.
		 */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		p->slots[i] = p->slots[j];
		i = j;
	}
	p->slots[i].obj = NULL;
	p->slots[i].count = 0;
	p->used--;
}

/* Public: see include/frost/sandbox.h. */
int frost_unpin(struct frost_sandbox *sb, struct frost_object *shared)
{
	struct frost_pins *p;
	uint32_t i;

	__frost_sandbox_guard(sb);
	if (unlikely(!shared))
		return -EINVAL;
	if (unlikely(!__frost_sandbox_online(sb)))
		return -EINVAL;
	p = &sb->pins;
	if (!p->cap)
		return -ENOENT;
	i = pins_probe(p, shared);
	if (!p->slots[i].obj)
		return -ENOENT;
	__frost_gc_barrier(sb, shared, NULL);
	__frost_stat_sub(&p->total, 1);
	if (--p->slots[i].count == 0)
		pins_remove(p, i);
	return 0;
}

/* Internal: see pins.h. */
void __frost_pins_for_each(struct frost_sandbox *sb, frost_root_fn fn, void *arg)
{
	const struct frost_pins *p = &sb->pins;
	uint32_t i;

	for (i = 0; i < p->cap; i++)
		if (p->slots[i].obj)
			fn(p->slots[i].obj, arg);
}

/* Internal: see pins.h. */
void __frost_pins_release(struct frost_sandbox *sb)
{
	/* The slots are an arena buffer: freed here, or with the arena. */
	if (sb->pins.slots)
		__frost_private_free(sb->pins.slots);
	sb->pins.slots = NULL;
	sb->pins.cap = sb->pins.used = 0;
	/* frost_sandbox_stats() may be reading it from another thread. */
	__atomic_store_n(&sb->pins.total, 0, __ATOMIC_RELAXED);
}
