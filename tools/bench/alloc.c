// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tools/bench/alloc.c - `frost-bench alloc`: private allocation and free
 * through frost's arena versus glibc malloc and mimalloc, in one run.
 *
 * Theory of operation. Five allocators, each called directly by name:
 *   object    frost_object_new() + frost_decref() of a user type without
 *             trace or finalize: the public API (the body is zeroed; both
 *             are inline, include/frost/object.h);
 *   uninit    frost_object_new_uninit() + frost_decref(): the same without
 *             the zeroing (the header written, as for the three below);
 *   raw       __frost_private_alloc() + __frost_private_free(): the arena
 *             alone (lib/mm/private.h), the allocator-to-allocator figure;
 *   glibc     glibc's malloc()/free();
 *   mimalloc  mi_malloc()/mi_free() (libmimalloc-dev, linked, not
 *             interposed: see below).
 * raw, glibc and mimalloc write a 16-byte header into each block, the part
 * of object initialisation every allocator must do; object does its own.
 * Every pointer escapes through bench_escape() so no pair is optimised away.
 *
 * Two shared allocators, next to the private ones (no target; the
 * figures show what sharing costs):
 *   freeze    frost_object_new() + frost_freeze() + frost_decref() of an
 *             immutable user type: the public way to make a shared object
 *             (a copy into the per-CPU shared slabs); the copy is garbage
 *             at once and the background reclaimer frees it (the sandbox
 *             passes a quiescent state after every chunk), so "free" is
 *             the reclaimer's, off this thread;
 *   builder   frost_shared_new() + frost_shared_seal() of the same type:
 *             the frozen builder, made in the shared slab in place (no
 *             private object, no copy); garbage at once and freed by the
 *             reclaimer like freeze's (target: <= 1.5x object);
 *   tuple     frost_tuple_new() of 1..5 static small ints + frost_decref():
 *             a small private tuple built and dropped;
 *   tfreeze   the same tuple built, frost_freeze()d and the private
 *             original dropped (target, issue 15: <= 1.5x tuple; freeze
 *             moves what the caller owns uniquely, see freeze.c);
 *   tmove     the same with frost_freeze_opt(FROST_FREEZE_MOVE), which
 *             drops the original itself (without a walk: it is owned
 *             uniquely and its items are static);
 *   shared    __frost_shared_alloc() + __frost_shared_unalloc(): the
 *             sandbox's shared magazine refilled from the per-CPU depot
 *             (lib/mm/shared.h), the allocator alone.
 * --size N replaces the cycling sizes with one size (CSV metric size_N).
 *
 * Two patterns, sizes cycling through 16, 32, 48, 64, 96, 128, 192, 256:
 *   lifo      allocate, free at once (1024 pairs per chunk);
 *   batch     allocate 1000, then free them in allocation order
 *             (1000 pairs per chunk).
 * The result is ns per alloc+free pair, median of --reps; every allocator
 * is measured in every repetition, interleaved.
 *
 * Debian's libmimalloc.so also exports malloc/free (and __libc_malloc):
 * linked before libc it replaces glibc's allocator for the whole process.
 * So the glibc variant calls the malloc/free that libc.so.6 itself defines,
 * found with dlsym() on libc's handle, whatever the link order; the
 * parameter block says whether the process malloc is interposed.
 *
 * Targets (issue 14): frost <= 0.5x glibc and <= 0.8x mimalloc. A miss prints
 * verdict=MISS but never fails the run.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <mimalloc.h>
#include <frost/frost.h>
#include "mm/private.h"
#include "mm/shared.h"
#include "bench.h"

#define LIFO_PAIRS	1024
#define BATCH_PAIRS	1000

#define TARGET_GLIBC	0.5
#define TARGET_MIMALLOC	0.8
#define TARGET_BUILDER	1.5	/* builder vs a private object pair */
#define TARGET_TFREEZE	1.5	/* tuple build+freeze+drop vs build+drop */

