// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/mm/shared.c - shared slabs, per-CPU depots and sandbox magazines.
 *
 * Theory of operation (the data flow is drawn in lib/mm/shared.h).
 *
 * Slabs. A shared slab is a FROST_PAGE_SIZE page aligned to its size, one
 * size class (32 B .. 8 KiB, the private arena's classes from 32 B up) and
 * one kind (objects with children, or leaves: see shared.h), its
 * header and mark bitmap in the first FROST_SHARED_HDR_SIZE bytes. Slabs
 * and large mappings are listed on the heap under heap->shared_lock, taken
 * only to add a page and at teardown: never on an allocation fast path.
 * When a slab is carved, every slot gets the freed type, so "allocated" can
 * be read from a slot's own type word (by the sweeper and at teardown).
 *
 * Chains. Free slots travel in chains of up to FROST_CHAIN_LEN linked
 * through word 0 (the refcount word of a free slot); the head slot also
 * holds, in words 2 and 3, the link to the next chain on a depot stack and
 * the chain's length. Shared slots are at least 32 bytes, so they fit.
 *
 * Depots. Each CPU has, per size class, a Treiber stack of chains. A
 * sandbox refills its magazine by popping one chain from the depot of the
 * CPU it runs on (rseq's cpu_id, as registered by glibc; sched_getcpu()
 * otherwise), then from the other CPUs', and only then carves a new slab.
 *
 * Why the pop is ABA-safe without a tag. A pop reads the top chain T and
 * T's next link, then CASes top from T to next. It goes wrong only if,
 * between the read and the CAS, T is popped by someone else and pushed back
 * with a different next link. Chains are pushed only by (a) the sandbox
 * that carved a fresh slab (addresses never seen by any stack before) and
 * (b) the reclaimer's sweep, after a grace period of the heap (a handshake
 * every sandbox of the heap answered) that started after the slots left
 * every stack. Pops run only in online sandboxes of the heap (frost_freeze()
 * and frost_str_intern() refuse an offline one), so a pop in progress holds
 * up such a grace period: T cannot come back before the pending CAS has run
 * and failed. A detaching sandbox's magazines, popped while it was online,
 * go to the heap's orphan list instead, which is used only under
 * heap->shared_lock. (liburcu's lfstack documents the same argument for
 * __cds_lfs_pop under an RCU read-side lock.)
 *
 * The losing popper may read T's next link while the winner is already
 * writing an object into T: a benign race by design (the CAS then fails),
 * like CK's speculative ring dequeue. That single read is excluded from
 * ThreadSanitizer's instrumentation; every other access is visible to it.
 *
 * Magazines. A sandbox allocates from and returns unpublished slots to its
 * own magazine without atomics. Slots never published (a failed freeze, a
 * lost intern race) go straight back to the magazine: no other sandbox can
 * have seen them.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/rseq.h>
#include <sys/sysinfo.h>
#include "core/fault.h"
#include "core/tsan.h"
#include "mm/mm.h"

/* The first shared size class: 32 bytes. */
#define FROST_SHARED_FIRST_CLASS	1u

/*
 * A depot: per list, the top of a stack of chains. A list is a slab kind
 * and a size class: list_of() (0: traced slabs, 1: leaf slabs).
 */
struct frost_depot {
	struct frost_object *top[FROST_SHARED_NR_KINDS * FROST_NR_CLASSES];
} __attribute__((aligned(64)));

/* The depot list of class @c in leaf slabs (@leaf 1) or traced ones (0). */
static inline unsigned int list_of(unsigned int c, unsigned int leaf)
{
	return c + leaf * FROST_NR_CLASSES;
}

/* The slab kind index (depots, magazines, orphans) of slab @pg. */
static inline unsigned int slab_leaf(const struct frost_shared_page *pg)
{
	return pg->kind == FROST_PAGE_SHARED_LEAF;
}

/* Words 2 and 3 of a chain's head slot. */
struct frost_chain_head {
	struct frost_object ob;		/* word 0: next slot; word 1: freed type */
	struct frost_object *next_chain;
	uint64_t length;
};

static void freed_type_trace(struct frost_object *o, frost_visit_fn visit, void *arg)
{
	(void)visit;
	(void)arg;
	__frost_panic("use of freed shared object %p", (void *)o);
}

