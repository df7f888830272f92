// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tools/bench/offline.c - `frost-bench offline`: the cost of one
 * frost_sandbox_offline() + frost_sandbox_online() pair, side by side with
 * liburcu-qsbr's own urcu_qsbr_thread_offline() + urcu_qsbr_thread_online().
 *
 * Theory of operation. An interpreter pays one offline/online pair around
 * every blocking call it makes, so the pair is measured bare: a noipa loop
 * of --pairs pairs per chunk, nothing in between (the blocking call itself
 * is the caller's). Variants, interleaved within each repetition:
 *
 *   frost      frost_sandbox_offline()/_online() on an attached sandbox
 *              (parking: a store each way, lib/rcu/park.c; with
 *              FROST_NO_MEMBARRIER=1 in the environment, the fenced
 *              fallback, which is liburcu's path plus frost's checks);
 *   urcu       urcu_qsbr_thread_offline()/_online() (inlined, _LGPL_SOURCE:
 *              an mfence in each) on the same registered thread;
 *   frost-b2b  the frost loop while another sandbox runs frost_reclaim()
 *              back to back, so that handshakes keep converting the parked
 *              sandbox (the slow path: claim, conversion, fenced online).
 *
 * Timing: CLOCK_THREAD_CPUTIME_ID around each chunk (the measuring
 * thread's own CPU time: preemption by the other agents of this 2-vCPU
 * machine is not counted, nor the frost-b2b waits for a converter, which
 * are sleeps), chunks repeated for --duration of that time; medians of
 * --reps. With --iterations (callgrind-offline.sh) exactly that many
 * chunks run. Reported: ns per pair, and
 *
 *   SUMMARY name=offline_pair frost=<ns> baseline=<urcu ns> ratio=... unit=ns/pair
 *   SUMMARY name=offline_pair_target frost=<ns> baseline=5.000 ratio=<ns/5>
 *           unit=ns/pair target=1.00 verdict=PASS|MISS   (the issue's <= 5 ns)
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <urcu/urcu-qsbr.h>
#include <frost/frost.h>
#include "bench.h"

static uint64_t opt_pairs = 1000;

enum { V_FROST, V_URCU, V_B2B, NR_V };

static const char *const offline_variants[] = { "frost", "urcu", "frost-b2b", NULL };

/* Not static: callgrind-offline.sh collects inside them by name. */
void bench_offline_frost_loop(struct frost_sandbox *sb, uint64_t n);
void bench_offline_urcu_loop(uint64_t n);

__bench_noipa void bench_offline_frost_loop(struct frost_sandbox *sb, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		frost_sandbox_offline(sb);
		bench_barrier();
		frost_sandbox_online(sb);
		bench_barrier();
	}
}

__bench_noipa void bench_offline_urcu_loop(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		urcu_qsbr_thread_offline();
		bench_barrier();
		urcu_qsbr_thread_online();
		bench_barrier();
	}
}

