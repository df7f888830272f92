/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/core/stack.h - one growable LIFO for every graph walk (internal).
 *
 * Theory of operation. Walks over object graphs (equality, freezing, and
 * later marking and the pin tables) must not recurse on the C stack: a
 * user can build a chain a million levels deep. They keep their work on a
 * struct __frost_stack instead: an array of fixed-size elements that starts
 * in a chunk the caller provides (usually an array in its own frame, so a
 * walk over a shallow graph, the common case, never calls malloc) and moves
 * to malloc'd memory, doubling, when the chunk is full. A stack that is a
 * long-lived field (a reclaimer's grey stack) simply starts with no chunk.
 *
 * Growth is the only thing that can fail: __frost_stack_push() returns NULL
 * (the caller reports ENOMEM) and the stack is left as it was, so a walk
 * can stop cleanly with everything it pushed still in place. Memory is
 * bounded by what the caller pushes: each walk pushes at most one element
 * per level (or per child) of the graph it is looking at, so the stack is
 * never larger than a small multiple of that graph. Growth asks
 * __frost_should_fail() first, so fault-injection builds exercise every
 * caller's ENOMEM path.
 *
 * The fast paths (push into spare room, pop, top) are static inline and
 * branch once; growth is out of line in lib/core/stack.c. Elements are
 * copied by value; a stack is used by one thread (no atomics).
 */
#ifndef __FROST_CORE_STACK_H
#define __FROST_CORE_STACK_H

#include <stddef.h>
#include "core/err.h"

/**
 * struct __frost_stack - a LIFO of @esize-byte elements.
 * @base: the elements: @chunk, or a malloc'd array once grown.
 * @n: elements in use.
 * @cap: elements @base can hold.
 * @esize: size of one element in bytes.
 * @chunk: the caller's first chunk (NULL if none); never freed here.
 * @chunk_cap: elements @chunk holds.
 */
struct __frost_stack {
	unsigned char *base;
	size_t n;
	size_t cap;
	size_t esize;
	void *chunk;
	size_t chunk_cap;
};

/*
 * __frost_stack_init() - start an empty stack in @chunk (@chunk_cap
 * elements of @esize bytes; NULL and 0 for none). Cannot fail.
 */
static inline void __frost_stack_init(struct __frost_stack *s, void *chunk,
				      size_t chunk_cap, size_t esize)
{
	s->base = chunk;
	s->n = 0;
	s->cap = chunk ? chunk_cap : 0;
	s->esize = esize;
	s->chunk = chunk;
	s->chunk_cap = s->cap;
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
 * __frost_stack_release() - free what @s malloc'd and make it empty again,
 * back in its first chunk. @s may be reused afterwards.
 */
void __frost_stack_release(struct __frost_stack *s);

#endif /* __FROST_CORE_STACK_H */
