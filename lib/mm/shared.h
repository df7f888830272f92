/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/mm/shared.h - the shared heap's slabs and per-CPU free lists (internal).
 *
 * Theory of operation. Shared objects live in FROST_PAGE_SIZE pages,
 * aligned to their size and holding only shared objects of one size class,
 * so __frost_shared_page_of() finds a shared object's page header by
 * masking, as for private pages. The header carries the mark bitmap the
 * reclaimer sets (a side bitmap: marking never writes an object's own cache
 * lines, which readers use). Large shared objects have their own mapping,
 * header in front.
 *
 * Free memory flows in batches ("chains": free slots linked through their
 * first word, the head slot also holding the chain's length and the link to
 * the next chain):
 *
 *   fresh page / reclaimer's sweep
 *        -> per-CPU depot (a lock-free stack of chains, per size class)
 *        -> sandbox magazine (one chain per class, plain loads and stores)
 *        -> frost_freeze() / frost_str_intern()
 *
 * A sandbox allocates from its own magazine without atomics; an empty
 * magazine is refilled with one chain popped from the depot of the CPU it
 * runs on (rseq cpu_id, or sched_getcpu()). The pop is ABA-safe without
 * tags because a popped chain reappears in a depot only after a grace
 * period (see shared.c), and sandboxes pop only while online.
 *
 * A free slot's type word is __frost_freed_type, so a slot's state can be
 * told from its header by the sweeper (and by debug checks).
 *
 * Leaf slabs. Objects whose type has no trace callback (ints, floats,
 * strs, bytes, user types without slots) are "leaves": they point to
 * nothing the reclaimer follows. They get slabs of their own
 * (FROST_PAGE_SHARED_LEAF, lib/mm/page.h), with their own magazines and
 * depot stacks, so that the marker, which reads the page header anyway for
 * the mark bit, learns from the page kind that there is nothing to trace
 * and never loads the object (lib/gc/mark.c). __frost_shared_alloc_for()
 * picks the kind from the type; a large leaf lives in a large mapping like
 * any large object (the marker reads its type word: one load per object
 * of more than FROST_SMALL_MAX bytes).
 */
#ifndef __FROST_MM_SHARED_H
#define __FROST_MM_SHARED_H

#include <stddef.h>
#include <stdint.h>
#include <urcu/list.h>
#include "core/err.h"
#include "core/fork.h"
#include "core/object.h"
#include "mm/private.h"

#define FROST_SHARED_MIN		32u	/* smallest shared slot */
#define FROST_SHARED_HDR_SIZE		4096u	/* header + mark bitmap: one OS page */
#define FROST_SHARED_MAX_SLOTS		((FROST_PAGE_SIZE - FROST_SHARED_HDR_SIZE) / FROST_SHARED_MIN)
#define FROST_MARK_WORDS		((FROST_SHARED_MAX_SLOTS + 63) / 64)
#define FROST_CHAIN_LEN			32u	/* slots per chain (small classes) */
#define FROST_SHARED_NR_KINDS		2u	/* [0]: slabs that trace, [1]: leaf slabs */

struct frost_heap;

/*
 * struct frost_shared_page - header of a shared slab or large mapping.
 * @magic, @kind: as in struct frost_page_id (lib/mm/page.h, same offsets).
 * @size_class: class index (slabs).
 * @obj_size: slot size (slab) or object size (large).
 * @capacity: slots in the slab (1 for large).
 * @slot_recip: ceil(2^32 / @obj_size) for a slab, 0 for a large mapping:
 *	__frost_shared_slot() multiplies by it instead of dividing.
 * @heap: the heap the page belongs to.
 * @map_len: mapping length (large) or FROST_PAGE_SIZE.
 * @node: on the heap's list of slabs or of large objects (changed under
 *	heap->shared_lock; slabs are only ever added, at the front, so the
 *	reclaimer may walk them from a snapshot without the lock).
 * @mark: two mark bitmaps (the reclaimer alternates colours between
 *	cycles), one bit per slot; written with atomic ORs by markers, never
 *	in the objects' own cache lines.
 * @old: the old generation, one bit per slot: set when the reclaimer
 *	promotes the slot's object, cleared when it frees it (only the
 *	reclaimer writes it; markers read it to stop at old objects in a
 *	young cycle: lib/gc/reclaim.c).
 * @aged: one bit per young slot, the reclaimer's alone: the sweep of the
 *	last cycle found its object marked in that cycle's own colour and
 *	old enough to age (see @born); @aged2: the sweeps of the last two
 *	cycles did (the next such sweep promotes it). Only sweeps write them;
 *	a free slot has neither.
 * @born: one bitmap per parity of the cycle number: a publication whose
 *	freeze read an open phase sets its slot's bit in @born[p], p that
 *	phase's colour (atomic OR, lib/gc/mark.c); the open of cycle k
 *	clears @born[k & 1] before it stores its phase, and the sweep of k
 *	does not age a slot of @born[k & 1] (born since k opened). A sweep
 *	clears the bits of the slots it frees.
 * @old_count: set bits in @old (the reclaimer's alone): a slab whose
 *	slots are all old has no free slot and no young object, and young
 *	cycles skip it.
 */
