// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Tests for the calls real data needs (issue 15): lookups without a key
 * object (frost_map_get_str/_bytes/_int, frost_str_hash and the hashed
 * variant), frost_kind(), the static empty str, bytes, tuple and map, and
 * the private mutable dict.
 *
 * Theory of operation: every test runs in its own forked child on a fresh
 * heap. The raw lookups are checked against frost_map_get() with the
 * equivalent key object, for many keys (so that index slots collide and
 * probes run long), for keys of the other types that must never match
 * (bytes for str, float and bool for int), and for keys of a user type
 * whose hash is made equal to a str's or an int's hash (a full 64-bit
 * collision: only the type and contents check can tell them apart).
 * The dict is checked against a simple model (an array of pairs): every
 * call, every documented error, growth, deletion, insertion order, and
 * release through the sandbox's live-object count.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <frost/frost.h>
#include "tap.h"
#include "frost-test.h"

#define BIG 1000000		/* outside the small-int cache: private ints */

/*
 * A user key type whose hash is whatever the object holds: it can collide
 * exactly with any str's or int's hash. Equal only to itself.
 */
struct clash {
	struct frost_object ob;
	uint64_t hash;
};

static uint64_t clash_hash(const struct frost_object *o)
{
	return ((const struct clash *)o)->hash;
}

static const struct frost_type clash_type = {
	.name = "clash",
	.basic_size = sizeof(struct clash),
	.flags = FROST_TYPE_IMMUTABLE,
	.hash = clash_hash,
};

static struct frost_object *mkclash(struct frost_sandbox *sb, uint64_t hash)
{
	struct frost_object *o = frost_object_new(sb, &clash_type, 0);

	assert_ptr(o, !=, NULL);
	((struct clash *)o)->hash = hash;
	return o;
}

#define NKEYS 600

/*
 * A map of NKEYS str keys "k0".."k599" (values: ints i), NKEYS int keys
 * (values: -i), a bytes key "k1" (must not answer a str lookup), a float
 * 7.0 and True (must not answer int lookups), and clash keys with the
 * hashes of str "clash" and int 123456789 (neither of which is a key).
 */
static struct frost_object *big_map(struct frost_sandbox *sb)
{
	static struct frost_object *keys[2 * NKEYS + 5], *vals[2 * NKEYS + 5];
	struct frost_object *m;
	size_t n = 0;
	char buf[32];

	for (int i = 0; i < NKEYS; i++) {
		snprintf(buf, sizeof(buf), "k%d", i);
		keys[n] = frost_test_str(sb, buf);
		vals[n++] = frost_test_int(sb, i);
	}
	for (int i = 0; i < NKEYS; i++) {
		keys[n] = frost_test_int(sb, (int64_t)i * 1000003 - 300);
		vals[n++] = frost_test_int(sb, -i);
	}
	keys[n] = frost_bytes_new(sb, "k1", 2);
	vals[n++] = frost_test_str(sb, "bytes");
	keys[n] = frost_float_new(sb, 7.0);
	vals[n++] = frost_test_str(sb, "float");
	keys[n] = frost_bool(true);
	vals[n++] = frost_test_str(sb, "true");
	keys[n] = mkclash(sb, frost_str_hash("clash", 5));
	vals[n++] = frost_test_str(sb, "clash-str");
	{
		struct frost_object *i = frost_test_int(sb, 123456789);

		keys[n] = mkclash(sb, frost_hash(i));
		vals[n++] = frost_test_str(sb, "clash-int");
		frost_decref(i);
	}
	m = frost_map_new(sb, n, keys, vals);
	assert_ptr(m, !=, NULL);
	for (size_t i = 0; i < n; i++) {
		frost_decref(keys[i]);
		frost_decref(vals[i]);
	}
	return m;
}

