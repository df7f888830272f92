// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/sandbox/spawn.c - frost_sandbox_spawn() and frost_sandbox_join().
 *
 * Theory of operation. A spawned sandbox is a thread that attaches to a
 * heap, runs fn(sb, arg), detaches and ends; its handle is the struct
 * frost_sandbox it ran as, which must stay valid until it is joined even
 * though the sandbox detached long before. So the handle lives in a
 * struct frost_spawn that this file allocates and frees:
 *
 *  - spawn allocates the record, takes a sandbox structure from the pool
 *    of lib/sandbox/sandbox.c for it, starts
 *    the thread and waits on a semaphore until the thread has attached in
 *    that structure (__frost_sandbox_attach_prepared(), which marks it
 *    @spawned) or failed to. So when spawn returns, the sandbox is counted
 *    by the heap (frost_heap_destroy() says -EBUSY) and every failure is
 *    reported by spawn itself, with nothing left behind.
 *  - the thread stores fn's return value and detaches unless fn already
 *    did. Detach frees the private objects and pins as usual but, seeing
 *    @spawned, does not put the structure back in the pool: it still
 *    belongs to this file (lib/sandbox/sandbox.c).
 *  - join finds the record in a process-wide registry (a list under a
 *    mutex), so a handle that was already joined, or never was a spawned
 *    sandbox, is refused with -EINVAL without being dereferenced; it marks
 *    the record as being joined (a concurrent second join gets -EINVAL),
 *    waits for the thread, frees the record and returns the structure to
 *    the pool. Join does not touch the
 *    heap, which may already be destroyed by then.
 *
 * A caller that is itself an online sandbox goes offline while it waits
 * (for the attach, or for the thread to end), like any blocking frost call:
 * a reclaim cycle meanwhile must not wait for the caller's quiescent state.
 *
 * Lock order: spawn_lock is a leaf.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include "core/fault.h"
#include "sandbox/sandbox.h"

/*
 * struct frost_spawn - one spawned sandbox, from spawn to join.
 * @sb: the sandbox structure (from the pool), the handle users hold.
 * @heap, @fn, @arg: what to run.
 * @thread: the thread (written by the spawner).
 * @self: the thread, as the thread itself saw it (for join's EDEADLK).
 * @started: posted by the thread once attached, or once attach failed.
 * @attach_err: errno of a failed attach, else 0.
 * @ret: fn's return value; -ECANCELED if the thread ended without
 *	returning from fn (pthread_exit()).
 * @joining: a join has claimed the record (under spawn_lock).
 * @lost: the thread does not exist: this is a fork() child (see join).
 * @node: on the registry (under spawn_lock).
 */
struct frost_spawn {
	struct frost_sandbox *sb;
	struct frost_heap *heap;
	int (*fn)(struct frost_sandbox *sb, void *arg);
	void *arg;
	pthread_t thread;
	pthread_t self;
	sem_t started;
	int attach_err;
	int ret;
	bool joining;
	bool lost;
	struct cds_list_head node;
};

static pthread_mutex_t spawn_lock = PTHREAD_MUTEX_INITIALIZER;
static CDS_LIST_HEAD(spawn_list);

#define spawn_of_node(n) __frost_container_of(n, struct frost_spawn, node)

static void registry_add(struct frost_spawn *sp)
{
	pthread_mutex_lock(&spawn_lock);
	cds_list_add(&sp->node, &spawn_list);
	pthread_mutex_unlock(&spawn_lock);
}

static void registry_del(struct frost_spawn *sp)
{
	pthread_mutex_lock(&spawn_lock);
	cds_list_del(&sp->node);
	pthread_mutex_unlock(&spawn_lock);
}

/* The record whose handle is @sb, or NULL. Caller holds spawn_lock. */
static struct frost_spawn *registry_find(const struct frost_sandbox *sb)
{
	struct cds_list_head *n;

	cds_list_for_each(n, &spawn_list)
		if (spawn_of_node(n)->sb == sb)
			return spawn_of_node(n);
	return NULL;
}

