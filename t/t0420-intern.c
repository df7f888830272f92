// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0420-intern: frost_str_intern() gives one shared str per text.
 *
 * The same text gives the same pointer, in one sandbox and across two
 * sandboxes in two threads that intern the same 1000 strings at the same
 * time (every pair of results identical, every text its own str). Different
 * text, including text that differs only after an embedded NUL, gives
 * different strs. The result is shared, holds the exact bytes, and is
 * frost_equal() to a private str of the same text with the same
 * frost_hash(). Invalid UTF-8 fails with EILSEQ, bad arguments with EINVAL.
 * The reclaimer's weak-entry hook removes exactly the unmarked entries.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <frost/frost.h>
#include "ns/ns.h"
#include "rcu/rcu.h"
#include "tap.h"
#include "frost-test.h"

static const struct frost_heap_config manual_cfg = { .flags = FROST_HEAP_MANUAL };

FROST_TEST_HEAP_FIXTURE(manual_heap, &manual_cfg)

static struct frost_object *intern(struct frost_sandbox *sb, const char *s)
{
	return frost_str_intern(sb, s, strlen(s));
}

TEST_F(manual_heap, same_text_same_object)
{
	struct frost_object *a, *b, *c;
	const char *d;
	size_t len;

	a = intern(self->sb, "hello");
	b = intern(self->sb, "hello");
	c = intern(self->sb, "world");
	assert_true(a && b && c);
	expect_ptr(a, ==, b);
	expect_ptr(a, !=, c);
	expect_true(frost_is_shared(a));
	expect_str(frost_type_name(a), "str");
	d = frost_str_data(a, &len);
	expect_uint(len, ==, 5);
	expect_str(d, "hello");
	expect_int(frost_str_length(a), ==, 5);
	/* Not NUL-terminated input: only @len bytes count. */
	expect_ptr(frost_str_intern(self->sb, "hello, world", 5), ==, a);
	/* Multibyte text. */
	a = intern(self->sb, "gr\xc3\xbc\xc3\x9f dich \xf0\x9f\x98\x80");
	expect_ptr(intern(self->sb, "gr\xc3\xbc\xc3\x9f dich \xf0\x9f\x98\x80"), ==, a);
	expect_int(frost_str_length(a), ==, 11);
	/* The empty string, with and without a pointer. */
	a = frost_str_intern(self->sb, NULL, 0);
	assert_true(a != NULL);
	expect_ptr(frost_str_intern(self->sb, "", 0), ==, a);
	expect_int(frost_str_length(a), ==, 0);
}

TEST_F(manual_heap, embedded_nul)
{
	struct frost_object *a, *b, *c, *d;
	const char *p;
	size_t len;

	a = frost_str_intern(self->sb, "a\0b", 3);
	b = frost_str_intern(self->sb, "a\0c", 3);
	c = frost_str_intern(self->sb, "a", 1);
	d = frost_str_intern(self->sb, "a\0b", 3);
	assert_true(a && b && c && d);
	expect_ptr(a, ==, d);
	expect_ptr(a, !=, b);
	expect_ptr(a, !=, c);
	expect_ptr(b, !=, c);
	p = frost_str_data(a, &len);
	expect_uint(len, ==, 3);
	expect_mem(p, "a\0b", 4);	/* and NUL-terminated */
	expect_int(frost_str_length(a), ==, 3);
}

TEST_F(manual_heap, errors)
{
	static const char *const bad[] = {
		"\xff", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ok\xe2\x82",
	};
	size_t i;
	struct frost_sandbox *gone;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_null_errno(frost_str_intern(self->sb, bad[i], strlen(bad[i])), EILSEQ);
	expect_null_errno(frost_str_intern(NULL, "x", 1), EINVAL);
	expect_null_errno(frost_str_intern(self->sb, NULL, 1), EINVAL);
	frost_sandbox_offline(self->sb);
	expect_null_errno(frost_str_intern(self->sb, "x", 1), EINVAL);
	frost_sandbox_online(self->sb);
	expect_true(intern(self->sb, "x") != NULL);
	/* A detached sandbox (its memory lives as long as the heap). */
	gone = self->sb;
	self->sb = NULL;	/* so that the teardown does not detach it */
	assert_int(frost_sandbox_detach(gone), ==, 0);
	expect_null_errno(frost_str_intern(gone, "x", 1), EINVAL);
	expect_int(frost_heap_destroy(self->heap), ==, 0);
	self->heap = NULL;
}

