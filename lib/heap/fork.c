// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/heap/fork.c - what fork() does to heaps and sandboxes.
 *
 * Theory of operation. fork() copies the address space but only the calling
 * thread. The child keeps every heap (its shared objects, namespace,
 * channels and their messages, copy-on-write) and the forking thread's
 * sandbox, if it has one; every other sandbox belonged to a thread that
 * does not exist in the child and is dropped there with its pins and its
 * private objects. Their memory is unmapped without running any finalize
 * callback: those objects are unreachable in the child (no shared object,
 * root or other sandbox can refer to a private object, lifetime rule 4)
 * and running user code for another thread's objects in a copy of the
 * process would repeat side effects the parent still owns (closing a
 * descriptor the parent uses, for instance). Threads do not survive
 * fork(): each heap's background reclaimer, the grace-period kicker and
 * liburcu's call_rcu worker are started again in the child.
 *
 * A lock held by a thread that is not copied stays locked in the child for
 * ever, and liburcu's registry of readers still lists the threads that are
 * gone, so a grace period in the child would wait for them for ever. The
 * handlers registered with pthread_atfork() therefore bring the process to
 * a point where no frost lock is held and no grace period is in progress,
 * hold it across fork(), and repair the child's copy:
 *
 * prepare (in this order, each step waiting for the previous one's holders):
 *  1. the forking thread's sandbox goes offline: fork() is a blocking call
 *     and a quiescent state for it, so nothing below waits for it;
 *  2. the heap registry's outer lock (lib/core/handle.c), then every
 *     heap's gc cycle_lock: a reclaim cycle in progress ends first (it needs the kicker and the sandboxes' quiescent
 *     states, so this comes before the gate closes);
 *  3. the fork gate closes (lib/rcu/gate.c): frost's grace periods in
 *     progress end and no frost code can register or unregister a liburcu
 *     reader;
 *  4. urcu_qsbr_call_rcu_before_fork(): liburcu pauses its call_rcu
 *     workers and rculfhash's resize worker, which leave the registry;
 *  5. the heap registry's inner lock, every heap's heap->lock, its
 *     channels' locks, heap->shared_lock and the reclaimer's wait_lock;
 *     then the kicker's lock, the spawn registry's lock, the sandbox
 *     pool's lock and the channel quarantine's lock. Online sandboxes take these briefly, and nothing
 *     waits for a grace period any more, so they come free.
 * parent: the same in reverse order.
 * child: the locks of step 5 are released and condition variables set up
 *     anew (sleepers that are gone must not be waited for); each heap drops
 *     the sandboxes of other threads (their liburcu registrations are
 *     unlinked from liburcu's registry, which is safe because the child has
 *     one thread and step 3 and 4 left the registry quiescent); channels
 *     forget blocked senders and receivers and half-done ring operations;
 *     urcu_qsbr_call_rcu_after_fork_child() starts a fresh call_rcu worker;
 *     the gate opens, the cycle locks and the registry's locks are
 *     released, the background reclaimers start again, and the forking sandbox comes back
 *     online.
 *
 * Lock order (the whole library): heap_list_lock, gc->cycle_lock, the fork
 * gate, liburcu's call_rcu mutex, heap_registry_lock, heap->lock, a
 * channel's lock, heap->shared_lock, gc->wait_lock, the kicker's lock, spawn_lock, the
 * sandbox pool's lock, the channel quarantine's lock.
 * frost_heap_create() and frost_heap_destroy() take heap_list_lock, then
 * heap_registry_lock; when the first is busy (a fork in progress) a
 * calling sandbox waits offline.
 *
 * Limits: liburcu readers registered by the program itself (outside frost)
 * in threads that are gone still block the child's grace periods; threads
 * that call synchronize_rcu() themselves during fork() may leave liburcu's
 * locks held in the child. Both are the program's to avoid.
 */
#include <pthread.h>
#include <stdlib.h>
#include "heap/heap.h"

/* The live heaps, from __frost_heaps_fork_hold() (lib/core/handle.c). */
static struct frost_heap *heap_list;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* Did prepare take the forking thread's sandbox offline? */
static __thread bool fork_went_offline;

/* ------------------------------------------------------------------ */
/* The handlers                                                        */

