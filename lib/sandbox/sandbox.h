/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/sandbox/sandbox.h - struct frost_sandbox and struct frost_heap, whole
 * (internal).
 *
 * Theory of operation. This is the top of both layered structures
 * (lib/core/handle.h explains the layering): struct frost_heap is the
 * channel layer's part with nothing added, struct frost_sandbox the
 * reclaimer's part plus what this layer owns, the pins and the spawn
 * bookkeeping. Code of this layer and above sees every field by name.
 *
 * A sandbox is owned by one thread: its arena and counters are written
 * only by that thread. The thread's sandbox is also kept in a thread-local
 * variable (lib/core/handle.c), which is what every call checks its
 * sandbox argument against.
 */
#ifndef __FROST_SANDBOX_SANDBOX_H
#define __FROST_SANDBOX_SANDBOX_H

#include <pthread.h>
#include <sys/types.h>
#include "channel/channel.h"
#include "sandbox/pins.h"

/*
 * struct frost_heap - a shared heap: every layer's part (the channel
 * layer's embeds all the others).
 */
struct frost_heap {
	struct frost_heap_chan;
};

/*
 * struct frost_sandbox - one thread attached to one heap: every layer's
 * part, and this layer's own fields.
 * @pins: the sandbox's pins (lib/sandbox/pin.c).
 * @thread: the owning thread.
 * @spawned: made by frost_sandbox_spawn() (lib/sandbox/spawn.c): detach
 *	leaves the structure to frost_sandbox_join(), which puts it back in
 *	the pool, instead of doing so itself.
 */
struct frost_sandbox {
	struct frost_sandbox_gc;
	struct frost_pins pins;
	pthread_t thread;
	bool spawned;
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

/* Attach and detach across fork() (lib/heap/fork.c has the order). */
void __frost_sandbox_pool_fork(enum frost_fork_phase phase);
void __frost_spawn_fork(enum frost_fork_phase phase);

/*
 * __frost_sandbox_drop_after_fork() - in a fork child, forget sandbox @sb
 * of a thread that does not exist there: its pins and private objects go
 * without a finalize callback (no user code runs for another thread's
 * objects in a copy of the process), its unused shared slots and counters
 * go to the heap as at detach, its liburcu record leaves the registry.
 * Context: the child's only thread, with no frost lock held.
 */
void __frost_sandbox_drop_after_fork(struct frost_sandbox *sb);

#endif /* __FROST_SANDBOX_SANDBOX_H */
