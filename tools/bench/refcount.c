// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tools/bench/refcount.c - `frost-bench refcount`: the cost of frost's
 * immortality check in frost_incref()/frost_decref().
 *
 * Theory of operation. An array of --objects private objects of a user type
 * (no trace, no finalize) is walked --passes times per chunk; each pass
 * increfs every object, then (after a compiler barrier, so the two walks
 * cannot be fused and cancelled) decrefs every object. One operation is one
 * incref or one decref: a chunk is passes * objects * 2 operations.
 *
 * Three variants, the same loop compiled into this one binary:
 *   frost   frost_incref()/frost_decref(): load, sign test, store
 *           (decref: zero test, frost_dealloc() on zero);
 *   plain   o->refcnt++ and `if (--o->refcnt == 0) frost_dealloc(o)`: what
 *           a refcount without immortal objects costs (the baseline);
 *   shared  frost_incref()/frost_decref() on immortal objects (the static
 *           small ints): the sign test returns before any write.
 *
 * The loop functions are noipa/noinline with fixed names, so
 * `valgrind --tool=callgrind --toggle-collect=bench_refcount_frost_loop`
 * counts exactly their instructions (tools/bench/callgrind-refcount.sh).
 * Every object ends each chunk at refcount 1: the check after the run
 * proves the loops did their work and freed nothing.
 */
#include <stdlib.h>
#include <frost/frost.h>
#include "bench.h"

static uint64_t opt_objects = 1024;
static uint64_t opt_passes = 8;

struct bench_refobj {
	struct frost_object head;
	uint64_t payload;
};

static const struct frost_type bench_refobj_type = {
	.name = "bench_refobj",
	.basic_size = sizeof(struct bench_refobj),
};

struct refcount_arg {
	struct frost_object **objs;
	size_t n;
	unsigned int passes;
};

uint64_t bench_refcount_frost_loop(struct frost_object **objs, size_t n, unsigned int passes);
uint64_t bench_refcount_plain_loop(struct frost_object **objs, size_t n, unsigned int passes);

/* frost's inline fast paths. Shared objects take this loop too. */
__bench_noipa uint64_t bench_refcount_frost_loop(struct frost_object **objs, size_t n,
						 unsigned int passes)
{
	for (unsigned int p = 0; p < passes; p++) {
		for (size_t i = 0; i < n; i++)
			frost_incref(objs[i]);
		bench_barrier();
		for (size_t i = 0; i < n; i++)
			frost_decref(objs[i]);
		bench_barrier();
	}
	return (uint64_t)passes * n * 2;
}

/* The baseline: the same loop without the immortality test. */
__bench_noipa uint64_t bench_refcount_plain_loop(struct frost_object **objs, size_t n,
						 unsigned int passes)
{
	for (unsigned int p = 0; p < passes; p++) {
		for (size_t i = 0; i < n; i++)
			objs[i]->refcnt++;
		bench_barrier();
		for (size_t i = 0; i < n; i++) {
			struct frost_object *o = objs[i];

			if (--o->refcnt == 0)
				frost_dealloc(o);
		}
		bench_barrier();
	}
	return (uint64_t)passes * n * 2;
}

static uint64_t chunk_frost(void *arg)
{
	struct refcount_arg *a = arg;

	return bench_refcount_frost_loop(a->objs, a->n, a->passes);
}

static uint64_t chunk_plain(void *arg)
{
	struct refcount_arg *a = arg;

	return bench_refcount_plain_loop(a->objs, a->n, a->passes);
}

enum { V_FROST, V_PLAIN, V_SHARED, NR_V };

static const char *const refcount_variants[] = { "frost", "plain", "shared", NULL };

/* Counts must be back where they started: 1 (private) or unchanged (shared). */
static bool check_counts(struct frost_object **objs, size_t n, const uint64_t *expect,
			 const char *what)
{
	for (size_t i = 0; i < n; i++) {
		if (objs[i]->refcnt != expect[i]) {
			bench_error("refcount: %s object %zu has count %llu, expected %llu",
				    what, i, (unsigned long long)objs[i]->refcnt,
				    (unsigned long long)expect[i]);
			return false;
		}
	}
	return true;
}

