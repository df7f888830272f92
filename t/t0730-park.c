// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0730-park: parked sandboxes (frost_sandbox_offline() by a plain store,
 * lib/rcu/park.c) under stress, and the fenced fallback.
 *
 * The stress test: one sandbox parks and unparks in a loop while it holds
 * roots of every kind (pins, a private tuple, namespace bindings) and,
 * between two parks, an unrooted pointer from a lookup; now and then it
 * stays parked long enough to be converted (it checks, from its own
 * state word, that conversions happened) and it replaces roots, so that
 * cycles have garbage to free. Another thread runs frost_reclaim() back
 * to back. Every object is a frozen (name, (generation,)) pair whose
 * contents the sandbox checks after each unpark: an object freed while
 * reachable shows as the freed type or other contents (or, under ASan, as
 * a use after free). Then: a parked sandbox does not delay a cycle nor a
 * liburcu grace period that frost did not start (the settler converts
 * it), a parked sandbox's roots are scanned, a frost call that blocks
 * made while parked works, and with FROST_NO_MEMBARRIER=1 the fallback
 * (liburcu's fenced offline) is taken and behaves alike.
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
#include "rcu/rcu.h"

static const struct frost_heap_config manual_cfg = { .flags = FROST_HEAP_MANUAL };

FROST_TEST_HEAP_FIXTURE(manual_heap, &manual_cfg)

#ifdef __SANITIZE_THREAD__
#define STRESS_SECS	2.0
#elif defined(__SANITIZE_ADDRESS__)
#define STRESS_SECS	2.0
#else
#define STRESS_SECS	3.0
#endif

#define NSLOTS		12	/* 0-3 pinned, 4-7 in a private tuple, 8-11 published */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A frozen ("s<slot>", ("g<gen>",)) pair: the fingerprint is its text. */
static struct frost_object *fingerprint(struct frost_sandbox *sb, int slot, unsigned long gen)
{
	char a[32], b[32];
	struct frost_object *s1, *s2, *in, *t, *f;
	struct frost_object *items[2];

	snprintf(a, sizeof(a), "s%d", slot);
	snprintf(b, sizeof(b), "g%lu", gen);
	s1 = frost_str_new(sb, a, strlen(a));
	s2 = frost_str_new(sb, b, strlen(b));
	in = frost_tuple_new(sb, 1, &s2);
	items[0] = s1;
	items[1] = in;
	t = frost_tuple_new(sb, 2, items);
	f = frost_freeze(sb, t);
	frost_decref(t);
	frost_decref(in);
	frost_decref(s2);
	frost_decref(s1);
	return f;
}

static bool str_is(const struct frost_object *o, const char *text)
{
	const char *d = o && frost_type_name(o) && !strcmp(frost_type_name(o), "str") ?
			frost_str_data(o, NULL) : NULL;

	return d && !strcmp(d, text);
}

/* Does @o still carry the fingerprint of (@slot, @gen)? */
static bool fingerprint_ok(const struct frost_object *o, int slot, unsigned long gen)
{
	char a[32], b[32];

	snprintf(a, sizeof(a), "s%d", slot);
	snprintf(b, sizeof(b), "g%lu", gen);
	return o && frost_type_name(o) && !strcmp(frost_type_name(o), "tuple") &&
	       frost_tuple_len(o) == 2 && str_is(frost_tuple_get(o, 0), a) &&
	       str_is(frost_tuple_get(frost_tuple_get(o, 1), 0), b);
}

/* The reclaiming thread: cycles back to back until told to stop. */
struct cycler {
	struct frost_heap *heap;
	pthread_t thread;
	int stop;
	int err;
	unsigned long cycles;
};

static void *cycler_main(void *arg)
{
	struct cycler *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		if (frost_reclaim(c->heap) < 0)
			c->err++;
		__atomic_fetch_add(&c->cycles, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void cycler_start(struct cycler *c, struct frost_heap *heap)
{
	memset(c, 0, sizeof(*c));
	c->heap = heap;
	assert_int(pthread_create(&c->thread, NULL, cycler_main, c), ==, 0);
}

/* Stop it; @sb (online) waits offline, its cycle may need us. */
static void cycler_stop(struct cycler *c, struct frost_sandbox *sb)
{
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
	frost_sandbox_offline(sb);
	pthread_join(c->thread, NULL);
	frost_sandbox_online(sb);
	expect_int(c->err, ==, 0);
}

static bool membarrier_expected(void)
{
	const char *no = getenv("FROST_NO_MEMBARRIER");

	return !(no && *no && *no != '0');
}

/* A private tuple of slots 4-7 (rebuilt when one of them changes). */
static struct frost_object *holder_new(struct frost_sandbox *sb, struct frost_object **slot)
{
	return frost_tuple_new(sb, 4, &slot[4]);
}

TEST_F_TIMEOUT(manual_heap, park_unpark_stress_nothing_reachable_freed, 180)
{
	struct frost_object *slot[NSLOTS], *holder;
	unsigned long gen[NSLOTS] = { 0 };
	unsigned long iters = 0, bad = 0, converted = 0, replaced = 0, held_bad = 0;
	struct frost_heap_stats st;
	struct cycler c;
	char name[16];
	double until;

	for (int i = 0; i < NSLOTS; i++) {
		slot[i] = fingerprint(self->sb, i, 0);
		assert_ptr(slot[i], !=, NULL);
		if (i < 4) {
			assert_int(frost_pin(self->sb, slot[i]), ==, 0);
		} else if (i >= 8) {
			snprintf(name, sizeof(name), "n%d", i);
			assert_int(frost_publish(self->sb, name, slot[i]), ==, 0);
		}
	}
	holder = holder_new(self->sb, slot);
	assert_ptr(holder, !=, NULL);

	cycler_start(&c, self->heap);
	until = now_s() + STRESS_SECS;
	while (now_s() < until || (membarrier_expected() && !converted)) {
		struct frost_object *peek;
		int i = (int)(iters % NSLOTS);

		/* An unrooted pointer, valid until our next quiescent state. */
		snprintf(name, sizeof(name), "n%d", 8 + (int)(iters % 4));
		peek = frost_lookup(self->sb, name);

		if (iters % 97 == 0) {
			/* Replace slot i's root: the old object becomes garbage. */
			struct frost_object *old = slot[i], *nu = fingerprint(self->sb, i, gen[i] + 1);

			assert_ptr(nu, !=, NULL);
			if (i < 4) {
				assert_int(frost_pin(self->sb, nu), ==, 0);
				assert_int(frost_unpin(self->sb, old), ==, 0);
			} else if (i >= 8) {
				snprintf(name, sizeof(name), "n%d", i);
				assert_int(frost_publish_replace(self->sb, name, old, nu), ==, 0);
			}
			slot[i] = nu;
			gen[i]++;
			if (i >= 4 && i < 8) {
				frost_decref(holder);
				holder = holder_new(self->sb, slot);
				assert_ptr(holder, !=, NULL);
			}
			replaced++;
		}
		/* The peeked object survived the work above (no QS yet). */
		if (!peek || frost_tuple_len(peek) != 2)
			held_bad++;

		frost_sandbox_offline(self->sb);
		if (iters % 64 == 0) {
			/* Long enough for the cycler's handshake to convert us. */
			usleep(300);
			if (__atomic_load_n(&__frost_sb_rcu(self->sb)->state, __ATOMIC_RELAXED) !=
			    FROST_SB_ONLINE)
				converted++;
		}
		frost_sandbox_online(self->sb);

		for (int k = 0; k < NSLOTS; k++)
			if (!fingerprint_ok(slot[k], k, gen[k]))
				bad++;
		for (int k = 4; k < 8; k++)
			if (frost_tuple_get(holder, (size_t)(k - 4)) != slot[k])
				bad++;
		if (iters % 16 == 0)
			frost_quiescent(self->sb);
		iters++;
	}
	cycler_stop(&c, self->sb);

	tap_diag("%lu park/unpark pairs, %lu cycles, %lu conversions seen, %lu roots replaced",
	     iters, c.cycles, converted, replaced);
	expect_uint(bad, ==, 0);
	expect_uint(held_bad, ==, 0);
	expect_uint(c.cycles, >=, 10);
	/* Parking: handshakes converted us; the fallback: offline for real. */
	expect_uint(converted, >, 0);
	frost_heap_stats(self->heap, &st);
	/* The replaced objects (3 shared objects each) were freed. */
	expect_uint(st.freed_objects, >, 0);
	for (int k = 0; k < NSLOTS; k++)
		expect_true(fingerprint_ok(slot[k], k, gen[k]));
	frost_decref(holder);
}

/* Parked and asleep: neither a cycle nor a foreign grace period waits. */
struct sleeper {
	struct frost_heap *heap;
	int parked;
	int wake;
	struct frost_object *pinned;
};

static void *sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	struct frost_sandbox *me = frost_sandbox_attach(s->heap);

	s->pinned = fingerprint(me, 99, 7);
	frost_pin(me, s->pinned);
	frost_sandbox_offline(me);
	__atomic_store_n(&s->parked, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&s->wake, __ATOMIC_ACQUIRE))
		usleep(1000);
	frost_sandbox_online(me);
	/* Its pin kept it through every cycle it slept through. */
	if (!fingerprint_ok(s->pinned, 99, 7))
		__atomic_store_n(&s->parked, -1, __ATOMIC_RELEASE);
	frost_unpin(me, s->pinned);
	frost_sandbox_detach(me);
	return NULL;
}

TEST_F_TIMEOUT(manual_heap, parked_sandbox_delays_nothing_and_is_scanned, 60)
{
	struct sleeper s = { .heap = self->heap };
	struct frost_object *garbage;
	pthread_t th;
	double t0, worst = 0;
	long freed = 0;

	pthread_create(&th, NULL, sleeper_main, &s);
	while (!__atomic_load_n(&s.parked, __ATOMIC_ACQUIRE))
		usleep(1000);
	for (int i = 0; i < 5; i++) {
		long n;

		garbage = fingerprint(self->sb, 50, (unsigned long)i);
		(void)garbage;
		t0 = now_s();
		n = frost_reclaim(self->heap);
		if (now_s() - t0 > worst)
			worst = now_s() - t0;
		expect_int(n, >=, 0);
		freed += n;
	}
	/* Cycles ran while it slept parked: each a few ms at most here. */
	tap_diag("worst cycle beside a parked sandbox: %.1f ms", worst * 1e3);
	expect_true(worst < 1.0);
	expect_int(freed, >=, 5);
	/* A grace period that frost does not start (liburcu's own
	 * synchronize_rcu(), as rculfhash resizes and call_rcu's worker run
	 * them) is not held up for long by the parked sandbox either. */
	t0 = now_s();
	frost_sandbox_offline(self->sb);
	urcu_qsbr_synchronize_rcu();
	frost_sandbox_online(self->sb);
	tap_diag("liburcu grace period beside a parked sandbox: %.1f ms", (now_s() - t0) * 1e3);
	expect_true(now_s() - t0 < 1.0);
	__atomic_store_n(&s.wake, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	expect_int(__atomic_load_n(&s.parked, __ATOMIC_ACQUIRE), ==, 1);
}

/*
 * A liburcu grace period that starts after a sandbox parked (so the
 * sandbox is behind it) and that no frost handshake helps: only the
 * settler converts the sandbox. Without it the grace period would wait
 * until the sandbox comes back.
 */
struct gp_waiter {
	double took;
	int done;
};

static void *gp_waiter_main(void *arg)
{
	struct gp_waiter *w = arg;
	double t0 = now_s();

	urcu_qsbr_register_thread();
	urcu_qsbr_thread_offline();
	urcu_qsbr_synchronize_rcu();
	urcu_qsbr_thread_online();
	urcu_qsbr_unregister_thread();
	w->took = now_s() - t0;
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

TEST_F_TIMEOUT(manual_heap, foreign_grace_period_not_held_by_parked, 60)
{
	struct gp_waiter w = { 0 };
	pthread_t th;
	double t0;

	if (!__frost_sb_rcu(self->sb)->park_ok) {
		tap_skip("parking is off here (fallback path)");
	}
	frost_quiescent(self->sb);
	frost_sandbox_offline(self->sb);
	pthread_create(&th, NULL, gp_waiter_main, &w);
	/* Stay parked (we are the one it waits for) until it is done. */
	t0 = now_s();
	while (!__atomic_load_n(&w.done, __ATOMIC_ACQUIRE) && now_s() - t0 < 20)
		usleep(1000);
	expect_true(__atomic_load_n(&w.done, __ATOMIC_ACQUIRE));
	/*
	 * Converted by the settler, not by our coming back. convert() wakes
	 * the grace period's waiter before it stores OFFLINE, and the waiter
	 * may finish in between: the converter's claim, set before and
	 * cleared after convert(), tells when the conversion is complete.
	 * Acquire: pairs with the release store of @claim in
	 * __frost_rcu_settle().
	 */
	t0 = now_s();
	while (__atomic_load_n(&__frost_sb_rcu(self->sb)->claim, __ATOMIC_ACQUIRE) &&
	       now_s() - t0 < 20)
		usleep(1000);
	expect_int(__atomic_load_n(&__frost_sb_rcu(self->sb)->state, __ATOMIC_RELAXED), ==,
		   FROST_SB_OFFLINE);
	frost_sandbox_online(self->sb);
	pthread_join(th, NULL);
	tap_diag("grace period took %.1f ms", w.took * 1e3);
	expect_true(w.took < 5.0);
	expect_true(__frost_sandbox_online(self->sb));
	expect_int(frost_pin(self->sb, frost_none()), ==, 0);
	expect_int(frost_unpin(self->sb, frost_none()), ==, 0);
}

/* Parked, a sandbox may still call the frost functions that allow it. */
TEST_F(manual_heap, reclaim_while_parked)
{
	struct frost_object *keep = fingerprint(self->sb, 1, 1);

	assert_int(frost_pin(self->sb, keep), ==, 0);
	(void)fingerprint(self->sb, 2, 2);
	frost_sandbox_offline(self->sb);
	/* Blocking frost calls take the sandbox really offline. */
	expect_int(frost_reclaim(self->heap), >, 0);
	expect_true(!__frost_sandbox_online(self->sb));
	expect_int(frost_pin(self->sb, keep), ==, -EINVAL);
	frost_sandbox_online(self->sb);
	expect_true(__frost_sandbox_online(self->sb));
	expect_true(fingerprint_ok(keep, 1, 1));
	expect_int(frost_unpin(self->sb, keep), ==, 0);
	/* Offline twice, online twice: no nesting, no harm. */
	frost_sandbox_offline(self->sb);
	frost_sandbox_offline(self->sb);
	frost_sandbox_online(self->sb);
	frost_sandbox_online(self->sb);
	expect_int(frost_pin(self->sb, keep), ==, 0);
	expect_int(frost_unpin(self->sb, keep), ==, 0);
}

/* The parking path is taken where membarrier() works, else the fallback. */
TEST_F(manual_heap, parking_or_fallback)
{
	struct frost_sandbox_rcu *r = __frost_sb_rcu(self->sb);

	frost_sandbox_offline(self->sb);
	if (r->park_ok) {
		expect_true(membarrier_expected());
		expect_int(__atomic_load_n(&r->park, __ATOMIC_RELAXED), ==, 1);
		expect_int(__atomic_load_n(&r->state, __ATOMIC_RELAXED), ==, FROST_SB_ONLINE);
	} else {
		tap_diag("parking unavailable: the fenced fallback");
		expect_int(__atomic_load_n(&r->park, __ATOMIC_RELAXED), ==, 0);
		expect_int(__atomic_load_n(&r->state, __ATOMIC_RELAXED), ==, FROST_SB_OFFLINE);
	}
	expect_true(!__frost_sandbox_online(self->sb));
	frost_sandbox_online(self->sb);
	expect_true(__frost_sandbox_online(self->sb));
	expect_int(__atomic_load_n(&r->park, __ATOMIC_RELAXED), ==, 0);
	expect_int(__atomic_load_n(&r->state, __ATOMIC_RELAXED), ==, FROST_SB_ONLINE);
}

TAP_MAIN()
