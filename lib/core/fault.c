// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/core/fault.c - frost_debug_fail_every(), the fault-injection switch.
 *
 * Theory of operation: see lib/core/fault.h. The hook is always exported
 * so that programs link against any build; without
 * CONFIG_FROST_FAULT_INJECTION it does nothing and returns -ENOSYS. Arming
 * resets the allocation counter, so "every nth" counts from the call.
 */
#include <errno.h>
#include <frost/frost.h>
#include "core/err.h"
#include "core/fault.h"

#ifdef CONFIG_FROST_FAULT_INJECTION
unsigned int __frost_fail_every;
unsigned long __frost_fail_count;

int frost_debug_fail_every(unsigned int n)
{
	/* Disarm first, so no site sees the new period with a stale count. */
	__atomic_store_n(&__frost_fail_every, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&__frost_fail_count, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&__frost_fail_every, n, __ATOMIC_RELAXED);
	return 0;
}
#else
int frost_debug_fail_every(unsigned int n)
{
	(void)n;
	return -ENOSYS;
}
#endif
