// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0700-reclaim: the reclaimer frees what no root reaches and nothing else.
 *
 * Every kind of root keeps its object (and what that object reaches)
 * alive through frost_reclaim(): the namespace, a pin, private tuples,
 * maps, lists and user objects, another shared object, and a pointer a
 * second sandbox holds between two of its quiescent states while a whole
 * cycle runs (the cycle must wait for it). Objects reachable from nothing
 * are freed. A second sandbox that withholds its quiescent state lets the
 * test stop the reclaimer at each of its handshakes and replace, unpublish,
 * pin and unpin roots there: nothing reachable may be lost at any step. A
 * sandbox blocked offline does not delay a cycle; one that spins without
 * quiescent states gets exactly one stall warning and the cycle completes
 * when it reports. A million freeze/publish/replace operations with the
 * background reclaimer keep the shared heap within 2x the live set plus
 * one trigger.
 *
 * The reclaimer's CPU share (reclaimer_duty, reclaimer_nice): knobs out of
 * range are EINVAL; a throttled background thread still runs cycles back
 * to back but keeps to its share of a CPU (its thread CPU clock against
 * the wall clock), frost_reclaim() is not throttled, the nice increment
 * reaches the thread, and pacing still bounds the heap without waiting
 * for the reclaimer's naps.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/resource.h>
#include <frost/frost.h>
#include "tap.h"
#include "frost-test.h"
#include "gc/gc_internal.h"
#include "sandbox/sandbox.h"

/*
 * Most tests run the collector by hand (frost_reclaim() only); the others
 * need a stall warning, a shared limit or the background reclaimer.
 */
static const struct frost_heap_config manual_cfg = { .flags = FROST_HEAP_MANUAL };
static const struct frost_heap_config stall_cfg = {
	.flags = FROST_HEAP_MANUAL, .stall_warn_ms = 100,
};
static const struct frost_heap_config limited_cfg = {
	.flags = FROST_HEAP_MANUAL, .shared_limit = 4u << 20,
};
static const struct frost_heap_config background_cfg = { .cycle_trigger = 1u << 20 };

FROST_TEST_HEAP_FIXTURE(manual_heap, &manual_cfg)
FROST_TEST_HEAP_FIXTURE(stall_heap, &stall_cfg)
FROST_TEST_HEAP_FIXTURE(limited_heap, &limited_cfg)
FROST_TEST_HEAP_FIXTURE(background_heap, &background_cfg)

static struct frost_object *frozen_str(struct frost_sandbox *sb, const char *text)
{
	struct frost_object *p = frost_str_new(sb, text, strlen(text));
	struct frost_object *f = frost_freeze(sb, p);

	frost_decref(p);
	return f;
}

/* A frozen (text, (text2,)) pair: two shared objects, one a child. */
static struct frost_object *frozen_pair(struct frost_sandbox *sb, const char *a, const char *b)
{
	struct frost_object *s1 = frost_str_new(sb, a, strlen(a));
	struct frost_object *s2 = frost_str_new(sb, b, strlen(b));
	struct frost_object *in = frost_tuple_new(sb, 1, &s2);
	struct frost_object *items[2] = { s1, in };
	struct frost_object *t = frost_tuple_new(sb, 2, items);
	struct frost_object *f = frost_freeze(sb, t);

	frost_decref(t);
	frost_decref(in);
	frost_decref(s2);
	frost_decref(s1);
	return f;
}

/* Is @o a live str with @text? Freed slots carry the freed type. */
static bool str_is(const struct frost_object *o, const char *text)
{
	const char *d = frost_type_name(o) && !strcmp(frost_type_name(o), "str") ?
			frost_str_data(o, NULL) : NULL;

	return d && !strcmp(d, text);
}

static bool pair_is(const struct frost_object *o, const char *a, const char *b)
{
	return o && frost_type_name(o) && !strcmp(frost_type_name(o), "tuple") &&
	       frost_tuple_len(o) == 2 && str_is(frost_tuple_get(o, 0), a) &&
	       str_is(frost_tuple_get(frost_tuple_get(o, 1), 0), b);
}

static uint64_t live_shared(struct frost_heap *heap)
{
	struct frost_heap_stats st;

	frost_heap_stats(heap, &st);
	return st.shared_objects;
}