static void *spawn_main(void *arg)
{
	struct frost_spawn *sp = arg;
	struct frost_sandbox *sb;

	sp->self = pthread_self();
	sb = __frost_sandbox_attach_prepared(sp->heap, sp->sb);
	if (!sb) {
		sp->attach_err = errno;
		sem_post(&sp->started);	/* the spawner frees @sp */
		return NULL;
	}
	/* sem_post/sem_wait order @self and the attach before spawn returns. */
	sem_post(&sp->started);
	sp->ret = sp->fn(sb, sp->arg);
	/* fn may have detached (and even attached again elsewhere): only our
	 * own sandbox, only if still attached. */
	if (frost_sandbox_current() == sb)
		frost_sandbox_detach(sb);
	return NULL;
}

struct frost_sandbox *frost_sandbox_spawn(struct frost_heap *heap,
					  int (*fn)(struct frost_sandbox *, void *), void *arg)
{
	struct frost_sandbox *cur = frost_sandbox_current();
	struct frost_spawn *sp;
	bool off;
	int err;

	if (!fn || !__frost_heap_live(heap))
		return frost_err_null(EINVAL);
	sp = __frost_should_fail() ? NULL : calloc(1, sizeof(*sp));
	if (!sp)
		return frost_err_null(ENOMEM);
	sp->sb = __frost_sandbox_struct_get();
	if (!sp->sb || sem_init(&sp->started, 0, 0)) {
		if (sp->sb)
			__frost_sandbox_struct_put(sp->sb);
		free(sp);
		return frost_err_null(ENOMEM);
	}
	sp->heap = heap;
	sp->fn = fn;
	sp->arg = arg;
	sp->ret = -ECANCELED;

	/* In the registry before fn can run: fn may join its own handle. */
	registry_add(sp);
	off = __frost_blocking_begin(cur);
	err = pthread_create(&sp->thread, NULL, spawn_main, sp);
	if (!err) {
		while (sem_wait(&sp->started) && errno == EINTR)
			;
		err = sp->attach_err;
		if (err)
			pthread_join(sp->thread, NULL);
	}
	__frost_blocking_end(cur, off);
	if (err) {
		registry_del(sp);
		sem_destroy(&sp->started);
		__frost_sandbox_struct_put(sp->sb);
		free(sp);
		return frost_err_null(err);
	}
	return sp->sb;
}

int frost_sandbox_join(struct frost_sandbox *sb, int *fn_ret)
{
	struct frost_sandbox *cur;
	struct frost_spawn *sp;
	bool off;

	if (!sb)
		return -EINVAL;
	pthread_mutex_lock(&spawn_lock);
	sp = registry_find(sb);
	if (sp && pthread_equal(sp->self, pthread_self())) {
		pthread_mutex_unlock(&spawn_lock);
		return -EDEADLK;
	}
	if (!sp || sp->joining) {
		pthread_mutex_unlock(&spawn_lock);
		return -EINVAL;
	}
	sp->joining = true;
	pthread_mutex_unlock(&spawn_lock);

	cur = frost_sandbox_current();
	off = __frost_blocking_begin(cur);
	/* In a fork child, the thread of a record made before the fork is
	 * gone (its sandbox was dropped): nothing to wait for. */
	if (!sp->lost)
		pthread_join(sp->thread, NULL);
	else
		sp->ret = -ECANCELED;
	__frost_blocking_end(cur, off);

	registry_del(sp);

	/* pthread_join() orders the thread's store of @ret before this. */
	if (fn_ret)
		*fn_ret = sp->ret;
	sem_destroy(&sp->started);
	__frost_sandbox_struct_put(sp->sb);
	free(sp);
	return 0;
}

/* The registry across fork() (lib/heap/fork.c). */
void __frost_spawn_fork(enum frost_fork_phase phase)
{
	struct cds_list_head *n;

	switch (phase) {
	case FROST_FORK_PREPARE:
		pthread_mutex_lock(&spawn_lock);
		break;
	case FROST_FORK_PARENT:
		pthread_mutex_unlock(&spawn_lock);
		break;
	case FROST_FORK_CHILD:
		/* Only the forking thread exists (it may be a spawned one). */
		cds_list_for_each(n, &spawn_list)
			if (!pthread_equal(spawn_of_node(n)->self, pthread_self()))
				spawn_of_node(n)->lost = true;
		pthread_mutex_unlock(&spawn_lock);
		break;
	}
}
