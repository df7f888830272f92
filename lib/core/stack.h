/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/core/stack.h - one growable LIFO for every graph walk (internal).
 *
 * Theory of operation. Walks over object graphs (equality, freezing,
 * marking) must not recurse on the C stack: a user can build a chain a
 * million levels deep. They keep their work on a struct __frost_stack
 * instead: an array of fixed-size elements that starts in a chunk the
 * caller provides (usually an array in its own frame, so a walk over a
 * shallow graph, the common case, never allocates) and moves to memory
 * from its allocator, doubling, when the chunk is full. A stack that is a
 * long-lived field (a grey stack) simply starts with no chunk.
 *
 * The allocator is malloc (__frost_malloc_ops) unless the owner names
 * another (core/alloc.h): a sandbox's grey stack lives in the sandbox's
 * own arena (__frost_private_alloc_ops), written only by its owner and
 * gone with it; the reclaimer's grey and garbage stacks use malloc.
 *
 * Growth is the only thing that can fail: __frost_stack_push() returns NULL
 * (the caller reports ENOMEM, or a marker sets the reclaimer's overflow
 * flag) and the stack is left as it was, so a walk can stop cleanly with
 * everything it pushed still in place. Memory is bounded by what the
 * caller pushes: each walk pushes at most one element per level (or per
 * child) of the graph it is looking at, so the stack is never larger than
 * a small multiple of that graph. Growth goes through the allocator, which
 * asks __frost_should_fail() first, so fault-injection builds exercise
 * every caller's ENOMEM (or overflow) path.
 *
 * The fast paths (push into spare room, pop, top) are static inline and
 * branch once; growth is out of line in lib/core/stack.c. Elements are
 * copied by value; a stack is used by one thread (no atomics).
 */
#ifndef __FROST_CORE_STACK_H
#define __FROST_CORE_STACK_H

#include <stddef.h>
#include "core/alloc.h"
#include "core/err.h"

/**
 * struct __frost_stack - a LIFO of @esize-byte elements.
 * @base: the elements: @chunk, or an array from @ops once grown.
 * @n: elements in use.
 * @cap: elements @base can hold.
 * @esize: size of one element in bytes.
 * @chunk: the caller's first chunk (NULL if none); never freed here.
 * @chunk_cap: elements @chunk holds.
 * @ops, @ctx: the allocator of grown arrays and its context word.
 */
struct __frost_stack {
	unsigned char *base;
	size_t n;
	size_t cap;
	size_t esize;
	void *chunk;
	size_t chunk_cap;
	const struct __frost_alloc_ops *ops;
	void *ctx;
};

/*
 * __frost_stack_init_ops() - start an empty stack in @chunk (@chunk_cap
 * elements of @esize bytes; NULL and 0 for none) that grows with @ops
 * (called with @ctx). Cannot fail.
 */
static inline void __frost_stack_init_ops(struct __frost_stack *s, void *chunk,
					  size_t chunk_cap, size_t esize,
					  const struct __frost_alloc_ops *ops, void *ctx)
{
	s->base = chunk;
	s->n = 0;
	s->cap = chunk ? chunk_cap : 0;
	s->esize = esize;
	s->chunk = chunk;
	s->chunk_cap = s->cap;
	s->ops = ops;
	s->ctx = ctx;
}

/* __frost_stack_init() - the same, growing with malloc. */
static inline void __frost_stack_init(struct __frost_stack *s, void *chunk,
				      size_t chunk_cap, size_t esize)
{
	__frost_stack_init_ops(s, chunk, chunk_cap, esize, &__frost_malloc_ops, NULL);
}

/* Grow @s (out of line): 0, or -ENOMEM with @s unchanged. */
int __frost_stack_grow(struct __frost_stack *s);

/*
 * __frost_stack_push() - room for one more element on top of @s.
 * Return: the new top element (uninitialised) for the caller to fill, or
 * NULL if the stack could not grow (nothing changed).
 */
static inline void *__frost_stack_push(struct __frost_stack *s)
{
	if (unlikely(s->n == s->cap) && __frost_stack_grow(s))
		return NULL;
	return s->base + s->n++ * s->esize;
}

/* The top element of non-empty @s. */
static inline void *__frost_stack_top(const struct __frost_stack *s)
{
	frost_assert(s->n);
	return s->base + (s->n - 1) * s->esize;
}

/* Drop the top element of non-empty @s. */
static inline void __frost_stack_drop(struct __frost_stack *s)
{
	frost_assert(s->n);
	s->n--;
}

static inline bool __frost_stack_empty(const struct __frost_stack *s)
{
	return s->n == 0;
}

/* Elements in use. */
static inline size_t __frost_stack_len(const struct __frost_stack *s)
{
	return s->n;
}

/* The elements, bottom first: __frost_stack_len() of them. */
static inline void *__frost_stack_array(const struct __frost_stack *s)
{
	return s->base;
}

/* Empty @s, keeping its memory for reuse. */
static inline void __frost_stack_clear(struct __frost_stack *s)
{
	s->n = 0;
}

/* Pointer stacks (esize == sizeof(void *)): push @p; 0 or -ENOMEM. */
static inline int __frost_stack_push_ptr(struct __frost_stack *s, void *p)
{
	void **slot = __frost_stack_push(s);

	if (unlikely(!slot))
		return -ENOMEM;
	*slot = p;
	return 0;
}

/* Pointer stacks: pop the top of non-empty @s. */
static inline void *__frost_stack_pop_ptr(struct __frost_stack *s)
{
	void *p = *(void **)__frost_stack_top(s);

	s->n--;
	return p;
}

/*
 * __frost_stack_release() - free what @s allocated and make it empty
 * again, back in its first chunk. @s may be reused afterwards.
 */
void __frost_stack_release(struct __frost_stack *s);

#endif /* __FROST_CORE_STACK_H */