/* Raw lookups agree with frost_map_get() on a private and a frozen map. */
TEST_F(heap, map_get_raw_matches_map_get)
{
	struct frost_object *priv = big_map(self->sb), *maps[2];
	char buf[32];

	maps[0] = priv;
	maps[1] = frost_freeze(self->sb, priv);
	assert_ptr(maps[1], !=, NULL);
	for (int w = 0; w < 2; w++) {
		struct frost_object *m = maps[w];

		/* Present and absent str keys, both ways. */
		for (int i = 0; i < NKEYS + 50; i++) {
			int len = snprintf(buf, sizeof(buf), "k%d", i);
			struct frost_object *key = frost_test_str(self->sb, buf);
			struct frost_object *a, *b, *c;

			errno = 0;
			a = frost_map_get(m, key);
			b = frost_map_get_str(m, buf, (size_t)len);
			c = frost_map_get_str_hashed(m, buf, (size_t)len,
						     frost_str_hash(buf, (size_t)len));
			expect_uint(frost_str_hash(buf, (size_t)len), ==, frost_hash(key));
			expect_ptr(b, ==, a);
			expect_ptr(c, ==, a);
			if (i < NKEYS)
				expect_int(frost_test_intval(b), ==, i);
			else
				expect_null_errno(frost_map_get_str(m, buf, (size_t)len), ENOENT);
			frost_decref(key);
		}
		/* Present and absent int keys. */
		for (int i = 0; i < NKEYS + 50; i++) {
			int64_t v = (int64_t)i * 1000003 - 300;
			struct frost_object *key = frost_test_int(self->sb, v);

			expect_ptr(frost_map_get_int(m, v), ==, frost_map_get(m, key));
			if (i < NKEYS)
				expect_int(frost_test_intval(frost_map_get_int(m, v)), ==, -i);
			else
				expect_null_errno(frost_map_get_int(m, v), ENOENT);
			frost_decref(key);
		}
		/* Bytes: only the bytes key, never the str "k1". */
		expect_str(frost_str_data(frost_map_get_bytes(m, "k1", 2), NULL), "bytes");
		expect_int(frost_test_intval(frost_map_get_str(m, "k1", 2)), ==, 1);
		expect_null_errno(frost_map_get_bytes(m, "k2", 2), ENOENT);
		expect_null_errno(frost_map_get_bytes(m, NULL, 0), ENOENT);
		/* 7 is not 7.0, 1 is not True. */
		expect_null_errno(frost_map_get_int(m, 7), ENOENT);
		expect_null_errno(frost_map_get_int(m, 1), ENOENT);
		/* Full-hash collisions with a user key: not equal, not found. */
		expect_null_errno(frost_map_get_str(m, "clash", 5), ENOENT);
		expect_null_errno(frost_map_get_int(m, 123456789), ENOENT);
		/* The empty string: absent here. */
		expect_null_errno(frost_map_get_str(m, NULL, 0), ENOENT);
		expect_null_errno(frost_map_get_str(m, "", 0), ENOENT);
	}
	frost_decref(priv);
}

TEST_F(heap, map_get_raw_errors)
{
	struct frost_object *k = frost_test_str(self->sb, "\xc3\xa9t\xc3\xa9"), *v = frost_test_int(self->sb, 5);
	struct frost_object *m = frost_map_new(self->sb, 1, &k, &v);
	struct frost_object *t = frost_tuple_new(self->sb, 1, &k);

	assert_ptr(m, !=, NULL);
	uint64_t base;

	assert_ptr(t, !=, NULL);
	base = frost_test_live(self->sb);
	expect_ptr(frost_map_get_str(m, "\xc3\xa9t\xc3\xa9", 5), ==, v);
	expect_ptr(frost_map_get_int(m, 5), ==, NULL);	/* no alloc either way */
	expect_uint(frost_test_live(self->sb), ==, base);
	/* Not a map, or NULL. */
	expect_null_errno(frost_map_get_str(NULL, "a", 1), EINVAL);
	expect_null_errno(frost_map_get_str(t, "a", 1), EINVAL);
	expect_null_errno(frost_map_get_str(k, "a", 1), EINVAL);
	expect_null_errno(frost_map_get_str_hashed(t, "a", 1, 0), EINVAL);
	expect_null_errno(frost_map_get_bytes(NULL, "a", 1), EINVAL);
	expect_null_errno(frost_map_get_bytes(t, "a", 1), EINVAL);
	expect_null_errno(frost_map_get_int(NULL, 1), EINVAL);
	expect_null_errno(frost_map_get_int(v, 1), EINVAL);
	/* NULL text with a length. */
	expect_null_errno(frost_map_get_str(m, NULL, 1), EINVAL);
	expect_null_errno(frost_map_get_str_hashed(m, NULL, 1, 0), EINVAL);
	expect_null_errno(frost_map_get_bytes(m, NULL, 1), EINVAL);
	errno = 0;
	expect_uint(frost_str_hash(NULL, 3), ==, 0);
	expect_int(errno, ==, EINVAL);
	/* Invalid UTF-8 (a truncated é, an overlong '/'): not found. */
	expect_null_errno(frost_str_new(self->sb, "\xc3", 1), EILSEQ);
	expect_null_errno(frost_map_get_str(m, "\xc3", 1), ENOENT);
	expect_null_errno(frost_map_get_str(m, "\xc0\xaf", 2), ENOENT);
	/* A wrong cached hash: not found, never a wrong value. */
	expect_null_errno(frost_map_get_str_hashed(m, "\xc3\xa9t\xc3\xa9", 5,
						   frost_str_hash("x", 1)), ENOENT);
	frost_decref(t);
	frost_decref(m);
	frost_decref(k);
	frost_decref(v);
}

static const struct frost_type flagged_type = {
	.name = "flagged",
	.basic_size = sizeof(struct frost_object),
	/* Bits a user may set; they are not a kind without FROST_TYPE_BUILTIN. */
	.flags = FROST_TYPE_IMMUTABLE | (FROST_KIND_TUPLE << 24),
};