TEST_F(manual_heap, unreachable_freed_reachable_kept)
{
	struct frost_object *garbage, *published, *pinned, *in_tuple, *in_map, *in_list;
	struct frost_object *child_only, *parent, *ptmp, *priv_tuple, *priv_map, *priv_list, *k;
	struct frost_heap_stats st;

	garbage = frozen_pair(self->sb, "garbage", "g");
	published = frozen_pair(self->sb, "published", "p");
	pinned = frozen_pair(self->sb, "pinned", "q");
	in_tuple = frozen_str(self->sb, "in tuple");
	in_map = frozen_str(self->sb, "in map");
	in_list = frozen_str(self->sb, "in list");
	child_only = frozen_str(self->sb, "child only");
	ptmp = frost_tuple_new(self->sb, 1, &child_only);
	parent = frost_freeze(self->sb, ptmp);
	frost_decref(ptmp);
	expect_uint(live_shared(self->heap), ==, 4 * 3 + 4 + 1);

	assert_int(frost_publish(self->sb, "root", published), ==, 0);
	assert_int(frost_publish(self->sb, "parent", parent), ==, 0);
	assert_int(frost_pin(self->sb, pinned), ==, 0);
	priv_tuple = frost_tuple_new(self->sb, 1, &in_tuple);
	k = frost_str_new(self->sb, "k", 1);
	priv_map = frost_map_new(self->sb, 1, &k, &in_map);
	frost_decref(k);
	priv_list = frost_list_new(self->sb);
	assert_int(frost_list_append(self->sb, priv_list, in_list), ==, 0);

	/* Only ("garbage", ("g",)) is unreachable: 4 objects. */
	expect_int(frost_reclaim(self->heap), ==, 4);
	expect_str(frost_type_name(garbage), "<freed>");
	expect_true(pair_is(published, "published", "p"));
	expect_true(pair_is(pinned, "pinned", "q"));
	expect_true(str_is(in_tuple, "in tuple"));
	expect_true(str_is(in_map, "in map"));
	expect_true(str_is(in_list, "in list"));
	expect_true(str_is(child_only, "child only"));
	expect_true(str_is(frost_tuple_get(frost_lookup(self->sb, "parent"), 0), "child only"));
	frost_heap_stats(self->heap, &st);
	expect_uint(st.cycles, ==, 1);
	expect_uint(st.freed_objects, ==, 4);
	expect_uint(st.shared_objects, ==, 4 * 2 + 4 + 1);

	/* A second cycle with nothing changed frees nothing. */
	expect_int(frost_reclaim(self->heap), ==, 0);

	/* Drop every root: everything goes. */
	frost_unpublish(self->sb, "root");
	frost_unpublish(self->sb, "parent");
	frost_unpin(self->sb, pinned);
	frost_decref(priv_tuple);
	frost_decref(priv_map);
	frost_decref(priv_list);
	expect_int(frost_reclaim(self->heap), ==, 4 * 2 + 4 + 1);
	expect_uint(live_shared(self->heap), ==, 0);
}

/* A user type holding one shared object: a private root of its own kind. */
struct holder {
	struct frost_object ob;
	struct frost_object *held;
};

static void holder_trace(struct frost_object *o, frost_visit_fn visit, void *arg)
{
	visit(&((struct holder *)(void *)o)->held, arg);
}

static const struct frost_type holder_type = {
	.name = "holder", .basic_size = sizeof(struct holder), .trace = holder_trace,
};

TEST_F(manual_heap, user_object_is_a_root)
{
	struct frost_object *x, *h;

	x = frozen_pair(self->sb, "held by", "a user object");
	h = frost_object_new(self->sb, &holder_type, 0);
	((struct holder *)(void *)h)->held = x;
	expect_int(frost_reclaim(self->heap), ==, 0);
	expect_true(pair_is(x, "held by", "a user object"));
	((struct holder *)(void *)h)->held = NULL;
	expect_int(frost_reclaim(self->heap), ==, 4);
	frost_decref(h);
}

/* ------------------------------------------------------------------ */
/* A second sandbox that quiesces only when told to.                   */

struct stepper {
	struct frost_heap *heap;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int tokens;		/* quiescent states it may report */
	bool busy;		/* taken a token, its quiescent state not done */
	bool stop;
	struct frost_sandbox *sb;
	struct frost_object *held;	/* looked up at start, checked at end */
	bool held_ok;
	const char *lookup;
};

