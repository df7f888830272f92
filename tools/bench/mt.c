// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tools/bench/mt.c - helpers for the multi-threaded benchmarks: a start and
 * stop barrier, a latency histogram, sleeps and process memory.
 *
 * Theory of operation. A benchmark run is one team of threads that set
 * themselves up, meet at bench_sync_ready(), run until the main thread
 * raises the stop flag, and report counts in their own argument blocks.
 * The main thread times the run from the release to the stop (the workers
 * see the flags within one loop iteration; their loops check the flag
 * every few dozen operations, so the error is microseconds in a run of a
 * fraction of a second). While the team runs, the main thread can sample
 * something (memory, heap statistics) every millisecond through @tick.
 *
 * The histogram is HdrHistogram-like, log-linear with 8 sub-buckets per
 * power of two: a percentile is exact to 12.5%, enough for p50/p99/p99.9
 * of latencies spanning nanoseconds to milliseconds. Each thread fills its
 * own; the main thread merges them after the join.
 */
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"

void bench_sync_init(struct bench_sync *s)
{
	memset(s, 0, sizeof(*s));
}

void bench_sync_ready(struct bench_sync *s)
{
	__atomic_fetch_add(&s->ready, 1, __ATOMIC_RELEASE);
	/* Pairs with the store-release of @go in bench_sync_run(). */
	while (!__atomic_load_n(&s->go, __ATOMIC_ACQUIRE))
		sched_yield();
}

void bench_sleep_us(uint64_t us)
{
	struct timespec ts = {
		.tv_sec = (time_t)(us / 1000000),
		.tv_nsec = (long)(us % 1000000) * 1000,
	};

	while (nanosleep(&ts, &ts))
		;
}

double bench_sync_run(struct bench_sync *s, unsigned int nr, double seconds,
		      void (*tick)(void *arg), void *arg)
{
	uint64_t deadline;

	/* Pairs with the fetch-add-release in bench_sync_ready(). */
	while (__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE) < nr)
		bench_sleep_us(100);
	s->t0 = bench_now_ns();
	__atomic_store_n(&s->go, 1, __ATOMIC_RELEASE);
	deadline = s->t0 + (uint64_t)(seconds * 1e9);
	while (bench_now_ns() < deadline) {
		if (tick)
			tick(arg);
		bench_sleep_us(tick ? 1000 : 10000);
	}
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	s->t1 = bench_now_ns();
	return (double)(s->t1 - s->t0) / 1e9;
}

unsigned int bench_nr_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned int)n : 1;
}

static unsigned int hist_index(uint64_t v)
{
	unsigned int e;

	if (v < 8)
		return (unsigned int)v;
	e = 63u - (unsigned int)__builtin_clzll(v);
	return 8 + (e - 3) * 8 + (unsigned int)((v >> (e - 3)) & 7);
}

static double hist_value(unsigned int i)
{
	unsigned int e, sub;

	if (i < 8)
		return i;
	e = (i - 8) / 8 + 3;
	sub = (i - 8) % 8;
	/* The midpoint of [(8 + sub) << (e - 3), (9 + sub) << (e - 3)). */
	return ((double)(8 + sub) + 0.5) * (double)(1ull << (e - 3));
}

void bench_hist_add(struct bench_hist *h, uint64_t v)
{
	h->count[hist_index(v)]++;
	h->n++;
	if (v > h->max)
		h->max = v;
}

void bench_hist_merge(struct bench_hist *dst, const struct bench_hist *src)
{
	for (unsigned int i = 0; i < BENCH_HIST_BUCKETS; i++)
		dst->count[i] += src->count[i];
	dst->n += src->n;
	if (src->max > dst->max)
		dst->max = src->max;
}

double bench_hist_pct(const struct bench_hist *h, double p)
{
	uint64_t want, seen = 0;

	if (!h->n)
		return 0;
	want = (uint64_t)((double)h->n * p / 100.0);
	if (want < 1)
		want = 1;
	for (unsigned int i = 0; i < BENCH_HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= want)
			return hist_value(i) < (double)h->max ? hist_value(i) : (double)h->max;
	}
	return (double)h->max;
}

uint64_t bench_maxrss(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (uint64_t)ru.ru_maxrss * 1024;
}
