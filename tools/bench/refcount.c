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
 * That micro loop is the worst case: the check adds ~4 instructions to a
 * 1-2 instruction operation. The workload variants measure the check where
 * it lives, in an interpreter's inner loop on private objects. One step:
 *
 *   LOAD x3       push an int, a str and another int (incref each);
 *   BUILD_TUPLE   a 3-tuple of a user type, which steals the three stack
 *                 references (one allocation from the private arena);
 *   STORE         into one of 8 "local variables", dropping the tuple
 *                 stored there 8 steps ago (decref: the last reference, so
 *                 its three children are decref'd and it is freed);
 *   SUBSCR x3     load the tuple (incref), push each item (incref), use it
 *                 (frost_int_get(), or for the str frost_map_get() in a
 *                 64-entry private map, the value pushed and popped), pop
 *                 the item and the tuple (decref).
 *
 * 17 refcount operations, one alloc and one free, one map lookup and three
 * int reads per step. The step is one always_inline function compiled into
 * two noipa loops with a constant selecting the refcount code:
 *
 *   wl-frost  frost_incref(), and frost_decref()'s test sequence (sign test,
 *             then zero test) with the zero case calling the workload's
 *             dealloc, which decrefs a tuple's children the same way
 *             before frost_dealloc(): every refcount operation of the step,
 *             children included, pays the check;
 *   wl-plain  o->refcnt++ and `if (--o->refcnt == 0)` with the same dealloc.
 *
 * All objects of the workload are private (ints outside the small-int
 * range, non-interned strs, a private map): the plain variant must never
 * write an immortal count.
 *
 * The loop functions are noipa/noinline with fixed names, so
 * `valgrind --tool=callgrind --toggle-collect=bench_refcount_frost_loop`
 * counts exactly their instructions (tools/bench/callgrind-refcount.sh).
 * Every object ends each chunk at refcount 1: the check after the run
 * proves the loops did their work and freed nothing. The workload's pool
 * objects are back at their starting counts once its locals are cleared,
 * and each variant's checksum matches the one computed from the step count.
 */
#include <stdlib.h>
#include <string.h>
#include <frost/frost.h>
#include "bench.h"

static uint64_t opt_objects = 1024;
static uint64_t opt_passes = 8;
static uint64_t opt_steps = 256;

/* The target: the immortality check costs at most 1 %. */
#define TARGET 1.01

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

/* ----------------------------------------------------------------------- */
/* The interpreter-like workload */

#define WL_POOL		64	/* ints, strs and map entries; a power of two */
#define WL_LOCALS	8	/* tuples alive at once */
#define WL_INT_BASE	1000000	/* pool int k holds WL_INT_BASE + k: not a small int */
#define WL_VAL_BASE	2000000	/* map[str k] holds WL_VAL_BASE + k */

struct wl_tuple {
	struct frost_object head;
	struct frost_object *item[3];
};

static void wl_tuple_trace(struct frost_object *o, frost_visit_fn visit, void *arg)
{
	struct wl_tuple *t = (struct wl_tuple *)o;

	for (int i = 0; i < 3; i++)
		visit(&t->item[i], arg);
}

/* Has children, so it has a trace; wl_dealloc() empties the slots first. */
static const struct frost_type wl_tuple_type = {
	.name = "bench_wl_tuple",
	.basic_size = sizeof(struct wl_tuple),
	.trace = wl_tuple_trace,
};

struct wl_state {
	struct frost_sandbox *sb;
	struct frost_object *ints[WL_POOL];
	struct frost_object *strs[WL_POOL];
	struct frost_object *map;
	struct frost_object *locals[WL_LOCALS];
	uint64_t pc;		/* steps done */
	uint64_t sum;		/* checksum of the values read */
	bool failed;		/* an allocation or a lookup failed */
};

uint64_t bench_refcount_wl_frost_loop(struct wl_state *s, unsigned int steps);
uint64_t bench_refcount_wl_plain_loop(struct wl_state *s, unsigned int steps);
static void wl_dealloc_frost(struct frost_object *o);
static void wl_dealloc_plain(struct frost_object *o);

