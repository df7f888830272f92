// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/core/stack.c - the slow paths of struct __frost_stack (stack.h).
 *
 * Theory of operation. A stack lives in its caller's first chunk until that
 * is full; then it doubles into malloc'd memory (at least 64 elements),
 * copying the chunk once, and keeps doubling with realloc(). Nothing is
 * freed while the stack is in use; __frost_stack_release() frees the heap
 * array and returns the stack to its chunk. A failed growth (malloc, or
 * fault injection, or a size that would overflow) leaves the stack exactly
 * as it was.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/fault.h"
#include "core/stack.h"

#define STACK_MIN_GROW 64

int __frost_stack_grow(struct __frost_stack *s)
{
	size_t cap = s->cap < STACK_MIN_GROW / 2 ? STACK_MIN_GROW : s->cap * 2;
	bool on_heap = s->base && s->base != s->chunk;
	unsigned char *nw;
	size_t bytes;

	if (__builtin_mul_overflow(cap, s->esize, &bytes) || __frost_should_fail())
		return -ENOMEM;
	if (on_heap) {
		nw = realloc(s->base, bytes);
		if (!nw)
			return -ENOMEM;
	} else {
		nw = malloc(bytes);
		if (!nw)
			return -ENOMEM;
		if (s->n)
			memcpy(nw, s->base, s->n * s->esize);
	}
	s->base = nw;
	s->cap = cap;
	return 0;
}

void __frost_stack_release(struct __frost_stack *s)
{
	if (s->base && s->base != s->chunk)
		free(s->base);
	s->base = s->chunk;
	s->cap = s->chunk_cap;
	s->n = 0;
}
