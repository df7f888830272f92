// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tools/bench/index-bench.c - the namespace index against ck_hs and
 * rculfhash: cost of a successful lookup, and what ThreadSanitizer sees.
 *
 * Theory of operation. One program, three jobs:
 *
 *   index-bench lookup VARIANT NAMES [LOOKUPS]
 *	builds a table of NAMES names ("index.0", "index.1", ...) and does
 *	LOOKUPS (default 2^20) successful lookups, round robin over the
 *	names in a shuffled order, inside bench_index_<variant>_lookups()
 *	(noipa, for callgrind's --toggle-collect: see callgrind-index.sh).
 *	Prints ns/lookup (CLOCK_MONOTONIC; noisy on a shared machine).
 *   index-bench race VARIANT [SECONDS]
 *	one writer inserts fresh nodes and removes them while one reader
 *	looks them up and reads their keys: run it in a TSan build to see
 *	which orderings TSan can check.
 *
 * VARIANT is one of:
 *   frost       lib/ns/index.h (__frost_index_lookup(), match inlined);
 *   ckhs        CK 0.7.1's ck_hs in CK_HS_MODE_SPMC | CK_HS_MODE_OBJECT
 *               with our hash (stored in the node) and compare callbacks;
 *               its arrays come from ck_malloc hooks whose deferred free
 *               goes through one urcu_qsbr_call_rcu() per array;
 *   lfht        liburcu's rculfhash as the namespace uses it today (QSBR
 *               flavour, CDS_LFHT_AUTO_RESIZE, 64 initial buckets); the
 *               lookup phase starts after 0.5 s offline, to give the
 *               resize worker its chance;
 *   lfht-nowait the same, looking up at once (what a reader sees while the
 *               worker lags);
 *   lfht-sized  rculfhash created with NAMES buckets (its best case).
 *
 * Every variant uses the same node (a record with the hash, the length
 * and the name inline), the same precomputed SipHash-1-3 hashes (hashing
 * is not measured) and the same match body (length, then memcmp()). The
 * reader is a registered liburcu-qsbr thread, online.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <ck_hs.h>

#include "core/err.h"
#include "core/tsan.h"
#include "ns/index.h"
#include "bench.h"

struct bnode {
	struct cds_lfht_node lnode;
	uint64_t hash;
	size_t len;
	char name[24];
};

/* What a lookup passes: its own record, which every match callback takes. */
struct bkey {
	uint64_t hash;
	size_t len;
	const char *name;
};

static bool bmatch(const void *node, const void *key)
{
	const struct bnode *n = node;
	const struct bkey *k = key;

	return n->len == k->len && memcmp(n->name, k->name, k->len) == 0;
}

/* ---- ck_hs glue ---- */

/* Header in front of every array ck_hs allocates through us. */
struct ck_block {
	struct rcu_head rcu;
	size_t size;
	size_t pad;
};

static void *ck_block_malloc(size_t size)
{
	struct ck_block *b = malloc(sizeof(*b) + size);

	if (!b)
		return NULL;
	b->size = size;
	return b + 1;
}

static void ck_block_free_rcu(struct rcu_head *head)
{
	free(__frost_container_of(head, struct ck_block, rcu));
}

static void ck_block_free(void *p, size_t size, bool defer)
{
	struct ck_block *b = (struct ck_block *)p - 1;

	(void)size;
	if (!p)
		return;
	if (defer)
		urcu_qsbr_call_rcu(&b->rcu, ck_block_free_rcu);	/* readers may be in it */
	else
		free(b);
}

static void *ck_block_realloc(void *p, size_t old, size_t size, bool defer)
{
	void *q = ck_block_malloc(size);

	if (q && p) {
		memcpy(q, p, old < size ? old : size);
		ck_block_free(p, old, defer);
	}
	return q;
}

static struct ck_malloc ck_hooks = {
	.malloc = ck_block_malloc,
	.realloc = ck_block_realloc,
	.free = ck_block_free,
};

/* ck_hs rehashes from the stored objects: the hash lives in the node. */
static unsigned long ck_hash_cb(const void *obj, unsigned long seed)
{
	(void)seed;
	return (unsigned long)((const struct bnode *)obj)->hash;
}

/* ck_hs calls compare(stored object, key passed to ck_hs_get()). */
static bool ck_compare_cb(const void *obj, const void *key)
{
	return bmatch(obj, key);
}

/* ---- rculfhash glue ---- */

static int lfht_match(struct cds_lfht_node *ln, const void *key)
{
	return bmatch(caa_container_of(ln, struct bnode, lnode), key);
}

/* ---- the variants ---- */

enum variant { V_FROST, V_CKHS, V_LFHT, V_LFHT_NOWAIT, V_LFHT_SIZED };
static const char *const variant_names[] = { "frost", "ckhs", "lfht", "lfht-nowait", "lfht-sized" };

struct table {
	enum variant v;
	struct frost_index idx;
	ck_hs_t hs;
	struct cds_lfht *ht;
};