TEST_F(heap, kind_of_every_type)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_object *i = frost_test_int(sb, BIG), *s = frost_test_str(sb, "x");
	struct frost_object *b = frost_bytes_new(sb, "x", 1), *f = frost_float_new(sb, 1.5);
	struct frost_object *t = frost_tuple_new(sb, 1, &i), *m = frost_map_new(sb, 1, &s, &i);
	struct frost_object *l = frost_list_new(sb), *d = frost_dict_new(sb);
	struct frost_object *u = frost_object_new(sb, &flagged_type, 0);
	struct frost_object *c = mkclash(sb, 1), *ft;

	assert_ptr(b, !=, NULL);
	assert_ptr(f, !=, NULL);
	assert_ptr(t, !=, NULL);
	assert_ptr(m, !=, NULL);
	assert_ptr(l, !=, NULL);
	assert_ptr(d, !=, NULL);
	assert_ptr(u, !=, NULL);
	expect_int(frost_kind(NULL), ==, FROST_KIND_INVALID);
	expect_int(frost_kind(frost_none()), ==, FROST_KIND_NONE);
	expect_int(frost_kind(frost_bool(true)), ==, FROST_KIND_BOOL);
	expect_int(frost_kind(frost_bool(false)), ==, FROST_KIND_BOOL);
	expect_int(frost_kind(i), ==, FROST_KIND_INT);
	expect_int(frost_kind(frost_int_new(sb, 3)), ==, FROST_KIND_INT);	/* small */
	expect_int(frost_kind(f), ==, FROST_KIND_FLOAT);
	expect_int(frost_kind(s), ==, FROST_KIND_STR);
	expect_int(frost_kind(b), ==, FROST_KIND_BYTES);
	expect_int(frost_kind(t), ==, FROST_KIND_TUPLE);
	expect_int(frost_kind(m), ==, FROST_KIND_MAP);
	expect_int(frost_kind(l), ==, FROST_KIND_LIST);
	expect_int(frost_kind(d), ==, FROST_KIND_DICT);
	expect_int(frost_kind(c), ==, FROST_KIND_USER);
	expect_int(frost_kind(u), ==, FROST_KIND_USER);
	/* The tuple accessors agree: the flagged user object is no tuple. */
	expect_null_errno(frost_tuple_get(u, 0), EINVAL);
	/* Frozen copies keep their kind. */
	ft = frost_freeze(sb, t);
	assert_ptr(ft, !=, NULL);
	expect_int(frost_kind(ft), ==, FROST_KIND_TUPLE);
	expect_int(frost_kind(frost_tuple_get(ft, 0)), ==, FROST_KIND_INT);
	expect_int(frost_kind(frost_str_intern(sb, "y", 1)), ==, FROST_KIND_STR);
	frost_decref(u);
	frost_decref(c);
	frost_decref(d);
	frost_decref(l);
	frost_decref(m);
	frost_decref(t);
	frost_decref(f);
	frost_decref(b);
	frost_decref(s);
	frost_decref(i);
}

/* The four empties, as a sandbox makes them. */
static void make_empties(struct frost_sandbox *sb, struct frost_object *e[4])
{
	e[0] = frost_str_new(sb, NULL, 0);
	e[1] = frost_bytes_new(sb, NULL, 0);
	e[2] = frost_tuple_new(sb, 0, NULL);
	e[3] = frost_map_new(sb, 0, NULL, NULL);
	for (int i = 0; i < 4; i++)
		assert_ptr(e[i], !=, NULL);
}

static struct frost_object *spawned_empties[4];

static int spawned_make_empties(struct frost_sandbox *sb, void *arg)
{
	(void)arg;
	make_empties(sb, spawned_empties);
	return 0;
}

TEST_F(heap, empties_are_static_and_shared_everywhere)
{
	struct frost_object *e[4], *e2[4], *o[4];
	struct frost_heap *h2;
	struct frost_sandbox *sb2;
	uint64_t base = frost_test_live(self->sb);
	int ret = -1;

	make_empties(self->sb, e);
	expect_uint(frost_test_live(self->sb), ==, base);		/* nothing allocated */
	for (int i = 0; i < 4; i++) {
		expect_true(frost_is_shared(e[i]));
		expect_ptr(frost_freeze(self->sb, e[i]), ==, e[i]);
		frost_incref(e[i]);			/* no-ops */
		frost_decref(e[i]);
		frost_decref(e[i]);
	}
	/* Other spellings give the same objects. */
	o[0] = frost_str_new(self->sb, "x", 0);
	o[1] = frost_bytes_new(self->sb, "x", 0);
	expect_ptr(o[0], ==, e[0]);
	expect_ptr(o[1], ==, e[1]);
	expect_ptr(frost_str_intern(self->sb, "", 0), ==, e[0]);
	/* The same pointers in another sandbox of the heap... */
	{
		struct frost_sandbox *t = frost_sandbox_spawn(self->heap, spawned_make_empties, NULL);

		assert_ptr(t, !=, NULL);
		assert_int(frost_sandbox_join(t, &ret), ==, 0);
		expect_int(ret, ==, 0);
		for (int i = 0; i < 4; i++)
			expect_ptr(spawned_empties[i], ==, e[i]);
	}
	/* ... and of another heap (from its own thread: the same thread may
	 * attach to one heap at a time, so detach ours around it). */
	frost_test_close(self->heap, self->sb);
	self->heap = NULL;
	self->sb = NULL;
	frost_test_open(NULL, &h2, &sb2);
	make_empties(sb2, e2);
	for (int i = 0; i < 4; i++)
		expect_ptr(e2[i], ==, e[i]);
	/* Publishable and pinnable like any shared object of the heap. */
	expect_int(frost_publish(sb2, "empty-map", e2[3]), ==, 0);
	expect_ptr(frost_lookup(sb2, "empty-map"), ==, e[3]);
	expect_int(frost_pin(sb2, e2[0]), ==, 0);
	expect_true(frost_reclaim(h2) >= 0);
	expect_true(frost_reclaim(h2) >= 0);
	expect_ptr(frost_lookup(sb2, "empty-map"), ==, e[3]);
	expect_int(frost_unpin(sb2, e2[0]), ==, 0);
	expect_int(frost_unpublish(sb2, "empty-map"), ==, 0);
	frost_test_close(h2, sb2);
}

