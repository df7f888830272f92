/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/core/alloc.h - where the core containers get their memory (internal).
 *
 * Theory of operation. The growable stack (core/stack.h) and the
 * address-keyed table (core/addrtab.h) live in the core layer, below the
 * allocators, so they do not call an allocator by name: their owner hands
 * them a struct __frost_alloc_ops and a context word. Two exist:
 * __frost_malloc_ops here (malloc, realloc, free; the context is unused),
 * and the private arena's __frost_private_alloc_ops (lib/mm/private.h,
 * the context is the owning sandbox), for per-sandbox buffers that must
 * be written by their owner only and go with its arena.
 *
 * Fault injection: an allocator's @alloc and @realloc ask
 * __frost_should_fail() themselves (malloc's here, the arena's in its
 * allocation fast path), once per call, so every container growth is an
 * injection point and none is counted twice. The containers call the ops
 * only to grow and to release, never on a fast path.
 */
#ifndef __FROST_CORE_ALLOC_H
#define __FROST_CORE_ALLOC_H

#include <stddef.h>

/**
 * struct __frost_alloc_ops - an allocator for core containers.
 * @alloc: (ctx, size) - that many bytes, suitably aligned for any
 *	object, or NULL (no memory, or fault injection); ctx is the owner's
 *	context word, passed to every call.
 * @realloc: (ctx, p, size) - resize p keeping its contents, or NULL with
 *	p untouched; may itself be NULL, and then a container allocates,
 *	copies and frees instead.
 * @free: (ctx, p) - release p (never NULL) from @alloc or @realloc.
 */
struct __frost_alloc_ops {
	void *(*alloc)(void *ctx, size_t size);
	void *(*realloc)(void *ctx, void *p, size_t size);
	void (*free)(void *ctx, void *p);
};

/* malloc(3) and friends, each asking __frost_should_fail() first. */
extern const struct __frost_alloc_ops __frost_malloc_ops;

#endif /* __FROST_CORE_ALLOC_H */
