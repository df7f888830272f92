// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/core/handle.c - handle checks and the registry of live heaps.
 *
 * Theory of operation. Two kinds of handle reach the library from its
 * callers and may be stale: sandbox pointers and heap pointers.
 *
 * A sandbox pointer is checked against the calling thread's current
 * sandbox (__frost_check_sandbox(), inline in handle.h); only when they
 * differ does __frost_check_sandbox_slow() read the pointer, which is safe
 * because sandbox structures are never returned to malloc (the pool of
 * lib/sandbox/sandbox.c).
 *
 * A heap pointer is checked against the registry: every live heap is on
 * one list from the end of frost_heap_create() to the start of the
 * teardown in frost_heap_destroy(). __frost_heap_live() compares addresses
 * and never dereferences the handle. The calls that take a heap are all
 * rare (none is on a read or alloc path), so a global mutex and a linear
 * walk are cheap enough; a program has a handful of heaps. The registry
 * also serves stall diagnosis (heaps share liburcu's grace periods, so the
 * sandbox that holds a cycle up may belong to any heap: the reclaimer walks
 * all of them) and the fork handlers (which take every heap's locks).
 *
 * A registry keyed by address accepts a stale pointer to a new heap that
 * malloc placed at the same address: the call then acts on that live heap
 * (memory-safe, but not the heap the caller meant). To make the EINVAL of
 * a stale handle dependable in practice, a destroyed heap's structure is
 * not returned to malloc at once: the last FROST_HANDLE_QUARANTINE of them
 * are kept (unused, never read), so no new heap can take their addresses.
 *
 * Locks. heap_list_lock (outer): membership changes and the fork handlers,
 * which hold it across fork() while they wait for cycles to end.
 * heap_registry_lock (inner): membership changes and readers (handle
 * checks; stall scans, which run inside cycles). A change takes both, so
 * holding either keeps the list stable. Order: heap_list_lock, (a heap's
 * cycle lock and the fork gate: lib/heap/fork.c), heap_registry_lock, a
 * heap's lock. Nothing takes a registry lock while holding a heap's lock.
 */
#include <stdlib.h>
#include "core/handle.h"

__thread FROST_TLS_IE struct frost_sandbox *__frost_current_sb;

int __frost_check_sandbox_slow(const struct frost_sandbox *sb)
{
	if (!sb)
		return -EINVAL;
	/*
	 * Not the caller's sandbox. Sandbox structures live in a pool that is
	 * never freed, so even a stale pointer may be read. Relaxed: only the
	 * value matters; pairs with the relaxed stores of @magic in
	 * attach_init() and detach_now() (lib/sandbox/sandbox.c).
	 */
	if (__atomic_load_n(&__frost_sb_core(sb)->magic, __ATOMIC_RELAXED) != FROST_SANDBOX_MAGIC)
		return -EINVAL;
	return -EPERM;
}

void __frost_heap_core_init(struct frost_heap *heap)
{
	CDS_INIT_LIST_HEAD(&__frost_heap_core(heap)->sandboxes);
	CDS_INIT_LIST_HEAD(&__frost_heap_core(heap)->reg_node);
}

void __frost_sandbox_link(struct frost_sandbox *sb)
{
	struct frost_sandbox_core *sc = __frost_sb_core(sb);
	struct frost_heap_core *hc = __frost_heap_core(sc->heap);

	/* Relaxed: frost_sandbox_stats() may read it from another thread. */
	__atomic_store_n(&sc->id, hc->next_sandbox_id++, __ATOMIC_RELAXED);
	cds_list_add(&sc->node, &hc->sandboxes);
	hc->nr_sandboxes++;
	/* Relaxed: pairs with the relaxed load in __frost_check_sandbox_slow(),
	 * which needs the value only (the owner's thread never reads it). */
	__atomic_store_n(&sc->magic, FROST_SANDBOX_MAGIC, __ATOMIC_RELAXED);
}

void __frost_sandbox_unlink(struct frost_sandbox *sb)
{
	struct frost_sandbox_core *sc = __frost_sb_core(sb);

	cds_list_del(&sc->node);
	__frost_heap_core(sc->heap)->nr_sandboxes--;
	/* Relaxed: see __frost_sandbox_link(). */
	__atomic_store_n(&sc->magic, 0, __ATOMIC_RELAXED);
}

static pthread_mutex_t heap_list_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t heap_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static CDS_LIST_HEAD(heap_registry);		/* live heaps */
static CDS_LIST_HEAD(heap_quarantine);		/* destroyed, oldest first */
static unsigned int heap_quarantine_len;

#define heap_of_reg_node(n) \
	((struct frost_heap *)__frost_container_of(n, struct frost_heap_core, reg_node))

/* Is @heap on the registry? Caller holds a registry lock. */
static bool registry_has(const struct frost_heap *heap)
{
	struct cds_list_head *n;

	cds_list_for_each(n, &heap_registry)
		if (heap_of_reg_node(n) == heap)
			return true;
	return false;
}

struct frost_heap *__frost_heap_next(struct frost_heap *heap)
{
	struct cds_list_head *n = heap ? __frost_heap_core(heap)->reg_node.next : heap_registry.next;

	return n == &heap_registry ? NULL : heap_of_reg_node(n);
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
	struct cds_list_head *n;

	pthread_mutex_lock(&heap_registry_lock);
	cds_list_for_each(n, &heap_registry)
		fn(heap_of_reg_node(n), arg);
	pthread_mutex_unlock(&heap_registry_lock);
}

void __frost_heap_register(struct frost_heap *heap)
{
	pthread_mutex_lock(&heap_list_lock);
	pthread_mutex_lock(&heap_registry_lock);
	cds_list_add(&__frost_heap_core(heap)->reg_node, &heap_registry);
	pthread_mutex_unlock(&heap_registry_lock);
	pthread_mutex_unlock(&heap_list_lock);
}

int __frost_heap_unregister(struct frost_heap *heap, bool (*busy)(struct frost_heap *heap))
{
	struct frost_heap_core *hc = __frost_heap_core(heap);
	int ret = 0;

	/*
	 * Both locks from the check to the unlink: two destroys of one heap
	 * (even concurrent ones) unregister it once, and a stall scan never
	 * sees a heap being torn down. The caller tears down after this
	 * returns: joining its reclaimer under a registry lock could wait for
	 * that thread's stall scan, which takes it.
	 */
	pthread_mutex_lock(&heap_list_lock);
	pthread_mutex_lock(&heap_registry_lock);
	if (!registry_has(heap)) {
		ret = -EINVAL;
		goto out;
	}
	pthread_mutex_lock(&hc->lock);
	if (hc->nr_sandboxes || (busy && busy(heap))) {
		pthread_mutex_unlock(&hc->lock);
		ret = -EBUSY;
		goto out;
	}
	cds_list_del_init(&hc->reg_node);
	hc->magic = 0;
	pthread_mutex_unlock(&hc->lock);
out:
	pthread_mutex_unlock(&heap_registry_lock);
	pthread_mutex_unlock(&heap_list_lock);
	return ret;
}

void __frost_heap_retire(struct frost_heap *heap)
{
	struct frost_heap *old = NULL;

	/* Only the linkage is written; nothing ever reads the rest. */
	pthread_mutex_lock(&heap_registry_lock);
	cds_list_add_tail(&__frost_heap_core(heap)->reg_node, &heap_quarantine);
	if (++heap_quarantine_len > FROST_HANDLE_QUARANTINE) {
		old = heap_of_reg_node(heap_quarantine.next);
		cds_list_del(&__frost_heap_core(old)->reg_node);
		heap_quarantine_len--;
	}
	pthread_mutex_unlock(&heap_registry_lock);
	free(old);
}

struct frost_heap *__frost_heaps_fork_hold(void)
{
	pthread_mutex_lock(&heap_list_lock);
	return __frost_heap_next(NULL);
}

void __frost_heaps_fork_lock(void)
{
	pthread_mutex_lock(&heap_registry_lock);
}

void __frost_heaps_fork_unlock(void)
{
	pthread_mutex_unlock(&heap_registry_lock);
}

void __frost_heaps_fork_release(void)
{
	pthread_mutex_unlock(&heap_list_lock);
}