static int table_init(struct table *t, enum variant v, size_t names)
{
	t->v = v;
	switch (v) {
	case V_FROST:
		return __frost_index_init(&t->idx, 0);
	case V_CKHS:
		return ck_hs_init(&t->hs, CK_HS_MODE_SPMC | CK_HS_MODE_OBJECT, ck_hash_cb,
				  ck_compare_cb, &ck_hooks, 64, 0) ? 0 : -ENOMEM;
	case V_LFHT:
	case V_LFHT_NOWAIT:
	case V_LFHT_SIZED: {
		unsigned long init = 64;

		if (v == V_LFHT_SIZED)
			while (init < names)
				init <<= 1;
		t->ht = cds_lfht_new_flavor(init, 64, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING,
					    &urcu_qsbr_flavor, NULL);
		return t->ht ? 0 : -ENOMEM;
	}
	}
	return -EINVAL;
}

static int table_insert(struct table *t, struct bnode *n)
{
	struct bkey k = { n->hash, n->len, n->name };

	switch (t->v) {
	case V_FROST:
		return __frost_index_insert(&t->idx, n->hash, n, bmatch, &k, NULL);
	case V_CKHS:
		/* Single writer: a get, then the unique put, as a wrapper would. */
		if (ck_hs_get(&t->hs, (unsigned long)n->hash, &k))
			return -EEXIST;
		return ck_hs_put_unique(&t->hs, (unsigned long)n->hash, n) ? 0 : -ENOMEM;
	default:
		cds_lfht_node_init(&n->lnode);
		return cds_lfht_add_unique(t->ht, (unsigned long)n->hash, lfht_match, &k,
					   &n->lnode) == &n->lnode ? 0 : -EEXIST;
	}
}

static void table_remove(struct table *t, struct bnode *n)
{
	struct bkey k = { n->hash, n->len, n->name };

	switch (t->v) {
	case V_FROST:
		__frost_index_remove_node(&t->idx, n->hash, n);
		break;
	case V_CKHS:
		ck_hs_remove(&t->hs, (unsigned long)n->hash, &k);
		break;
	default:
		cds_lfht_del(t->ht, &n->lnode);
		break;
	}
}

/* The lookups, one function per variant for callgrind's --toggle-collect. */
#define LOOKUPS_FN(name, expr)							\
__bench_noipa unsigned long bench_index_##name##_lookups(struct table *t,	\
		const struct bkey *const *keys, size_t n, size_t count);	\
__bench_noipa unsigned long bench_index_##name##_lookups(struct table *t,	\
		const struct bkey *const *keys, size_t n, size_t count)	\
{									\
	unsigned long hits = 0;						\
	size_t i, j = 0;						\
									\
	for (i = 0; i < count; i++) {					\
		const struct bkey *k = keys[j];				\
									\
		hits += (expr) != NULL;					\
		if (++j == n)						\
			j = 0;						\
	}								\
	return hits;							\
}

static inline void *lfht_find(struct cds_lfht *ht, const struct bkey *k)
{
	struct cds_lfht_iter iter;

	cds_lfht_lookup(ht, (unsigned long)k->hash, lfht_match, k, &iter);
	return cds_lfht_iter_get_node(&iter);
}

LOOKUPS_FN(frost, __frost_index_lookup(&t->idx, k->hash, bmatch, k))
LOOKUPS_FN(ckhs, ck_hs_get(&t->hs, (unsigned long)k->hash, k))
LOOKUPS_FN(lfht, lfht_find(t->ht, k))

static void *table_find(struct table *t, const struct bkey *k)
{
	switch (t->v) {
	case V_FROST:
		return __frost_index_lookup(&t->idx, k->hash, bmatch, k);
	case V_CKHS:
		return ck_hs_get(&t->hs, (unsigned long)k->hash, k);
	default:
		return lfht_find(t->ht, k);
	}
}

static void bnode_set(struct bnode *n, unsigned long i)
{
	n->len = (size_t)snprintf(n->name, sizeof(n->name), "index.%lu", i);
	n->hash = __frost_hash_bytes(n->name, n->len);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int parse_variant(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(variant_names) / sizeof(variant_names[0]); i++)
		if (strcmp(s, variant_names[i]) == 0)
			return (int)i;
	fprintf(stderr, "index-bench: unknown variant '%s'\n", s);
	return -1;
}