TEST_F(heap, empties_behave)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_object *e[4], *k, *v, *keys[4], *vals[4], *m, *fm, *t, *ft;
	size_t len = 99;

	make_empties(sb, e);
	/* Accessors. */
	expect_str(frost_str_data(e[0], &len), "");
	expect_uint(len, ==, 0);
	expect_int(frost_str_length(e[0]), ==, 0);
	len = 99;
	expect_ptr(frost_bytes_data(e[1], &len), !=, NULL);
	expect_uint(len, ==, 0);
	expect_uint(frost_tuple_len(e[2]), ==, 0);
	expect_null_errno(frost_tuple_get(e[2], 0), ERANGE);
	expect_uint(frost_map_len(e[3]), ==, 0);
	expect_null_errno(frost_map_get(e[3], e[0]), ENOENT);
	expect_null_errno(frost_map_get_str(e[3], "", 0), ENOENT);
	expect_null_errno(frost_map_get_int(e[3], 0), ENOENT);
	expect_neg_errno(frost_map_item(e[3], 0, NULL, NULL), ERANGE);
	expect_int(frost_kind(e[0]), ==, FROST_KIND_STR);
	expect_int(frost_kind(e[1]), ==, FROST_KIND_BYTES);
	expect_int(frost_kind(e[2]), ==, FROST_KIND_TUPLE);
	expect_int(frost_kind(e[3]), ==, FROST_KIND_MAP);
	/* Equality and hash: distinct from each other and from non-empties. */
	expect_uint(frost_hash(e[0]), ==, frost_str_hash("", 0));
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			expect_int(frost_equal(e[i], e[j]), ==, i == j);
	k = frost_test_str(sb, "a");
	expect_true(!frost_equal(e[0], k));
	t = frost_tuple_new(sb, 1, &e[2]);		/* ((),) */
	assert_ptr(t, !=, NULL);
	expect_true(!frost_equal(t, e[2]));
	expect_uint(frost_hash(t), !=, frost_hash(e[2]));
	/* Every empty is a key; each finds its own value. */
	for (int i = 0; i < 4; i++) {
		keys[i] = e[i];
		vals[i] = frost_test_int(sb, BIG + i);
	}
	m = frost_map_new(sb, 4, keys, vals);
	assert_ptr(m, !=, NULL);
	for (int i = 0; i < 4; i++)
		expect_ptr(frost_map_get(m, e[i]), ==, vals[i]);
	expect_ptr(frost_map_get_str(m, "", 0), ==, vals[0]);
	expect_ptr(frost_map_get_bytes(m, "", 0), ==, vals[1]);
	/* Frozen: the static children are kept as they are. */
	fm = frost_freeze(sb, m);
	ft = frost_freeze(sb, t);
	assert_ptr(fm, !=, NULL);
	assert_ptr(ft, !=, NULL);
	expect_ptr(frost_tuple_get(ft, 0), ==, e[2]);
	for (int i = 0; i < 4; i++) {
		expect_int(frost_map_item(fm, (size_t)i, &v, NULL), ==, 0);
		expect_ptr(v, ==, e[i]);
		expect_true(frost_equal(frost_map_get(fm, e[i]), vals[i]));
	}
	expect_true(frost_equal(fm, m));
	expect_true(frost_reclaim(self->heap) >= 0);
	expect_str(frost_str_data(e[0], NULL), "");	/* never swept */
	for (int i = 0; i < 4; i++)
		frost_decref(vals[i]);
	frost_decref(m);
	frost_decref(t);
	frost_decref(k);
}

/*
 * The dict against a model: pairs (key number, value) in insertion order,
 * keys alternately private ints and strs, plus clash keys sharing one hash.
 */
#define DN 1500
#define NCLASH 24

struct model {
	struct frost_object *key[DN + NCLASH];
	struct frost_object *val[DN + NCLASH];
	int order[DN + NCLASH];		/* key numbers, insertion order */
	int n;
};

