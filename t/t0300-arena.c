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
 * both sandboxes. Then the inline allocation paths of <frost/object.h>:
 * frost_object_new_uninit() (no zeroing, same errors), LIFO reuse and exact
 * counts in every size class across page changes, frost_sandbox_stats()
 * read by another thread while the owner churns (exact once it stops), and
 * fault injection still failing the inline calls.
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

/* A leaf user type: no trace, no finalize (freed inline by frost_decref()). */
static const struct frost_type leaf_type = {
	.name = "leaf",
	.basic_size = 64,
};

/* The sizes of the 32 classes (lib/mm/private.c's table). */
static const size_t class_sizes[] = {
	16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512,
	640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096,
	5120, 6144, 7168, 8192,
};

/* A leaf, or a node when the size can hold its child slot. */
static const struct frost_type *some_type(size_t size, int i)
{
	return (i & 3) || size < sizeof(struct node) ? &leaf_type : &node_type;
}

static void *uninit_other_thread(void *arg)
{
	errno = 0;
	return frost_object_new_uninit(arg, &leaf_type, 0) ? (void *)1 : (void *)(intptr_t)errno;
}

TEST_F(heap, object_new_uninit)
{
	static const struct frost_type builtin_like = {
		.name = "fake", .basic_size = 16, .flags = FROST_TYPE_BUILTIN,
	};
	struct frost_object *a, *b, *c;
	pthread_t t;
	void *ret;

	/* The header is written, the body left alone: write a pattern, free,
	 * and the next allocation of the class gets the same slot with the
	 * pattern (or the debug build's poison), never zeroes. */
	for (size_t s = 0; s < sizeof(class_sizes) / sizeof(class_sizes[0]); s++) {
		size_t n = class_sizes[s];
		unsigned char *body;
		size_t zeroes = 0;

		a = frost_object_new(self->sb, &leaf_type, n);
		assert_ptr(a, !=, NULL);
		memset(a + 1, 0xab, n - sizeof(*a));
		frost_decref(a);
		b = frost_object_new_uninit(self->sb, &leaf_type, n);
		assert_ptr(b, ==, a);		/* LIFO: the slot just freed */
		expect_uint(b->refcnt, ==, 1);
		expect_ptr(b->type, ==, &leaf_type);
		body = (unsigned char *)(b + 1);
		for (size_t i = sizeof(void *); i < n - sizeof(*b); i++)
			zeroes += body[i] == 0;
		expect_uint(zeroes, ==, 0);
		frost_decref(b);
		/* frost_object_new() on the same slot zeroes it all. */
		c = frost_object_new(self->sb, &leaf_type, n);
		assert_ptr(c, ==, a);
		body = (unsigned char *)(c + 1);
		for (size_t i = 0; i < n - sizeof(*c); i++)
			zeroes += body[i] != 0;
		expect_uint(zeroes, ==, 0);
		frost_decref(c);
	}
	/* Size 0 is the type's basic size; large objects work too. */
	a = frost_object_new_uninit(self->sb, &leaf_type, 0);
	assert_ptr(a, !=, NULL);
	b = frost_object_new_uninit(self->sb, &leaf_type, 100000);
	assert_ptr(b, !=, NULL);
	expect_uint(b->refcnt, ==, 1);
	expect_uint(stats(self->sb).live_objects, ==, 2);
	expect_uint(stats(self->sb).live_bytes, >=, 64 + 100000);
	frost_decref(a);
	frost_decref(b);
	expect_uint(stats(self->sb).live_objects, ==, 0);
	/* The errors of frost_object_new(). */
	expect_null_errno(frost_object_new_uninit(NULL, &leaf_type, 0), EINVAL);
	expect_null_errno(frost_object_new_uninit(self->sb, NULL, 0), EINVAL);
	expect_null_errno(frost_object_new_uninit(self->sb, &leaf_type, 8), EINVAL);
	expect_null_errno(frost_object_new_uninit(self->sb, &builtin_like, 0), EINVAL);
	pthread_create(&t, NULL, uninit_other_thread, self->sb);
	pthread_join(t, &ret);
	expect_int((intptr_t)ret, ==, EPERM);
	expect_uint(stats(self->sb).live_objects, ==, 0);
}

