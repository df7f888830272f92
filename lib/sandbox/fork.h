/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/sandbox/fork.h - fork() support (internal interface).
 *
 * Theory of operation: see lib/sandbox/fork.c. Three things are shared with
 * the rest of the library:
 *
 *  - the registry of live heaps: frost_heap_create() adds a heap once it is
 *    complete, frost_heap_destroy() removes it before tearing it down, so
 *    the fork handlers can reach every heap's locks;
 *  - the fork gate: code that changes liburcu's registry of readers or runs
 *    a grace period in a frost thread (sandbox attach and detach, the
 *    kicker's synchronize_rcu(), the namespace teardown) runs inside
 *    __frost_fork_gate_enter()/__frost_fork_gate_exit(), so no fork happens
 *    while liburcu's own locks are held or its registry is half-edited.
 *    The caller must not be an online QSBR reader when it enters (the fork
 *    handlers wait for grace periods while the gate is closed);
 *  - per-subsystem hooks, called by the fork handlers in a fixed order,
 *    each with the phase it is in.
 */
#ifndef __FROST_SANDBOX_FORK_H
#define __FROST_SANDBOX_FORK_H

struct frost_heap;

/* The phase a fork hook is called in. */
enum frost_fork_phase {
	FROST_FORK_PREPARE,	/* before fork(): take the subsystem's locks */
	FROST_FORK_PARENT,	/* after fork(), in the parent: release them */
	FROST_FORK_CHILD,	/* after fork(), in the child: repair, release */
};

void __frost_fork_init(void);
struct frost_heap *__frost_heaps_fork_hold(void);
void __frost_heaps_fork_registry(enum frost_fork_phase phase);
void __frost_heaps_fork_release(void);

void __frost_fork_gate_enter(void);
void __frost_fork_gate_exit(void);

/*
 * Hooks (each in its subsystem's file). @phase says which handler calls.
 *
 * __frost_gc_fork_cycle(): the heap's cycle lock (PREPARE waits for a
 *	cycle in progress to end).
 * __frost_gc_fork_locks(): the reclaimer's wait lock and conditions; in
 *	the CHILD, the background thread is marked as gone.
 * __frost_gc_fork_restart(): CHILD only, last: start the background
 *	reclaimer again if the heap had one.
 * __frost_gc_fork_kicker(): the process-wide grace-period kicker; in the
 *	CHILD it is restarted on demand.
 * __frost_channels_fork(): every channel's lock of @heap (under heap->lock);
 *	in the CHILD, the state of threads that are gone is dropped.
 * __frost_spawn_fork(): the registry of spawned sandboxes; in the CHILD,
 *	records of threads that are gone are marked so join does not wait.
 * __frost_sandbox_pool_fork(): the pool of sandbox structures
 *	(lib/sandbox/sandbox.c); nothing else to do in the CHILD.
 * __frost_channel_quarantine_fork(): the quarantine of destroyed channels
 *	(lib/sandbox/channel.c); nothing else to do in the CHILD.
 * __frost_sandbox_drop_after_fork(): CHILD only: forget a sandbox whose
 *	thread does not exist in the child.
 */
void __frost_gc_fork_cycle(struct frost_heap *heap, enum frost_fork_phase phase);
void __frost_gc_fork_locks(struct frost_heap *heap, enum frost_fork_phase phase);
void __frost_gc_fork_restart(struct frost_heap *heap);
void __frost_gc_fork_kicker(enum frost_fork_phase phase);
void __frost_channels_fork(struct frost_heap *heap, enum frost_fork_phase phase);
void __frost_spawn_fork(enum frost_fork_phase phase);
void __frost_sandbox_pool_fork(enum frost_fork_phase phase);
void __frost_channel_quarantine_fork(enum frost_fork_phase phase);

struct frost_sandbox;
void __frost_sandbox_drop_after_fork(struct frost_sandbox *sb);

#endif /* __FROST_SANDBOX_FORK_H */
