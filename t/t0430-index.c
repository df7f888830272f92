// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * t0430-index: the namespace index (lib/ns/index.c).
 *
 * Inserts, lookups (hits, misses, full-hash collisions that only the match
 * tells apart), duplicate inserts (-EEXIST with the existing node), bad
 * nodes (-EINVAL), removal by key and by node, tombstone churn at a fixed
 * size, growth to 65536 names and shrinking back, the root walk, and
 * allocation failure through fault injection (-ENOMEM, nothing changed).
 *
 * Concurrency: two reader threads (liburcu-qsbr registered, online, a
 * quiescent state every 64 lookups, so retired arrays really are freed
 * while they run) and one writer that inserts and removes a churning set
 * of keys, growing and shrinking the table all the time. Each churn key
 * has a phase counter the writer steps around every insert and removal
 * (0 absent, 1 inserting, 2 present, 3 removing, mod 4); a reader that sees
 * the same phase before and after its lookup checks the result: present
 * must be found (and be that key's node), absent must not. Stable keys,
 * inserted before the threads start, must be found every time, and one
 * reader's root walks (__frost_index_for_each()) must visit each exactly
 * once. Under ASan
 * an array freed too early is a use-after-free; under TSan the orderings
 * are checked (the call_rcu frees are liburcu frames, see t/tsan.supp).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <frost/frost.h>
#include "core/err.h"
#include "core/tsan.h"
#include "ns/index.h"
#include "tap.h"

struct tnode {
	uint64_t hash;
	size_t len;
	char name[32];
};

struct tkey {
	const char *name;
	size_t len;
};

static bool tmatch(const void *node, const void *key)
{
	const struct tnode *n = node;
	const struct tkey *k = key;

	return n->len == k->len && memcmp(n->name, k->name, k->len) == 0;
}

static void tnode_set(struct tnode *n, const char *prefix, unsigned int i)
{
	n->len = (size_t)snprintf(n->name, sizeof(n->name), "%s%u", prefix, i);
	n->hash = __frost_hash_bytes(n->name, n->len);
}

static struct tkey tkey_of(const struct tnode *n)
{
	return (struct tkey){ n->name, n->len };
}

static void *find(struct frost_index *idx, const struct tnode *n)
{
	struct tkey k = tkey_of(n);

	return __frost_index_lookup(idx, n->hash, tmatch, &k);
}

static int add(struct frost_index *idx, struct tnode *n)
{
	struct tkey k = tkey_of(n);

	return __frost_index_insert(idx, n->hash, n, tmatch, &k, NULL);
}

static void *del(struct frost_index *idx, const struct tnode *n)
{
	struct tkey k = tkey_of(n);

	return __frost_index_remove(idx, n->hash, tmatch, &k);
}

/* The calling thread as a QSBR reader (writers call call_rcu()). */
static void rcu_enter(void)
{
	urcu_qsbr_register_thread();
}

/* Unregister without waiting (the stress threads: the test waits once). */
static void rcu_exit(void)
{
	urcu_qsbr_thread_offline();
	urcu_qsbr_unregister_thread();
}

/* Wait for every retired array to be freed, then unregister. */
static void rcu_leave(void)
{
	urcu_qsbr_thread_offline();
	urcu_qsbr_barrier();
	urcu_qsbr_unregister_thread();
}

TEST(insert_lookup_remove)
{
	struct frost_index idx;
	struct tnode a, b, c, a2;
	struct tkey k;
	void *ex = NULL;

	rcu_enter();
	assert_int(__frost_index_init(&idx, 0), ==, 0);
	expect_uint(__frost_index_slots(&idx), ==, FROST_INDEX_MIN_SLOTS);
	tnode_set(&a, "a", 1);
	tnode_set(&b, "b", 2);
	tnode_set(&c, "c", 3);
	a2 = a;
	expect_ptr(find(&idx, &a), ==, NULL);
	expect_int(add(&idx, &a), ==, 0);
	expect_int(add(&idx, &b), ==, 0);
	expect_uint(__frost_index_count(&idx), ==, 2);
	expect_ptr(find(&idx, &a), ==, &a);
	expect_ptr(find(&idx, &b), ==, &b);
	expect_ptr(find(&idx, &c), ==, NULL);
	/* Same key, other node: refused, the existing node reported. */
	k = tkey_of(&a2);
	expect_int(__frost_index_insert(&idx, a2.hash, &a2, tmatch, &k, &ex), ==, -EEXIST);
	expect_ptr(ex, ==, &a);
	expect_ptr(find(&idx, &a2), ==, &a);
	/* Bad nodes. */
	expect_int(__frost_index_insert(&idx, c.hash, NULL, tmatch, &k, NULL), ==, -EINVAL);
	expect_int(__frost_index_insert(&idx, c.hash, FROST_INDEX_TOMB, tmatch, &k, NULL), ==, -EINVAL);
	expect_int(__frost_index_insert(&idx, c.hash, (char *)&c + 1, tmatch, &k, NULL), ==, -EINVAL);
	expect_uint(__frost_index_count(&idx), ==, 2);
	/* Removal by key, then by node. */
	expect_ptr(del(&idx, &a), ==, &a);
	expect_ptr(del(&idx, &a), ==, NULL);
	expect_ptr(find(&idx, &a), ==, NULL);
	expect_ptr(find(&idx, &b), ==, &b);
	expect_true(!__frost_index_remove_node(&idx, b.hash, &c));
	expect_true(!__frost_index_remove_node(&idx, a.hash, &b));	/* wrong hash */
	expect_true(__frost_index_remove_node(&idx, b.hash, &b));
	expect_true(!__frost_index_remove_node(&idx, b.hash, &b));
	expect_true(!__frost_index_remove_node(&idx, b.hash, NULL));
	expect_uint(__frost_index_count(&idx), ==, 0);
	/* A removed key can come back, with another node. */
	expect_int(add(&idx, &a2), ==, 0);
	expect_ptr(find(&idx, &a), ==, &a2);
	__frost_index_destroy(&idx);
	rcu_leave();
}

/* Nodes whose hashes collide in full: only the match tells them apart. */
TEST(full_hash_collisions)
{
	enum { N = 200 };
	static struct tnode n[N];
	struct frost_index idx;
	unsigned int i, found = 0;

	rcu_enter();
	assert_int(__frost_index_init(&idx, 0), ==, 0);
	for (i = 0; i < N; i++) {
		tnode_set(&n[i], "coll", i);
		n[i].hash = i % 3;
		expect_int(add(&idx, &n[i]), ==, 0);
	}
	for (i = 0; i < N; i += 2)
		expect_ptr(del(&idx, &n[i]), ==, &n[i]);
	for (i = 0; i < N; i++)
		found += find(&idx, &n[i]) == (i % 2 ? &n[i] : NULL);
	expect_uint(found, ==, N);
	__frost_index_destroy(&idx);
	rcu_leave();
}

/* Insert and remove at a steady size: tombstones are cleaned, no growth. */
TEST(tombstone_churn)
{
	enum { LIVE = 4, ROUNDS = 5000 };
	static struct tnode n[LIVE + ROUNDS];
	struct frost_index idx;
	unsigned int i, bad = 0;

	rcu_enter();
	assert_int(__frost_index_init(&idx, 0), ==, 0);
	for (i = 0; i < LIVE + ROUNDS; i++)
		tnode_set(&n[i], "churn", i);
	for (i = 0; i < LIVE; i++)
		expect_int(add(&idx, &n[i]), ==, 0);
	for (i = 0; i < ROUNDS; i++) {
		bad += add(&idx, &n[LIVE + i]) != 0;
		bad += del(&idx, &n[i]) != &n[i];
		bad += find(&idx, &n[i + 1]) != &n[i + 1];
		bad += find(&idx, &n[i]) != NULL;
		urcu_qsbr_quiescent_state();
	}
	expect_uint(bad, ==, 0);
	expect_uint(__frost_index_count(&idx), ==, LIVE);
	expect_uint(__frost_index_slots(&idx), ==, FROST_INDEX_MIN_SLOTS);
	__frost_index_destroy(&idx);
	rcu_leave();
}

static void count_node(void *node, void *arg)
{
	unsigned char *seen = arg;
	const struct tnode *n = node;

	seen[strtoul(n->name + 4, NULL, 10)]++;
}

TEST(grow_to_65536_and_shrink)
{
	enum { N = 65536 };
	struct tnode *n = calloc(N, sizeof(*n));
	unsigned char *seen = calloc(N, 1);
	struct frost_index idx;
	unsigned int i, bad = 0, once = 0;

	assert_true(n && seen);
	rcu_enter();
	assert_int(__frost_index_init(&idx, 0), ==, 0);
	for (i = 0; i < N; i++) {
		tnode_set(&n[i], "grow", i);
		bad += add(&idx, &n[i]) != 0;
		if (i % 1024 == 0)
			urcu_qsbr_quiescent_state();
	}
	expect_uint(bad, ==, 0);
	expect_uint(__frost_index_count(&idx), ==, N);
	/* Between 1/6 and 1/2 full. */
	expect_uint(__frost_index_slots(&idx), >=, 2 * N);
	expect_uint(__frost_index_slots(&idx), <=, 6 * N);
	for (i = 0; i < N; i++)
		bad += find(&idx, &n[i]) != &n[i];
	expect_uint(bad, ==, 0);
	__frost_index_for_each(&idx, count_node, seen);
	for (i = 0; i < N; i++)
		once += seen[i] == 1;
	expect_uint(once, ==, N);
	for (i = 0; i < N; i++) {
		bad += del(&idx, &n[i]) != &n[i];
		if (i % 1024 == 0)
			urcu_qsbr_quiescent_state();
		if (i == N - 17)
			expect_uint(__frost_index_slots(&idx), <=, 256);
	}
	expect_uint(bad, ==, 0);
	expect_uint(__frost_index_count(&idx), ==, 0);
	expect_uint(__frost_index_slots(&idx), ==, FROST_INDEX_MIN_SLOTS);
	/* A sized index never shrinks below its size. */
	__frost_index_destroy(&idx);
	assert_int(__frost_index_init(&idx, 1000), ==, 0);
	expect_uint(__frost_index_slots(&idx), ==, 4096);
	for (i = 0; i < 1000; i++)
		bad += add(&idx, &n[i]) != 0;
	expect_uint(__frost_index_slots(&idx), ==, 4096);
	for (i = 0; i < 1000; i++)
		bad += del(&idx, &n[i]) != &n[i];
	expect_uint(bad, ==, 0);
	expect_uint(__frost_index_slots(&idx), ==, 4096);
	__frost_index_destroy(&idx);
	rcu_leave();
	free(n);
	free(seen);
}

TEST(init_sizes)
{
	struct frost_index idx;

	expect_int(__frost_index_init(&idx, SIZE_MAX / 4), ==, -EINVAL);
	assert_int(__frost_index_init(&idx, 5), ==, 0);
	expect_uint(__frost_index_slots(&idx), ==, FROST_INDEX_MIN_SLOTS);
	__frost_index_destroy(&idx);
	__frost_index_destroy(&idx);	/* idempotent */
}

TEST(out_of_memory)
{
	enum { N = 64 };
	static struct tnode n[N];
	struct frost_index idx;
	unsigned int i, bad = 0;
	size_t slots;
	int ret;

	if (frost_debug_fail_every(0) == -ENOSYS)
		tap_skip("built without CONFIG_FROST_FAULT_INJECTION");
	rcu_enter();
	frost_debug_fail_every(1);
	expect_int(__frost_index_init(&idx, 0), ==, -ENOMEM);
	frost_debug_fail_every(0);
	assert_int(__frost_index_init(&idx, 0), ==, 0);
	for (i = 0; i < N; i++)
		tnode_set(&n[i], "oom", i);
	/* Fill up to the growth point, then fail the growth. */
	for (i = 0; i < FROST_INDEX_MIN_SLOTS / 2; i++)
		expect_int(add(&idx, &n[i]), ==, 0);
	slots = __frost_index_slots(&idx);
	frost_debug_fail_every(1);
	ret = add(&idx, &n[i]);
	frost_debug_fail_every(0);
	expect_int(ret, ==, -ENOMEM);
	expect_ptr(find(&idx, &n[i]), ==, NULL);
	expect_uint(__frost_index_slots(&idx), ==, slots);
	expect_uint(__frost_index_count(&idx), ==, FROST_INDEX_MIN_SLOTS / 2);
	for (i = 0; i < FROST_INDEX_MIN_SLOTS / 2; i++)
		bad += find(&idx, &n[i]) != &n[i];
	expect_uint(bad, ==, 0);
	/* Growth works once memory is back. */
	for (i = FROST_INDEX_MIN_SLOTS / 2; i < N; i++)
		expect_int(add(&idx, &n[i]), ==, 0);
	slots = __frost_index_slots(&idx);
	expect_uint(slots, >, FROST_INDEX_MIN_SLOTS);
	/* A failed shrink still removes. */
	frost_debug_fail_every(1);
	for (i = 0; i < N; i++)
		bad += del(&idx, &n[i]) != &n[i];
	frost_debug_fail_every(0);
	expect_uint(bad, ==, 0);
	expect_uint(__frost_index_count(&idx), ==, 0);
	expect_uint(__frost_index_slots(&idx), ==, slots);
	for (i = 0; i < N; i++)
		bad += find(&idx, &n[i]) != NULL;
	expect_uint(bad, ==, 0);
	__frost_index_destroy(&idx);
	rcu_leave();
}

/* ------------------------------------------------------------------ */
/* Two readers, one writer. */

#ifdef FROST_TSAN
#define STRESS_CHURN	300
#define STRESS_STABLE	16	/* few enough for the table to shrink */
#define STRESS_SECONDS	1.5
#else
#define STRESS_CHURN	3000
#define STRESS_STABLE	64
#define STRESS_SECONDS	2.0
#endif

struct stress {
	struct frost_index idx;
	struct tnode stable[STRESS_STABLE];
	struct tnode churn[STRESS_CHURN];
	unsigned long phase[STRESS_CHURN];	/* atomic; see the file comment */
	int stop;				/* atomic */
	/* Per reader, written by it, read after the join. */
	struct {
		unsigned long stable_ok, stable_missed;
		unsigned long present_ok, present_missed, absent_ok, absent_found, wrong;
		unsigned long walks, walks_bad;
	} r[2];
	unsigned long rounds, grows, shrinks;
};

struct reader_arg {
	struct stress *st;
	int id;
};

struct walk {
	struct stress *st;
	unsigned long stable;	/* stable nodes visited */
	unsigned long other;	/* anything else that is not a churn node */
};

static void walk_node(void *node, void *arg)
{
	struct walk *w = arg;
	struct tnode *n = node;

	if (n >= w->st->stable && n < w->st->stable + STRESS_STABLE)
		w->stable++;
	else if (!(n >= w->st->churn && n < w->st->churn + STRESS_CHURN))
		w->other++;
}

static void *stress_reader(void *p)
{
	struct reader_arg *ra = p;
	struct stress *st = ra->st;
	unsigned long ops = 0;
	unsigned int seed = 12345u + (unsigned int)ra->id, i;

	rcu_enter();
	/* Relaxed: a stop flag, ordering nothing. */
	while (!__atomic_load_n(&st->stop, __ATOMIC_RELAXED)) {
		i = (unsigned int)rand_r(&seed);
		if (i % 4 == 0) {
			const struct tnode *n = &st->stable[(i / 4) % STRESS_STABLE];

			if (find(&st->idx, n) == n)
				st->r[ra->id].stable_ok++;
			else
				st->r[ra->id].stable_missed++;
		} else {
			unsigned int k = (i / 4) % STRESS_CHURN;
			const struct tnode *n = &st->churn[k];
			/* Pairs with the store-release of the phase in stress_writer(). */
			unsigned long p1 = __atomic_load_n(&st->phase[k], __ATOMIC_ACQUIRE);
			void *got = find(&st->idx, n);
			/* Acquire: keeps the lookup before this load. */
			unsigned long p2 = __atomic_load_n(&st->phase[k], __ATOMIC_ACQUIRE);

			if (got && got != n)
				st->r[ra->id].wrong++;
			if (p1 == p2 && p1 % 4 == 2) {
				if (got == n)
					st->r[ra->id].present_ok++;
				else
					st->r[ra->id].present_missed++;
			} else if (p1 == p2 && p1 % 4 == 0) {
				if (!got)
					st->r[ra->id].absent_ok++;
				else
					st->r[ra->id].absent_found++;
			}
		}
		if (ra->id == 1 && ops % 256 == 0) {
			/*
			 * A whole-array walk holds one array for long: an array
			 * freed before a grace period shows up here (ASan).
			 */
			struct walk w = { st, 0, 0 };

			__frost_index_for_each(&st->idx, walk_node, &w);
			st->r[1].walks++;
			st->r[1].walks_bad += w.stable != STRESS_STABLE || w.other;
		}
		if (++ops % 64 == 0)
			urcu_qsbr_quiescent_state();
	}
	rcu_exit();
	return NULL;
}

static void step_phase(struct stress *st, unsigned int k)
{
	/*
	 * Pairs with the load-acquire of the phase in stress_reader(): a
	 * reader that sees "present" (or "absent") sees the insert (or the
	 * removal) before it. The other way round, a lookup that sees the
	 * next insert's node (its store-release comes after this store) makes
	 * the reader's second phase load see this step, so p1 != p2.
	 */
	__atomic_store_n(&st->phase[k], st->phase[k] + 1, __ATOMIC_RELEASE);
}

static void *stress_writer(void *p)
{
	struct stress *st = p;
	struct timespec t0, t;
	unsigned int k, seed = 777;
	size_t slots, last = __frost_index_slots(&st->idx);
	int going_up = 1;

	rcu_enter();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		/*
		 * Insert every churn key, then remove every one, each pass in
		 * a shuffled order (a stride prime to STRESS_CHURN).
		 */
		unsigned int off = (unsigned int)rand_r(&seed);

		for (k = 0; k < STRESS_CHURN; k++) {
			unsigned int j = (off + k * 7919u) % STRESS_CHURN;

			step_phase(st, j);
			if (going_up)
				frost_bug_on(add(&st->idx, &st->churn[j]) != 0);
			else
				frost_bug_on(del(&st->idx, &st->churn[j]) != &st->churn[j]);
			step_phase(st, j);
			slots = __frost_index_slots(&st->idx);
			st->grows += slots > last;
			st->shrinks += slots < last;
			last = slots;
			if (k % 32 == 0)
				urcu_qsbr_quiescent_state();
		}
		going_up = !going_up;
		st->rounds++;
		clock_gettime(CLOCK_MONOTONIC, &t);
		/* At least 8 rounds (4 grow-shrink cycles) however slow. */
	} while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) * 1e-9 <
		 STRESS_SECONDS || st->rounds < 8);
	/* Relaxed: a stop flag. */
	__atomic_store_n(&st->stop, 1, __ATOMIC_RELAXED);
	rcu_exit();
	return NULL;
}

