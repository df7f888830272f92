// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tools/bench/main.c - frost-bench: command table, options, measurement and
 * reporting helpers.
 *
 * Theory of operation. `frost-bench <name> [options]` looks <name> up in
 * bench_table[], parses the common options and the benchmark's own ones,
 * prints every parameter on one "# params" line and runs it. `list` prints
 * the table; `all` runs every benchmark with the common options only.
 * Usage errors (unknown command or option, bad value) print a message on
 * stderr and exit 2; a failed sanity check exits 1; a missed performance
 * target is reported (verdict=MISS) but exits 0.
 *
 * Timing: CLOCK_MONOTONIC read around batches of work ("chunks", each a few
 * microseconds or more, so the ~20 ns clock read is noise). Nothing is
 * pinned: the scheduler's choices are part of the noise that medians and
 * interleaved variants absorb.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <frost/frost.h>
#include "bench.h"

/* Every benchmark, in the order `all` runs them. One line each. */
static const struct bench *const bench_table[] = {
	&bench_refcount,
	&bench_alloc,
	&bench_read,
	&bench_churn,
	&bench_channel,
	&bench_offline,
	&bench_lua,
#ifdef FROST_BENCH_REALDATA
	&bench_realdata,
#endif
};

#define NR_BENCHES (sizeof(bench_table) / sizeof(bench_table[0]))

#define DEFAULT_DURATION	0.5
#define DEFAULT_REPS		5

static const char *prog = "frost-bench";

uint64_t bench_clock_ns(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench_now_ns(void)
{
	return bench_clock_ns(CLOCK_MONOTONIC);
}

double bench_measure(const struct bench_common *c, bench_chunk_fn fn, void *arg)
{
	uint64_t ops = 0, t0, now, deadline;

	if (c->iterations) {
		t0 = bench_now_ns();
		for (uint64_t i = 0; i < c->iterations; i++)
			ops += fn(arg);
		now = bench_now_ns();
		return (double)(now - t0) / (double)(ops ? ops : 1);
	}

	/* Warm-up: caches, branch predictors, first-touch page faults. */
	t0 = bench_now_ns();
	deadline = t0 + (uint64_t)(c->duration * 1e9 / 16);
	do {
		fn(arg);
	} while (bench_now_ns() < deadline);

	t0 = bench_now_ns();
	deadline = t0 + (uint64_t)(c->duration * 1e9);
	do {
		ops += fn(arg);
		now = bench_now_ns();
	} while (now < deadline);
	return (double)(now - t0) / (double)(ops ? ops : 1);
}

/* Is @name one of the comma-separated names in @list? */
static bool in_list(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, name, len) && (p[len] == ',' || !p[len]))
			return true;
	return false;
}

