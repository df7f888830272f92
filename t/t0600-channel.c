// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0600-channel: bounded MPMC channels of shared objects.
 *
 * Single-sandbox semantics first: arguments are checked (EINVAL), private
 * objects and other heaps' objects are refused with EPERM and leave the
 * channel unchanged, a channel holds exactly @capacity messages (EAGAIN with
 * timeout 0 when full or empty), delivers them in order, and after a close
 * refuses sends (EPIPE) while receivers drain what is left, then get EPIPE.
 * Timeouts are honoured (a 50 ms wait returns ETIMEDOUT after 45 ms and
 * well before 2 s). Lifetime: destroy says EBUSY with messages or waiters
 * and changes nothing; the heap cannot be destroyed while a channel lives.
 *
 * Then threads: close wakes blocked senders and receivers with EPIPE; a
 * ping-pong of 100,000 messages between two sandboxes keeps order and
 * identity; 4 producers and 4 consumers deliver every message exactly once
 * (a bitmap) and each producer's messages in order. Last, channels as
 * roots: messages in a channel and the object of a blocked sender survive
 * reclaim cycles that nothing else would stop from freeing them, and a
 * sandbox blocked in a receive does not hold a cycle up.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <frost/frost.h>
#include "tap.h"
#include "frost-test.h"

#include "core/tsan.h"
#ifdef FROST_TSAN
#define PINGPONG_MSGS	10000
#define MPMC_PER_PRODUCER	5000
#else
#define PINGPONG_MSGS	100000
#define MPMC_PER_PRODUCER	50000
#endif
#define MPMC_PRODUCERS	4
#define MPMC_CONSUMERS	4
#define BIG		100000	/* frozen ints start here (small ints are static) */

/* The reclaim tests run the collector by hand: frost_reclaim() only. */
static const struct frost_heap_config manual_cfg = { .flags = FROST_HEAP_MANUAL };

FROST_TEST_HEAP_FIXTURE(manual_heap, &manual_cfg)

/*
 * Join a thread that was attached: its detach may wait for a grace period,
 * so the main sandbox must not stay online (and silent) meanwhile.
 */