static void model_check(struct frost_object *d, const struct model *m)
{
	struct frost_object *k, *v;

	expect_uint(frost_dict_len(d), ==, (size_t)m->n);
	for (int i = 0; i < m->n; i++) {
		int kn = m->order[i];

		k = v = NULL;
		expect_int(frost_dict_item(d, (size_t)i, &k, &v), ==, 0);
		expect_ptr(k, ==, m->key[kn]);
		expect_ptr(v, ==, m->val[kn]);
		expect_ptr(frost_dict_get(d, m->key[kn]), ==, m->val[kn]);
	}
	expect_neg_errno(frost_dict_item(d, (size_t)m->n, &k, &v), ERANGE);
}

static void model_del(struct model *m, int kn)
{
	for (int i = 0; i < m->n; i++) {
		if (m->order[i] == kn) {
			memmove(&m->order[i], &m->order[i + 1], (size_t)(m->n - i - 1) * sizeof(int));
			m->n--;
			return;
		}
	}
	tap_bail_out("model_del: no key %d", kn);
}

TEST_F(heap, dict_against_model)
{
	static struct model m;
	struct frost_sandbox *sb = self->sb;
	struct frost_object *d, *probe;
	uint64_t base = frost_test_live(sb);
	char buf[32];
	int nk = DN + NCLASH;

	for (int i = 0; i < DN; i++) {
		if (i % 2) {
			snprintf(buf, sizeof(buf), "key-%d", i);
			m.key[i] = frost_test_str(sb, buf);
		} else {
			m.key[i] = frost_test_int(sb, BIG + i);
		}
		m.val[i] = frost_test_int(sb, -BIG - i);
	}
	for (int i = DN; i < nk; i++) {
		m.key[i] = mkclash(sb, 42);	/* one hash for all: long chains */
		m.val[i] = frost_test_int(sb, -BIG - i);
	}
	d = frost_dict_new(sb);
	assert_ptr(d, !=, NULL);
	expect_true(!frost_is_shared(d));
	expect_str(frost_type_name(d), "dict");
	model_check(d, &m);

	/* Growth: insert everything, clash keys mixed in every 64 keys. */
	for (int i = 0, c = 0; i < DN; i++) {
		expect_int(frost_dict_set(sb, d, m.key[i], m.val[i]), ==, 0);
		m.order[m.n++] = i;
		if (i % 64 == 0 && c < NCLASH) {
			expect_int(frost_dict_set(sb, d, m.key[DN + c], m.val[DN + c]), ==, 0);
			m.order[m.n++] = DN + c++;
		}
	}
	assert_int(m.n, ==, nk);
	model_check(d, &m);
	expect_uint(m.key[0]->refcnt, ==, 2);
	expect_uint(m.val[0]->refcnt, ==, 2);

	/* Replacing a value keeps the position; the old value is released. */
	{
		struct frost_object *nv = frost_test_int(sb, 7 * BIG);

		expect_int(frost_dict_set(sb, d, m.key[3], nv), ==, 0);
		expect_uint(m.val[3]->refcnt, ==, 1);
		expect_uint(nv->refcnt, ==, 2);
		frost_decref(m.val[3]);
		m.val[3] = nv;		/* ours, dropped at the end with the rest */
	}
	/* An equal key (another object) finds and replaces the same entry. */
	probe = frost_test_str(sb, "key-5");
	expect_ptr(frost_dict_get(d, probe), ==, m.val[5]);
	expect_int(frost_dict_set(sb, d, probe, m.val[5]), ==, 0);
	expect_uint(probe->refcnt, ==, 1);		/* the stored key is kept */
	model_check(d, &m);

	/* Deletion: every third key, some clash keys; holes, dummies. */
	for (int i = 0; i < nk; i += 3) {
		expect_int(frost_dict_del(sb, d, m.key[i]), ==, 0);
		expect_neg_errno(frost_dict_del(sb, d, m.key[i]), ENOENT);
		expect_null_errno(frost_dict_get(d, m.key[i]), ENOENT);
		expect_uint(m.key[i]->refcnt, ==, 1);
		model_del(&m, i);
	}
	model_check(d, &m);
	/* Reinsertion goes to the end; the dummies are reused or rebuilt away. */
	for (int r = 0; r < 4; r++) {
		for (int i = 0; i < nk; i += 3) {
			expect_int(frost_dict_set(sb, d, m.key[i], m.val[i]), ==, 0);
			m.order[m.n++] = i;
		}
		model_check(d, &m);
		for (int i = 0; i < nk; i += 3) {
			expect_int(frost_dict_del(sb, d, m.key[i]), ==, 0);
			model_del(&m, i);
		}
	}
	model_check(d, &m);

	frost_decref(d);
	for (int i = 0; i < nk; i++) {
		expect_uint(m.key[i]->refcnt, ==, 1);
		frost_decref(m.key[i]);
		frost_decref(m.val[i]);
	}
	frost_decref(probe);
	expect_uint(frost_test_live(sb), ==, base);
}

