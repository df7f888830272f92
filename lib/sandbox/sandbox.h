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

/*
 * How many destroyed heaps, and destroyed channels, keep their structure
 * out of reach of new ones, so that a stale handle keeps getting EINVAL
 * (lib/sandbox/heap.c, lib/sandbox/channel.c). Documented as "at least 16"
 * in Documentation/core-api/heap.rst and channel.rst.
 */
#define FROST_HANDLE_QUARANTINE		16u
#define FROST_CHANNEL_QUARANTINE	64u

struct frost_depot;

/*
 * struct frost_heap - a shared heap.
 * @magic: FROST_HEAP_MAGIC from creation until destruction.
 * @cfg: the caller's configuration, zero fields replaced by defaults.
 * @lock: protects the sandbox lists and counts (a leaf lock).
 * @sandboxes: the attached sandboxes (detached structures go to the pool in
 *	lib/sandbox/sandbox.c).
 * @nr_sandboxes: how many are attached.
 * @next_sandbox_id: the id the next new sandbox gets.
 * @ns: the namespace (lib/ns/namespace.c).
 * @intern: the intern table (lib/ns/intern.c).
 * @shared_lock: protects the slab and large-object lists (lib/mm/shared.c).
 * @slabs, @large: every shared slab and large shared mapping.
 * @depots, @nr_cpus: per-CPU free lists, @nr_cpus of them (lib/mm/shared.c).
 * @orphans: chains detached sandboxes left, per class (lib/mm/shared.c).
 * @retired_alloc_objects, @retired_alloc_bytes: shared allocations counted
 *	by sandboxes that have detached (atomic adds).
 * @gc: the reclaimer's state (lib/gc/reclaim.c).
 * @gc_phase: whether a cycle is open and its colour; read by the barriers.
 * @gc_cycle_no: the open (or last) cycle's number.
 * @hs_epoch: the newest handshake the reclaimer asked sandboxes for.
 * @hs_scan_cycle: sandboxes whose last root scan is older than this cycle
 *	scan their pins and private objects at the handshake.
 * @channels, @nr_channels: the heap's live channels (lib/sandbox/channel.c),
 *	under @lock; frost_heap_destroy() refuses while @nr_channels != 0.
 * @reg_prev, @reg_next: the registry of live heaps, then the quarantine of
 *	destroyed ones (lib/sandbox/heap.c), under its lock.
 */
struct frost_heap {
	uint32_t magic;
	struct frost_heap_config cfg;
	pthread_mutex_t lock;
	struct frost_sandbox *sandboxes;	/* attached */
	uint64_t nr_sandboxes;
	uint64_t next_sandbox_id;

	struct cds_lfht *ns;
	struct cds_lfht *intern;

	pthread_mutex_t shared_lock;
	struct frost_shared_page *slabs;
	struct frost_shared_page *large;
	struct frost_depot *depots;
	unsigned int nr_cpus;
	struct frost_object *orphans[FROST_NR_CLASSES];	/* shared_lock */
	uint64_t retired_alloc_objects;
	uint64_t retired_alloc_bytes;

	struct frost_gc *gc;		/* the reclaimer (lib/gc/) */
	unsigned int gc_phase;		/* FROST_GC_* (lib/gc/gc.h), atomic */
	uint64_t gc_cycle_no;		/* the open (or last) cycle's number */
	uint64_t hs_epoch;		/* last handshake requested, atomic */
	uint64_t hs_scan_cycle;		/* cycle whose root scan is requested */

	struct frost_channel *channels;	/* live channels, under @lock */
	uint64_t nr_channels;		/* how many (heap destroy: -EBUSY) */

	struct frost_heap *reg_prev, *reg_next;	/* heap_registry_lock */
};

/*
 * __frost_heap_live() - is @heap a heap that frost_heap_create() returned
 * and frost_heap_destroy() has not destroyed? Compares addresses only:
 * @heap is never dereferenced, so a destroyed handle is safe to pass.
 * Context: any thread; takes the registry lock (not on a hot path).
 */
bool __frost_heap_live(const struct frost_heap *heap);

/*
 * __frost_heaps_for_each() - call @fn(heap, @arg) for every live heap,
 * under the registry lock: no heap is destroyed meanwhile. @fn may take
 * heap->lock (the registry lock comes first in the lock order) and must
 * not create or destroy heaps.
 */
