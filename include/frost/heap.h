/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * frost/heap.h - the shared heap: creation, destruction, statistics.
 *
 * Theory of operation. A heap owns the shared objects, the namespace and the
 * reclaimer; sandboxes attach to one heap. A program may create several
 * heaps; objects never move between heaps. A heap can be destroyed only when
 * no sandbox is attached and no channel lives (-EBUSY otherwise), and then it
 * frees every shared object it still holds.
 */
#ifndef __FROST_HEAP_H
#define __FROST_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <frost/compiler.h>

struct frost_heap;

/* frost_heap_config.flags: no background reclaimer thread; cycles run only
 * from frost_reclaim() (and from an allocation over shared_limit). */
#define FROST_HEAP_MANUAL	0x1u
/* frost_heap_config.flags: the background reclaimer runs full cycles only
 * (no young cycles: each one traces the whole live set). */
#define FROST_HEAP_FULL_CYCLES	0x2u

/**
 * struct frost_heap_config - heap parameters; zero fields take the defaults.
 * @shared_limit: bytes of shared objects the heap may hold (0: unlimited).
 * @cycle_trigger: bytes frozen since the last cycle that start a new one
 *	(0: adaptive: a sixth of the last cycle's live estimate, what it
 *	kept minus what was frozen while it ran, at least 2 MiB).
 * @stall_warn_ms: a sandbox that delays a cycle this long gets a stall
 *	warning on stderr (0: default, 2000 ms).
 * @flags: FROST_HEAP_MANUAL, FROST_HEAP_FULL_CYCLES.
 * @reclaimer_duty: percent of one CPU the background reclaimer may use,
 *	1..100 (0: default, 100, unthrottled). After each cycle it sleeps
 *	until its thread CPU time (CLOCK_THREAD_CPUTIME_ID) over the cycle
 *	and the sleep is this share; it wakes early when an allocator waits
 *	for a cycle (pacing) or the heap is destroyed. frost_reclaim() and
 *	cycles run for @shared_limit are never throttled.
 * @reclaimer_nice: nice increment for the background reclaimer thread,
 *	0..19, added to the nice value it inherits from the thread that
 *	creates the heap (and capped at 19): Linux per-thread nice with
 *	setpriority(2). 0: default, unchanged. A paced allocator waits for
 *	this thread, so under a full CPU a high increment slows allocators
 *	that outrun it (memory stays bounded).
 * @reserved: must be zero (EINVAL otherwise): room for later fields, so
 *	that the structure's size does not change again.
 *
 * ABI: this structure grew in 0.1 from 24 to 56 bytes (@reclaimer_duty,
 * @reclaimer_nice, @reserved); a program built against the older header
 * must be rebuilt. Later parameters take @reserved words, whose zero keeps
 * today's default, so the size stays fixed from now on.
 */
struct frost_heap_config {
	size_t shared_limit;
	size_t cycle_trigger;
	unsigned int stall_warn_ms;
	unsigned int flags;
	unsigned int reclaimer_duty;
	unsigned int reclaimer_nice;
	unsigned int reserved[6];
};

/* Limits of struct frost_heap_config's reclaimer fields. */
#define FROST_RECLAIMER_DUTY_MAX	100u
#define FROST_RECLAIMER_NICE_MAX	19u

/**
 * struct frost_heap_stats - a snapshot of a heap's counters.
 * @shared_objects: shared objects alive (allocated and not yet freed).
 * @shared_bytes: bytes of shared objects alive (allocation sizes).
 * @cycles: reclaim cycles completed.
 * @freed_objects: shared objects freed by the reclaimer, in total.
 * @freed_bytes: bytes of them.
 * @sandboxes: sandboxes attached now.
 * @max_cycle_ns: longest cycle, in nanoseconds.
 * @max_handshake_ns: longest wait of the reclaimer for all sandboxes to
 *	answer one handshake (a grace period), in nanoseconds.
 * @survivor_bytes: bytes of shared objects the last cycle kept (a young
 *	cycle keeps every old object). What the last cycle could not yet
 *	free (floating garbage) is at most @survivor_bytes minus the live
 *	set; a second full cycle frees it.
 */
