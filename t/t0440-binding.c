// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Tests for resolved names (frost_binding_new/lookup/free).
 *
 * Theory of operation: a binding must give exactly what frost_lookup()
 * gives for its name at every step of the name's history: unbound, bound,
 * rebound by publish and by replace, unpublished, published again (a new
 * namespace node), and across reclaim cycles that free the unbound values
 * and the tombstoned nodes the binding still refers to (ASan would catch a
 * read of a freed node). Errors: NULL and bad arguments, another thread's
 * sandbox (EPERM from the slow path), an offline sandbox. A second thread
 * churns the name (publish/unpublish) while the main thread reads through
 * its binding, checking each result is one of the values ever published
 * and never freed memory. Leftover bindings are freed by heap destroy
 * (LeakSanitizer would report them).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <frost/frost.h>
#include "frost-test.h"

#define CHURN_ROUNDS	20000

TEST_F(heap, binding_follows_the_name)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_binding *b = frost_binding_new(sb, "x");
	struct frost_object *one, *two, *three;

	assert_ptr(b, !=, NULL);
	/* Unbound: like frost_lookup(). */
	expect_null_errno(frost_binding_lookup(b), ENOENT);

	one = frost_test_frozen_int(sb, 100001);
	assert_int(frost_publish(sb, "x", one), ==, 0);
	expect_ptr(frost_binding_lookup(b), ==, one);
	expect_ptr(frost_binding_lookup(b), ==, frost_lookup(sb, "x"));

	/* Rebound in place (same node): the fast path sees it at once. */
	two = frost_test_frozen_int(sb, 100002);
	assert_int(frost_publish(sb, "x", two), ==, 0);
	expect_ptr(frost_binding_lookup(b), ==, two);
	assert_int(frost_publish_replace(sb, "x", two, one), ==, 0);
	expect_ptr(frost_binding_lookup(b), ==, one);

	/* Unpublished: the node is a tombstone the binding still holds. */
	assert_int(frost_unpublish(sb, "x"), ==, 0);
	expect_null_errno(frost_binding_lookup(b), ENOENT);
	/* Cycles free the values and would free the node but for b. */
	expect_int(frost_reclaim(self->heap), >=, 0);
	expect_int(frost_reclaim(self->heap), >=, 0);
	expect_null_errno(frost_binding_lookup(b), ENOENT);

	/* Published again: a new node; the binding re-resolves by itself. */
	three = frost_test_frozen_int(sb, 100003);
	assert_int(frost_publish(sb, "x", three), ==, 0);
	expect_ptr(frost_binding_lookup(b), ==, three);
	expect_ptr(frost_lookup(sb, "x"), ==, three);
	frost_binding_free(b);
	frost_binding_free(NULL);
	expect_int(frost_unpublish(sb, "x"), ==, 0);
}

TEST_F(heap, binding_made_before_publish_and_many_bindings)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_binding *b[8];
	struct frost_object *v = frost_test_frozen_int(sb, 7777777);

	for (int i = 0; i < 8; i++) {
		b[i] = frost_binding_new(sb, "later");
		assert_ptr(b[i], !=, NULL);
	}
	assert_int(frost_publish(sb, "later", v), ==, 0);
	for (int i = 0; i < 8; i++)
		expect_ptr(frost_binding_lookup(b[i]), ==, v);
	assert_int(frost_unpublish(sb, "later"), ==, 0);
	/* Free them in a mixed order while the node is tombstoned. */
	for (int i = 0; i < 8; i += 2)
		frost_binding_free(b[i]);
	expect_int(frost_reclaim(self->heap), >=, 0);
	for (int i = 1; i < 8; i += 2)
		expect_null_errno(frost_binding_lookup(b[i]), ENOENT);
	for (int i = 1; i < 8; i += 2)
		frost_binding_free(b[i]);
}

