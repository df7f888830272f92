// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0520-builder: the frozen builders make in place what frost_freeze()
 * makes by copy, refuse what it refuses, and never block.
 *
 * Each builder (int, float, str, bytes, tuple, and frost_shared_new() +
 * frost_shared_seal() for a user type) returns a shared object equal to,
 * and hashing like, frost_freeze() of the same private value. Errors: NULL,
 * offline and another thread's sandbox, a private item, another heap's
 * item, bad UTF-8, a mutable or built-in type, sealing twice or sealing a
 * non-slot, a private child at seal time (the slot is given back), and
 * ENOMEM by fault injection (when built in) and over shared_limit: each
 * leaves the heap's shared counters as they were, and over the limit the
 * builder fails at once, without running a cycle, which the next
 * frost_quiescent() runs. Built objects no root reaches are reclaimed;
 * objects built while a cycle is open survive it, and so do the existing
 * shared children they point to (born marked, children shaded).
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <frost/frost.h>
#include "tap.h"
#include "frost-test.h"
#include "gc/gc_internal.h"
#include "sandbox/sandbox.h"

#define BIG	INT64_C(1000003)

static const struct frost_heap_config manual_cfg = { .flags = FROST_HEAP_MANUAL };
static const struct frost_heap_config limited_cfg = {
	.flags = FROST_HEAP_MANUAL, .shared_limit = 1u << 20,
};

FROST_TEST_HEAP_FIXTURE(manual_heap, &manual_cfg)
FROST_TEST_HEAP_FIXTURE(limited_heap, &limited_cfg)

static uint64_t live_shared(struct frost_heap *heap)
{
	struct frost_heap_stats st;

	frost_heap_stats(heap, &st);
	return st.shared_objects;
}

static uint64_t cycles(struct frost_heap *heap)
{
	struct frost_heap_stats st;

	frost_heap_stats(heap, &st);
	return st.cycles;
}

static struct frost_object *freeze_drop(struct frost_sandbox *sb, struct frost_object *p)
{
	struct frost_object *f;

	assert_ptr(p, !=, NULL);
	f = frost_freeze(sb, p);
	frost_decref(p);
	assert_ptr(f, !=, NULL);
	return f;
}

/* @built is shared, not @frozen itself unless static, equal, same hash. */
static void same_value(struct frost_object *built, struct frost_object *frozen)
{
	assert_ptr(built, !=, NULL);
	expect_true(frost_is_shared(built));
	expect_str(frost_type_name(built), frost_type_name(frozen));
	expect_true(frost_equal(built, frozen));
	expect_uint(frost_hash(built), ==, frost_hash(frozen));
}

/* A user type with one child slot and a value. */
struct box {
	struct frost_object head;
	struct frost_object *child;
	int64_t value;
};

static void box_trace(struct frost_object *o, frost_visit_fn visit, void *arg)
{
	visit(&((struct box *)o)->child, arg);
}

static uint64_t box_hash(const struct frost_object *o)
{
	return (uint64_t)((const struct box *)o)->value * 31u;
}

static bool box_equal(const struct frost_object *a, const struct frost_object *b)
{
	return ((const struct box *)a)->value == ((const struct box *)b)->value &&
	       frost_equal(((const struct box *)a)->child, ((const struct box *)b)->child);
}

static const struct frost_type box_type = {
	.name = "box", .basic_size = sizeof(struct box), .flags = FROST_TYPE_IMMUTABLE,
	.trace = box_trace, .hash = box_hash, .equal = box_equal,
};

static const struct frost_type nohash_type = {
	.name = "nohash", .basic_size = sizeof(struct box), .flags = FROST_TYPE_IMMUTABLE,
	.trace = box_trace,
};

static const struct frost_type mutable_box_type = {
	.name = "mbox", .basic_size = sizeof(struct box), .trace = box_trace,
};

