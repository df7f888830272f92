/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tools/bench/bench.h - the frost-bench driver and the benchmarks it runs.
 *
 * Theory of operation. frost-bench is one program with one subcommand per
 * benchmark. Each benchmark lives in its own file and exports one
 * struct bench (its name, a one-line description, its variant names, its
 * own options and its run function); main.c lists them in bench_table[].
 * Adding a benchmark is one file, one line in bench_table[] and one object
 * in tools/Kbuild.
 *
 * The driver parses the common options (struct bench_common), the
 * benchmark's own options (struct bench_option, parsed generically into the
 * variables they point to), prints every parameter, then calls run().
 *
 * A benchmark measures with bench_measure(): a "chunk" callback does a fixed
 * amount of work and returns how many operations it did; bench_measure()
 * repeats it for --duration seconds (or exactly --iterations times) between
 * two CLOCK_MONOTONIC reads and returns nanoseconds per operation. Variants
 * are measured interleaved within each repetition, so drift on this noisy
 * 2-vCPU machine hits both sides of a comparison alike; results are the
 * median of --reps repetitions. Comparisons end in one line each:
 *
 *   SUMMARY name=<comparison> [<option>=<v>...] frost=<v> baseline=<v> ratio=<frost/baseline> unit=<u>
 *
 * where the options are every one of the benchmark's own (--size, --names,
 * --readers, ...) with its value in this run, so that two rows of one
 * comparison measured with different parameters (alloc_glibc at each
 * --size) are told apart; their CSV rows name the comparison
 * <comparison>[<option>=<v>;...] for the same reason.
 *
 * Nothing here is thread-safe: benchmarks that start threads report from
 * the main thread.
 */
#ifndef __FROST_BENCH_H
#define __FROST_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BENCH_MAX_REPS		101
#define BENCH_MAX_VARIANTS	16

/*
 * bench_barrier() - a compiler barrier: memory is neither cached in
 * registers across it nor are stores before it dropped as dead.
 */
#define bench_barrier() __asm__ __volatile__("" ::: "memory")

/*
 * bench_escape() - make @p look used: the compiler must assume that the
 * memory it points to is read and written here, so an allocation cannot be
 * optimised away (nor a malloc/free pair folded).
 */
