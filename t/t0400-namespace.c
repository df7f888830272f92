// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0400-namespace: names bound to shared objects.
 *
 * Single-sandbox semantics first: publish binds or rebinds, lookup finds
 * the binding, unpublish removes it, publish_replace is a compare-and-swap
 * (NULL expected: create only) that changes nothing when it fails, and
 * every argument error gives the errno the header promises. Then the
 * concurrent guarantees a user relies on: two sandboxes in two threads
 * CAS-increment one counter and the final count equals the number of
 * successful CASes, each value written exactly once (no success is lost,
 * every loser is told EAGAIN); and a publish/unpublish/replace/lookup churn
 * on a few names in which a lookup only ever sees an object that was
 * published under the name it asked for. Heaps are destroyed with bindings
 * left in them (ASan builds check that nothing leaks), from a thread that
 * was never attached as well.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <frost/frost.h>
#include "tap.h"
#include "frost-test.h"

#include "core/tsan.h"
#ifdef FROST_TSAN
#define CAS_ROUNDS	2000
#define CHURN_OPS	20000
#else
#define CAS_ROUNDS	20000
#define CHURN_OPS	200000
#endif

TEST_F(heap, publish_lookup_unpublish)
{
	struct frost_object *one, *two, *big;

	one = frost_int_new(self->sb, 1);
	two = frost_int_new(self->sb, 2);
	expect_null_errno(frost_lookup(self->sb, "a"), ENOENT);
	expect_int(frost_publish(self->sb, "a", one), ==, 0);
	expect_ptr(frost_lookup(self->sb, "a"), ==, one);
	/* Rebinding replaces. */
	expect_int(frost_publish(self->sb, "a", two), ==, 0);
	expect_ptr(frost_lookup(self->sb, "a"), ==, two);
	/* Names are distinct keys: a prefix is another name. */
	expect_null_errno(frost_lookup(self->sb, "ab"), ENOENT);
	expect_int(frost_publish(self->sb, "ab", one), ==, 0);
	expect_ptr(frost_lookup(self->sb, "ab"), ==, one);
	expect_ptr(frost_lookup(self->sb, "a"), ==, two);
	/* A frozen (heap-allocated) object. */
	big = frost_test_frozen_int(self->sb, 1 << 20);
	expect_int(frost_publish(self->sb, "big", big), ==, 0);
	expect_ptr(frost_lookup(self->sb, "big"), ==, big);
	expect_int(frost_test_int_of(frost_lookup(self->sb, "big")), ==, 1 << 20);

	expect_int(frost_unpublish(self->sb, "a"), ==, 0);
	expect_null_errno(frost_lookup(self->sb, "a"), ENOENT);
	expect_neg_errno(frost_unpublish(self->sb, "a"), ENOENT);
	expect_ptr(frost_lookup(self->sb, "ab"), ==, one);
	/* Bind again after an unbind. */
	expect_int(frost_publish(self->sb, "a", big), ==, 0);
	expect_ptr(frost_lookup(self->sb, "a"), ==, big);
	expect_neg_errno(frost_unpublish(self->sb, "never"), ENOENT);
}