static uint64_t freed_type_hash(const struct frost_object *o)
{
	__frost_panic("hash of freed shared object %p", (const void *)o);
}

static bool freed_type_equal(const struct frost_object *a, const struct frost_object *b)
{
	__frost_panic("comparison with freed shared object %p or %p", (const void *)a,
		      (const void *)b);
}

/*
 * Every callback aborts: a program that reaches a freed object through a
 * callback (hash, equality, tracing) stops at once, naming it. Accessors
 * that check the type (frost_tuple_get() ...) see a wrong type and fail
 * with EINVAL; frost_type_name() says "<freed>".
 */
const struct frost_type __frost_freed_type = {
	.name = "<freed>",
	.flags = FROST_TYPE_BUILTIN,
	.trace = freed_type_trace,
	.hash = freed_type_hash,
	.equal = freed_type_equal,
};

static inline struct frost_object *slot_next(const struct frost_object *o)
{
	return (struct frost_object *)(uintptr_t)o->refcnt;
}

static inline void slot_set_next(struct frost_object *o, struct frost_object *next)
{
	o->refcnt = (uint64_t)(uintptr_t)next;
}

/*
 * Count an allocation (or, negative, its return) in @sb's counters: single
 * writer, relaxed atomic stores so that frost_heap_stats() and the
 * reclaimer's trigger may read them from other threads.
 */
static void account(struct frost_sandbox_mm *sb, int64_t objects, int64_t bytes)
{
	__atomic_store_n(&sb->shared.alloc_objects, sb->shared.alloc_objects + (uint64_t)objects,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&sb->shared.alloc_bytes, sb->shared.alloc_bytes + (uint64_t)bytes,
			 __ATOMIC_RELAXED);
}

static unsigned int shared_class(size_t size)
{
	return __frost_size_class(size < FROST_SHARED_MIN ? FROST_SHARED_MIN : size);
}

/* The CPU we run on, as an index into heap->depots. */
static unsigned int current_cpu(const struct frost_heap_mm *heap)
{
	int cpu = -1;

#ifndef __CHECKER__	/* sparse does not know __builtin_thread_pointer() */
	if (__rseq_size >= 8) {
		const struct rseq *rs = (const struct rseq *)(const void *)
			((const char *)__builtin_thread_pointer() + __rseq_offset);

		cpu = (int)__atomic_load_n(&rs->cpu_id, __ATOMIC_RELAXED);
	}
#endif
	if (cpu < 0)
		cpu = sched_getcpu();
	return cpu < 0 ? 0 : (unsigned int)cpu % heap->nr_cpus;
}

/* ------------------------------------------------------------------ */
/* Depot stacks                                                        */

