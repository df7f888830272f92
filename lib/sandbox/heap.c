// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/sandbox/heap.c - heap creation, destruction and statistics, and the
 * process-wide registry of live heaps.
 *
 * Theory of operation. A heap is created with its configuration (zero
 * fields take defaults) and holds the list of attached sandboxes under its
 * lock. Destruction refuses (-EBUSY) while a sandbox is attached (detached
 * sandbox structures belong to a process-wide pool, lib/sandbox/sandbox.c).
 *
 * The registry. Every live heap is on one list under heap_registry_lock,
 * from the end of frost_heap_create() to the start of the teardown in
 * frost_heap_destroy(). It serves two purposes:
 *
 *  - Handle checks without reading freed memory: the calls that take a
 *    heap (destroy, attach, spawn, channel_create, reclaim, stats, the
 *    debug hooks) first ask __frost_heap_live(), which compares addresses
 *    and never dereferences the handle. They are all rare (none is on a
 *    read or alloc path), so a global mutex and a linear walk are cheap
 *    enough; a program has a handful of heaps.
 *  - Stall diagnosis: heaps share liburcu's grace periods, so the sandbox
 *    that holds a cycle up may belong to any heap; the reclaimer walks all
 *    of them (__frost_heaps_for_each(), lib/gc/reclaim.c).
 *
 * A registry keyed by address accepts a stale pointer to a new heap that
 * malloc placed at the same address: the call then acts on that live heap
 * (memory-safe, but not the heap the caller meant). To make the EINVAL of
 * a stale handle dependable in practice, a destroyed heap's structure is
 * not returned to malloc at once: the last FROST_HANDLE_QUARANTINE of them
 * are kept (unused, never read), so no new heap can take their addresses.
 *
 * The list has two locks: heap_list_lock, which the fork handlers hold
 * across fork() while they wait for cycles to end (lib/sandbox/fork.c), and
 * heap_registry_lock, which the readers take (handle checks, and stall
 * scans, which run inside cycles). Create and destroy take both, so either
 * one keeps the list stable.
 *
 * Lock order: heap_list_lock, then (a heap's cycle lock and the fork gate,
 * see fork.c) heap_registry_lock, then heap->lock. heap->lock is otherwise
 * a leaf lock. Nothing takes either registry lock while holding a heap's
 * lock.
 */
#include <stdlib.h>
#include <string.h>
#include "core/fault.h"
#include "gc/gc.h"
#include "ns/ns.h"
#include "rcu/rcu.h"
#include "sandbox/fork.h"
#include "sandbox/sandbox.h"

/*
 * heap_list_lock: membership changes and the fork handlers, which hold it
 * across fork() (lib/sandbox/fork.c). heap_registry_lock: membership
 * changes and the readers (handle checks, stall scans). A change takes
 * both, so holding either one keeps the list stable.
 */
static pthread_mutex_t heap_list_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t heap_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct frost_heap *heap_registry;	/* live heaps */
static struct frost_heap *heap_quarantine;	/* destroyed, oldest first */
static struct frost_heap **heap_quarantine_tail = &heap_quarantine;
static unsigned int heap_quarantine_len;

/* Is @heap on the registry? Caller holds heap_registry_lock. */
static bool registry_has(const struct frost_heap *heap)
{
	for (struct frost_heap *h = heap_registry; h; h = h->reg_next)
		if (h == heap)
			return true;
	return false;
}

bool __frost_heap_live(const struct frost_heap *heap)
{
	bool live;

	if (!heap)
		return false;
	pthread_mutex_lock(&heap_registry_lock);
	live = registry_has(heap);
	pthread_mutex_unlock(&heap_registry_lock);
	return live;
}

void __frost_heaps_for_each(void (*fn)(struct frost_heap *heap, void *arg), void *arg)
{
	pthread_mutex_lock(&heap_registry_lock);
	for (struct frost_heap *h = heap_registry; h; h = h->reg_next)
		fn(h, arg);
	pthread_mutex_unlock(&heap_registry_lock);
}

/*
 * Take heap_list_lock. A fork in progress holds it until it has waited for
 * grace periods: a calling sandbox must not hold them up, so it waits
 * offline (a quiescent state) when the lock is busy.
 */
static void heap_list_lock_acquire(void)
{
	struct frost_sandbox *sb;
	bool off;

	if (!pthread_mutex_trylock(&heap_list_lock))
		return;
	sb = frost_sandbox_current();
	off = __frost_blocking_begin(sb);
	pthread_mutex_lock(&heap_list_lock);
	__frost_blocking_end(sb, off);
}

struct frost_heap *__frost_heaps_fork_hold(void)
{
	pthread_mutex_lock(&heap_list_lock);
	return heap_registry;
}

void __frost_heaps_fork_registry(enum frost_fork_phase phase)
{
	if (phase == FROST_FORK_PREPARE)
		pthread_mutex_lock(&heap_registry_lock);
	else
		pthread_mutex_unlock(&heap_registry_lock);
}

void __frost_heaps_fork_release(void)
{
	pthread_mutex_unlock(&heap_list_lock);
}