TEST_F(heap, argument_errors)
{
	static char name[FROST_NAME_MAX + 2];
	struct frost_sandbox *sb = self->sb;	/* still used once detached */
	struct frost_object *one, *priv, *pstr;

	one = frost_int_new(sb, 1);
	priv = frost_int_new(sb, 1 << 20);
	pstr = frost_str_new(sb, "x", 1);
	assert_true(priv && pstr);

	expect_neg_errno(frost_publish(NULL, "a", one), EINVAL);
	expect_neg_errno(frost_publish(sb, NULL, one), EINVAL);
	expect_neg_errno(frost_publish(sb, "a", NULL), EINVAL);
	expect_neg_errno(frost_publish(sb, "", one), EINVAL);
	expect_neg_errno(frost_publish_replace(NULL, "a", NULL, one), EINVAL);
	expect_neg_errno(frost_publish_replace(sb, NULL, NULL, one), EINVAL);
	expect_neg_errno(frost_publish_replace(sb, "a", NULL, NULL), EINVAL);
	expect_neg_errno(frost_publish_replace(sb, "", NULL, one), EINVAL);
	expect_null_errno(frost_lookup(NULL, "a"), EINVAL);
	expect_null_errno(frost_lookup(sb, NULL), EINVAL);
	expect_null_errno(frost_lookup(sb, ""), EINVAL);
	expect_neg_errno(frost_unpublish(NULL, "a"), EINVAL);
	expect_neg_errno(frost_unpublish(sb, NULL), EINVAL);
	expect_neg_errno(frost_unpublish(sb, ""), EINVAL);

	/* Private objects are refused, and nothing is bound. */
	expect_neg_errno(frost_publish(sb, "p", priv), EPERM);
	expect_neg_errno(frost_publish(sb, "p", pstr), EPERM);
	expect_neg_errno(frost_publish_replace(sb, "p", NULL, priv), EPERM);
	expect_null_errno(frost_lookup(sb, "p"), ENOENT);

	/* FROST_NAME_MAX bytes is fine, one more is not. */
	memset(name, 'n', FROST_NAME_MAX);
	name[FROST_NAME_MAX] = '\0';
	expect_int(frost_publish(sb, name, one), ==, 0);
	expect_ptr(frost_lookup(sb, name), ==, one);
	expect_int(frost_unpublish(sb, name), ==, 0);
	name[FROST_NAME_MAX] = 'n';
	name[FROST_NAME_MAX + 1] = '\0';
	expect_neg_errno(frost_publish(sb, name, one), EINVAL);
	expect_neg_errno(frost_publish_replace(sb, name, NULL, one), EINVAL);
	expect_null_errno(frost_lookup(sb, name), EINVAL);
	expect_neg_errno(frost_unpublish(sb, name), EINVAL);
	/* Any byte but NUL may be in a name. */
	expect_int(frost_publish(sb, "\xff\x01 \t\n", one), ==, 0);
	expect_ptr(frost_lookup(sb, "\xff\x01 \t\n"), ==, one);

	/* An offline sandbox may not touch the table. */
	frost_sandbox_offline(sb);
	expect_neg_errno(frost_publish(sb, "a", one), EINVAL);
	expect_null_errno(frost_lookup(sb, "a"), EINVAL);
	expect_neg_errno(frost_unpublish(sb, "a"), EINVAL);
	frost_sandbox_online(sb);

	frost_decref(priv);
	frost_decref(pstr);
	/* A detached sandbox neither (its memory lives as long as the heap). */
	assert_int(frost_sandbox_detach(sb), ==, 0);
	self->sb = NULL;
	expect_neg_errno(frost_publish(sb, "a", one), EINVAL);
	expect_null_errno(frost_lookup(sb, "a"), EINVAL);
}

TEST_F(heap, replace_is_compare_and_swap)
{
	struct frost_object *a, *b, *c;

	a = frost_test_frozen_int(self->sb, 100001);
	b = frost_test_frozen_int(self->sb, 100002);
	c = frost_test_frozen_int(self->sb, 100003);

	/* Expected non-NULL on an unbound name: EAGAIN, still unbound. */
	expect_neg_errno(frost_publish_replace(self->sb, "k", a, b), EAGAIN);
	expect_null_errno(frost_lookup(self->sb, "k"), ENOENT);
	/* Create only. */
	expect_int(frost_publish_replace(self->sb, "k", NULL, a), ==, 0);
	expect_ptr(frost_lookup(self->sb, "k"), ==, a);
	expect_neg_errno(frost_publish_replace(self->sb, "k", NULL, b), EAGAIN);
	expect_ptr(frost_lookup(self->sb, "k"), ==, a);
	/* Mismatch: nothing changes. */
	expect_neg_errno(frost_publish_replace(self->sb, "k", b, c), EAGAIN);
	expect_ptr(frost_lookup(self->sb, "k"), ==, a);
	/* An equal but different object is not the expected one. */
	expect_neg_errno(frost_publish_replace(self->sb, "k",
					       frost_test_frozen_int(self->sb, 100001), c),
			 EAGAIN);
	expect_ptr(frost_lookup(self->sb, "k"), ==, a);
	/* Match. */
	expect_int(frost_publish_replace(self->sb, "k", a, b), ==, 0);
	expect_ptr(frost_lookup(self->sb, "k"), ==, b);
	expect_neg_errno(frost_publish_replace(self->sb, "k", a, c), EAGAIN);
	expect_ptr(frost_lookup(self->sb, "k"), ==, b);
	/* Same object as expected and new: a successful no-op. */
	expect_int(frost_publish_replace(self->sb, "k", b, b), ==, 0);
	expect_ptr(frost_lookup(self->sb, "k"), ==, b);
	/* After unpublish, create-only works again. */
	expect_int(frost_unpublish(self->sb, "k"), ==, 0);
	expect_neg_errno(frost_publish_replace(self->sb, "k", b, c), EAGAIN);
	expect_int(frost_publish_replace(self->sb, "k", NULL, c), ==, 0);
	expect_ptr(frost_lookup(self->sb, "k"), ==, c);
}

