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
 *
 * Current pages, SLUB style: while a page is its class's current page, its
 * free list and live count live in the class's struct frost_alloc_slot,
 * not in the page, and the fast paths touch only that slot (allocation) or
 * the page's identity and the slot (free). The object sort's slots are the
 * sandbox's public ones (struct frost_sandbox_pub, include/frost/sandbox.h),
 * so frost_object_new() and frost_decref() pop and push them inline in the
 * caller; builds that must see every allocation (CONFIG_FROST_FAULT_INJECTION,
 * CONFIG_FROST_DEBUG's poisoning) use private slots and leave the public
 * ones empty, which sends every inline call out of line.
 *
 * Statistics are summed when asked (__frost_private_stats()): the slots'
 * live counts plus @off_objects/@off_bytes, the allocations outside current
 * pages, which only slow paths change (a page that becomes or stops being
 * current moves its count between the two). No per-allocation counter but
 * the slot's, which the allocator keeps anyway; everything read lives in
 * the sandbox structure (type-stable), never in a page that may be unmapped
 * under the reader.
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

#define FROST_SMALL_MAX		FROST_SMALL_SIZE_MAX
#define FROST_NR_CLASSES	FROST_NR_SIZE_CLASSES

/* Whether the object sort's slots are the public ones (see above). */
#if defined(CONFIG_FROST_FAULT_INJECTION) || defined(CONFIG_FROST_DEBUG)
#define FROST_INLINE_ALLOC	0
#else
#define FROST_INLINE_ALLOC	1
#endif

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
 * @owner: the sandbox that owns the page.
 * @obj_size: allocation size of each slot (small) or usable size (large).
 * @used: live allocations in the page, while it is not current (a current
 *	page's count is its slot's).
 * @capacity: slots in the page.
 * @carved: slots threaded onto the free lists so far (lib/mm/private.c,
 *	carving); the rest, from the end of the page, are free.
 * @arena: that sandbox's arena (saves a lookup on free).
 * @free: the page's free list (slots linked through their first word),
 *	while it is not current (a current page's list is its slot's).
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
	struct frost_sandbox *owner;
	uint32_t obj_size;
	uint32_t used;
	uint32_t capacity;
	uint32_t carved;
	uint16_t listed;
	uint16_t sort;
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
/* The inline free of <frost/object.h> reads a page through its public head. */
_Static_assert(__builtin_offsetof(struct frost_page, magic) ==
	       __builtin_offsetof(struct frost_page_head, magic) &&
	       __builtin_offsetof(struct frost_page, kind) ==
	       __builtin_offsetof(struct frost_page_head, kind) &&
	       __builtin_offsetof(struct frost_page, size_class) ==
	       __builtin_offsetof(struct frost_page_head, size_class) &&
	       __builtin_offsetof(struct frost_page, owner) ==
	       __builtin_offsetof(struct frost_page_head, owner),
	       "struct frost_page does not start with struct frost_page_head");
_Static_assert(FROST_PAGE_SIZE == FROST_ARENA_PAGE_SIZE, "page sizes differ");

/* Offset of the first slot: the header rounded up to a cache line. */
#define FROST_PAGE_HDR_SIZE	128

static inline struct frost_page *__frost_page_of(const void *p)
{
	return (struct frost_page *)((uintptr_t)p & ~(FROST_PAGE_SIZE - 1));
}

/*
 * struct frost_private_heap - the arena embedded in each sandbox.
 * @slots: per sort, the class slots in use: the object sort's are @pub
 *	(FROST_INLINE_ALLOC) or @own's, the raw sort's always @own's.
 * @pub: the sandbox's public slots (the alloc array of struct
 *	frost_sandbox_pub).
 * @own: private slots, for the raw sort and the builds without inline
 *	allocation.
 * @partial: per sort and class, the pages with free slots that are not
 *	current.
 * @all: every page and large mapping of the sandbox (for teardown).
 * @empty: cached empty pages (reused by any class).
 * @nr_empty: how many are cached.
 * @batch: the next never used page of the last batch mapped.
 * @batch_left: how many pages from @batch on are unused.
 * @off_objects, @off_bytes: allocations outside current pages (with
 *	CONFIG_FROST_STATS), and @pages: the counters frost_sandbox_stats()
 *	sums with the slots' (written by the owner alone with
 *	__frost_stat_add(), so any thread may read them with relaxed atomic
 *	loads).
 * @dying: teardown in progress (frees must not touch the page lists).
 */
struct frost_private_heap {
	struct frost_alloc_slot *slots[FROST_NR_SORTS];
	struct frost_alloc_slot *pub;
	struct frost_alloc_slot own[FROST_NR_SORTS][FROST_NR_CLASSES];
	struct cds_list_head partial[FROST_NR_SORTS][FROST_NR_CLASSES];
	struct cds_list_head all;
	struct cds_list_head empty;
	unsigned int nr_empty;
	char *batch;
	unsigned int batch_left;
	uint64_t off_objects;
	uint64_t off_bytes;
	uint64_t pages;
	bool dying;
};

/*
 * __frost_private_heap_init() - set up an empty arena @ph whose object
 * slots, when inline allocation is built in, are @pub (the sandbox's
 * public ones; emptied here either way).
 */
void __frost_private_heap_init(struct frost_private_heap *ph, struct frost_alloc_slot *pub);

/*
 * __frost_private_stats() - live allocations and their bytes in @ph,
 * summed from its slots and its counters. Context: any thread while the
 * sandbox is attached (relaxed atomic loads of owner-written words): a
 * snapshot, exact once the owner is quiescent.
 */
void __frost_private_stats(const struct frost_private_heap *ph, uint64_t *objects,
			   uint64_t *bytes);

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

extern const uint32_t __frost_class_size[FROST_NR_CLASSES];

void *__frost_private_alloc_slow(struct frost_private_heap *ph, struct frost_sandbox *owner,
				 size_t size, enum frost_alloc_sort sort);
void __frost_private_free_slow(struct frost_page *pg);

/* Take the first free slot of @s, which has one. */
static inline void *__frost_slot_pop(struct frost_alloc_slot *s)
{
	void **p = s->free;

	s->free = *p;
	__frost_stat_add(&s->used, 1);
	return p;
}

/*
 * __frost_private_alloc_sort() - @size bytes of @sort from @ph, 16-byte
 * aligned, uninitialised; @owner is recorded in new pages.
 * Return: the memory or NULL with errno ENOMEM.
 *
 * Fast path: pop the class slot's free list (plain loads and stores: the
 * arena is its owner's alone; the count's store is relaxed-atomic for
 * frost_sandbox_stats()). Fault-injection builds may fail any call,
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
		struct frost_alloc_slot *s = ph->slots[sort] + __frost_size_class(size);

		if (likely(s->free))
			return __frost_slot_pop(s);
	}
	return __frost_private_alloc_slow(ph, owner, size, sort);
}

/*
 * __frost_private_free_page() - free @p, whose page header is @pg.
 * Fast path: push onto the class slot's list when @pg is current (it stays
 * current even when it empties), else onto the page's own list; the slow
 * path relists a page that was full and releases a partial page that
 * became empty.
 */
static inline void __frost_private_free_page(struct frost_page *pg, void *p)
{
	if (likely(pg->kind == FROST_PAGE_PRIVATE)) {
		struct frost_private_heap *ph = pg->arena;
		struct frost_alloc_slot *s = ph->slots[pg->sort] + pg->size_class;

#ifdef CONFIG_FROST_DEBUG
		/* Poison all but the free-list link: use after free shows. */
		__builtin_memset((char *)p + sizeof(void *), 0x6b, pg->obj_size - sizeof(void *));
#endif
		if (likely(s->page == pg)) {
			*(void **)p = s->free;
			s->free = p;
			__frost_stat_sub(&s->used, 1);
			return;
		}
		*(void **)p = pg->free;
		pg->free = p;
		pg->used--;
#ifdef CONFIG_FROST_STATS
		__frost_stat_sub(&ph->off_objects, 1);
		__frost_stat_sub(&ph->off_bytes, pg->obj_size);
#endif
		if (likely(pg->used != 0 && pg->listed == FROST_PAGE_PARTIAL))
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
