/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/sandbox/sandbox.h - heap and sandbox structures (internal).
 *
 * Theory of operation. A heap keeps its attached sandboxes on a list under
 * heap->lock (attach and detach are rare; nothing hot takes the lock). A
 * sandbox is owned by one thread: its arena and counters are written only
 * by that thread. The thread's sandbox is also kept in a thread-local
 * variable, used only off the fast paths (attach's EBUSY check, debug
 * ownership checks, detach's thread check).
 */
#ifndef __FROST_SANDBOX_SANDBOX_H
#define __FROST_SANDBOX_SANDBOX_H

#include <pthread.h>
#include <sys/types.h>
#include "core/internal.h"
#include "mm/private.h"
#include "mm/shared.h"

struct cds_lfht;

#define FROST_HEAP_MAGIC	0x68656170u	/* "heap" */
#define FROST_SANDBOX_MAGIC	0x73616e64u	/* "sand" */

/* Defaults for struct frost_heap_config's zero fields. */
#define FROST_DEFAULT_CYCLE_TRIGGER	(8u << 20)
#define FROST_DEFAULT_STALL_WARN_MS	2000u

struct frost_depot;

/*
 * struct frost_heap - a shared heap.
 * @lock: protects the sandbox lists and counts (a leaf lock).
 * @ns: the namespace (lib/ns/namespace.c).
 * @intern: the intern table (lib/ns/intern.c).
 * @shared_lock: protects the slab and large-object lists (lib/mm/shared.c).
 * @slabs, @large: every shared slab and large shared mapping.
 * @depots: per-CPU free lists, @nr_cpus of them (lib/mm/shared.c).
 * @retired_alloc_objects, @retired_alloc_bytes: shared allocations counted
 *	by sandboxes that have detached (atomic adds).
 */
struct frost_heap {
	uint32_t magic;
	struct frost_heap_config cfg;
	pthread_mutex_t lock;
	struct frost_sandbox *sandboxes;	/* attached */
	struct frost_sandbox *recycled;		/* detached, for reuse */
	uint64_t nr_sandboxes;
	uint64_t next_sandbox_id;

	struct cds_lfht *ns;
	struct cds_lfht *intern;

	pthread_mutex_t shared_lock;
	struct frost_shared_page *slabs;
	struct frost_shared_page *large;
	struct frost_depot *depots;
	unsigned int nr_cpus;
	uint64_t retired_alloc_objects;
	uint64_t retired_alloc_bytes;
};

/* struct frost_pin_slot - one pinned object and its multiplicity. */
struct frost_pin_slot {
	struct frost_object *obj;
	uint64_t count;
};

/*
 * struct frost_pins - a sandbox's pins: an open-addressing multiset keyed by
 * object address, in an arena buffer, written only by its owner.
 * @slots: @cap slots (a power of two, or 0 before the first pin).
 * @used: slots holding an object; @total: pins counting multiplicity.
 */
struct frost_pins {
	struct frost_pin_slot *slots;
	uint32_t cap;
	uint32_t used;
	uint64_t total;
};

/*
 * struct frost_sandbox - one thread attached to one heap.
 * @qs: the public quiescent-state words (include/frost/sandbox.h).
 * @magic: FROST_SANDBOX_MAGIC while attached, 0 after detach.
 * @heap: the heap.
 * @id: number unique within the heap, from 1.
 * @tid: the owning thread's kernel thread id (for messages).
 * @thread: the owning thread.
 * @arena: the private arena.
 * @dealloc_pending: objects whose count reached zero while a dealloc was
 *	running, linked through their refcnt word (see frost_dealloc()).
 * @in_dealloc: frost_dealloc() is running on this sandbox.
 * @offline: between frost_sandbox_offline() and frost_sandbox_online().
 * @pins: the sandbox's pins (lib/ns/pin.c).
 * @shared: shared-heap magazines and counters (lib/mm/shared.c).
 * @prev, @next: the heap's sandbox list (under heap->lock).
 */
struct frost_sandbox {
	struct frost_sandbox_qs qs;	/* first: frost_quiescent()'s fast path */
	uint32_t magic;
	struct frost_heap *heap;
	uint64_t id;
	pid_t tid;
	pthread_t thread;
	struct frost_private_heap arena;
	struct frost_object *dealloc_pending;
	bool in_dealloc;
	bool offline;
	struct frost_sandbox *prev, *next;
	struct frost_pins pins;
	struct frost_shared_cache shared;
};

static inline struct frost_private_heap *__frost_sandbox_arena(struct frost_sandbox *sb)
{
	return &sb->arena;
}

#endif /* __FROST_SANDBOX_SANDBOX_H */