TEST_F(manual_heap, builders_equal_freeze)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_object *i, *f, *s, *b, *t, *items[4], *nested, *pt, *pi[2];
	static const char text[] = "h\xc3\xa9llo";

	i = frost_int_new_frozen(sb, BIG);
	same_value(i, freeze_drop(sb, frost_int_new(sb, BIG)));
	expect_ptr(i, !=, frost_int_new(sb, BIG) /* private: different */);
	/* Small ints: the static object, as frost_int_new(). */
	expect_ptr(frost_int_new_frozen(sb, 7), ==, frost_int_new(sb, 7));
	f = frost_float_new_frozen(sb, -0.0);
	same_value(f, freeze_drop(sb, frost_float_new(sb, 0.0)));
	s = frost_str_new_frozen(sb, text, sizeof(text) - 1);
	same_value(s, freeze_drop(sb, frost_str_new(sb, text, sizeof(text) - 1)));
	expect_int(frost_str_length(s), ==, 5);
	b = frost_bytes_new_frozen(sb, "\0\1\2", 3);
	same_value(b, freeze_drop(sb, frost_bytes_new(sb, "\0\1\2", 3)));
	same_value(frost_str_new_frozen(sb, NULL, 0), freeze_drop(sb, frost_str_new(sb, "", 0)));

	items[0] = i;
	items[1] = s;
	items[2] = frost_none();
	items[3] = frost_int_new(sb, 3);
	t = frost_tuple_new_frozen(sb, 4, items);
	same_value(t, freeze_drop(sb, frost_tuple_new(sb, 4, items)));
	expect_uint(frost_tuple_len(t), ==, 4);
	expect_ptr(frost_tuple_get(t, 1), ==, s);
	/* Nested: a built tuple in a built tuple. */
	pi[0] = t;
	pi[1] = b;
	nested = frost_tuple_new_frozen(sb, 2, pi);
	pt = frost_tuple_new(sb, 2, pi);
	same_value(nested, freeze_drop(sb, pt));
	same_value(frost_tuple_new_frozen(sb, 0, NULL), freeze_drop(sb, frost_tuple_new(sb, 0, NULL)));
	/* A tuple with an unhashable item stays unhashable. */
	{
		struct frost_object *m = frost_shared_new(sb, &nohash_type, 0);
		struct frost_object *ut;

		assert_ptr(m, !=, NULL);
		assert_int(frost_shared_seal(sb, m), ==, 0);
		ut = frost_tuple_new_frozen(sb, 1, &m);

		assert_ptr(ut, !=, NULL);
		errno = 0;
		(void)frost_hash(ut);
		expect_int(errno, ==, EINVAL);
	}
	/* Usable as a root like any frozen object. */
	expect_int(frost_publish(sb, "t", t), ==, 0);
	expect_ptr(frost_lookup(sb, "t"), ==, t);
}