static const struct frost_heap_config manual_cfg = { .flags = FROST_HEAP_MANUAL };

struct other {
	struct frost_object *mine_dict, *mine_key, *mine_map;
	struct frost_object *foreign_shared;	/* another heap's */
	int results[8];
};

static int other_sandbox(struct frost_sandbox *sb, void *arg)
{
	struct other *o = arg;
	struct frost_object *d = frost_dict_new(sb), *k = frost_str_new(sb, "k", 1);

	if (!d || !k)
		return -ENOMEM;
	o->results[0] = frost_dict_set(sb, o->mine_dict, k, k);
	o->results[1] = frost_dict_del(sb, o->mine_dict, k);
	o->results[2] = frost_dict_set(sb, d, o->mine_key, k);
	o->results[3] = frost_dict_set(sb, d, k, o->mine_key);
	errno = 0;
	o->results[4] = frost_dict_from_map(sb, o->mine_map) ? 0 : -errno;
	o->results[5] = frost_dict_del(sb, d, o->mine_key);
	o->results[6] = frost_dict_set(sb, d, k, k);	/* its own: fine */
	frost_decref(d);
	frost_decref(k);
	return 0;
}

static int make_foreign(struct frost_sandbox *sb, void *arg)
{
	struct other *o = arg;
	struct frost_object *s = frost_str_new(sb, "foreign", 7);

	o->foreign_shared = s ? frost_freeze(sb, s) : NULL;
	if (s)
		frost_decref(s);
	if (!o->foreign_shared)
		return -ENOMEM;
	return frost_publish(sb, "foreign", o->foreign_shared);	/* keep it */
}

TEST_F(heap, dict_errors)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_object *d = frost_dict_new(sb), *k = frost_test_str(sb, "k"), *v = frost_test_int(sb, BIG);
	struct frost_object *l = frost_list_new(sb), *d2 = frost_dict_new(sb), *tl, *map;
	struct frost_heap *h2;
	struct frost_sandbox *t;
	struct other o;
	uint64_t base;
	int ret = -1;

	assert_ptr(d, !=, NULL);
	assert_ptr(l, !=, NULL);
	assert_ptr(d2, !=, NULL);
	tl = frost_tuple_new(sb, 1, &l);		/* unhashable: holds a list */
	assert_ptr(tl, !=, NULL);
	map = frost_map_new(sb, 1, &k, &v);
	assert_ptr(map, !=, NULL);
	base = frost_test_live(sb);

	expect_null_errno(frost_dict_new(NULL), EINVAL);
	expect_neg_errno(frost_dict_set(NULL, d, k, v), EINVAL);
	expect_neg_errno(frost_dict_set(sb, NULL, k, v), EINVAL);
	expect_neg_errno(frost_dict_set(sb, d, NULL, v), EINVAL);
	expect_neg_errno(frost_dict_set(sb, d, k, NULL), EINVAL);
	expect_neg_errno(frost_dict_set(sb, l, k, v), EINVAL);		/* not a dict */
	expect_neg_errno(frost_dict_set(sb, map, k, v), EINVAL);
	expect_neg_errno(frost_dict_set(sb, d, l, v), EINVAL);		/* unhashable keys */
	expect_neg_errno(frost_dict_set(sb, d, d2, v), EINVAL);
	expect_neg_errno(frost_dict_set(sb, d, tl, v), EINVAL);
	expect_neg_errno(frost_dict_set(sb, d, d, v), EINVAL);
	expect_null_errno(frost_dict_get(d, l), EINVAL);
	expect_null_errno(frost_dict_get(d, NULL), EINVAL);
	expect_null_errno(frost_dict_get(NULL, k), EINVAL);
	expect_null_errno(frost_dict_get(map, k), EINVAL);
	expect_null_errno(frost_dict_get(d, k), ENOENT);
	expect_neg_errno(frost_dict_del(sb, d, k), ENOENT);		/* absent */
	expect_neg_errno(frost_dict_del(sb, d, l), EINVAL);
	expect_neg_errno(frost_dict_del(sb, d, NULL), EINVAL);
	expect_neg_errno(frost_dict_del(sb, map, k), EINVAL);
	expect_neg_errno(frost_dict_del(NULL, d, k), EINVAL);
	errno = 0;
	expect_uint(frost_dict_len(map), ==, 0);
	expect_int(errno, ==, EINVAL);
	expect_neg_errno(frost_dict_item(map, 0, NULL, NULL), EINVAL);
	expect_neg_errno(frost_dict_item(NULL, 0, NULL, NULL), EINVAL);
	expect_neg_errno(frost_dict_item(d, 0, NULL, NULL), ERANGE);
	expect_null_errno(frost_dict_from_map(sb, NULL), EINVAL);
	expect_null_errno(frost_dict_from_map(sb, d), EINVAL);
	expect_null_errno(frost_dict_from_map(sb, tl), EINVAL);
	expect_null_errno(frost_dict_from_map(NULL, map), EINVAL);
	/* Nothing was taken or allocated by the failures. */
	expect_uint(k->refcnt, ==, 2);
	expect_uint(v->refcnt, ==, 2);
	expect_uint(frost_dict_len(d), ==, 0);
	expect_uint(frost_test_live(sb), ==, base);

	/* Another sandbox: our dict, key and map are refused, EPERM. */
	expect_int(frost_dict_set(sb, d, k, v), ==, 0);
	memset(&o, 0, sizeof(o));
	o.mine_dict = d;
	o.mine_key = k;
	o.mine_map = map;
	t = frost_sandbox_spawn(self->heap, other_sandbox, &o);
	assert_ptr(t, !=, NULL);
	assert_int(frost_sandbox_join(t, &ret), ==, 0);
	expect_int(ret, ==, 0);
	for (int i = 0; i < 6; i++)
		expect_int(o.results[i], ==, -EPERM);
	expect_int(o.results[6], ==, 0);
	expect_uint(frost_dict_len(d), ==, 1);
	expect_ptr(frost_dict_get(d, k), ==, v);

	/* Another heap's shared object: EPERM as key, as value, as a map. */
	h2 = frost_heap_create(&manual_cfg);
	assert_ptr(h2, !=, NULL);
	t = frost_sandbox_spawn(h2, make_foreign, &o);
	assert_ptr(t, !=, NULL);
	assert_int(frost_sandbox_join(t, &ret), ==, 0);
	assert_int(ret, ==, 0);
	expect_neg_errno(frost_dict_set(sb, d, o.foreign_shared, v), EPERM);
	expect_neg_errno(frost_dict_set(sb, d, k, o.foreign_shared), EPERM);
	expect_neg_errno(frost_dict_del(sb, d, o.foreign_shared), EPERM);
	expect_ptr(frost_dict_get(d, k), ==, v);
	expect_int(frost_heap_destroy(h2), ==, 0);

	frost_decref(map);
	frost_decref(tl);
	frost_decref(d2);
	frost_decref(l);
	frost_decref(d);
	frost_decref(v);
	frost_decref(k);
}

