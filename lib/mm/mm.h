/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/mm/mm.h - the memory manager's parts of a heap and a sandbox.
 *
 * Theory of operation: lib/mm/private.c (the per-sandbox arenas) and
 * lib/mm/shared.c (the shared slabs and per-CPU depots) keep their state
 * here. A heap's part holds the shared slabs, depots and the chains that
 * detached sandboxes left; a sandbox's part its private arena and its
 * magazines of free shared slots. Each embeds the core part below it
 * (lib/core/handle.h), and the reclaimer's layer embeds these.
 *
 * The allocator never decides when to collect: every batch of shared
 * memory it is about to hand out is charged through @charge, a hook the
 * heap's composition installs (the reclaimer's pacing and shared_limit,
 * lib/gc/reclaim.c), which may block (a quiescent state for the sandbox),
 * except for the allocations that ask it not to (FROST_SHARED_NOWAIT).
 */
#ifndef __FROST_MM_MM_H
#define __FROST_MM_MM_H

#include <pthread.h>
#include "core/handle.h"
#include "mm/private.h"
#include "mm/shared.h"

struct frost_depot;

/*
 * struct frost_heap_mm - the memory manager's part of a heap.
 * @shared_lock: protects the slab and large-object lists and @orphans.
 * @slabs, @large: every shared slab and large shared mapping.
 * @depots: per-CPU free lists, @nr_cpus of them (lib/mm/shared.c).
 * @nr_cpus: how many depots.
 * @orphans: chains detached sandboxes left, per slab kind and class.
 * @retired_alloc_objects, @retired_alloc_bytes: shared allocations counted
 *	by sandboxes that have detached (atomic adds).
 * @charge: called with each batch of shared bytes about to be handed out;
 *	0 to go on or -ENOMEM (over the heap's shared_limit). With
 *	FROST_SHARED_NOWAIT in its flags it must not block (no pacing, no
 *	cycle: a quiescent state there would free what the caller holds).
 *	NULL: no accounting (a heap under construction).
 */
struct frost_heap_mm {
	struct frost_heap_core;
	pthread_mutex_t shared_lock;
	struct cds_list_head slabs;
	struct cds_list_head large;
	struct frost_depot *depots;
	unsigned int nr_cpus;
	struct frost_object *orphans[FROST_SHARED_NR_KINDS][FROST_NR_CLASSES];
	uint64_t retired_alloc_objects;
	uint64_t retired_alloc_bytes;
	int (*charge)(struct frost_sandbox *sb, size_t size, unsigned int flags);
};

/*
 * struct frost_sandbox_mm - the memory manager's part of a sandbox.
 * @arena: the private arena (lib/mm/private.c).
 * @shared: shared-heap magazines and counters (lib/mm/shared.c).
 */
struct frost_sandbox_mm {
	struct frost_sandbox_core;
	struct frost_private_heap arena;
	struct frost_shared_cache shared;
};

#define __frost_heap_mm(h)	((struct frost_heap_mm *)(h))
#define __frost_sb_mm(sb)	((struct frost_sandbox_mm *)(sb))

/* Heap setup/teardown of the shared slabs and depots. */
int __frost_shared_heap_init(struct frost_heap *heap);
void __frost_shared_heap_destroy(struct frost_heap *heap);

/* The heap's shared_lock across fork() (lib/heap/fork.c). */
void __frost_shared_fork(struct frost_heap *heap, enum frost_fork_phase phase);

#endif /* __FROST_MM_MM_H */
