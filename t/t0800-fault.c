// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0800-fault: every allocation failure is reported, rolled back and leak-free.
 *
 * Needs a library built with CONFIG_FROST_FAULT_INJECTION (skip-all
 * otherwise: frost_debug_fail_every() says -ENOSYS). For N = 1..200 the
 * test arms frost_debug_fail_every(N) and runs one API workload on a fresh
 * manual heap: heap create, attach, the str/bytes/int/float/tuple/map/list
 * constructors, deep freezes, publish/replace/lookup/unpublish, pins,
 * intern, a channel, a spawned second sandbox, frost_reclaim(), detach and
 * destroy. Each call must either succeed or fail with exactly its
 * documented error (NULL with errno ENOMEM, or -ENOMEM), and a failed call
 * must leave the observable state as it was: the sandbox's live private
 * objects, bytes and pins (frost_sandbox_stats()), the heap's shared
 * objects, bytes and sandboxes (frost_heap_stats()), and for the namespace
 * the binding of the name. The failed call is then repeated disarmed (it
 * must succeed) and the workload goes on re-armed, so every allocation of
 * every call is failed for some N. Reclaim cycles under injection take the
 * reclaimer's grey-stack overflow path: every published and pinned object
 * must come through them intact. Under AddressSanitizer the test ends with
 * a LeakSanitizer check (the test runs in a child that leaves by _exit(),
 * which skips LeakSanitizer's exit-time check).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <frost/frost.h>
#include "tap.h"

#if defined(__SANITIZE_ADDRESS__)
#define T_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define T_LSAN 1
#endif
#endif
#ifdef T_LSAN
#include <sanitizer/lsan_interface.h>
#endif

#define MAX_N		200
#define NR_NAMES	24
#define NR_PINS		40
#define BIG_TUPLE	48	/* more than freeze's inline memo and stack */
#define LARGE_LEN	100000	/* over a page: large private and shared mappings */
#define MAP_LEN		600	/* a map index over a page */

static char large_text[LARGE_LEN];

static struct frost_heap *heap;
static struct frost_sandbox *sb;
static unsigned int fail_n;
static unsigned long failures;

struct snap {
	uint64_t live_objects, live_bytes, pins;
	uint64_t shared_objects, shared_bytes, sandboxes;
};

static void take(struct snap *s)
{
	struct frost_sandbox_stats ss = { 0 };
	struct frost_heap_stats hs = { 0 };

	memset(s, 0, sizeof(*s));
	if (sb && frost_sandbox_stats(sb, &ss) == 0) {
		s->live_objects = ss.live_objects;
		s->live_bytes = ss.live_bytes;
		s->pins = ss.pins;
	}
	if (heap) {
		frost_heap_stats(heap, &hs);
		s->shared_objects = hs.shared_objects;
		s->shared_bytes = hs.shared_bytes;
		s->sandboxes = hs.sandboxes;
	}
}

/* A failed call changed nothing that can be observed. */
static void expect_unchanged(const struct snap *a, const char *what)
{
	struct snap b;
	bool ok;

	take(&b);
	ok = expect_uint(b.live_objects, ==, a->live_objects);
	ok &= expect_uint(b.live_bytes, ==, a->live_bytes);
	ok &= expect_uint(b.pins, ==, a->pins);
	ok &= expect_uint(b.shared_objects, ==, a->shared_objects);
	ok &= expect_uint(b.shared_bytes, ==, a->shared_bytes);
	ok &= expect_uint(b.sandboxes, ==, a->sandboxes);
	if (!ok)
		tap_diag("N=%u: failed %s changed the state", fail_n, what);
}

static void disarm(void)
{
	frost_debug_fail_every(0);
}

static void rearm(void)
{
	frost_debug_fail_every(fail_n);
}

/*
 * Run a pointer-returning @call; on failure check ENOMEM and no change,
 * then run it again disarmed (it must succeed) and re-arm.
 */
#define STEP_PTR(res, call)							\
	do {									\
		struct snap s0_;						\
		take(&s0_);							\
		errno = 0;							\
		(res) = (call);							\
		if (!(res)) {							\
			failures++;						\
			if (!expect_int(errno, ==, ENOMEM))			\
				tap_diag("N=%u: %s", fail_n, #call);		\
			expect_unchanged(&s0_, #call);				\
			disarm();						\
			(res) = (call);						\
			rearm();						\
			assert_ptr((res), !=, NULL);				\
		}								\
	} while (0)

/* The same for an int-returning @call (0 on success). */
#define STEP_INT(call)								\
	do {									\
		struct snap s0_;						\
		int r_;								\
		take(&s0_);							\
		r_ = (call);							\
		if (r_) {							\
			failures++;						\
			if (!expect_int(r_, ==, -ENOMEM))			\
				tap_diag("N=%u: %s", fail_n, #call);		\
			expect_unchanged(&s0_, #call);				\
			disarm();						\
			r_ = (call);						\
			rearm();						\
			assert_int(r_, ==, 0);					\
		}								\
	} while (0)

/* Publish (or replace) with a check that a failure left the binding alone. */
static void publish_step(const char *name, struct frost_object *expected,
			 struct frost_object *o, bool replace)
{
	struct frost_object *before, *after;
	struct snap s0;
	int r;

	take(&s0);
	before = frost_lookup(sb, name);
	r = replace ? frost_publish_replace(sb, name, expected, o) : frost_publish(sb, name, o);
	if (!r) {
		expect_ptr(frost_lookup(sb, name), ==, o);
		return;
	}
	failures++;
	if (!expect_int(r, ==, -ENOMEM))
		tap_diag("N=%u: publish %s", fail_n, name);
	after = frost_lookup(sb, name);
	expect_ptr(after, ==, before);
	expect_unchanged(&s0, "publish");
	disarm();
	r = replace ? frost_publish_replace(sb, name, expected, o) : frost_publish(sb, name, o);
	rearm();
	assert_int(r, ==, 0);
}

static void expect_str_is(const struct frost_object *s, const char *text)
{
	size_t len = 0;
	const char *d = frost_str_data(s, &len);

	if (!expect_ptr(d, !=, NULL))
		return;
	expect_uint(len, ==, strlen(text));
	if (len == strlen(text))
		expect_mem(d, text, len);
}

/* Check a frozen tuple made by big_tuple(@tag). */
static void expect_big_tuple(const struct frost_object *t, int tag)
{
	char buf[32];

	if (!expect_ptr(t, !=, NULL) || !expect_uint(frost_tuple_len(t), ==, BIG_TUPLE))
		return;
	for (int i = 0; i < BIG_TUPLE; i++) {
		struct frost_object *in = frost_tuple_get(t, (size_t)i);

		snprintf(buf, sizeof(buf), "s%d-%d", tag, i);
		if (!expect_uint(frost_tuple_len(in), ==, 1))
			return;
		expect_str_is(frost_tuple_get(in, 0), buf);
	}
}

/* A private tuple of BIG_TUPLE one-element tuples of strs. */
static struct frost_object *big_tuple(int tag)
{
	struct frost_object *items[BIG_TUPLE], *t;
	char buf[32];

	for (int i = 0; i < BIG_TUPLE; i++) {
		struct frost_object *s;

		snprintf(buf, sizeof(buf), "s%d-%d", tag, i);
		STEP_PTR(s, frost_str_new(sb, buf, strlen(buf)));
		STEP_PTR(items[i], frost_tuple_new(sb, 1, &s));
		frost_decref(s);
	}
	STEP_PTR(t, frost_tuple_new(sb, BIG_TUPLE, items));
	for (int i = 0; i < BIG_TUPLE; i++)
		frost_decref(items[i]);
	return t;
}

/* The spawned sandbox: look up, pin, check and send the root tuple. */
struct peer_arg {
	struct frost_channel *ch;
};

static int peer(struct frost_sandbox *me, void *varg)
{
	struct peer_arg *pa = varg;
	struct frost_object *t = frost_lookup(me, "root"), *i;
	bool pinned;
	int r;

	if (!t)
		return -errno;
	r = frost_pin(me, t);
	if (r && r != -ENOMEM)
		return r;
	pinned = r == 0;
	/* Allocations here may fail too: only ENOMEM is allowed. */
	i = frost_int_new(me, 1 << 20);
	if (!i && errno != ENOMEM)
		return -errno;
	if (i)
		frost_decref(i);
	if (frost_tuple_len(t) != BIG_TUPLE)
		return -EIO;
	r = frost_channel_send(me, pa->ch, t, 0);
	if (!r && pinned)
		r = frost_unpin(me, t);
	return r;
}

static void workload(void)
{
	struct frost_heap_config cfg = { .flags = FROST_HEAP_MANUAL };
	struct frost_object *i1, *f1, *s1, *b1, *tup, *map, *list, *big, *big2;
	struct frost_object *fbig, *fbig2, *ftup, *fmap, *got, *pins[NR_PINS];
	struct frost_object *keys[4], *vals[4], *items[3], *lstr, *lbytes, *lmap, *flarge;
	struct frost_object *mkeys[MAP_LEN], *mvals[MAP_LEN];
	struct frost_sandbox *peer_sb;
	struct frost_channel *ch;
	struct peer_arg pa;
	char name[32];
	long freed;
	int ret;

	heap = NULL;
	sb = NULL;
	rearm();
	STEP_PTR(heap, frost_heap_create(&cfg));
	STEP_PTR(sb, frost_sandbox_attach(heap));

	/* Constructors. */
	STEP_PTR(i1, frost_int_new(sb, INT64_C(1) << 40));
	STEP_PTR(f1, frost_float_new(sb, 2.5));
	STEP_PTR(s1, frost_str_new(sb, "h\xc3\xa9llo", 6));
	STEP_PTR(b1, frost_bytes_new(sb, "\0\1\2", 3));
	items[0] = i1;
	items[1] = s1;
	items[2] = b1;
	STEP_PTR(tup, frost_tuple_new(sb, 3, items));
	keys[0] = s1;
	vals[0] = i1;
	keys[1] = i1;
	vals[1] = f1;
	keys[2] = s1;		/* duplicate key: the last value wins */
	vals[2] = tup;
	keys[3] = tup;
	vals[3] = b1;
	STEP_PTR(map, frost_map_new(sb, 4, keys, vals));
	expect_ptr(frost_map_get(map, s1), ==, tup);
	STEP_PTR(list, frost_list_new(sb));
	for (int i = 0; i < 40; i++)
		STEP_INT(frost_list_append(sb, list, i1));
	expect_uint(frost_list_len(list), ==, 40);
	/* Large objects: own mappings, private and (frozen) shared. */
	STEP_PTR(lstr, frost_str_new(sb, large_text, LARGE_LEN));
	STEP_PTR(lbytes, frost_bytes_new(sb, large_text, LARGE_LEN));
	for (int i = 0; i < MAP_LEN; i++) {
		STEP_PTR(mkeys[i], frost_int_new(sb, 100000 + i % (MAP_LEN - 7)));
		mvals[i] = i % 2 ? lstr : lbytes;
	}
	STEP_PTR(lmap, frost_map_new(sb, MAP_LEN, mkeys, mvals));
	for (int i = 0; i < MAP_LEN; i++)
		frost_decref(mkeys[i]);
	expect_uint(frost_map_len(lmap), ==, MAP_LEN - 7);
	STEP_PTR(flarge, frost_freeze(sb, lmap));
	frost_decref(lmap);
	frost_decref(lbytes);

	/* Mutable inside: EPERM, whatever the allocator does. */
	expect_null_errno(frost_freeze(sb, list), EPERM);

	/* Deep freezes, one bigger than freeze's inline memo and stack. */
	STEP_PTR(ftup, frost_freeze(sb, tup));
	STEP_PTR(fmap, frost_freeze(sb, map));
	big = big_tuple(1);
	STEP_PTR(fbig, frost_freeze(sb, big));
	big2 = big_tuple(2);
	STEP_PTR(fbig2, frost_freeze(sb, big2));
	frost_decref(big2);	/* fbig2 is reachable only from roots below */

	/* Namespace. */
	publish_step("root", NULL, fbig, false);
	publish_step("root", fbig, ftup, true);
	publish_step("root", ftup, fbig, true);
	publish_step("map", NULL, fmap, false);
	publish_step("large", NULL, flarge, false);
	for (int i = 0; i < NR_NAMES; i++) {
		snprintf(name, sizeof(name), "name-%d", i);
		publish_step(name, NULL, i % 2 ? ftup : fbig2, false);
	}
	expect_ptr(frost_lookup(sb, "root"), ==, fbig);
	for (int i = 0; i < NR_NAMES; i += 3) {
		snprintf(name, sizeof(name), "name-%d", i);
		expect_int(frost_unpublish(sb, name), ==, 0);
	}

	/* Pins: the table grows several times. */
	for (int i = 0; i < NR_PINS; i++) {
		struct frost_object *p;

		snprintf(name, sizeof(name), "pin-%d", i);
		STEP_PTR(pins[i], frost_str_intern(sb, name, strlen(name)));
		STEP_PTR(p, frost_str_intern(sb, name, strlen(name)));
		expect_ptr(p, ==, pins[i]);
		STEP_INT(frost_pin(sb, pins[i]));
	}

	/* A channel and a second sandbox that reads the namespace. */
	STEP_PTR(ch, frost_channel_create(heap, 4));
	pa.ch = ch;
	STEP_PTR(peer_sb, frost_sandbox_spawn(heap, peer, &pa));
	expect_int(frost_sandbox_join(peer_sb, &ret), ==, 0);
	expect_int(ret, ==, 0);
	got = NULL;
	expect_int(frost_channel_recv(sb, ch, &got, 0), ==, 0);
	expect_ptr(got, ==, fbig);
	expect_int(frost_channel_send(sb, ch, fbig2, 0), ==, 0);

	/* Cycles under injection: nothing reachable may be lost. */
	frost_decref(big);
	for (int c = 0; c < 4; c++) {
		freed = frost_reclaim(heap);
		expect_true(freed >= 0);
		/* Reuse freed slots, then check every root's contents. */
		big = big_tuple(3);
		STEP_PTR(got, frost_freeze(sb, big));
		frost_decref(big);
		expect_big_tuple(frost_lookup(sb, "root"), 1);
		expect_ptr(frost_lookup(sb, "name-2"), ==, fbig2);
		expect_big_tuple(frost_lookup(sb, "name-2"), 2);
		for (int i = 0; i < NR_PINS; i++) {
			snprintf(name, sizeof(name), "pin-%d", i);
			expect_str_is(pins[i], name);
		}
		got = frost_map_get(frost_lookup(sb, "map"), ftup);
		expect_true(got && frost_bytes_data(got, NULL) != NULL);
		got = frost_lookup(sb, "large");
		expect_uint(frost_map_len(got), ==, MAP_LEN - 7);
		for (int i = 0; i < MAP_LEN - 7; i++) {
			struct frost_object *k, *v;
			size_t len = 0;
			const void *d;

			if (!expect_int(frost_map_item(got, (size_t)i, &k, &v), ==, 0))
				break;
			d = frost_type_name(v)[0] == 's' ? (const void *)frost_str_data(v, &len)
							  : frost_bytes_data(v, &len);
			if (!expect_uint(len, ==, LARGE_LEN))
				break;
			if (!expect_mem(d, large_text, LARGE_LEN))
				break;
		}
	}
	got = NULL;
	expect_int(frost_channel_recv(sb, ch, &got, 0), ==, 0);
	expect_ptr(got, ==, fbig2);
	expect_big_tuple(got, 2);
	expect_int(frost_channel_destroy(ch), ==, 0);

	for (int i = 0; i < NR_PINS; i++)
		expect_int(frost_unpin(sb, pins[i]), ==, 0);
	expect_int(frost_unpublish(sb, "root"), ==, 0);
	frost_decref(list);
	frost_decref(lstr);
	frost_decref(map);
	frost_decref(tup);
	frost_decref(b1);
	frost_decref(s1);
	frost_decref(f1);
	frost_decref(i1);

	disarm();
	expect_int(frost_sandbox_detach(sb), ==, 0);
	sb = NULL;
	expect_int(frost_heap_destroy(heap), ==, 0);
	heap = NULL;
}

TEST_TIMEOUT(fail_every_nth_allocation, 600)
{
	unsigned long per_n[MAX_N + 1];

	for (fail_n = 1; fail_n <= MAX_N; fail_n++) {
		unsigned long before = failures;

		workload();
		per_n[fail_n] = failures - before;
	}
	disarm();
	tap_diag("%lu injected failures over N = 1..%d (N=1: %lu, N=%d: %lu)", failures, MAX_N,
		 per_n[1], MAX_N, per_n[MAX_N]);
	/* Injection really happened, and at every call for N = 1. */
	expect_true(per_n[1] > 100);
	expect_true(failures > per_n[1]);
#ifdef T_LSAN
	expect_int(__lsan_do_recoverable_leak_check(), ==, 0);
#endif
}

/*
 * A large shared object (its own mapping) whose children are reachable only
 * through it, under cycles whose allocations fail at every phase offset:
 * a cycle that cannot list the large mappings must still clear their old
 * marks and re-trace them, or the children are freed under the parent.
 */
#define WIDE	2048	/* a tuple over a page: a large shared object */

TEST(large_parent_keeps_children)
{
	struct frost_heap_config cfg = { .flags = FROST_HEAP_MANUAL };
	struct frost_object *items[WIDE], *t, *ft, *g, *s;
	char buf[32];
	size_t len;

	disarm();
	heap = frost_heap_create(&cfg);
	assert_ptr(heap, !=, NULL);
	sb = frost_sandbox_attach(heap);
	assert_ptr(sb, !=, NULL);
	for (int i = 0; i < WIDE; i++) {
		snprintf(buf, sizeof(buf), "child-%d", i);
		items[i] = i ? frost_str_new(sb, buf, strlen(buf))
			     : frost_str_new(sb, large_text, LARGE_LEN);
		assert_ptr(items[i], !=, NULL);
	}
	t = frost_tuple_new(sb, WIDE, items);
	assert_ptr(t, !=, NULL);
	for (int i = 0; i < WIDE; i++)
		frost_decref(items[i]);
	ft = frost_freeze(sb, t);
	assert_ptr(ft, !=, NULL);
	frost_decref(t);
	assert_int(frost_publish(sb, "g", ft), ==, 0);

	for (fail_n = 2; fail_n <= 12; fail_n++) {
		for (unsigned int skew = 0; skew < fail_n; skew++) {
			rearm();
			/* Shift the cycle's allocations against the period. */
			for (unsigned int j = 0; j < skew; j++) {
				struct frost_object *o = frost_float_new(sb, j);

				if (o)
					frost_decref(o);
			}
			expect_true(frost_reclaim(heap) >= 0);
			disarm();
			/* Reuse whatever the cycle freed, then check. */
			for (int i = 0; i < 64; i++) {
				snprintf(buf, sizeof(buf), "new-%d", i);
				s = frost_str_new(sb, buf, strlen(buf));
				assert_ptr(s, !=, NULL);
				g = frost_freeze(sb, s);
				frost_decref(s);
				assert_ptr(g, !=, NULL);
			}
			g = frost_lookup(sb, "g");
			assert_ptr(g, ==, ft);
			len = 0;
			if (!expect_mem(frost_str_data(frost_tuple_get(g, 0), &len), large_text,
					LARGE_LEN) || !expect_uint(len, ==, LARGE_LEN))
				tap_bail_out("N=%u skew=%u: a child of a large object was freed",
					     fail_n, skew);
			for (int i = 1; i < WIDE; i++) {
				snprintf(buf, sizeof(buf), "child-%d", i);
				s = frost_tuple_get(g, (size_t)i);
				len = 0;
				if (!expect_true(frost_str_data(s, &len) && len == strlen(buf) &&
						 !memcmp(frost_str_data(s, NULL), buf, len)))
					tap_bail_out("N=%u skew=%u: child %d was freed", fail_n,
						     skew, i);
			}
		}
	}
	disarm();
	expect_int(frost_unpublish(sb, "g"), ==, 0);
	expect_int(frost_sandbox_detach(sb), ==, 0);
	expect_int(frost_heap_destroy(heap), ==, 0);
	sb = NULL;
	heap = NULL;
}

int main(int argc, char **argv)
{
	if (frost_debug_fail_every(0) == -ENOSYS)
		tap_skip_all("built without CONFIG_FROST_FAULT_INJECTION");
	for (int i = 0; i < LARGE_LEN; i++)
		large_text[i] = (char)('a' + i % 26);
	return tap_main(argc, argv);
}
