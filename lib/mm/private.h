/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/mm/private.h - the per-sandbox private arena (internal).
 *
 * Theory of operation. Memory is handed out from FROST_PAGE_SIZE pages
 * aligned to their size, so the page header of any allocation is found by
 * masking its address (__frost_page_of()). The header names the owning
 * sandbox and the size class: that is how ownership is checked (lifetime
 * rule 4) and how a free finds its free list. Small allocations (up to
 * FROST_SMALL_MAX) come from size-classed pages, each with its own free list
 * (mimalloc's free-list sharding); a class allocates from its current page
 * and keeps pages with free slots on a partial list. A large allocation gets
 * its own mapping, aligned the same way, with the header in front.
 *
 * Only the owning sandbox's thread touches its pages, so the fast paths are
 * plain loads and stores: no atomics, no locks.
 */
#ifndef __FROST_MM_PRIVATE_H
#define __FROST_MM_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <urcu/list.h>
#include <frost/object.h>
#include "core/alloc.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/stat.h"
#include "mm/page.h"

#define FROST_SMALL_MAX		8192u
#define FROST_NR_CLASSES	32

/*
 * Arena memory holds two sorts of allocations: objects (a struct
 * frost_object at offset 0, so teardown can finalize them) and raw buffers
 * (a list's item array). They never share a page.
 */
enum frost_alloc_sort {
	FROST_ALLOC_OBJECT = 0,
	FROST_ALLOC_RAW = 1,
	FROST_NR_SORTS
};

/*
 * struct frost_page - header at the start of every arena page/mapping.
 * @magic, @kind: what this page is (checked in debug builds).
 * @size_class: class index (small pages).
 * @obj_size: allocation size of each slot (small) or usable size (large).
 * @used: live allocations in the page.
 * @capacity: slots in the page.
 * @owner: the sandbox that owns the page.
 * @arena: that sandbox's arena (saves a lookup on free).
 * @free: the page's free list (slots linked through their first word).
 * @map_len: length of the mapping (large).
 * @node: on its class's partial list, or on the arena's cache of empty
 *	pages.
 * @listed: FROST_PAGE_CURRENT (its class's current page),
 *	FROST_PAGE_PARTIAL (on the partial list) or FROST_PAGE_UNLISTED (full:
 *	on no list until a slot is freed).
 * @sort: enum frost_alloc_sort of every allocation in the page.
 * @all_node: on the arena's list of every page, for teardown.
 */
struct frost_page {
	uint32_t magic;
	uint16_t kind;
	uint16_t size_class;
	uint32_t obj_size;
	uint32_t used;
	uint32_t capacity;
	uint16_t listed;
	uint16_t sort;
	struct frost_sandbox *owner;
	struct frost_private_heap *arena;
	void *free;
	size_t map_len;
	struct cds_list_head node;
	struct cds_list_head all_node;
};

enum frost_page_listing {
	FROST_PAGE_UNLISTED = 0,
	FROST_PAGE_PARTIAL,
	FROST_PAGE_CURRENT,
};

FROST_PAGE_HEADER_CHECK(struct frost_page);

/* Offset of the first slot: the header rounded up to a cache line. */
#define FROST_PAGE_HDR_SIZE	128

static inline struct frost_page *__frost_page_of(const void *p)
{
	return (struct frost_page *)((uintptr_t)p & ~(FROST_PAGE_SIZE - 1));
}

/* struct frost_size_class - a sandbox's allocation state for one class. */
struct frost_size_class {
	struct frost_page *current;	/* never NULL: an empty sentinel at worst */
	struct cds_list_head partial;	/* other pages with free slots */
};

/*
 * struct frost_private_heap - the arena embedded in each sandbox.
 * @classes: per-sort, per-class current page and partial list.
 * @all: every page and large mapping of the sandbox (for teardown).
 * @empty: cached empty pages (reused by any class).
 * @nr_empty: how many are cached.
 * @live_objects, @live_bytes, @pages: the counters frost_sandbox_stats()
 *	reports (written by the owner alone with __frost_stat_add(), so any
 *	thread may read them with relaxed atomic loads).
 * @dying: teardown in progress (frees must not touch the page lists).
 */
struct frost_private_heap {
	struct frost_size_class classes[FROST_NR_SORTS][FROST_NR_CLASSES];
	struct cds_list_head all;
	struct cds_list_head empty;
	unsigned int nr_empty;
	uint64_t live_objects;
	uint64_t live_bytes;
	uint64_t pages;
	bool dying;
};

void __frost_private_heap_init(struct frost_private_heap *ph);

/*
 * __frost_map_aligned() - map @len bytes (a multiple of FROST_PAGE_SIZE)
 * aligned to FROST_PAGE_SIZE, so __frost_page_of() finds their header.
 * Used for private and shared pages alike. Return: the mapping or NULL.
 */
void *__frost_map_aligned(size_t len);


/*
 * __frost_private_heap_destroy() - free every page and mapping of @ph;
 * @finalize (if not NULL) is first called on each live object (not on raw
 * buffers). Return: the number of live allocations that were freed.
 */
uint64_t __frost_private_heap_destroy(struct frost_private_heap *ph,
				      void (*finalize)(struct frost_object *o));

/*
 * __frost_private_for_each_object() - call @fn on every live object of @ph
 * (raw buffers are skipped). The caller is the owner, or holds the owner
 * offline (the reclaimer scanning an offline sandbox).
 * Return: the number of live allocations, objects and buffers.
 */
uint64_t __frost_private_for_each_object(struct frost_private_heap *ph,
					 void (*fn)(struct frost_object *o, void *arg), void *arg);

/* Size classes: 16..128 by 16, then four classes per power of two. */
static inline unsigned int __frost_size_class(size_t size)
{
	size_t s;
	unsigned int b;

	if (size <= 128)
		return size ? (unsigned int)((size + 15) >> 4) - 1 : 0;
	s = size - 1;
	b = 63 - (unsigned int)__builtin_clzl(s);
	return 8 + (b - 7) * 4 + (unsigned int)((s >> (b - 2)) & 3);
}

extern const uint32_t __frost_class_size[FROST_NR_CLASSES];

void *__frost_private_alloc_slow(struct frost_private_heap *ph, struct frost_sandbox *owner,
				 size_t size, enum frost_alloc_sort sort);
void __frost_private_free_slow(struct frost_page *pg);

/* Take the first free slot of @pg (class @c of @ph), which has one. */
static inline void *__frost_page_pop(struct frost_private_heap *ph, struct frost_page *pg,
				     unsigned int c)
{
	void **slot = pg->free;

	pg->free = *slot;
	pg->used++;
#ifdef CONFIG_FROST_STATS
	__frost_stat_add(&ph->live_objects, 1);
	__frost_stat_add(&ph->live_bytes, __frost_class_size[c]);
#endif
	(void)ph;
	(void)c;
	return slot;
}

/*
 * __frost_private_alloc_sort() - @size bytes of @sort from @ph, 16-byte
 * aligned, uninitialised; @owner is recorded in new pages.
 * Return: the memory or NULL with errno ENOMEM.
 *
 * Fast path: pop the current page's free list (plain loads and stores: the
 * arena is its owner's alone). Fault-injection builds may fail any call,
 * fast path included, before it changes anything (lib/core/fault.h); in
 * other builds the check is the constant false and compiles away.
 */
static inline void *__frost_private_alloc_sort(struct frost_private_heap *ph,
					       struct frost_sandbox *owner, size_t size,
					       enum frost_alloc_sort sort)
{
	if (unlikely(__frost_should_fail())) {
		errno = ENOMEM;
		return NULL;
	}
	if (likely(size <= FROST_SMALL_MAX)) {
		unsigned int c = __frost_size_class(size);
		struct frost_page *pg = ph->classes[sort][c].current;

		if (likely(pg->free))
			return __frost_page_pop(ph, pg, c);
	}
	return __frost_private_alloc_slow(ph, owner, size, sort);
}

/*
 * __frost_private_free_page() - free @p, whose page header is @pg.
 * Fast path: push onto the page's free list; the slow path relists a page
 * that was full and releases a partial page that became empty.
 */
static inline void __frost_private_free_page(struct frost_page *pg, void *p)
{
	if (likely(pg->kind == FROST_PAGE_PRIVATE)) {
#ifdef CONFIG_FROST_DEBUG
		/* Poison all but the free-list link: use after free shows. */
		__builtin_memset((char *)p + sizeof(void *), 0x6b, pg->obj_size - sizeof(void *));
#endif
		*(void **)p = pg->free;
		pg->free = p;
#ifdef CONFIG_FROST_STATS
		__frost_stat_sub(&pg->arena->live_objects, 1);
		__frost_stat_sub(&pg->arena->live_bytes, pg->obj_size);
#endif
		pg->used--;
		/* The current page stays put even when it empties. */
		if (likely(pg->listed == FROST_PAGE_CURRENT ||
			   (pg->used != 0 && pg->listed == FROST_PAGE_PARTIAL)))
			return;
	}
	__frost_private_free_slow(pg);
}

/* A raw buffer (not an object) from @sb's arena; NULL with errno ENOMEM. */
void *__frost_private_alloc(struct frost_sandbox *sb, size_t size);

/* Free an allocation; the owning sandbox is found from its page header. */
void __frost_private_free(void *p);

/*
 * Raw buffers of a sandbox's arena for the core containers (core/alloc.h):
 * the context word is the owning sandbox; no realloc. Only the owner may
 * grow or release a container that uses them.
 */
extern const struct __frost_alloc_ops __frost_private_alloc_ops;

/* Bytes usable at @p (its size class or large mapping size). */
size_t __frost_private_usable_size(const void *p);

/* The sandbox that owns allocation @p. */
static inline struct frost_sandbox *__frost_private_owner(const void *p)
{
	return __frost_page_of(p)->owner;
}

#endif /* __FROST_MM_PRIVATE_H */