/* A shared object of another heap: made by a thread attached to it. */
static void *other_heap_thread(void *arg)
{
	struct frost_heap *h = arg;
	struct frost_sandbox *s = frost_sandbox_attach(h);
	struct frost_object *o;

	if (!s)
		return NULL;
	o = frost_str_intern(s, "elsewhere", 9);
	frost_sandbox_detach(s);
	return o;
}

TEST_F(heap, other_heap_refused)
{
	struct frost_heap_config cfg = { .flags = FROST_HEAP_MANUAL };
	struct frost_heap *h2 = frost_heap_create(&cfg);
	struct frost_object *foreign = NULL;
	pthread_t th;

	assert_true(h2 != NULL);
	/* Grace periods are process-wide: don't hold up the other's detach. */
	frost_sandbox_offline(self->sb);
	assert_int(pthread_create(&th, NULL, other_heap_thread, h2), ==, 0);
	pthread_join(th, (void **)&foreign);
	frost_sandbox_online(self->sb);
	assert_true(foreign != NULL);
	expect_neg_errno(frost_publish(self->sb, "f", foreign), EPERM);
	expect_neg_errno(frost_publish_replace(self->sb, "f", NULL, foreign), EPERM);
	expect_null_errno(frost_lookup(self->sb, "f"), ENOENT);
	expect_int(frost_heap_destroy(h2), ==, 0);
}

struct reader_arg {
	struct frost_heap *heap;
	struct frost_object *seen;
	char text[32];
	int err;
};

/* Another sandbox of the same heap looks the name up and reads the str. */
static void *reader_thread(void *p)
{
	struct reader_arg *a = p;
	struct frost_sandbox *s = frost_sandbox_attach(a->heap);
	const char *d;
	size_t len;

	if (!s) {
		a->err = errno;
		return NULL;
	}
	a->seen = frost_lookup(s, "greeting");
	if (!a->seen)
		a->err = errno;
	d = a->seen ? frost_str_data(a->seen, &len) : NULL;
	if (d && len < sizeof(a->text))
		memcpy(a->text, d, len + 1);
	if (frost_unpublish(s, "greeting"))
		a->err = -1;
	frost_sandbox_detach(s);
	return NULL;
}

TEST_F(heap, visible_to_other_sandboxes)
{
	struct reader_arg a = { .heap = self->heap };
	struct frost_object *s, *p;
	pthread_t th;

	p = frost_str_new(self->sb, "shared text", 11);
	s = p ? frost_freeze(self->sb, p) : NULL;
	assert_true(s != NULL);
	frost_decref(p);
	assert_int(frost_publish(self->sb, "greeting", s), ==, 0);
	frost_sandbox_offline(self->sb);
	assert_int(pthread_create(&th, NULL, reader_thread, &a), ==, 0);
	pthread_join(th, NULL);
	frost_sandbox_online(self->sb);
	expect_int(a.err, ==, 0);
	expect_ptr(a.seen, ==, s);
	expect_str(a.text, "shared text");
	/* Its unpublish is seen here. */
	expect_null_errno(frost_lookup(self->sb, "greeting"), ENOENT);
}

/* ---- two sandboxes CAS-increment one counter ---- */

static pthread_barrier_t start;

struct cas_arg {
	struct frost_heap *heap;
	int id;
	long successes;
	long eagain;
	long other_errors;
	long bad_reads;
	int64_t *written;	/* values this thread wrote, in order */
};

static void *cas_thread(void *p)
{
	struct cas_arg *a = p;
	struct frost_sandbox *s = frost_sandbox_attach(a->heap);

	if (!s) {
		a->other_errors++;
		pthread_barrier_wait(&start);
		return NULL;
	}
	pthread_barrier_wait(&start);
	while (a->successes < CAS_ROUNDS) {
		struct frost_object *cur = frost_lookup(s, "counter"), *next;
		int64_t n = frost_test_int_of(cur);
		int ret;

		if (!cur || n < 0) {
			a->bad_reads++;
			break;
		}
		next = frost_test_frozen_int(s, n + 1);
		ret = frost_publish_replace(s, "counter", cur, next);
		if (ret == 0)
			a->written[a->successes++] = n + 1;
		else if (ret == -EAGAIN)
			a->eagain++;
		else
			a->other_errors++;
		/* Nothing is held across this point but the names. */
		frost_quiescent(s);
		if (a->other_errors)
			break;
	}
	frost_sandbox_detach(s);
	return NULL;
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a > b) - (a < b);
}

