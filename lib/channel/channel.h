/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/channel/channel.h - channels: the heap's part, and channels as roots
 * of the reclaimer (internal).
 *
 * Theory of operation: see lib/channel/channel.c. A heap keeps its
 * channels on a list under its core lock (@channels, @nr_channels below);
 * the reclaimer reads every object a channel holds - the messages in its
 * ring and the objects of senders blocked on it - through
 * __frost_channels_for_each(), by the heap's root hooks.
 */
#ifndef __FROST_CHANNEL_CHANNEL_H
#define __FROST_CHANNEL_CHANNEL_H

#include "ns/ns.h"

/*
 * How many destroyed channels keep their structure out of reach of new
 * ones, so that a stale handle keeps getting EINVAL (lib/channel/channel.c).
 */
#define FROST_CHANNEL_QUARANTINE	64u

struct frost_channel;

/*
 * struct frost_heap_chan - the channel layer's part of a heap.
 * @channels, @nr_channels: the heap's live channels, under the core's
 *	heap lock; frost_heap_destroy() refuses while @nr_channels != 0.
 */
struct frost_heap_chan {
	struct frost_heap_ns;
	struct frost_channel *channels;
	uint64_t nr_channels;
};

#define __frost_heap_chan(h)	((struct frost_heap_chan *)(h))

/* Has @heap live channels? Context: under the heap's lock. */
bool __frost_channels_busy(struct frost_heap *heap);

/* Channels across fork() (lib/heap/fork.c has the order). */
void __frost_channels_fork(struct frost_heap *heap, enum frost_fork_phase phase);
void __frost_channel_quarantine_fork(enum frost_fork_phase phase);

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
void __frost_channels_for_each(struct frost_heap *heap, frost_root_fn fn, void *arg);

#endif /* __FROST_CHANNEL_CHANNEL_H */
