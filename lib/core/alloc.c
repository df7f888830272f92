// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/core/alloc.c - __frost_malloc_ops, the malloc(3) allocator for the
 * core containers (core/alloc.h).
 *
 * Theory of operation. Thin wrappers: each asks __frost_should_fail()
 * first, so fault-injection builds fail them like any allocation site,
 * then calls the C library. The context word is unused.
 */
#include <stdlib.h>
#include "core/alloc.h"
#include "core/fault.h"

static void *malloc_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return __frost_should_fail() ? NULL : malloc(size);
}

static void *malloc_realloc(void *ctx, void *p, size_t size)
{
	(void)ctx;
	return __frost_should_fail() ? NULL : realloc(p, size);
}

static void malloc_free(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

const struct __frost_alloc_ops __frost_malloc_ops = {
	.alloc = malloc_alloc,
	.realloc = malloc_realloc,
	.free = malloc_free,
};
