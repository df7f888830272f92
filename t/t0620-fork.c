// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0620-fork: fork() while heaps and sandboxes live.
 *
 * The child of a fork() keeps every heap and the forking thread's sandbox;
 * the sandboxes of other threads (which do not exist in the child) are
 * dropped with their pins and private objects, the background reclaimer
 * runs again, and a new heap works. The parent carries on unaffected. Each
 * test forks a child that checks its side (CHILD_CHECK, reported on stderr)
 * and exits 0; an alarm turns a hang into a failure. Frozen pages stay
 * shared copy-on-write: a child's cycle writes mark bits in the slab
 * headers only, never in the 4 KiB pages that hold objects
 * (/proc/self/pagemap's "exclusively mapped" bit tells a page the child
 * copied from one it still shares with the parent).
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <frost/frost.h>
#include "mm/shared.h"
#include "frost-test.h"
#include "core/tsan.h"

#define CHILD_CHECK(cond)							\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "child: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			return 1;						\
		}								\
	} while (0)

/* Run @fn in a forked child; return its wait status. */
static int in_child(int (*fn)(void *arg), void *arg)
{
	int status = -1;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		alarm(30);		/* a hang fails, it does not stall the run */
		exit(fn(arg));		/* exit(), not _exit(): atexit with live heaps */
	}
	if (pid < 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

#define expect_child_ok(status)							\
	do {									\
		int st_ = (status);						\
		expect_int(WIFEXITED(st_) ? WEXITSTATUS(st_) : 128 + WTERMSIG(st_), ==, 0); \
	} while (0)

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

/* ------------------------------------------------------------------ */
/* A second sandbox thread that holds pins and private objects         */

struct holder {
	struct frost_heap *heap;
	struct frost_object *pinned;	/* shared, pinned only by the holder */
	int ready;
	int stop;
};

static int holder_fn(struct frost_sandbox *sb, void *arg)
{
	struct holder *h = arg;
	struct frost_object *list = frost_list_new(sb);
	struct frost_object *p = frost_int_new(sb, 777777);

	if (!list || !p)
		return -ENOMEM;
	h->pinned = frost_freeze(sb, p);
	frost_decref(p);
	if (!h->pinned || frost_pin(sb, h->pinned))
		return -ENOMEM;
	/* A private object that references a shared one: another root. */
	frost_list_append(sb, list, frost_test_frozen_int(sb, 888888));
	__atomic_store_n(&h->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE)) {
		frost_quiescent(sb);
		sleep_ms(1);
	}
	/* Still alive in the parent after the fork and the cycles. */
	if (frost_test_int_of(h->pinned) != 777777 || frost_list_len(list) != 1 ||
	    frost_test_int_of(frost_list_get(list, 0)) != 888888)
		return -EIO;
	frost_decref(list);
	return 0;
}

static struct frost_sandbox *start_holder(struct holder *h)
{
	struct frost_sandbox *t = frost_sandbox_spawn(h->heap, holder_fn, h);

	if (!t)
		tap_bail_out("spawn failed");
	while (!__atomic_load_n(&h->ready, __ATOMIC_ACQUIRE))
		sleep_ms(1);
	return t;
}

static void stop_holder(struct holder *h, struct frost_sandbox *t)
{
	int ret = -1;

	__atomic_store_n(&h->stop, 1, __ATOMIC_RELEASE);
	expect_int(frost_sandbox_join(t, &ret), ==, 0);
	expect_int(ret, ==, 0);
}

/* ------------------------------------------------------------------ */
/* What every child checks                                             */

struct child_ctx {
	struct frost_heap *heap;
	struct frost_sandbox *sb;	/* the parent's (main thread's) sandbox */
	struct holder *holder;
	struct frost_channel *ch;
	struct frost_channel *wch;	/* a gone thread was blocked on it */
};

