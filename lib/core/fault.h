/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/core/fault.h - allocation fault injection (internal).
 *
 * Theory of operation. With CONFIG_FROST_FAULT_INJECTION every allocating
 * call site of the library (private arena allocations and page mappings,
 * shared slots, slabs, large mappings and magazine refills, malloc'd table
 * nodes and tables, sandbox, channel and spawn records, and every growth
 * of the core stacks and address tables, through __frost_malloc_ops or the
 * arena) first asks __frost_should_fail(); when it says
 * yes the site behaves exactly as if the allocation had failed (ENOMEM).
 * frost_debug_fail_every(n) arms it: one process-wide counter, bumped
 * atomically by every site, makes every nth allocation fail (0: none).
 * The test suite (t/t0800-fault.c) runs a workload for n = 1..200 and
 * checks that each public function then returns its documented error,
 * leaves no partial state and leaks nothing.
 *
 * Without the option __frost_should_fail() is the constant false, so the
 * compiler removes every check: non-fault builds carry no code for it.
 */
#ifndef __FROST_CORE_FAULT_H
#define __FROST_CORE_FAULT_H

#include <stdbool.h>

#ifdef CONFIG_FROST_FAULT_INJECTION
extern unsigned int __frost_fail_every;
extern unsigned long __frost_fail_count;

static inline bool __frost_should_fail(void)
{
	/* Relaxed: a counter, ordering nothing else. */
	unsigned int n = __atomic_load_n(&__frost_fail_every, __ATOMIC_RELAXED);

	if (__builtin_expect(n == 0, 1))
		return false;
	return __atomic_add_fetch(&__frost_fail_count, 1, __ATOMIC_RELAXED) % n == 0;
}
#else
static inline bool __frost_should_fail(void)
{
	return false;
}
#endif

#endif /* __FROST_CORE_FAULT_H */
