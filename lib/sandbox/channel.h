/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/sandbox/channel.h - channels as roots of the reclaimer (internal).
 *
 * Theory of operation: see lib/sandbox/channel.c. A heap keeps its channels
 * on a list under heap->lock (heap->channels, heap->nr_channels); the
 * reclaimer reads every object a channel holds - the messages in its ring
 * and the objects of senders blocked on it - through
 * __frost_channels_for_each().
 */
#ifndef __FROST_SANDBOX_CHANNEL_H
#define __FROST_SANDBOX_CHANNEL_H

#include "sandbox/sandbox.h"

/*
 * __frost_channels_for_each() - call @fn(o, @arg) on every object held by
 * every channel of @heap: each message in a ring and each object a blocked
 * sender is waiting to send. An object may be visited more than once, and
 * a message that enters or leaves a channel during the walk may or may not
 * be visited: such a message is shaded by the send or receive barrier
 * (__frost_gc_barrier()) instead (see channel.c for the argument).
 *
 * Context: any thread (the reclaimer), sandboxes may send and receive
 * meanwhile. Takes heap->lock, then each channel's lock; @fn must not take
 * either and must not call channel functions.
 */
void __frost_channels_for_each(struct frost_heap *heap,
			       void (*fn)(struct frost_object *o, void *arg), void *arg);

#endif /* __FROST_SANDBOX_CHANNEL_H */