/* ns per pair of variant @v: --iterations chunks, or --duration of CPU time. */
static double measure(const struct bench_common *c, int v, struct frost_sandbox *sb)
{
	uint64_t chunks = 0, t0, now, deadline;

	if (c->iterations) {
		t0 = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
		for (uint64_t i = 0; i < c->iterations; i++) {
			if (v == V_URCU)
				bench_offline_urcu_loop(opt_pairs);
			else
				bench_offline_frost_loop(sb, opt_pairs);
		}
		return (double)(bench_clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / (double)(c->iterations * opt_pairs);
	}
	/* Warm-up, 1/16 of the time. */
	t0 = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	deadline = t0 + (uint64_t)(c->duration * 1e9 / 16);
	do {
		if (v == V_URCU)
			bench_offline_urcu_loop(opt_pairs);
		else
			bench_offline_frost_loop(sb, opt_pairs);
	} while (bench_clock_ns(CLOCK_THREAD_CPUTIME_ID) < deadline);
	t0 = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	deadline = t0 + (uint64_t)(c->duration * 1e9);
	do {
		if (v == V_URCU)
			bench_offline_urcu_loop(opt_pairs);
		else
			bench_offline_frost_loop(sb, opt_pairs);
		chunks++;
		now = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	} while (now < deadline);
	return (double)(now - t0) / (double)(chunks * opt_pairs);
}

/* frost-b2b: the other sandbox, reclaiming back to back until told to stop. */
struct b2b {
	struct frost_heap *heap;
	int stop;
	int err;
	uint64_t cycles;
};

static void *b2b_main(void *arg)
{
	struct b2b *b = arg;
	struct frost_sandbox *sb = frost_sandbox_attach(b->heap);

	if (!sb) {
		__atomic_store_n(&b->err, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	while (!__atomic_load_n(&b->stop, __ATOMIC_RELAXED)) {
		if (frost_reclaim(b->heap) < 0)
			__atomic_store_n(&b->err, 1, __ATOMIC_RELAXED);
		b->cycles++;
	}
	frost_sandbox_detach(sb);
	return NULL;
}

static int offline_run(const struct bench_common *c)
{
	struct frost_heap_config cfg = { .flags = FROST_HEAP_MANUAL };
	double res[NR_V][BENCH_MAX_REPS];
	double med[NR_V] = { 0 };
	struct frost_heap *heap;
	struct frost_sandbox *sb;
	struct b2b b = { 0 };
	pthread_t th;
	int ret = -1;

	heap = frost_heap_create(&cfg);
	if (!heap) {
		bench_error("frost_heap_create: %m");
		return -1;
	}
	b.heap = heap;
	sb = frost_sandbox_attach(heap);
	if (!sb) {
		bench_error("frost_sandbox_attach: %m");
		goto out_heap;
	}
	bench_info(c, "# ns per offline+online pair (thread CPU time); %llu pairs per chunk; "
		   "FROST_NO_MEMBARRIER=%s\n", (unsigned long long)opt_pairs,
		   getenv("FROST_NO_MEMBARRIER") ? getenv("FROST_NO_MEMBARRIER") : "(unset)");
	for (unsigned int r = 0; r < c->reps; r++) {
		bench_info(c, "rep %u/%u:", r + 1, c->reps);
		for (int v = 0; v < NR_V; v++) {
			if (!bench_variant_on(c, offline_variants[v]))
				continue;
			if (v == V_B2B) {
				__atomic_store_n(&b.stop, 0, __ATOMIC_RELAXED);
				if (pthread_create(&th, NULL, b2b_main, &b)) {
					bench_error("pthread_create failed");
					goto out;
				}
			}
			res[v][r] = measure(c, v, sb);
			if (v == V_B2B) {
				/* Offline while waiting: its cycle needs us. */
				__atomic_store_n(&b.stop, 1, __ATOMIC_RELAXED);
				frost_sandbox_offline(sb);
				pthread_join(th, NULL);
				frost_sandbox_online(sb);
			}
			bench_info(c, " %s %.3f", offline_variants[v], res[v][r]);
		}
		bench_info(c, " ns/pair\n");
	}
	if (b.err) {
		bench_error("offline: the reclaiming thread failed");
		goto out;
	}
	/* Online again after every loop: a pin needs an online sandbox. */
	if (frost_pin(sb, frost_none()) || frost_unpin(sb, frost_none())) {
		bench_error("offline: the sandbox is not online after the loops");
		goto out;
	}
	ret = 0;
	bench_info(c, "%-10s %10s %10s %10s  (ns/pair over %u reps)\n", "variant", "median",
		   "min", "max", c->reps);
	for (int v = 0; v < NR_V; v++) {
		if (!bench_variant_on(c, offline_variants[v]))
			continue;
		med[v] = bench_median(res[v], c->reps);
		if (!bench_sane(offline_variants[v], med[v]))
			ret = -1;
		bench_info(c, "%-10s %10.3f %10.3f %10.3f\n", offline_variants[v], med[v],
			   bench_min(res[v], c->reps), bench_max(res[v], c->reps));
		bench_csv(c, "offline", offline_variants[v], "median", med[v], "ns/pair");
	}
	if (bench_variant_on(c, "frost-b2b"))
		bench_info(c, "frost-b2b: %llu cycles ran beside the loop\n",
			   (unsigned long long)b.cycles);
	if (ret)
		goto out;
	if (med[V_FROST] > 0 && med[V_URCU] > 0)
		bench_summary(c, "offline_pair", med[V_FROST], med[V_URCU], "ns/pair", 0);
	if (med[V_FROST] > 0)
		bench_summary(c, "offline_pair_target", med[V_FROST], 5.0, "ns/pair", 1.0);
	if (med[V_B2B] > 0 && med[V_URCU] > 0)
		bench_summary(c, "offline_pair_b2b", med[V_B2B], med[V_URCU], "ns/pair", 0);
out:
	if (frost_sandbox_detach(sb)) {
		bench_error("frost_sandbox_detach failed");
		ret = -1;
	}
out_heap:
	frost_heap_destroy(heap);
	return ret;
}

static const struct bench_option offline_options[] = {
	{ .name = "pairs", .metavar = "N", .kind = BENCH_OPT_UINT, .value = &opt_pairs,
	  .min = 1, .max = 1u << 24, .help = "offline+online pairs per chunk (default 1000)" },
	{ .name = NULL },
};

const struct bench bench_offline = {
	.name = "offline",
	.help = "frost_sandbox_offline+online (parking) vs urcu_qsbr_thread_offline+online",
	.variants = offline_variants,
	.chunk = "one call of bench_offline_<frost|urcu>_loop(): --pairs pairs",
	.options = offline_options,
	.run = offline_run,
};