static void *stepper_main(void *arg)
{
	struct stepper *st = arg;
	struct frost_sandbox *me = frost_sandbox_attach(st->heap);

	pthread_mutex_lock(&st->lock);
	st->sb = me;
	if (me && st->lookup)
		st->held = frost_lookup(me, st->lookup);
	pthread_cond_broadcast(&st->cond);
	for (;;) {
		while (!st->tokens && !st->stop)
			pthread_cond_wait(&st->cond, &st->lock);
		if (st->stop)
			break;
		st->tokens--;
		st->busy = true;
		/* Still intact before we let the cycle go on. */
		if (st->held)
			st->held_ok = pair_is(st->held, "held", "between quiescent states");
		pthread_mutex_unlock(&st->lock);
		frost_quiescent(me);
		pthread_mutex_lock(&st->lock);
		st->busy = false;
		pthread_cond_broadcast(&st->cond);
	}
	pthread_mutex_unlock(&st->lock);
	if (me)
		frost_sandbox_detach(me);
	return NULL;
}

static void stepper_start(struct frost_heap *heap, struct stepper *st, const char *lookup)
{
	memset(st, 0, sizeof(*st));
	st->heap = heap;
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->cond, NULL);
	st->lookup = lookup;
	pthread_create(&st->thread, NULL, stepper_main, st);
	pthread_mutex_lock(&st->lock);
	while (!st->sb)
		pthread_cond_wait(&st->cond, &st->lock);
	pthread_mutex_unlock(&st->lock);
}

/*
 * Let the stepper report one quiescent state, and wait until it has: a
 * reclaimer seen waiting for it afterwards waits for its next one, not for
 * one still in progress.
 */
static void stepper_step(struct stepper *st)
{
	pthread_mutex_lock(&st->lock);
	st->tokens++;
	pthread_cond_broadcast(&st->cond);
	while (st->tokens || st->busy)
		pthread_cond_wait(&st->cond, &st->lock);
	pthread_mutex_unlock(&st->lock);
}

static void stepper_stop(struct stepper *st)
{
	pthread_mutex_lock(&st->lock);
	st->stop = true;
	pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->lock);
	pthread_join(st->thread, NULL);
}

/* Is the reclaimer waiting for @st's sandbox right now? */
static bool waits_for(const struct stepper *st)
{
	return __atomic_load_n(&st->heap->hs_epoch, __ATOMIC_ACQUIRE) >
	       __atomic_load_n(&st->sb->hs_ack, __ATOMIC_ACQUIRE);
}

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

/* Wait until the reclaimer waits for @st or has finished. */
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

TEST_F_TIMEOUT(manual_heap, cycle_waits_for_a_holder, 120)
{
	struct stepper st;
	struct reclaim_job job = { .heap = self->heap };
	struct frost_object *x;
	int steps = 0;

	x = frozen_pair(self->sb, "held", "between quiescent states");
	frost_publish(self->sb, "x", x);
	stepper_start(self->heap, &st, "x");
	assert_ptr(st.held, ==, x);
	/* Unbind it: only the stepper's local holds it now. */
	frost_unpublish(self->sb, "x");
	frost_sandbox_offline(self->sb);
	pthread_create(&job.thread, NULL, reclaim_main, &job);
	while (wait_blocked_or_done(&st, &job)) {
		/* The cycle cannot go on without the holder's quiescent state. */
		usleep(20000);
		expect_true(!__atomic_load_n(&job.done, __ATOMIC_ACQUIRE));
		stepper_step(&st);
		steps++;
		usleep(1000);
	}
	pthread_join(job.thread, NULL);
	tap_diag("%d steps, %ld freed", steps, job.freed);
	expect_int(steps, >=, 3);
	/* After the holder's quiescent state, the object was fair game. */
	expect_int(job.freed, ==, 4);
	stepper_stop(&st);
	/* Read after the join (the stepper wrote it under its lock). */
	expect_true(st.held_ok);
	frost_sandbox_online(self->sb);
}

/*
 * At every handshake the reclaimer waits at, change roots: replace a
 * binding (the old value moves to a private list, to a pin, or under a new
 * frozen object), unpin what was pinned at the previous step. Nothing still
 * reachable may be freed by that cycle, whatever step it happened at.
 */