static void join_offline(struct frost_sandbox *sb, pthread_t th)
{
	frost_sandbox_offline(sb);
	pthread_join(th, NULL);
	frost_sandbox_online(sb);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static uint64_t shared_objects(struct frost_heap *heap)
{
	struct frost_heap_stats st;

	frost_heap_stats(heap, &st);
	return st.shared_objects;
}

TEST_F(heap, create_and_destroy_arguments)
{
	struct frost_channel *ch;

	expect_null_errno(frost_channel_create(NULL, 1), EINVAL);
	expect_null_errno(frost_channel_create(self->heap, 0), EINVAL);
	expect_null_errno(frost_channel_create(self->heap, FROST_CHANNEL_MAX_CAPACITY + 1), EINVAL);
	expect_null_errno(frost_channel_create(self->heap, (size_t)-1), EINVAL);
	ch = frost_channel_create(self->heap, FROST_CHANNEL_MAX_CAPACITY);
	assert_ptr(ch, !=, NULL);
	expect_int(frost_channel_destroy(ch), ==, 0);
	ch = frost_channel_create(self->heap, 1);
	assert_ptr(ch, !=, NULL);
	/* Not closed, empty, no waiters: destroy frees it. */
	expect_int(frost_channel_destroy(ch), ==, 0);
	expect_neg_errno(frost_channel_destroy(NULL), EINVAL);
	frost_channel_close(NULL);	/* harmless */
}

TEST_F(heap, capacity_order_and_eagain)
{
	struct frost_object *sent[4], *got = NULL;
	struct frost_channel *ch;

	ch = frost_channel_create(self->heap, 4);
	assert_ptr(ch, !=, NULL);
	/* Empty: a receive with timeout 0 does not wait. */
	expect_neg_errno(frost_channel_recv(self->sb, ch, &got, 0), EAGAIN);
	expect_ptr(got, ==, NULL);

	sent[0] = frost_int_new(self->sb, 7);			/* static small int */
	sent[1] = frost_str_intern(self->sb, "hello", 5);	/* interned: shared */
	sent[2] = frost_test_frozen_int(self->sb, BIG + 1);		/* frozen */
	sent[3] = frost_none();
	for (int i = 0; i < 4; i++)
		expect_int(frost_channel_send(self->sb, ch, sent[i], 0), ==, 0);
	/* Exactly four fit. */
	expect_neg_errno(frost_channel_send(self->sb, ch, sent[0], 0), EAGAIN);
	for (int i = 0; i < 4; i++) {
		got = NULL;
		expect_int(frost_channel_recv(self->sb, ch, &got, 0), ==, 0);
		expect_ptr(got, ==, sent[i]);
	}
	expect_int(frost_test_int_of(sent[2]), ==, BIG + 1);
	expect_neg_errno(frost_channel_recv(self->sb, ch, &got, 0), EAGAIN);

	/* Wrap around the ring many times. */
	for (int round = 0; round < 100; round++) {
		for (int i = 0; i < 3; i++)
			expect_int(frost_channel_send(self->sb, ch,
						      frost_int_new(self->sb, round * 3 + i), 0),
				   ==, 0);
		for (int i = 0; i < 3; i++) {
			expect_int(frost_channel_recv(self->sb, ch, &got, 0), ==, 0);
			expect_int(frost_test_int_of(got), ==, round * 3 + i);
		}
	}
	expect_int(frost_channel_destroy(ch), ==, 0);

	/* Capacity 1 tells "full" from "empty". */
	ch = frost_channel_create(self->heap, 1);
	assert_ptr(ch, !=, NULL);
	for (int i = 0; i < 10; i++) {
		expect_int(frost_channel_send(self->sb, ch, frost_int_new(self->sb, i), 0), ==, 0);
		expect_neg_errno(frost_channel_send(self->sb, ch, frost_int_new(self->sb, i), 0),
				 EAGAIN);
		expect_int(frost_channel_recv(self->sb, ch, &got, 0), ==, 0);
		expect_int(frost_test_int_of(got), ==, i);
		expect_neg_errno(frost_channel_recv(self->sb, ch, &got, 0), EAGAIN);
	}
	expect_int(frost_channel_destroy(ch), ==, 0);
}

struct other_arg {
	struct frost_heap *heap;
	struct frost_channel *ch;
	struct frost_object *priv;	/* a private object of the thread */
	struct frost_object *shared;	/* a shared object of the other heap */
	int send_mine, recv_mine;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stage;
};

/* A second sandbox that makes a private object and waits to be told to go. */
static void *owner_thread(void *p)
{
	struct other_arg *a = p;
	struct frost_sandbox *s = frost_sandbox_attach(a->heap);

	if (!s)
		return NULL;
	pthread_mutex_lock(&a->lock);
	a->priv = frost_int_new(s, BIG + 5);
	a->shared = frost_test_frozen_int(s, BIG + 6);
	if (a->ch) {
		struct frost_object *o;

		/* A sandbox of another heap may not use the channel. */
		a->send_mine = frost_channel_send(s, a->ch, a->shared, 0);
		a->recv_mine = frost_channel_recv(s, a->ch, &o, 0);
	}
	a->stage = 1;
	pthread_cond_broadcast(&a->cond);
	while (a->stage != 2)
		pthread_cond_wait(&a->cond, &a->lock);
	pthread_mutex_unlock(&a->lock);
	frost_sandbox_detach(s);
	return NULL;
}

static void other_start(struct frost_sandbox *sb, struct other_arg *a, pthread_t *th)
{
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->cond, NULL);
	if (pthread_create(th, NULL, owner_thread, a))
		tap_bail_out("pthread_create");
	/* Offline while the thread attaches: attach may wait for a grace period. */
	frost_sandbox_offline(sb);
	pthread_mutex_lock(&a->lock);
	while (a->stage != 1)
		pthread_cond_wait(&a->cond, &a->lock);
	pthread_mutex_unlock(&a->lock);
	frost_sandbox_online(sb);
}

static void other_stop(struct frost_sandbox *sb, struct other_arg *a, pthread_t th)
{
	pthread_mutex_lock(&a->lock);
	a->stage = 2;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	join_offline(sb, th);
}