/* The refcount code of either variant; @plain is a constant at every call. */
static __attribute__((always_inline)) inline void wl_incref(struct frost_object *o, bool plain)
{
	if (plain)
		o->refcnt++;
	else
		frost_incref(o);
}

static __attribute__((always_inline)) inline void wl_decref(struct frost_object *o, bool plain)
{
	uint64_t r;

	if (plain) {
		if (--o->refcnt == 0)
			wl_dealloc_plain(o);
		return;
	}
	/* frost_decref() (include/frost/object.h), the dealloc call aside. */
	r = o->refcnt;
	if (frost_unlikely((int64_t)r < 0))
		return;
#ifdef CONFIG_FROST_DEBUG
	frost_debug_check_owner(o);
#endif
	if (--r == 0)
		wl_dealloc_frost(o);
	else
		o->refcnt = r;
}

/* Release a tuple's children with the variant's decref, then free. */
static __attribute__((always_inline)) inline void wl_dealloc(struct frost_object *o, bool plain)
{
	if (o->type == &wl_tuple_type) {
		struct wl_tuple *t = (struct wl_tuple *)o;

		for (int i = 0; i < 3; i++) {
			struct frost_object *c = t->item[i];

			t->item[i] = NULL;
			wl_decref(c, plain);
		}
	}
	frost_dealloc(o);
}

static __attribute__((noinline)) void wl_dealloc_frost(struct frost_object *o)
{
	wl_dealloc(o, false);
}

static __attribute__((noinline)) void wl_dealloc_plain(struct frost_object *o)
{
	wl_dealloc(o, true);
}

/* What step @i adds to the checksum: the two ints and the str's map value. */
static uint64_t wl_expect(uint64_t i)
{
	return (WL_INT_BASE + (i % WL_POOL)) + (WL_VAL_BASE + ((i * 7) % WL_POOL)) +
	       (WL_INT_BASE + ((i + 1) % WL_POOL));
}

static __attribute__((always_inline)) inline void wl_step(struct wl_state *s, bool plain)
{
	uint64_t i = s->pc++;
	struct frost_object *stack[3], *t, *old;
	size_t slot = i % WL_LOCALS;

	/* LOAD_FAST x3 */
	stack[0] = s->ints[i % WL_POOL];
	stack[1] = s->strs[(i * 7) % WL_POOL];
	stack[2] = s->ints[(i + 1) % WL_POOL];
	for (int k = 0; k < 3; k++)
		wl_incref(stack[k], plain);

	/* BUILD_TUPLE 3: the tuple steals the stack's references. */
	t = frost_object_new(s->sb, &wl_tuple_type, 0);
	if (frost_unlikely(!t)) {
		for (int k = 0; k < 3; k++)
			wl_decref(stack[k], plain);
		s->failed = true;
		return;
	}
	for (int k = 0; k < 3; k++)
		((struct wl_tuple *)t)->item[k] = stack[k];

	/* STORE_FAST: the local's previous tuple loses its last reference. */
	old = s->locals[slot];
	s->locals[slot] = t;
	if (old)
		wl_decref(old, plain);

	/* LOAD_FAST t; BINARY_SUBSCR k; use the item; POP x2 */
	for (int k = 0; k < 3; k++) {
		struct frost_object *tup = s->locals[slot], *x, *v;
		int64_t n = 0;

		wl_incref(tup, plain);
		x = ((struct wl_tuple *)tup)->item[k];
		wl_incref(x, plain);
		if (k == 1) {
			v = frost_map_get(s->map, x);
			if (frost_unlikely(!v)) {
				s->failed = true;
			} else {
				wl_incref(v, plain);
				frost_int_get(v, &n);
				wl_decref(v, plain);
			}
		} else {
			frost_int_get(x, &n);
		}
		s->sum += (uint64_t)n;
		wl_decref(x, plain);
		wl_decref(tup, plain);
	}
}

__bench_noipa uint64_t bench_refcount_wl_frost_loop(struct wl_state *s, unsigned int steps)
{
	for (unsigned int i = 0; i < steps; i++)
		wl_step(s, false);
	return steps;
}