static void fork_prepare(void)
{
	struct frost_sandbox *sb = frost_sandbox_current();
	struct frost_heap *heap;

	fork_went_offline = __frost_blocking_begin(sb);
	heap_list = __frost_heaps_fork_hold();
	for (heap = heap_list; heap; heap = __frost_heap_next(heap))
		__frost_gc_fork_cycle(heap, FROST_FORK_PREPARE);
	__frost_rcu_fork_prepare();
	__frost_heaps_fork_lock();
	for (heap = heap_list; heap; heap = __frost_heap_next(heap)) {
		pthread_mutex_lock(&heap->lock);
		__frost_channels_fork(heap, FROST_FORK_PREPARE);
		__frost_shared_fork(heap, FROST_FORK_PREPARE);
		__frost_gc_fork_locks(heap, FROST_FORK_PREPARE);
	}
	__frost_gc_fork_kicker(FROST_FORK_PREPARE);
	__frost_spawn_fork(FROST_FORK_PREPARE);
	__frost_sandbox_pool_fork(FROST_FORK_PREPARE);
	__frost_channel_quarantine_fork(FROST_FORK_PREPARE);
}

static void fork_parent(void)
{
	struct frost_heap *heap;

	__frost_channel_quarantine_fork(FROST_FORK_PARENT);
	__frost_sandbox_pool_fork(FROST_FORK_PARENT);
	__frost_spawn_fork(FROST_FORK_PARENT);
	__frost_gc_fork_kicker(FROST_FORK_PARENT);
	for (heap = heap_list; heap; heap = __frost_heap_next(heap)) {
		__frost_gc_fork_locks(heap, FROST_FORK_PARENT);
		__frost_shared_fork(heap, FROST_FORK_PARENT);
		__frost_channels_fork(heap, FROST_FORK_PARENT);
		pthread_mutex_unlock(&heap->lock);
	}
	__frost_heaps_fork_unlock();
	__frost_rcu_fork_parent();
	for (heap = heap_list; heap; heap = __frost_heap_next(heap))
		__frost_gc_fork_cycle(heap, FROST_FORK_PARENT);
	__frost_heaps_fork_release();
	__frost_blocking_end(frost_sandbox_current(), fork_went_offline);
}

/* Drop every sandbox of @heap but the forking thread's. Child only. */
static void drop_foreign_sandboxes(struct frost_heap *heap, struct frost_sandbox *keep)
{
	struct frost_sandbox *sb;

	__frost_for_each_sandbox_safe(sb, heap)
		if (sb != keep)
			__frost_sandbox_drop_after_fork(sb);
}

static void fork_child(void)
{
	struct frost_sandbox *self = frost_sandbox_current();
	struct frost_heap *heap;

	__frost_rcu_fork_child_reset();

	__frost_channel_quarantine_fork(FROST_FORK_CHILD);
	__frost_sandbox_pool_fork(FROST_FORK_CHILD);
	__frost_spawn_fork(FROST_FORK_CHILD);
	__frost_gc_fork_kicker(FROST_FORK_CHILD);
	for (heap = heap_list; heap; heap = __frost_heap_next(heap)) {
		__frost_gc_fork_locks(heap, FROST_FORK_CHILD);
		__frost_shared_fork(heap, FROST_FORK_CHILD);
		__frost_channels_fork(heap, FROST_FORK_CHILD);
		pthread_mutex_unlock(&heap->lock);
		drop_foreign_sandboxes(heap, self);
	}
	__frost_heaps_fork_unlock();
	__frost_rcu_fork_child_resume();
	for (heap = heap_list; heap; heap = __frost_heap_next(heap))
		__frost_gc_fork_cycle(heap, FROST_FORK_CHILD);
	for (heap = heap_list; heap; heap = __frost_heap_next(heap))
		__frost_gc_fork_restart(heap);
	__frost_heaps_fork_release();
	__frost_blocking_end(self, fork_went_offline);
}

static void atfork_init(void)
{
	if (pthread_atfork(fork_prepare, fork_parent, fork_child))
		__frost_panic("cannot register the fork handlers");
}

void __frost_fork_init(void)
{
	pthread_once(&atfork_once, atfork_init);
}