static const char *opt_pattern = "all";
static const char *const alloc_patterns[] = { "lifo", "batch", "all", NULL };

static size_t alloc_sizes[8] = { 16, 32, 48, 64, 96, 128, 192, 256 };
static uint64_t opt_size;	/* 0: cycle through alloc_sizes */

static const struct frost_type bench_alloc_type = {
	.name = "bench_alloc",
	.basic_size = sizeof(struct frost_object),
};

static const struct frost_type bench_frozen_type = {
	.name = "bench_frozen",
	.basic_size = sizeof(struct frost_object),
	.flags = FROST_TYPE_IMMUTABLE,
};

static void *(*glibc_malloc)(size_t);
static void (*glibc_free)(void *);

struct alloc_arg {
	struct frost_sandbox *sb;
	void *ptrs[BATCH_PAIRS];
};

static __attribute__((noreturn)) void alloc_oom(const char *who)
{
	bench_error("alloc: %s returned NULL", who);
	exit(1);
}

/* The header every object gets: a count and a type pointer. */
static inline void *init_header(void *p)
{
	if (p) {
		((uint64_t *)p)[0] = 1;
		((const void **)p)[1] = &bench_alloc_type;
	}
	return p;
}

#define OBJECT_ALLOC(a, sz)	frost_object_new((a)->sb, &bench_alloc_type, (sz))
#define OBJECT_FREE(a, p)	frost_decref(p)
#define UNINIT_ALLOC(a, sz)	frost_object_new_uninit((a)->sb, &bench_alloc_type, (sz))
#define RAW_ALLOC(a, sz)	init_header(__frost_private_alloc((a)->sb, (sz)))
#define RAW_FREE(a, p)		__frost_private_free(p)
#define GLIBC_ALLOC(a, sz)	((void)(a), init_header(glibc_malloc(sz)))
#define GLIBC_FREE(a, p)	glibc_free(p)
#define MI_ALLOC(a, sz)		((void)(a), init_header(mi_malloc(sz)))
#define MI_FREE(a, p)		mi_free(p)
#define FREEZE_ALLOC(a, sz)	freeze_one((a)->sb, (sz))
#define FREEZE_FREE(a, p)	((void)(p))
#define BUILDER_ALLOC(a, sz)	build_one((a)->sb, (sz))
#define BUILDER_FREE(a, p)	((void)(p))
#define TUPLE_ALLOC(a, sz)	tuple_one((a)->sb, (sz))
#define TFREEZE_ALLOC(a, sz)	tfreeze_one((a)->sb, (sz))
#define TMOVE_ALLOC(a, sz)	tmove_one((a)->sb, (sz))
#define SHARED_ALLOC(a, sz)	init_header(__frost_shared_alloc((a)->sb, (sz)))
#define SHARED_FREE(a, p)	__frost_shared_unalloc((a)->sb, (p))
#define NO_END(a)		((void)(a))
#define QS_END(a)		frost_quiescent((a)->sb)

/* Freeze private @p (NULL: a failed allocation) and drop the original. */
static inline struct frost_object *freeze_drop(struct frost_sandbox *sb, struct frost_object *p)
{
	struct frost_object *f;

	if (frost_unlikely(!p))
		return NULL;
	f = frost_freeze(sb, p);
	frost_decref(p);
	return f;
}

/*
 * A shared small object through the public path: a private object frozen
 * (copied into the per-CPU shared slabs), the private original dropped.
 * The frozen copy is garbage at once; the background reclaimer frees it
 * after the sandbox's next quiescent state (one per chunk), so the pair
 * cost includes the allocation side only, sweeping runs in its thread.
 */
static inline struct frost_object *freeze_one(struct frost_sandbox *sb, size_t sz)
{
	return freeze_drop(sb, frost_object_new(sb, &bench_frozen_type, sz));
}