TEST_F(heap, send_refuses_private_and_bad_arguments)
{
	struct frost_object *priv, *str, *one, *got = NULL;
	struct other_arg same = { 0 }, other = { 0 };
	struct frost_channel *ch;
	struct frost_heap *h2;
	pthread_t t1, t2;

	ch = frost_channel_create(self->heap, 2);
	assert_ptr(ch, !=, NULL);
	priv = frost_int_new(self->sb, BIG + 2);
	str = frost_str_new(self->sb, "private", 7);
	one = frost_int_new(self->sb, 1);
	assert_true(priv && str && !frost_is_shared(priv));

	/* Our own private objects: EPERM, nothing enqueued. */
	expect_neg_errno(frost_channel_send(self->sb, ch, priv, 0), EPERM);
	expect_neg_errno(frost_channel_send(self->sb, ch, str, -1), EPERM);
	expect_neg_errno(frost_channel_send(self->sb, ch, priv, 50), EPERM);
	expect_neg_errno(frost_channel_recv(self->sb, ch, &got, 0), EAGAIN);

	/* Another sandbox's private object: EPERM too. */
	same.heap = self->heap;
	other_start(self->sb, &same, &t1);
	expect_neg_errno(frost_channel_send(self->sb, ch, same.priv, 0), EPERM);
	/* ... while its shared objects are fine. */
	expect_int(frost_channel_send(self->sb, ch, same.shared, 0), ==, 0);
	expect_int(frost_channel_recv(self->sb, ch, &got, 0), ==, 0);
	expect_ptr(got, ==, same.shared);
	other_stop(self->sb, &same, t1);

	/* Another heap's shared object, and another heap's sandbox. */
	h2 = frost_heap_create(NULL);
	assert_ptr(h2, !=, NULL);
	other.heap = h2;
	other.ch = ch;
	other_start(self->sb, &other, &t2);
	expect_neg_errno(frost_channel_send(self->sb, ch, other.shared, 0), EPERM);
	expect_neg_errno(other.send_mine, EPERM);
	expect_neg_errno(other.recv_mine, EPERM);
	other_stop(self->sb, &other, t2);
	expect_int(frost_heap_destroy(h2), ==, 0);

	/* NULLs and bad timeouts. */
	expect_neg_errno(frost_channel_send(self->sb, ch, NULL, 0), EINVAL);
	expect_neg_errno(frost_channel_send(NULL, ch, one, 0), EINVAL);
	expect_neg_errno(frost_channel_send(self->sb, NULL, one, 0), EINVAL);
	expect_neg_errno(frost_channel_send(self->sb, ch, one, -2), EINVAL);
	expect_neg_errno(frost_channel_recv(NULL, ch, &got, 0), EINVAL);
	expect_neg_errno(frost_channel_recv(self->sb, NULL, &got, 0), EINVAL);
	expect_neg_errno(frost_channel_recv(self->sb, ch, NULL, 0), EINVAL);
	expect_neg_errno(frost_channel_recv(self->sb, ch, &got, -7), EINVAL);
	/* An offline sandbox may not use channels. */
	frost_sandbox_offline(self->sb);
	expect_neg_errno(frost_channel_send(self->sb, ch, one, 0), EINVAL);
	expect_neg_errno(frost_channel_recv(self->sb, ch, &got, 0), EINVAL);
	frost_sandbox_online(self->sb);

	/* Still empty: none of the above enqueued anything. */
	expect_neg_errno(frost_channel_recv(self->sb, ch, &got, 0), EAGAIN);
	expect_int(frost_channel_destroy(ch), ==, 0);
	frost_decref(priv);
	frost_decref(str);
}

TEST_F(heap, close_drains_then_epipe)
{
	struct frost_object *got = NULL;
	struct frost_channel *ch;

	ch = frost_channel_create(self->heap, 8);
	assert_ptr(ch, !=, NULL);
	for (int i = 0; i < 3; i++) {
		struct frost_object *o = frost_test_frozen_int(self->sb, BIG + i);

		expect_int(frost_channel_send(self->sb, ch, o, 0), ==, 0);
	}
	frost_channel_close(ch);
	frost_channel_close(ch);	/* twice: harmless */
	/* Sends fail, whatever the timeout. */
	expect_neg_errno(frost_channel_send(self->sb, ch, frost_none(), 0), EPIPE);
	expect_neg_errno(frost_channel_send(self->sb, ch, frost_none(), -1), EPIPE);
	expect_neg_errno(frost_channel_send(self->sb, ch, frost_none(), 100), EPIPE);
	/* A closed channel with messages is still busy. */
	expect_neg_errno(frost_channel_destroy(ch), EBUSY);
	/* Receivers drain, in order, then get EPIPE (even when willing to wait). */
	for (int i = 0; i < 3; i++) {
		expect_int(frost_channel_recv(self->sb, ch, &got, -1), ==, 0);
		expect_int(frost_test_int_of(got), ==, BIG + i);
	}
	expect_neg_errno(frost_channel_recv(self->sb, ch, &got, 0), EPIPE);
	expect_neg_errno(frost_channel_recv(self->sb, ch, &got, -1), EPIPE);
	expect_neg_errno(frost_channel_recv(self->sb, ch, &got, 100), EPIPE);
	expect_int(frost_channel_destroy(ch), ==, 0);
}