static int refcount_run(const struct bench_common *c)
{
	struct frost_heap *heap;
	struct frost_sandbox *sb;
	struct frost_object **priv = NULL, **shared = NULL;
	uint64_t *shared_cnt = NULL, *priv_cnt = NULL;
	struct refcount_arg args[NR_V];
	bench_chunk_fn fns[NR_V] = { chunk_frost, chunk_plain, chunk_frost };
	double res[NR_V][BENCH_MAX_REPS];
	double med[NR_V] = { 0 };
	size_t n = (size_t)opt_objects;
	int ret = -1;

	heap = frost_heap_create(NULL);
	if (!heap) {
		bench_error("frost_heap_create: %m");
		return -1;
	}
	sb = frost_sandbox_attach(heap);
	if (!sb) {
		bench_error("frost_sandbox_attach: %m");
		goto out_heap;
	}
	priv = calloc(n, sizeof(*priv));
	shared = calloc(n, sizeof(*shared));
	priv_cnt = calloc(n, sizeof(*priv_cnt));
	shared_cnt = calloc(n, sizeof(*shared_cnt));
	if (!priv || !shared || !priv_cnt || !shared_cnt) {
		bench_error("out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		priv[i] = frost_object_new(sb, &bench_refobj_type, 0);
		if (!priv[i]) {
			bench_error("frost_object_new: %m");
			goto out;
		}
		priv_cnt[i] = 1;
		/* The static small ints 0..999: immortal, shared by every sandbox. */
		shared[i] = frost_int_new(sb, (int64_t)(i % 1000));
		if (!shared[i] || !frost_is_shared(shared[i])) {
			bench_error("frost_int_new(%zu) is not a shared small int", i % 1000);
			goto out;
		}
		shared_cnt[i] = shared[i]->refcnt;
	}
	args[V_FROST] = (struct refcount_arg){ priv, n, (unsigned int)opt_passes };
	args[V_PLAIN] = args[V_FROST];
	args[V_SHARED] = (struct refcount_arg){ shared, n, (unsigned int)opt_passes };

	bench_info(c, "# ns/op; one op = one incref or one decref; %zu objects x %llu passes x 2 per chunk\n",
		   n, (unsigned long long)opt_passes);
	for (unsigned int r = 0; r < c->reps; r++) {
		bench_info(c, "rep %u/%u:", r + 1, c->reps);
		for (int v = 0; v < NR_V; v++) {
			if (!bench_variant_on(c, refcount_variants[v]))
				continue;
			res[v][r] = bench_measure(c, fns[v], &args[v]);
			bench_info(c, " %s %.3f", refcount_variants[v], res[v][r]);
		}
		bench_info(c, " ns/op\n");
	}
	if (!check_counts(priv, n, priv_cnt, "private") ||
	    !check_counts(shared, n, shared_cnt, "shared"))
		goto out;

	ret = 0;
	bench_info(c, "%-8s %10s %10s %10s  (ns/op over %u reps)\n", "variant", "median",
		   "min", "max", c->reps);
	for (int v = 0; v < NR_V; v++) {
		if (!bench_variant_on(c, refcount_variants[v]))
			continue;
		med[v] = bench_median(res[v], c->reps);
		if (!bench_sane(refcount_variants[v], med[v]))
			ret = -1;
		bench_info(c, "%-8s %10.3f %10.3f %10.3f\n", refcount_variants[v], med[v],
			   bench_min(res[v], c->reps), bench_max(res[v], c->reps));
		bench_csv(c, "refcount", refcount_variants[v], "median", med[v], "ns/op");
	}
	if (ret)
		goto out;
	if (med[V_FROST] > 0 && med[V_PLAIN] > 0) {
		bench_info(c, "frost/plain  %.3f  (immortality check overhead %+.1f%%)\n",
			   med[V_FROST] / med[V_PLAIN], (med[V_FROST] / med[V_PLAIN] - 1) * 100);
		bench_summary(c, "refcount_private", med[V_FROST], med[V_PLAIN], "ns/op", 0);
	}
	if (med[V_SHARED] > 0 && med[V_PLAIN] > 0) {
		bench_info(c, "shared/plain %.3f  (shared objects are never written)\n",
			   med[V_SHARED] / med[V_PLAIN]);
		bench_summary(c, "refcount_shared", med[V_SHARED], med[V_PLAIN], "ns/op", 0);
	}
out:
	if (priv)
		for (size_t i = 0; i < n && priv[i]; i++)
			frost_decref(priv[i]);
	free(priv);
	free(shared);
	free(priv_cnt);
	free(shared_cnt);
	frost_sandbox_detach(sb);
out_heap:
	frost_heap_destroy(heap);
	return ret;
}

static const struct bench_option refcount_options[] = {
	{ .name = "objects", .metavar = "N", .kind = BENCH_OPT_UINT, .value = &opt_objects,
	  .min = 1, .max = 1u << 24, .help = "private objects walked per pass (default 1024)" },
	{ .name = "passes", .metavar = "N", .kind = BENCH_OPT_UINT, .value = &opt_passes,
	  .min = 1, .max = 1u << 20, .help = "incref+decref passes per chunk (default 8)" },
	{ .name = NULL },
};

const struct bench bench_refcount = {
	.name = "refcount",
	.help = "inline frost_incref/decref (immortal sign test) vs plain ++/--, private and shared",
	.variants = refcount_variants,
	.chunk = "one call of bench_refcount_<frost|plain>_loop(): objects x passes x 2 ops",
	.options = refcount_options,
	.run = refcount_run,
};
