// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tools/bench/cycle-ir.c - one full reclaimer cycle over a fixed live set,
 * for callgrind: the instruction count (Ir) of marking and sweeping, which
 * timing on a shared 2-vCPU machine cannot resolve.
 *
 * Theory of operation. A FROST_HEAP_MANUAL heap (no background thread),
 * one sandbox. NAMES names are each bound to a frozen tuple of ITEMS items;
 * the items cycle through the kinds asked for (KINDS: "i" ints outside the
 * small-int table, "f" floats, "s" 12-byte strs, "n" small ints and None,
 * which are static). Then every name is published again with an equal new
 * tuple, so the live set and the garbage are both NAMES x (1 + ITEMS)
 * objects (fewer with static items). One warm-up frost_reclaim() frees
 * nothing new it did not have to (it frees that garbage); the garbage is
 * then made again and the measured cycle, bench_cycle_measured() (noipa,
 * for --toggle-collect), runs frost_reclaim() once: it marks the live set
 * and sweeps every slab. The caller's sandbox is offline during the
 * cycle, so the reclaimer scans it itself and no handshake waits for a
 * poll: the count is deterministic up to the handful of instructions of
 * the kicker wake-up.
 *
 * Usage: cycle-ir NAMES ITEMS KINDS
 *   e.g. valgrind --tool=callgrind --toggle-collect=bench_cycle_measured \
 *	tools/cycle-ir 16384 8 i
 * Prints the number of objects freed by the measured cycle, its wall time
 * (CLOCK_MONOTONIC) and the calling thread's CPU time during it
 * (CLOCK_THREAD_CPUTIME_ID: frost_reclaim() runs the cycle in the calling
 * thread); both noisy on a shared machine, unlike the Ir count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <frost/frost.h>
#include "bench.h"

#define MAX_ITEMS	64

static struct frost_object *make_item(struct frost_sandbox *sb, char kind, size_t k, size_t j)
{
	char buf[32];

	switch (kind) {
	case 'i':
		return frost_int_new(sb, (int64_t)(1000000 + k * MAX_ITEMS + j));
	case 'f':
		return frost_float_new(sb, (double)k + (double)j / 64.0);
	case 's':
		snprintf(buf, sizeof(buf), "s%05zu.%05zu", k % 100000, j);
		return frost_str_new(sb, buf, strlen(buf));
	case 'n':
		return j & 1 ? frost_none() : frost_int_new(sb, (int64_t)(j % 100));
	default:
		return NULL;
	}
}

static struct frost_object *make_tuple(struct frost_sandbox *sb, size_t k, size_t items,
				       const char *kinds)
{
	struct frost_object *it[MAX_ITEMS] = { NULL }, *t, *f = NULL;
	size_t nk = strlen(kinds);

	for (size_t j = 0; j < items; j++) {
		it[j] = make_item(sb, kinds[j % nk], k, j);
		if (!it[j])
			goto out;
	}
	t = frost_tuple_new(sb, items, it);
	if (t) {
		f = frost_freeze(sb, t);
		frost_decref(t);
	}
out:
	for (size_t j = 0; j < items && it[j]; j++)
		frost_decref(it[j]);
	return f;
}

static int fill(struct frost_sandbox *sb, size_t names, size_t items, const char *kinds)
{
	char name[32];

	for (size_t k = 0; k < names; k++) {
		struct frost_object *f = make_tuple(sb, k, items, kinds);

		snprintf(name, sizeof(name), "cycle.%zu", k);
		if (!f || frost_publish(sb, name, f))
			return -1;
		if (!(k & 63))
			frost_quiescent(sb);
	}
	return 0;
}

/* Not static: callgrind toggles collection on its name. */
long bench_cycle_measured(struct frost_heap *heap);

__bench_noipa long bench_cycle_measured(struct frost_heap *heap)
{
	return frost_reclaim(heap);
}

int main(int argc, char **argv)
{
	struct frost_heap_config cfg = { .flags = FROST_HEAP_MANUAL };
	struct frost_heap *heap;
	struct frost_sandbox *sb;
	size_t names, items;
	struct timespec t0, t1, c0, c1;
	long freed;

	if (argc != 4 || !(names = strtoul(argv[1], NULL, 0)) ||
	    !(items = strtoul(argv[2], NULL, 0)) || items > MAX_ITEMS || !argv[3][0]) {
		fprintf(stderr, "usage: %s NAMES ITEMS KINDS (KINDS of i f s n)\n", argv[0]);
		return 2;
	}
	heap = frost_heap_create(&cfg);
	sb = heap ? frost_sandbox_attach(heap) : NULL;
	if (!sb) {
		perror("cycle-ir: heap");
		return 1;
	}
	if (fill(sb, names, items, argv[3]) || fill(sb, names, items, argv[3]) ||
	    frost_reclaim(heap) < 0 || fill(sb, names, items, argv[3])) {
		perror("cycle-ir: fill");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	freed = bench_cycle_measured(heap);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("cycle-ir: names=%zu items=%zu kinds=%s freed=%ld ms=%.3f cpu_ms=%.3f\n", names,
	       items, argv[3], freed,
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
	       (double)(c1.tv_sec - c0.tv_sec) * 1e3 + (double)(c1.tv_nsec - c0.tv_nsec) / 1e6);
	frost_sandbox_detach(sb);
	frost_heap_destroy(heap);
	return freed < 0;
}