TEST_F_TIMEOUT(heap, timeouts_are_honoured, 30)
{
	struct frost_object *got = NULL;
	struct frost_channel *ch;
	uint64_t t0, dt;

	ch = frost_channel_create(self->heap, 1);
	assert_ptr(ch, !=, NULL);
	t0 = now_ms();
	expect_neg_errno(frost_channel_recv(self->sb, ch, &got, 50), ETIMEDOUT);
	dt = now_ms() - t0;
	expect_uint(dt, >=, 45);
	expect_uint(dt, <, 2000);
	expect_ptr(got, ==, NULL);

	expect_int(frost_channel_send(self->sb, ch, frost_none(), 50), ==, 0);
	t0 = now_ms();
	expect_neg_errno(frost_channel_send(self->sb, ch, frost_bool(true), 50), ETIMEDOUT);
	dt = now_ms() - t0;
	expect_uint(dt, >=, 45);
	expect_uint(dt, <, 2000);
	/* The timed-out send left nothing behind; the first message is intact. */
	expect_int(frost_channel_recv(self->sb, ch, &got, 50), ==, 0);
	expect_ptr(got, ==, frost_none());
	expect_neg_errno(frost_channel_recv(self->sb, ch, &got, 0), EAGAIN);

	/* A longer one, to see the unit is the millisecond. */
	t0 = now_ms();
	expect_neg_errno(frost_channel_recv(self->sb, ch, &got, 300), ETIMEDOUT);
	dt = now_ms() - t0;
	expect_uint(dt, >=, 295);
	expect_uint(dt, <, 2300);
	expect_int(frost_channel_destroy(ch), ==, 0);
}

/* A thread that attaches, does one blocking call and reports. */
struct blocker {
	struct frost_heap *heap;
	struct frost_channel *ch;
	bool send;
	struct frost_object *obj;	/* to send, or received */
	int64_t value;			/* to freeze and send, if obj is NULL */
	int timeout_ms;
	int ret;
	int done;			/* atomic */
	pthread_t th;
};