/* The kept heap works: lookup, freeze, publish, cycles, a new heap. */
static int child_common(struct child_ctx *c)
{
	struct frost_heap *h2;
	struct frost_sandbox *sb2;
	struct frost_object *o;
	struct frost_heap_stats st;

	CHILD_CHECK(frost_sandbox_current() == c->sb);
	CHILD_CHECK(frost_test_int_of(frost_lookup(c->sb, "answer")) == 4242);
	CHILD_CHECK(frost_publish(c->sb, "child", frost_test_frozen_int(c->sb, 5555)) == 0);
	for (int i = 0; i < 1000; i++)
		(void)frost_test_frozen_int(c->sb, 100000 + i);	/* garbage */
	CHILD_CHECK(frost_reclaim(c->heap) >= 1000);
	CHILD_CHECK(frost_reclaim(c->heap) >= 0);
	CHILD_CHECK(frost_test_int_of(frost_lookup(c->sb, "child")) == 5555);
	CHILD_CHECK(frost_test_int_of(frost_lookup(c->sb, "answer")) == 4242);
	frost_heap_stats(c->heap, &st);
	CHILD_CHECK(st.sandboxes == 1);

	/* A new heap, with its own background reclaimer and a sandbox on a
	 * new thread of the child. */
	h2 = frost_heap_create(NULL);
	CHILD_CHECK(h2 != NULL);
	sb2 = frost_sandbox_spawn(h2, NULL, NULL);
	CHILD_CHECK(sb2 == NULL);	/* EINVAL: no function */
	CHILD_CHECK(frost_reclaim(h2) == 0);
	CHILD_CHECK(frost_heap_destroy(h2) == 0);

	/* The kept sandbox detaches and the thread attaches to a new heap. */
	o = frost_lookup(c->sb, "answer");
	CHILD_CHECK(o != NULL);
	CHILD_CHECK(frost_sandbox_detach(c->sb) == 0);
	h2 = frost_heap_create(NULL);
	CHILD_CHECK(h2 != NULL);
	sb2 = frost_sandbox_attach(h2);
	CHILD_CHECK(sb2 != NULL);
	CHILD_CHECK(frost_test_int_of(frost_test_frozen_int(sb2, 31337)) == 31337);
	CHILD_CHECK(frost_reclaim(h2) >= 0);
	CHILD_CHECK(frost_sandbox_detach(sb2) == 0);
	CHILD_CHECK(frost_heap_destroy(h2) == 0);
	return 0;
}

static void parent_common(struct child_ctx *c)
{
	expect_int(frost_test_int_of(frost_lookup(c->sb, "answer")), ==, 4242);
	expect_ptr(frost_lookup(c->sb, "child"), ==, NULL);
	expect_int(frost_reclaim(c->heap), >=, 0);
	expect_int(frost_test_int_of(frost_lookup(c->sb, "answer")), ==, 4242);
}

static void open_ctx(struct child_ctx *c, const struct frost_heap_config *cfg)
{
	frost_test_open(cfg, &c->heap, &c->sb);
	if (frost_publish(c->sb, "answer", frost_test_frozen_int(c->sb, 4242)))
		tap_bail_out("publish failed");
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */

static int child_plain(void *arg)
{
	return child_common(arg);
}

TEST(fork_before_any_cycle)
{
	struct child_ctx c = { 0 };

	open_ctx(&c, NULL);
	expect_child_ok(in_child(child_plain, &c));
	parent_common(&c);
	frost_test_close(c.heap, c.sb);
}

TEST(fork_after_cycles)
{
	struct child_ctx c = { 0 };

	open_ctx(&c, NULL);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 500; i++)
			(void)frost_test_frozen_int(c.sb, 200000 + i);
		expect_int(frost_reclaim(c.heap), >=, 500);
	}
	expect_child_ok(in_child(child_plain, &c));
	parent_common(&c);
	/* Fork again, from the same parent. */
	expect_child_ok(in_child(child_plain, &c));
	parent_common(&c);
	frost_test_close(c.heap, c.sb);
}