struct frost_heap_stats {
	uint64_t shared_objects;
	uint64_t shared_bytes;
	uint64_t cycles;
	uint64_t freed_objects;
	uint64_t freed_bytes;
	uint64_t sandboxes;
	uint64_t max_cycle_ns;
	uint64_t max_handshake_ns;
	uint64_t survivor_bytes;
};

/**
 * frost_heap_create() - Create a shared heap.
 * @cfg: parameters, or NULL for the defaults.
 *
 * Context: any thread; may block (allocates, may start a thread).
 * Return: the heap; NULL with errno EINVAL (unknown flag, @reclaimer_duty
 * over 100, @reclaimer_nice over 19, a non-zero @reserved word) or ENOMEM.
 */
FROST_API struct frost_heap *frost_heap_create(const struct frost_heap_config *cfg);

/**
 * frost_heap_destroy() - Destroy a heap and every shared object in it.
 * @heap: the heap.
 *
 * Context: any thread that is not attached to @heap; blocks.
 * Return: 0; -EINVAL (NULL @heap) or -EBUSY (sandboxes still attached, or
 * channels still alive: nothing is freed then).
 */
FROST_API int frost_heap_destroy(struct frost_heap *heap);

/**
 * frost_heap_stats() - Read a heap's counters.
 * @heap: the heap.
 * @st: filled with a snapshot (each counter read atomically, the set not).
 *
 * Context: any thread; never blocks.
 */
FROST_API void frost_heap_stats(struct frost_heap *heap, struct frost_heap_stats *st);

/**
 * frost_reclaim() - Run one full reclaim cycle now.
 * @heap: the heap.
 *
 * Frees every shared object that no root reached when the cycle began and
 * that nothing stored in a root since (lifetime rule 3): after it returns,
 * an object unreachable before the call is gone. Waits for a cycle already
 * running to end first. Other sandboxes keep running; the cycle waits for
 * each of them to pass a quiescent state (a sandbox that does not gets a
 * stall warning on stderr after stall_warn_ms).
 *
 * Context: any thread; blocks. For a calling sandbox it is a quiescent
 * state: shared objects it holds outside its roots may be freed.
 * Return: the number of objects freed; -EINVAL for a NULL @heap.
 */
FROST_API long frost_reclaim(struct frost_heap *heap);

/**
 * frost_reclaim_young() - Run one young reclaim cycle now.
 * @heap: the heap.
 *
 * Like frost_reclaim(), but the cycle is young: it frees only young
 * objects (those not yet promoted: frozen since the cycle before the last
 * one, roughly) that no root reaches, and its cost grows with the roots
 * and the young objects, not with the whole live set. Old objects that
 * became unreachable stay until the next full cycle. The background
 * reclaimer runs young cycles by default.
 *
 * Context: any thread; blocks. For a calling sandbox it is a quiescent
 * state.
 * Return: the number of objects freed; -EINVAL for a NULL @heap.
 */
FROST_API long frost_reclaim_young(struct frost_heap *heap);

/**
 * struct frost_cycle_stats - the reclaimer's generational counters.
 * @young_cycles: young cycles completed (they stop at old objects and
 *	sweep only young ones).
 * @full_cycles: full cycles completed (frost_reclaim(), shared_limit, and
 *	the background reclaimer once the old generation has grown by a
 *	third since the last full cycle, or after a young cycle that freed
 *	little).
 * @young_cpu_ns: CPU time of the threads that ran the young cycles, in
 *	nanoseconds, in total (the sandboxes' own root scans not included).
 * @full_cpu_ns: the same for full cycles.
 * @old_bytes: bytes of old objects now, unreachable ones included until the
 *	next full cycle frees them.
 * @promoted_bytes: bytes of objects promoted to the old generation, in
 *	total.
 * @live_bytes: the last cycle's estimate of the live set: what it kept
 *	minus what was frozen while it ran.
 * @trigger_bytes: bytes frozen since the last cycle began that make the
 *	background reclaimer start the next one.
 */
struct frost_cycle_stats {
	uint64_t young_cycles;
	uint64_t full_cycles;
	uint64_t young_cpu_ns;
	uint64_t full_cpu_ns;
	uint64_t old_bytes;
	uint64_t promoted_bytes;
	uint64_t live_bytes;
	uint64_t trigger_bytes;
};

