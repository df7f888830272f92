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
 *  - root enumeration: the reclaimer is below the subsystems that hold
 *    roots (namespace, channels, pins), so it reads them through the
 *    heap's struct frost_gc_roots, which the heap's composition installs
 *    (lib/heap/heap.c); a sandbox's private objects it scans itself.
 *
 * It also installs itself where lower layers call up: the allocator's
 * charge hook (pacing, shared_limit) and the quiescent-state hook (the
 * handshake) are __frost_gc_charge() and __frost_gc_handshake().
 */
#ifndef __FROST_GC_GC_H
#define __FROST_GC_GC_H

#include <frost/heap.h>
#include "core/stack.h"
#include "rcu/rcu.h"

struct frost_gc;

/*
 * Defaults for struct frost_heap_config's zero fields. The default cycle
 * trigger is adaptive: half the bytes the last cycle kept, but at least
 * this, so floating garbage stays under the live set (lib/gc/reclaim.c).
 * Allocators are paced no earlier than FROST_MIN_PACE_BYTES past a cycle's
 * base, whatever the trigger.
 */
#define FROST_MIN_CYCLE_TRIGGER		(2u << 20)
#define FROST_MIN_PACE_BYTES		(1u << 20)
#define FROST_DEFAULT_STALL_WARN_MS	2000u
/* reclaimer_duty 0: the whole of one CPU, as before the knob existed. */
#define FROST_DEFAULT_RECLAIMER_DUTY	FROST_RECLAIMER_DUTY_MAX

/* A visitor of root objects. */
typedef void (*frost_root_fn)(struct frost_object *o, void *arg);

/*
 * struct frost_gc_roots - where the reclaimer finds roots and weak tables.
 * @for_each_global: call the visitor on every object the heap's shared roots hold
 *	(namespace bindings, channel contents). Context: the reclaimer,
 *	online as a QSBR reader.
 * @for_each_sandbox: call the visitor on every object a sandbox's own roots
 *	hold (its pins). Context: the sandbox's thread, or the sandbox held
 *	offline by the reclaimer.
 * @sweep_weak: drop the weak entries (interned strs) whose object the
 *	predicate says is unmarked. Context: the reclaimer, online.
 */
struct frost_gc_roots {
	void (*for_each_global)(struct frost_heap *heap, frost_root_fn fn, void *arg);
	void (*for_each_sandbox)(struct frost_sandbox *sb, frost_root_fn fn, void *arg);
	void (*sweep_weak)(struct frost_heap *heap,
			   bool (*is_marked)(struct frost_object *o, void *arg), void *arg);
};

/*
 * struct frost_sandbox_gc - the reclaimer's part of a sandbox.
 * @hs_ack: the newest reclaimer handshake this sandbox answered (atomic).
 * @scanned_cycle: the cycle whose root scan it did last.
 * @stall_warned, @stall_warned_heap: the cycle, and the heap, for which it
 *	last got a stall warning.
 * @grey: objects its barriers shaded, whose children it traces at its
 *	next handshake (object pointers; the stack grows in the sandbox's
 *	arena, __frost_private_alloc_ops).
 * @poke_bytes: its shared allocation count when it last woke the
 *	reclaimer (__frost_gc_charge()).
 * @pace_deferred: a non-blocking allocation (FROST_SHARED_NOWAIT) skipped
 *	pacing: pace at the next quiescent state.
 * @limit_deferred: the largest charge a non-blocking allocation failed
 *	over shared_limit since then (0: none): run a cycle at the next
 *	quiescent state if the heap is still that far over.
 */
struct frost_sandbox_gc {
	struct frost_sandbox_rcu;
	uint64_t hs_ack;
	uint64_t scanned_cycle;
	uint64_t stall_warned;
	const struct frost_heap *stall_warned_heap;
	struct __frost_stack grey;
	uint64_t poke_bytes;
	bool pace_deferred;
	size_t limit_deferred;
};

/*
 * struct frost_heap_gc - the reclaimer's part of a heap.
 * @gc: the reclaimer's own state (lib/gc/gc_internal.h).
 * @gc_phase: whether a cycle is open and its colour; read by the barriers.
 * @gc_cycle_no: the open (or last) cycle's number (the intern table's
 *	claims; while a cycle is open its parity is the colour in @gc_phase).
 * @hs_epoch: the newest handshake the reclaimer asked sandboxes for.
 * @hs_scan_cycle: sandboxes whose last root scan is older than this cycle
 *	scan their pins and private objects at the handshake.
 * @roots: where the roots are (installed before the heap is used).
 */
struct frost_heap_gc {
	struct frost_heap_rcu;
	struct frost_gc *gc;
	unsigned int gc_phase;
	uint64_t gc_cycle_no;
	uint64_t hs_epoch;
	uint64_t hs_scan_cycle;
	const struct frost_gc_roots *roots;
};

#define __frost_heap_gc(h)	((struct frost_heap_gc *)(h))
#define __frost_sb_gc(sb)	((struct frost_sandbox_gc *)(sb))

/*
 * heap->gc_phase: no cycle, or the open cycle's colour (mark bitmap), which
 * is also the parity of its number: the born bitmap a publication sets
 * (__frost_gc_born_marked()), so that one reading of the phase gives a
 * freeze both its born marks and its born bits.
 */