static int run_lookup(enum variant v, size_t names, size_t count)
{
	struct bnode *nodes = calloc(names, sizeof(*nodes));
	struct bkey *keys = calloc(names, sizeof(*keys));
	const struct bkey **order = calloc(names, sizeof(*order));
	struct table t;
	unsigned long hits = 0;
	unsigned int seed = 42;
	double t0, t1;
	size_t i;

	if (!nodes || !keys || !order || table_init(&t, v, names)) {
		fprintf(stderr, "index-bench: out of memory\n");
		return 1;
	}
	for (i = 0; i < names; i++) {
		bnode_set(&nodes[i], i);
		/* Keys own copies of the text, as a caller's would. */
		keys[i].hash = nodes[i].hash;
		keys[i].len = nodes[i].len;
		keys[i].name = strdup(nodes[i].name);
		if (table_insert(&t, &nodes[i])) {
			fprintf(stderr, "index-bench: insert %zu failed\n", i);
			return 1;
		}
		order[i] = &keys[i];
		if (i % 1024 == 0)
			urcu_qsbr_quiescent_state();
	}
	for (i = names - 1; i > 0; i--) {
		size_t j = (size_t)rand_r(&seed) % (i + 1);
		const struct bkey *x = order[i];

		order[i] = order[j];
		order[j] = x;
	}
	if (v == V_LFHT) {
		urcu_qsbr_thread_offline();
		usleep(500000);
		urcu_qsbr_thread_online();
	}
	t0 = now();
	switch (v) {
	case V_FROST:
		hits = bench_index_frost_lookups(&t, order, names, count);
		break;
	case V_CKHS:
		hits = bench_index_ckhs_lookups(&t, order, names, count);
		break;
	default:
		hits = bench_index_lfht_lookups(&t, order, names, count);
		break;
	}
	t1 = now();
	if (hits != count) {
		fprintf(stderr, "index-bench: %lu hits of %zu lookups\n", hits, count);
		return 1;
	}
	printf("SUMMARY name=index_lookup variant=%s names=%zu lookups=%zu ns=%.2f unit=ns/lookup\n",
	       variant_names[v], names, count, (t1 - t0) * 1e9 / (double)count);
	/* The process exits: no teardown (rculfhash's 0.13.2 destroy rules). */
	return 0;
}

/* ---- race: what TSan sees ---- */

struct race {
	struct table t;
	struct bnode *slot[64];		/* atomic: the node currently in for key i */
	int stop;			/* atomic */
	unsigned long found;
};

static void *race_reader(void *p)
{
	struct race *r = p;
	unsigned long ops = 0;

	urcu_qsbr_register_thread();
	/* Relaxed: a stop flag. */
	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		char name[24];
		struct bkey k;
		const struct bnode *n;

		k.len = (size_t)snprintf(name, sizeof(name), "index.%lu", ops % 64);
		k.name = name;
		k.hash = __frost_hash_bytes(name, k.len);
		n = table_find(&r->t, &k);
		/* Read the node's key as any user of the result would. */
		if (n && n->len == k.len)
			r->found++;
		if (++ops % 64 == 0)
			urcu_qsbr_quiescent_state();
	}
	urcu_qsbr_unregister_thread();
	return NULL;
}

static int run_race(enum variant v, double seconds)
{
	struct race *r = calloc(1, sizeof(*r));
	struct bnode **all;
	size_t nall = 0, cap = 1 << 16;
	pthread_t rt;
	unsigned long i = 0;
	double end;

	all = calloc(cap, sizeof(*all));
	if (!r || !all || table_init(&r->t, v, 64))
		return 1;
	if (pthread_create(&rt, NULL, race_reader, r))
		return 1;
	end = now() + seconds;
	while (now() < end && nall < cap) {
		unsigned long k = i++ % 64;
		struct bnode *old = r->slot[k], *n = malloc(sizeof(*n));

		if (!n)
			break;
		/* Written by us, then published by the table's insert. */
		bnode_set(n, k);
		if (old)
			table_remove(&r->t, old);
		if (table_insert(&r->t, n))
			return 1;
		r->slot[k] = n;
		all[nall++] = n;	/* never freed while the reader runs */
		urcu_qsbr_quiescent_state();
	}
	/* Relaxed: a stop flag. */
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
	pthread_join(rt, NULL);
	printf("SUMMARY name=index_race variant=%s inserts=%zu reader_hits=%lu\n",
	       variant_names[v], nall, r->found);
	return 0;
}

int main(int argc, char **argv)
{
	int v, ret;

	if (argc < 3 || (strcmp(argv[1], "lookup") && strcmp(argv[1], "race"))) {
		fprintf(stderr, "usage: index-bench lookup VARIANT NAMES [LOOKUPS]\n"
				"       index-bench race VARIANT [SECONDS]\n"
				"VARIANT: frost ckhs lfht lfht-nowait lfht-sized\n");
		return 2;
	}
	v = parse_variant(argv[2]);
	if (v < 0)
		return 2;
	urcu_qsbr_register_thread();
	if (strcmp(argv[1], "lookup") == 0) {
		size_t names = argc > 3 ? strtoul(argv[3], NULL, 0) : 1024;
		size_t count = argc > 4 ? strtoul(argv[4], NULL, 0) : 1 << 20;

		if (names == 0 || count == 0)
			return 2;
		ret = run_lookup((enum variant)v, names, count);
	} else {
		ret = run_race((enum variant)v, argc > 3 ? strtod(argv[3], NULL) : 1.0);
	}
	urcu_qsbr_unregister_thread();
	return ret;
}