__bench_noipa uint64_t bench_refcount_wl_plain_loop(struct wl_state *s, unsigned int steps)
{
	for (unsigned int i = 0; i < steps; i++)
		wl_step(s, true);
	return steps;
}

static uint64_t chunk_wl_frost(void *arg)
{
	return bench_refcount_wl_frost_loop(arg, (unsigned int)opt_steps);
}

static uint64_t chunk_wl_plain(void *arg)
{
	return bench_refcount_wl_plain_loop(arg, (unsigned int)opt_steps);
}

/* Build the pool: private ints, private strs, a private map str -> int. */
static int wl_init(struct wl_state *s, struct frost_sandbox *sb)
{
	struct frost_object *vals[WL_POOL] = { NULL };
	int ret = -1;

	*s = (struct wl_state){ .sb = sb };
	for (int k = 0; k < WL_POOL; k++) {
		char name[32];
		int len = snprintf(name, sizeof(name), "wl.%d", k);

		s->ints[k] = frost_int_new(sb, WL_INT_BASE + k);
		s->strs[k] = frost_str_new(sb, name, (size_t)len);
		vals[k] = frost_int_new(sb, WL_VAL_BASE + k);
		if (!s->ints[k] || !s->strs[k] || !vals[k]) {
			bench_error("refcount workload: %m");
			goto out;
		}
		if (frost_is_shared(s->ints[k]) || frost_is_shared(s->strs[k]) ||
		    frost_is_shared(vals[k])) {
			bench_error("refcount workload: pool object %d is not private", k);
			goto out;
		}
	}
	s->map = frost_map_new(sb, WL_POOL, s->strs, vals);
	if (!s->map) {
		bench_error("refcount workload: frost_map_new: %m");
		goto out;
	}
	ret = 0;
out:
	/* The map holds the values now. */
	for (int k = 0; k < WL_POOL; k++)
		if (vals[k])
			frost_decref(vals[k]);
	return ret;
}

/*
 * Drop the locals, then check the run: every pool object back at count 1
 * (the str keys: 2, the map holds them), no failure, and the checksum of
 * the @s->pc steps done.
 */
static bool wl_finish(struct wl_state *s, const char *what)
{
	uint64_t expect = 0;
	bool ok = true;

	for (int k = 0; k < WL_LOCALS; k++) {
		if (s->locals[k])
			frost_decref(s->locals[k]);
		s->locals[k] = NULL;
	}
	for (uint64_t i = 0; i < s->pc; i++)
		expect += wl_expect(i);
	if (s->failed) {
		bench_error("refcount: %s: an allocation or a map lookup failed", what);
		ok = false;
	}
	if (s->sum != expect) {
		bench_error("refcount: %s: checksum %llu after %llu steps, expected %llu", what,
			    (unsigned long long)s->sum, (unsigned long long)s->pc,
			    (unsigned long long)expect);
		ok = false;
	}
	for (int k = 0; k < WL_POOL; k++) {
		if (s->ints[k]->refcnt != 1 || s->strs[k]->refcnt != 2) {
			bench_error("refcount: %s: pool object %d has counts %llu/%llu, expected 1/2",
				    what, k, (unsigned long long)s->ints[k]->refcnt,
				    (unsigned long long)s->strs[k]->refcnt);
			ok = false;
			break;
		}
	}
	return ok;
}

static void wl_destroy(struct wl_state *s)
{
	for (int k = 0; k < WL_LOCALS; k++)
		if (s->locals[k])
			frost_decref(s->locals[k]);
	if (s->map)
		frost_decref(s->map);
	for (int k = 0; k < WL_POOL; k++) {
		if (s->ints[k])
			frost_decref(s->ints[k]);
		if (s->strs[k])
			frost_decref(s->strs[k]);
	}
	*s = (struct wl_state){ 0 };
}

/* ----------------------------------------------------------------------- */

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

enum { V_FROST, V_PLAIN, V_SHARED, V_WL_FROST, V_WL_PLAIN, NR_V };