#define FROST_GC_IDLE		0u
#define FROST_GC_ACTIVE		1u	/* bit 0: a cycle is open */
#define FROST_GC_COLOUR_SHIFT	1	/* bit 1: its colour */
#define FROST_GC_YOUNG		4u	/* bit 2: a young cycle (stops at old objects) */

void __frost_gc_shade_slow(struct frost_sandbox *sb, struct frost_object *o);

/*
 * __frost_gc_barrier() - a root changes from @old to @new (either may be
 * NULL or static). Context: the storing sandbox @sb, online.
 */
static inline void __frost_gc_barrier(struct frost_sandbox *sb, struct frost_object *old,
				      struct frost_object *new)
{
	/* Acquire: pairs with the release store that opens a cycle. */
	if (likely(!(__atomic_load_n(&__frost_heap_gc(__frost_sb_core(sb)->heap)->gc_phase,
				     __ATOMIC_ACQUIRE) & FROST_GC_ACTIVE)))
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
 * lib/freeze/freeze.c). Acquire: pairs with the release store that opens a
 * cycle.
 */
static inline unsigned int __frost_gc_phase(struct frost_heap *heap)
{
	return __atomic_load_n(&__frost_heap_gc(heap)->gc_phase, __ATOMIC_ACQUIRE);
}

/*
 * __frost_gc_born_marked() - mark a new shared object @o if @phase (one
 * reading of __frost_gc_phase()) has a cycle open. Must run before @o's
 * type word is published. With no cycle open it does nothing (inline: the
 * common case costs a test).
 */
void __frost_gc_born_marked_open(struct frost_object *o, unsigned int phase);

static inline void __frost_gc_born_marked(struct frost_object *o, unsigned int phase)
{
	if (unlikely(phase & FROST_GC_ACTIVE))
		__frost_gc_born_marked_open(o, phase);
}

/*
 * __frost_gc_shade_new_child() - a new object made while @phase had a
 * cycle open points to the existing shared object @child: shade it.
 */
void __frost_gc_shade_new_child(struct frost_sandbox *sb, struct frost_object *child,
				unsigned int phase);

/*
 * __frost_gc_drop_new() - new shared object @o, published by @sb but seen
 * by nobody else (a lost intern race), is not wanted: its slot goes back to
 * @sb's magazine at once, unless a mark bit is set (born marked): then it
 * is left to a sweep, which frees it as garbage. A slot must not change
 * hands with a mark set: the next sweep would take it for the previous
 * cycle's mark of the new object and age it (lib/gc/reclaim.c, G5).
 */
void __frost_gc_drop_new(struct frost_sandbox *sb, struct frost_object *o);

/* Handshake work a sandbox owes the reclaimer, done at a quiescent state. */
void __frost_gc_handshake(struct frost_sandbox *sb);

/*
 * __frost_gc_sandbox_detach() - a detaching sandbox traces what its
 * barriers shaded, so no grey object is lost with it. Context: its thread,
 * online.
 */
void __frost_gc_sandbox_detach(struct frost_sandbox *sb);

/*
 * __frost_gc_sandbox_init() - a sandbox about to be listed holds nothing:
 * it owes no handshake asked before. Context: under the heap's lock.
 * __frost_gc_sandbox_forget() - a fork child's sandbox of a gone thread:
 * its grey buffer goes with its arena, untraced (the child's next cycle
 * starts from scratch).
 */
void __frost_gc_sandbox_init(struct frost_sandbox *sb);
void __frost_gc_sandbox_forget(struct frost_sandbox *sb);

/*
 * __frost_gc_init() - start the heap's reclaimer (a thread unless
 * FROST_HEAP_MANUAL), which finds roots through @roots (static, outliving
 * the heap), and install its hooks in the allocator (charge) and the
 * quiescent-state layer (handshake). __frost_gc_destroy() stops it.
 */
int __frost_gc_init(struct frost_heap *heap, const struct frost_gc_roots *roots);
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
 * __frost_gc_charge() - the allocator's charge hook (struct frost_heap_mm's
 * @charge): wake the reclaimer when a trigger's worth was allocated since
 * @sb last looked, pace @sb if the reclaimer lags, and enforce shared_limit
 * (over it, run a cycle first). May block: a quiescent state for @sb,
 * unless @flags has FROST_SHARED_NOWAIT: then pacing and the cycle are
 * deferred to @sb's next quiescent state and a charge over shared_limit
 * fails at once. Return: 0 or -ENOMEM.
 */
int __frost_gc_charge(struct frost_sandbox *sb, size_t size, unsigned int flags);

/*
 * __frost_gc_run_deferred() - at a quiescent state of @sb (from
 * __frost_gc_handshake()), the pacing or the cycle a non-blocking charge
 * deferred. May block.
 */
void __frost_gc_run_deferred(struct frost_sandbox *sb);

/* The reclaimer across fork() (lib/heap/fork.c has the order). */
void __frost_gc_fork_cycle(struct frost_heap *heap, enum frost_fork_phase phase);
void __frost_gc_fork_locks(struct frost_heap *heap, enum frost_fork_phase phase);
void __frost_gc_fork_restart(struct frost_heap *heap);
void __frost_gc_fork_kicker(enum frost_fork_phase phase);

#endif /* __FROST_GC_GC_H */
