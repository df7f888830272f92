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
 * private object) and unlinks the sandbox.
 *
 * Sandbox structures are type-stable: they come from a process-wide pool
 * and are never returned to malloc. So every call can check its sandbox
 * argument by comparing it with the thread's current sandbox (no
 * dereference) and, when they differ, read the pointer's magic to tell a
 * detached sandbox (EINVAL) from another thread's (EPERM) without touching
 * freed memory: a stale pointer never acts on whoever the structure was
 * reused for (lib/core/handle.h, __frost_check_sandbox()). The pool
 * never gives a thread back the structure it released last, so a thread's
 * stale pointer is never its own new sandbox either. The pool holds at most
 * the peak number of sandboxes alive at once plus one per releasing thread.
 * A sandbox made by frost_sandbox_spawn() is attached in a structure its
 * spawner took from the pool (__frost_sandbox_attach_prepared()); detach
 * leaves it alone (it is the join handle) and frost_sandbox_join() puts it
 * back (lib/sandbox/spawn.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "core/fault.h"
#include "sandbox/sandbox.h"

#define frost_current __frost_current_sb

/* The pool of detached sandbox structures (see the top of this file). */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static CDS_LIST_HEAD(pool);

struct frost_sandbox *__frost_sandbox_struct_get(void)
{
	pid_t self = (pid_t)syscall(SYS_gettid);
	struct frost_sandbox *sb = NULL;
	struct cds_list_head *n;

	pthread_mutex_lock(&pool_lock);
	cds_list_for_each(n, &pool) {
		if (__frost_sb_core(__frost_sb_of_node(n))->released_by != self) {
			sb = __frost_sb_of_node(n);
			cds_list_del(n);
			break;
		}
	}
	pthread_mutex_unlock(&pool_lock);
	if (!sb) {
		sb = __frost_should_fail() ? NULL : calloc(1, sizeof(*sb));
		if (!sb)
			errno = ENOMEM;
	}
	return sb;
}

void __frost_sandbox_struct_put(struct frost_sandbox *sb)
{
	sb->released_by = (pid_t)syscall(SYS_gettid);
	pthread_mutex_lock(&pool_lock);
	cds_list_add(&sb->node, &pool);
	pthread_mutex_unlock(&pool_lock);
}

void __frost_sandbox_pool_fork(enum frost_fork_phase phase)
{
	if (phase == FROST_FORK_PREPARE)
		pthread_mutex_lock(&pool_lock);
	else
		pthread_mutex_unlock(&pool_lock);
}

/*
 * Clear @sb for a new attach, all but @magic: a stale pointer's check may
 * read @magic concurrently (relaxed), so it is only ever stored atomically.
 */
static void sandbox_clear(struct frost_sandbox *sb)
{
	size_t at = offsetof(struct frost_sandbox, magic), after = at + sizeof(sb->magic);

	memset(sb, 0, at);
	memset((char *)sb + after, 0, sizeof(*sb) - after);
}
static pthread_key_t frost_exit_key;
static pthread_once_t frost_exit_key_once = PTHREAD_ONCE_INIT;

static void detach_now(struct frost_sandbox *sb);

/* A thread exited while attached: detach on its behalf. */
static void frost_exit_destructor(void *arg)
{
	struct frost_sandbox *sb = arg;

	if (sb && sb == frost_current)
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
 * Attach the calling thread as @sb (a structure from the pool).
 * Return: 0 or -ENOMEM; on failure @sb is left to the caller.
 */
static int attach_init(struct frost_heap *heap, struct frost_sandbox *sb, bool spawned)
{
	sandbox_clear(sb);
	sb->heap = heap;
	sb->tid = (pid_t)syscall(SYS_gettid);
	sb->thread = pthread_self();
	sb->spawned = spawned;
	__frost_private_heap_init(&sb->arena, sb->alloc);
	__frost_pins_init(sb);
	if (pthread_setspecific(frost_exit_key, sb))
		return -ENOMEM;

	pthread_mutex_lock(&heap->lock);
	__frost_gc_sandbox_init(sb);
	__frost_sandbox_link(sb);
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

	sb = __frost_sandbox_struct_get();
	if (!sb)
		return NULL;
	if (attach_init(heap, sb, false)) {
		__frost_sandbox_struct_put(sb);
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
	__frost_pins_release(sb);
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
	__frost_sandbox_unlink(sb);
	pthread_mutex_unlock(&heap->lock);
	if (frost_current == sb)
		frost_current = NULL;
	/* A spawned sandbox's structure is the join handle: spawn.c puts it
	 * back in the pool at join. */
	if (!sb->spawned)
		__frost_sandbox_struct_put(sb);
}

/*
 * In a fork child (lib/heap/fork.c): @sb's thread does not exist. Its
 * pins and private objects go without a finalize callback (no user code
 * runs for another thread's objects in a copy of the process); its unused
 * shared slots and counters go to the heap as at detach; its liburcu record
 * leaves the registry, or the child's grace periods would wait for it.
 * Context: the child's only thread, with no frost lock held.
 */
void __frost_sandbox_drop_after_fork(struct frost_sandbox *sb)
{
	struct frost_heap *heap = sb->heap;

	__frost_rcu_drop_after_fork(sb);
	__frost_shared_cache_release(sb);
	__frost_pins_release(sb);
	__frost_gc_sandbox_forget(sb);
	__frost_private_heap_destroy(&sb->arena, NULL);
	pthread_mutex_lock(&heap->lock);
	__frost_sandbox_unlink(sb);
	pthread_mutex_unlock(&heap->lock);
	/* A spawned sandbox's structure is its join handle (spawn.c). */
	if (!sb->spawned)
		__frost_sandbox_struct_put(sb);
}

int frost_sandbox_detach(struct frost_sandbox *sb)
{
	int err = __frost_check_sandbox(sb);

	if (err)
		return err;
	pthread_setspecific(frost_exit_key, NULL);
	detach_now(sb);
	return 0;
}

int frost_sandbox_stats(const struct frost_sandbox *sb, struct frost_sandbox_stats *st)
{
	/*
	 * Any thread may ask (the structure is type-stable, the counters are
	 * written with relaxed atomic stores by the owner; the live counts are
	 * summed from the arena's class slots and counters, never from its
	 * pages): the figures are a snapshot, each word whole, not a
	 * consistent set.
	 */
	if (!sb || !st || __atomic_load_n(&sb->magic, __ATOMIC_RELAXED) != FROST_SANDBOX_MAGIC)
		return -EINVAL;
	st->id = __atomic_load_n(&sb->id, __ATOMIC_RELAXED);
	__frost_private_stats(&sb->arena, &st->live_objects, &st->live_bytes);
	st->pages = __atomic_load_n(&sb->arena.pages, __ATOMIC_RELAXED);
	st->pins = __atomic_load_n(&sb->pins.total, __ATOMIC_RELAXED);
	return 0;
}