TEST_F_TIMEOUT(heap, cas_counter_race, 600)
{
	struct cas_arg args[2];
	pthread_t th[2];
	int64_t *all;
	long total = 0, i;
	int64_t final;

	assert_int(frost_publish(self->sb, "counter", frost_int_new(self->sb, 0)), ==, 0);
	/* The main sandbox goes offline: it must not delay grace periods. */
	frost_sandbox_offline(self->sb);
	pthread_barrier_init(&start, NULL, 2);
	for (i = 0; i < 2; i++) {
		memset(&args[i], 0, sizeof(args[i]));
		args[i].heap = self->heap;
		args[i].id = (int)i;
		args[i].written = calloc(CAS_ROUNDS, sizeof(int64_t));
		assert_true(args[i].written != NULL);
		assert_int(pthread_create(&th[i], NULL, cas_thread, &args[i]), ==, 0);
	}
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	frost_sandbox_online(self->sb);

	for (i = 0; i < 2; i++) {
		expect_int(args[i].other_errors, ==, 0);
		expect_int(args[i].bad_reads, ==, 0);
		expect_int(args[i].successes, ==, CAS_ROUNDS);
		total += args[i].successes;
		/* Each thread's own writes increase. */
		for (long j = 1; j < args[i].successes; j++)
			if (!expect_int(args[i].written[j], >, args[i].written[j - 1]))
				break;
	}
	final = frost_test_int_of(frost_lookup(self->sb, "counter"));
	expect_int(final, ==, total);
	/* Every value 1..total was written exactly once: no success lost. */
	all = malloc(sizeof(*all) * (size_t)(total ? total : 1));
	assert_true(all != NULL);
	memcpy(all, args[0].written, sizeof(*all) * (size_t)args[0].successes);
	memcpy(all + args[0].successes, args[1].written, sizeof(*all) * (size_t)args[1].successes);
	qsort(all, (size_t)total, sizeof(*all), cmp_i64);
	for (i = 0; i < total; i++)
		if (!expect_int(all[i], ==, i + 1))
			break;
	tap_diag("successful CASes %ld, EAGAIN %ld + %ld", total, args[0].eagain, args[1].eagain);
	free(all);
	free(args[0].written);
	free(args[1].written);
}

/* ---- churn: publish/unpublish/replace/lookup on a few names ---- */

#define CHURN_NAMES 8

struct churn_arg {
	struct frost_heap *heap;
	unsigned int seed;
	long lookups_seen;
	long wrong;		/* a lookup saw another name's object */
	long errors;		/* an errno the contract does not allow */
	long ops[4];
};

static const char *churn_name(unsigned int i)
{
	static const char *const names[CHURN_NAMES] = {
		"n0", "n1", "n2", "n3", "name-four", "name-five", "n6", "a-longer-name-seven",
	};

	return names[i];
}

/*
 * What a thread binds under name @i: a small int i * 100 + j (static), or a
 * frozen str "<name>:j" (heap-allocated, so contents must be visible).
 */
static struct frost_object *churn_value(struct frost_sandbox *s, unsigned int i, unsigned int j)
{
	char buf[64];
	struct frost_object *p, *f;
	int n;

	if (j & 1)
		return frost_int_new(s, (int64_t)i * 100 + j % 100);
	n = snprintf(buf, sizeof(buf), "%s:%u", churn_name(i), j);
	p = frost_str_new(s, buf, (size_t)n);
	if (!p)
		return NULL;
	f = frost_freeze(s, p);
	frost_decref(p);
	return f;
}

/* Was @o published under name @i? */
static bool churn_belongs(const struct frost_object *o, unsigned int i)
{
	const char *d, *name = churn_name(i);
	int64_t v;
	size_t len;

	if (frost_int_get(o, &v) == 0)
		return v >= (int64_t)i * 100 && v < (int64_t)i * 100 + 100;
	d = frost_str_data(o, &len);
	return d && len > strlen(name) && memcmp(d, name, strlen(name)) == 0 &&
	       d[strlen(name)] == ':';
}