TEST_F(manual_heap, shared_new_and_seal)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_object *child = frost_str_new_frozen(sb, "child", 5);
	struct frost_object *o, *p, *copy;
	struct box *bx;
	uint64_t before;

	o = frost_shared_new(sb, &box_type, 0);
	assert_ptr(o, !=, NULL);
	bx = (struct box *)o;
	expect_ptr(bx->child, ==, NULL);	/* zeroed */
	expect_true(!frost_is_shared(o));	/* not yet */
	bx->child = child;
	bx->value = 42;
	expect_int(frost_shared_seal(sb, o), ==, 0);
	expect_true(frost_is_shared(o));
	expect_str(frost_type_name(o), "box");
	/* Equal to the frozen private twin. */
	p = frost_object_new(sb, &box_type, 0);
	assert_ptr(p, !=, NULL);
	((struct box *)p)->child = child;
	((struct box *)p)->value = 42;
	copy = freeze_drop(sb, p);
	same_value(o, copy);
	/* Sealed once only. */
	expect_neg_errno(frost_shared_seal(sb, o), EINVAL);
	expect_neg_errno(frost_shared_seal(sb, NULL), EINVAL);
	expect_neg_errno(frost_shared_seal(sb, child), EINVAL);
	expect_neg_errno(frost_shared_seal(sb, frost_none()), EINVAL);
	p = frost_object_new(sb, &box_type, 0);
	expect_neg_errno(frost_shared_seal(sb, p), EINVAL);
	frost_decref(p);
	/* A NULL child is fine. */
	o = frost_shared_new(sb, &box_type, sizeof(struct box) + 64);
	assert_ptr(o, !=, NULL);
	expect_int(frost_shared_seal(sb, o), ==, 0);

	/* A private child: EPERM, and the slot goes back. */
	before = live_shared(self->heap);
	o = frost_shared_new(sb, &box_type, 0);
	assert_ptr(o, !=, NULL);
	expect_uint(live_shared(self->heap), ==, before + 1);
	p = frost_str_new(sb, "private", 7);
	((struct box *)o)->child = p;
	expect_neg_errno(frost_shared_seal(sb, o), EPERM);
	expect_uint(live_shared(self->heap), ==, before);
	frost_decref(p);

	/* Type errors. */
	expect_null_errno(frost_shared_new(sb, &mutable_box_type, 0), EPERM);
	expect_null_errno(frost_shared_new(sb, NULL, 0), EINVAL);
	expect_null_errno(frost_shared_new(sb, &frost_tuple_type, 32), EINVAL);
	expect_null_errno(frost_shared_new(sb, &box_type, sizeof(struct frost_object) - 1), EINVAL);
	expect_null_errno(frost_shared_new(NULL, &box_type, 0), EINVAL);
	expect_uint(live_shared(self->heap), ==, before);
}

struct other_thread {
	struct frost_sandbox *sb;
	struct frost_object *res[3];
	int err[3], seal;
	struct frost_object *slot;
};

static void *other_main(void *arg)
{
	struct other_thread *ot = arg;

	errno = 0;
	ot->res[0] = frost_int_new_frozen(ot->sb, BIG);
	ot->err[0] = errno;
	errno = 0;
	ot->res[1] = frost_str_new_frozen(ot->sb, "x", 1);
	ot->err[1] = errno;
	errno = 0;
	ot->res[2] = frost_shared_new(ot->sb, &box_type, 0);
	ot->err[2] = errno;
	ot->seal = frost_shared_seal(ot->sb, ot->slot);
	return NULL;
}

/* A second heap whose sandbox lives on its own thread. */
struct heap2 {
	struct frost_heap *heap;
	struct frost_sandbox *sb;
	struct frost_object *str;	/* a shared str of heap 2, pinned there */
	struct frost_object *slot;	/* an unsealed slot of heap 2 */
	int seal;			/* heap 2's own seal of it, at the end */
	sem_t ready, done;
};

static int heap2_main(struct frost_sandbox *sb, void *arg)
{
	struct heap2 *h2 = arg;

	h2->str = frost_str_new_frozen(sb, "heap two", 8);
	if (h2->str)
		frost_pin(sb, h2->str);
	h2->slot = frost_shared_new(sb, &box_type, 0);
	sem_post(&h2->ready);
	frost_sandbox_offline(sb);
	while (sem_wait(&h2->done))
		;
	frost_sandbox_online(sb);
	h2->seal = frost_shared_seal(sb, h2->slot);
	return 0;
}

static void heap2_start(struct heap2 *h2)
{
	memset(h2, 0, sizeof(*h2));
	sem_init(&h2->ready, 0, 0);
	sem_init(&h2->done, 0, 0);
	h2->heap = frost_heap_create(&manual_cfg);
	assert_ptr(h2->heap, !=, NULL);
	h2->sb = frost_sandbox_spawn(h2->heap, heap2_main, h2);
	assert_ptr(h2->sb, !=, NULL);
	while (sem_wait(&h2->ready))
		;
	assert_ptr(h2->str, !=, NULL);
	assert_ptr(h2->slot, !=, NULL);
}