static void registry_add(struct frost_heap *heap)
{
	__frost_fork_init();
	heap_list_lock_acquire();
	pthread_mutex_lock(&heap_registry_lock);
	heap->reg_prev = NULL;
	heap->reg_next = heap_registry;
	if (heap->reg_next)
		heap->reg_next->reg_prev = heap;
	heap_registry = heap;
	pthread_mutex_unlock(&heap_registry_lock);
	pthread_mutex_unlock(&heap_list_lock);
}

/* Caller holds heap_list_lock and heap_registry_lock. */
static void registry_del(struct frost_heap *heap)
{
	if (heap->reg_prev)
		heap->reg_prev->reg_next = heap->reg_next;
	else
		heap_registry = heap->reg_next;
	if (heap->reg_next)
		heap->reg_next->reg_prev = heap->reg_prev;
}

/*
 * The structure of a destroyed heap goes to the back of the quarantine;
 * the oldest beyond FROST_HANDLE_QUARANTINE goes back to malloc. Only the
 * linkage is written; nothing ever reads the rest.
 */
static void quarantine_heap(struct frost_heap *heap)
{
	struct frost_heap *old = NULL;

	pthread_mutex_lock(&heap_registry_lock);
	heap->reg_next = NULL;
	*heap_quarantine_tail = heap;
	heap_quarantine_tail = &heap->reg_next;
	if (++heap_quarantine_len > FROST_HANDLE_QUARANTINE) {
		old = heap_quarantine;
		heap_quarantine = old->reg_next;
		heap_quarantine_len--;
	}
	pthread_mutex_unlock(&heap_registry_lock);
	free(old);
}

struct frost_heap *frost_heap_create(const struct frost_heap_config *cfg)
{
	struct frost_heap *heap;

	if (cfg && (cfg->flags & ~FROST_HEAP_MANUAL))
		return frost_err_null(EINVAL);
	heap = __frost_should_fail() ? NULL : calloc(1, sizeof(*heap));
	if (!heap)
		return frost_err_null(ENOMEM);
	if (cfg)
		heap->cfg = *cfg;
	/* cycle_trigger 0: adaptive (__frost_gc_trigger()). */
	if (!heap->cfg.stall_warn_ms)
		heap->cfg.stall_warn_ms = FROST_DEFAULT_STALL_WARN_MS;
	if (pthread_mutex_init(&heap->lock, NULL))
		goto err_free;
	if (__frost_shared_heap_init(heap))
		goto err_lock;
	if (__frost_ns_init(heap))
		goto err_shared;
	heap->next_sandbox_id = 1;
	heap->magic = FROST_HEAP_MAGIC;
	if (__frost_gc_init(heap))
		goto err_ns;
	/* Complete: handle checks, stall scans and the fork handlers may see
	 * it from now on. */
	registry_add(heap);
	return heap;

err_ns:
	heap->magic = 0;
	__frost_ns_destroy(heap);
err_shared:
	__frost_shared_heap_destroy(heap);
err_lock:
	pthread_mutex_destroy(&heap->lock);
err_free:
	free(heap);
	return frost_err_null(ENOMEM);
}

int frost_heap_destroy(struct frost_heap *heap)
{
	if (!heap)
		return -EINVAL;
	/*
	 * The registry lock is held from the check to the unlink, so two
	 * destroys of one heap (even concurrent ones) free it once, and a
	 * reclaimer's stall scan never sees a heap being torn down. It is
	 * dropped before the teardown: joining our reclaimer thread under it
	 * could wait for that thread's stall scan, which takes it.
	 */
	heap_list_lock_acquire();
	pthread_mutex_lock(&heap_registry_lock);
	if (!registry_has(heap)) {
		pthread_mutex_unlock(&heap_registry_lock);
		pthread_mutex_unlock(&heap_list_lock);
		return -EINVAL;
	}
	pthread_mutex_lock(&heap->lock);
	/* Channels hold roots and point at the heap (lib/sandbox/channel.c). */
	if (heap->nr_sandboxes || heap->nr_channels) {
		pthread_mutex_unlock(&heap->lock);
		pthread_mutex_unlock(&heap_registry_lock);
		pthread_mutex_unlock(&heap_list_lock);
		return -EBUSY;
	}
	registry_del(heap);
	heap->magic = 0;
	pthread_mutex_unlock(&heap->lock);
	pthread_mutex_unlock(&heap_registry_lock);
	pthread_mutex_unlock(&heap_list_lock);
	__frost_gc_destroy(heap);
	__frost_ns_destroy(heap);
	__frost_shared_heap_destroy(heap);
	pthread_mutex_destroy(&heap->lock);
	quarantine_heap(heap);
	return 0;
}

void frost_heap_stats(struct frost_heap *heap, struct frost_heap_stats *st)
{
	if (!st || !__frost_heap_live(heap))
		return;
	memset(st, 0, sizeof(*st));
	__frost_shared_stats_alloc(heap, &st->shared_objects, &st->shared_bytes);
	__frost_gc_stats(heap, st);
	st->shared_objects -= st->freed_objects;
	st->shared_bytes -= st->freed_bytes;
	pthread_mutex_lock(&heap->lock);
	st->sandboxes = heap->nr_sandboxes;
	pthread_mutex_unlock(&heap->lock);
}
