// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tools/bench/alloc.c - `frost-bench alloc`: private allocation and free
 * through frost's arena versus glibc malloc and mimalloc, in one run.
 *
 * Theory of operation. Four allocators, each called directly by name:
 *   object    frost_object_new() + frost_decref() of a user type without
 *             trace or finalize: the public API (the body is zeroed, the
 *             free goes through frost_dealloc());
 *   raw       __frost_private_alloc() + __frost_private_free(): the arena
 *             alone (lib/mm/private.h), the allocator-to-allocator figure;
 *   glibc     glibc's malloc()/free();
 *   mimalloc  mi_malloc()/mi_free() (libmimalloc-dev, linked, not
 *             interposed: see below).
 * raw, glibc and mimalloc write a 16-byte header into each block, the part
 * of object initialisation every allocator must do; object does its own.
 * Every pointer escapes through bench_escape() so no pair is optimised away.
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
 * Targets (issue): frost <= 0.5x glibc and <= 1.0x mimalloc. A miss prints
 * verdict=MISS but never fails the run.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <mimalloc.h>
#include <frost/frost.h>
#include "mm/private.h"
#include "bench.h"

#define LIFO_PAIRS	1024
#define BATCH_PAIRS	1000

#define TARGET_GLIBC	0.5
#define TARGET_MIMALLOC	1.0

static const char *opt_pattern = "all";
static const char *const alloc_patterns[] = { "lifo", "batch", "all", NULL };

static const size_t alloc_sizes[8] = { 16, 32, 48, 64, 96, 128, 192, 256 };

static const struct frost_type bench_alloc_type = {
	.name = "bench_alloc",
	.basic_size = sizeof(struct frost_object),
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
#define RAW_ALLOC(a, sz)	init_header(__frost_private_alloc((a)->sb, (sz)))
#define RAW_FREE(a, p)		__frost_private_free(p)
#define GLIBC_ALLOC(a, sz)	((void)(a), init_header(glibc_malloc(sz)))
#define GLIBC_FREE(a, p)	glibc_free(p)
#define MI_ALLOC(a, sz)		((void)(a), init_header(mi_malloc(sz)))
#define MI_FREE(a, p)		mi_free(p)

/*
 * One LIFO and one batch chunk function per allocator, each calling it
 * directly; noinline, with stable names, for callgrind.
 */
#define DEFINE_ALLOC_VARIANT(name, ptr_t, ALLOC, FREE)				\
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
	return BATCH_PAIRS;							\
}

DEFINE_ALLOC_VARIANT(object, struct frost_object, OBJECT_ALLOC, OBJECT_FREE)
DEFINE_ALLOC_VARIANT(raw, void, RAW_ALLOC, RAW_FREE)
DEFINE_ALLOC_VARIANT(glibc, void, GLIBC_ALLOC, GLIBC_FREE)
DEFINE_ALLOC_VARIANT(mimalloc, void, MI_ALLOC, MI_FREE)

enum { A_OBJECT, A_RAW, A_GLIBC, A_MIMALLOC, NR_A };
enum { P_LIFO, P_BATCH, NR_P };

static const char *const alloc_variants[] = { "object", "raw", "glibc", "mimalloc", NULL };
static const char *const pattern_names[NR_P] = { "lifo", "batch" };

static const bench_chunk_fn alloc_fns[NR_P][NR_A] = {
	[P_LIFO] = { bench_alloc_lifo_object, bench_alloc_lifo_raw,
		     bench_alloc_lifo_glibc, bench_alloc_lifo_mimalloc },
	[P_BATCH] = { bench_alloc_batch_object, bench_alloc_batch_raw,
		      bench_alloc_batch_glibc, bench_alloc_batch_mimalloc },
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
	snprintf(name, sizeof(name), "alloc%s%s_%s", f == A_RAW ? "_raw" : "",
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
			bench_csv(c, "alloc", what, "median", med[p][a], "ns/pair");
		}
	}
	if (ret)
		goto out;
	for (int p = 0; p < NR_P; p++) {
		for (int f = A_OBJECT; f <= A_RAW; f++) {
			compare(c, med, p, f, A_GLIBC, TARGET_GLIBC);
			compare(c, med, p, f, A_MIMALLOC, TARGET_MIMALLOC);
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
