// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t/t0745-gen-churn.c - generations under churn: tuples replaced while
 * young and full cycles run back to back.
 *
 * Theory of operation. The writer (the test's thread) freezes tuples of
 * ITEMS fresh ints and publishes each over the one before it in SLOTS
 * slots, round robin, so every tuple lives long enough to be promoted and
 * then dies old; a cycler thread runs frost_reclaim_young() back to back,
 * every FULL_EVERY-th cycle a full frost_reclaim(); a reader thread looks
 * the slots up and checks each tuple's sum. Cycles open in the middle of
 * freezes all the time, which is what found a promotion bug: the born
 * bitmap was chosen per object by the cycle number read at its own
 * publication, so a parent published before the open aged ahead of a
 * child of the same freeze published after it, and was promoted alone
 * (frost-bench churn's frost-b2b read freed ints). Every CHECK_EVERY
 * writes, and at the end, frost_debug_check_generations() must find no
 * old-to-young edge (the cause, seen before any young cycle frees a child
 * under a reader); the reader must never see a wrong sum or a freed item
 * (the symptom). CONFIG_FROST_DEBUG builds also check after every cycle.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "frost-test.h"

#define SLOTS		512
#define ITEMS		16
#define FULL_EVERY	8
#define CHECK_EVERY	20000
#define DURATION_MS	1500
#define BIG		1000000	/* ints from here on are not static */

struct churn {
	struct frost_heap *heap;
	atomic_bool stop;
	atomic_ulong cycles, young, full, reads, bad;
	long cycle_err;
};

static int64_t item_value(size_t slot, size_t j)
{
	return BIG + (int64_t)(slot * ITEMS + j);
}

static int64_t slot_sum(size_t slot)
{
	int64_t s = 0;

	for (size_t j = 0; j < ITEMS; j++)
		s += item_value(slot, j);
	return s;
}

static void slot_name(char *buf, size_t len, size_t slot)
{
	snprintf(buf, len, "s%zu", slot);
}

/* A frozen tuple of ITEMS new ints for @slot, or NULL. */
static struct frost_object *make_tuple(struct frost_sandbox *sb, size_t slot)
{
	struct frost_object *it[ITEMS] = { NULL }, *t, *f = NULL;
	size_t j;

	for (j = 0; j < ITEMS; j++) {
		it[j] = frost_int_new(sb, item_value(slot, j));
		if (!it[j])
			goto out;
	}
	t = frost_tuple_new(sb, ITEMS, it);
	if (t) {
		f = frost_freeze(sb, t);
		frost_decref(t);
	}
out:
	for (size_t i = 0; i < j; i++)
		frost_decref(it[i]);
	return f;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void *cycler_main(void *arg)
{
	struct churn *c = arg;

	while (!atomic_load(&c->stop)) {
		unsigned long n = atomic_fetch_add(&c->cycles, 1) + 1;
		bool full = n % FULL_EVERY == 0;
		long r = full ? frost_reclaim(c->heap) : frost_reclaim_young(c->heap);

		if (r < 0) {
			c->cycle_err = r;
			break;
		}
		atomic_fetch_add(full ? &c->full : &c->young, 1);
	}
	return NULL;
}

static void *reader_main(void *arg)
{
	struct churn *c = arg;
	struct frost_sandbox *sb = frost_sandbox_attach(c->heap);
	char name[16];

	if (!sb) {
		atomic_fetch_add(&c->bad, 1);
		return NULL;
	}
	for (size_t k = 0; !atomic_load(&c->stop); k = (k + 1) % SLOTS) {
		const struct frost_object *t;
		int64_t s = 0;

		slot_name(name, sizeof(name), k);
		t = frost_lookup(sb, name);
		if (!t || frost_tuple_len(t) != ITEMS) {
			atomic_fetch_add(&c->bad, 1);
		} else {
			for (size_t j = 0; j < ITEMS; j++)
				s += frost_test_int_of(frost_tuple_get(t, j));
			if (s != slot_sum(k))
				atomic_fetch_add(&c->bad, 1);
		}
		atomic_fetch_add(&c->reads, 1);
		if (k % 16 == 0)
			frost_quiescent(sb);
	}
	frost_sandbox_detach(sb);
	return NULL;
}

static const struct frost_heap_config manual_cfg = { .flags = FROST_HEAP_MANUAL };

TEST_TIMEOUT(promotion_under_churn_keeps_no_old_to_young_edge, 120)
{
	struct churn c = { .cycle_err = 0 };
	struct frost_sandbox *sb;
	struct frost_cycle_stats cs;
	pthread_t cycler, reader;
	unsigned long writes = 0;
	long edges = 0, r;
	uint64_t end;
	char name[16];

	frost_test_open(&manual_cfg, &c.heap, &sb);
	for (size_t k = 0; k < SLOTS; k++) {
		struct frost_object *f = make_tuple(sb, k);

		assert_ptr(f, !=, NULL);
		slot_name(name, sizeof(name), k);
		assert_int(frost_publish(sb, name, f), ==, 0);
	}
	assert_int(pthread_create(&cycler, NULL, cycler_main, &c), ==, 0);
	assert_int(pthread_create(&reader, NULL, reader_main, &c), ==, 0);
	end = now_ms() + DURATION_MS;
	for (size_t k = 0; now_ms() < end; k = (k + 1) % SLOTS) {
		struct frost_object *f = make_tuple(sb, k);

		if (!f || (slot_name(name, sizeof(name), k), frost_publish(sb, name, f))) {
			tap_diag("write %lu failed: %s", writes, strerror(errno));
			break;
		}
		if (++writes % 8 == 0)
			frost_quiescent(sb);
		if (writes % CHECK_EVERY == 0) {
			r = frost_debug_check_generations(c.heap);
			if (r)
				edges += r;
		}
	}
	atomic_store(&c.stop, true);
	/* Offline while joining: the cycler's last cycle may wait for us. */
	frost_sandbox_offline(sb);
	pthread_join(cycler, NULL);
	pthread_join(reader, NULL);
	frost_sandbox_online(sb);
	r = frost_debug_check_generations(c.heap);
	if (r)
		edges += r;
	cs.young_cycles = 0;
	assert_int(frost_heap_cycle_stats(c.heap, &cs), ==, 0);
	tap_diag("%lu writes, %lu reads, %lu young and %lu full cycles, %llu B promoted",
		 writes, atomic_load(&c.reads), atomic_load(&c.young), atomic_load(&c.full),
		 (unsigned long long)cs.promoted_bytes);
	expect_int(c.cycle_err, ==, 0);
	expect_int(edges, ==, 0);
	expect_uint(atomic_load(&c.bad), ==, 0);
	/* The run did what it is for: writes across many cycles of both
	 * kinds, and promotions. */
	expect_uint(writes, >, SLOTS * 4);
	expect_uint(atomic_load(&c.young), >, 10);
	expect_uint(atomic_load(&c.full), >, 1);
	expect_uint(cs.promoted_bytes, >, 0);
	frost_test_close(c.heap, sb);
}

TAP_MAIN()
