/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * frost/channel.h - bounded channels that carry shared objects between
 * sandboxes.
 *
 * Theory of operation. A channel belongs to one heap and holds at most
 * @capacity messages; any number of sandboxes of that heap may send and
 * receive (MPMC), and each message is received exactly once, in the order
 * of the sends that a single sender made. Only shared objects travel: a
 * private object is refused with EPERM, so nothing mutable ever crosses
 * between sandboxes. A message in a channel is a root (lifetime rule 2):
 * it stays alive until a receiver takes it, and then until that
 * receiver's next quiescent state.
 *
 * Sending and receiving take no lock when the channel is neither full nor
 * empty. A call that has to wait sleeps in the kernel (a futex, no
 * spinning) with its sandbox offline, so a waiting sandbox never delays a
 * grace period or a reclaim cycle; the object a blocked sender passed
 * stays a root while it waits. Waits honour @timeout_ms: -1 waits forever,
 * 0 never waits (-EAGAIN if the channel is full, or empty), a positive
 * value waits at most that many milliseconds (-ETIMEDOUT).
 *
 * frost_channel_close() ends the conversation: every waiter wakes, sends
 * fail with -EPIPE, receivers get what remains and then -EPIPE.
 * frost_channel_destroy() frees a channel that holds no message and has
 * no waiter (-EBUSY otherwise). A heap cannot be destroyed while it has
 * channels.
 */
#ifndef __FROST_CHANNEL_H
#define __FROST_CHANNEL_H

#include <stddef.h>
#include <frost/compiler.h>

struct frost_heap;
struct frost_sandbox;
struct frost_object;
struct frost_channel;

/* The largest capacity frost_channel_create() accepts. */
#define FROST_CHANNEL_MAX_CAPACITY	(1u << 20)

/**
 * frost_channel_create() - Create a bounded channel on @heap.
 * @heap: the heap whose sandboxes will use the channel.
 * @capacity: messages it can hold, 1 to FROST_CHANNEL_MAX_CAPACITY.
 *
 * Context: any thread, attached or not; may block briefly (allocates).
 * Return: the channel; NULL with errno EINVAL (NULL or destroyed @heap,
 * @capacity out of range) or ENOMEM.
 */
FROST_API struct frost_channel *frost_channel_create(struct frost_heap *heap, size_t capacity);

/**
 * frost_channel_send() - Send a shared object.
 * @sb: the calling sandbox, attached to the channel's heap and online.
 * @ch: the channel.
 * @shared: a shared object of @sb's heap (frozen, interned or static).
 * @timeout_ms: -1 to wait for room as long as needed, 0 not to wait, or
 *	the longest wait in milliseconds.
 *
 * Nothing is enqueued unless the call returns 0. While it waits, @shared
 * stays a root of the reclaimer (it is the channel's, not the caller's).
 *
 * Context: the sandbox's own thread. A call that waits is a quiescent
 * state for @sb (shared objects @sb obtained before it must be looked up
 * again unless they are held by a root); one that does not wait is not.
 * Return: 0; -EINVAL (NULL or detached argument, offline @sb, @timeout_ms
 * below -1), -EPERM (@shared is private or of another heap, or @ch belongs
 * to another heap), -EPIPE (the channel is closed), -EAGAIN (full and
 * @timeout_ms is 0) or -ETIMEDOUT (still full when @timeout_ms elapsed).
 */
FROST_API int frost_channel_send(struct frost_sandbox *sb, struct frost_channel *ch,
				 struct frost_object *shared, int timeout_ms);

/**
 * frost_channel_recv() - Receive the oldest message.
 * @sb: the calling sandbox, attached to the channel's heap and online.
 * @ch: the channel.
 * @out: set to the received shared object on success, untouched otherwise.
 * @timeout_ms: -1 to wait for a message as long as needed, 0 not to wait,
 *	or the longest wait in milliseconds.
 *
 * The object is valid until @sb's next quiescent state (lifetime rule 1):
 * pin it, publish it or store it in a private object to keep it longer.
 * After frost_channel_close() the remaining messages are still delivered;
 * -EPIPE comes only when none is left.
 *
 * Context: the sandbox's own thread. A call that waits is a quiescent
 * state for @sb; one that does not wait is not.
 * Return: 0; -EINVAL (NULL or detached argument, offline @sb, @timeout_ms
 * below -1), -EPERM (@ch belongs to another heap), -EPIPE (closed and
 * empty), -EAGAIN (empty and @timeout_ms is 0) or -ETIMEDOUT (still empty
 * when @timeout_ms elapsed).
 */
FROST_API int frost_channel_recv(struct frost_sandbox *sb, struct frost_channel *ch,
				 struct frost_object **out, int timeout_ms);

/**
 * frost_channel_close() - Close a channel.
 * @ch: the channel (NULL is ignored).
 *
 * Later sends fail with -EPIPE; every blocked sender wakes with -EPIPE;
 * blocked and later receivers get the messages still in the channel, then
 * -EPIPE. A send that completed before the close is delivered. Closing
 * twice is harmless.
 *
 * Context: any thread, attached or not; never blocks.
 */
FROST_API void frost_channel_close(struct frost_channel *ch);

/**
 * frost_channel_destroy() - Free a channel.
 * @ch: the channel.
 *
 * Succeeds only if the channel holds no message and no sandbox waits on
 * it; it need not be closed first. Calls that are not waiting must not run
 * concurrently with it, and @ch is invalid once it returns 0.
 *
 * Context: any thread, attached or not; never blocks.
 * Return: 0; -EINVAL (NULL or already destroyed @ch) or -EBUSY (messages
 * left or waiters present: nothing changed).
 */
FROST_API int frost_channel_destroy(struct frost_channel *ch);

#endif /* __FROST_CHANNEL_H */
