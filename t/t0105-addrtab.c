// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0105-addrtab: the core address-keyed table (lib/core/addrtab.h) and the
 * growable stack's allocator hook (lib/core/stack.h), on their own.
 *
 * Theory of operation. The keys are made-up addresses (never dereferenced)
 * and the memory comes from a test allocator that counts what is live,
 * refuses to free the caller's chunk or anything it did not hand out, and
 * fails on demand. The tests check:
 *  - collisions: keys chosen to share one home slot, including a cluster
 *    that wraps past the end of the array, stay findable when one in the
 *    middle, the first and the last are removed (backward shift);
 *  - a reference model: thousands of random inserts, removes and finds on
 *    a small pool of keys (strided like slab objects, so clusters form),
 *    after each of which the table agrees with a plain array, and every
 *    entry is reachable from its home slot without crossing an empty one
 *    (the invariant backward-shift deletion must keep);
 *  - growth: from a chunk and from nothing, the capacity stays a power of
 *    two at most 3/4 full, values survive, the chunk is never freed;
 *  - out of memory: an insert that needs to grow fails with NULL and
 *    changes nothing; an insert of a key already present needs no memory;
 *    release and clear leave nothing live;
 *  - the stack with an allocator without realloc (the arena's shape):
 *    growth copies, a failed growth keeps every element.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/addrtab.h"
#include "core/stack.h"
#include "tap.h"

/* ------------------------------------------------------------------ */
/* A test allocator                                                    */

#define MAX_LIVE 64

struct test_alloc {
	void *live[MAX_LIVE];
	unsigned int nr_live;
	unsigned int allocs;
	int fail_after;		/* allocations left before failing; -1: never */
	const void *chunk;	/* must never be freed */
};

static void *ta_alloc(void *ctx, size_t size)
{
	struct test_alloc *ta = ctx;
	void *p;

	if (ta->fail_after == 0)
		return NULL;
	if (ta->fail_after > 0)
		ta->fail_after--;
	if (ta->nr_live == MAX_LIVE)
		tap_bail_out("test allocator: too many live blocks");
	p = malloc(size);
	if (!p)
		tap_bail_out("out of memory");
	memset(p, 0xa5, size);	/* the table must clear what it uses */
	ta->live[ta->nr_live++] = p;
	ta->allocs++;
	return p;
}

static void ta_free(void *ctx, void *p)
{
	struct test_alloc *ta = ctx;

	if (p == ta->chunk)
		tap_bail_out("the caller's chunk was freed");
	for (unsigned int i = 0; i < ta->nr_live; i++) {
		if (ta->live[i] == p) {
			ta->live[i] = ta->live[--ta->nr_live];
			free(p);
			return;
		}
	}
	tap_bail_out("freed a block the allocator never gave out: %p", p);
}

static const struct __frost_alloc_ops ta_ops = {
	.alloc = ta_alloc,
	.free = ta_free,
};

static void ta_init(struct test_alloc *ta, const void *chunk)
{
	memset(ta, 0, sizeof(*ta));
	ta->fail_after = -1;
	ta->chunk = chunk;
}

static void *key(uintptr_t a)
{
	return (void *)a;
}

/* Every entry reachable from its home without an empty slot on the way. */
static bool table_sound(const struct __frost_addrtab *t)
{
	size_t mask = t->cap - 1, used = 0;

	if (t->cap & mask)
		return false;
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slots[i].key)
			continue;
		used++;
		for (size_t j = __frost_addrtab_home(t->slots[i].key, mask); j != i;
		     j = (j + 1) & mask)
			if (!t->slots[j].key)
				return false;
	}
	return used == t->used && (!t->cap || t->used * 4 <= t->cap * 3);
}

/* ------------------------------------------------------------------ */
/* Collisions                                                          */

/* @n keys (16-byte aligned, from @from up) whose home in a 16-slot table is @home. */
static void keys_with_home(uintptr_t *out, int n, size_t home, uintptr_t from)
{
	for (uintptr_t a = from; n; a += 16)
		if (__frost_addrtab_home(key(a), 15) == home)
			out[--n] = a;
}

