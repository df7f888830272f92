// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/gc/mark.c - marking: mark bits, shading, tracing, sandbox root scans.
 *
 * Theory of operation. A shared object is marked by setting its bit in its
 * page's mark bitmap of the cycle's colour (heap->gc_phase): an atomic OR
 * in the page header, never a write to the object. Whoever sets a bit first
 * (test-and-set) owns the job of tracing that object's children: it pushes
 * the object on a grey stack and, when it drains the stack, marks each
 * child through the type's trace callback. Several markers (sandboxes at
 * their handshakes, the reclaimer) run at once; the atomic test-and-set
 * makes each object traced exactly once per cycle.
 *
 * At memory speed (Documentation/design/reclaimer.rst, "Marking at memory
 * speed"): mark_bit() knows a static object by its address, finds the slot
 * by a reciprocal multiply (__frost_shared_slot()), sets the bit with one
 * `lock bts`, and reads the object only if its page is not a leaf slab and
 * the object must be tested for a trace callback: a leaf (an int, a str)
 * is marked without a load of its own memory.
 *
 * Grey stacks are struct __frost_stack (lib/core/stack.h) of object
 * pointers: a sandbox uses its own (sb->grey, growing in its arena); the
 * reclaimer uses a malloc'd one (gc->grey). A push that cannot grow its
 * stack leaves the stack as it was and does not lose the object: it is
 * marked already, so the pusher sets the reclaimer's overflow flag, and
 * termination then re-traces every marked object (lib/gc/reclaim.c).
 *
 * Barriers (__frost_gc_barrier() in gc.h) shade the old and the new value
 * of a root store while a cycle is open: they only set the bit and push the
 * object on the storing sandbox's grey buffer; its children are traced at
 * that sandbox's next handshake, which the termination loop waits for.
 *
 * Generations. In a young cycle (FROST_GC_YOUNG in the phase) every
 * marker stops at an old object: mark_object() and shade_in() neither mark
 * nor trace it (__frost_gc_stops_at()). That is sound because no old object
 * points to a young one (Documentation/design/reclaimer.rst, invariant I1),
 * so every path from a root to a young object is young.
 *
 * Why nothing else needs a barrier: shared objects never change after
 * frost_freeze() returns them, so no edge between shared objects is ever
 * created or deleted during a cycle; the only edges that change are those
 * from roots (namespace, pins, channels, private objects), and a private
 * object's edges are read by its owner's root scan, which happens at a
 * point where the owner holds nothing outside its roots.
 */
#include <stdlib.h>
#include <string.h>
#include "gc/gc_internal.h"
#include "types/types.h"

static inline unsigned int phase_colour(unsigned int phase)
{
	return (phase >> FROST_GC_COLOUR_SHIFT) & 1;
}

/*
 * Set @o's mark bit of @colour. Return: MARK_NONE if it was set already
 * (or @o is static: always marked), MARK_LEAF if we set it and @o has no
 * children to trace, MARK_TRACE if we set it and @o's children must be
 * traced. The object itself is read only for its type word, when we set
 * the bit of an object of a traced slab or a large mapping; a static object
 * (known by address) or an object of a leaf slab (known by its page's
 * kind) is not read at all.
 */
enum mark_result { MARK_NONE, MARK_LEAF, MARK_TRACE };

static inline __attribute__((always_inline))
enum mark_result mark_bit(struct frost_object *o, unsigned int colour)
{
	struct frost_shared_page *pg;
	uint64_t *word, bit;
	uint32_t slot;

	if (__frost_is_static(o))
		return MARK_NONE;
	pg = __frost_shared_page_of(o);
	slot = __frost_shared_slot(pg, o);
	word = &pg->mark[colour][slot / 64];
	bit = UINT64_C(1) << (slot % 64);
	/* A plain test first: most marks of a shared graph find the bit set
	 * (an object reached twice), and a load does not take the line
	 * exclusive. Relaxed: the fetch-or below decides. */
	if (__atomic_load_n(word, __ATOMIC_RELAXED) & bit)
		return MARK_NONE;
	/*
	 * Test-and-set of one bit: the old word is used only as that bit, and
	 * with the mask in one variable (as here; not written out twice) gcc
	 * emits `lock bts` instead of a `lock cmpxchg` loop (t/t0760-mark.c
	 * does not check the code; Documentation/design/reclaimer.rst says
	 * how to). Release: the sweep's acquire load of the bitmap sees the
	 * marker's view. Pairs with the acquire load in __frost_gc_is_marked().
	 */
	if (__atomic_fetch_or(word, bit, __ATOMIC_RELEASE) & bit)
		return MARK_NONE;
	if (pg->kind == FROST_PAGE_SHARED_LEAF)
		return MARK_LEAF;
	return o->type->trace ? MARK_TRACE : MARK_LEAF;
}

bool __frost_gc_test_and_mark(struct frost_object *o, unsigned int colour)
{
	return mark_bit(o, colour) != MARK_NONE;
}

/*
 * @phase has a cycle open (__frost_gc_born_marked() tests it). With none
 * open, nothing at all is needed: the sweep of cycle k reads only the born
 * bits of k's colour, and those only readings of k's open phase set. A
 * freeze that read the idle phase is over before k's GP1 ends, so its
 * objects were published long before k's sweep and may age there, parents
 * and children alike.
 */
void __frost_gc_born_marked_open(struct frost_object *o, unsigned int phase)
{
	struct frost_shared_page *pg = __frost_shared_page_of(o);
	uint32_t slot = __frost_shared_slot(pg, o);
	unsigned int colour;

	/*
	 * The born bitmap is the one of @phase's colour, not of a cycle
	 * number loaded here: every object of one freeze is born by the same
	 * reading, so a sweep never takes a parent as published before its
	 * cycle opened and a child of the same freeze as published after
	 * (memo order publishes parents before children as often as not;
	 * frost-bench churn's frost-b2b found it: a promoted tuple whose ints
	 * were one aging behind). A child published by an earlier call read
	 * the phase before this reading, so it is born in this cycle or
	 * published before it opened: the sweep's "born since the open" set
	 * is closed under "frozen after". The open cleared this bitmap
	 * before storing the phase that names it (the acquire in
	 * __frost_gc_phase() pairs with that release store in run_cycle()).
	 */
	colour = phase_colour(phase);
	/* Relaxed: ordered before the mark below (release) and before the
	 * type word's release store in __frost_seal_publish(). */
	__atomic_fetch_or(&pg->born[colour][slot / 64], UINT64_C(1) << (slot % 64),
			  __ATOMIC_RELAXED);
	__frost_gc_test_and_mark(o, colour);
}

void __frost_gc_drop_new(struct frost_sandbox *sb, struct frost_object *o)
{
	if (__frost_gc_is_marked(o, 0) || __frost_gc_is_marked(o, 1))
		return;		/* garbage for a sweep */
	__frost_shared_unalloc(sb, o);
}

/* ------------------------------------------------------------------ */
/* Grey stacks                                                         */

/* Marking context: where newly marked objects go. */
struct mark_ctx {
	struct frost_heap_gc *heap;
	unsigned int colour;
	unsigned int phase;		/* the reading colour comes from */
	struct __frost_stack *grey;	/* a sandbox's or the reclaimer's */
	/* Marks that set a bit: an object, or a word of leaves at once (may
	 * count too many, never too few: callers only ask whether it is 0,
	 * for termination and re-tracing; see leaf_marks_flush()). */
	uint64_t marked;
};

/* Push marked @o on @grey; if it cannot grow, termination re-traces. */
static void grey_push(struct frost_heap_gc *heap, struct __frost_stack *grey,
		      struct frost_object *o)
{
	if (unlikely(__frost_stack_push_ptr(grey, o)))
		__atomic_store_n(&heap->gc->overflow, true, __ATOMIC_RELAXED);
}

static inline __attribute__((always_inline))
void mark_object(struct mark_ctx *mc, struct frost_object *o)
{
	enum mark_result r;

	if (!o || __frost_gc_stops_at(o, mc->phase))
		return;
	r = mark_bit(o, mc->colour);
	if (r != MARK_NONE) {
		mc->marked++;
		if (r == MARK_TRACE)
			grey_push(mc->heap, mc->grey, o);
	}
}

/*
 * Leaf marks gathered by one bitmap word: the items of a tuple frozen
 * together sit side by side in their leaf slab, so their bits usually
 * share a word, and one atomic OR sets them all (a `lock` instruction is
 * most of the cost of a mark).
 */
struct leaf_marks {
	uint64_t *word;		/* NULL: nothing gathered */
	uint64_t bits;
};

/*
 * Set the gathered bits; count once if any was clear when tested. A leaf
 * has nothing to trace, so no marker needs to know whether it set a bit
 * first, and the OR's old value is not asked for: gcc then emits one `lock
 * or`, not a `lock cmpxchg` loop (perf annotate had that loop at a sixth
 * of a churn cycle's marking). The count may take a bit another marker
 * set after the test as ours: it only ever says "something new", which
 * costs termination (or the re-trace after an overflow) one more round at
 * worst and can never hide a mark.
 */
static inline void leaf_marks_flush(struct mark_ctx *mc, struct leaf_marks *lm)
{
	uint64_t bits;

	if (!lm->word)
		return;
	/* As in mark_bit(): a plain test first. Release: pairs with the
	 * acquire load in __frost_gc_is_marked() and the sweep's. */
	bits = lm->bits & ~__atomic_load_n(lm->word, __ATOMIC_RELAXED);
	if (bits) {
		__atomic_fetch_or(lm->word, bits, __ATOMIC_RELEASE);
		mc->marked++;
	}
	lm->word = NULL;
}

/*
 * Mark child @o of a shared object being traced: a leaf (known by its
 * page's kind) is gathered into @lm by bitmap word, anything else marked
 * by mark_object(). The same marks as mark_object() alone; a leaf has
 * nothing to trace, so who set its bit first does not matter beyond the
 * count. The caller flushes @lm before it is done with the parent. Only
 * shared objects are traced (the grey stacks hold nothing else), and a
 * frozen object only ever points to objects that were shared when it was
 * frozen, so @o is not read to check that (the private-object walk,
 * visit_mark_private(), checks).
 */
static inline __attribute__((always_inline))
void mark_child(struct mark_ctx *mc, struct leaf_marks *lm, struct frost_object *o)
{
	struct frost_shared_page *pg;
	uint64_t *word;
	uint32_t slot;

	frost_assert(!o || frost_is_shared(o));
	if (!o || __frost_is_static(o))
		return;
	pg = __frost_shared_page_of(o);
	if (pg->kind != FROST_PAGE_SHARED_LEAF) {
		mark_object(mc, o);
		return;
	}
	if (__frost_gc_stops_at(o, mc->phase))
		return;
	slot = __frost_shared_slot(pg, o);
	word = &pg->mark[mc->colour][slot / 64];
	if (word != lm->word) {
		leaf_marks_flush(mc, lm);
		lm->word = word;
		lm->bits = 0;
	}
	lm->bits |= UINT64_C(1) << (slot % 64);
}

/* What a type's trace callback is given while a shared object is traced. */
struct trace_visit {
	struct mark_ctx *mc;
	struct leaf_marks lm;
};

static void visit_mark_child(struct frost_object **slot, void *arg)
{
	struct trace_visit *tv = arg;

	mark_child(tv->mc, &tv->lm, *slot);
}

/*
 * Trace grey shared object @o, its leaf children gathered by bitmap word
 * (mark_child()). A tuple, the commonest container, is walked here
 * instead of through tuple_trace() and one indirect call per item; it
 * visits the same slots.
 */
static inline void trace_shared(struct mark_ctx *mc, struct frost_object *o)
{
	struct trace_visit tv = { .mc = mc, .lm = { .word = NULL } };

	if (o->type == &__frost_tuple_type) {
		struct frost_tuple *t = __frost_container_of(o, struct frost_tuple, ob);

		for (size_t i = 0; i < t->len; i++)
			mark_child(mc, &tv.lm, t->items[i]);
	} else {
		o->type->trace(o, visit_mark_child, &tv);
	}
	leaf_marks_flush(mc, &tv.lm);
}

static void mark_drain(struct mark_ctx *mc)
{
	while (!__frost_stack_empty(mc->grey))
		trace_shared(mc, __frost_stack_pop_ptr(mc->grey));
}

/* The reclaimer's marking context, by one (acquire) reading of the phase. */
static struct mark_ctx reclaimer_ctx(struct frost_heap *heap_, struct __frost_stack *gs)
{
	struct frost_heap_gc *heap = __frost_heap_gc(heap_);
	unsigned int phase = __atomic_load_n(&heap->gc_phase, __ATOMIC_ACQUIRE);
	struct mark_ctx mc = {
		.heap = heap,
		.colour = phase_colour(phase),
		.phase = phase,
		.grey = gs,
	};

	return mc;
}

void __frost_gc_mark_roots(struct frost_heap *heap, struct __frost_stack *gs,
			   struct frost_object *const *objs, size_t n, uint64_t *marked)
{
	struct mark_ctx mc = reclaimer_ctx(heap, gs);

	/* Each root's trace right after it: its children are near it. */
	for (size_t i = 0; i < n; i++) {
		mark_object(&mc, objs[i]);
		mark_drain(&mc);
	}
	*marked += mc.marked;
}

void __frost_gc_trace_marked(struct frost_heap *heap, struct __frost_stack *gs,
			     struct frost_object *o, uint64_t *marked)
{
	struct mark_ctx mc = reclaimer_ctx(heap, gs);

	if (o->type->trace) {
		trace_shared(&mc, o);
		mark_drain(&mc);
	}
	*marked += mc.marked;
}

static void shade_in(struct frost_sandbox_gc *sb, struct frost_object *o, unsigned int phase)
{
	struct frost_heap_gc *heap = __frost_heap_gc(sb->heap);

	enum mark_result r;

	if (!(phase & FROST_GC_ACTIVE) || !frost_is_shared(o) || __frost_gc_stops_at(o, phase))
		return;
	r = mark_bit(o, phase_colour(phase));
	if (r != MARK_NONE) {
		/* Counted so the termination loop sees new grey work. */
		__atomic_fetch_add(&heap->gc->shaded, 1, __ATOMIC_RELAXED);
		if (r == MARK_TRACE)
			grey_push(heap, &sb->grey, o);
	}
}

void __frost_gc_shade_slow(struct frost_sandbox *sb_, struct frost_object *o)
{
	struct frost_sandbox_gc *sb = __frost_sb_gc(sb_);
	shade_in(sb, o, __frost_gc_phase(sb->heap));
}

void __frost_gc_shade_new_child(struct frost_sandbox *sb_, struct frost_object *child,
				unsigned int phase)
{
	struct frost_sandbox_gc *sb = __frost_sb_gc(sb_);
	shade_in(sb, child, phase);
}

/* ------------------------------------------------------------------ */
/* Sandbox root scans                                                  */

static void scan_pin(struct frost_object *o, void *arg)
{
	mark_object(arg, o);
}

/*
 * A private object's child slot. Every API that stores an object refuses a
 * shared object of another heap, but a user type's slots are plain stores
 * frost never sees: a slot holding another heap's object is skipped, so
 * this heap's marker never writes that heap's mark bits (the object is not
 * kept alive by it either: Documentation/core-api/sandbox.rst, threat
 * model). The page header load is the one the mark bit needs anyway.
 */
static void visit_mark_private(struct frost_object **slot, void *arg)
{
	struct frost_object *child = *slot;
	struct mark_ctx *mc = arg;

	if (child && frost_is_shared(child) &&
	    (__frost_is_static(child) ||
	     __frost_shared_page_of(child)->heap == (struct frost_heap *)mc->heap))
		mark_object(mc, child);
}

static void scan_private(struct frost_object *o, void *arg)
{
	if (o->type->trace)
		o->type->trace(o, visit_mark_private, arg);
}

void __frost_gc_sandbox_work(struct frost_sandbox *sb_)
{
	struct frost_sandbox_gc *sb = __frost_sb_gc(sb_);
	struct frost_heap_gc *heap = __frost_heap_gc(sb->heap);
	unsigned int phase = __atomic_load_n(&heap->gc_phase, __ATOMIC_ACQUIRE);
	uint64_t scan_cycle = __atomic_load_n(&heap->hs_scan_cycle, __ATOMIC_ACQUIRE);
	struct mark_ctx mc = {
		.heap = heap,
		.colour = phase_colour(phase),
		.phase = phase,
		.grey = &sb->grey,
	};
	bool had_grey = !__frost_stack_empty(&sb->grey);

	if (!(phase & FROST_GC_ACTIVE))
		return;		/* a plain grace period: nothing to mark */
	if (sb->scanned_cycle < scan_cycle) {
		if (heap->roots && heap->roots->for_each_sandbox)
			heap->roots->for_each_sandbox(sb_, scan_pin, &mc);
		__frost_private_for_each_object(&sb->arena, scan_private, &mc);
		sb->scanned_cycle = scan_cycle;
	}
	mark_drain(&mc);
	if (mc.marked || had_grey)
		__atomic_fetch_add(&heap->gc->shaded, mc.marked + had_grey, __ATOMIC_RELAXED);
}

/* An empty grey stack for @sb, growing in its own arena (its alone). */
static void grey_init(struct frost_sandbox *sb)
{
	__frost_stack_init_ops(&__frost_sb_gc(sb)->grey, NULL, 0, sizeof(struct frost_object *),
			       &__frost_private_alloc_ops, sb);
}

void __frost_gc_sandbox_init(struct frost_sandbox *sb_)
{
	struct frost_sandbox_gc *sb = __frost_sb_gc(sb_);
	struct frost_heap_gc *heap = __frost_heap_gc(sb->heap);

	/* Acquire: pairs with the release stores of hs_epoch and
	 * hs_scan_cycle in handshake() and run_cycle() (lib/gc/reclaim.c). */
	sb->hs_ack = __atomic_load_n(&heap->hs_epoch, __ATOMIC_ACQUIRE);
	sb->scanned_cycle = __atomic_load_n(&heap->hs_scan_cycle, __ATOMIC_ACQUIRE);
	grey_init(sb_);
}

void __frost_gc_sandbox_forget(struct frost_sandbox *sb)
{
	/* Not released: its array goes with the arena. */
	grey_init(sb);
}

void __frost_gc_sandbox_detach(struct frost_sandbox *sb_)
{
	struct frost_sandbox_gc *sb = __frost_sb_gc(sb_);

	__frost_gc_sandbox_work(sb_);
	__frost_stack_release(&sb->grey);
}

void __frost_gc_handshake(struct frost_sandbox *sb_)
{
	struct frost_sandbox_gc *sb = __frost_sb_gc(sb_);
	/* Acquire: pairs with the release add to hs_epoch in handshake(). */
	uint64_t epoch = __atomic_load_n(&__frost_heap_gc(sb->heap)->hs_epoch, __ATOMIC_ACQUIRE);

	if (epoch > __atomic_load_n(&sb->hs_ack, __ATOMIC_RELAXED)) {
		__frost_gc_sandbox_work(sb_);
		/* Release: the reclaimer that reads the ack sees our marks.
		 * Pairs with the acquire load of hs_ack in handshake() (lib/gc/reclaim.c). */
		__atomic_store_n(&sb->hs_ack, epoch, __ATOMIC_RELEASE);
	}
	/* What a non-blocking allocation left for a point that holds nothing. */
	if (unlikely(sb->pace_deferred || sb->limit_deferred))
		__frost_gc_run_deferred(sb_);
}