struct frost_shared_page {
	uint32_t magic;
	uint16_t kind;
	uint16_t size_class;
	uint32_t obj_size;
	uint32_t capacity;
	uint32_t slot_recip;
	struct frost_heap *heap;
	size_t map_len;
	struct cds_list_head node;
	uint64_t mark[2][FROST_MARK_WORDS] __attribute__((aligned(64)));
	uint64_t old[FROST_MARK_WORDS] __attribute__((aligned(64)));
	uint64_t aged[FROST_MARK_WORDS];
	uint64_t aged2[FROST_MARK_WORDS];
	uint64_t born[2][FROST_MARK_WORDS];
	uint32_t old_count;
};

FROST_PAGE_HEADER_CHECK(struct frost_shared_page);
_Static_assert(sizeof(struct frost_shared_page) <= FROST_SHARED_HDR_SIZE,
	       "shared page header overflows its area");

static inline struct frost_shared_page *__frost_shared_page_of(const void *p)
{
	return (struct frost_shared_page *)((uintptr_t)p & ~(FROST_PAGE_SIZE - 1));
}

/*
 * Slot indices by multiplication. The offset x of an object from the first
 * slot is below FROST_SHARED_SLOT_SPAN; for a slot size d, with
 * m = ceil(2^32 / d) = (2^32 + e) / d where 0 <= e < d, write x = q d + r
 * (0 <= r < d); then x m / 2^32 = q + (r 2^32 + x e) / (d 2^32), whose
 * floor is q exactly when x e < (d - r) 2^32, which holds for every r if
 * x e < 2^32. Since e < d <= FROST_SMALL_MAX and x < FROST_SHARED_SLOT_SPAN,
 * it is enough that their product is below 2^32: asserted here for every
 * class at once (t/t0760-mark.c also checks every offset of every class).
 * A large mapping's @slot_recip is 0, so its one object is slot 0 without
 * a branch.
 */
#define FROST_SHARED_SLOT_SPAN		(FROST_PAGE_SIZE - FROST_SHARED_HDR_SIZE)
_Static_assert((uint64_t)FROST_SHARED_SLOT_SPAN * FROST_SMALL_MAX < (UINT64_C(1) << 32),
	       "slot reciprocals are not exact for every offset of every class");

/* ceil(2^32 / @size): the @slot_recip of a slab of slot size @size. */
static inline uint32_t __frost_shared_recip(uint32_t size)
{
	return (uint32_t)(((UINT64_C(1) << 32) + size - 1) / size);
}

/* Slot index of shared object @o in its page (0 for a large object). */
static inline uint32_t __frost_shared_slot(const struct frost_shared_page *pg,
					   const struct frost_object *o)
{
	uint64_t off = (uintptr_t)o - (uintptr_t)pg - FROST_SHARED_HDR_SIZE;

	return (uint32_t)((off * pg->slot_recip) >> 32);
}

/* The type of a free shared slot. Any use of it aborts. */
extern const struct frost_type __frost_freed_type;

/*
 * struct frost_magazine - a sandbox's private stock of free shared slots
 * of one class: a chain, used without atomics.
 */
struct frost_magazine {
	struct frost_object *head;
	uint32_t count;
};

/*
 * struct frost_shared_cache - what a sandbox keeps of the shared heap:
 * magazines per slab kind (0: objects with children, 1: leaves) and class,
 * and its allocation counters (owner-written, read by frost_heap_stats()
 * with relaxed atomic loads).
 */
struct frost_shared_cache {
	struct frost_magazine mag[FROST_SHARED_NR_KINDS][FROST_NR_CLASSES];
	uint64_t alloc_objects;
	uint64_t alloc_bytes;
};

struct frost_sandbox;