static void heap2_stop(struct heap2 *h2)
{
	int ret = -1;

	sem_post(&h2->done);
	expect_int(frost_sandbox_join(h2->sb, &ret), ==, 0);
	expect_int(ret, ==, 0);
	expect_int(h2->seal, ==, 0);
	expect_int(frost_heap_destroy(h2->heap), ==, 0);
}

TEST_F(manual_heap, errors_change_nothing)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_object *shared = frost_str_new_frozen(sb, "ok", 2);
	struct frost_object *priv = frost_str_new(sb, "private", 7);
	struct frost_object *items[2] = { shared, priv };
	struct other_thread ot = { .sb = sb };
	struct heap2 h2;
	pthread_t th;
	uint64_t before;

	assert_ptr(shared, !=, NULL);
	before = live_shared(self->heap);
	/* NULL sandbox. */
	expect_null_errno(frost_int_new_frozen(NULL, BIG), EINVAL);
	expect_null_errno(frost_float_new_frozen(NULL, 1.5), EINVAL);
	expect_null_errno(frost_str_new_frozen(NULL, "a", 1), EINVAL);
	expect_null_errno(frost_bytes_new_frozen(NULL, "a", 1), EINVAL);
	expect_null_errno(frost_tuple_new_frozen(NULL, 1, &shared), EINVAL);
	expect_neg_errno(frost_shared_seal(NULL, shared), EINVAL);
	/* Arguments. */
	expect_null_errno(frost_str_new_frozen(sb, "\xff", 1), EILSEQ);
	expect_null_errno(frost_str_new_frozen(sb, "\xc3", 1), EILSEQ);
	expect_null_errno(frost_str_new_frozen(sb, NULL, 3), EINVAL);
	expect_null_errno(frost_bytes_new_frozen(sb, NULL, 3), EINVAL);
	expect_null_errno(frost_tuple_new_frozen(sb, 2, NULL), EINVAL);
	/* A private item: freeze it first. */
	expect_null_errno(frost_tuple_new_frozen(sb, 2, items), EPERM);
	items[1] = NULL;
	expect_null_errno(frost_tuple_new_frozen(sb, 2, items), EINVAL);
	expect_uint(live_shared(self->heap), ==, before);

	/* Offline. */
	frost_sandbox_offline(sb);
	expect_null_errno(frost_int_new_frozen(sb, BIG), EINVAL);
	expect_null_errno(frost_str_new_frozen(sb, "a", 1), EINVAL);
	expect_null_errno(frost_tuple_new_frozen(sb, 0, NULL), EINVAL);
	expect_null_errno(frost_shared_new(sb, &box_type, 0), EINVAL);
	frost_sandbox_online(sb);
	expect_uint(live_shared(self->heap), ==, before);

	/* Another thread's sandbox. */
	ot.slot = frost_shared_new(sb, &box_type, 0);
	assert_ptr(ot.slot, !=, NULL);
	pthread_create(&th, NULL, other_main, &ot);
	pthread_join(th, NULL);
	for (int k = 0; k < 3; k++) {
		expect_ptr(ot.res[k], ==, NULL);
		expect_int(ot.err[k], ==, EPERM);
	}
	expect_int(ot.seal, ==, -EPERM);
	expect_int(frost_shared_seal(sb, ot.slot), ==, 0);
	expect_uint(live_shared(self->heap), ==, before + 1);

	/* Another heap's item, child and unsealed slot. */
	heap2_start(&h2);
	expect_null_errno(frost_tuple_new_frozen(sb, 1, &h2.str), EPERM);
	expect_neg_errno(frost_shared_seal(sb, h2.slot), EPERM);
	{
		struct frost_object *o = frost_shared_new(sb, &box_type, 0);

		assert_ptr(o, !=, NULL);
		((struct box *)o)->child = h2.str;
		expect_neg_errno(frost_shared_seal(sb, o), EPERM);
	}
	expect_uint(live_shared(self->heap), ==, before + 1);
	heap2_stop(&h2);
	frost_decref(priv);
}