TEST_F(manual_heap, equal_to_private_str)
{
	static const char *const texts[] = { "", "k", "some longer text to hash", "\xe2\x82\xac" };
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t len = strlen(texts[i]);
		struct frost_object *s = frost_str_intern(self->sb, texts[i], len);
		struct frost_object *p = frost_str_new(self->sb, texts[i], len);
		struct frost_object *f;

		assert_true(s && p);
		expect_true(frost_is_shared(s));
		/* "" is the one static empty str, whichever way it is made. */
		expect_true(len ? !frost_is_shared(p) : p == s);
		expect_true(frost_equal(s, p));
		expect_true(frost_equal(p, s));
		expect_uint(frost_hash(s), ==, frost_hash(p));
		expect_int(frost_str_length(s), ==, frost_str_length(p));
		/* Usable as a map key interchangeably with the private str. */
		f = frost_map_new(self->sb, 1, &p, &s);
		assert_true(f != NULL);
		expect_ptr(frost_map_get(f, s), ==, s);
		frost_decref(f);
		frost_decref(p);
	}
}

/* ---- two sandboxes intern the same 1000 texts at once ---- */

#define NTEXTS 1000
#define ROUNDS 5

static pthread_barrier_t start;

struct race_arg {
	struct frost_object *got[ROUNDS][NTEXTS];
	struct frost_heap *heap;
	int errors;
	int reverse;
};

static void text_of(char *buf, size_t size, int round, int i)
{
	snprintf(buf, size, "round %d text %d \xc2\xb5", round, i);
}

static void *race_thread(void *p)
{
	struct race_arg *a = p;
	struct frost_sandbox *s = frost_sandbox_attach(a->heap);
	char buf[64];
	int r, k;

	for (r = 0; r < ROUNDS; r++) {
		pthread_barrier_wait(&start);
		if (!s) {
			a->errors++;
			continue;
		}
		for (k = 0; k < NTEXTS; k++) {
			/* Round 0..: same order in both; odd rounds opposite. */
			int i = (a->reverse && (r & 1)) ? NTEXTS - 1 - k : k;

			text_of(buf, sizeof(buf), r, i);
			a->got[r][i] = frost_str_intern(s, buf, strlen(buf));
			if (!a->got[r][i])
				a->errors++;
		}
		frost_quiescent(s);
	}
	if (s)
		frost_sandbox_detach(s);
	return NULL;
}

static int cmp_ptr(const void *x, const void *y)
{
	uintptr_t a = (uintptr_t)*(struct frost_object *const *)x;
	uintptr_t b = (uintptr_t)*(struct frost_object *const *)y;

	return (a > b) - (a < b);
}

TEST_F_TIMEOUT(manual_heap, race_two_sandboxes, 300)
{
	static struct race_arg args[2];
	static struct frost_object *all[ROUNDS * NTEXTS];
	char buf[64];
	pthread_t th[2];
	int i, r;

	/* The main sandbox goes offline: it must not delay grace periods. */
	frost_sandbox_offline(self->sb);
	pthread_barrier_init(&start, NULL, 2);
	memset(args, 0, sizeof(args));
	args[0].heap = args[1].heap = self->heap;
	args[1].reverse = 1;
	for (i = 0; i < 2; i++)
		assert_int(pthread_create(&th[i], NULL, race_thread, &args[i]), ==, 0);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	frost_sandbox_online(self->sb);

	expect_int(args[0].errors, ==, 0);
	expect_int(args[1].errors, ==, 0);
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < NTEXTS; i++) {
			const char *d;

			if (!expect_ptr(args[0].got[r][i], ==, args[1].got[r][i]))
				return;
			/* And this sandbox gets the same one afterwards. */
			text_of(buf, sizeof(buf), r, i);
			if (!expect_ptr(frost_str_intern(self->sb, buf, strlen(buf)), ==, args[0].got[r][i]))
				return;
			d = frost_str_data(args[0].got[r][i], NULL);
			if (!expect_str(d, buf))
				return;
			all[r * NTEXTS + i] = args[0].got[r][i];
		}
	}
	/* Different texts, different strs. */
	qsort(all, ROUNDS * NTEXTS, sizeof(*all), cmp_ptr);
	for (i = 1; i < ROUNDS * NTEXTS; i++)
		if (!expect_ptr(all[i], !=, all[i - 1]))
			break;
}

/* ---- the reclaimer's weak-entry hook ---- */

TEST_F(manual_heap, unreachable_interned_strings_are_reclaimed)
{
	struct frost_object *x, *y;
	struct frost_heap_stats st;
	long freed;

	x = intern(self->sb, "kept");
	y = intern(self->sb, "dropped");
	assert_int(frost_pin(self->sb, x), ==, 0);
	/* The interned strs are weak: the pinned one stays interned, the
	 * other is reclaimed and its text gets a new str. */
	freed = frost_reclaim(self->heap);
	expect_int(freed, >=, 1);
	expect_ptr(intern(self->sb, "kept"), ==, x);
	expect_str(frost_str_data(x, NULL), "kept");
	(void)y;	/* freed: never dereferenced again */
	expect_ptr(intern(self->sb, "dropped"), ==, intern(self->sb, "dropped"));
	frost_heap_stats(self->heap, &st);
	expect_uint(st.cycles, ==, 1);
	expect_int(frost_unpin(self->sb, x), ==, 0);
	frost_quiescent(self->sb);
}

TAP_MAIN()