/*
 * __frost_shared_alloc() - a shared slot of at least @size bytes for @sb.
 * The memory is uninitialised but for the type word (freed type): the
 * caller fills the object in, then sets refcnt to FROST_REFCNT_IMMORTAL and
 * the type last. Return: the slot, or NULL with errno ENOMEM.
 * Context: @sb's thread, online.
 */
struct frost_object *__frost_shared_alloc(struct frost_sandbox *sb, size_t size);

/*
 * __frost_shared_alloc_nowait() - the same, but never a quiescent state:
 * the charge hook gets FROST_SHARED_NOWAIT, so it neither paces nor runs a
 * cycle (it defers that to @sb's next quiescent state) and fails with
 * ENOMEM where __frost_shared_alloc() would have waited for the reclaimer
 * under shared_limit. For the frozen builders (lib/freeze/builder.c),
 * whose callers hold shared objects outside any root while they allocate.
 * Context: @sb's thread, online.
 */
struct frost_object *__frost_shared_alloc_nowait(struct frost_sandbox *sb, size_t size);

/* The charge hook's @flags (struct frost_heap_mm): it must not block. */
#define FROST_SHARED_NOWAIT	1u

/*
 * __frost_shared_alloc_leaf(), __frost_shared_alloc_leaf_nowait() - the
 * same as __frost_shared_alloc() and __frost_shared_alloc_nowait(), for an
 * object without children (its type has no trace callback): the slot is
 * in a leaf slab (FROST_PAGE_SHARED_LEAF), which the reclaimer marks
 * without reading the object. A traced object must never be put there: its
 * children would not be marked.
 */
struct frost_object *__frost_shared_alloc_leaf(struct frost_sandbox *sb, size_t size);
struct frost_object *__frost_shared_alloc_leaf_nowait(struct frost_sandbox *sb, size_t size);

/*
 * __frost_shared_alloc_for() - a shared slot for an object of @type: a
 * leaf slab's if @type has no trace callback. Return, Context: as for
 * __frost_shared_alloc().
 */
static inline struct frost_object *__frost_shared_alloc_for(struct frost_sandbox *sb, size_t size,
							   const struct frost_type *type)
{
	return type->trace ? __frost_shared_alloc(sb, size) : __frost_shared_alloc_leaf(sb, size);
}

/*
 * __frost_shared_unalloc() - give back a slot that was never published
 * (a failed freeze, a lost intern race) to @sb's magazine, at once: no
 * other sandbox can hold it, so no grace period is needed.
 */
void __frost_shared_unalloc(struct frost_sandbox *sb, struct frost_object *o);

/* Fold a detaching sandbox's magazines and counters into the heap. */
void __frost_shared_cache_release(struct frost_sandbox *sb);

/* Usable size of shared object @o. */
size_t __frost_shared_size(const struct frost_object *o);

/* Heap-wide shared allocations so far (not minus frees). */
void __frost_shared_stats_alloc(struct frost_heap *heap, uint64_t *objects, uint64_t *bytes);

/*
 * __frost_shared_check() - may @sb store @o in a root (namespace, pin,
 * channel)? Return: 0 if @o is shared and of @sb's heap (or static);
 * -EINVAL if NULL; -EPERM if private or of another heap.
 */
int __frost_shared_check(const struct frost_sandbox *sb, const struct frost_object *o);

struct frost_shared_page *__frost_shared_snapshot_pages(struct frost_heap *heap,
							struct frost_shared_page **large,
							size_t max, size_t *nr_large);

/*
 * __frost_shared_slab_next() - the slab after @pg in @heap's list, towards
 * the oldest, or NULL. Without the lock: slabs are only ever added at the
 * front, so the walk from a snapshot's first slab is stable.
 */
struct frost_shared_page *__frost_shared_slab_next(struct frost_heap *heap,
						   const struct frost_shared_page *pg);
void __frost_shared_free_batch(struct frost_heap *heap, struct frost_object **objs, size_t n);

/*
 * __frost_shared_for_each_large() - call @fn on every large shared mapping
 * of @heap, all of them, under heap->shared_lock (no allocation, no cap):
 * for the reclaimer's mark clearing and re-tracing, which must reach every
 * large object. @fn must not take a frost lock or allocate shared memory.
 */
void __frost_shared_for_each_large(struct frost_heap *heap,
				   void (*fn)(struct frost_shared_page *pg, void *arg), void *arg);

#endif /* __FROST_MM_SHARED_H */
