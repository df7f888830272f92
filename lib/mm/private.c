// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/mm/private.c - slow paths of the per-sandbox private arena.
 *
 * Theory of operation (fast paths: lib/mm/private.h). A sandbox's arena
 * owns 64 KiB pages aligned to 64 KiB. Each small page serves one size
 * class and one sort (objects or raw buffers) and has its own free list.
 * Per class, the arena allocates from a *current* page, whose free list and
 * count its class slot holds (lib/mm/private.h), and keeps other pages
 * that have free slots on a *partial* list; a page that fills up leaves
 * every list ("unlisted") until a slot in it is freed. A page whose last
 * slot is freed goes to a small cache of empty pages, shared by all classes;
 * beyond FROST_EMPTY_CACHE pages it is unmapped. Fresh pages are mapped
 * FROST_MAP_BATCH at a time to keep mmap calls rare, and handed out from
 * the batch in order (@batch, @batch_left), so a page's memory is first
 * written when it is used.
 *
 * Carving. A page's free list is threaded lazily, FROST_CARVE_BYTES of
 * slots at a time (@carved counts the slots threaded so far): the first
 * allocation of a class does not write the whole 64 KiB page, so a
 * sandbox that allocates little (a Lua worker state, a short-lived
 * thread) costs a few KiB of resident memory, not a page per class. When
 * the current page's list runs dry the slow path threads the next slots,
 * and the page leaves the lists as full only once every slot is carved;
 * so a page that is not current is fully carved, and the slots past
 * @carved of the current page are free.
 *
 * Invariants (checked under CONFIG_FROST_DEBUG):
 *   - a page's @listed says where it is: its class's current page (then its
 *     slot's @page names it and its own @free and @used are stale), on the
 *     partial list, or unlisted; an unlisted page is full;
 *   - a page on the partial list has used < capacity and used > 0;
 *   - every page and large mapping is on the arena's @all list.
 *
 * Large allocations (over FROST_SMALL_MAX) get their own mapping, aligned
 * to FROST_PAGE_SIZE with the header in its first FROST_PAGE_HDR_SIZE
 * bytes, so __frost_page_of() works for them too.
 *
 * Nothing here takes a lock or uses an atomic: only the owner's thread
 * calls into its arena (lifetime rule 4; the public API checks ownership
 * before it frees or mutates anything).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "mm/mm.h"

#define FROST_EMPTY_CACHE	16	/* empty pages kept per arena */
#define FROST_MAP_BATCH		8	/* pages mapped at once */
#define FROST_CARVE_BYTES	4096	/* free list threaded at once, per page */

const uint32_t __frost_class_size[FROST_NR_CLASSES] = {
	16, 32, 48, 64, 80, 96, 112, 128,
	160, 192, 224, 256, 320, 384, 448, 512,
	640, 768, 896, 1024, 1280, 1536, 1792, 2048,
	2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192,
};

void __frost_private_heap_init(struct frost_private_heap *ph, struct frost_alloc_slot *pub)
{
	memset(ph, 0, sizeof(*ph));
	/* Empty slots: no page, no free slot, so every first call goes slow. */
	memset(pub, 0, FROST_NR_CLASSES * sizeof(*pub));
	ph->pub = pub;
	ph->slots[FROST_ALLOC_OBJECT] = FROST_INLINE_ALLOC ? pub : ph->own[FROST_ALLOC_OBJECT];
	ph->slots[FROST_ALLOC_RAW] = ph->own[FROST_ALLOC_RAW];
	for (int s = 0; s < FROST_NR_SORTS; s++)
		for (int c = 0; c < FROST_NR_CLASSES; c++)
			CDS_INIT_LIST_HEAD(&ph->partial[s][c]);
	CDS_INIT_LIST_HEAD(&ph->all);
	CDS_INIT_LIST_HEAD(&ph->empty);
}

/* Allocations entering (@d > 0) or leaving the off-current counters. */
static void off_count(struct frost_private_heap *ph, int64_t objects, int64_t bytes)
{
#ifdef CONFIG_FROST_STATS
	__frost_stat_add(&ph->off_objects, (uint64_t)objects);
	__frost_stat_add(&ph->off_bytes, (uint64_t)bytes);
#else
	(void)ph;
	(void)objects;
	(void)bytes;
#endif
}

void __frost_private_stats(const struct frost_private_heap *ph, uint64_t *objects,
			   uint64_t *bytes)
{
	uint64_t o = __frost_stat_read(&ph->off_objects);
	uint64_t b = __frost_stat_read(&ph->off_bytes);

	/*
	 * Every table, used or not: an unused one counts zero, and reading
	 * them all needs no pointer the owner writes.
	 */
	for (unsigned int c = 0; c < FROST_NR_CLASSES; c++) {
		uint64_t n = __frost_stat_read(&ph->pub[c].used);

		for (int s = 0; s < FROST_NR_SORTS; s++)
			n += __frost_stat_read(&ph->own[s][c].used);
		o += n;
		b += n * __frost_class_size[c];
	}
	*objects = o;
	*bytes = b;
}

/* @pg becomes the current page of slot @s: its list and count move in. */
static void slot_take(struct frost_private_heap *ph, struct frost_alloc_slot *s,
		      struct frost_page *pg)
{
	/* Count first, then uncount: a concurrent stats reader over-counts. */
	__frost_stat_add(&s->used, pg->used);
	off_count(ph, -(int64_t)pg->used, -(int64_t)pg->used * pg->obj_size);
	s->free = pg->free;
	pg->free = NULL;
	s->page = pg;
	pg->listed = FROST_PAGE_CURRENT;
}

/* The current page of slot @s (full, or the arena dying) moves out. */
static void slot_release(struct frost_private_heap *ph, struct frost_alloc_slot *s)
{
	struct frost_page *pg = (struct frost_page *)s->page;
	unsigned long used = s->used;

	pg->free = s->free;
	pg->used = (uint32_t)used;
	off_count(ph, (int64_t)used, (int64_t)used * pg->obj_size);
	__frost_stat_sub(&s->used, used);
	s->free = NULL;
	s->page = NULL;
}

#define page_of_node(n)		__frost_container_of(n, struct frost_page, node)
#define page_of_all_node(n)	__frost_container_of(n, struct frost_page, all_node)

void *__frost_map_aligned(size_t len)
{
	size_t span = len + FROST_PAGE_SIZE;
	char *raw, *aligned;
	size_t head, tail;

	raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	aligned = (char *)(((uintptr_t)raw + FROST_PAGE_SIZE - 1) & ~(FROST_PAGE_SIZE - 1));
	head = (size_t)(aligned - raw);
	tail = span - head - len;
	if (head)
		munmap(raw, head);
	if (tail)
		munmap(aligned + len, tail);
	return aligned;
}

static void all_link(struct frost_private_heap *ph, struct frost_page *pg)
{
	cds_list_add(&pg->all_node, &ph->all);
	__frost_stat_add(&ph->pages, 1);
}

static void all_unlink(struct frost_private_heap *ph, struct frost_page *pg)
{
	cds_list_del(&pg->all_node);
	__frost_stat_sub(&ph->pages, 1);
}

static void partial_push(struct cds_list_head *partial, struct frost_page *pg)
{
	cds_list_add(&pg->node, partial);
	pg->listed = FROST_PAGE_PARTIAL;
}

static void partial_remove(struct frost_page *pg)
{
	cds_list_del(&pg->node);
	pg->listed = FROST_PAGE_UNLISTED;
}

/* An empty page from the cache, or the next of a fresh batch; NULL on ENOMEM. */
static struct frost_page *page_get(struct frost_private_heap *ph)
{
	struct frost_page *pg;

	if (cds_list_empty(&ph->empty)) {
		if (!ph->batch_left) {
			/* A page mapping is an allocation of its own (fault.h). */
			char *batch = __frost_should_fail() ? NULL
				: __frost_map_aligned(FROST_MAP_BATCH * FROST_PAGE_SIZE);

			if (!batch)
				return NULL;
			ph->batch = batch;
			ph->batch_left = FROST_MAP_BATCH;
		}
		pg = (struct frost_page *)ph->batch;
		ph->batch += FROST_PAGE_SIZE;
		ph->batch_left--;
		return pg;
	}
	pg = page_of_node(ph->empty.next);
	cds_list_del(&pg->node);
	ph->nr_empty--;
	return pg;
}

/* Give an empty page back: to the cache, or to the kernel past its limit. */
static void page_put(struct frost_private_heap *ph, struct frost_page *pg)
{
	all_unlink(ph, pg);
	if (ph->nr_empty < FROST_EMPTY_CACHE) {
		pg->kind = FROST_PAGE_SENTINEL;	/* not a live page any more */
		cds_list_add(&pg->node, &ph->empty);
		ph->nr_empty++;
	} else {
		munmap(pg, FROST_PAGE_SIZE);
	}
}

/*
 * Thread the next slots of @pg (FROST_CARVE_BYTES of them, at least one)
 * onto @head, an empty free list.
 */
static void page_carve(struct frost_page *pg, void **head)
{
	uint32_t n = FROST_CARVE_BYTES / pg->obj_size, end;
	char *slot = (char *)pg + FROST_PAGE_HDR_SIZE + (size_t)pg->carved * pg->obj_size;

	end = pg->carved + (n ? n : 1);
	if (end > pg->capacity)
		end = pg->capacity;
	for (uint32_t i = pg->carved; i < end; i++, slot += pg->obj_size) {
		*head = slot;
		head = (void **)slot;
	}
	*head = NULL;
	pg->carved = end;
}

/* Format @pg for class @c of @sort and thread the start of its free list. */
static void page_format(struct frost_private_heap *ph, struct frost_sandbox *owner,
			struct frost_page *pg, unsigned int c, enum frost_alloc_sort sort)
{
	uint32_t size = __frost_class_size[c];

	memset(pg, 0, sizeof(*pg));
	pg->magic = FROST_PAGE_MAGIC;
	pg->kind = FROST_PAGE_PRIVATE;
	pg->size_class = (uint16_t)c;
	pg->sort = (uint16_t)sort;
	pg->obj_size = size;
	pg->capacity = (uint32_t)((FROST_PAGE_SIZE - FROST_PAGE_HDR_SIZE) / size);
	pg->owner = owner;
	pg->arena = ph;
	page_carve(pg, &pg->free);
	all_link(ph, pg);
}

static void *alloc_large(struct frost_private_heap *ph, struct frost_sandbox *owner,
			 size_t size, enum frost_alloc_sort sort)
{
	size_t len;
	struct frost_page *pg;

	if (size > SIZE_MAX - FROST_PAGE_HDR_SIZE - 2 * FROST_PAGE_SIZE) {
		errno = ENOMEM;
		return NULL;
	}
	len = (FROST_PAGE_HDR_SIZE + size + FROST_PAGE_SIZE - 1) & ~(FROST_PAGE_SIZE - 1);
	pg = __frost_should_fail() ? NULL : __frost_map_aligned(len);
	if (!pg) {
		errno = ENOMEM;
		return NULL;
	}
	pg->magic = FROST_PAGE_MAGIC;
	pg->kind = FROST_PAGE_PRIVATE_LARGE;
	pg->sort = (uint16_t)sort;
	pg->obj_size = 0;
	pg->used = 1;
	pg->capacity = 1;
	pg->carved = 1;
	pg->owner = owner;
	pg->arena = ph;
	pg->map_len = len;
	all_link(ph, pg);
	off_count(ph, 1, (int64_t)(len - FROST_PAGE_HDR_SIZE));
	return (char *)pg + FROST_PAGE_HDR_SIZE;
}

void *__frost_private_alloc_slow(struct frost_private_heap *ph, struct frost_sandbox *owner,
				 size_t size, enum frost_alloc_sort sort)
{
	struct frost_alloc_slot *s;
	struct cds_list_head *partial;
	struct frost_page *pg;
	unsigned int c;

	if (size > FROST_SMALL_MAX)
		return alloc_large(ph, owner, size, sort);

	c = __frost_size_class(size);
	s = ph->slots[sort] + c;
	partial = &ph->partial[sort][c];
	frost_assert(!s->free);
	if (s->page) {
		pg = (struct frost_page *)s->page;
		/* Slots not threaded yet: the next ones. */
		if (pg->carved < pg->capacity) {
			page_carve(pg, &s->free);
			return __frost_slot_pop(s);
		}
		/* The current page is full: it leaves the lists until a slot frees. */
		frost_assert(s->used == pg->capacity);
		slot_release(ph, s);
		pg->listed = FROST_PAGE_UNLISTED;
	}
	if (!cds_list_empty(partial)) {
		pg = page_of_node(partial->next);
		partial_remove(pg);
	} else {
		pg = page_get(ph);
		if (!pg) {
			errno = ENOMEM;
			return NULL;
		}
		page_format(ph, owner, pg, c, sort);
	}
	slot_take(ph, s, pg);
	/*
	 * Pop the slot here rather than through __frost_private_alloc_sort():
	 * that would (with fault injection) fail the same allocation a
	 * second time after the page was already made current.
	 */
	return __frost_slot_pop(s);
}

void __frost_private_free_slow(struct frost_page *pg)
{
	struct frost_private_heap *ph = pg->arena;

	/*
	 * Teardown is walking the page lists and will unmap everything: a
	 * finalizer's free (a list's item array) must not change them.
	 */
	if (unlikely(ph->dying))
		return;
	if (pg->kind == FROST_PAGE_PRIVATE_LARGE) {
		off_count(ph, -1, -(int64_t)(pg->map_len - FROST_PAGE_HDR_SIZE));
		all_unlink(ph, pg);
		munmap(pg, pg->map_len);
		return;
	}
	frost_bug_on(pg->magic != FROST_PAGE_MAGIC || pg->kind != FROST_PAGE_PRIVATE);

	frost_assert(pg->listed != FROST_PAGE_CURRENT);
	if (pg->used == 0) {
		if (pg->listed == FROST_PAGE_PARTIAL)
			partial_remove(pg);
		page_put(ph, pg);
		return;
	}
	/* A full page got a free slot: back on the partial list. */
	frost_assert(pg->listed == FROST_PAGE_UNLISTED);
	partial_push(&ph->partial[pg->sort][pg->size_class], pg);
}

void *__frost_private_alloc(struct frost_sandbox *sb, size_t size)
{
	return __frost_private_alloc_sort(&__frost_sb_mm(sb)->arena, sb, size, FROST_ALLOC_RAW);
}

void __frost_private_free(void *p)
{
	__frost_private_free_page(__frost_page_of(p), p);
}

static void *private_ops_alloc(void *ctx, size_t size)
{
	return __frost_private_alloc(ctx, size);
}

static void private_ops_free(void *ctx, void *p)
{
	(void)ctx;
	__frost_private_free(p);
}

const struct __frost_alloc_ops __frost_private_alloc_ops = {
	.alloc = private_ops_alloc,
	.free = private_ops_free,
};

size_t __frost_private_usable_size(const void *p)
{
	const struct frost_page *pg = __frost_page_of(p);

	if (pg->kind == FROST_PAGE_PRIVATE_LARGE)
		return pg->map_len - FROST_PAGE_HDR_SIZE;
	return pg->obj_size;
}

/*
 * Call @fn on every live object (not raw buffer) of small page @pg: the
 * slots not on its free list. Return: the number of live slots of any sort.
 */
static uint64_t page_for_each_live(struct frost_page *pg,
				   void (*fn)(struct frost_object *o, void *arg), void *arg)
{
	uint64_t freebits[(FROST_PAGE_SIZE / 16 + 63) / 64] = { 0 };
	char *base = (char *)pg + FROST_PAGE_HDR_SIZE;
	struct frost_alloc_slot *s = pg->arena->slots[pg->sort] + pg->size_class;
	uint64_t live = 0;

	/* A current page's free list is its slot's. */
	for (void **f = s->page == pg ? s->free : pg->free; f; f = *f) {
		size_t i = (size_t)((char *)f - base) / pg->obj_size;

		freebits[i / 64] |= UINT64_C(1) << (i % 64);
	}
	/* Slots past @carved were never allocated (carving, above). */
	for (uint32_t i = 0; i < pg->carved; i++) {
		if (freebits[i / 64] & (UINT64_C(1) << (i % 64)))
			continue;
		live++;
		if (fn && pg->sort == FROST_ALLOC_OBJECT)
			fn((struct frost_object *)(void *)(base + (size_t)i * pg->obj_size), arg);
	}
	return live;
}

uint64_t __frost_private_for_each_object(struct frost_private_heap *ph,
					 void (*fn)(struct frost_object *o, void *arg), void *arg)
{
	uint64_t live = 0;

	struct cds_list_head *n;

	cds_list_for_each(n, &ph->all) {
		struct frost_page *pg = page_of_all_node(n);

		if (pg->kind == FROST_PAGE_PRIVATE_LARGE) {
			live++;
			if (fn && pg->sort == FROST_ALLOC_OBJECT)
				fn((struct frost_object *)(void *)((char *)pg + FROST_PAGE_HDR_SIZE), arg);
		} else {
			live += page_for_each_live(pg, fn, arg);
		}
	}
	return live;
}

static void finalize_one(struct frost_object *o, void *arg)
{
	void (*finalize)(struct frost_object *o) = *(void (**)(struct frost_object *))arg;

	finalize(o);
}

uint64_t __frost_private_heap_destroy(struct frost_private_heap *ph,
				      void (*finalize)(struct frost_object *o))
{
	struct cds_list_head *n, *next;
	struct frost_page *pg;
	uint64_t live;

	/*
	 * Finalize everything first. A finalizer may free buffers (a list's
	 * item array): with @dying set such frees only touch free lists,
	 * never the page lists this loop walks, and nothing is unmapped.
	 */
	ph->dying = true;
	live = __frost_private_for_each_object(ph, finalize ? finalize_one : NULL, &finalize);
	cds_list_for_each_safe(n, next, &ph->all) {
		pg = page_of_all_node(n);
		munmap(pg, pg->kind == FROST_PAGE_PRIVATE_LARGE ? pg->map_len : FROST_PAGE_SIZE);
	}
	cds_list_for_each_safe(n, next, &ph->empty)
		munmap(page_of_node(n), FROST_PAGE_SIZE);
	if (ph->batch_left)
		munmap(ph->batch, (size_t)ph->batch_left * FROST_PAGE_SIZE);
	__frost_private_heap_init(ph, ph->pub);
	return live;
}