static inline void bench_escape(void *p)
{
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

/*
 * __bench_noipa: for functions that valgrind's --toggle-collect names. GCC's
 * noipa also forbids cloning (foo.constprop.0) and interprocedural
 * shortcuts; clang has no noipa and does not clone noinline functions.
 */
#if defined(__has_attribute)
# if __has_attribute(noipa)
#  define __bench_noipa __attribute__((noipa))
# endif
#endif
#ifndef __bench_noipa
# define __bench_noipa __attribute__((noinline))
#endif

/* struct bench_common - options every benchmark takes. */
struct bench_common {
	double duration;	/* seconds per measurement */
	unsigned int reps;	/* repetitions; results are medians */
	uint64_t iterations;	/* >0: fixed work, this many chunks per measurement */
	const char *variant;	/* NULL: all; else one of the benchmark's variants */
	const char *csv_path;	/* NULL: no CSV */
	FILE *csv;
	bool quiet;
};

enum bench_opt_kind {
	BENCH_OPT_UINT,		/* value: uint64_t * */
	BENCH_OPT_STRING,	/* value: const char ** */
};

/* struct bench_option - one --name VALUE option of a benchmark. */
struct bench_option {
	const char *name;	/* without the leading "--" */
	const char *metavar;
	const char *help;
	enum bench_opt_kind kind;
	void *value;
	uint64_t min, max;	/* BENCH_OPT_UINT: accepted range */
	const char *const *choices;	/* BENCH_OPT_STRING: NULL-terminated, or NULL: any */
	const char *zero;	/* BENCH_OPT_UINT: what 0 means, for SUMMARY lines (NULL: "0") */
};

/*
 * struct bench - one subcommand.
 * @name: the subcommand, also the "bench" column of the CSV.
 * @help: one line for `frost-bench list`.
 * @variants: NULL-terminated variant names (what --variant accepts).
 * @chunk: what one chunk of --iterations is, for the parameter line.
 * @options: the benchmark's own options, terminated by a zero entry.
 * @run: measure and report; 0 on success, -1 on a failed sanity check
 *	(frost-bench then exits 1). A missed performance target is not a failure.
 */
struct bench {
	const char *name;
	const char *help;
	const char *const *variants;
	const char *chunk;
	const struct bench_option *options;
	int (*run)(const struct bench_common *c);
};

extern const struct bench bench_refcount;
extern const struct bench bench_alloc;
extern const struct bench bench_read;
extern const struct bench bench_churn;
extern const struct bench bench_channel;
extern const struct bench bench_offline;
extern const struct bench bench_lua;
extern const struct bench bench_realdata;	/* with jansson and GLib only */

/* Work function measured by bench_measure(): returns operations done. */
typedef uint64_t (*bench_chunk_fn)(void *arg);

/* Clock @clk in ns (CLOCK_THREAD_CPUTIME_ID, ...); 0 if it cannot be read. */
uint64_t bench_clock_ns(clockid_t clk);
/* CLOCK_MONOTONIC in ns. */
uint64_t bench_now_ns(void);

/*
 * bench_measure() - nanoseconds per operation of @fn(@arg): --iterations
 * chunks if set, else as many as fit in --duration seconds. An untimed
 * warm-up (1/16 of the time, at least one chunk) runs first.
 * Return: ns/op (> 0).
 */
double bench_measure(const struct bench_common *c, bench_chunk_fn fn, void *arg);

/* Is variant @name selected by --variant? */
bool bench_variant_on(const struct bench_common *c, const char *name);

/* Median of @n values (the array is left unchanged); min and max too. */
double bench_median(const double *v, unsigned int n);
double bench_min(const double *v, unsigned int n);
double bench_max(const double *v, unsigned int n);

/* Informational output: suppressed by --quiet. */
__attribute__((format(printf, 2, 3)))
void bench_info(const struct bench_common *c, const char *fmt, ...);

/* One CSV row bench,variant,metric,value,unit (if --csv was given). */
void bench_csv(const struct bench_common *c, const char *bench, const char *variant,
	       const char *metric, double value, const char *unit);

/*
 * bench_summary() - print the SUMMARY line of one comparison (always, even
 * with --quiet) and its CSV row. @target > 0 adds `target=<t> verdict=PASS`
 * (ratio <= target) or `verdict=MISS`; a miss never changes the exit status.
 */
void bench_summary(const struct bench_common *c, const char *name, double frost,
		   double baseline, const char *unit, double target);

/*
 * bench_summary_ge() - the same for a higher-is-better comparison
 * (throughput): `target=<t> cmp=ge verdict=PASS` when ratio >= @target.
 */
void bench_summary_ge(const struct bench_common *c, const char *name, double frost,
		      double baseline, const char *unit, double target);

/* Complain on stderr (prefixed "frost-bench: ") for a failed sanity check. */
__attribute__((format(printf, 1, 2)))
void bench_error(const char *fmt, ...);

/* Is @v a usable measurement (finite, > 0)? Complains naming @what if not. */
bool bench_sane(const char *what, double v);

/* ----------------------------------------------------------------------- */
/* Multi-threaded benchmarks (tools/bench/mt.c) */

/*
 * struct bench_sync - start and stop a team of worker threads together.
 * Workers set themselves up (attach a sandbox, register with liburcu or
 * Boehm), call bench_sync_ready(), then loop until bench_stopped(). The
 * main thread's bench_sync_run() waits for all of them, releases them at
 * once, sleeps, raises the stop flag and returns the elapsed seconds. The
 * flags sit on their own cache lines, written twice per run.
 */
struct bench_sync {
	unsigned int ready __attribute__((aligned(64)));
	int go __attribute__((aligned(64)));
	int stop __attribute__((aligned(64)));
	uint64_t t0, t1;
};

static inline bool bench_stopped(const struct bench_sync *s)
{
	return __atomic_load_n(&s->stop, __ATOMIC_RELAXED);
}

void bench_sync_init(struct bench_sync *s);
void bench_sync_ready(struct bench_sync *s);
/* Release @nr ready workers, let them run @seconds (sampling with @tick
 * every millisecond if not NULL), stop them; return the elapsed seconds. */
double bench_sync_run(struct bench_sync *s, unsigned int nr, double seconds,
		      void (*tick)(void *arg), void *arg);

/* Sleep @us microseconds (nanosleep). */
void bench_sleep_us(uint64_t us);

/* CPUs online (at least 1). */
unsigned int bench_nr_cpus(void);

/*
 * struct bench_hist - a log-linear latency histogram: exact below 8 ns,
 * then 8 buckets per power of two (12.5% resolution). Not thread-safe:
 * one per thread, merged by the main thread.
 */
#define BENCH_HIST_BUCKETS	512
struct bench_hist {
	uint64_t count[BENCH_HIST_BUCKETS];
	uint64_t n;
	uint64_t max;
};

void bench_hist_add(struct bench_hist *h, uint64_t v);
void bench_hist_merge(struct bench_hist *dst, const struct bench_hist *src);
/* The @p-th percentile (0 < @p <= 100), a bucket's midpoint; 0 if empty. */
double bench_hist_pct(const struct bench_hist *h, double p);

/* Peak resident set of the process so far, bytes (getrusage). */
uint64_t bench_maxrss(void);

#endif /* __FROST_BENCH_H */
