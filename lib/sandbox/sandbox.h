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

#define FROST_HEAP_MAGIC	0x68656170u	/* "heap" */
#define FROST_SANDBOX_MAGIC	0x73616e64u	/* "sand" */

/* Defaults for struct frost_heap_config's zero fields. */
#define FROST_DEFAULT_CYCLE_TRIGGER	(8u << 20)
#define FROST_DEFAULT_STALL_WARN_MS	2000u

struct frost_heap {
	uint32_t magic;
	struct frost_heap_config cfg;
	pthread_mutex_t lock;		/* protects the fields below */
	struct frost_sandbox *sandboxes;	/* attached */
	struct frost_sandbox *recycled;		/* detached, for reuse */
	uint64_t nr_sandboxes;
	uint64_t next_sandbox_id;
};

/*
 * struct frost_sandbox - one thread attached to one heap.
 * @magic: FROST_SANDBOX_MAGIC while attached, 0 after detach.
 * @heap: the heap.
 * @id: number unique within the heap, from 1.
 * @tid: the owning thread's kernel thread id (for messages).
 * @thread: the owning thread.
 * @arena: the private arena.
 * @dealloc_pending: objects whose count reached zero while a dealloc was
 *	running, linked through their refcnt word (see frost_dealloc()).
 * @in_dealloc: frost_dealloc() is running on this sandbox.
 * @prev, @next: the heap's sandbox list (under heap->lock).
 */
struct frost_sandbox {
	uint32_t magic;
	struct frost_heap *heap;
	uint64_t id;
	pid_t tid;
	pthread_t thread;
	struct frost_private_heap arena;
	struct frost_object *dealloc_pending;
	bool in_dealloc;
	struct frost_sandbox *prev, *next;
};

static inline struct frost_private_heap *__frost_sandbox_arena(struct frost_sandbox *sb)
{
	return &sb->arena;
}

#endif /* __FROST_SANDBOX_SANDBOX_H */
