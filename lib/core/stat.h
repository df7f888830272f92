/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/core/stat.h - statistics counters one thread writes and any reads.
 *
 * Theory of operation. A sandbox's counters (live objects, bytes, pages,
 * pins, shared allocations) are written by its owner only and read by
 * frost_sandbox_stats() and frost_heap_stats() from any thread with relaxed
 * atomic loads. The owner's own read of its counter races with nothing
 * (other threads only read), and its store is atomic, so readers always see
 * whole values; on x86 these are the same instructions as a plain
 * increment. No ordering is implied: figures are a snapshot.
 */
#ifndef __FROST_CORE_STAT_H
#define __FROST_CORE_STAT_H

#define __frost_stat_add(p, d) \
	__atomic_store_n((p), *(p) + (d), __ATOMIC_RELAXED)
#define __frost_stat_sub(p, d) \
	__atomic_store_n((p), *(p) - (d), __ATOMIC_RELAXED)
/* A reader's load of such a counter. */
#define __frost_stat_read(p) __atomic_load_n((p), __ATOMIC_RELAXED)

#endif /* __FROST_CORE_STAT_H */