TEST(collisions)
{
	struct __frost_addrtab_slot chunk[16];
	struct __frost_addrtab t;
	struct test_alloc ta;
	uintptr_t k[8];
	bool added;

	for (size_t home = 0; home < 16; home += 15) {	/* 0, and 15 (wraps) */
		ta_init(&ta, chunk);
		__frost_addrtab_init(&t, chunk, 16, &ta_ops, &ta);
		keys_with_home(k, 6, home, 0x100000);
		for (int i = 0; i < 6; i++) {
			struct __frost_addrtab_slot *s = __frost_addrtab_insert(&t, key(k[i]), &added);

			assert_true(s && added);
			s->val.u = k[i] + 1;
		}
		/* An unrelated key whose home is inside the cluster. */
		keys_with_home(&k[6], 1, (home + 2) & 15, 0x900000);
		assert_true(__frost_addrtab_insert(&t, key(k[6]), &added));
		assert_true(added);
		__frost_addrtab_find(&t, key(k[6]))->val.u = k[6] + 1;
		expect_uint(__frost_addrtab_len(&t), ==, 7);
		expect_uint(ta.allocs, ==, 0);	/* 7 of 16: no growth */
		assert_true(table_sound(&t));

		/* Again: found, not added, value kept. */
		assert_true(__frost_addrtab_insert(&t, key(k[3]), &added));
		expect_true(!added);
		expect_uint(__frost_addrtab_find(&t, key(k[3]))->val.u, ==, k[3] + 1);

		/* Remove the middle, then the first, then the last of the run. */
		__frost_addrtab_remove(&t, __frost_addrtab_find(&t, key(k[2])));
		assert_true(table_sound(&t));
		__frost_addrtab_remove(&t, __frost_addrtab_find(&t, key(k[0])));
		assert_true(table_sound(&t));
		__frost_addrtab_remove(&t, __frost_addrtab_find(&t, key(k[5])));
		assert_true(table_sound(&t));
		expect_ptr(__frost_addrtab_find(&t, key(k[0])), ==, NULL);
		expect_ptr(__frost_addrtab_find(&t, key(k[2])), ==, NULL);
		expect_ptr(__frost_addrtab_find(&t, key(k[5])), ==, NULL);
		for (int i = 0; i < 7; i++) {
			struct __frost_addrtab_slot *s;

			if (i == 0 || i == 2 || i == 5)
				continue;
			s = __frost_addrtab_find(&t, key(k[i]));
			assert_true(s != NULL);
			expect_uint(s->val.u, ==, k[i] + 1);
		}
		expect_uint(__frost_addrtab_len(&t), ==, 4);
		__frost_addrtab_release(&t);
		expect_uint(ta.nr_live, ==, 0);
	}
}

/* ------------------------------------------------------------------ */
/* Against a reference model                                           */

#define POOL 600

TEST(random_model)
{
	static uintptr_t pool[POOL];
	static uint64_t model[POOL];	/* 0: absent, else the value */
	struct __frost_addrtab_slot chunk[16];
	struct __frost_addrtab t;
	struct test_alloc ta;
	unsigned int seed = 12345;

	/* Strided runs (slab-like) from a few "pages", plus scattered keys. */
	for (int i = 0; i < POOL; i++) {
		if (i % 3 == 2)
			pool[i] = ((uintptr_t)rand_r(&seed) << 4) | 0x7f0000000000u;
		else
			pool[i] = 0x7f1200000000u + (uintptr_t)(i % 6) * 0x10000 +
				  (uintptr_t)(i / 6) * (i % 2 ? 48 : 64);
	}
	for (int round = 0; round < 2; round++) {
		size_t present = 0;

		memset(model, 0, sizeof(model));
		ta_init(&ta, chunk);
		if (round == 0)
			__frost_addrtab_init(&t, chunk, 16, &ta_ops, &ta);
		else
			__frost_addrtab_init(&t, NULL, 0, &ta_ops, &ta);
		for (int op = 0; op < 40000; op++) {
			int i = rand_r(&seed) % POOL;
			/* Bias towards inserts early, removes late: sizes sweep. */
			int r = rand_r(&seed) % 100, grow = op < 20000 ? 60 : 35;
			struct __frost_addrtab_slot *s = __frost_addrtab_find(&t, key(pool[i]));

			assert_true(model[i] ? s && s->val.u == model[i] : !s);
			if (r < grow) {
				bool added = false;

				s = __frost_addrtab_insert(&t, key(pool[i]), &added);
				assert_true(s != NULL);
				assert_true(added == !model[i]);
				if (added)
					present++;
				s->val.u = (uint64_t)op + 1;
				model[i] = s->val.u;
			} else if (s) {
				__frost_addrtab_remove(&t, s);
				model[i] = 0;
				present--;
			}
			assert_uint(__frost_addrtab_len(&t), ==, present);
			if (op % 97 == 0) {
				struct __frost_addrtab_slot *e;
				size_t seen = 0;

				assert_true(table_sound(&t));
				__frost_addrtab_for_each(e, &t)
					seen++;
				assert_uint(seen, ==, present);
			}
		}
		for (int i = 0; i < POOL; i++) {
			struct __frost_addrtab_slot *s = __frost_addrtab_find(&t, key(pool[i]));

			assert_true(model[i] ? s && s->val.u == model[i] : !s);
		}
		assert_true(table_sound(&t));
		__frost_addrtab_release(&t);
		expect_uint(ta.nr_live, ==, 0);
		expect_uint(__frost_addrtab_len(&t), ==, 0);
		expect_ptr(__frost_addrtab_find(&t, key(pool[0])), ==, NULL);
	}
}

