/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/gc/gc_internal.h - state shared by lib/gc/mark.c and lib/gc/reclaim.c.
 *
 * Theory of operation: see lib/gc/reclaim.c. struct frost_gc holds the
 * reclaimer's private state and counters; the words every sandbox reads
 * (gc_phase, hs_epoch, hs_scan_cycle) live in struct frost_heap itself.
 */
#ifndef __FROST_GC_GC_INTERNAL_H
#define __FROST_GC_GC_INTERNAL_H

#include <pthread.h>
#include "core/fault.h"
#include "core/stack.h"
#include "gc/gc.h"
#include "mm/shared.h"

/*
 * struct frost_gc - the reclaimer of one heap.
 * @cycle_lock: serialises cycles (the thread and frost_reclaim()).
 * @wait_lock, @wake: the background thread sleeps on @wake.
 * @cycle_done: paced allocators wait on it (under @wait_lock).
 * @thread, @has_thread, @stop: the background thread.
 * @poked: __frost_gc_poke() asked the background thread for a cycle
 *	(under @wait_lock).
 * @shaded: objects newly marked by barriers and handshakes (termination).
 * @overflow: a grey push failed: re-trace every marked object.
 * @trigger_bytes: shared bytes allocated when the last cycle ended.
 * @cycles, @freed_objects, @freed_bytes, @max_cycle_ns, @max_handshake_ns,
 * @survivor_bytes: statistics (atomic).
 * @last_freed_objects: objects the last cycle freed (atomic).
 * @broken: FROST_BREAK_* steps to skip, a test-only switch (see
 *	frost_debug_break_reclaimer()); under @cycle_lock.
 * @step: where the running cycle is, an enum frost_gc_step (atomic).
 * @grey: the reclaimer's grey stack of marked objects to trace (object
 *	pointers, malloc'd; a push that cannot grow sets @overflow).
 * @garbage: the unmarked objects a sweep collected, to finalize and free
 *	(object pointers, malloc'd; a push that cannot grow leaves the rest
 *	of that page for a later cycle).
 * @stall_unknown_cycle: the cycle in which the reclaimer last warned of a
 *	grace period that no frost sandbox holds up.
 * @pace_wanted: the cycle number (a value of @cycles) that a paced
 *	allocator waits for, the highest; while @cycles is below it the
 *	background thread skips its reclaimer_duty sleep (under @wait_lock).
 * @old_bytes: bytes of old objects (promoted, not yet freed; atomic).
 * @old_base: @old_bytes after the last full cycle (atomic).
 * @live_bytes: the last cycle's live estimate, what it kept minus what was
 *	frozen while it ran (atomic): the adaptive trigger's base.
 * @promoted_bytes, @young_cycles, @full_cycles, @young_cpu_ns,
 * @full_cpu_ns: generational statistics (atomic).
 * @open_alloc: bytes allocated when the last cycle opened (under
 *	@cycle_lock).
 * @full_mode: young cycles would not pay (the last cycle freed few young
 *	objects): the adaptive trigger runs full ones (under @cycle_lock).
 */
struct frost_gc {
	pthread_mutex_t cycle_lock;
	pthread_mutex_t wait_lock;
	pthread_cond_t wake;
	pthread_cond_t cycle_done;	/* broadcast at the end of each cycle */
	pthread_t thread;
	bool has_thread;
	bool stop;
	bool poked;
	uint64_t shaded;
	bool overflow;
	uint64_t trigger_bytes;
	uint64_t cycles;
	uint64_t freed_objects;
	uint64_t freed_bytes;
	uint64_t max_cycle_ns;
	uint64_t max_handshake_ns;
	uint64_t survivor_bytes;
	uint64_t last_freed_objects;
	int broken;
	int step;		/* enum frost_gc_step, for tests and debugging */
	uint64_t stall_unknown_cycle;	/* warned of a non-frost staller (cycle) */
	struct __frost_stack grey;
	struct __frost_stack garbage;
	uint64_t pace_wanted;
	uint64_t old_bytes;
	uint64_t old_base;
	uint64_t live_bytes;
	uint64_t promoted_bytes;
	uint64_t young_cycles;
	uint64_t full_cycles;
	uint64_t young_cpu_ns;
	uint64_t full_cpu_ns;
	uint64_t open_alloc;
	bool full_mode;
};

/* Where a cycle is (struct frost_gc.step). */
enum frost_gc_step {
	FROST_GC_STEP_IDLE = 0,
	FROST_GC_STEP_GP1,		/* waiting for every sandbox to see the phase */
	FROST_GC_STEP_MARK,		/* root scans at handshakes */
	FROST_GC_STEP_TERMINATE,	/* tracing barrier greys */
	FROST_GC_STEP_SWEEP,		/* finalize, then the grace period before reuse */
};

/*
 * __frost_gc_is_old() - is non-static shared object @o in the old
 * generation? Relaxed: the bits are the reclaimer's, written in a sweep;
 * a marker of a later cycle sees them through the phase it loaded with
 * acquire (pairs with the release store of gc_phase in run_cycle()), and a
 * marker that races with the sweep that promotes @o gets the same outcome
 * either way (@o is marked already).
 */
static inline bool __frost_gc_is_old(const struct frost_object *o)
{
	const struct frost_shared_page *pg = __frost_shared_page_of(o);
	uint32_t slot = __frost_shared_slot(pg, o);

	return __atomic_load_n(&pg->old[slot / 64], __ATOMIC_RELAXED) & (UINT64_C(1) << (slot % 64));
}

/* A marker of @phase does not mark @o: a young cycle stops at old objects. */
static inline bool __frost_gc_stops_at(const struct frost_object *o, unsigned int phase)
{
	return (phase & FROST_GC_YOUNG) && !__frost_is_static(o) && __frost_gc_is_old(o);
}

bool __frost_gc_test_and_mark(struct frost_object *o, unsigned int colour);

/*
 * __frost_gc_check_generations() - count (and print the first few of) the
 * old objects of @heap with a young child (lib/gc/check.c). Context: under
 * gc->cycle_lock.
 */
long __frost_gc_check_generations(struct frost_heap *heap);

/*
 * __frost_gc_is_marked() - is @o's mark bit of @colour set? Static objects
 * always are (by address: @o is not read). Inline: the sweep asks it of
 * every allocated slot.
 */
static inline bool __frost_gc_is_marked(const struct frost_object *o, unsigned int colour)
{
	const struct frost_shared_page *pg;
	uint32_t slot;

	if (__frost_is_static(o))
		return true;
	pg = __frost_shared_page_of(o);
	slot = __frost_shared_slot(pg, o);
	/* Acquire: pairs with the release fetch-or in mark_bit() (lib/gc/mark.c). */
	return __atomic_load_n(&pg->mark[colour][slot / 64], __ATOMIC_ACQUIRE) &
	       (UINT64_C(1) << (slot % 64));
}
/*
 * __frost_gc_mark_roots() - mark root objects @objs[0..@n) in turn, each
 * followed by the trace of what it reaches, on the reclaimer's grey stack
 * @gs; add the objects marked to *@marked. One marking context (one phase
 * reading) serves the batch.
 */
void __frost_gc_mark_roots(struct frost_heap *heap, struct __frost_stack *gs,
			   struct frost_object *const *objs, size_t n, uint64_t *marked);
void __frost_gc_trace_marked(struct frost_heap *heap, struct __frost_stack *gs,
			     struct frost_object *o, uint64_t *marked);
void __frost_gc_sandbox_work(struct frost_sandbox *sb);

#endif /* __FROST_GC_GC_INTERNAL_H */
