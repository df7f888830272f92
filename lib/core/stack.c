// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/core/stack.c - the slow paths of struct __frost_stack (stack.h).
 *
 * Theory of operation. A stack lives in its caller's first chunk until that
 * is full; then it doubles into memory from its allocator (at least 64
 * elements), copying the chunk once, and keeps doubling: with the
 * allocator's realloc if it has one, else by allocating, copying and
 * freeing the old array. Nothing is freed while the stack is in use;
 * __frost_stack_release() frees the grown array and returns the stack to
 * its chunk. A failed growth (the allocator, fault injection inside it, or
 * a size that would overflow) leaves the stack exactly as it was.
 */
#include <stdint.h>
#include <string.h>
#include "core/stack.h"

#define STACK_MIN_GROW 64

int __frost_stack_grow(struct __frost_stack *s)
{
	size_t cap = s->cap < STACK_MIN_GROW / 2 ? STACK_MIN_GROW : s->cap * 2;
	bool on_heap = s->base && s->base != s->chunk;
	const struct __frost_alloc_ops *ops = s->ops;
	unsigned char *nw;
	size_t bytes;

	if (__builtin_mul_overflow(cap, s->esize, &bytes))
		return -ENOMEM;
	if (on_heap && ops->realloc) {
		nw = ops->realloc(s->ctx, s->base, bytes);
		if (!nw)
			return -ENOMEM;
	} else {
		nw = ops->alloc(s->ctx, bytes);
		if (!nw)
			return -ENOMEM;
		if (s->n)
			memcpy(nw, s->base, s->n * s->esize);
		if (on_heap)
			ops->free(s->ctx, s->base);
	}
	s->base = nw;
	s->cap = cap;
	return 0;
}

void __frost_stack_release(struct __frost_stack *s)
{
	if (s->base && s->base != s->chunk)
		s->ops->free(s->ctx, s->base);
	s->base = s->chunk;
	s->cap = s->chunk_cap;
	s->n = 0;
}