TEST_F(manual_heap, enomem_by_fault_injection)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_object *s = frost_str_new_frozen(sb, "item", 4);
	uint64_t before;

	assert_ptr(s, !=, NULL);
	if (frost_debug_fail_every(1) == -ENOSYS)
		tap_skip("built without CONFIG_FROST_FAULT_INJECTION");
	before = live_shared(self->heap);
	expect_null_errno(frost_int_new_frozen(sb, BIG), ENOMEM);
	expect_null_errno(frost_float_new_frozen(sb, 2.5), ENOMEM);
	expect_null_errno(frost_str_new_frozen(sb, "abc", 3), ENOMEM);
	expect_null_errno(frost_bytes_new_frozen(sb, "abc", 3), ENOMEM);
	expect_null_errno(frost_tuple_new_frozen(sb, 1, &s), ENOMEM);
	expect_null_errno(frost_shared_new(sb, &box_type, 0), ENOMEM);
	frost_debug_fail_every(0);
	expect_uint(live_shared(self->heap), ==, before);
	/* And they work again. */
	expect_ptr(frost_tuple_new_frozen(sb, 1, &s), !=, NULL);
}

/*
 * Over shared_limit a builder fails at once: no cycle runs inside it
 * (that would be a quiescent state). The caller's next frost_quiescent()
 * runs the cycle, and then there is room again.
 */
TEST_F(limited_heap, over_the_limit_fails_without_blocking)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_object *held = frost_str_new_frozen(sb, "held", 4);
	uint64_t c0 = cycles(self->heap);
	int n = 0;
	char buf[200];

	assert_ptr(held, !=, NULL);
	memset(buf, 'x', sizeof(buf));
	for (;;) {
		struct frost_object *o = frost_str_new_frozen(sb, buf, sizeof(buf));

		if (!o) {
			expect_int(errno, ==, ENOMEM);
			break;
		}
		assert_int(++n, <, 1 << 20);
	}
	expect_int(n, >, 100);
	/* No cycle ran: @held, never rooted, is still intact. */
	expect_uint(cycles(self->heap), ==, c0);
	expect_null_errno(frost_str_new_frozen(sb, buf, sizeof(buf)), ENOMEM);
	expect_str(frost_str_data(held, NULL), "held");
	expect_uint(cycles(self->heap), ==, c0);
	/* The point that holds nothing: the deferred cycle runs there. */
	frost_quiescent(sb);
	expect_uint(cycles(self->heap), ==, c0 + 1);
	expect_ptr(frost_str_new_frozen(sb, buf, sizeof(buf)), !=, NULL);
	frost_quiescent(sb);	/* nothing deferred any more: no cycle */
	expect_uint(cycles(self->heap), ==, c0 + 1);
}

TEST_F(manual_heap, reclaim_frees_unreachable_built_objects)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_object *kept, *s, *o;
	uint64_t before = live_shared(self->heap);

	for (int k = 0; k < 100; k++) {
		s = frost_str_new_frozen(sb, "garbage", 7);
		assert_ptr(s, !=, NULL);
		assert_ptr(frost_tuple_new_frozen(sb, 1, &s), !=, NULL);
	}
	s = frost_str_new_frozen(sb, "kept", 4);
	kept = frost_tuple_new_frozen(sb, 1, &s);
	o = frost_shared_new(sb, &box_type, 0);
	assert_ptr(o, !=, NULL);
	((struct box *)o)->child = kept;
	assert_int(frost_shared_seal(sb, o), ==, 0);
	assert_int(frost_publish(sb, "kept", o), ==, 0);
	expect_uint(live_shared(self->heap), ==, before + 203);
	expect_int(frost_reclaim(self->heap), ==, 200);
	expect_uint(live_shared(self->heap), ==, before + 3);
	o = frost_lookup(sb, "kept");
	kept = ((struct box *)o)->child;
	expect_str(frost_str_data(frost_tuple_get(kept, 0), NULL), "kept");
	assert_int(frost_unpublish(sb, "kept"), ==, 0);
	expect_int(frost_reclaim(self->heap), ==, 3);
}