TEST_F(heap, dict_from_map)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_object *priv = big_map(sb), *fm = frost_freeze(sb, priv);
	struct frost_object *d, *k, *v, *mk, *mv, *nv, *e;
	uint64_t base;
	size_t n;

	assert_ptr(fm, !=, NULL);
	n = frost_map_len(fm);
	base = frost_test_live(sb);
	/* From a frozen map: same items, same order; the dict and its table. */
	d = frost_dict_from_map(sb, fm);
	assert_ptr(d, !=, NULL);
	expect_uint(frost_test_live(sb), ==, base + 2);
	expect_uint(frost_dict_len(d), ==, n);
	for (size_t i = 0; i < n; i++) {
		expect_int(frost_map_item(fm, i, &mk, &mv), ==, 0);
		expect_int(frost_dict_item(d, i, &k, &v), ==, 0);
		expect_ptr(k, ==, mk);
		expect_ptr(v, ==, mv);
		expect_ptr(frost_dict_get(d, mk), ==, mv);
	}
	/* A private instance: changing it leaves the map alone. */
	nv = frost_test_int(sb, BIG);
	expect_int(frost_map_item(fm, 0, &mk, NULL), ==, 0);	/* "k0" */
	expect_int(frost_dict_set(sb, d, mk, nv), ==, 0);
	expect_ptr(frost_dict_get(d, mk), ==, nv);
	expect_int(frost_test_intval(frost_map_get_str(fm, "k0", 2)), ==, 0);
	expect_int(frost_dict_del(sb, d, mk), ==, 0);
	expect_uint(frost_dict_len(d), ==, n - 1);
	expect_uint(frost_map_len(fm), ==, n);
	expect_ptr(frost_map_get(fm, mk), !=, NULL);
	k = frost_test_str(sb, "new key");
	expect_int(frost_dict_set(sb, d, k, nv), ==, 0);	/* grows past the map's size */
	for (int i = 0; i < 2000; i++) {
		struct frost_object *ik = frost_test_int(sb, i);

		expect_int(frost_dict_set(sb, d, ik, nv), ==, 0);
		frost_decref(ik);
	}
	expect_int(frost_dict_item(d, n - 1, &v, NULL), ==, 0);
	expect_ptr(v, ==, k);
	expect_ptr(frost_map_get_str(fm, "new key", 7), ==, NULL);
	frost_decref(d);
	expect_uint(nv->refcnt, ==, 1);
	expect_uint(k->refcnt, ==, 1);
	frost_decref(k);
	frost_decref(nv);
	expect_uint(frost_test_live(sb), ==, base);

	/* From a private map: the dict takes its own references. */
	mv = frost_test_int(sb, BIG + 1);
	mk = frost_test_str(sb, "pk");
	e = frost_map_new(sb, 1, &mk, &mv);
	assert_ptr(e, !=, NULL);
	d = frost_dict_from_map(sb, e);
	assert_ptr(d, !=, NULL);
	expect_uint(mv->refcnt, ==, 3);
	expect_uint(mk->refcnt, ==, 3);
	frost_decref(e);
	expect_ptr(frost_dict_get(d, mk), ==, mv);
	frost_decref(d);
	expect_uint(mv->refcnt, ==, 1);
	frost_decref(mv);
	frost_decref(mk);

	/* From the empty map. */
	d = frost_dict_from_map(sb, frost_map_new(sb, 0, NULL, NULL));
	assert_ptr(d, !=, NULL);
	expect_uint(frost_dict_len(d), ==, 0);
	expect_int(frost_dict_set(sb, d, frost_none(), frost_none()), ==, 0);
	expect_ptr(frost_dict_get(d, frost_none()), ==, frost_none());
	frost_decref(d);
	frost_decref(priv);
}