static void *churn_thread(void *p)
{
	struct churn_arg *a = p;
	struct frost_sandbox *s = frost_sandbox_attach(a->heap);
	long k;

	pthread_barrier_wait(&start);
	if (!s) {
		a->errors++;
		return NULL;
	}
	for (k = 0; k < CHURN_OPS; k++) {
		unsigned int r = (unsigned int)rand_r(&a->seed);
		unsigned int i = r % CHURN_NAMES, op = (r >> 8) % 4, j = (r >> 12) % 1000;
		struct frost_object *o, *v;
		int ret;

		a->ops[op]++;
		switch (op) {
		case 0:
			v = churn_value(s, i, j);
			if (!v || frost_publish(s, churn_name(i), v))
				a->errors++;
			break;
		case 1:
			ret = frost_unpublish(s, churn_name(i));
			if (ret && ret != -ENOENT)
				a->errors++;
			break;
		case 2:
			o = frost_lookup(s, churn_name(i));
			if (!o && errno != ENOENT)
				a->errors++;
			v = churn_value(s, i, j);
			ret = v ? frost_publish_replace(s, churn_name(i), o, v) : -ENOMEM;
			if (ret && ret != -EAGAIN)
				a->errors++;
			break;
		default:
			o = frost_lookup(s, churn_name(i));
			if (o) {
				a->lookups_seen++;
				if (!churn_belongs(o, i))
					a->wrong++;
			} else if (errno != ENOENT) {
				a->errors++;
			}
			break;
		}
		if ((k & 15) == 0)
			frost_quiescent(s);
	}
	frost_sandbox_detach(s);
	return NULL;
}

TEST_F_TIMEOUT(heap, churn_lookups_see_only_their_names, 600)
{
	struct churn_arg args[2];
	pthread_t th[2];
	unsigned int i;

	frost_sandbox_offline(self->sb);
	pthread_barrier_init(&start, NULL, 2);
	for (i = 0; i < 2; i++) {
		memset(&args[i], 0, sizeof(args[i]));
		args[i].heap = self->heap;
		args[i].seed = 12345u + i * 777u;
		assert_int(pthread_create(&th[i], NULL, churn_thread, &args[i]), ==, 0);
	}
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	frost_sandbox_online(self->sb);
	for (i = 0; i < 2; i++) {
		expect_int(args[i].errors, ==, 0);
		expect_int(args[i].wrong, ==, 0);
		expect_int(args[i].lookups_seen, >, 0);
	}
	/* Afterwards every name is either unbound or holds one of its values. */
	for (i = 0; i < CHURN_NAMES; i++) {
		struct frost_object *o = frost_lookup(self->sb, churn_name(i));

		if (o)
			expect_true(churn_belongs(o, i));
		else
			expect_int(errno, ==, ENOENT);
	}
}

/* ---- teardown with bindings left, from a thread that never attached ---- */

static void *destroy_thread(void *arg)
{
	return (void *)(intptr_t)frost_heap_destroy(arg);
}

TEST_F(heap, destroy_with_bindings)
{
	char name[32];
	void *ret = (void *)1;
	pthread_t th;
	int i;

	/* Enough names to make the table resize (more than its 64 buckets). */
	for (i = 0; i < 5000; i++) {
		struct frost_object *v = frost_test_frozen_int(self->sb, 100000 + i);

		snprintf(name, sizeof(name), "name-%d", i);
		if (!expect_int(frost_publish(self->sb, name, v), ==, 0))
			break;
		if (i % 3 == 0)
			expect_int(frost_unpublish(self->sb, name), ==, 0);
		frost_quiescent(self->sb);
	}
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "name-%d", i);
		if (i % 3 == 0)
			expect_null_errno(frost_lookup(self->sb, name), ENOENT);
		else
			expect_int(frost_test_int_of(frost_lookup(self->sb, name)), ==, 100000 + i);
	}
	expect_int(frost_sandbox_detach(self->sb), ==, 0);
	self->sb = NULL;
	assert_int(pthread_create(&th, NULL, destroy_thread, self->heap), ==, 0);
	pthread_join(th, &ret);
	expect_int((intptr_t)ret, ==, 0);
	self->heap = NULL;

	/* And from this thread, which is no longer attached. */
	frost_test_heap_setup(NULL, &self->heap, &self->sb);
	expect_int(frost_publish(self->sb, "left", frost_int_new(self->sb, 7)), ==, 0);
	expect_int(frost_sandbox_detach(self->sb), ==, 0);
	self->sb = NULL;
	expect_int(frost_heap_destroy(self->heap), ==, 0);
	self->heap = NULL;
}

TAP_MAIN()
