// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/heap/heap.c - heap creation, destruction and statistics: the
 * composition root of the library's layers.
 *
 * Theory of operation. A heap is every layer's part in one structure
 * (lib/sandbox/sandbox.h). frost_heap_create() initialises the parts from
 * the bottom up (the core's configuration and lock, the shared slabs, the
 * namespace and intern table, the reclaimer) and wires the reclaimer, which
 * is below the subsystems that hold roots, to them through heap_roots: the
 * namespace and the channels (shared roots), the pins (each sandbox's), the
 * intern table (weak). Then it registers the heap (lib/core/handle.c), from
 * which point handle checks, stall scans and the fork handlers see it.
 *
 * frost_heap_destroy() unregisters the heap unless a sandbox or a channel
 * still uses it (-EBUSY), then tears the parts down from the top, and the
 * structure goes to the registry's quarantine (stale handles keep getting
 * EINVAL). Registry changes wait for a fork in progress; a calling sandbox
 * waits offline, as in any blocking call.
 */
#include <stdlib.h>
#include <string.h>
#include "core/fault.h"
#include "heap/heap.h"

static void heap_roots_global(struct frost_heap *heap, frost_root_fn fn, void *arg)
{
	__frost_ns_for_each(heap, fn, arg);
	__frost_channels_for_each(heap, fn, arg);
}

/* Where the reclaimer finds this heap's roots (lib/gc/gc.h). */
static const struct frost_gc_roots heap_roots = {
	.for_each_global = heap_roots_global,
	.for_each_sandbox = __frost_pins_for_each,
	.sweep_weak = __frost_intern_sweep,
};

/* Registry changes may wait for a fork in progress: offline, if a sandbox. */
static void heap_register(struct frost_heap *heap)
{
	struct frost_sandbox *sb = frost_sandbox_current();
	bool off = __frost_blocking_begin(sb);

	__frost_fork_init();
	__frost_heap_register(heap);
	__frost_blocking_end(sb, off);
}

static int heap_unregister(struct frost_heap *heap)
{
	struct frost_sandbox *sb = frost_sandbox_current();
	bool off = __frost_blocking_begin(sb);
	int ret = __frost_heap_unregister(heap, __frost_channels_busy);

	__frost_blocking_end(sb, off);
	return ret;
}

/* Unknown flags, knobs out of range and non-zero reserved words: EINVAL. */
static bool config_valid(const struct frost_heap_config *cfg)
{
	if (cfg->flags & ~(FROST_HEAP_MANUAL | FROST_HEAP_FULL_CYCLES))
		return false;
	if (cfg->reclaimer_duty > FROST_RECLAIMER_DUTY_MAX ||
	    cfg->reclaimer_nice > FROST_RECLAIMER_NICE_MAX)
		return false;
	for (size_t i = 0; i < sizeof(cfg->reserved) / sizeof(cfg->reserved[0]); i++)
		if (cfg->reserved[i])
			return false;
	return true;
}

struct frost_heap *frost_heap_create(const struct frost_heap_config *cfg)
{
	struct frost_heap *heap;

	if (cfg && !config_valid(cfg))
		return frost_err_null(EINVAL);
	/* Cache-line aligned: parts keep hot words on lines of their own
	 * (the namespace index's table pointer and lock). */
	heap = __frost_should_fail() ? NULL
		: aligned_alloc(64, (sizeof(*heap) + 63) & ~(size_t)63);
	if (!heap)
		return frost_err_null(ENOMEM);
	memset(heap, 0, sizeof(*heap));
	if (cfg)
		heap->cfg = *cfg;
	/* cycle_trigger 0: adaptive (__frost_gc_trigger()). */
	if (!heap->cfg.stall_warn_ms)
		heap->cfg.stall_warn_ms = FROST_DEFAULT_STALL_WARN_MS;
	/* reclaimer_nice 0: unchanged. */
	if (!heap->cfg.reclaimer_duty)
		heap->cfg.reclaimer_duty = FROST_DEFAULT_RECLAIMER_DUTY;
	__frost_heap_core_init(heap);
	if (pthread_mutex_init(&heap->lock, NULL))
		goto err_free;
	if (__frost_shared_heap_init(heap))
		goto err_lock;
	if (__frost_ns_init(heap))
		goto err_shared;
	heap->next_sandbox_id = 1;
	heap->magic = FROST_HEAP_MAGIC;
	if (__frost_gc_init(heap, &heap_roots))
		goto err_ns;
	/* Complete: handle checks, stall scans and the fork handlers may see
	 * it from now on. */
	heap_register(heap);
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
	int ret;

	if (!heap)
		return -EINVAL;
	/* Unregistered first: no handle check, stall scan or fork finds it
	 * while it is torn down, and a second destroy gets -EINVAL. */
	ret = heap_unregister(heap);
	if (ret)
		return ret;
	__frost_gc_destroy(heap);
	__frost_ns_destroy(heap);
	__frost_shared_heap_destroy(heap);
	pthread_mutex_destroy(&heap->lock);
	__frost_heap_retire(heap);
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
