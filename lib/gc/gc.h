/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/gc/gc.h - the grace-period-driven reclaimer (internal interface).
 *
 * Theory of operation: see lib/gc/reclaim.c and
 * Documentation/design/reclaimer.rst. Other subsystems use three things:
 *
 *  - __frost_gc_barrier(): every store into a root (namespace publish,
 *    replace and unpublish; pin and unpin; channel send and receive) calls
 *    it with the old and the new object. While a cycle is open it shades
 *    both; otherwise it is one load and a branch.
 *  - __frost_gc_born_marked(): frost_freeze() and frost_str_intern() call it
 *    on each new shared object before publishing its type word, so objects
 *    created while a cycle is open survive that cycle.
 *  - root enumeration: the reclaimer reads the namespace
 *    (__frost_ns_for_each), the channels (__frost_channels_for_each) and,
 *    through each sandbox's handshake, its pins and private objects.
 */
#ifndef __FROST_GC_GC_H
#define __FROST_GC_GC_H

#include "sandbox/sandbox.h"

/* heap->gc_phase: no cycle, or the open cycle's colour (mark bitmap). */
#define FROST_GC_IDLE		0u
#define FROST_GC_ACTIVE		1u	/* bit 0: a cycle is open */
#define FROST_GC_COLOUR_SHIFT	1	/* bit 1: its colour */

void __frost_gc_shade_slow(struct frost_sandbox *sb, struct frost_object *o);

/*
 * __frost_gc_barrier() - a root changes from @old to @new (either may be
 * NULL or static). Context: the storing sandbox @sb, online.
 */
static inline void __frost_gc_barrier(struct frost_sandbox *sb, struct frost_object *old,
				      struct frost_object *new)
{
	/* Acquire: pairs with the release store that opens a cycle. */
	if (likely(!(__atomic_load_n(&sb->heap->gc_phase, __ATOMIC_ACQUIRE) & FROST_GC_ACTIVE)))
		return;
	if (old)
		__frost_gc_shade_slow(sb, old);
	if (new)
		__frost_gc_shade_slow(sb, new);
}

/*
 * __frost_gc_phase() - the reclaimer's phase, for code that must act on
 * one reading of it: a freeze marks all its new objects, and shades all
 * their shared children, by the same reading, or none of them (see
 * lib/core/freeze.c). Acquire: pairs with the release store that opens a
 * cycle.
 */
static inline unsigned int __frost_gc_phase(struct frost_heap *heap)
{
	return __atomic_load_n(&heap->gc_phase, __ATOMIC_ACQUIRE);
}

/*
 * __frost_gc_born_marked() - mark a new shared object @o if @phase (one
 * reading of __frost_gc_phase()) has a cycle open. Must run before @o's
 * type word is published.
 */
void __frost_gc_born_marked(struct frost_object *o, unsigned int phase);

/*
 * __frost_gc_shade_new_child() - a new object made while @phase had a
 * cycle open points to the existing shared object @child: shade it.
 */
void __frost_gc_shade_new_child(struct frost_sandbox *sb, struct frost_object *child,
				unsigned int phase);

/* Handshake work a sandbox owes the reclaimer, done at a quiescent state. */
void __frost_gc_handshake(struct frost_sandbox *sb);

/*
 * __frost_gc_sandbox_detach() - a detaching sandbox traces what its
 * barriers shaded, so no grey object is lost with it. Context: its thread,
 * online.
 */
void __frost_gc_sandbox_detach(struct frost_sandbox *sb);

/* Start/stop the heap's reclaimer (thread unless FROST_HEAP_MANUAL). */
int __frost_gc_init(struct frost_heap *heap);
void __frost_gc_destroy(struct frost_heap *heap);

/* An allocation would pass shared_limit: run a cycle (a quiescent state). */
void __frost_gc_over_limit(struct frost_sandbox *sb);

/* Wake the background reclaimer: much was frozen since the last cycle. */
void __frost_gc_poke(struct frost_heap *heap);

/* Bytes frozen since the last cycle began that start the next one. */
uint64_t __frost_gc_trigger(struct frost_heap *heap);

/*
 * __frost_gc_pace() - allocation pacing: when the background reclaimer
 * lags half a trigger behind the allocators (1.5 triggers allocated since
 * the last cycle began), @sb waits (offline, so a quiescent state) until
 * the next cycle ends. Bounds the heap to the live set plus about two
 * triggers however the threads are scheduled.
 */
void __frost_gc_pace(struct frost_sandbox *sb);

/* Fill in the reclaimer's counters. */
void __frost_gc_stats(struct frost_heap *heap, struct frost_heap_stats *st);

/*
 * Channels are roots: lib/sandbox/channel.c calls @fn on every object a
 * channel of @heap holds (queued, or held by a blocked sender).
 */
void __frost_channels_for_each(struct frost_heap *heap,
			       void (*fn)(struct frost_object *o, void *arg), void *arg);

#endif /* __FROST_GC_GC_H */