void __frost_heaps_for_each(void (*fn)(struct frost_heap *heap, void *arg), void *arg);

/* struct frost_pin_slot - one pinned object and its multiplicity. */
struct frost_pin_slot {
	struct frost_object *obj;
	uint64_t count;
};

/*
 * struct frost_pins - a sandbox's pins: an open-addressing multiset keyed by
 * object address, in an arena buffer, written only by its owner.
 * @slots, @cap: @cap slots (a power of two, or 0 before the first pin).
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
 * @state: online/offline/held for the reclaimer (see below).
 * @hs_ack: the newest reclaimer handshake this sandbox answered.
 * @scanned_cycle: the cycle whose root scan it did last.
 * @qs_ctr: liburcu's grace-period counter as of its last quiescent state
 *	(or of coming online): while it is online and this differs from the
 *	counter, it holds up the current grace period, whichever heap waits
 *	(stall diagnosis only; relaxed atomic, written by the owner).
 * @stall_warned, @stall_warned_heap: the cycle, and the heap whose cycle
 *	it was, for which it got its last stall warning (under heap->lock of
 *	its own heap, written by whichever heap's reclaimer warned).
 * @grey, @nr_grey, @grey_cap: objects its barriers shaded, whose children
 *	it traces at its next handshake (an arena buffer).
 * @spawned: made by frost_sandbox_spawn() (lib/sandbox/spawn.c): detach
 *	leaves the structure to frost_sandbox_join(), which puts it back in
 *	the pool, instead of doing so itself.
 * @released_by: the thread (tid) that last put the structure in the pool;
 *	the pool does not give it back to that thread.
 * @prev, @next: the heap's sandbox list (under heap->lock), or the pool's
 *	list (@next, under its lock).
 * @rcu_reader: the thread's liburcu reader record while it is registered
 *	(set and cleared inside the fork gate, lib/rcu/qs.c), so the child of
 *	a fork() can unlink a gone thread's record (lib/sandbox/fork.c).
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

	int state;			/* FROST_SB_*, atomic */
	uint64_t hs_ack;		/* last handshake answered, atomic */
	uint64_t scanned_cycle;		/* cycle of the last root scan */
	unsigned long qs_ctr;		/* gp counter at last QS, atomic */
	uint64_t stall_warned;		/* cycle that got a stall warning */
	const struct frost_heap *stall_warned_heap;	/* ...of this heap */
	struct frost_object **grey;	/* shaded, children not yet traced */
	size_t nr_grey, grey_cap;

	bool spawned;			/* made by frost_sandbox_spawn() */
	pid_t released_by;		/* last thread to put it in the pool */
	void *rcu_reader;		/* struct urcu_qsbr_reader, or NULL */
};

/*
 * __frost_sandbox_struct_get() - a sandbox structure from the process-wide
 * pool (never one the calling thread released last), or a new one.
 * Return: the structure (contents undefined but for a zero @magic), or
 * NULL with errno ENOMEM.
 */
struct frost_sandbox *__frost_sandbox_struct_get(void);

/* __frost_sandbox_struct_put() - give a detached structure to the pool. */
void __frost_sandbox_struct_put(struct frost_sandbox *sb);

/*
 * __frost_sandbox_attach_prepared() - attach the calling thread as sandbox
 * @sb, a structure the caller took from the pool (frost_sandbox_spawn());
 * it is marked @spawned. On failure (NULL, errno set) @sb stays the
 * caller's.
 */
struct frost_sandbox *__frost_sandbox_attach_prepared(struct frost_heap *heap,
						      struct frost_sandbox *sb);

/*
 * struct frost_sandbox.state, as the reclaimer sees it. ONLINE and OFFLINE
 * are set by the owner; HELD by the reclaimer (CAS from OFFLINE) while it
 * does an offline sandbox's handshake work; frost_sandbox_online() waits
 * for HELD to end.
 */
enum {
	FROST_SB_ONLINE = 0,
	FROST_SB_OFFLINE,
	FROST_SB_HELD,
};

static inline struct frost_private_heap *__frost_sandbox_arena(struct frost_sandbox *sb)
{
	return &sb->arena;
}

#endif /* __FROST_SANDBOX_SANDBOX_H */