TEST_TIMEOUT(readers_never_miss, 60)
{
	struct stress *st = calloc(1, sizeof(*st));
	struct reader_arg ra[2];
	pthread_t rt[2], wt;
	unsigned int i;
	int r;

	assert_true(st != NULL);
	rcu_enter();
	assert_int(__frost_index_init(&st->idx, 0), ==, 0);
	for (i = 0; i < STRESS_STABLE; i++) {
		tnode_set(&st->stable[i], "stable", i);
		expect_int(add(&st->idx, &st->stable[i]), ==, 0);
	}
	for (i = 0; i < STRESS_CHURN; i++)
		tnode_set(&st->churn[i], "churn", i);
	urcu_qsbr_thread_offline();
	for (r = 0; r < 2; r++) {
		ra[r] = (struct reader_arg){ st, r };
		assert_int(pthread_create(&rt[r], NULL, stress_reader, &ra[r]), ==, 0);
	}
	assert_int(pthread_create(&wt, NULL, stress_writer, st), ==, 0);
	pthread_join(wt, NULL);
	for (r = 0; r < 2; r++)
		pthread_join(rt[r], NULL);
	urcu_qsbr_thread_online();

	tap_diag("writer: %lu rounds, %lu grows, %lu shrinks", st->rounds, st->grows, st->shrinks);
	for (r = 0; r < 2; r++) {
		tap_diag("reader %d: stable %lu/%lu, present %lu missed %lu, absent %lu found %lu, wrong %lu",
			 r, st->r[r].stable_ok, st->r[r].stable_missed, st->r[r].present_ok,
			 st->r[r].present_missed, st->r[r].absent_ok, st->r[r].absent_found,
			 st->r[r].wrong);
		expect_uint(st->r[r].stable_missed, ==, 0);
		expect_uint(st->r[r].present_missed, ==, 0);
		expect_uint(st->r[r].absent_found, ==, 0);
		expect_uint(st->r[r].wrong, ==, 0);
		/* The checks ran. */
		expect_uint(st->r[r].stable_ok, >, 0);
		expect_uint(st->r[r].present_ok, >, 0);
		expect_uint(st->r[r].absent_ok, >, 0);
	}
	tap_diag("walks %lu, bad %lu", st->r[1].walks, st->r[1].walks_bad);
	expect_uint(st->r[1].walks, >, 0);
	expect_uint(st->r[1].walks_bad, ==, 0);
	expect_uint(st->rounds, >=, 2);
	expect_uint(st->grows, >, 0);
	expect_uint(st->shrinks, >, 0);
	for (i = 0; i < STRESS_STABLE; i++)
		expect_ptr(find(&st->idx, &st->stable[i]), ==, &st->stable[i]);
	__frost_index_destroy(&st->idx);
	rcu_leave();
	free(st);
}

TAP_MAIN()
