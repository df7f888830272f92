// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/sandbox/heap.c - heap creation, destruction and statistics.
 *
 * Theory of operation. A heap is created with its configuration (zero
 * fields take defaults) and holds the list of attached sandboxes under its
 * lock. Destruction refuses (-EBUSY) while a sandbox is attached (detached
 * sandbox structures belong to a process-wide pool, lib/sandbox/sandbox.c).
 *
 * Lock order: heap->lock is a leaf lock; nothing else is taken under it.
 */
#include <stdlib.h>
#include <string.h>
#include "core/fault.h"
#include "gc/gc.h"
#include "ns/ns.h"
#include "sandbox/fork.h"
#include "sandbox/sandbox.h"

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
	/* Complete: the fork handlers may take its locks from now on. */
	__frost_fork_heap_add(heap);
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
	if (!heap || heap->magic != FROST_HEAP_MAGIC)
		return -EINVAL;
	pthread_mutex_lock(&heap->lock);
	/* Channels hold roots and point at the heap (lib/sandbox/channel.c). */
	if (heap->nr_sandboxes || heap->nr_channels) {
		pthread_mutex_unlock(&heap->lock);
		return -EBUSY;
	}
	heap->magic = 0;
	pthread_mutex_unlock(&heap->lock);
	/* Out of the fork handlers' reach before anything is torn down. */
	__frost_fork_heap_del(heap);
	__frost_gc_destroy(heap);
	__frost_ns_destroy(heap);
	__frost_shared_heap_destroy(heap);
	pthread_mutex_destroy(&heap->lock);
	free(heap);
	return 0;
}

void frost_heap_stats(struct frost_heap *heap, struct frost_heap_stats *st)
{
	if (!heap || !st || heap->magic != FROST_HEAP_MAGIC)
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