/* ------------------------------------------------------------------ */
/* Growth                                                              */

TEST(growth)
{
	struct __frost_addrtab_slot chunk[32];
	struct __frost_addrtab t;
	struct test_alloc ta;
	size_t last_cap;
	bool added;

	ta_init(&ta, chunk);
	__frost_addrtab_init(&t, chunk, 32, &ta_ops, &ta);
	expect_uint(t.cap, ==, 32);
	last_cap = t.cap;
	for (uintptr_t i = 1; i <= 10000; i++) {
		struct __frost_addrtab_slot *s = __frost_addrtab_insert(&t, key(i * 32), &added);

		assert_true(s && added);
		s->val.p = key(i);
		if (t.cap != last_cap) {
			assert_uint(t.cap, ==, last_cap * 2);
			last_cap = t.cap;
		}
		assert_true(t.used * 4 <= t.cap * 3);
	}
	expect_true(table_sound(&t));
	/* 10000 entries at most 3/4 full: 16384 slots, grown 9 times. */
	expect_uint(t.cap, ==, 16384);
	expect_uint(ta.allocs, ==, 9);
	expect_uint(ta.nr_live, ==, 1);	/* the old arrays went back */
	for (uintptr_t i = 1; i <= 10000; i++)
		assert_ptr(__frost_addrtab_find(&t, key(i * 32))->val.p, ==, key(i));
	__frost_addrtab_clear(&t);
	expect_uint(__frost_addrtab_len(&t), ==, 0);
	expect_ptr(__frost_addrtab_find(&t, key(32)), ==, NULL);
	expect_uint(ta.nr_live, ==, 1);	/* clear keeps the memory */
	__frost_addrtab_release(&t);
	expect_uint(ta.nr_live, ==, 0);

	/* From nothing: the first insert allocates FROST_ADDRTAB_MIN_CAP. */
	ta_init(&ta, NULL);
	__frost_addrtab_init(&t, NULL, 0, &ta_ops, &ta);
	expect_ptr(__frost_addrtab_find(&t, key(16)), ==, NULL);
	expect_uint(ta.allocs, ==, 0);
	assert_true(__frost_addrtab_insert(&t, key(16), NULL));
	expect_uint(t.cap, ==, FROST_ADDRTAB_MIN_CAP);
	expect_uint(ta.allocs, ==, 1);
	__frost_addrtab_release(&t);
	expect_uint(ta.nr_live, ==, 0);
}

/* ------------------------------------------------------------------ */
/* Out of memory                                                       */

