// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0110-handles: calls on destroyed heaps and channels.
 *
 * Theory of operation. A heap or channel handle used after its destroy
 * returned 0 gets the documented EINVAL (NULL and errno EINVAL for calls
 * that return a pointer; frost_channel_close() and frost_heap_stats() do
 * nothing), and the library reads no freed memory to say so: under
 * AddressSanitizer each case here used to be a heap-use-after-free. The
 * cases: destroy twice (heap and channel); attach, spawn, channel_create,
 * reclaim, stats and the debug hooks on a destroyed heap; send, receive
 * and close on a destroyed channel. And the promise that makes the error
 * dependable: a destroyed heap's or channel's address is not handed to a
 * new heap or channel for a while (FROST_HANDLE_QUARANTINE destroys), so
 * destroying a stale handle after creating new ones still gives EINVAL and
 * leaves the new ones alone (with plain malloc reuse it destroyed the new
 * one, in every build).
 */
#include <stdio.h>
#include <string.h>
#include <frost/frost.h>
#include "tap.h"
#include "frost-test.h"

/* The documented minimum (Documentation/core-api/heap.rst, channel.rst). */
#define QUARANTINE	16

static int never_runs(struct frost_sandbox *sb, void *arg)
{
	(void)sb;
	(void)arg;
	return 0;
}

static struct frost_heap *dead_heap(void)
{
	struct frost_heap *heap = frost_heap_create(NULL);

	if (!heap || frost_heap_destroy(heap))
		tap_bail_out("cannot create and destroy a heap");
	return heap;
}

TEST(heap_destroyed_twice)
{
	struct frost_heap *heap = dead_heap();

	expect_neg_errno(frost_heap_destroy(heap), EINVAL);
	expect_neg_errno(frost_heap_destroy(heap), EINVAL);
}

TEST(attach_on_destroyed_heap)
{
	struct frost_heap *heap = dead_heap();

	expect_null_errno(frost_sandbox_attach(heap), EINVAL);
	expect_ptr(frost_sandbox_current(), ==, NULL);
}

TEST(spawn_on_destroyed_heap)
{
	struct frost_heap *heap = dead_heap();

	expect_null_errno(frost_sandbox_spawn(heap, never_runs, NULL), EINVAL);
}

TEST(channel_create_on_destroyed_heap)
{
	struct frost_heap *heap = dead_heap();

	expect_null_errno(frost_channel_create(heap, 4), EINVAL);
}

TEST(reclaim_and_stats_on_destroyed_heap)
{
	struct frost_heap *heap = dead_heap();
	struct frost_heap_stats st, before;

	expect_neg_errno(frost_reclaim(heap), EINVAL);
	memset(&st, 0xa5, sizeof(st));
	before = st;
	frost_heap_stats(heap, &st);
	expect_mem(&st, &before, sizeof(st));
	expect_neg_errno(frost_debug_break_reclaimer(heap, 0), EINVAL);
	expect_neg_errno(frost_debug_protect_shared(heap, true), EINVAL);
}

/* New heaps do not take a destroyed heap's address: its handle stays dead. */
TEST(stale_heap_after_new_heaps)
{
	struct frost_heap *old = dead_heap(), *fresh[QUARANTINE];
	struct frost_sandbox *sb;

	for (int i = 0; i < QUARANTINE; i++) {
		fresh[i] = frost_heap_create(NULL);
		assert_ptr(fresh[i], !=, NULL);
		expect_ptr(fresh[i], !=, old);
	}
	expect_neg_errno(frost_heap_destroy(old), EINVAL);
	expect_null_errno(frost_sandbox_attach(old), EINVAL);
	/* The new heaps are intact. */
	for (int i = 0; i < QUARANTINE; i++) {
		sb = frost_sandbox_attach(fresh[i]);
		assert_ptr(sb, !=, NULL);
		expect_int(frost_sandbox_detach(sb), ==, 0);
		expect_int(frost_heap_destroy(fresh[i]), ==, 0);
	}
}

TEST(channel_destroyed_twice)
{
	struct frost_heap *heap = frost_heap_create(NULL);
	struct frost_channel *ch;

	assert_ptr(heap, !=, NULL);
	ch = frost_channel_create(heap, 2);
	assert_ptr(ch, !=, NULL);
	expect_int(frost_channel_destroy(ch), ==, 0);
	expect_neg_errno(frost_channel_destroy(ch), EINVAL);
	expect_neg_errno(frost_channel_destroy(ch), EINVAL);
	expect_int(frost_heap_destroy(heap), ==, 0);
}