/* The same shared object through the frozen builder: made in place. */
static inline struct frost_object *build_one(struct frost_sandbox *sb, size_t sz)
{
	struct frost_object *o = frost_shared_new(sb, &bench_frozen_type, sz);

	if (frost_unlikely(!o) || frost_unlikely(frost_shared_seal(sb, o)))
		return NULL;
	return o;
}

/*
 * A small private tuple (1 + @sz / 64 items, at most 5: static small ints, so
 * the tuple is the only allocation), built and dropped: the baseline of
 * tfreeze below.
 */
static inline struct frost_object *tuple_one(struct frost_sandbox *sb, size_t sz)
{
	struct frost_object *items[5];
	size_t n = sz < 256 ? 1 + sz / 64 : 5;

	for (size_t i = 0; i < n; i++)
		items[i] = frost_int_new(sb, (int64_t)(i + sz));
	return frost_tuple_new(sb, n, items);
}

/*
 * The same tuple built, frozen and the private original dropped (the
 * pattern the "freeze moves what it owns uniquely" target names:
 * <= 1.5x tuple). The frozen copy is garbage at once, as freeze's.
 */
static inline struct frost_object *tfreeze_one(struct frost_sandbox *sb, size_t sz)
{
	return freeze_drop(sb, tuple_one(sb, sz));
}

/* The same with FROST_FREEZE_MOVE: the freeze drops the original itself. */
static inline struct frost_object *tmove_one(struct frost_sandbox *sb, size_t sz)
{
	struct frost_object *p = tuple_one(sb, sz);

	if (frost_unlikely(!p))
		return NULL;
	return frost_freeze_opt(sb, p, FROST_FREEZE_MOVE);
}

/*
 * One LIFO and one batch chunk function per allocator, each calling it
 * directly; noinline, with stable names, for callgrind.
 */