TEST(oom)
{
	struct __frost_addrtab_slot chunk[16];
	struct __frost_addrtab t;
	struct test_alloc ta;
	bool added;
	uintptr_t i;

	/* No chunk, no memory: nothing can be inserted, nothing changes. */
	ta_init(&ta, NULL);
	ta.fail_after = 0;
	__frost_addrtab_init(&t, NULL, 0, &ta_ops, &ta);
	expect_ptr(__frost_addrtab_insert(&t, key(0x1000), &added), ==, NULL);
	expect_uint(t.cap, ==, 0);
	expect_uint(__frost_addrtab_len(&t), ==, 0);
	expect_ptr(__frost_addrtab_find(&t, key(0x1000)), ==, NULL);

	/* A full chunk (12 of 16) cannot take a 13th without memory. */
	ta_init(&ta, chunk);
	ta.fail_after = 0;
	__frost_addrtab_init(&t, chunk, 16, &ta_ops, &ta);
	for (i = 1; i <= 12; i++) {
		struct __frost_addrtab_slot *s = __frost_addrtab_insert(&t, key(i * 16), &added);

		assert_true(s && added);
		s->val.u = i;
	}
	expect_ptr(__frost_addrtab_insert(&t, key(13 * 16), &added), ==, NULL);
	expect_uint(__frost_addrtab_len(&t), ==, 12);
	expect_ptr(t.slots, ==, chunk);
	expect_true(table_sound(&t));
	expect_ptr(__frost_addrtab_find(&t, key(13 * 16)), ==, NULL);
	/* A key already present needs no memory. */
	assert_true(__frost_addrtab_insert(&t, key(5 * 16), &added) != NULL);
	expect_true(!added);
	for (i = 1; i <= 12; i++)
		assert_uint(__frost_addrtab_find(&t, key(i * 16))->val.u, ==, i);
	/* Memory again: the 13th goes in, everything else is kept. */
	ta.fail_after = -1;
	assert_true(__frost_addrtab_insert(&t, key(13 * 16), &added) != NULL);
	expect_true(added);
	expect_uint(t.cap, ==, 32);
	for (i = 1; i <= 12; i++)
		assert_uint(__frost_addrtab_find(&t, key(i * 16))->val.u, ==, i);
	/* A failed second growth keeps the grown array and its entries. */
	ta.fail_after = 0;
	for (i = 14; i <= 24; i++)
		assert_true(__frost_addrtab_insert(&t, key(i * 16), NULL) != NULL);
	expect_ptr(__frost_addrtab_insert(&t, key(25 * 16), NULL), ==, NULL);
	expect_uint(__frost_addrtab_len(&t), ==, 24);
	expect_true(table_sound(&t));
	expect_uint(ta.nr_live, ==, 1);
	__frost_addrtab_release(&t);
	expect_uint(ta.nr_live, ==, 0);
}

/* ------------------------------------------------------------------ */
/* The stack with an allocator hook                                    */

TEST(stack_ops)
{
	uint32_t chunk[8];
	struct __frost_stack s;
	struct test_alloc ta;
	uint32_t *e;

	ta_init(&ta, chunk);
	__frost_stack_init_ops(&s, chunk, 8, sizeof(uint32_t), &ta_ops, &ta);
	for (uint32_t i = 0; i < 200; i++) {
		e = __frost_stack_push(&s);
		assert_true(e != NULL);
		*e = i * 7;
	}
	/* 8 in the chunk, then 64, 128, 256: allocate, copy, free the old. */
	expect_uint(ta.allocs, ==, 3);
	expect_uint(ta.nr_live, ==, 1);
	expect_uint(__frost_stack_len(&s), ==, 200);
	for (uint32_t i = 0; i < 200; i++)
		assert_uint(((uint32_t *)__frost_stack_array(&s))[i], ==, i * 7);

	/* A growth that fails keeps everything pushed. */
	for (uint32_t i = 200; i < 256; i++)
		*(uint32_t *)__frost_stack_push(&s) = i * 7;
	ta.fail_after = 0;
	expect_ptr(__frost_stack_push(&s), ==, NULL);
	expect_int(__frost_stack_push_ptr(&s, NULL), ==, -ENOMEM);
	expect_uint(__frost_stack_len(&s), ==, 256);
	for (uint32_t i = 256; i-- > 0;) {
		assert_uint(*(uint32_t *)__frost_stack_top(&s), ==, i * 7);
		__frost_stack_drop(&s);
	}
	expect_true(__frost_stack_empty(&s));
	__frost_stack_release(&s);
	expect_uint(ta.nr_live, ==, 0);
	/* Back in its chunk: pushes need no memory. */
	for (uint32_t i = 0; i < 8; i++)
		assert_true(__frost_stack_push(&s) != NULL);
	__frost_stack_clear(&s);
	expect_true(__frost_stack_empty(&s));
	expect_uint(ta.nr_live, ==, 0);
}

TAP_MAIN()