/* ------------------------------------------------------------------ */
/* Open cycles                                                         */

struct reclaim_job {
	struct frost_heap *heap;
	pthread_t thread;
	long freed;
	bool done;
};

static void *reclaim_main(void *arg)
{
	struct reclaim_job *job = arg;

	job->freed = frost_reclaim(job->heap);
	__atomic_store_n(&job->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static bool cycle_open(struct frost_heap *heap)
{
	return __atomic_load_n(&heap->gc_phase, __ATOMIC_ACQUIRE) & FROST_GC_ACTIVE;
}

static bool str_is(const struct frost_object *o, const char *text)
{
	const char *d = frost_type_name(o) && !strcmp(frost_type_name(o), "str") ?
			frost_str_data(o, NULL) : NULL;

	return d && !strcmp(d, text);
}

/*
 * An existing shared str held only by this sandbox (unlinked from its root
 * before the cycle, not yet past a quiescent state) becomes the child of a
 * tuple built while the cycle is open and kept in a private tuple. The
 * built tuple is born marked, so the sandbox's root scan stops at it: the
 * str survives only because the builder shaded it.
 */
TEST_F_TIMEOUT(manual_heap, existing_children_of_new_objects_survive, 60)
{
	struct frost_sandbox *sb = self->sb;
	struct reclaim_job job = { .heap = self->heap };
	struct frost_object *s, *t, *priv;
	int i;

	s = frost_str_new_frozen(sb, "child", 5);
	assert_int(frost_publish(sb, "s", s), ==, 0);
	assert_int(frost_unpublish(sb, "s"), ==, 0);
	/* @s is held here only, valid until our next quiescent state. */
	pthread_create(&job.thread, NULL, reclaim_main, &job);
	for (i = 0; i < 20000 && !cycle_open(self->heap); i++)
		usleep(500);
	assert_true(cycle_open(self->heap));
	t = frost_tuple_new_frozen(sb, 1, &s);
	assert_ptr(t, !=, NULL);
	priv = frost_tuple_new(sb, 1, &t);
	assert_ptr(priv, !=, NULL);
	frost_sandbox_offline(sb);
	pthread_join(job.thread, NULL);
	frost_sandbox_online(sb);
	expect_int(job.freed, ==, 0);
	expect_true(str_is(frost_tuple_get(frost_tuple_get(priv, 0), 0), "child"));
	/* Next cycle: still reachable through the private tuple. */
	expect_int(frost_reclaim(self->heap), ==, 0);
	frost_decref(priv);
	expect_int(frost_reclaim(self->heap), ==, 2);
}

/* A second sandbox that quiesces only when told to. */
struct stepper {
	struct frost_heap *heap;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int tokens;
	bool stop;
	struct frost_sandbox *sb;
};

static void *stepper_main(void *arg)
{
	struct stepper *st = arg;
	struct frost_sandbox *me = frost_sandbox_attach(st->heap);

	pthread_mutex_lock(&st->lock);
	st->sb = me;
	pthread_cond_broadcast(&st->cond);
	for (;;) {
		while (!st->tokens && !st->stop)
			pthread_cond_wait(&st->cond, &st->lock);
		if (st->stop)
			break;
		st->tokens--;
		pthread_mutex_unlock(&st->lock);
		frost_quiescent(me);
		pthread_mutex_lock(&st->lock);
	}
	pthread_mutex_unlock(&st->lock);
	if (me)
		frost_sandbox_detach(me);
	return NULL;
}

static void stepper_tell(struct stepper *st, bool stop)
{
	pthread_mutex_lock(&st->lock);
	if (stop)
		st->stop = true;
	else
		st->tokens++;
	pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->lock);
}

static bool waits_for(const struct stepper *st)
{
	return __atomic_load_n(&st->heap->hs_epoch, __ATOMIC_ACQUIRE) >
	       __atomic_load_n(&st->sb->hs_ack, __ATOMIC_ACQUIRE);
}

static bool wait_blocked_or_done(struct stepper *st, struct reclaim_job *job)
{
	for (int i = 0; i < 20000; i++) {
		if (__atomic_load_n(&job->done, __ATOMIC_ACQUIRE))
			return false;
		if (waits_for(st))
			return true;
		usleep(500);
	}
	tap_bail_out("reclaimer neither finished nor waited");
}

/*
 * At every handshake of a cycle held open by a second sandbox, this one
 * comes online, builds a str, a tuple of it and a user object, keeps them
 * only in a private list (a store no barrier sees; its private objects are
 * scanned once per cycle) and goes offline again. Every one of them must
 * survive the cycle: those built after the scan only because they were
 * born marked.
 */
TEST_F_TIMEOUT(manual_heap, objects_built_during_a_cycle_survive_it, 120)
{
	struct frost_sandbox *sb = self->sb;
	struct reclaim_job job = { .heap = self->heap };
	struct frost_object *list = frost_list_new(sb);
	struct stepper st;
	int steps = 0;
	size_t n;

	assert_ptr(list, !=, NULL);
	memset(&st, 0, sizeof(st));
	st.heap = self->heap;
	pthread_mutex_init(&st.lock, NULL);
	pthread_cond_init(&st.cond, NULL);
	pthread_create(&st.thread, NULL, stepper_main, &st);
	pthread_mutex_lock(&st.lock);
	while (!st.sb)
		pthread_cond_wait(&st.cond, &st.lock);
	pthread_mutex_unlock(&st.lock);

	frost_sandbox_offline(sb);
	pthread_create(&job.thread, NULL, reclaim_main, &job);
	while (wait_blocked_or_done(&st, &job)) {
		char text[48];
		struct frost_object *s, *t, *o;

		frost_sandbox_online(sb);
		snprintf(text, sizeof(text), "built at step %d", steps);
		s = frost_str_new_frozen(sb, text, strlen(text));
		t = s ? frost_tuple_new_frozen(sb, 1, &s) : NULL;
		o = frost_shared_new(sb, &box_type, 0);
		if (o) {
			((struct box *)o)->child = frost_int_new_frozen(sb, BIG + steps);
			((struct box *)o)->value = steps;
			expect_int(frost_shared_seal(sb, o), ==, 0);
		}
		expect_ptr(t, !=, NULL);
		expect_ptr(o, !=, NULL);
		if (t)
			expect_int(frost_list_append(sb, list, t), ==, 0);
		if (o)
			expect_int(frost_list_append(sb, list, o), ==, 0);
		frost_sandbox_offline(sb);
		stepper_tell(&st, false);
		steps++;
		usleep(1000);
	}
	pthread_join(job.thread, NULL);
	frost_sandbox_online(sb);
	expect_int(steps, >=, 3);
	expect_int(job.freed, ==, 0);
	n = frost_list_len(list);
	expect_uint(n, ==, (size_t)steps * 2);
	for (size_t k = 0; k + 1 < n; k += 2) {
		char text[48];
		struct frost_object *o = frost_list_get(list, k + 1);
		int64_t v = -1;

		snprintf(text, sizeof(text), "built at step %zu", k / 2);
		expect_true(str_is(frost_tuple_get(frost_list_get(list, k), 0), text));
		expect_str(frost_type_name(o), "box");
		expect_int(frost_int_get(((struct box *)o)->child, &v), ==, 0);
		expect_int(v, ==, BIG + (int64_t)(k / 2));
	}
	stepper_tell(&st, true);
	pthread_join(st.thread, NULL);
	frost_decref(list);
	expect_int(frost_reclaim(self->heap), ==, (long)steps * 4);
}

TAP_MAIN()