bool bench_variant_on(const struct bench_common *c, const char *name)
{
	return !c->variant || in_list(c->variant, name);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(const double *v, unsigned int n)
{
	double s[BENCH_MAX_REPS];

	if (!n)
		return 0;
	if (n > BENCH_MAX_REPS)
		n = BENCH_MAX_REPS;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

double bench_min(const double *v, unsigned int n)
{
	double m = n ? v[0] : 0;

	for (unsigned int i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

double bench_max(const double *v, unsigned int n)
{
	double m = n ? v[0] : 0;

	for (unsigned int i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

void bench_info(const struct bench_common *c, const char *fmt, ...)
{
	va_list ap;

	if (c->quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void bench_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool bench_sane(const char *what, double v)
{
	if (isfinite(v) && v > 0)
		return true;
	bench_error("insane result for %s: %g (expected a finite value > 0)", what, v);
	return false;
}

void bench_csv(const struct bench_common *c, const char *bench, const char *variant,
	       const char *metric, double value, const char *unit)
{
	if (!c->csv)
		return;
	fprintf(c->csv, "%s,%s,%s,%.4f,%s\n", bench, variant, metric, value, unit);
}

/*
 * The running benchmark's own options with their values: " size=64
 * pattern=lifo" for the SUMMARY lines, "size=64;pattern=lifo" for the CSV
 * name of a comparison (set by run_one()).
 */
static char summary_fields[512];
static char summary_key[512];

static void set_summary_params(const struct bench *b)
{
	size_t nf = 0, nk = 0;

	summary_fields[0] = summary_key[0] = '\0';
	for (const struct bench_option *o = b->options; o && o->name; o++) {
		static const char *const taken[] = { "name", "frost", "baseline", "ratio", "unit",
						     "target", "cmp", "verdict" };
		char v[64];

		for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
			if (!strcmp(o->name, taken[i])) {
				bench_error("%s: option --%s would be read as a SUMMARY field",
					    b->name, o->name);
				exit(2);
			}
		}
		if (o->kind == BENCH_OPT_UINT) {
			uint64_t x = *(uint64_t *)o->value;

			if (!x && o->zero)
				snprintf(v, sizeof(v), "%s", o->zero);
			else
				snprintf(v, sizeof(v), "%llu", (unsigned long long)x);
		} else {
			snprintf(v, sizeof(v), "%s", *(const char **)o->value ?
				 *(const char **)o->value : "-");
		}
		if (nf < sizeof(summary_fields))
			nf += (size_t)snprintf(summary_fields + nf, sizeof(summary_fields) - nf,
					       " %s=%s", o->name, v);
		if (nk < sizeof(summary_key))
			nk += (size_t)snprintf(summary_key + nk, sizeof(summary_key) - nk,
					       "%s%s=%s", nk ? ";" : "", o->name, v);
	}
}

static void summary(const struct bench_common *c, const char *name, double frost,
		    double baseline, const char *unit, double target, bool ge)
{
	double ratio = baseline > 0 ? frost / baseline : 0;
	char key[640];

	printf("SUMMARY name=%s%s frost=%.3f baseline=%.3f ratio=%.3f unit=%s",
	       name, summary_fields, frost, baseline, ratio, unit);
	if (target > 0 && ge)
		printf(" target=%.2f cmp=ge verdict=%s", target, ratio >= target ? "PASS" : "MISS");
	else if (target > 0)
		printf(" target=%.2f verdict=%s", target, ratio <= target ? "PASS" : "MISS");
	putchar('\n');
	if (summary_key[0])
		snprintf(key, sizeof(key), "%s[%s]", name, summary_key);
	else
		snprintf(key, sizeof(key), "%s", name);
	bench_csv(c, key, "frost", "median", frost, unit);
	bench_csv(c, key, "baseline", "median", baseline, unit);
	bench_csv(c, key, "frost/baseline", "ratio", ratio, "x");
}

void bench_summary(const struct bench_common *c, const char *name, double frost,
		   double baseline, const char *unit, double target)
{
	summary(c, name, frost, baseline, unit, target, false);
}

void bench_summary_ge(const struct bench_common *c, const char *name, double frost,
		      double baseline, const char *unit, double target)
{
	summary(c, name, frost, baseline, unit, target, true);
}

/* ----------------------------------------------------------------------- */
/* Options */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s <benchmark> [options]\n"
		"       %s list\n"
		"       %s all [common options]\n"
		"\n"
		"common options:\n"
		"  --duration SEC    seconds per measurement (default %.1f)\n"
		"  --reps N          repetitions; medians are reported (default %d, max %d)\n"
		"  --iterations N    fixed work: N chunks per measurement instead of --duration\n"
		"  --variant NAME    measure only this variant, or NAME,NAME... (see `list`)\n"
		"  --csv FILE        append rows bench,variant,metric,value,unit to FILE\n"
		"  --quiet           print only the parameters and the SUMMARY lines\n"
		"  --help            this text\n",
		prog, prog, prog, DEFAULT_DURATION, DEFAULT_REPS, BENCH_MAX_REPS);
	for (size_t i = 0; i < NR_BENCHES; i++) {
		const struct bench *b = bench_table[i];

		if (!b->options || !b->options[0].name)
			continue;
		fprintf(f, "\n%s options:\n", b->name);
		for (const struct bench_option *o = b->options; o->name; o++)
			fprintf(f, "  --%s %-*s %s\n", o->name, (int)(15 - strlen(o->name)),
				o->metavar, o->help);
	}
}

static __attribute__((noreturn, format(printf, 1, 2))) void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	exit(2);
}

static uint64_t parse_uint(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!s || !*s || *s == '-')
		usage_error("--%s needs a number", opt);
	v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max)
		usage_error("--%s: '%s' is not a number in %llu..%llu", opt, s,
			    (unsigned long long)min, (unsigned long long)max);
	return v;
}

static double parse_seconds(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	if (!s || !*s)
		usage_error("--%s needs a number of seconds", opt);
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > 3600)
		usage_error("--%s: '%s' is not a duration in (0, 3600] seconds", opt, s);
	return v;
}

static const char *parse_choice(const struct bench_option *o, const char *val)
{
	if (!o->choices)
		return val;
	for (const char *const *ch = o->choices; *ch; ch++)
		if (!strcmp(*ch, val))
			return val;
	usage_error("--%s: unknown value '%s'", o->name, val);
}

/*
 * Split "--name=value" or "--name value" at argv[*i]; returns the name
 * (without "--") in @name and the value (NULL for none) in @val.
 */
static void split_opt(char **argv, int argc, int *i, char *name, size_t namesz,
		      const char **val, bool takes_value)
{
	const char *a = argv[*i] + 2;
	const char *eq = strchr(a, '=');
	size_t n = eq ? (size_t)(eq - a) : strlen(a);

	if (n >= namesz)
		n = namesz - 1;
	memcpy(name, a, n);
	name[n] = '\0';
	*val = NULL;
	if (!takes_value) {
		if (eq)
			usage_error("--%s takes no value", name);
		return;
	}
	if (eq)
		*val = eq + 1;
	else if (*i + 1 < argc)
		*val = argv[++*i];
	else
		usage_error("--%s needs a value", name);
}

static bool common_takes_value(const char *name, bool *known)
{
	static const char *const with[] = { "duration", "reps", "iterations", "variant", "csv" };
	static const char *const without[] = { "quiet", "help" };

	*known = true;
	for (size_t i = 0; i < sizeof(with) / sizeof(with[0]); i++)
		if (!strcmp(name, with[i]))
			return true;
	for (size_t i = 0; i < sizeof(without) / sizeof(without[0]); i++)
		if (!strcmp(name, without[i]))
			return false;
	*known = false;
	return false;
}

static const struct bench_option *find_opt(const struct bench *b, const char *name)
{
	if (!b || !b->options)
		return NULL;
	for (const struct bench_option *o = b->options; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

/* Parse argv[first..] into @c and @b's options (@b NULL: `all`). */
static void parse_args(int argc, char **argv, int first, const struct bench *b,
		       struct bench_common *c)
{
	for (int i = first; i < argc; i++) {
		char name[64];
		const char *val;
		const struct bench_option *o;
		bool known, takes;

		if (!strcmp(argv[i], "-h")) {
			usage(stdout);
			exit(0);
		}
		if (strncmp(argv[i], "--", 2) || !argv[i][2])
			usage_error("unexpected argument '%s'", argv[i]);
		{
			const char *a = argv[i] + 2;
			size_t n = strcspn(a, "=");

			snprintf(name, sizeof(name), "%.*s", (int)n, a);
		}
		takes = common_takes_value(name, &known);
		o = known ? NULL : find_opt(b, name);
		if (!known && !o)
			usage_error("unknown option '--%s'%s%s", name, b ? " for " : "",
				    b ? b->name : " (`all` takes the common options only)");
		split_opt(argv, argc, &i, name, sizeof(name), &val, known ? takes : true);

		if (o) {
			if (o->kind == BENCH_OPT_UINT)
				*(uint64_t *)o->value = parse_uint(o->name, val, o->min, o->max);
			else
				*(const char **)o->value = parse_choice(o, val);
		} else if (!strcmp(name, "duration")) {
			c->duration = parse_seconds(name, val);
		} else if (!strcmp(name, "reps")) {
			c->reps = (unsigned int)parse_uint(name, val, 1, BENCH_MAX_REPS);
		} else if (!strcmp(name, "iterations")) {
			c->iterations = parse_uint(name, val, 1, UINT64_MAX / 2);
		} else if (!strcmp(name, "variant")) {
			c->variant = val;
		} else if (!strcmp(name, "csv")) {
			c->csv_path = val;
		} else if (!strcmp(name, "quiet")) {
			c->quiet = true;
		} else if (!strcmp(name, "help")) {
			usage(stdout);
			exit(0);
		}
	}

	if (c->variant) {
		size_t known = 0, given = 1;

		if (!b)
			usage_error("--variant needs a single benchmark, not `all`");
		for (const char *p = c->variant; *p; p++)
			given += *p == ',';
		for (const char *const *v = b->variants; *v; v++)
			known += in_list(c->variant, *v);
		if (known != given)
			usage_error("unknown variant in '%s' for %s (see `%s list`)",
				    c->variant, b->name, prog);
	}
}

static void print_params(const struct bench *b, const struct bench_common *c)
{
	printf("# params bench=%s duration=%.3f reps=%u iterations=%llu variant=%s csv=%s quiet=%d",
	       b->name, c->duration, c->reps, (unsigned long long)c->iterations,
	       c->variant ? c->variant : "all", c->csv_path ? c->csv_path : "-", c->quiet);
	for (const struct bench_option *o = b->options; o && o->name; o++) {
		if (o->kind == BENCH_OPT_UINT)
			printf(" %s=%llu", o->name, (unsigned long long)*(uint64_t *)o->value);
		else
			printf(" %s=%s", o->name, *(const char **)o->value ?
			       *(const char **)o->value : "-");
	}
	putchar('\n');
	if (!c->quiet)
		printf("# chunk (one --iterations unit): %s\n", b->chunk);
}

static void print_env(void)
{
	printf("# frost %s, %s, %ld online CPUs, CONFIG_FROST_DEBUG %s\n",
	       frost_version(),
#if defined(__clang__)
	       "clang " __clang_version__,
#elif defined(__VERSION__)
	       "gcc " __VERSION__,
#else
	       "unknown compiler",	/* sparse defines no __VERSION__ */
#endif
	       sysconf(_SC_NPROCESSORS_ONLN),
#ifdef CONFIG_FROST_DEBUG
	       "on (refcount and alloc figures include the debug checks)"
#else
	       "off"
#endif
	);
}

static void open_csv(struct bench_common *c)
{
	struct stat st;

	if (!c->csv_path)
		return;
	c->csv = fopen(c->csv_path, "a");
	if (!c->csv) {
		fprintf(stderr, "%s: %s: %s\n", prog, c->csv_path, strerror(errno));
		exit(2);
	}
	if (!fstat(fileno(c->csv), &st) && st.st_size == 0)
		fprintf(c->csv, "bench,variant,metric,value,unit\n");
}

static int run_one(const struct bench *b, const struct bench_common *c)
{
	int ret;

	print_params(b, c);
	set_summary_params(b);
	fflush(stdout);
	ret = b->run(c);
	printf("# end bench=%s result=%s\n", b->name, ret ? "FAILURE" : "SUCCESS");
	fflush(stdout);
	return ret;
}

static const struct bench *find_bench(const char *name)
{
	for (size_t i = 0; i < NR_BENCHES; i++)
		if (!strcmp(bench_table[i]->name, name))
			return bench_table[i];
	return NULL;
}

int main(int argc, char **argv)
{
	struct bench_common c = {
		.duration = DEFAULT_DURATION,
		.reps = DEFAULT_REPS,
	};
	const struct bench *b;
	int ret = 0;

	if (argc < 2)
		usage_error("no benchmark given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "list")) {
		if (argc > 2)
			usage_error("`list` takes no arguments");
		for (size_t i = 0; i < NR_BENCHES; i++) {
			printf("%-10s %s\n", bench_table[i]->name, bench_table[i]->help);
			printf("%-10s variants:", "");
			for (const char *const *v = bench_table[i]->variants; *v; v++)
				printf(" %s", *v);
			putchar('\n');
		}
		return 0;
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "all")) {
		parse_args(argc, argv, 2, NULL, &c);
		open_csv(&c);
		print_env();
		for (size_t i = 0; i < NR_BENCHES; i++)
			ret |= run_one(bench_table[i], &c);
	} else {
		b = find_bench(argv[1]);
		if (!b)
			usage_error("unknown benchmark '%s' (try `%s list`)", argv[1], prog);
		parse_args(argc, argv, 2, b, &c);
		open_csv(&c);
		print_env();
		ret = run_one(b, &c);
	}
	if (c.csv && fclose(c.csv)) {
		fprintf(stderr, "%s: %s: %s\n", prog, c.csv_path, strerror(errno));
		ret = 1;
	}
	return ret ? 1 : 0;
}