#define DEFINE_ALLOC_VARIANT(name, ptr_t, ALLOC, FREE, END)			\
static __bench_noipa uint64_t bench_alloc_lifo_##name(void *arg)		\
{										\
	struct alloc_arg *a = arg;						\
										\
	for (unsigned int i = 0; i < LIFO_PAIRS; i++) {				\
		ptr_t *p = ALLOC(a, alloc_sizes[i & 7]);			\
										\
		if (frost_unlikely(!p))						\
			alloc_oom(#name);					\
		bench_escape(p);						\
		FREE(a, p);							\
	}									\
	END(a);									\
	return LIFO_PAIRS;							\
}										\
										\
static __bench_noipa uint64_t bench_alloc_batch_##name(void *arg)		\
{										\
	struct alloc_arg *a = arg;						\
										\
	for (unsigned int i = 0; i < BATCH_PAIRS; i++) {			\
		ptr_t *p = ALLOC(a, alloc_sizes[i & 7]);			\
										\
		if (frost_unlikely(!p))						\
			alloc_oom(#name);					\
		bench_escape(p);						\
		a->ptrs[i] = p;							\
	}									\
	bench_barrier();							\
	for (unsigned int i = 0; i < BATCH_PAIRS; i++)				\
		FREE(a, (ptr_t *)a->ptrs[i]);					\
	END(a);									\
	return BATCH_PAIRS;							\
}

DEFINE_ALLOC_VARIANT(object, struct frost_object, OBJECT_ALLOC, OBJECT_FREE, NO_END)
DEFINE_ALLOC_VARIANT(raw, void, RAW_ALLOC, RAW_FREE, NO_END)
DEFINE_ALLOC_VARIANT(uninit, struct frost_object, UNINIT_ALLOC, OBJECT_FREE, NO_END)
DEFINE_ALLOC_VARIANT(glibc, void, GLIBC_ALLOC, GLIBC_FREE, NO_END)
DEFINE_ALLOC_VARIANT(mimalloc, void, MI_ALLOC, MI_FREE, NO_END)
DEFINE_ALLOC_VARIANT(freeze, struct frost_object, FREEZE_ALLOC, FREEZE_FREE, QS_END)
DEFINE_ALLOC_VARIANT(shared, struct frost_object, SHARED_ALLOC, SHARED_FREE, NO_END)
DEFINE_ALLOC_VARIANT(builder, struct frost_object, BUILDER_ALLOC, BUILDER_FREE, QS_END)
DEFINE_ALLOC_VARIANT(tuple, struct frost_object, TUPLE_ALLOC, OBJECT_FREE, NO_END)
DEFINE_ALLOC_VARIANT(tfreeze, struct frost_object, TFREEZE_ALLOC, FREEZE_FREE, QS_END)
DEFINE_ALLOC_VARIANT(tmove, struct frost_object, TMOVE_ALLOC, FREEZE_FREE, QS_END)

enum { A_OBJECT, A_RAW, A_UNINIT, A_GLIBC, A_MIMALLOC, A_FREEZE, A_SHARED, A_BUILDER, A_TUPLE,
       A_TFREEZE, A_TMOVE, NR_A };
enum { P_LIFO, P_BATCH, NR_P };

static const char *const alloc_variants[] = { "object", "raw", "uninit", "glibc", "mimalloc",
					      "freeze", "shared", "builder", "tuple",
					      "tfreeze", "tmove", NULL };
static const char *const pattern_names[NR_P] = { "lifo", "batch" };

static const bench_chunk_fn alloc_fns[NR_P][NR_A] = {
	[P_LIFO] = { bench_alloc_lifo_object, bench_alloc_lifo_raw, bench_alloc_lifo_uninit,
		     bench_alloc_lifo_glibc, bench_alloc_lifo_mimalloc,
		     bench_alloc_lifo_freeze, bench_alloc_lifo_shared,
		     bench_alloc_lifo_builder, bench_alloc_lifo_tuple,
		     bench_alloc_lifo_tfreeze, bench_alloc_lifo_tmove },
	[P_BATCH] = { bench_alloc_batch_object, bench_alloc_batch_raw, bench_alloc_batch_uninit,
		      bench_alloc_batch_glibc, bench_alloc_batch_mimalloc,
		      bench_alloc_batch_freeze, bench_alloc_batch_shared,
		      bench_alloc_batch_builder, bench_alloc_batch_tuple,
		      bench_alloc_batch_tfreeze, bench_alloc_batch_tmove },
};

/* glibc's own malloc/free, even when libmimalloc interposes the process's. */
static int resolve_glibc(const struct bench_common *c)
{
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	void *global;

	if (!libc) {
		bench_error("alloc: dlopen(libc.so.6): %s", dlerror());
		return -1;
	}
	*(void **)&glibc_malloc = dlsym(libc, "malloc");
	*(void **)&glibc_free = dlsym(libc, "free");
	global = dlsym(RTLD_DEFAULT, "malloc");
	dlclose(libc);
	if (!glibc_malloc || !glibc_free) {
		bench_error("alloc: libc.so.6 has no malloc/free");
		return -1;
	}
	if (!c->quiet) {
		Dl_info info;

		if (global == (void *)glibc_malloc)
			printf("# process malloc: glibc (not interposed)\n");
		else if (dladdr(global, &info) && info.dli_fname)
			printf("# process malloc: interposed by %s; variant glibc calls libc.so.6's own\n",
			       info.dli_fname);
	}
	return 0;
}

static bool pattern_on(int p)
{
	return !strcmp(opt_pattern, "all") || !strcmp(opt_pattern, pattern_names[p]);
}

static void compare(const struct bench_common *c, double med[NR_P][NR_A], int p, int f,
		    int base, double target)
{
	char name[64];
	double ratio;

	if (!med[p][f] || !med[p][base])
		return;
	ratio = med[p][f] / med[p][base];
	snprintf(name, sizeof(name), "alloc%s%s_%s",
		 f == A_RAW ? "_raw" : f == A_UNINIT ? "_uninit" : "",
		 p == P_BATCH ? "_batch" : "", alloc_variants[base]);
	bench_info(c, "%-6s %-6s/%-8s %6.3f   target <= %.2f  %s\n", pattern_names[p],
		   alloc_variants[f], alloc_variants[base], ratio, target,
		   ratio <= target ? "PASS" : "MISS");
	bench_summary(c, name, med[p][f], med[p][base], "ns/pair", target);
}

static int alloc_run(const struct bench_common *c)
{
	static struct alloc_arg arg;
	static double res[NR_P][NR_A][BENCH_MAX_REPS];
	double med[NR_P][NR_A] = { { 0 } };
	struct frost_heap *heap;
	int ret = -1;

	if (opt_size && opt_size < 16) {
		bench_error("alloc: --size below 16 cannot hold an object header");
		return -1;
	}
	for (int i = 0; opt_size && i < 8; i++)
		alloc_sizes[i] = (size_t)opt_size;
	if (resolve_glibc(c))
		return -1;
	if (!c->quiet)
		printf("# mimalloc %d.%d.%d (mi_malloc/mi_free by name)\n", mi_version() / 100,
		       mi_version() / 10 % 10, mi_version() % 10);
	heap = frost_heap_create(NULL);
	if (!heap) {
		bench_error("frost_heap_create: %m");
		return -1;
	}
	arg.sb = frost_sandbox_attach(heap);
	if (!arg.sb) {
		bench_error("frost_sandbox_attach: %m");
		goto out_heap;
	}

	if (opt_size)
		bench_info(c, "# ns per alloc+free pair, size %llu\n", (unsigned long long)opt_size);
	else
		bench_info(c, "# ns per alloc+free pair, sizes 16..256 cycling\n");
	for (unsigned int r = 0; r < c->reps; r++) {
		for (int p = 0; p < NR_P; p++) {
			if (!pattern_on(p))
				continue;
			bench_info(c, "rep %u/%u %-5s:", r + 1, c->reps, pattern_names[p]);
			for (int a = 0; a < NR_A; a++) {
				if (!bench_variant_on(c, alloc_variants[a]))
					continue;
				res[p][a][r] = bench_measure(c, alloc_fns[p][a], &arg);
				bench_info(c, " %s %.2f", alloc_variants[a], res[p][a][r]);
			}
			bench_info(c, "\n");
		}
	}

	ret = 0;
	bench_info(c, "%-6s %-9s %9s %9s %9s  (ns/pair over %u reps)\n", "pattern", "variant",
		   "median", "min", "max", c->reps);
	for (int p = 0; p < NR_P; p++) {
		for (int a = 0; a < NR_A; a++) {
			char what[32];

			if (!pattern_on(p) || !bench_variant_on(c, alloc_variants[a]))
				continue;
			med[p][a] = bench_median(res[p][a], c->reps);
			snprintf(what, sizeof(what), "%s/%s", pattern_names[p], alloc_variants[a]);
			if (!bench_sane(what, med[p][a]))
				ret = -1;
			bench_info(c, "%-6s %-9s %9.2f %9.2f %9.2f\n", pattern_names[p],
				   alloc_variants[a], med[p][a], bench_min(res[p][a], c->reps),
				   bench_max(res[p][a], c->reps));
			if (opt_size) {
				char metric[32];

				snprintf(metric, sizeof(metric), "size_%llu", (unsigned long long)opt_size);
				bench_csv(c, "alloc", what, metric, med[p][a], "ns/pair");
			} else {
				bench_csv(c, "alloc", what, "median", med[p][a], "ns/pair");
			}
		}
	}
	if (ret)
		goto out;
	for (int p = 0; p < NR_P; p++) {
		for (int f = A_OBJECT; f <= A_UNINIT; f++) {
			compare(c, med, p, f, A_GLIBC, TARGET_GLIBC);
			compare(c, med, p, f, A_MIMALLOC, TARGET_MIMALLOC);
		}
		/* Shared allocation next to private: no target, for the record. */
		if (med[p][A_FREEZE] && med[p][A_OBJECT]) {
			char name[48];

			snprintf(name, sizeof(name), "alloc%s_freeze_object",
				 p == P_BATCH ? "_batch" : "");
			bench_summary(c, name, med[p][A_FREEZE], med[p][A_OBJECT], "ns/pair", 0);
		}
		/* The frozen builder: the target, and against freeze. */
		if (med[p][A_BUILDER] && med[p][A_OBJECT]) {
			char name[48];
			double ratio = med[p][A_BUILDER] / med[p][A_OBJECT];

			bench_info(c, "%-6s %-6s/%-8s %6.3f   target <= %.2f  %s\n", pattern_names[p],
				   "builder", "object", ratio, TARGET_BUILDER,
				   ratio <= TARGET_BUILDER ? "PASS" : "MISS");
			snprintf(name, sizeof(name), "alloc%s_builder_object",
				 p == P_BATCH ? "_batch" : "");
			bench_summary(c, name, med[p][A_BUILDER], med[p][A_OBJECT], "ns/pair",
				      TARGET_BUILDER);
		}
		if (med[p][A_BUILDER] && med[p][A_FREEZE]) {
			char name[48];

			snprintf(name, sizeof(name), "alloc%s_builder_freeze",
				 p == P_BATCH ? "_batch" : "");
			bench_summary(c, name, med[p][A_BUILDER], med[p][A_FREEZE], "ns/pair", 0);
		}
		/* Freeze of a uniquely owned small tuple (issue 15's target). */
		for (int f = A_TFREEZE; f <= A_TMOVE; f++) {
			char name[48];
			double ratio;

			if (!med[p][f] || !med[p][A_TUPLE])
				continue;
			ratio = med[p][f] / med[p][A_TUPLE];
			bench_info(c, "%-6s %-6s/%-8s %6.3f   target <= %.2f  %s\n", pattern_names[p],
				   alloc_variants[f], "tuple", ratio, TARGET_TFREEZE,
				   ratio <= TARGET_TFREEZE ? "PASS" : "MISS");
			snprintf(name, sizeof(name), "alloc%s_%s_tuple",
				 p == P_BATCH ? "_batch" : "", alloc_variants[f]);
			bench_summary(c, name, med[p][f], med[p][A_TUPLE], "ns/pair", TARGET_TFREEZE);
		}
		if (med[p][A_SHARED] && med[p][A_RAW]) {
			char name[48];

			snprintf(name, sizeof(name), "alloc%s_shared_raw",
				 p == P_BATCH ? "_batch" : "");
			bench_summary(c, name, med[p][A_SHARED], med[p][A_RAW], "ns/pair", 0);
		}
	}
out:
	frost_sandbox_detach(arg.sb);
out_heap:
	frost_heap_destroy(heap);
	return ret;
}

static const struct bench_option alloc_options[] = {
	{ .name = "pattern", .metavar = "P", .kind = BENCH_OPT_STRING, .value = &opt_pattern,
	  .choices = alloc_patterns, .help = "lifo, batch or all (default all)" },
	{ .name = "size", .metavar = "BYTES", .kind = BENCH_OPT_UINT, .value = &opt_size,
	  .min = 0, .max = 4096, .zero = "16-256",
	  .help = "one block size, 16..4096 (default 0: 16..256 cycling)" },
	{ .name = NULL },
};

const struct bench bench_alloc = {
	.name = "alloc",
	.help = "private alloc+free pairs 16..256 B: frost object/raw arena vs glibc and mimalloc",
	.variants = alloc_variants,
	.chunk = "lifo: 1024 alloc+free pairs; batch: 1000 allocs then 1000 frees",
	.options = alloc_options,
	.run = alloc_run,
};
