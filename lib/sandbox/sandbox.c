// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/sandbox/sandbox.c - attaching and detaching sandboxes.
 *
 * Theory of operation. frost_sandbox_attach() gives the calling thread a
 * sandbox on a heap: a fresh private arena, an id unique within the heap,
 * and an entry on the heap's list. The thread's sandbox is remembered in a
 * thread-local variable (for the EBUSY check and debug ownership checks)
 * and in a pthread key whose destructor detaches a sandbox whose thread
 * exits without detaching, so its memory is not lost.
 *
 * Attach also registers the thread with liburcu-qsbr (lib/rcu/qs.c);
 * detach returns its shared-heap magazines to the depots (after a grace
 * period), drops its pins and unregisters it.
 *
 * frost_sandbox_detach() runs on the owning thread: it finalizes and frees
 * every private object still alive (the arena is unmapped wholesale; no
 * refcount is consulted, since nothing outside the sandbox can reference a
 * private object) and unlinks the sandbox. The structure goes on the heap's
 * recycle list, so a stale pointer is still readable memory whose magic
 * says "detached" until the heap is destroyed or the structure is reused.
 * A sandbox made by frost_sandbox_spawn() is attached in a structure its
 * spawner allocated (__frost_sandbox_attach_prepared()) and is not
 * recycled at detach: it stays the join handle until frost_sandbox_join()
 * frees it (lib/sandbox/spawn.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "core/fault.h"
#include "gc/gc.h"
#include "rcu/rcu.h"
#include "sandbox/sandbox.h"

static __thread struct frost_sandbox *frost_current;
static pthread_key_t frost_exit_key;
static pthread_once_t frost_exit_key_once = PTHREAD_ONCE_INIT;

static void detach_now(struct frost_sandbox *sb);

/* A thread exited while attached: detach on its behalf. */
static void frost_exit_destructor(void *arg)
{
	struct frost_sandbox *sb = arg;

	if (sb && sb->magic == FROST_SANDBOX_MAGIC)
		detach_now(sb);
}

static void frost_exit_key_init(void)
{
	if (pthread_key_create(&frost_exit_key, frost_exit_destructor))
		__frost_panic("cannot create the thread-exit key");
}

struct frost_sandbox *frost_sandbox_current(void)
{
	return frost_current;
}

/*
 * Attach the calling thread as @sb (fresh memory or a recycled structure).
 * Return: 0 or -ENOMEM; on failure @sb is left to the caller.
 */
static int attach_init(struct frost_heap *heap, struct frost_sandbox *sb, bool spawned)
{
	memset(sb, 0, sizeof(*sb));
	sb->heap = heap;
	sb->tid = (pid_t)syscall(SYS_gettid);
	sb->thread = pthread_self();
	sb->spawned = spawned;
	__frost_private_heap_init(&sb->arena);
	if (pthread_setspecific(frost_exit_key, sb))
		return -ENOMEM;

	pthread_mutex_lock(&heap->lock);
	/* A new sandbox holds nothing: it owes no handshake asked before. */
	sb->hs_ack = __atomic_load_n(&heap->hs_epoch, __ATOMIC_ACQUIRE);
	sb->scanned_cycle = __atomic_load_n(&heap->hs_scan_cycle, __ATOMIC_ACQUIRE);
	sb->state = FROST_SB_ONLINE;
	sb->id = heap->next_sandbox_id++;
	sb->next = heap->sandboxes;
	if (sb->next)
		sb->next->prev = sb;
	heap->sandboxes = sb;
	heap->nr_sandboxes++;
	sb->magic = FROST_SANDBOX_MAGIC;
	pthread_mutex_unlock(&heap->lock);

	frost_current = sb;
	__frost_rcu_attach(sb);
	return 0;
}

struct frost_sandbox *frost_sandbox_attach(struct frost_heap *heap)
{
	struct frost_sandbox *sb;

	if (!__frost_heap_live(heap))
		return frost_err_null(EINVAL);
	if (frost_current)
		return frost_err_null(EBUSY);
	pthread_once(&frost_exit_key_once, frost_exit_key_init);

	pthread_mutex_lock(&heap->lock);
	sb = heap->recycled;
	if (sb)
		heap->recycled = sb->next;
	pthread_mutex_unlock(&heap->lock);
	if (!sb) {
		sb = __frost_should_fail() ? NULL : malloc(sizeof(*sb));
		if (!sb)
			return frost_err_null(ENOMEM);
	}
	if (attach_init(heap, sb, false)) {
		free(sb);
		return frost_err_null(ENOMEM);
	}
	return sb;
}

struct frost_sandbox *__frost_sandbox_attach_prepared(struct frost_heap *heap,
						      struct frost_sandbox *sb)
{
	if (!__frost_heap_live(heap))
		return frost_err_null(EINVAL);
	if (frost_current)
		return frost_err_null(EBUSY);
	pthread_once(&frost_exit_key_once, frost_exit_key_init);
	if (attach_init(heap, sb, true))
		return frost_err_null(ENOMEM);
	return sb;
}

static void finalize_object(struct frost_object *o)
{
	if (o->type && o->type->finalize)
		o->type->finalize(o);
}

#ifdef CONFIG_FROST_DEBUG
static void count_object(struct frost_object *o, void *arg)
{
	(void)o;
	++*(uint64_t *)arg;
}
#endif

/* Free the arena and unlink @sb; the caller checked it is ours and alive. */
static void detach_now(struct frost_sandbox *sb)
{
	struct frost_heap *heap = sb->heap;

	/* Online for the depot hand-back; the pins die with the arena. */
	frost_sandbox_online(sb);
	__frost_gc_sandbox_detach(sb);
	__frost_shared_cache_release(sb);
	if (sb->pins.slots)
		__frost_private_free(sb->pins.slots);
	memset(&sb->pins, 0, sizeof(sb->pins));
#ifdef CONFIG_FROST_DEBUG
	{
		/* Objects the program left alive (not frost's own buffers). */
		uint64_t objects = 0;

		__frost_private_for_each_object(&sb->arena, count_object, &objects);
		if (objects)
			fprintf(stderr, "frost: sandbox %llu detached with %llu live private objects\n",
				(unsigned long long)sb->id, (unsigned long long)objects);
	}
#endif
	__frost_private_heap_destroy(&sb->arena, finalize_object);
	__frost_rcu_detach(sb);
	pthread_mutex_lock(&heap->lock);
	if (sb->prev)
		sb->prev->next = sb->next;
	else
		heap->sandboxes = sb->next;
	if (sb->next)
		sb->next->prev = sb->prev;
	heap->nr_sandboxes--;
	sb->magic = 0;
	/* A spawned sandbox's structure is the join handle: spawn.c frees it. */
	if (!sb->spawned) {
		sb->next = heap->recycled;
		heap->recycled = sb;
	}
	pthread_mutex_unlock(&heap->lock);
	if (frost_current == sb)
		frost_current = NULL;
}

int frost_sandbox_detach(struct frost_sandbox *sb)
{
	int err = __frost_check_sandbox(sb);

	if (err)
		return err;
	if (!pthread_equal(sb->thread, pthread_self()))
		return -EPERM;
	pthread_setspecific(frost_exit_key, NULL);
	detach_now(sb);
	return 0;
}

int frost_sandbox_stats(const struct frost_sandbox *sb, struct frost_sandbox_stats *st)
{
	if (__frost_check_sandbox(sb) || !st)
		return -EINVAL;
	st->id = sb->id;
	st->live_objects = sb->arena.live_objects;
	st->live_bytes = sb->arena.live_bytes;
	st->pages = sb->arena.pages;
	st->pins = sb->pins.total;
	return 0;
}
