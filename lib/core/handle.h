/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/core/handle.h - what a heap and a sandbox are at the lowest layer:
 * their identity, the heap's list of sandboxes, and the checks every call
 * makes on the handles it is given (internal).
 *
 * Theory of operation. struct frost_heap and struct frost_sandbox are built
 * in layers (lib/LAYERS, Documentation/design/layers.rst): each subsystem
 * declares its own part in its own header, and that part embeds the part of
 * the layer below it as its first, unnamed member (struct frost_heap_mm {
 * struct frost_heap_core; ... }). So a layer sees exactly the fields of its
 * own layer and the layers below, under the same names (sb->heap, sb->id,
 * ...), and converts the opaque handle to its part with a cast that is free
 * (the part is at offset 0). This file is the bottom of both stacks:
 *
 *  - struct frost_heap_core: the configuration, the live flag (@magic), the
 *    list of attached sandboxes under @lock, and the links of the
 *    process-wide registry of live heaps (lib/core/handle.c);
 *  - struct frost_sandbox_core: the public quiescent-state prefix (it must
 *    be at offset 0, include/frost/sandbox.h; its words belong to lib/rcu/),
 *    the live flag, the heap, the id and the owning thread.
 *
 * Every call that takes a sandbox first checks it with
 * __frost_check_sandbox(): a sandbox belongs to one thread, and the check
 * is a compare with that thread's current sandbox, which never reads the
 * pointer. Every call that takes a heap checks it with __frost_heap_live(),
 * a registry lookup that never reads it either.
 */
#ifndef __FROST_CORE_HANDLE_H
#define __FROST_CORE_HANDLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <urcu/list.h>
#include <frost/heap.h>
#include <frost/sandbox.h>
#include "core/err.h"

#define FROST_HEAP_MAGIC	0x68656170u	/* "heap" */
#define FROST_SANDBOX_MAGIC	0x73616e64u	/* "sand" */

/* Destroyed heap structures kept from malloc, so stale handles stay stale. */
#define FROST_HANDLE_QUARANTINE	16u

/*
 * struct frost_heap_core - the bottom part of every heap.
 * @magic: FROST_HEAP_MAGIC from creation until destruction.
 * @cfg: the caller's configuration, zero fields replaced by defaults.
 * @lock: protects the sandbox list and counts, and the channel list of the
 *	channel layer (a leaf lock but for the registry's, which come first).
 * @sandboxes: the attached sandboxes (through their cores' nodes), under
 *	@lock.
 * @nr_sandboxes: how many are attached.
 * @next_sandbox_id: the id the next new sandbox gets.
 * @reg_node: on the registry of live heaps, then on the quarantine of
 *	destroyed ones (lib/core/handle.c), under its locks.
 */
struct frost_heap_core {
	uint32_t magic;
	struct frost_heap_config cfg;
	pthread_mutex_t lock;
	struct cds_list_head sandboxes;
	uint64_t nr_sandboxes;
	uint64_t next_sandbox_id;
	struct cds_list_head reg_node;
};

/*
 * struct frost_sandbox_core - the bottom part of every sandbox.
 * @qs: the public quiescent-state words, first (frost_quiescent()'s inline
 *	fast path); written by lib/rcu/ only.
 * @alloc: the public object allocation slots, right after @qs (the inline
 *	frost_object_new() and frost_decref()); owned by lib/mm/private.c.
 *	@qs and @alloc are struct frost_sandbox_pub, field for field.
 * @magic: FROST_SANDBOX_MAGIC while attached, 0 after detach; stored and
 *	loaded with relaxed atomics (a stale pointer's check reads it).
 * @heap: the heap.
 * @id: number unique within the heap, from 1 (relaxed atomic stores: any
 *	thread may read it through frost_sandbox_stats()).
 * @tid: the owning thread's kernel thread id (for messages).
 * @node: on the heap's sandbox list (under the heap's lock), or on the
 *	sandbox pool (lib/sandbox/sandbox.c).
 * @released_by: the thread that last put the structure in the pool.
 */