TEST_F(heap, binding_errors)
{
	struct frost_sandbox *sb = self->sb;
	char longname[FROST_NAME_MAX + 2];

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	expect_null_errno(frost_binding_new(NULL, "x"), EINVAL);
	expect_null_errno(frost_binding_new(sb, NULL), EINVAL);
	expect_null_errno(frost_binding_new(sb, ""), EINVAL);
	expect_null_errno(frost_binding_new(sb, longname), EINVAL);
	expect_null_errno(frost_binding_lookup(NULL), EINVAL);
	frost_sandbox_offline(sb);
	expect_null_errno(frost_binding_new(sb, "x"), EINVAL);
	frost_sandbox_online(sb);
}

struct other {
	struct frost_binding *b;
	struct frost_sandbox *sb;
};

static void *other_thread(void *arg)
{
	struct other *o = arg;

	/* Unbound name: the slow path runs and refuses this thread. */
	expect_null_errno(frost_binding_lookup(o->b), EPERM);
	expect_null_errno(frost_binding_new(o->sb, "y"), EPERM);
	return NULL;
}

TEST_F(heap, binding_of_another_thread)
{
	struct other o = { .sb = self->sb };
	pthread_t th;

	o.b = frost_binding_new(self->sb, "y");
	assert_ptr(o.b, !=, NULL);
	frost_sandbox_offline(self->sb);
	assert_int(pthread_create(&th, NULL, other_thread, &o), ==, 0);
	pthread_join(th, NULL);
	frost_sandbox_online(self->sb);
	frost_binding_free(o.b);
}

struct churn {
	struct frost_heap *heap;
	struct frost_object *vals[4];	/* pinned by the test's sandbox */
	int reading;			/* the reader is in its loop (atomic) */
	int stop;			/* the churner is done (atomic) */
};

static int churner(struct frost_sandbox *sb, void *arg)
{
	struct churn *c = arg;

	while (!__atomic_load_n(&c->reading, __ATOMIC_ACQUIRE))
		frost_quiescent(sb);
	for (int i = 0; i < CHURN_ROUNDS; i++) {
		if (i % 3 == 2)
			frost_unpublish(sb, "hot");
		else
			frost_publish(sb, "hot", c->vals[i % 4]);
		frost_quiescent(sb);
	}
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
	return 0;
}

TEST_F(heap, binding_under_churn)
{
	struct frost_sandbox *sb = self->sb, *ch;
	struct frost_binding *b = frost_binding_new(sb, "hot");
	struct churn c = { .heap = self->heap };
	uint64_t reads = 0, hits = 0;
	int ret = -1;

	assert_ptr(b, !=, NULL);
	for (int i = 0; i < 4; i++) {
		c.vals[i] = frost_test_frozen_int(sb, 200000 + i);
		assert_int(frost_pin(sb, c.vals[i]), ==, 0);
	}
	ch = frost_sandbox_spawn(self->heap, churner, &c);
	assert_ptr(ch, !=, NULL);
	__atomic_store_n(&c.reading, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&c.stop, __ATOMIC_ACQUIRE)) {
		struct frost_object *v = frost_binding_lookup(b);
		int64_t x = 0;

		reads++;
		if (v) {
			hits++;
			if (!expect_int(frost_int_get(v, &x), ==, 0) ||
			    !expect_true(x >= 200000 && x < 200004))
				break;
		} else if (!expect_int(errno, ==, ENOENT)) {
			break;
		}
		if (reads % 64 == 0)
			frost_quiescent(sb);
	}
	expect_int(frost_sandbox_join(ch, &ret), ==, 0);
	expect_int(ret, ==, 0);
	tap_diag("%llu reads through the binding, %llu found a value",
		 (unsigned long long)reads, (unsigned long long)hits);
	expect_true(reads > 0);
	/* Left for heap destroy to free (LeakSanitizer checks it does). */
	(void)b;
	frost_unpublish(sb, "hot");
	for (int i = 0; i < 4; i++)
		expect_int(frost_unpin(sb, c.vals[i]), ==, 0);
}

TAP_MAIN()