/* The holder's sandbox is gone in the child: its pins no longer count. */
static int child_holder(void *arg)
{
	struct child_ctx *c = arg;
	struct frost_heap_stats before, after;

	CHILD_CHECK(nr_sandboxes(c->heap) == 1);
	frost_heap_stats(c->heap, &before);
	CHILD_CHECK(frost_reclaim(c->heap) >= 2);	/* the pinned int and the list's */
	frost_heap_stats(c->heap, &after);
	CHILD_CHECK(after.shared_objects + 2 <= before.shared_objects);
	return child_common(c);
}

TEST(fork_while_another_sandbox_holds_pins)
{
	struct child_ctx c = { 0 };
	struct holder h = { 0 };
	struct frost_sandbox *t;

	open_ctx(&c, NULL);
	h.heap = c.heap;
	t = start_holder(&h);
	expect_int(nr_sandboxes(c.heap), ==, 2);
	expect_child_ok(in_child(child_holder, &c));
	/* The parent's holder and its roots are untouched. */
	expect_int(nr_sandboxes(c.heap), ==, 2);
	expect_int(frost_reclaim(c.heap), >=, 0);
	expect_int(frost_test_int_of(h.pinned), ==, 777777);
	stop_holder(&h, t);
	parent_common(&c);
	frost_test_close(c.heap, c.sb);
}

TEST(fork_from_a_thread_without_sandbox)
{
	struct child_ctx c = { 0 };
	struct holder h = { 0 };
	struct frost_sandbox *t;
	int status;

	open_ctx(&c, NULL);
	h.heap = c.heap;
	t = start_holder(&h);
	/* Detach the main thread: the child keeps no sandbox at all. */
	expect_int(frost_sandbox_detach(c.sb), ==, 0);
	fflush(stdout);
	status = -1;
	{
		pid_t pid = fork();

		if (pid == 0) {
			struct frost_sandbox *sb;

			alarm(30);
			if (nr_sandboxes(c.heap) != 0 || frost_reclaim(c.heap) < 2)
				exit(1);
			sb = frost_sandbox_attach(c.heap);
			if (!sb || frost_test_int_of(frost_lookup(sb, "answer")) != 4242)
				exit(2);
			c.sb = sb;
			exit(child_common(&c) ? 3 : 0);
		}
		waitpid(pid, &status, 0);
	}
	expect_child_ok(status);
	c.sb = frost_sandbox_attach(c.heap);
	assert_ptr(c.sb, !=, NULL);
	stop_holder(&h, t);
	parent_common(&c);
	frost_test_close(c.heap, c.sb);
}

/* ------------------------------------------------------------------ */
/* Channels                                                            */

struct waiter {
	struct frost_channel *ch;
	int got;
};

static int recv_one(struct frost_sandbox *sb, void *arg)
{
	struct waiter *w = arg;
	struct frost_object *o = NULL;
	int ret = frost_channel_recv(sb, w->ch, &o, -1);

	if (ret)
		return ret;
	w->got = (int)frost_test_int_of(o);
	return 0;
}

static int child_channel(void *arg)
{
	struct child_ctx *c = arg;
	struct frost_object *o = NULL;

	/* The queued messages survived, in order; the ring still works. */
	for (int i = 0; i < 3; i++) {
		CHILD_CHECK(frost_channel_recv(c->sb, c->ch, &o, 0) == 0);
		CHILD_CHECK(frost_test_int_of(o) == 3000 + i);
	}
	CHILD_CHECK(frost_channel_recv(c->sb, c->ch, &o, 0) == -EAGAIN);
	for (int i = 0; i < 4; i++)
		CHILD_CHECK(frost_channel_send(c->sb, c->ch, frost_test_frozen_int(c->sb, 6000 + i), 0) == 0);
	CHILD_CHECK(frost_channel_send(c->sb, c->ch, frost_test_frozen_int(c->sb, 1), 0) == -EAGAIN);
	CHILD_CHECK(frost_reclaim(c->heap) >= 0);
	for (int i = 0; i < 4; i++) {
		CHILD_CHECK(frost_channel_recv(c->sb, c->ch, &o, 10) == 0);
		CHILD_CHECK(frost_test_int_of(o) == 6000 + i);
	}
	CHILD_CHECK(frost_channel_recv(c->sb, c->ch, &o, 10) == -ETIMEDOUT);
	CHILD_CHECK(frost_channel_destroy(c->ch) == 0);
	/* The receiver blocked on @wch in the parent is not a waiter here. */
	CHILD_CHECK(frost_channel_destroy(c->wch) == 0);
	return child_common(c);
}