TEST_F(heap, dict_is_private_and_identity_equal)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_object *d = frost_dict_new(sb), *d2 = frost_dict_new(sb);
	struct frost_object *k = frost_test_str(sb, "k"), *t, *m, *inner;
	uint64_t base;

	assert_ptr(d, !=, NULL);
	assert_ptr(d2, !=, NULL);
	expect_int(frost_dict_set(sb, d, k, k), ==, 0);
	expect_int(frost_dict_set(sb, d2, k, k), ==, 0);
	/* Identity: equal items do not make two dicts equal; a map never is. */
	expect_true(frost_equal(d, d));
	expect_true(!frost_equal(d, d2));
	m = frost_map_new(sb, 1, &k, &k);
	assert_ptr(m, !=, NULL);
	expect_true(!frost_equal(d, m));
	expect_true(!frost_equal(m, d));
	errno = 0;
	expect_uint(frost_hash(d), ==, 0);
	expect_int(errno, ==, EINVAL);
	/* Freezing refuses a dict anywhere inside, and changes nothing. */
	base = frost_test_live(sb);
	expect_null_errno(frost_freeze(sb, d), EPERM);
	t = frost_tuple_new(sb, 1, &d);
	assert_ptr(t, !=, NULL);
	expect_null_errno(frost_freeze(sb, t), EPERM);
	errno = 0;
	expect_uint(frost_hash(t), ==, 0);		/* a tuple holding a dict */
	expect_int(errno, ==, EINVAL);
	inner = frost_map_new(sb, 1, &k, &t);
	assert_ptr(inner, !=, NULL);
	expect_null_errno(frost_freeze(sb, inner), EPERM);
	frost_decref(inner);
	frost_decref(t);
	expect_uint(frost_test_live(sb), ==, base);
	expect_uint(d->refcnt, ==, 1);
	frost_decref(m);
	frost_decref(d2);
	frost_decref(d);
	frost_decref(k);
}

/* A shared object held only by a dict survives reclaim cycles. */
TEST_F(heap, dict_is_a_root)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_object *d = frost_dict_new(sb), *s, *f;
	char buf[64];

	assert_ptr(d, !=, NULL);
	for (int i = 0; i < 64; i++) {
		snprintf(buf, sizeof(buf), "kept by the dict only %d", i);
		s = frost_test_str(sb, buf);
		f = frost_freeze(sb, s);
		frost_decref(s);
		assert_ptr(f, !=, NULL);
		expect_int(frost_dict_set(sb, d, f, f), ==, 0);
	}
	for (int r = 0; r < 3; r++) {
		expect_true(frost_reclaim(self->heap) >= 0);
		frost_quiescent(sb);
	}
	for (int i = 0; i < 64; i++) {
		snprintf(buf, sizeof(buf), "kept by the dict only %d", i);
		expect_int(frost_kind(frost_dict_item(d, (size_t)i, &f, NULL) ? NULL : f), ==,
			   FROST_KIND_STR);
		expect_str(frost_str_data(f, NULL), buf);
		expect_ptr(frost_map_get_str(frost_map_new(sb, 0, NULL, NULL), buf, strlen(buf)),
			   ==, NULL);
		s = frost_test_str(sb, buf);
		expect_ptr(frost_dict_get(d, s), ==, f);
		frost_decref(s);
	}
	frost_decref(d);
}

/* A million-deep chain of dicts is released without recursion. */
TEST_F(heap, dict_deep_chain)
{
	struct frost_sandbox *sb = self->sb;
	struct frost_object *key = frost_none(), *cur = frost_dict_new(sb);
	uint64_t base = frost_test_live(sb);

	assert_ptr(cur, !=, NULL);
	for (int i = 0; i < 1000000; i++) {
		struct frost_object *next = frost_dict_new(sb);

		assert_ptr(next, !=, NULL);
		assert_int(frost_dict_set(sb, next, key, cur), ==, 0);
		frost_decref(cur);
		cur = next;
	}
	expect_uint(frost_test_live(sb), ==, base + 2 * 1000000);	/* dicts and tables */
	frost_decref(cur);
	expect_uint(frost_test_live(sb), ==, base - 1);
}

TAP_MAIN()