struct frost_sandbox_core {
	struct frost_sandbox_qs qs;
	struct frost_alloc_slot alloc[FROST_NR_SIZE_CLASSES];
	uint32_t magic;
	struct frost_heap *heap;
	uint64_t id;
	pid_t tid;
	struct cds_list_head node;
	pid_t released_by;
};

/* The core part of a heap or a sandbox (the opaque handle, converted). */
#define __frost_heap_core(h)	((struct frost_heap_core *)(h))
#define __frost_sb_core(sb)	((struct frost_sandbox_core *)(sb))

/* The sandbox whose core's @node is @n. */
#define __frost_sb_of_node(n) \
	((struct frost_sandbox *)__frost_container_of(n, struct frost_sandbox_core, node))

/*
 * for_each_sandbox(sb, heap) - every sandbox attached to @heap, as an
 * opaque struct frost_sandbox *@sb. Context: under the heap's lock.
 * for_each_sandbox_safe() - the same, @sb may be unlinked meanwhile.
 */
#define __frost_for_each_sandbox(sb, heap)					\
	for (struct cds_list_head *__n = __frost_heap_core(heap)->sandboxes.next;	\
	     __n != &__frost_heap_core(heap)->sandboxes && ((sb) = __frost_sb_of_node(__n), 1); \
	     __n = __n->next)
#define __frost_for_each_sandbox_safe(sb, heap)				\
	for (struct cds_list_head *__n = __frost_heap_core(heap)->sandboxes.next,	\
	     *__m = __n->next;							\
	     __n != &__frost_heap_core(heap)->sandboxes && ((sb) = __frost_sb_of_node(__n), 1); \
	     __n = __m, __m = __n->next)

/* Set up a zeroed heap core (its lists). */
void __frost_heap_core_init(struct frost_heap *heap);

/*
 * __frost_current_sb, declared in include/frost/sandbox.h (exported: the
 * public inline fast paths check their sandbox argument against it), is the
 * calling thread's sandbox or NULL; lib/sandbox/sandbox.c sets it at attach
 * and clears it at detach. Initial-exec TLS: one %fs-relative load, not a
 * __tls_get_addr() call, although libfrost is a shared library; its 8 bytes
 * fit glibc's static TLS surplus even when libfrost is dlopen()ed.
 */
_Static_assert(__builtin_offsetof(struct frost_sandbox_core, qs) ==
	       __builtin_offsetof(struct frost_sandbox_pub, qs) &&
	       __builtin_offsetof(struct frost_sandbox_core, alloc) ==
	       __builtin_offsetof(struct frost_sandbox_pub, alloc),
	       "struct frost_sandbox_core does not start with struct frost_sandbox_pub");

/* Out-of-line part of __frost_check_sandbox(): tells EINVAL from EPERM. */
int __frost_check_sandbox_slow(const struct frost_sandbox *sb);

/*
 * __frost_check_sandbox() - may the calling thread act as @sb?
 *
 * Every call that takes a sandbox starts with this check. A sandbox is the
 * calling thread's own or nobody's business: a pointer compare with the
 * thread's current sandbox, which never dereferences @sb. Sandbox
 * structures are never returned to malloc (lib/sandbox/sandbox.c keeps
 * detached ones in a pool), so the slow path may read a stale pointer's
 * magic to tell a detached sandbox from another thread's.
 *
 * Return: 0 if @sb is the calling thread's attached sandbox; -EINVAL if
 * @sb is NULL or detached; -EPERM if it is another thread's sandbox.
 */
static inline int __frost_check_sandbox(const struct frost_sandbox *sb)
{
	if (likely(sb == __frost_current_sb && sb))
		return 0;
	return __frost_check_sandbox_slow(sb);
}