static void *blocker_main(void *p)
{
	struct blocker *b = p;
	struct frost_sandbox *s = frost_sandbox_attach(b->heap);

	if (!s) {
		b->ret = -1000;
		__atomic_store_n(&b->done, 1, __ATOMIC_RELEASE);
		return NULL;
	}
	if (b->send) {
		struct frost_object *o = b->obj ? b->obj : frost_test_frozen_int(s, b->value);

		b->ret = frost_channel_send(s, b->ch, o, b->timeout_ms);
	} else {
		b->ret = frost_channel_recv(s, b->ch, &b->obj, b->timeout_ms);
		if (!b->ret)
			b->value = frost_test_int_of(b->obj);
	}
	frost_sandbox_detach(s);
	__atomic_store_n(&b->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void blocker_start(struct frost_heap *heap, struct blocker *b)
{
	b->heap = heap;
	if (pthread_create(&b->th, NULL, blocker_main, b))
		tap_bail_out("pthread_create");
}

static bool blocker_done(struct blocker *b)
{
	return __atomic_load_n(&b->done, __ATOMIC_ACQUIRE);
}

/* Give a blocker time to block (it may not be done by then). */
static void let_block(void)
{
	sleep_ms(100);
}

TEST_F_TIMEOUT(heap, close_wakes_blocked_receivers_and_senders, 60)
{
	struct blocker r[2] = { 0 }, s[2] = { 0 };
	struct frost_object *got;
	struct frost_channel *ch;

	/* Receivers blocked on an empty channel wake with EPIPE. */
	ch = frost_channel_create(self->heap, 1);
	assert_ptr(ch, !=, NULL);
	for (int i = 0; i < 2; i++) {
		r[i].ch = ch;
		r[i].timeout_ms = -1;
		blocker_start(self->heap, &r[i]);
	}
	let_block();
	expect_true(!blocker_done(&r[0]) && !blocker_done(&r[1]));
	/* Waiters present: destroy refuses and changes nothing. */
	expect_neg_errno(frost_channel_destroy(ch), EBUSY);
	frost_channel_close(ch);
	for (int i = 0; i < 2; i++) {
		join_offline(self->sb, r[i].th);
		expect_neg_errno(r[i].ret, EPIPE);
	}
	expect_int(frost_channel_destroy(ch), ==, 0);

	/* Senders blocked on a full channel wake with EPIPE; the message
	 * that was in the channel is still delivered after the close. */
	ch = frost_channel_create(self->heap, 1);
	assert_ptr(ch, !=, NULL);
	expect_int(frost_channel_send(self->sb, ch, frost_test_frozen_int(self->sb, BIG + 9), 0),
		   ==, 0);
	for (int i = 0; i < 2; i++) {
		s[i].ch = ch;
		s[i].send = true;
		s[i].value = BIG + 10 + i;
		s[i].timeout_ms = -1;
		blocker_start(self->heap, &s[i]);
	}
	let_block();
	expect_true(!blocker_done(&s[0]) && !blocker_done(&s[1]));
	expect_neg_errno(frost_channel_destroy(ch), EBUSY);
	frost_channel_close(ch);
	for (int i = 0; i < 2; i++) {
		join_offline(self->sb, s[i].th);
		expect_neg_errno(s[i].ret, EPIPE);
	}
	expect_int(frost_channel_recv(self->sb, ch, &got, -1), ==, 0);
	expect_int(frost_test_int_of(got), ==, BIG + 9);
	expect_neg_errno(frost_channel_recv(self->sb, ch, &got, -1), EPIPE);
	expect_int(frost_channel_destroy(ch), ==, 0);
}

TEST_F_TIMEOUT(heap, blocked_calls_complete_when_unblocked, 60)
{
	struct blocker r = { 0 }, s = { 0 };
	struct frost_object *got;
	struct frost_channel *ch;

	ch = frost_channel_create(self->heap, 1);
	assert_ptr(ch, !=, NULL);
	/* A receiver waiting forever gets the message sent later. */
	r.ch = ch;
	r.timeout_ms = -1;
	blocker_start(self->heap, &r);
	let_block();
	expect_true(!blocker_done(&r));
	expect_int(frost_channel_send(self->sb, ch, frost_test_frozen_int(self->sb, BIG + 20), -1),
		   ==, 0);
	join_offline(self->sb, r.th);
	expect_int(r.ret, ==, 0);
	expect_int(r.value, ==, BIG + 20);

	/* A sender with a long timeout gets in once there is room. */
	expect_int(frost_channel_send(self->sb, ch, frost_int_new(self->sb, 1), 0), ==, 0);
	s.ch = ch;
	s.send = true;
	s.value = BIG + 21;
	s.timeout_ms = 20000;
	blocker_start(self->heap, &s);
	let_block();
	expect_true(!blocker_done(&s));
	expect_int(frost_channel_recv(self->sb, ch, &got, 0), ==, 0);
	expect_int(frost_test_int_of(got), ==, 1);
	join_offline(self->sb, s.th);
	expect_int(s.ret, ==, 0);
	expect_int(frost_channel_recv(self->sb, ch, &got, 0), ==, 0);
	expect_int(frost_test_int_of(got), ==, BIG + 21);
	expect_int(frost_channel_destroy(ch), ==, 0);
}

TEST_F(heap, destroy_busy_and_heap_busy)
{
	struct frost_object *got;
	struct frost_channel *ch;

	ch = frost_channel_create(self->heap, 2);
	assert_ptr(ch, !=, NULL);
	expect_int(frost_channel_send(self->sb, ch, frost_none(), 0), ==, 0);
	/* A message left: EBUSY, and the message is still there. */
	expect_neg_errno(frost_channel_destroy(ch), EBUSY);
	expect_int(frost_channel_recv(self->sb, ch, &got, 0), ==, 0);
	expect_ptr(got, ==, frost_none());
	/* The heap stays busy while the channel lives, with no sandbox. */
	expect_int(frost_sandbox_detach(self->sb), ==, 0);
	expect_neg_errno(frost_heap_destroy(self->heap), EBUSY);
	/* The channel still works after the refused destroy. */
	self->sb = frost_sandbox_attach(self->heap);
	assert_ptr(self->sb, !=, NULL);
	expect_int(frost_channel_send(self->sb, ch, frost_bool(true), 0), ==, 0);
	expect_int(frost_channel_recv(self->sb, ch, &got, 0), ==, 0);
	expect_ptr(got, ==, frost_bool(true));
	expect_int(frost_channel_destroy(ch), ==, 0);
}

/* Ping-pong: the pinger sends i, the ponger sends the same object back. */
struct pingpong {
	struct frost_heap *heap;
	struct frost_channel *ping, *pong;
	int errors;
	int ret;
};

static void *ponger(void *p)
{
	struct pingpong *pp = p;
	struct frost_sandbox *s = frost_sandbox_attach(pp->heap);
	struct frost_object *o;

	if (!s) {
		pp->ret = -1000;
		return NULL;
	}
	for (int64_t i = 0; i < PINGPONG_MSGS / 2; i++) {
		pp->ret = frost_channel_recv(s, pp->ping, &o, -1);
		if (pp->ret)
			break;
		if (frost_test_int_of(o) != BIG + i)
			pp->errors++;
		pp->ret = frost_channel_send(s, pp->pong, o, -1);
		if (pp->ret)
			break;
		frost_quiescent(s);
	}
	frost_sandbox_detach(s);
	return NULL;
}

TEST_F_TIMEOUT(heap, pingpong_100000_messages, 300)
{
	struct pingpong pp = { .heap = self->heap };
	struct frost_object *o, *back;
	int errors = 0, ret = 0;
	pthread_t th;

	pp.ping = frost_channel_create(self->heap, 1);
	pp.pong = frost_channel_create(self->heap, 1);
	assert_true(pp.ping && pp.pong);
	assert_int(pthread_create(&th, NULL, ponger, &pp), ==, 0);
	for (int64_t i = 0; i < PINGPONG_MSGS / 2; i++) {
		o = frost_test_frozen_int(self->sb, BIG + i);
		ret = frost_channel_send(self->sb, pp.ping, o, -1);
		if (ret)
			break;
		ret = frost_channel_recv(self->sb, pp.pong, &back, -1);
		if (ret)
			break;
		/* The very object comes back: zero copies. */
		if (back != o || frost_test_int_of(back) != BIG + i)
			errors++;
		frost_quiescent(self->sb);
	}
	join_offline(self->sb, th);
	expect_int(ret, ==, 0);
	expect_int(pp.ret, ==, 0);
	expect_int(errors, ==, 0);
	expect_int(pp.errors, ==, 0);
	expect_int(frost_channel_destroy(pp.ping), ==, 0);
	expect_int(frost_channel_destroy(pp.pong), ==, 0);
}

/* Many producers, many consumers: each message exactly once, in order per producer. */
struct mpmc {
	struct frost_heap *heap;
	struct frost_channel *ch;
	uint64_t *bitmap;		/* one bit per message, atomic ORs */
	uint64_t received;		/* atomic */
	uint64_t duplicates;		/* atomic */
	uint64_t out_of_order;		/* atomic */
	uint64_t errors;		/* atomic */
};

struct mpmc_worker {
	struct mpmc *m;
	int id;
	pthread_t th;
};

static void *producer(void *p)
{
	struct mpmc_worker *w = p;
	struct frost_sandbox *s = frost_sandbox_attach(w->m->heap);

	if (!s) {
		__atomic_fetch_add(&w->m->errors, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	for (int64_t i = 0; i < MPMC_PER_PRODUCER; i++) {
		int64_t v = BIG + (int64_t)w->id * MPMC_PER_PRODUCER + i;
		/* Small timeouts on some sends exercise the timed path. */
		int ret;

		do {
			struct frost_object *o = frost_test_frozen_int(s, v);

			ret = frost_channel_send(s, w->m->ch, o, (i & 1) ? 5 : -1);
		} while (ret == -ETIMEDOUT);
		if (ret)
			__atomic_fetch_add(&w->m->errors, 1, __ATOMIC_RELAXED);
		frost_quiescent(s);
	}
	frost_sandbox_detach(s);
	return NULL;
}

static void *consumer(void *p)
{
	struct mpmc_worker *w = p;
	struct frost_sandbox *s = frost_sandbox_attach(w->m->heap);
	int64_t last[MPMC_PRODUCERS];
	struct frost_object *o;
	int ret;

	if (!s) {
		__atomic_fetch_add(&w->m->errors, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	for (int i = 0; i < MPMC_PRODUCERS; i++)
		last[i] = -1;
	while ((ret = frost_channel_recv(s, w->m->ch, &o, (w->id & 1) ? 3 : -1)) != -EPIPE) {
		int64_t v, idx, prod;
		uint64_t bit;

		if (ret == -ETIMEDOUT)
			continue;
		if (ret) {
			__atomic_fetch_add(&w->m->errors, 1, __ATOMIC_RELAXED);
			break;
		}
		v = frost_test_int_of(o) - BIG;
		if (v < 0 || v >= (int64_t)MPMC_PRODUCERS * MPMC_PER_PRODUCER) {
			__atomic_fetch_add(&w->m->errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		prod = v / MPMC_PER_PRODUCER;
		idx = v % MPMC_PER_PRODUCER;
		if (idx <= last[prod])
			__atomic_fetch_add(&w->m->out_of_order, 1, __ATOMIC_RELAXED);
		last[prod] = idx;
		bit = UINT64_C(1) << (v % 64);
		if (__atomic_fetch_or(&w->m->bitmap[v / 64], bit, __ATOMIC_RELAXED) & bit)
			__atomic_fetch_add(&w->m->duplicates, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&w->m->received, 1, __ATOMIC_RELAXED);
		frost_quiescent(s);
	}
	frost_sandbox_detach(s);
	return NULL;
}

TEST_F_TIMEOUT(heap, four_producers_four_consumers_exactly_once, 300)
{
	const uint64_t total = (uint64_t)MPMC_PRODUCERS * MPMC_PER_PRODUCER;
	struct mpmc_worker prod[MPMC_PRODUCERS], cons[MPMC_CONSUMERS];
	struct mpmc m = { .heap = self->heap };
	uint64_t missing = 0;

	m.ch = frost_channel_create(self->heap, 16);
	m.bitmap = calloc((total + 63) / 64, sizeof(uint64_t));
	assert_true(m.ch && m.bitmap);
	/* Not attached while waiting for the workers: nothing to hold up. */
	frost_sandbox_offline(self->sb);
	for (int i = 0; i < MPMC_CONSUMERS; i++) {
		cons[i] = (struct mpmc_worker){ .m = &m, .id = i };
		assert_int(pthread_create(&cons[i].th, NULL, consumer, &cons[i]), ==, 0);
	}
	for (int i = 0; i < MPMC_PRODUCERS; i++) {
		prod[i] = (struct mpmc_worker){ .m = &m, .id = i };
		assert_int(pthread_create(&prod[i].th, NULL, producer, &prod[i]), ==, 0);
	}
	for (int i = 0; i < MPMC_PRODUCERS; i++)
		pthread_join(prod[i].th, NULL);
	/* Every send completed before the close: consumers drain them all. */
	frost_channel_close(m.ch);
	for (int i = 0; i < MPMC_CONSUMERS; i++)
		pthread_join(cons[i].th, NULL);
	frost_sandbox_online(self->sb);

	for (uint64_t v = 0; v < total; v++)
		if (!(m.bitmap[v / 64] & (UINT64_C(1) << (v % 64))))
			missing++;
	expect_uint(m.errors, ==, 0);
	expect_uint(m.received, ==, total);
	expect_uint(missing, ==, 0);
	expect_uint(m.duplicates, ==, 0);
	expect_uint(m.out_of_order, ==, 0);
	expect_int(frost_channel_destroy(m.ch), ==, 0);
	free(m.bitmap);
}

TEST_F_TIMEOUT(manual_heap, messages_are_roots, 120)
{
	struct frost_object *o, *got;
	struct frost_channel *ch;
	uint64_t before;

	ch = frost_channel_create(self->heap, 4);
	assert_ptr(ch, !=, NULL);
	before = shared_objects(self->heap);
	/* Two messages that only the channel holds. */
	expect_int(frost_channel_send(self->sb, ch, frost_test_frozen_int(self->sb, BIG + 31), 0),
		   ==, 0);
	expect_int(frost_channel_send(self->sb, ch, frost_test_frozen_int(self->sb, BIG + 32), 0),
		   ==, 0);
	/* Garbage, for contrast: nothing holds it after our quiescent state. */
	o = frost_test_frozen_int(self->sb, BIG + 33);
	expect_uint(frost_test_int_of(o), ==, BIG + 33);
	expect_uint(shared_objects(self->heap), ==, before + 3);
	frost_quiescent(self->sb);
	expect_int(frost_reclaim(self->heap), >=, 1);
	expect_int(frost_reclaim(self->heap), >=, 0);
	/* The two messages survived; the garbage did not. */
	expect_uint(shared_objects(self->heap), ==, before + 2);
	expect_int(frost_channel_recv(self->sb, ch, &got, 0), ==, 0);
	expect_int(frost_test_int_of(got), ==, BIG + 31);
	expect_int(frost_channel_recv(self->sb, ch, &got, 0), ==, 0);
	expect_int(frost_test_int_of(got), ==, BIG + 32);
	/* Received and dropped: now they are garbage too. */
	frost_quiescent(self->sb);
	expect_int(frost_reclaim(self->heap), >=, 2);
	expect_uint(shared_objects(self->heap), ==, before);
	expect_int(frost_channel_destroy(ch), ==, 0);
}

TEST_F_TIMEOUT(manual_heap, blocked_sender_object_is_a_root, 120)
{
	struct blocker s = { 0 };
	struct frost_object *got;
	struct frost_channel *ch;
	uint64_t before;

	ch = frost_channel_create(self->heap, 1);
	assert_ptr(ch, !=, NULL);
	before = shared_objects(self->heap);
	expect_int(frost_channel_send(self->sb, ch, frost_none(), 0), ==, 0);
	/* The blocker freezes BIG + 40 and blocks sending it: only the
	 * pending send holds it. */
	s.ch = ch;
	s.send = true;
	s.value = BIG + 40;
	s.timeout_ms = -1;
	blocker_start(self->heap, &s);
	let_block();
	expect_true(!blocker_done(&s));
	frost_quiescent(self->sb);
	/* The blocked sender is offline: the cycles complete... */
	expect_int(frost_reclaim(self->heap), >=, 0);
	expect_int(frost_reclaim(self->heap), >=, 0);
	/* ... and its object survives them. */
	expect_uint(shared_objects(self->heap), ==, before + 1);
	expect_true(!blocker_done(&s));
	expect_int(frost_channel_recv(self->sb, ch, &got, 0), ==, 0);
	expect_ptr(got, ==, frost_none());
	join_offline(self->sb, s.th);
	expect_int(s.ret, ==, 0);
	expect_int(frost_channel_recv(self->sb, ch, &got, 0), ==, 0);
	expect_int(frost_test_int_of(got), ==, BIG + 40);
	expect_int(frost_channel_destroy(ch), ==, 0);
}

TEST_F_TIMEOUT(heap, blocked_receiver_does_not_delay_reclaim, 60)
{
	struct blocker r = { 0 };
	struct frost_channel *ch;
	uint64_t t0;
	long freed;

	ch = frost_channel_create(self->heap, 1);
	assert_ptr(ch, !=, NULL);
	r.ch = ch;
	r.timeout_ms = -1;
	blocker_start(self->heap, &r);
	let_block();
	expect_true(!blocker_done(&r));
	/* Garbage for the cycle to find. */
	expect_int(frost_test_int_of(frost_test_frozen_int(self->sb, BIG + 50)), ==, BIG + 50);
	frost_quiescent(self->sb);
	t0 = now_ms();
	freed = frost_reclaim(self->heap);
	expect_int(freed, >=, 1);
	/* It completed while the receiver stayed blocked. */
	expect_uint(now_ms() - t0, <, 10000);
	expect_true(!blocker_done(&r));
	expect_int(frost_channel_send(self->sb, ch, frost_int_new(self->sb, 5), 0), ==, 0);
	join_offline(self->sb, r.th);
	expect_int(r.ret, ==, 0);
	expect_int(r.value, ==, 5);
	expect_int(frost_channel_destroy(ch), ==, 0);
}

TAP_MAIN()