TEST_F(heap, inline_alloc_free_many_classes)
{
	enum { N = 3000 };
	static struct frost_object *objs[N];
	struct frost_sandbox_stats base = stats(self->sb), st;

	for (size_t s = 0; s < sizeof(class_sizes) / sizeof(class_sizes[0]); s++) {
		size_t size = class_sizes[s];
		/* Three pages' worth and more: current pages fill and change. */
		size_t n = 3 * ((65536 - 128) / size) + 7;
		uint64_t pages;

		if (n > N)
			n = N;
		/* Sizes just above the previous class land in this one. */
		for (size_t i = 0; i < n; i++) {
			size_t sz = (i & 1) && s ? class_sizes[s - 1] + 1 : size;

			objs[i] = frost_object_new(self->sb, some_type(sz, (int)i), sz);
			assert_ptr(objs[i], !=, NULL);
		}
		st = stats(self->sb);
		expect_uint(st.live_objects, ==, base.live_objects + n);
		expect_uint(st.live_bytes, ==, base.live_bytes + n * size);
		pages = st.pages;
		/* Free every other one (pages that are not current go partial),
		 * then reallocate: the freed slots are reused, no page added. */
		for (size_t i = 0; i < n; i += 2)
			frost_decref(objs[i]);
		expect_uint(stats(self->sb).live_objects, ==, base.live_objects + n - (n + 1) / 2);
		for (size_t i = 0; i < n; i += 2) {
			objs[i] = frost_object_new_uninit(self->sb, &leaf_type, size);
			assert_ptr(objs[i], !=, NULL);
		}
		st = stats(self->sb);
		expect_uint(st.live_objects, ==, base.live_objects + n);
		expect_uint(st.pages, ==, pages);
		/* LIFO on the current page: free one, get it back. */
		frost_decref(objs[n - 1]);
		objs[n - 1] = frost_object_new(self->sb, &leaf_type, size);
		expect_ptr(objs[n - 1], !=, NULL);
		for (size_t i = 0; i < n; i++)
			frost_decref(objs[i]);
		st = stats(self->sb);
		expect_uint(st.live_objects, ==, base.live_objects);
		expect_uint(st.live_bytes, ==, base.live_bytes);
	}
	/* Empty pages went back: at most the current pages remain. */
	expect_uint(stats(self->sb).pages, <=, 32);
}

struct stats_reader {
	struct frost_sandbox *sb;
	int stop;			/* set by the owner, release */
	uint64_t reads, insane;
	struct frost_sandbox_stats final;
};

static void *stats_reader(void *arg)
{
	struct stats_reader *r = arg;
	struct frost_sandbox_stats st;

	/* Pairs with the store-release in the stats_from_another_thread test. */
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		if (frost_sandbox_stats(r->sb, &st)) {
			r->insane++;
			break;
		}
		/* A snapshot may be off by a page's count, never wild. */
		if (st.live_objects > 1000000 || st.live_bytes > (UINT64_C(1) << 34))
			r->insane++;
		r->reads++;
	}
	/* The owner is quiescent now: this sum must be exact. */
	if (frost_sandbox_stats(r->sb, &r->final))
		r->insane++;
	return NULL;
}

TEST_F(heap, stats_from_another_thread)
{
	enum { LIVE = 4000 };
	static struct frost_object *objs[LIVE];
	static size_t sizes[LIVE];
	struct stats_reader r = { .sb = self->sb };
	uint64_t live = 0, bytes = 0;
	unsigned int seed = 7;
	pthread_t t;

	assert_int(pthread_create(&t, NULL, stats_reader, &r), ==, 0);
	/* Churn through every class and large objects: pages are mapped,
	 * made current, released and unmapped while the reader sums. */
	for (int round = 0; round < 40; round++) {
		for (int i = 0; i < LIVE; i++) {
			size_t size = class_sizes[rand_r(&seed) % 32];

			if (objs[i])
				frost_decref(objs[i]);
			if (rand_r(&seed) % 500 == 0)
				size = 20000;
			objs[i] = frost_object_new(self->sb, some_type(size, i), size);
			assert_ptr(objs[i], !=, NULL);
			sizes[i] = size;
		}
		for (int i = round & 1; i < LIVE; i += 2) {
			frost_decref(objs[i]);
			objs[i] = NULL;
		}
	}
	for (int i = 0; i < LIVE; i++) {
		if (objs[i]) {
			live++;
			bytes += sizes[i];
		}
	}
	/* Pairs with the load-acquire in stats_reader(). */
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	expect_uint(r.insane, ==, 0);
	tap_diag("%llu concurrent reads", (unsigned long long)r.reads);
	expect_uint(r.final.live_objects, ==, live);
	expect_uint(r.final.live_bytes, >=, bytes);
	expect_uint(r.final.live_objects, ==, stats(self->sb).live_objects);
	expect_uint(r.final.live_bytes, ==, stats(self->sb).live_bytes);
	for (int i = 0; i < LIVE; i++)
		if (objs[i])
			frost_decref(objs[i]);
	expect_uint(stats(self->sb).live_objects, ==, 0);
	expect_uint(stats(self->sb).live_bytes, ==, 0);
}

TEST_F(heap, fault_injection_fails_inline_alloc)
{
#ifndef CONFIG_FROST_FAULT_INJECTION
	tap_skip("needs CONFIG_FROST_FAULT_INJECTION");
#else
	struct frost_object *a, *b;

	/* Warm the class: its slot has free slots, the inline path could
	 * serve the next call without the library. */
	a = frost_object_new(self->sb, &leaf_type, 64);
	assert_ptr(a, !=, NULL);
	frost_decref(a);
	assert_int(frost_debug_fail_every(1), ==, 0);
	expect_null_errno(frost_object_new(self->sb, &leaf_type, 64), ENOMEM);
	expect_null_errno(frost_object_new_uninit(self->sb, &leaf_type, 64), ENOMEM);
	expect_null_errno(frost_object_new(self->sb, &leaf_type, 20000), ENOMEM);
	assert_int(frost_debug_fail_every(0), ==, 0);
	expect_uint(stats(self->sb).live_objects, ==, 0);
	b = frost_object_new(self->sb, &leaf_type, 64);
	expect_ptr(b, ==, a);
	frost_decref(b);
#endif
}

TAP_MAIN()