/**
 * frost_heap_cycle_stats() - Read a heap's generational counters.
 * @heap: the heap.
 * @st: filled with a snapshot (each counter read atomically, the set not).
 *
 * Context: any thread; never blocks.
 * Return: 0; -EINVAL for a NULL @heap or @st.
 */
FROST_API int frost_heap_cycle_stats(struct frost_heap *heap, struct frost_cycle_stats *st);

/* frost_debug_break_reclaimer() flags: each removes one safety step. */
#define FROST_BREAK_SKIP_GP1		0x1u	/* no grace period after opening */
#define FROST_BREAK_SKIP_TERMINATE	0x2u	/* sweep before barrier greys are traced */
#define FROST_BREAK_SKIP_FREE_GP	0x4u	/* reuse memory without a grace period */
#define FROST_BREAK_SWEEP_OLD		0x8u	/* a young cycle frees the old objects it skipped */
#define FROST_BREAK_PROMOTE_ALONE	0x10u	/* promote an object, not its young children */
#define FROST_BREAK_ALL			0x1fu

/**
 * frost_debug_break_reclaimer() - Deliberately break the reclaimer (tests only).
 * @heap: the heap.
 * @flags: FROST_BREAK_* steps to skip from the next cycle on; 0 restores.
 *
 * Exists so that frost-torture and the test suite can show they detect the
 * bugs they are meant to catch: with a step removed, reachable objects get
 * freed. Never use it otherwise.
 *
 * Context: any thread; may wait for a running cycle.
 * Return: 0; -EINVAL for a NULL @heap or unknown flags.
 */
FROST_API int frost_debug_break_reclaimer(struct frost_heap *heap, unsigned int flags);

/**
 * frost_debug_check_generations() - Check that no old object points to a young one.
 * @heap: the heap.
 *
 * Walks every old shared object of @heap and checks that each child is old
 * too (or static): the invariant young cycles rely on
 * (Documentation/design/reclaimer.rst, I1). A violation is a reclaimer bug
 * that a later young cycle turns into a reachable object freed; this finds
 * it before that happens. The first few violations are printed on stderr.
 * Costs a walk of the whole shared heap; no cycle runs meanwhile.
 * CONFIG_FROST_DEBUG builds run the same check after every cycle and abort
 * on a violation.
 *
 * Context: any thread; waits for a running cycle (a calling sandbox is
 * offline meanwhile: a quiescent state).
 * Return: the number of old-to-young edges found (0: the invariant holds);
 * -EINVAL for a NULL or destroyed @heap.
 */
FROST_API long frost_debug_check_generations(struct frost_heap *heap);

/**
 * frost_debug_protect_shared() - Make every shared page read-only, or writable again.
 * @heap: the heap.
 * @readonly: true to protect, false to restore.
 *
 * A test and debugging hook for lifetime rule 6: while the shared pages are
 * read-only, any write to a shared object, by frost or by the program,
 * faults at the writing instruction. Nothing may allocate or reclaim shared
 * objects meanwhile (freeze, intern, a reclaim cycle): those write the
 * pages by design.
 *
 * Context: any thread; never blocks.
 * Return: 0; -EINVAL (NULL @heap) or the negative errno of mprotect(2).
 */
FROST_API int frost_debug_protect_shared(struct frost_heap *heap, bool readonly);

/**
 * frost_debug_fail_every() - Make every nth allocation fail (tests only).
 * @n: the period; 0 disarms.
 *
 * In a library built with CONFIG_FROST_FAULT_INJECTION, from this call on
 * every @n-th allocation the library makes (private or shared objects,
 * page mappings, table nodes, sandbox and channel records; counted over
 * all threads and heaps) fails as if memory were exhausted: the public
 * function that made it returns its documented ENOMEM error and leaves no
 * partial state. Arming restarts the count. For testing error paths.
 *
 * Context: any thread; never blocks.
 * Return: 0; -ENOSYS in a library built without fault injection.
 */
FROST_API int frost_debug_fail_every(unsigned int n);

#endif /* __FROST_HEAP_H */