TEST(fork_with_a_channel)
{
	struct child_ctx c = { 0 };
	struct waiter w = { 0 };
	struct frost_channel *wch;
	struct frost_sandbox *t;
	struct frost_object *o = NULL;
	int ret = -1;

	open_ctx(&c, NULL);
	c.ch = frost_channel_create(c.heap, 4);
	wch = frost_channel_create(c.heap, 1);
	assert_ptr(c.ch, !=, NULL);
	assert_ptr(wch, !=, NULL);
	for (int i = 0; i < 3; i++)
		expect_int(frost_channel_send(c.sb, c.ch, frost_test_frozen_int(c.sb, 3000 + i), 0), ==, 0);
	/* A receiver blocked on wch while we fork. */
	w.ch = wch;
	t = frost_sandbox_spawn(c.heap, recv_one, &w);
	assert_ptr(t, !=, NULL);
	sleep_ms(50);
	c.wch = wch;
	expect_child_ok(in_child(child_channel, &c));
	/* The parent's channel still holds its three messages; the receiver
	 * is still blocked and gets what we send now. */
	for (int i = 0; i < 3; i++) {
		expect_int(frost_channel_recv(c.sb, c.ch, &o, 0), ==, 0);
		expect_int(frost_test_int_of(o), ==, 3000 + i);
	}
	expect_int(frost_channel_send(c.sb, wch, frost_test_frozen_int(c.sb, 99), 1000), ==, 0);
	expect_int(frost_sandbox_join(t, &ret), ==, 0);
	expect_int(ret, ==, 0);
	expect_int(w.got, ==, 99);
	expect_int(frost_channel_destroy(c.ch), ==, 0);
	expect_int(frost_channel_destroy(wch), ==, 0);
	parent_common(&c);
	frost_test_close(c.heap, c.sb);
}

/* ------------------------------------------------------------------ */
/* Copy-on-write                                                       */

#define COW_OBJECTS	8000
#define COW_MAX_PAGES	64

struct cow_ctx {
	struct child_ctx c;
	uintptr_t pages[COW_MAX_PAGES];	/* shared slabs and large mappings */
	size_t nr_pages;
	size_t len[COW_MAX_PAGES];
};

/* Is the 4 KiB page at @addr mapped by this process alone (copied)? */
static int page_exclusive(int fd, uintptr_t addr)
{
	uint64_t ent;

	if (pread(fd, &ent, sizeof(ent), (off_t)(addr / 4096 * sizeof(ent))) != sizeof(ent))
		return -1;
	if (!(ent >> 63 & 1))
		return -1;		/* not present: cannot tell */
	return (int)(ent >> 56 & 1);
}

/* Count exclusive header pages and exclusive object pages of @x. */
static int count_exclusive(struct cow_ctx *x, int fd, size_t *hdr, size_t *obj)
{
	*hdr = *obj = 0;
	for (size_t i = 0; i < x->nr_pages; i++) {
		for (uintptr_t a = x->pages[i]; a < x->pages[i] + x->len[i]; a += 4096) {
			int e = page_exclusive(fd, a);

			if (e < 0)
				continue;
			/* A page with header bytes (mark bits) and one with
			 * object bytes: the same page if the header does not
			 * fill a whole page. */
			if (a < x->pages[i] + FROST_SHARED_HDR_SIZE)
				*hdr += (size_t)e;
			if (a + 4096 > x->pages[i] + FROST_SHARED_HDR_SIZE)
				*obj += (size_t)e;
		}
	}
	return 0;
}