TEST_F_TIMEOUT(manual_heap, roots_changed_at_every_step, 120)
{
	struct frost_object *kept[64], *list, *pinned = NULL, *cur;
	char a[32], b[32];
	struct stepper st;
	struct reclaim_job job = { .heap = self->heap };
	int nkept = 0, step = 0;

	list = frost_list_new(self->sb);
	cur = frozen_pair(self->sb, "r", "0");
	frost_publish(self->sb, "r", cur);
	stepper_start(self->heap, &st, NULL);
	frost_sandbox_offline(self->sb);
	pthread_create(&job.thread, NULL, reclaim_main, &job);
	while (wait_blocked_or_done(&st, &job)) {
		struct frost_object *old, *next, *wrap, *tmp;

		if (step >= 20) {
			/* Enough changes: just let the cycle finish. */
			stepper_step(&st);
			usleep(1000);
			continue;
		}
		frost_sandbox_online(self->sb);
		step++;
		old = frost_lookup(self->sb, "r");
		snprintf(a, sizeof(a), "r%d", step);
		snprintf(b, sizeof(b), "c%d", step);
		next = frozen_pair(self->sb, a, b);
		expect_int(frost_publish_replace(self->sb, "r", old, next), ==, 0);
		/* The old value stays reachable three different ways. */
		switch (step % 3) {
		case 0:
			frost_list_append(self->sb, list, old);
			break;
		case 1:
			frost_pin(self->sb, old);
			break;
		default:
			tmp = frost_tuple_new(self->sb, 1, &old);
			wrap = frost_freeze(self->sb, tmp);
			frost_decref(tmp);
			snprintf(a, sizeof(a), "w%d", step);
			frost_publish(self->sb, a, wrap);
			break;
		}
		if (pinned) {
			/* Unpinned: valid until our next quiescent state only. */
			frost_unpin(self->sb, pinned);
			expect_true(frost_is_shared(pinned));
		}
		pinned = step % 3 == 1 ? old : NULL;
		if (step % 3 != 1 && nkept < 64)
			kept[nkept++] = old;
		frost_quiescent(self->sb);
		frost_sandbox_offline(self->sb);
		stepper_step(&st);
		usleep(1000);
	}
	pthread_join(job.thread, NULL);
	frost_sandbox_online(self->sb);
	expect_int(step, >=, 3);
	for (int i = 0; i < nkept; i++)
		expect_true(frost_type_name(kept[i]) && strcmp(frost_type_name(kept[i]), "<freed>") &&
			    frost_tuple_len(kept[i]) == 2 &&
			    frost_is_shared(frost_tuple_get(frost_tuple_get(kept[i], 1), 0)));
	expect_true(frost_lookup(self->sb, "r") != NULL &&
		    frost_tuple_len(frost_lookup(self->sb, "r")) == 2);
	if (pinned)
		expect_true(frost_tuple_len(pinned) == 2);
	/* And a quiet cycle afterwards keeps them too. */
	stepper_stop(&st);
	frost_reclaim(self->heap);
	for (int i = 0; i < nkept; i++)
		expect_true(frost_tuple_len(kept[i]) == 2);
	frost_decref(list);
}

/* What a helper thread attaches to, and what it reports back. */
struct thread_arg {
	struct frost_heap *heap;
	uint64_t id;			/* spinner(): its sandbox's id */
	struct frost_object *pinned;	/* exit_with_pin(): what it pinned */
};

static void *offline_sleeper(void *arg)
{
	struct thread_arg *a = arg;
	struct frost_sandbox *me = frost_sandbox_attach(a->heap);

	frost_sandbox_offline(me);
	usleep(1500000);
	frost_sandbox_online(me);
	frost_sandbox_detach(me);
	return NULL;
}

