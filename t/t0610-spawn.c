// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0610-spawn: frost_sandbox_spawn() and frost_sandbox_join().
 *
 * A spawned function runs as a new sandbox of the heap (counted by
 * frost_heap_stats() as soon as spawn returns) and its return value comes
 * back through join. When it returns, its sandbox detaches: its private
 * objects are freed (their finalize callbacks run) and the heap's count
 * drops, yet the handle stays valid until join, even after the heap was
 * destroyed. Bad arguments give EINVAL, joining twice or joining a sandbox
 * that was not spawned gives EINVAL, joining oneself gives EDEADLK.
 * Spawned sandboxes talk over channels and may spawn sandboxes of their
 * own.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <frost/frost.h>
#include "tap.h"
#include "frost-test.h"

static uint64_t nr_sandboxes(struct frost_heap *heap)
{
	struct frost_heap_stats st;

	frost_heap_stats(heap, &st);
	return st.sandboxes;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int return_arg(struct frost_sandbox *sb, void *arg)
{
	return (int)(intptr_t)arg;
}

TEST(return_value_passes_through)
{
	struct frost_heap *heap;
	struct frost_sandbox *h;
	int ret = 0;

	heap = frost_heap_create(NULL);
	assert_ptr(heap, !=, NULL);
	h = frost_sandbox_spawn(heap, return_arg, (void *)(intptr_t)42);
	assert_ptr(h, !=, NULL);
	expect_int(frost_sandbox_join(h, &ret), ==, 0);
	expect_int(ret, ==, 42);
	h = frost_sandbox_spawn(heap, return_arg, (void *)(intptr_t)-EIO);
	assert_ptr(h, !=, NULL);
	expect_int(frost_sandbox_join(h, &ret), ==, 0);
	expect_int(ret, ==, -EIO);
	/* fn_ret may be NULL. */
	h = frost_sandbox_spawn(heap, return_arg, NULL);
	assert_ptr(h, !=, NULL);
	expect_int(frost_sandbox_join(h, NULL), ==, 0);
	expect_int(frost_heap_destroy(heap), ==, 0);
}

/* A user type whose finalize counts, to see the arena freed at the end. */
static int finalized;

static void counted_finalize(struct frost_object *o)
{
	__atomic_fetch_add(&finalized, 1, __ATOMIC_RELAXED);
}

static const struct frost_type counted_type = {
	.name = "counted",
	.basic_size = sizeof(struct frost_object),
	.finalize = counted_finalize,
};

struct private_report {
	struct frost_heap *heap;
	struct frost_sandbox *self;
	struct frost_sandbox *current;
	uint64_t live_objects;
	uint64_t sandboxes_inside;
	int stats_ret;
};

/* Leaves private objects alive on purpose: detach must free them. */
static int make_private(struct frost_sandbox *sb, void *arg)
{
	struct private_report *r = arg;
	struct frost_sandbox_stats st;
	struct frost_object *list = frost_list_new(sb);

	r->self = sb;
	r->current = frost_sandbox_current();
	for (int i = 0; i < 10; i++) {
		struct frost_object *o = frost_object_new(sb, &counted_type, sizeof(struct frost_object));

		if (!o || frost_list_append(sb, list, o))
			return -ENOMEM;
		frost_decref(o);	/* the list holds it */
	}
	r->stats_ret = frost_sandbox_stats(sb, &st);
	r->live_objects = st.live_objects;
	r->sandboxes_inside = nr_sandboxes(r->heap);
	return 7;
}

TEST_F(heap, private_objects_freed_at_the_end)
{
	struct private_report r = { .heap = self->heap };
	struct frost_sandbox *h;
	int ret = 0;

	finalized = 0;
	h = frost_sandbox_spawn(self->heap, make_private, &r);
	assert_ptr(h, !=, NULL);
	expect_int(frost_sandbox_join(h, &ret), ==, 0);
	expect_int(ret, ==, 7);
	/* Inside fn: its own sandbox, attached to this thread. */
	expect_ptr(r.self, ==, h);
	expect_ptr(r.current, ==, h);
	expect_int(r.stats_ret, ==, 0);
	expect_uint(r.live_objects, >=, 11);	/* the list and its 10 items */
	expect_uint(r.sandboxes_inside, ==, 2);
	/* After: detached, private objects finalized and freed. */
	expect_uint(nr_sandboxes(self->heap), ==, 1);
	expect_int(__atomic_load_n(&finalized, __ATOMIC_RELAXED), ==, 10);
}

static int join_self(struct frost_sandbox *sb, void *arg)
{
	return frost_sandbox_join(sb, NULL);
}

TEST(bad_arguments_and_double_join)
{
	struct frost_heap *heap;
	struct frost_sandbox *main_sb, *h;
	int ret = 0;

	heap = frost_heap_create(NULL);
	assert_ptr(heap, !=, NULL);
	expect_null_errno(frost_sandbox_spawn(NULL, return_arg, NULL), EINVAL);
	expect_null_errno(frost_sandbox_spawn(heap, NULL, NULL), EINVAL);
	expect_neg_errno(frost_sandbox_join(NULL, NULL), EINVAL);
	/* Nothing was left attached by the failures. */
	expect_uint(nr_sandboxes(heap), ==, 0);

	/* A sandbox that was not spawned cannot be joined. */
	main_sb = frost_sandbox_attach(heap);
	assert_ptr(main_sb, !=, NULL);
	expect_neg_errno(frost_sandbox_join(main_sb, NULL), EINVAL);

	h = frost_sandbox_spawn(heap, return_arg, (void *)(intptr_t)3);
	assert_ptr(h, !=, NULL);
	expect_int(frost_sandbox_join(h, &ret), ==, 0);
	expect_int(ret, ==, 3);
	/* Joined already: EINVAL, and ret untouched. */
	ret = 99;
	expect_neg_errno(frost_sandbox_join(h, &ret), EINVAL);
	expect_int(ret, ==, 99);

	/* A sandbox joining itself would wait forever. */
	h = frost_sandbox_spawn(heap, join_self, NULL);
	assert_ptr(h, !=, NULL);
	expect_int(frost_sandbox_join(h, &ret), ==, 0);
	expect_neg_errno(ret, EDEADLK);
	expect_int(frost_sandbox_detach(main_sb), ==, 0);
	expect_int(frost_heap_destroy(heap), ==, 0);
}

/* Receives from the channel until EPIPE; returns the sum of the ints. */
static int summer(struct frost_sandbox *sb, void *arg)
{
	struct frost_channel *ch = arg;
	struct frost_object *o;
	int64_t sum = 0, v;
	int ret;

	while ((ret = frost_channel_recv(sb, ch, &o, -1)) == 0) {
		if (frost_int_get(o, &v))
			return -EINVAL;
		sum += v;
	}
	return ret == -EPIPE ? (int)sum : ret;
}

TEST_F_TIMEOUT(heap, spawned_workers_share_a_channel, 120)
{
	struct frost_sandbox *w[4];
	struct frost_channel *ch;
	int64_t total = 0;
	int ret;

	ch = frost_channel_create(self->heap, 8);
	assert_ptr(ch, !=, NULL);
	for (int i = 0; i < 4; i++) {
		w[i] = frost_sandbox_spawn(self->heap, summer, ch);
		assert_ptr(w[i], !=, NULL);
	}
	expect_uint(nr_sandboxes(self->heap), ==, 5);
	/* While the workers live the heap is busy (and the channel too). */
	expect_neg_errno(frost_heap_destroy(self->heap), EBUSY);
	for (int i = 1; i <= 1000; i++)
		expect_int(frost_channel_send(self->sb, ch, frost_int_new(self->sb, i % 1000), -1),
			   ==, 0);
	frost_channel_close(ch);
	for (int i = 0; i < 4; i++) {
		ret = -1;
		expect_int(frost_sandbox_join(w[i], &ret), ==, 0);
		expect_int(ret, >=, 0);
		total += ret;
	}
	/* 1 + ... + 999 + 0: every message reached exactly one worker. */
	expect_int(total, ==, 999 * 1000 / 2);
	expect_uint(nr_sandboxes(self->heap), ==, 1);
	expect_int(frost_channel_destroy(ch), ==, 0);
}

TEST_TIMEOUT(join_after_heap_destroyed, 60)
{
	struct frost_heap *heap;
	struct frost_sandbox *h;
	int ret = 0, spins = 0;

	heap = frost_heap_create(NULL);
	assert_ptr(heap, !=, NULL);
	h = frost_sandbox_spawn(heap, return_arg, (void *)(intptr_t)11);
	assert_ptr(h, !=, NULL);
	/* Wait until it detached, without joining. */
	while (nr_sandboxes(heap) && spins++ < 5000)
		sleep_ms(1);
	expect_uint(nr_sandboxes(heap), ==, 0);
	expect_int(frost_heap_destroy(heap), ==, 0);
	/* The handle outlives its heap until joined. */
	expect_int(frost_sandbox_join(h, &ret), ==, 0);
	expect_int(ret, ==, 11);
}

static int explicit_detach(struct frost_sandbox *sb, void *arg)
{
	int ret = frost_sandbox_detach(sb);

	return ret ? ret : 5;
}

/* @arg is the heap. */
static int nested(struct frost_sandbox *sb, void *arg)
{
	struct frost_heap *heap = arg;
	struct frost_sandbox *child = frost_sandbox_spawn(sb ? heap : NULL, return_arg,
							  (void *)(intptr_t)13);
	int ret = 0, err;

	if (!child)
		return -errno;
	err = frost_sandbox_join(child, &ret);
	return err ? err : ret + 1;
}

TEST_TIMEOUT(detach_inside_and_nested_spawn, 60)
{
	struct frost_heap *heap;
	struct frost_sandbox *h;
	int ret = 0;

	heap = frost_heap_create(NULL);
	assert_ptr(heap, !=, NULL);
	/* fn may detach itself; the thread then does not detach again. */
	h = frost_sandbox_spawn(heap, explicit_detach, NULL);
	assert_ptr(h, !=, NULL);
	expect_int(frost_sandbox_join(h, &ret), ==, 0);
	expect_int(ret, ==, 5);
	/* A spawned sandbox spawns and joins one of its own. */
	h = frost_sandbox_spawn(heap, nested, heap);
	assert_ptr(h, !=, NULL);
	expect_int(frost_sandbox_join(h, &ret), ==, 0);
	expect_int(ret, ==, 14);
	expect_uint(nr_sandboxes(heap), ==, 0);
	expect_int(frost_heap_destroy(heap), ==, 0);
}

TAP_MAIN()