static int child_cow(void *arg)
{
	struct cow_ctx *x = arg;
	size_t hdr, obj;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	CHILD_CHECK(fd >= 0);
	count_exclusive(x, fd, &hdr, &obj);
	CHILD_CHECK(obj == 0);
	CHILD_CHECK(frost_reclaim(x->c.heap) == 0);
	CHILD_CHECK(frost_reclaim(x->c.heap) == 0);
	count_exclusive(x, fd, &hdr, &obj);
	if (obj)
		fprintf(stderr, "child: %zu object pages copied by the cycles\n", obj);
	CHILD_CHECK(obj == 0);
	/* The cycles did write: the mark bits, in the header pages. */
	CHILD_CHECK(hdr > 0);
	close(fd);
	return 0;
}

TEST(frozen_pages_stay_shared_in_the_child)
{
	static struct cow_ctx x;
	struct frost_heap_config cfg = { .flags = FROST_HEAP_MANUAL };
	struct frost_object *list, *big, *p;
	static char buf[100000];
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t ent;

	if (fd < 0 || pread(fd, &ent, sizeof(ent), 0) != sizeof(ent))
		tap_skip("no /proc/self/pagemap");
	close(fd);
	memset(&x, 0, sizeof(x));
	open_ctx(&x.c, &cfg);
	list = frost_list_new(x.c.sb);
	assert_ptr(list, !=, NULL);
	for (int i = 0; i < COW_OBJECTS; i++) {
		struct frost_object *o = frost_test_frozen_int(x.c.sb, 1000000 + i);
		uintptr_t pg = (uintptr_t)__frost_shared_page_of(o);
		size_t j;

		expect_int(frost_list_append(x.c.sb, list, o), ==, 0);
		for (j = 0; j < x.nr_pages && x.pages[j] != pg; j++)
			;
		if (j == x.nr_pages && j < COW_MAX_PAGES) {
			x.pages[j] = pg;
			x.len[j] = FROST_PAGE_SIZE;
			x.nr_pages++;
		}
	}
	memset(buf, 'x', sizeof(buf));
	p = frost_bytes_new(x.c.sb, buf, sizeof(buf));
	big = p ? frost_freeze(x.c.sb, p) : NULL;
	assert_ptr(big, !=, NULL);
	frost_decref(p);
	expect_int(frost_pin(x.c.sb, big), ==, 0);
	if (x.nr_pages < COW_MAX_PAGES) {
		struct frost_shared_page *pg = __frost_shared_page_of(big);

		x.pages[x.nr_pages] = (uintptr_t)pg;
		x.len[x.nr_pages++] = pg->map_len;
	}
	expect_int(x.nr_pages, >=, 3);
	/* Steady state: nothing left to free, every page present. */
	expect_int(frost_reclaim(x.c.heap), >=, 0);
	expect_int(frost_reclaim(x.c.heap), ==, 0);
	expect_child_ok(in_child(child_cow, &x));
	expect_int(frost_list_len(list), ==, COW_OBJECTS);
	expect_int(frost_test_int_of(frost_list_get(list, COW_OBJECTS - 1)), ==, 1000000 + COW_OBJECTS - 1);
	frost_decref(list);
	expect_int(frost_unpin(x.c.sb, big), ==, 0);
	frost_test_close(x.c.heap, x.c.sb);
}

int main(int argc, char **argv)
{
#ifdef FROST_TSAN
	tap_skip_all("ThreadSanitizer: a multi-threaded fork() whose child starts threads "
		     "is not supported (die_after_fork), and liburcu is invisible to it");
#endif
	return tap_main(argc, argv);
}