TEST(channel_calls_after_destroy)
{
	struct frost_heap *heap;
	struct frost_sandbox *sb;
	struct frost_channel *ch;
	struct frost_object *out = NULL;

	frost_test_open(NULL, &heap, &sb);
	ch = frost_channel_create(heap, 2);
	assert_ptr(ch, !=, NULL);
	expect_int(frost_channel_send(sb, ch, frost_none(), 0), ==, 0);
	expect_int(frost_channel_recv(sb, ch, &out, 0), ==, 0);
	expect_int(frost_channel_destroy(ch), ==, 0);

	expect_neg_errno(frost_channel_send(sb, ch, frost_none(), 0), EINVAL);
	expect_neg_errno(frost_channel_send(sb, ch, frost_none(), 10), EINVAL);
	out = NULL;
	expect_neg_errno(frost_channel_recv(sb, ch, &out, 0), EINVAL);
	expect_neg_errno(frost_channel_recv(sb, ch, &out, 10), EINVAL);
	expect_ptr(out, ==, NULL);
	frost_channel_close(ch);	/* nothing to do, nothing read */
	expect_neg_errno(frost_channel_destroy(ch), EINVAL);
	/* The heap does not count it any more. */
	frost_test_close(heap, sb);
}

/* A channel of a heap destroyed since is still only a dead channel. */
TEST(channel_of_destroyed_heap)
{
	struct frost_heap *heap = frost_heap_create(NULL);
	struct frost_channel *ch;

	assert_ptr(heap, !=, NULL);
	ch = frost_channel_create(heap, 1);
	assert_ptr(ch, !=, NULL);
	expect_int(frost_channel_destroy(ch), ==, 0);
	expect_int(frost_heap_destroy(heap), ==, 0);
	frost_channel_close(ch);
	expect_neg_errno(frost_channel_destroy(ch), EINVAL);
}

/*
 * New channels do not take a destroyed channel's address for a while: the
 * stale handle keeps giving EINVAL and never reaches a new channel.
 */
TEST(stale_channel_after_new_channels)
{
	struct frost_heap *heap;
	struct frost_sandbox *sb;
	struct frost_channel *old, *fresh[QUARANTINE];
	struct frost_object *out = NULL;

	frost_test_open(NULL, &heap, &sb);
	old = frost_channel_create(heap, 1);
	assert_ptr(old, !=, NULL);
	expect_int(frost_channel_destroy(old), ==, 0);
	for (int i = 0; i < QUARANTINE; i++) {
		fresh[i] = frost_channel_create(heap, 1);
		assert_ptr(fresh[i], !=, NULL);
		expect_ptr(fresh[i], !=, old);
	}
	expect_neg_errno(frost_channel_send(sb, old, frost_none(), 0), EINVAL);
	expect_neg_errno(frost_channel_destroy(old), EINVAL);
	frost_channel_close(old);
	/* The new channels are intact: open, empty, destroyable once. */
	for (int i = 0; i < QUARANTINE; i++) {
		expect_int(frost_channel_send(sb, fresh[i], frost_none(), 0), ==, 0);
		expect_int(frost_channel_recv(sb, fresh[i], &out, 0), ==, 0);
		expect_ptr(out, ==, frost_none());
		expect_int(frost_channel_destroy(fresh[i]), ==, 0);
		expect_neg_errno(frost_channel_destroy(fresh[i]), EINVAL);
	}
	frost_test_close(heap, sb);
}

/* Churn: many creates and destroys reuse memory without mixing handles up. */
TEST(channel_churn)
{
	struct frost_heap *heap = frost_heap_create(NULL);

	assert_ptr(heap, !=, NULL);
	for (int i = 0; i < 1000; i++) {
		struct frost_channel *ch = frost_channel_create(heap, 1 + (size_t)(i % 7));

		assert_ptr(ch, !=, NULL);
		expect_int(frost_channel_destroy(ch), ==, 0);
		expect_neg_errno(frost_channel_destroy(ch), EINVAL);
	}
	expect_int(frost_heap_destroy(heap), ==, 0);
}

TAP_MAIN()