static const char *const refcount_variants[] = {
	"frost", "plain", "shared", "wl-frost", "wl-plain", NULL
};

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
	struct refcount_arg args[V_SHARED + 1];
	struct wl_state wl[2];		/* wl-frost, wl-plain */
	void *argp[NR_V] = { &args[V_FROST], &args[V_PLAIN], &args[V_SHARED], &wl[0], &wl[1] };
	bench_chunk_fn fns[NR_V] = { chunk_frost, chunk_plain, chunk_frost,
				     chunk_wl_frost, chunk_wl_plain };
	double res[NR_V][BENCH_MAX_REPS];
	double med[NR_V] = { 0 };
	size_t n = (size_t)opt_objects;
	int ret = -1;

	memset(wl, 0, sizeof(wl));
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
	for (int w = 0; w < 2; w++)
		if (wl_init(&wl[w], sb))
			goto out;

	bench_info(c, "# ns/op; one op = one incref or one decref; %zu objects x %llu passes x 2 per chunk\n",
		   n, (unsigned long long)opt_passes);
	bench_info(c, "# wl-*: ns/step; one step = 17 refcount ops, 1 alloc+free, 1 map lookup, 3 int reads; %llu steps per chunk\n",
		   (unsigned long long)opt_steps);
	for (unsigned int r = 0; r < c->reps; r++) {
		bench_info(c, "rep %u/%u:", r + 1, c->reps);
		for (int v = 0; v < NR_V; v++) {
			if (!bench_variant_on(c, refcount_variants[v]))
				continue;
			res[v][r] = bench_measure(c, fns[v], argp[v]);
			bench_info(c, " %s %.3f", refcount_variants[v], res[v][r]);
		}
		bench_info(c, " ns/op\n");
	}
	if (!check_counts(priv, n, priv_cnt, "private") ||
	    !check_counts(shared, n, shared_cnt, "shared") ||
	    !wl_finish(&wl[0], "wl-frost") || !wl_finish(&wl[1], "wl-plain"))
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
		bench_csv(c, "refcount", refcount_variants[v], "median", med[v],
			  v >= V_WL_FROST ? "ns/step" : "ns/op");
	}
	if (ret)
		goto out;
	if (med[V_FROST] > 0 && med[V_PLAIN] > 0) {
		bench_info(c, "frost/plain  %.3f  (immortality check overhead %+.1f%%)\n",
			   med[V_FROST] / med[V_PLAIN], (med[V_FROST] / med[V_PLAIN] - 1) * 100);
		bench_summary(c, "refcount_private", med[V_FROST], med[V_PLAIN], "ns/op", TARGET);
	}
	if (med[V_SHARED] > 0 && med[V_PLAIN] > 0) {
		bench_info(c, "shared/plain %.3f  (shared objects are never written)\n",
			   med[V_SHARED] / med[V_PLAIN]);
		bench_summary(c, "refcount_shared", med[V_SHARED], med[V_PLAIN], "ns/op", 0);
	}
	if (med[V_WL_FROST] > 0 && med[V_WL_PLAIN] > 0) {
		bench_info(c, "wl-frost/wl-plain %.3f  (immortality check in the workload %+.1f%%)\n",
			   med[V_WL_FROST] / med[V_WL_PLAIN],
			   (med[V_WL_FROST] / med[V_WL_PLAIN] - 1) * 100);
		bench_summary(c, "refcount_workload", med[V_WL_FROST], med[V_WL_PLAIN], "ns/step",
			      TARGET);
	}
out:
	for (int w = 0; w < 2; w++)
		if (wl[w].sb)
			wl_destroy(&wl[w]);
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
	{ .name = "steps", .metavar = "N", .kind = BENCH_OPT_UINT, .value = &opt_steps,
	  .min = 1, .max = 1u << 24, .help = "workload steps per chunk (default 256)" },
	{ .name = NULL },
};

const struct bench bench_refcount = {
	.name = "refcount",
	.help = "inline frost_incref/decref (immortal sign test) vs plain ++/--: bare loops and an interpreter-like workload",
	.variants = refcount_variants,
	.chunk = "one call of bench_refcount_<frost|plain>_loop(): objects x passes x 2 ops; "
		 "of bench_refcount_wl_<frost|plain>_loop(): --steps steps",
	.options = refcount_options,
	.run = refcount_run,
};