/*
 * Start of a call that takes a sandbox: return its error (NULL with errno
 * for pointer-returning calls, the negative errno for int-returning ones)
 * unless @sb is the calling thread's sandbox.
 */
#define __frost_sandbox_guard_null(sb)						\
	do {									\
		int __err = __frost_check_sandbox(sb);				\
		if (unlikely(__err))						\
			return frost_err_null(-__err);				\
	} while (0)
#define __frost_sandbox_guard(sb)						\
	do {									\
		int __err = __frost_check_sandbox(sb);				\
		if (unlikely(__err))						\
			return __err;						\
	} while (0)

/*
 * __frost_sandbox_link() - put @sb (its @heap set) on its heap's list,
 * with a new id, and mark it attached. __frost_sandbox_unlink() takes it
 * off and marks it detached. Context: under the heap's @lock.
 */
void __frost_sandbox_link(struct frost_sandbox *sb);
void __frost_sandbox_unlink(struct frost_sandbox *sb);

/*
 * The registry of live heaps (lib/core/handle.c). A heap is on it from the
 * end of frost_heap_create() to the start of frost_heap_destroy()'s
 * teardown. Its list has two locks: an outer one that membership changes
 * and the fork handlers take (they hold it across fork() while waiting for
 * cycles to end), and an inner one that membership changes and readers
 * take. Holding either keeps the list stable.
 */

/*
 * __frost_heap_live() - is @heap a heap that frost_heap_create() returned
 * and frost_heap_destroy() has not destroyed? Compares addresses only:
 * @heap is never dereferenced, so a destroyed handle is safe to pass.
 * Context: any thread; takes the inner lock (not on a hot path).
 */
bool __frost_heap_live(const struct frost_heap *heap);

/*
 * __frost_heaps_for_each() - call @fn(heap, @arg) for every live heap,
 * under the inner lock: no heap is destroyed meanwhile. @fn may take
 * heap->lock and must not create or destroy heaps.
 */
void __frost_heaps_for_each(void (*fn)(struct frost_heap *heap, void *arg), void *arg);

/*
 * __frost_heap_register() - put a complete @heap on the registry.
 * Context: not an online sandbox (the outer lock may be held by a fork
 * that waits for grace periods): the caller goes offline around it.
 */
void __frost_heap_register(struct frost_heap *heap);

/*
 * __frost_heap_unregister() - take @heap off the registry, unless it is
 * not on it (-EINVAL: never created, or destroyed before: @heap is not
 * read) or @busy(@heap) says it is in use (-EBUSY; @busy runs under the
 * heap's @lock, after the sandbox count was found zero). On success its
 * @magic is 0 and no handle check finds it any more. Two concurrent calls
 * for one heap: exactly one succeeds. Context: as __frost_heap_register().
 */
int __frost_heap_unregister(struct frost_heap *heap, bool (*busy)(struct frost_heap *heap));

/*
 * __frost_heap_retire() - the torn-down @heap's memory: kept from malloc
 * among the last FROST_HANDLE_QUARANTINE ones, the oldest freed.
 */
void __frost_heap_retire(struct frost_heap *heap);

/*
 * __frost_heap_next() - the live heap after @heap on the registry (the
 * first one if @heap is NULL), or NULL. Context: a registry lock held.
 */
struct frost_heap *__frost_heap_next(struct frost_heap *heap);

/*
 * Across fork() (lib/heap/fork.c): __frost_heaps_fork_hold() takes the
 * outer lock and returns the first live heap (then __frost_heap_next());
 * __frost_heaps_fork_lock()/_unlock() the inner lock, at its place in the
 * fork handlers' lock order; __frost_heaps_fork_release() the outer lock.
 */
struct frost_heap *__frost_heaps_fork_hold(void);
void __frost_heaps_fork_lock(void);
void __frost_heaps_fork_unlock(void);
void __frost_heaps_fork_release(void);

#endif /* __FROST_CORE_HANDLE_H */
