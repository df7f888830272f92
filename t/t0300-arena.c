// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0300-arena: the private arena, sandboxes and the object life cycle.
 *
 * Allocation and free through user-type objects (frost_object_new) across
 * every size class and the large-object path, with the live counters of
 * frost_sandbox_stats() as the witness: they must return exactly to their
 * baseline, and empty pages must be given back. Then the sandbox rules:
 * one sandbox per thread (EBUSY), detach only by the owner (EPERM), detach
 * frees and finalizes what is still alive, a thread that exits attached is
 * detached for it, a heap with sandboxes cannot be destroyed (EBUSY).
 * Deallocation of a million-deep chain must not recurse. With
 * CONFIG_FROST_DEBUG, a refcount change from another sandbox aborts naming
 * both sandboxes.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <frost/frost.h>
#include "tap.h"
#include "frost-test.h"

/* A user type with one child slot and a finalize counter. */
struct node {
	struct frost_object ob;
	struct frost_object *child;
	uint64_t payload[];
};

static int finalized;

static void node_trace(struct frost_object *o, frost_visit_fn visit, void *arg)
{
	visit(&((struct node *)(void *)o)->child, arg);
}

static void node_finalize(struct frost_object *o)
{
	(void)o;
	finalized++;
}

static const struct frost_type node_type = {
	.name = "node",
	.basic_size = sizeof(struct node),
	.flags = FROST_TYPE_IMMUTABLE,
	.trace = node_trace,
	.finalize = node_finalize,
};

static struct frost_sandbox_stats stats(struct frost_sandbox *sb)
{
	struct frost_sandbox_stats st;

	if (frost_sandbox_stats(sb, &st))
		tap_bail_out("frost_sandbox_stats failed");
	return st;
}

TEST_F(heap, alloc_free_every_size)
{
	static struct frost_object *objs[2000];
	struct frost_sandbox_stats base, st;
	size_t sizes[] = { 24, 25, 32, 100, 128, 129, 255, 256, 257, 1000, 4096, 8192,
			   8193, 65536, 200000, 3 << 20 };

	base = stats(self->sb);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s] > 8192 ? 20 : 2000;

		for (size_t i = 0; i < n; i++) {
			objs[i] = frost_object_new(self->sb, &node_type, sizes[s]);
			assert_ptr(objs[i], !=, NULL);
			/* Writable to the end, zeroed after the header. */
			if (sizes[s] >= sizeof(struct node))
				assert_ptr(((struct node *)(void *)objs[i])->child, ==, NULL);
			memset((char *)objs[i] + 16, 0, sizes[s] - 16);
			expect_true(((uintptr_t)objs[i] & 15) == 0);
		}
		st = stats(self->sb);
		expect_uint(st.live_objects, ==, base.live_objects + n);
		expect_uint(st.live_bytes, >=, base.live_bytes + n * sizes[s]);
		for (size_t i = 0; i < n; i++)
			frost_decref(objs[i]);
		st = stats(self->sb);
		expect_uint(st.live_objects, ==, base.live_objects);
		expect_uint(st.live_bytes, ==, base.live_bytes);
	}
	/* Empty pages went back: at most the current pages remain. */
	expect_uint(stats(self->sb).pages, <=, 32);
}

TEST_F(heap, interleaved_frees_reuse_memory)
{
	struct frost_object *objs[10000];
	struct frost_sandbox_stats st;
	unsigned int seed = 1;

	for (int i = 0; i < 10000; i++)
		objs[i] = frost_object_new(self->sb, &node_type, 48);
	/* Free a random half, reallocate, many times: pages must not grow. */
	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < 10000; i++) {
			if (rand_r(&seed) & 1) {
				frost_decref(objs[i]);
				objs[i] = frost_object_new(self->sb, &node_type, 48);
				assert_ptr(objs[i], !=, NULL);
			}
		}
	}
	st = stats(self->sb);
	expect_uint(st.live_objects, ==, 10000);
	/* 10000 x 48 B fit in 8 pages of 64 KiB; allow partial pages. */
	expect_uint(st.pages, <=, 12);
	for (int i = 0; i < 10000; i++)
		frost_decref(objs[i]);
	expect_uint(stats(self->sb).live_objects, ==, 0);
}

TEST_F(heap, refcount_and_children)
{
	struct frost_object *a, *b;

	finalized = 0;
	a = frost_object_new(self->sb, &node_type, 0);
	b = frost_object_new(self->sb, &node_type, 0);
	((struct node *)(void *)a)->child = b;	/* a owns b's reference */
	frost_incref(a);
	frost_decref(a);
	expect_int(finalized, ==, 0);
	expect_uint(stats(self->sb).live_objects, ==, 2);
	frost_decref(a);	/* frees a, then b through trace */
	expect_int(finalized, ==, 2);
	expect_uint(stats(self->sb).live_objects, ==, 0);
}

TEST_F_TIMEOUT(heap, million_deep_chain_does_not_recurse, 300)
{
	struct frost_object *head = NULL;

	finalized = 0;
	for (int i = 0; i < 1000000; i++) {
		struct frost_object *n = frost_object_new(self->sb, &node_type, 0);

		assert_ptr(n, !=, NULL);
		((struct node *)(void *)n)->child = head;
		head = n;
	}
	expect_uint(stats(self->sb).live_objects, ==, 1000000);
	frost_decref(head);
	expect_int(finalized, ==, 1000000);
	expect_uint(stats(self->sb).live_objects, ==, 0);
}