static void depot_push(struct frost_object **top, struct frost_object *chain)
{
	struct frost_chain_head *h = (struct frost_chain_head *)(void *)chain;
	struct frost_object *old = __atomic_load_n(top, __ATOMIC_RELAXED);

	do {
		__atomic_store_n(&h->next_chain, old, __ATOMIC_RELAXED);
		/* Release: the chain's links and slots are visible to the
		 * popper. Pairs with the acquire load in depot_pop(). */
	} while (!__atomic_compare_exchange_n(top, &old, chain, true, __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
}

/*
 * The speculative read of a chain's next link (see the theory above): the
 * chain may already belong to another sandbox, which is writing it.
 */
FROST_NO_TSAN
static struct frost_object *chain_next_speculative(struct frost_object *chain)
{
	return ((volatile struct frost_chain_head *)(void *)chain)->next_chain;
}

static struct frost_object *depot_pop(struct frost_object **top)
{
	/* Acquire: pairs with the release CAS in depot_push(). */
	struct frost_object *old = __atomic_load_n(top, __ATOMIC_ACQUIRE);

	while (old) {
		struct frost_object *next = chain_next_speculative(old);

		if (__atomic_compare_exchange_n(top, &old, next, true, __ATOMIC_ACQUIRE,
						__ATOMIC_ACQUIRE))
			return old;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Slabs                                                               */

#define page_of_node(n) __frost_container_of(n, struct frost_shared_page, node)

/* Add @pg in front of @list (the slabs or the large mappings). */
static void heap_list_add(struct frost_heap_mm *heap, struct cds_list_head *list,
			  struct frost_shared_page *pg)
{
	pthread_mutex_lock(&heap->shared_lock);
	cds_list_add(&pg->node, list);
	pthread_mutex_unlock(&heap->shared_lock);
}

/* Take large mapping @pg off its list (slabs are never removed). */
static void heap_list_del(struct frost_heap_mm *heap, struct frost_shared_page *pg)
{
	pthread_mutex_lock(&heap->shared_lock);
	cds_list_del(&pg->node);
	pthread_mutex_unlock(&heap->shared_lock);
}

/*
 * Carve a new slab of class @c (a leaf slab if @leaf) into chains: the
 * first goes to @mag, the others to this CPU's depot. Return: 0 or -ENOMEM.
 */
static int slab_carve(struct frost_heap_mm *heap, unsigned int c, unsigned int leaf,
		      struct frost_magazine *mag)
{
	struct frost_shared_page *pg;
	uint32_t size = __frost_class_size[c];
	struct frost_object **top;
	char *base;

	pg = __frost_should_fail() ? NULL : __frost_map_aligned(FROST_PAGE_SIZE);
	if (!pg)
		return -ENOMEM;
	pg->magic = FROST_SHARED_PAGE_MAGIC;
	pg->kind = leaf ? FROST_PAGE_SHARED_LEAF : FROST_PAGE_SHARED;
	pg->size_class = (uint16_t)c;
	pg->obj_size = size;
	pg->capacity = (uint32_t)((FROST_PAGE_SIZE - FROST_SHARED_HDR_SIZE) / size);
	pg->slot_recip = __frost_shared_recip(size);
	pg->heap = (struct frost_heap *)heap;
	pg->map_len = FROST_PAGE_SIZE;
	base = (char *)pg + FROST_SHARED_HDR_SIZE;

	top = &heap->depots[current_cpu(heap)].top[list_of(c, leaf)];
	for (uint32_t first = 0; first < pg->capacity; first += FROST_CHAIN_LEN) {
		uint32_t n = pg->capacity - first < FROST_CHAIN_LEN ? pg->capacity - first
								 : FROST_CHAIN_LEN;
		struct frost_object *head = (struct frost_object *)(void *)(base + (size_t)first * size);

		for (uint32_t i = 0; i < n; i++) {
			struct frost_object *o = (struct frost_object *)(void *)
				(base + (size_t)(first + i) * size);

			o->type = &__frost_freed_type;
			slot_set_next(o, i + 1 < n ? (struct frost_object *)(void *)((char *)o + size)
						   : NULL);
		}
		((struct frost_chain_head *)(void *)head)->length = n;
		if (!mag->head) {
			mag->head = head;
			mag->count = n;
		} else {
			depot_push(top, head);
		}
	}
	/* The slab is listed last: the reclaimer only sees complete slabs. */
	heap_list_add(heap, &heap->slabs, pg);
	return 0;
}

/*
 * Account for @size more bytes about to be handed out by @sb (in a batch),
 * through the heap's charge hook (the reclaimer's pacing and shared_limit:
 * it may block, a quiescent state for @sb, unless @flags has
 * FROST_SHARED_NOWAIT). Return: 0 or -ENOMEM.
 */
static int shared_charge(struct frost_sandbox_mm *sb, size_t size, unsigned int flags)
{
	struct frost_heap_mm *heap = __frost_heap_mm(sb->heap);

	return heap->charge ? heap->charge((struct frost_sandbox *)sb, size, flags) : 0;
}

static struct frost_object *alloc_large(struct frost_sandbox_mm *sb, size_t size,
					unsigned int flags)
{
	struct frost_shared_page *pg;
	size_t len;

	if (size > SIZE_MAX - FROST_SHARED_HDR_SIZE - 2 * FROST_PAGE_SIZE)
		return frost_err_null(ENOMEM);
	len = (FROST_SHARED_HDR_SIZE + size + FROST_PAGE_SIZE - 1) & ~(FROST_PAGE_SIZE - 1);
	if (shared_charge(sb, len, flags))
		return frost_err_null(ENOMEM);
	pg = __frost_should_fail() ? NULL : __frost_map_aligned(len);
	if (!pg)
		return frost_err_null(ENOMEM);
	pg->magic = FROST_SHARED_PAGE_MAGIC;
	pg->kind = FROST_PAGE_SHARED_LARGE;
	pg->obj_size = (uint32_t)(len - FROST_SHARED_HDR_SIZE > UINT32_MAX ? 0
								 : len - FROST_SHARED_HDR_SIZE);
	pg->capacity = 1;
	pg->slot_recip = 0;	/* slot 0, whatever the offset (shared.h) */
	pg->heap = sb->heap;
	pg->map_len = len;
	/*
	 * The type word reads "free" until the caller publishes the object,
	 * as for slab slots (shared.h): the sweeper and re-tracing skip it
	 * meanwhile instead of freeing or tracing a half-built object (a
	 * fresh mapping's zero type word would be taken as allocated). The
	 * list lock orders this store before any reclaimer sees the page.
	 */
	((struct frost_object *)(void *)((char *)pg + FROST_SHARED_HDR_SIZE))->type =
		&__frost_freed_type;
	heap_list_add(__frost_heap_mm(sb->heap), &__frost_heap_mm(sb->heap)->large, pg);
	account(sb, 1, (int64_t)(len - FROST_SHARED_HDR_SIZE));
	return (struct frost_object *)(void *)((char *)pg + FROST_SHARED_HDR_SIZE);
}

size_t __frost_shared_size(const struct frost_object *o)
{
	const struct frost_shared_page *pg = __frost_shared_page_of(o);

	if (pg->kind == FROST_PAGE_SHARED_LARGE)
		return pg->map_len - FROST_SHARED_HDR_SIZE;
	return pg->obj_size;
}

/*
 * Refill @mag (class @c, leaf slabs if @leaf): a depot chain, here or on
 * another CPU, or a slab.
 */
static int magazine_refill(struct frost_sandbox_mm *sb, unsigned int c, unsigned int leaf,
			   struct frost_magazine *mag, unsigned int flags)
{
	struct frost_heap_mm *heap = __frost_heap_mm(sb->heap);
	unsigned int cpu = current_cpu(heap);

	if (__frost_should_fail())
		return -ENOMEM;
	if (shared_charge(sb, (size_t)__frost_class_size[c] * FROST_CHAIN_LEN, flags))
		return -ENOMEM;

	for (unsigned int i = 0; i < heap->nr_cpus; i++) {
		struct frost_object *chain =
			depot_pop(&heap->depots[(cpu + i) % heap->nr_cpus].top[list_of(c, leaf)]);

		if (chain) {
			mag->head = chain;
			mag->count = (uint32_t)((struct frost_chain_head *)(void *)chain)->length;
			return 0;
		}
	}
	/* Chains left by detached sandboxes, under the lock. */
	if (__atomic_load_n(&heap->orphans[leaf][c], __ATOMIC_RELAXED)) {
		pthread_mutex_lock(&heap->shared_lock);
		mag->head = heap->orphans[leaf][c];
		if (mag->head) {
			struct frost_chain_head *h = (struct frost_chain_head *)(void *)mag->head;

			__atomic_store_n(&heap->orphans[leaf][c], h->next_chain, __ATOMIC_RELAXED);
			mag->count = (uint32_t)h->length;
		}
		pthread_mutex_unlock(&heap->shared_lock);
		if (mag->head)
			return 0;
	}
	return slab_carve(heap, c, leaf, mag);
}

/* The four entries below: the magazine pop, the rest out of line. */
static inline __attribute__((always_inline))
struct frost_object *shared_alloc(struct frost_sandbox *sb_, size_t size, unsigned int flags,
				  unsigned int leaf)
{
	struct frost_sandbox_mm *sb = __frost_sb_mm(sb_);
	struct frost_magazine *mag;
	struct frost_object *o;
	unsigned int c;

	/* Fault injection (compiled away without it): fail before any change. */
	if (unlikely(__frost_should_fail()))
		return frost_err_null(ENOMEM);
	if (unlikely(size > FROST_SMALL_MAX))
		return alloc_large(sb, size, flags);
	c = shared_class(size);
	mag = &sb->shared.mag[leaf][c];
	if (unlikely(!mag->head) && magazine_refill(sb, c, leaf, mag, flags))
		return frost_err_null(ENOMEM);
	o = mag->head;
	frost_assert(o->type == &__frost_freed_type);
	mag->head = slot_next(o);
	mag->count--;
	account(sb, 1, __frost_class_size[c]);
	return o;
}

struct frost_object *__frost_shared_alloc(struct frost_sandbox *sb, size_t size)
{
	return shared_alloc(sb, size, 0, 0);
}

struct frost_object *__frost_shared_alloc_nowait(struct frost_sandbox *sb, size_t size)
{
	return shared_alloc(sb, size, FROST_SHARED_NOWAIT, 0);
}

/* Internal: see shared.h. */
struct frost_object *__frost_shared_alloc_leaf(struct frost_sandbox *sb, size_t size)
{
	return shared_alloc(sb, size, 0, 1);
}

/* Internal: see shared.h. */
struct frost_object *__frost_shared_alloc_leaf_nowait(struct frost_sandbox *sb, size_t size)
{
	return shared_alloc(sb, size, FROST_SHARED_NOWAIT, 1);
}

void __frost_shared_unalloc(struct frost_sandbox *sb_, struct frost_object *o)
{
	struct frost_sandbox_mm *sb = __frost_sb_mm(sb_);
	struct frost_shared_page *pg = __frost_shared_page_of(o);
	struct frost_magazine *mag;

	if (pg->kind == FROST_PAGE_SHARED_LARGE) {
		heap_list_del(__frost_heap_mm(sb->heap), pg);
		account(sb, -1, -(int64_t)(pg->map_len - FROST_SHARED_HDR_SIZE));
		munmap(pg, pg->map_len);
		return;
	}
	mag = &sb->shared.mag[slab_leaf(pg)][pg->size_class];
	o->type = &__frost_freed_type;
	slot_set_next(o, mag->head);
	mag->head = o;
	mag->count++;
	account(sb, -1, -(int64_t)pg->obj_size);
}

void __frost_shared_cache_release(struct frost_sandbox *sb_)
{
	struct frost_sandbox_mm *sb = __frost_sb_mm(sb_);
	struct frost_heap_mm *heap = __frost_heap_mm(sb->heap);

	/*
	 * These slots left a depot while this sandbox was online, so a pop
	 * that read one of them may still be in flight: they must not go
	 * back on a depot stack without a grace period (the ABA argument
	 * above). Waiting for one here would make detach wait for every
	 * other sandbox, so they go to the heap's orphan list instead, which
	 * is used under heap->shared_lock and never by a lock-free pop.
	 */
	pthread_mutex_lock(&heap->shared_lock);
	for (unsigned int k = 0; k < FROST_SHARED_NR_KINDS; k++) {
		for (unsigned int c = 0; c < FROST_NR_CLASSES; c++) {
			struct frost_magazine *mag = &sb->shared.mag[k][c];
			struct frost_chain_head *h = (struct frost_chain_head *)(void *)mag->head;

			if (!h)
				continue;
			h->length = mag->count;
			h->next_chain = heap->orphans[k][c];
			__atomic_store_n(&heap->orphans[k][c], mag->head, __ATOMIC_RELAXED);
			mag->head = NULL;
			mag->count = 0;
		}
	}
	pthread_mutex_unlock(&heap->shared_lock);
	__atomic_fetch_add(&heap->retired_alloc_objects, sb->shared.alloc_objects, __ATOMIC_RELAXED);
	__atomic_fetch_add(&heap->retired_alloc_bytes, sb->shared.alloc_bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&sb->shared.alloc_objects, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&sb->shared.alloc_bytes, 0, __ATOMIC_RELAXED);
}

void __frost_shared_stats_alloc(struct frost_heap *heap_, uint64_t *objects, uint64_t *bytes)
{
	struct frost_heap_mm *heap = __frost_heap_mm(heap_);
	struct frost_sandbox *s;
	uint64_t o = __atomic_load_n(&heap->retired_alloc_objects, __ATOMIC_RELAXED);
	uint64_t b = __atomic_load_n(&heap->retired_alloc_bytes, __ATOMIC_RELAXED);

	/* heap->lock keeps the sandbox list stable while we sum it. */
	pthread_mutex_lock(&heap->lock);
	__frost_for_each_sandbox(s, heap) {
		o += __atomic_load_n(&__frost_sb_mm(s)->shared.alloc_objects, __ATOMIC_RELAXED);
		b += __atomic_load_n(&__frost_sb_mm(s)->shared.alloc_bytes, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&heap->lock);
	*objects = o;
	*bytes = b;
}

int __frost_shared_check(const struct frost_sandbox *sb_, const struct frost_object *o)
{
	const struct frost_sandbox_mm *sb = __frost_sb_mm(sb_);
	if (unlikely(!o))
		return -EINVAL;
	if (unlikely(!frost_is_shared(o)))
		return -EPERM;
	if (__frost_is_static(o))
		return 0;
	if (unlikely(__frost_shared_page_of(o)->heap != sb->heap))
		return -EPERM;
	return 0;
}

int __frost_shared_heap_init(struct frost_heap *heap_)
{
	struct frost_heap_mm *heap = __frost_heap_mm(heap_);
	int n = get_nprocs_conf();

	heap->nr_cpus = n > 0 ? (unsigned int)n : 1;
	heap->depots = __frost_should_fail() ? NULL
		: aligned_alloc(64, sizeof(*heap->depots) * heap->nr_cpus);
	if (!heap->depots)
		return -ENOMEM;
	memset(heap->depots, 0, sizeof(*heap->depots) * heap->nr_cpus);
	CDS_INIT_LIST_HEAD(&heap->slabs);
	CDS_INIT_LIST_HEAD(&heap->large);
	if (pthread_mutex_init(&heap->shared_lock, NULL)) {
		free(heap->depots);
		return -ENOMEM;
	}
	return 0;
}

/* Finalize the live objects of a slab or large mapping (teardown). */
static void page_finalize_live(struct frost_shared_page *pg)
{
	char *base = (char *)pg + FROST_SHARED_HDR_SIZE;
	size_t size = pg->kind == FROST_PAGE_SHARED_LARGE ? 0 : pg->obj_size;

	for (uint32_t i = 0; i < pg->capacity; i++) {
		struct frost_object *o = (struct frost_object *)(void *)(base + i * size);
		const struct frost_type *t = o->type;

		if (t && t != &__frost_freed_type && t->finalize)
			t->finalize(o);
	}
}

void __frost_shared_heap_destroy(struct frost_heap *heap_)
{
	struct frost_heap_mm *heap = __frost_heap_mm(heap_);
	struct cds_list_head *lists[2] = { &heap->slabs, &heap->large }, *n, *next;

	for (int l = 0; l < 2; l++)
		cds_list_for_each(n, lists[l])
			page_finalize_live(page_of_node(n));
	for (int l = 0; l < 2; l++) {
		cds_list_for_each_safe(n, next, lists[l])
			munmap(page_of_node(n), page_of_node(n)->map_len);
		CDS_INIT_LIST_HEAD(lists[l]);
	}
	pthread_mutex_destroy(&heap->shared_lock);
	free(heap->depots);
	heap->depots = NULL;
}

int frost_debug_protect_shared(struct frost_heap *heap_, bool readonly)
{
	struct frost_heap_mm *heap = __frost_heap_mm(heap_);
	int prot = readonly ? PROT_READ : PROT_READ | PROT_WRITE;
	struct cds_list_head *lists[2] = { &heap->slabs, &heap->large }, *n;
	int err = 0;

	if (!__frost_heap_live(heap_))
		return -EINVAL;
	pthread_mutex_lock(&heap->shared_lock);
	for (int l = 0; l < 2; l++) {
		cds_list_for_each(n, lists[l]) {
			struct frost_shared_page *pg = page_of_node(n);

			if (mprotect(pg, pg->map_len, prot) && !err)
				err = -errno;
		}
	}
	pthread_mutex_unlock(&heap->shared_lock);
	return err;
}

/*
 * __frost_shared_snapshot_pages() - the heap's slabs and large mappings as
 * they are now. Slabs are never removed while the heap lives, so walking
 * the slab list from this head needs no lock; new slabs are added in front
 * and are not seen. Large mappings are collected into @large (up to @max;
 * the rest are left for a later cycle), under the lock, since frees of
 * never-published large objects unlink them concurrently.
 * Return: the first slab; *@nr_large is set.
 */
struct frost_shared_page *__frost_shared_snapshot_pages(struct frost_heap *heap_,
							struct frost_shared_page **large,
							size_t max, size_t *nr_large)
{
	struct frost_heap_mm *heap = __frost_heap_mm(heap_);
	struct frost_shared_page *first;
	struct cds_list_head *node;
	size_t n = 0;

	pthread_mutex_lock(&heap->shared_lock);
	first = cds_list_empty(&heap->slabs) ? NULL : page_of_node(heap->slabs.next);
	cds_list_for_each(node, &heap->large) {
		if (n == max)
			break;
		large[n++] = page_of_node(node);
	}
	pthread_mutex_unlock(&heap->shared_lock);
	*nr_large = n;
	return first;
}

/* Internal: see shared.h. */
struct frost_shared_page *__frost_shared_slab_next(struct frost_heap *heap,
						   const struct frost_shared_page *pg)
{
	const struct cds_list_head *n = pg->node.next;

	return n == &__frost_heap_mm(heap)->slabs ? NULL : page_of_node(n);
}

/* Internal: see shared.h. */
void __frost_shared_for_each_large(struct frost_heap *heap_,
				   void (*fn)(struct frost_shared_page *pg, void *arg), void *arg)
{
	struct frost_heap_mm *heap = __frost_heap_mm(heap_);
	struct cds_list_head *n;

	pthread_mutex_lock(&heap->shared_lock);
	cds_list_for_each(n, &heap->large)
		fn(page_of_node(n), arg);
	pthread_mutex_unlock(&heap->shared_lock);
}

/*
 * __frost_shared_free_batch() - give reclaimed objects back. The caller
 * (the reclaimer's sweep) has waited a grace period since they became
 * unreachable. Slab slots are poisoned under CONFIG_FROST_DEBUG, retyped as
 * free, linked into chains per class and pushed on this CPU's depot; large
 * mappings are unmapped.
 */
void __frost_shared_free_batch(struct frost_heap *heap_, struct frost_object **objs, size_t n)
{
	struct frost_heap_mm *heap = __frost_heap_mm(heap_);
	/* Per depot list (list_of()). */
	struct frost_object *chain[FROST_SHARED_NR_KINDS * FROST_NR_CLASSES] = { NULL };
	uint32_t len[FROST_SHARED_NR_KINDS * FROST_NR_CLASSES] = { 0 };
	struct frost_object **top = heap->depots[current_cpu(heap)].top;

	for (size_t i = 0; i < n; i++) {
		struct frost_object *o = objs[i];
		struct frost_shared_page *pg = __frost_shared_page_of(o);
		unsigned int l = list_of(pg->size_class, slab_leaf(pg));

		if (pg->kind == FROST_PAGE_SHARED_LARGE) {
			heap_list_del(heap, pg);
			munmap(pg, pg->map_len);
			continue;
		}
#ifdef CONFIG_FROST_DEBUG
		memset(o + 1, 0x6b, pg->obj_size - sizeof(*o));
#endif
		/* Release: a reader of the type word sees a finished free slot. */
		__atomic_store_n(&o->type, &__frost_freed_type, __ATOMIC_RELEASE);
		slot_set_next(o, chain[l]);
		chain[l] = o;
		if (++len[l] == FROST_CHAIN_LEN) {
			((struct frost_chain_head *)(void *)o)->length = len[l];
			depot_push(&top[l], o);
			chain[l] = NULL;
			len[l] = 0;
		}
	}
	for (unsigned int l = 0; l < FROST_SHARED_NR_KINDS * FROST_NR_CLASSES; l++) {
		if (!chain[l])
			continue;
		((struct frost_chain_head *)(void *)chain[l])->length = len[l];
		depot_push(&top[l], chain[l]);
	}
}

void __frost_shared_fork(struct frost_heap *heap, enum frost_fork_phase phase)
{
	if (phase == FROST_FORK_PREPARE)
		pthread_mutex_lock(&__frost_heap_mm(heap)->shared_lock);
	else
		pthread_mutex_unlock(&__frost_heap_mm(heap)->shared_lock);
}
