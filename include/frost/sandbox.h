/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * frost/sandbox.h - sandboxes: threads attached to a heap.
 *
 * Theory of operation. Every thread that touches frost objects is attached
 * to one heap as a sandbox. A sandbox owns a private arena: its objects are
 * allocated and freed without atomics or locks and no other sandbox can
 * reach them. The sandbox pointer is passed explicitly to every call that
 * needs it (thread-local storage is a function call in a shared library).
 * A thread has at most one sandbox at a time.
 */
#ifndef __FROST_SANDBOX_H
#define __FROST_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <frost/compiler.h>

struct frost_heap;
struct frost_sandbox;

/**
 * struct frost_sandbox_stats - a sandbox's private-arena counters.
 * @id: the sandbox's number, unique within its heap (as in stall warnings).
 * @live_objects: private objects alive.
 * @live_bytes: bytes they occupy (allocation size classes).
 * @pages: arena pages held (small-object pages and large mappings).
 */
struct frost_sandbox_stats {
	uint64_t id;
	uint64_t live_objects;
	uint64_t live_bytes;
	uint64_t pages;
};

/**
 * frost_sandbox_attach() - Attach the calling thread to @heap as a sandbox.
 * @heap: the heap.
 *
 * Context: a thread that has no sandbox yet; may block briefly.
 * Return: the sandbox; NULL with errno EINVAL (NULL @heap), EBUSY (this
 * thread already has a sandbox) or ENOMEM.
 */
FROST_API struct frost_sandbox *frost_sandbox_attach(struct frost_heap *heap);

/**
 * frost_sandbox_detach() - Detach the calling thread's sandbox.
 * @sb: the sandbox.
 *
 * Frees every private object still alive (their finalize callbacks run, in
 * no particular order) and drops the sandbox's pins. Debug builds report on
 * stderr how many objects were still alive.
 *
 * Context: the sandbox's own thread; may block briefly.
 * Return: 0; -EINVAL (NULL or already detached @sb) or -EPERM (called from
 * another thread).
 */
FROST_API int frost_sandbox_detach(struct frost_sandbox *sb);

/**
 * frost_sandbox_stats() - Read a sandbox's private-arena counters.
 * @sb: the sandbox.
 * @st: filled with the counters.
 *
 * Context: the sandbox's own thread (the counters are owner-written).
 * Return: 0; -EINVAL for NULL arguments.
 */
FROST_API int frost_sandbox_stats(const struct frost_sandbox *sb, struct frost_sandbox_stats *st);

/**
 * frost_sandbox_current() - The calling thread's sandbox.
 *
 * Return: the sandbox, or NULL if the thread is not attached.
 */
FROST_API struct frost_sandbox *frost_sandbox_current(void);

#endif /* __FROST_SANDBOX_H */