TEST_F(heap, bad_arguments)
{
	static const struct frost_type builtin_like = {
		.name = "fake", .basic_size = 16, .flags = FROST_TYPE_BUILTIN,
	};
	struct frost_heap_config bad = { .flags = 0x100 };
	struct frost_sandbox *sb = self->sb;	/* still used once detached */
	struct frost_sandbox_stats st;

	expect_null_errno(frost_heap_create(&bad), EINVAL);
	expect_null_errno(frost_sandbox_attach(NULL), EINVAL);
	expect_neg_errno(frost_heap_destroy(NULL), EINVAL);
	expect_neg_errno(frost_sandbox_detach(NULL), EINVAL);
	expect_neg_errno(frost_sandbox_stats(NULL, &st), EINVAL);
	expect_neg_errno(frost_sandbox_stats(sb, NULL), EINVAL);
	expect_null_errno(frost_object_new(NULL, &node_type, 0), EINVAL);
	expect_null_errno(frost_object_new(sb, NULL, 0), EINVAL);
	expect_null_errno(frost_object_new(sb, &node_type, 8), EINVAL);
	expect_null_errno(frost_object_new(sb, &builtin_like, 0), EINVAL);
	expect_uint(stats(sb).live_objects, ==, 0);
	expect_null_errno(frost_sandbox_attach(self->heap), EBUSY);
	expect_neg_errno(frost_heap_destroy(self->heap), EBUSY);
	expect_int(frost_sandbox_detach(sb), ==, 0);
	self->sb = NULL;	/* detached: not the teardown's to detach */
	/* Detached: the sandbox pointer is refused, not trusted. */
	expect_neg_errno(frost_sandbox_detach(sb), EINVAL);
	expect_null_errno(frost_object_new(sb, &node_type, 0), EINVAL);
	expect_ptr(frost_sandbox_current(), ==, NULL);
}

static void *detach_other(void *arg)
{
	return (void *)(intptr_t)frost_sandbox_detach(arg);
}

static void *exit_attached(void *arg)
{
	struct frost_sandbox *mine = frost_sandbox_attach(arg);

	for (int i = 0; mine && i < 100; i++)
		frost_object_new(mine, &node_type, 64);
	return mine;
}

TEST_F(heap, detach_rules)
{
	pthread_t t;
	void *ret;
	struct frost_heap_stats hs;

	finalized = 0;
	for (int i = 0; i < 1000; i++)
		assert_ptr(frost_object_new(self->sb, &node_type, 16 + (size_t)i % 300), !=, NULL);
	assert_ptr(frost_object_new(self->sb, &node_type, 100000), !=, NULL);
	/* Another thread may not detach us. */
	pthread_create(&t, NULL, detach_other, self->sb);
	pthread_join(t, &ret);
	expect_int((intptr_t)ret, ==, -EPERM);
	/* A thread that exits attached is detached for it. */
	pthread_create(&t, NULL, exit_attached, self->heap);
	pthread_join(t, &ret);
	expect_ptr(ret, !=, NULL);
	frost_heap_stats(self->heap, &hs);
	expect_uint(hs.sandboxes, ==, 1);
	expect_int(finalized, ==, 100);
	/* Detach finalizes and frees what is still alive. */
	expect_int(frost_sandbox_detach(self->sb), ==, 0);
	self->sb = NULL;
	expect_int(finalized, ==, 1101);
}

TEST_F(heap, reattach_after_detach)
{
	struct frost_sandbox_stats st;

	frost_object_new(self->sb, &node_type, 0);
	frost_sandbox_detach(self->sb);
	/* The teardown detaches the new sandbox (or none if attach failed). */
	self->sb = frost_sandbox_attach(self->heap);
	assert_ptr(self->sb, !=, NULL);
	expect_int(frost_sandbox_stats(self->sb, &st), ==, 0);
	expect_uint(st.live_objects, ==, 0);
	expect_uint(st.id, ==, 2);
}

#ifdef CONFIG_FROST_DEBUG
static struct frost_object *shared_victim;
static pthread_barrier_t barrier;

static void *touch_other(void *arg)
{
	struct frost_sandbox *mine = frost_sandbox_attach(arg);

	pthread_barrier_wait(&barrier);
	if (mine)
		frost_incref(shared_victim);	/* lifetime rule 4 broken */
	return NULL;
}
#endif

TEST(debug_cross_sandbox_refcount_aborts)
{
#ifndef CONFIG_FROST_DEBUG
	tap_skip("needs CONFIG_FROST_DEBUG");
#else
	int pipefd[2], status;
	char buf[512] = "";
	pid_t pid;

	assert_int(pipe(pipefd), ==, 0);
	pid = fork();
	if (pid == 0) {
		struct frost_heap *heap = frost_heap_create(NULL);
		struct frost_sandbox *sb = heap ? frost_sandbox_attach(heap) : NULL;
		pthread_t t;

		dup2(pipefd[1], 2);
		if (!sb)
			_exit(1);	/* not SIGABRT: the test fails */
		shared_victim = frost_object_new(sb, &node_type, 0);
		pthread_barrier_init(&barrier, NULL, 2);
		pthread_create(&t, NULL, touch_other, heap);
		pthread_barrier_wait(&barrier);
		pthread_join(t, NULL);
		_exit(0);
	}
	close(pipefd[1]);
	for (size_t got = 0; got < sizeof(buf) - 1;) {
		ssize_t r = read(pipefd[0], buf + got, sizeof(buf) - 1 - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	waitpid(pid, &status, 0);
	expect_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	expect_true(strstr(buf, "sandbox 2 changed the refcount of sandbox 1's private object") != NULL);
	tap_diag("%s", buf);
#endif
}

TAP_MAIN()
