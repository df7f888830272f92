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

/**
 * struct frost_heap_config - heap parameters; zero fields take the defaults.
 * @shared_limit: bytes of shared objects the heap may hold (0: unlimited).
 * @cycle_trigger: bytes frozen since the last cycle that start a new one
 *	(0: default, 8 MiB).
 * @stall_warn_ms: a sandbox that delays a cycle this long gets a stall
 *	warning on stderr (0: default, 2000 ms).
 * @flags: FROST_HEAP_MANUAL.
 */
struct frost_heap_config {
	size_t shared_limit;
	size_t cycle_trigger;
	unsigned int stall_warn_ms;
	unsigned int flags;
};

/**
 * struct frost_heap_stats - a snapshot of a heap's counters.
 * @shared_objects: shared objects alive.
 * @shared_bytes: bytes of shared objects alive (allocation sizes).
 * @cycles: reclaim cycles completed.
 * @freed_objects: shared objects freed by the reclaimer, in total.
 * @freed_bytes: bytes of them.
 * @sandboxes: sandboxes attached now.
 * @max_cycle_ns: longest cycle, in nanoseconds.
 */
struct frost_heap_stats {
	uint64_t shared_objects;
	uint64_t shared_bytes;
	uint64_t cycles;
	uint64_t freed_objects;
	uint64_t freed_bytes;
	uint64_t sandboxes;
	uint64_t max_cycle_ns;
};

/**
 * frost_heap_create() - Create a shared heap.
 * @cfg: parameters, or NULL for the defaults.
 *
 * Context: any thread; may block (allocates, may start a thread).
 * Return: the heap; NULL with errno EINVAL (unknown flag) or ENOMEM.
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

#endif /* __FROST_HEAP_H */