TEST_F(manual_heap, offline_sandbox_does_not_delay)
{
	struct thread_arg arg = { .heap = self->heap };
	struct timespec t0, t1;
	pthread_t th;
	double secs;

	pthread_create(&th, NULL, offline_sleeper, &arg);
	usleep(100000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect_int(frost_reclaim(self->heap), >=, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	expect_true(secs < 1.0);
	tap_diag("cycle with an offline sandbox: %.3f s", secs);
	pthread_join(th, NULL);
}

static void *spinner(void *arg)
{
	struct thread_arg *a = arg;
	struct frost_sandbox *me = frost_sandbox_attach(a->heap);
	struct timespec t0, t;
	volatile unsigned long spins = 0;

	if (!me)
		return NULL;
	{
		struct frost_sandbox_stats s;

		frost_sandbox_stats(me, &s);
		a->id = s.id;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {	/* no quiescent state for 700 ms */
		spins++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < 700);
	for (int i = 0; i < 200; i++) {
		frost_quiescent(me);
		usleep(1000);
	}
	frost_sandbox_detach(me);
	return NULL;
}

TEST_F_TIMEOUT(stall_heap, stall_warning_once, 60)
{
	char path[] = "/tmp/frost-stall-XXXXXX", line[512], want[64];
	int fd = mkstemp(path), saved = dup(2), warnings = 0, named = 0;
	struct thread_arg arg = { .heap = self->heap };
	pthread_t th;
	FILE *f;

	assert_int(fd, >=, 0);
	pthread_create(&th, NULL, spinner, &arg);
	usleep(50000);
	fflush(stderr);
	dup2(fd, 2);
	expect_int(frost_reclaim(self->heap), >=, 0);
	fflush(stderr);
	dup2(saved, 2);
	pthread_join(th, NULL);
	snprintf(want, sizeof(want), "sandbox %llu (tid ", (unsigned long long)arg.id);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (strstr(line, "stalled the reclaimer")) {
			warnings++;
			named += strstr(line, want) != NULL;
			tap_diag("%s", line);
		}
	}
	if (f)
		fclose(f);
	unlink(path);
	close(fd);
	expect_int(warnings, ==, 1);
	expect_int(named, ==, 1);
}

static void *exit_with_pin(void *arg)
{
	struct thread_arg *a = arg;
	struct frost_sandbox *me = frost_sandbox_attach(a->heap);
	struct frost_object *p, *f;

	p = frost_str_new(me, "pinned by a thread that exits", 29);
	f = frost_freeze(me, p);
	frost_pin(me, f);
	a->pinned = f;
	return NULL;	/* exits attached: detached by frost */
}

TEST_F(manual_heap, roots_die_with_their_sandbox)
{
	struct thread_arg arg = { .heap = self->heap };
	pthread_t th;

	pthread_create(&th, NULL, exit_with_pin, &arg);
	pthread_join(th, NULL);
	assert_ptr(arg.pinned, !=, NULL);
	expect_int(frost_reclaim(self->heap), ==, 1);
	expect_str(frost_type_name(arg.pinned), "<freed>");
}

TEST_F_TIMEOUT(limited_heap, shared_limit_runs_cycles, 120)
{
	struct frost_heap_stats st;
	struct frost_object *keep[100];
	char buf[2048];
	int kept = 0, failed = 0;

	memset(buf, 'z', sizeof(buf));
	/* 40 MiB frozen and dropped under a 4 MiB limit: cycles make room. */
	for (int i = 0; i < 20000; i++) {
		struct frost_object *p = frost_bytes_new(self->sb, buf, sizeof(buf)), *f;

		f = frost_freeze(self->sb, p);
		frost_decref(p);
		assert_ptr(f, !=, NULL);
		frost_quiescent(self->sb);
	}
	frost_heap_stats(self->heap, &st);
	expect_uint(st.cycles, >=, 5);
	expect_uint(st.shared_bytes, <=, 4u << 20);
	/* Live data beyond the limit: ENOMEM, after a cycle that cannot help. */
	for (int i = 0; i < 4000 && !failed; i++) {
		struct frost_object *p = frost_bytes_new(self->sb, buf, sizeof(buf)), *f;

		errno = 0;
		f = frost_freeze(self->sb, p);
		frost_decref(p);
		if (!f) {
			failed = errno;
			break;
		}
		frost_pin(self->sb, f);
		if (kept < 100)
			keep[kept++] = f;
	}
	expect_int(failed, ==, ENOMEM);
	for (int i = 0; i < kept; i++)
		expect_uint(frost_bytes_data(keep[i], NULL) != NULL, ==, 1);
}

TEST_F_TIMEOUT(background_heap, memory_stays_bounded, 300)
{
	const char *san = getenv("FROST_SANITIZE");
	long ops = san && *san ? 100000 : 1000000;
	const long names = 10000;
	struct frost_heap_stats st;
	uint64_t peak = 0, live;
	char name[32];

	for (long i = 0; i < ops; i++) {
		struct frost_object *items[2], *t, *f;

		items[0] = frost_int_new(self->sb, 1000000 + i);
		items[1] = frost_float_new(self->sb, (double)i);
		t = frost_tuple_new(self->sb, 2, items);
		f = frost_freeze(self->sb, t);
		frost_decref(t);
		frost_decref(items[0]);
		frost_decref(items[1]);
		snprintf(name, sizeof(name), "n%ld", i % names);
		assert_int(frost_publish(self->sb, name, f), ==, 0);
		frost_quiescent(self->sb);
		if (i % 1000 == 0) {
			frost_heap_stats(self->heap, &st);
			if (st.shared_bytes > peak)
				peak = st.shared_bytes;
		}
	}
	frost_reclaim(self->heap);
	frost_reclaim(self->heap);
	frost_heap_stats(self->heap, &st);
	live = st.shared_bytes;
	tap_diag("%ld ops: live %llu B, peak %llu B, cycles %llu, freed %llu, "
		 "max cycle %.1f ms, max handshake %.1f ms", ops,
		 (unsigned long long)live, (unsigned long long)peak,
		 (unsigned long long)st.cycles, (unsigned long long)st.freed_objects,
		 st.max_cycle_ns / 1e6, st.max_handshake_ns / 1e6);
	expect_uint(st.shared_objects, ==, 3 * names);	/* (tuple, int, float) each */
	expect_uint(st.cycles, >=, 3);
	expect_uint(peak, <=, 2 * live + background_cfg.cycle_trigger);
}

TEST_F(manual_heap, bad_arguments)
{
	expect_neg_errno(frost_reclaim(NULL), EINVAL);
	expect_neg_errno(frost_debug_break_reclaimer(NULL, 0), EINVAL);
	expect_neg_errno(frost_debug_break_reclaimer(self->heap, 0x100), EINVAL);
}

/* ------------------------------------------------------------------ */
/* The reclaimer's CPU share                                           */

TEST(share_knobs_validated)
{
	struct frost_heap_config cfg = { .reclaimer_duty = FROST_RECLAIMER_DUTY_MAX + 1 };
	struct frost_heap *h;

	expect_null_errno(frost_heap_create(&cfg), EINVAL);
	cfg = (struct frost_heap_config){ .reclaimer_nice = FROST_RECLAIMER_NICE_MAX + 1 };
	expect_null_errno(frost_heap_create(&cfg), EINVAL);
	cfg = (struct frost_heap_config){ .reclaimer_duty = ~0u };
	expect_null_errno(frost_heap_create(&cfg), EINVAL);
	for (int i = 0; i < 6; i++) {
		cfg = (struct frost_heap_config){ .flags = FROST_HEAP_MANUAL };
		cfg.reserved[i] = 1;
		expect_null_errno(frost_heap_create(&cfg), EINVAL);
	}
	/* The limits themselves, and the defaults' stored values. */
	cfg = (struct frost_heap_config){ .reclaimer_duty = FROST_RECLAIMER_DUTY_MAX,
					  .reclaimer_nice = FROST_RECLAIMER_NICE_MAX };
	h = frost_heap_create(&cfg);
	assert_ptr(h, !=, NULL);
	expect_int(frost_heap_destroy(h), ==, 0);
	cfg = (struct frost_heap_config){ .reclaimer_duty = 1 };
	h = frost_heap_create(&cfg);
	assert_ptr(h, !=, NULL);
	expect_uint(h->cfg.reclaimer_duty, ==, 1);
	expect_int(frost_heap_destroy(h), ==, 0);
	h = frost_heap_create(NULL);
	assert_ptr(h, !=, NULL);
	expect_uint(h->cfg.reclaimer_duty, ==, FROST_RECLAIMER_DUTY_MAX);
	expect_uint(h->cfg.reclaimer_nice, ==, 0);
	expect_int(frost_heap_destroy(h), ==, 0);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double clock_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU time of @heap's background reclaimer thread, in seconds. */
static double reclaimer_cpu_s(struct frost_heap *heap)
{
	clockid_t c;

	if (pthread_getcpuclockid(heap->gc->thread, &c))
		tap_bail_out("no CPU clock for the reclaimer thread");
	return clock_s(c);
}

static uint64_t cycles_of(struct frost_heap *heap)
{
	struct frost_heap_stats st;

	frost_heap_stats(heap, &st);
	return st.cycles;
}

static bool sanitized(void)
{
	const char *san = getenv("FROST_SANITIZE");

	return san && *san;
}

/*
 * A live set the reclaimer marks in every cycle: "big", a tuple of @n / 1000
 * tuples of 1000 ints each (1000000 + i in order). Built from private ints,
 * and each part pinned until it is in the published whole: a freeze can
 * pace, which is a quiescent state.
 */
static void publish_big(struct frost_sandbox *sb, size_t n)
{
	struct frost_object *it[1000], *outer[1000], *t, *f;
	size_t nr = n / 1000;

	for (size_t j = 0; j < nr; j++) {
		for (size_t i = 0; i < 1000; i++) {
			it[i] = frost_int_new(sb, 1000000 + (int64_t)(j * 1000 + i));
			assert_ptr(it[i], !=, NULL);
		}
		t = frost_tuple_new(sb, 1000, it);
		for (size_t i = 0; i < 1000; i++)
			frost_decref(it[i]);
		assert_ptr(t, !=, NULL);
		outer[j] = frost_freeze(sb, t);
		frost_decref(t);
		assert_ptr(outer[j], !=, NULL);
		assert_int(frost_pin(sb, outer[j]), ==, 0);
	}
	t = frost_tuple_new(sb, nr, outer);
	assert_ptr(t, !=, NULL);
	f = frost_freeze(sb, t);
	frost_decref(t);
	assert_ptr(f, !=, NULL);
	assert_int(frost_publish(sb, "big", f), ==, 0);
	for (size_t j = 0; j < nr; j++)
		frost_unpin(sb, outer[j]);
}

/*
 * For @secs, freeze a small garbage object every ~200 us (offline in
 * between): a 1-byte trigger is always passed, the pacing floor never.
 */
static void trickle(struct frost_sandbox *sb, double secs)
{
	double end = mono_s() + secs;

	while (mono_s() < end) {
		(void)frozen_str(sb, "garbage");
		frost_quiescent(sb);
		frost_sandbox_offline(sb);
		usleep(200);
		frost_sandbox_online(sb);
	}
}

struct share_run {
	uint64_t cycles;
	double cpu, wall;
};

/* Back-to-back background cycles over a live set, on a heap with @duty. */
static struct share_run share_run(unsigned int duty)
{
	/* Full cycles: young ones over this old live set take too little
	 * CPU for a duty to show. */
	const struct frost_heap_config cfg = { .cycle_trigger = 1, .reclaimer_duty = duty,
					       .flags = FROST_HEAP_FULL_CYCLES };
	double secs = sanitized() ? 3.0 : 2.0, cpu0, t0;
	struct frost_heap *heap;
	struct frost_sandbox *sb;
	struct share_run r;
	uint64_t c0;

	frost_test_open(&cfg, &heap, &sb);
	/* Enough to mark that the unthrottled thread is busy, not napping
	 * in handshakes. */
	publish_big(sb, 200000);
	trickle(sb, 0.3);	/* past the first (unthrottled-looking) cycles */
	c0 = cycles_of(heap);
	cpu0 = reclaimer_cpu_s(heap);
	t0 = mono_s();
	trickle(sb, secs);
	r.cycles = cycles_of(heap) - c0;
	r.cpu = reclaimer_cpu_s(heap) - cpu0;
	r.wall = mono_s() - t0;
	frost_test_close(heap, sb);
	return r;
}

TEST_TIMEOUT(throttled_reclaimer_keeps_its_share, 120)
{
	struct share_run full = share_run(100), five = share_run(5);

	tap_diag("duty 100: %llu cycles, reclaimer %.1f%% of a CPU; duty 5: %llu cycles, %.1f%%",
		 (unsigned long long)full.cycles, 100 * full.cpu / full.wall,
		 (unsigned long long)five.cycles, 100 * five.cpu / five.wall);
	/* Still cycling back to back, at its share (slack: a window cuts a
	 * cycle and its nap apart). */
	expect_uint(five.cycles, >=, 2);
	expect_true(five.cpu / five.wall <= 0.10);
	/* The nap is what limits it: the unthrottled thread ran more. */
	expect_uint(five.cycles, <, full.cycles);
	expect_true(five.cpu / five.wall < full.cpu / full.wall);
}

static const struct frost_heap_config duty1_cfg = { .cycle_trigger = 1, .reclaimer_duty = 1 };
FROST_TEST_HEAP_FIXTURE(duty1_heap, &duty1_cfg)

TEST_F_TIMEOUT(duty1_heap, frost_reclaim_not_throttled, 120)
{
	publish_big(self->sb, sanitized() ? 20000 : 100000);
	for (int i = 0; i < 5; i++) {
		double w0, c0, wall, cpu;
		long freed;

		trickle(self->sb, 0.05);
		w0 = mono_s();
		c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
		freed = frost_reclaim(self->heap);
		cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
		wall = mono_s() - w0;
		tap_diag("frost_reclaim(): %.1f ms, %.1f ms CPU, %ld freed", wall * 1e3, cpu * 1e3,
			 freed);
		expect_int(freed, >=, 0);
		/* A 1 % duty nap in the caller would be 99x its CPU time. */
		expect_true(wall < 10 * cpu + 0.1);
	}
	/* The live set survived the throttled background cycles and ours. */
	expect_int(frost_test_int_of(frost_tuple_get(frost_tuple_get(frost_lookup(self->sb, "big"),
								      3), 7)), ==, 1003007);
}

/* Threads of this process whose nice value is @nice. */
static int threads_with_nice(int nice)
{
	char path[300], line[1024];
	int n = 0;
	DIR *dir = opendir("/proc/self/task");
	struct dirent *de;

	if (!dir)
		tap_bail_out("no /proc/self/task");
	while ((de = readdir(dir))) {
		char *p, *save = NULL;
		FILE *f;
		int field = 2;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/stat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		p = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
		fclose(f);
		/* Fields after the command: state is field 3, nice field 19. */
		for (p = p ? strtok_r(p + 1, " ", &save) : NULL; p; p = strtok_r(NULL, " ", &save))
			if (++field == 19) {
				n += atoi(p) == nice;
				break;
			}
	}
	closedir(dir);
	return n;
}

TEST(reclaimer_nice_reaches_the_thread)
{
	int base = getpriority(PRIO_PROCESS, 0), want = base + 7 > 19 ? 19 : base + 7, n = 0;
	const struct frost_heap_config cfg = { .cycle_trigger = 1, .reclaimer_nice = 7 };
	struct frost_heap *h;
	struct frost_sandbox *sb;

	if (want == base)
		tap_skip("already at nice 19");
	expect_int(threads_with_nice(want), ==, 0);
	frost_test_open(&cfg, &h, &sb);
	/* The thread lowers its priority when it starts. */
	for (int i = 0; i < 2000 && (n = threads_with_nice(want)) < 1; i++)
		usleep(1000);
	expect_int(n, ==, 1);
	/* Background cycles (their handshakes start the grace-period
	 * kicker, if no one has yet): only the reclaimer is niced, not the
	 * threads it makes need, nor the creating thread. */
	for (int i = 0; i < 2000 && cycles_of(h) < 2; i++) {
		(void)frozen_str(sb, "garbage");
		frost_quiescent(sb);
		frost_sandbox_offline(sb);
		usleep(1000);
		frost_sandbox_online(sb);
	}
	expect_uint(cycles_of(h), >=, 2);
	expect_int(threads_with_nice(want), ==, 1);
	expect_int(getpriority(PRIO_PROCESS, 0), ==, base);
	frost_test_close(h, sb);
}

struct bounded_run {
	double secs;
	uint64_t peak, live, cycles;
};

/* t0700's memory_stays_bounded workload on a heap with @duty. */
static struct bounded_run bounded_run(unsigned int duty)
{
	const struct frost_heap_config cfg = { .cycle_trigger = 1u << 20, .reclaimer_duty = duty };
	long ops = sanitized() ? 50000 : 300000;
	const long names = 10000;
	struct bounded_run r = { 0 };
	struct frost_heap_stats st;
	struct frost_heap *heap;
	struct frost_sandbox *sb;
	double t0;
	char name[32];

	frost_test_open(&cfg, &heap, &sb);
	t0 = mono_s();
	for (long i = 0; i < ops; i++) {
		struct frost_object *items[2], *t, *f;

		items[0] = frost_int_new(sb, 1000000 + i);
		items[1] = frost_float_new(sb, (double)i);
		t = frost_tuple_new(sb, 2, items);
		f = frost_freeze(sb, t);
		frost_decref(t);
		frost_decref(items[0]);
		frost_decref(items[1]);
		snprintf(name, sizeof(name), "n%ld", i % names);
		assert_int(frost_publish(sb, name, f), ==, 0);
		frost_quiescent(sb);
		if (i % 1000 == 0) {
			frost_heap_stats(heap, &st);
			if (st.shared_bytes > r.peak)
				r.peak = st.shared_bytes;
		}
	}
	r.secs = mono_s() - t0;
	frost_reclaim(heap);
	frost_reclaim(heap);
	frost_heap_stats(heap, &st);
	r.live = st.shared_bytes;
	r.cycles = st.cycles;
	frost_test_close(heap, sb);
	return r;
}

TEST_TIMEOUT(pacing_bounds_a_throttled_heap, 300)
{
	struct bounded_run full = bounded_run(100), one = bounded_run(1);

	tap_diag("duty 100: %.2f s, peak %llu B, live %llu B, %llu cycles; "
		 "duty 1: %.2f s, peak %llu B, live %llu B, %llu cycles",
		 full.secs, (unsigned long long)full.peak, (unsigned long long)full.live,
		 (unsigned long long)full.cycles, one.secs, (unsigned long long)one.peak,
		 (unsigned long long)one.live, (unsigned long long)one.cycles);
	expect_uint(one.cycles, >=, 3);
	expect_uint(one.peak, <=, 2 * one.live + (1u << 20));
	/* Paced allocators end the naps: no 99x wait per cycle. */
	expect_true(one.secs <= 3 * full.secs + 2.0);
}

TAP_MAIN()
