// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Isolation between heaps and between threads (lifetime rule 4, hardened).
 *
 * Theory of operation. Three holes an attacker or a careless caller could
 * use, each tested from the side that must be refused:
 *
 *  - cross-heap: a shared object of heap 2 (frozen by a sandbox of heap 2
 *    on its own thread, and kept alive there by a pin) is passed to every
 *    call of a heap-1 sandbox that takes an object: the containers, freeze
 *    (directly and through a user type's slot), pins, the namespace and
 *    channels. Each must give EPERM and change nothing; static objects
 *    stay accepted.
 *  - foreign thread: a thread that is not sandbox A's passes A's pointer
 *    to every sandbox-taking call; each gives EPERM (or EINVAL where the
 *    pointer is not a sandbox) and A's arena is unchanged.
 *  - stale pointers: a detached sandbox's pointer, whatever its structure
 *    was reused for (another thread's sandbox, or the same thread's next
 *    one), gives EINVAL or EPERM and never acts on the new owner.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <string.h>

#include <frost/frost.h>
#include "frost-test.h"

#define BIG 1000003

/* ------------------------------------------------------------------ */
/* A second heap whose sandbox lives on its own thread.                */

struct heap2 {
	struct frost_heap *heap;
	struct frost_sandbox *sb;
	struct frost_object *obj;	/* a shared int of heap 2, pinned there */
	struct frost_object *str;	/* a shared str of heap 2, pinned there */
	sem_t ready, done;
};

static int heap2_main(struct frost_sandbox *sb, void *arg)
{
	struct heap2 *h2 = arg;
	struct frost_object *p = frost_int_new(sb, BIG), *s = frost_str_new(sb, "heap two", 8);

	h2->obj = p ? frost_freeze(sb, p) : NULL;
	h2->str = s ? frost_freeze(sb, s) : NULL;
	if (p)
		frost_decref(p);
	if (s)
		frost_decref(s);
	if (h2->obj)
		frost_pin(sb, h2->obj);
	if (h2->str)
		frost_pin(sb, h2->str);
	sem_post(&h2->ready);
	/* Offline while the other heap's tests run: we hold only pins. */
	frost_sandbox_offline(sb);
	while (sem_wait(&h2->done))
		;
	frost_sandbox_online(sb);
	return 0;
}

static void heap2_start(struct heap2 *h2)
{
	memset(h2, 0, sizeof(*h2));
	sem_init(&h2->ready, 0, 0);
	sem_init(&h2->done, 0, 0);
	h2->heap = frost_heap_create(NULL);
	assert_ptr(h2->heap, !=, NULL);
	h2->sb = frost_sandbox_spawn(h2->heap, heap2_main, h2);
	assert_ptr(h2->sb, !=, NULL);
	while (sem_wait(&h2->ready))
		;
	assert_ptr(h2->obj, !=, NULL);
	assert_ptr(h2->str, !=, NULL);
}

static void heap2_stop(struct heap2 *h2)
{
	int ret = -1;

	sem_post(&h2->done);
	expect_int(frost_sandbox_join(h2->sb, &ret), ==, 0);
	expect_int(ret, ==, 0);
	expect_int(frost_heap_destroy(h2->heap), ==, 0);
}

/* A user type with one child slot. */
struct box {
	struct frost_object head;
	struct frost_object *child;
};

static void box_trace(struct frost_object *o, frost_visit_fn visit, void *arg)
{
	visit(&((struct box *)o)->child, arg);
}

static const struct frost_type box_type = {
	.name = "box",
	.basic_size = sizeof(struct box),
	.flags = FROST_TYPE_IMMUTABLE,
	.trace = box_trace,
};

TEST_F(heap, cross_heap_objects_refused)
{
	struct frost_object *mine, *list, *items[2], *t, *b;
	struct frost_channel *ch;
	struct heap2 h2;
	uint64_t base;

	heap2_start(&h2);
	mine = frost_int_new(self->sb, BIG + 1);
	list = frost_list_new(self->sb);
	assert_ptr(mine, !=, NULL);
	assert_ptr(list, !=, NULL);
	ch = frost_channel_create(self->heap, 4);
	assert_ptr(ch, !=, NULL);
	base = frost_test_live(self->sb);

	for (int k = 0; k < 2; k++) {
		struct frost_object *f = k ? h2.str : h2.obj;

		items[0] = mine;
		items[1] = f;
		expect_null_errno(frost_tuple_new(self->sb, 2, items), EPERM);
		expect_null_errno(frost_tuple_new(self->sb, 1, &f), EPERM);
		expect_null_errno(frost_map_new(self->sb, 1, &f, &mine), EPERM);
		expect_null_errno(frost_map_new(self->sb, 1, &mine, &f), EPERM);
		expect_neg_errno(frost_list_append(self->sb, list, f), EPERM);
		expect_null_errno(frost_freeze(self->sb, f), EPERM);
		expect_neg_errno(frost_pin(self->sb, f), EPERM);
		expect_neg_errno(frost_publish(self->sb, "foreign", f), EPERM);
		expect_neg_errno(frost_channel_send(self->sb, ch, f, 0), EPERM);
	}
	expect_uint(frost_list_len(list), ==, 0);
	expect_uint(mine->refcnt, ==, 1);
	expect_uint(frost_test_live(self->sb), ==, base);

	/* A user type's slot holding another heap's object: freeze refuses. */
	b = frost_object_new(self->sb, &box_type, 0);
	assert_ptr(b, !=, NULL);
	((struct box *)b)->child = h2.obj;
	expect_null_errno(frost_freeze(self->sb, b), EPERM);
	((struct box *)b)->child = NULL;
	frost_decref(b);

	/* Static objects belong to every heap. */
	items[0] = frost_none();
	items[1] = frost_int_new(self->sb, 7);
	t = frost_tuple_new(self->sb, 2, items);
	expect_ptr(t, !=, NULL);
	if (t)
		frost_decref(t);
	expect_int(frost_list_append(self->sb, list, frost_bool(true)), ==, 0);

	/* Our own shared objects are still fine. */
	{
		struct frost_object *own = frost_freeze(self->sb, mine);

		assert_ptr(own, !=, NULL);
		expect_int(frost_list_append(self->sb, list, own), ==, 0);
	}

	frost_decref(list);
	frost_decref(mine);
	expect_int(frost_channel_destroy(ch), ==, 0);
	heap2_stop(&h2);
}

/* ------------------------------------------------------------------ */
/* Another thread passing sandbox A's pointer.                          */

struct foreign_call {
	struct frost_sandbox *victim;
	struct frost_object *victim_list;	/* A's private list */
	struct frost_heap *heap;
	struct frost_channel *ch;
	bool attach_own;	/* attach a sandbox of our own first */
};

static void *foreign_thread(void *arg)
{
	struct foreign_call *fc = arg;
	struct frost_sandbox *sb = fc->victim, *own = NULL;
	struct frost_object *out;

	if (fc->attach_own) {
		own = frost_sandbox_attach(fc->heap);
		expect_ptr(own, !=, NULL);
	}
	expect_null_errno(frost_int_new(sb, BIG), EPERM);
	expect_null_errno(frost_float_new(sb, 1.5), EPERM);
	expect_null_errno(frost_str_new(sb, "x", 1), EPERM);
	expect_null_errno(frost_str_intern(sb, "x", 1), EPERM);
	expect_null_errno(frost_bytes_new(sb, "x", 1), EPERM);
	expect_null_errno(frost_tuple_new(sb, 0, NULL), EPERM);
	expect_null_errno(frost_map_new(sb, 0, NULL, NULL), EPERM);
	expect_null_errno(frost_list_new(sb), EPERM);
	expect_neg_errno(frost_list_append(sb, fc->victim_list, frost_none()), EPERM);
	expect_null_errno(frost_object_new(sb, &box_type, 0), EPERM);
	expect_null_errno(frost_freeze(sb, frost_none()), EPERM);
	expect_neg_errno(frost_pin(sb, frost_none()), EPERM);
	expect_neg_errno(frost_unpin(sb, frost_none()), EPERM);
	expect_neg_errno(frost_publish(sb, "n", frost_none()), EPERM);
	expect_neg_errno(frost_publish_replace(sb, "n", NULL, frost_none()), EPERM);
	expect_null_errno(frost_lookup(sb, "n"), EPERM);
	expect_neg_errno(frost_unpublish(sb, "n"), EPERM);
	expect_neg_errno(frost_channel_send(sb, fc->ch, frost_none(), 0), EPERM);
	expect_neg_errno(frost_channel_recv(sb, fc->ch, &out, 0), EPERM);
	expect_neg_errno(frost_sandbox_detach(sb), EPERM);
	if (own)
		expect_int(frost_sandbox_detach(own), ==, 0);
	return NULL;
}

static void run_foreign(struct frost_heap *heap, struct frost_sandbox *sb, bool attach_own)
{
	struct foreign_call fc;
	struct frost_object *out;
	pthread_t th;
	uint64_t base;

	memset(&fc, 0, sizeof(fc));
	fc.victim = sb;
	fc.heap = heap;
	fc.attach_own = attach_own;
	fc.victim_list = frost_list_new(sb);
	fc.ch = frost_channel_create(heap, 2);
	assert_ptr(fc.victim_list, !=, NULL);
	assert_ptr(fc.ch, !=, NULL);
	base = frost_test_live(sb);
	/* The other thread runs while we are offline: nothing of ours moves. */
	frost_sandbox_offline(sb);
	assert_int(pthread_create(&th, NULL, foreign_thread, &fc), ==, 0);
	pthread_join(th, NULL);
	frost_sandbox_online(sb);

	expect_uint(frost_test_live(sb), ==, base);
	expect_uint(frost_list_len(fc.victim_list), ==, 0);
	expect_null_errno(frost_lookup(sb, "n"), ENOENT);
	expect_neg_errno(frost_channel_recv(sb, fc.ch, &out, 0), EAGAIN);
	frost_decref(fc.victim_list);
	expect_int(frost_channel_destroy(fc.ch), ==, 0);
}

TEST_F(heap, foreign_thread_without_sandbox)
{
	run_foreign(self->heap, self->sb, false);
}

TEST_F(heap, foreign_thread_with_own_sandbox)
{
	run_foreign(self->heap, self->sb, true);
}

TEST_F(heap, sandbox_stats_from_any_thread)
{
	struct frost_sandbox *sb = self->sb;	/* still used once detached */
	struct frost_sandbox_stats st;
	struct frost_object *o;

	o = frost_int_new(sb, BIG);
	assert_ptr(o, !=, NULL);
	memset(&st, 0, sizeof(st));
	/* Stats are documented as callable from any thread: this one too. */
	expect_int(frost_sandbox_stats(sb, &st), ==, 0);
	expect_uint(st.live_objects, >=, 1);
	frost_decref(o);
	/* Detached, and its heap destroyed (here, not by the teardown). */
	expect_int(frost_sandbox_detach(sb), ==, 0);
	self->sb = NULL;
	expect_int(frost_heap_destroy(self->heap), ==, 0);
	self->heap = NULL;
	/* Detached: EINVAL, no read of freed memory (ASan would say). */
	expect_int(frost_sandbox_stats(sb, &st), ==, -EINVAL);
}

/* ------------------------------------------------------------------ */
/* Stale pointers after detach.                                         */

struct stale {
	struct frost_heap *heap;
	struct frost_sandbox *old;	/* detached by the first thread */
	struct frost_sandbox *reuser;	/* the second thread's sandbox */
	sem_t detached, reused, tried;
};

static void *reuser_thread(void *arg)
{
	struct stale *s = arg;
	struct frost_sandbox_stats st;
	uint64_t before;

	while (sem_wait(&s->detached))
		;
	s->reuser = frost_sandbox_attach(s->heap);
	expect_ptr(s->reuser, !=, NULL);
	memset(&st, 0, sizeof(st));
	frost_sandbox_stats(s->reuser, &st);
	before = st.live_objects;
	frost_sandbox_offline(s->reuser);
	sem_post(&s->reused);
	while (sem_wait(&s->tried))
		;
	frost_sandbox_online(s->reuser);
	frost_sandbox_stats(s->reuser, &st);
	/* Nothing was allocated in our arena through the stale pointer. */
	expect_uint(st.live_objects, ==, before);
	expect_int(frost_sandbox_detach(s->reuser), ==, 0);
	return NULL;
}

TEST(stale_pointer_reused_by_another_thread)
{
	struct stale s;
	pthread_t th;

	memset(&s, 0, sizeof(s));
	sem_init(&s.detached, 0, 0);
	sem_init(&s.reused, 0, 0);
	sem_init(&s.tried, 0, 0);
	s.heap = frost_heap_create(NULL);
	assert_ptr(s.heap, !=, NULL);
	assert_int(pthread_create(&th, NULL, reuser_thread, &s), ==, 0);
	s.old = frost_sandbox_attach(s.heap);
	assert_ptr(s.old, !=, NULL);
	expect_int(frost_sandbox_detach(s.old), ==, 0);
	sem_post(&s.detached);
	while (sem_wait(&s.reused))
		;
	/* Whether or not the structure was reused, the stale pointer fails. */
	{
		struct frost_object *o = frost_int_new(s.old, BIG);
		int err = errno;

		expect_ptr(o, ==, NULL);
		expect_true(err == EINVAL || err == EPERM);
	}
	expect_true(frost_list_new(s.old) == NULL);
	expect_true(frost_sandbox_detach(s.old) < 0);
	sem_post(&s.tried);
	pthread_join(th, NULL);
	expect_int(frost_heap_destroy(s.heap), ==, 0);
}

TEST(stale_pointer_same_thread)
{
	struct frost_heap *heap = frost_heap_create(NULL);
	struct frost_sandbox *old, *now;

	assert_ptr(heap, !=, NULL);
	old = frost_sandbox_attach(heap);
	assert_ptr(old, !=, NULL);
	expect_int(frost_sandbox_detach(old), ==, 0);
	expect_null_errno(frost_int_new(old, BIG), EINVAL);
	now = frost_sandbox_attach(heap);
	assert_ptr(now, !=, NULL);
	/* The thread's new sandbox is never its old structure... */
	expect_ptr(now, !=, old);
	/* ...so the stale pointer still fails and cannot reach the new one. */
	expect_null_errno(frost_int_new(old, BIG), EINVAL);
	expect_int(frost_sandbox_detach(old), ==, -EINVAL);
	expect_int(frost_sandbox_detach(now), ==, 0);
	expect_int(frost_heap_destroy(heap), ==, 0);
}

TAP_MAIN()
