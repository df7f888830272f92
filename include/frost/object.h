/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * frost/object.h - the object header, user types and the refcount fast paths.
 *
 * Theory of operation. Every frost object starts with struct frost_object: a
 * 64-bit reference count and a type pointer. The count's top bit splits it
 * into two ranges:
 *
 *   [1, 2^63)        private: an ordinary count, written without atomics,
 *                    only by the owning sandbox;
 *   [2^63, 2^64)     immortal: shared (frozen) objects and the static ones
 *                    (None, True, False, small ints). They are created at
 *                    FROST_REFCNT_IMMORTAL (3 << 62), the middle of the range.
 *
 * The immortality check is one test. frost_incref() adds 1 and branches on
 * the sign of the sum; frost_decref() branches once on the count being at
 * most 1 (signed), which catches both the last reference and every
 * immortal count. That is the floor: without a check an increment is one
 * read-modify-write instruction (add $1 to memory) and a decrement one
 * plus its branch to frost_dealloc(); any check needs the count in a
 * register, so it costs a load, a flag-setting operation, a branch and a
 * store: 3 instructions more per operation than the unchecked form
 * (measured: 8.5 against 5.5 instructions per operation in
 * tools/bench/callgrind-refcount.sh). Closing the rest needs fewer
 * operations, not a cheaper test: borrowed references (no incref/decref
 * pair at all), or a check-free increment of an object the caller has just
 * allocated and so knows to be private.
 *
 * frost_incref()/frost_decref() of
 * an immortal object return without writing it, so readers of shared objects
 * never dirty its cache line (lifetime rule 6). A private count that would
 * reach 2^63 saturates into the immortal range instead of overflowing: the
 * object leaks rather than being freed early. (At one increment per
 * nanosecond that takes 292 years; it is a guard, not a feature.)
 *
 * Decref to zero frees an object without trace or finalize inline when it
 * can (see below), and otherwise calls frost_dealloc(): the type's
 * finalize runs, children
 * reached through trace are released, and the memory goes back to the owning
 * sandbox's free list. Immortal objects are never freed by refcounting:
 * shared ones are reclaimed by the heap's collector.
 *
 * Private allocation is inline too (frost_object_new(),
 * frost_object_new_uninit(), and the free in frost_decref() of an object
 * whose type has neither trace nor finalize): a pop or a push on the free
 * list of the sandbox's slot for the size class (struct frost_alloc_slot,
 * in the sandbox's public prefix), which holds the class's current page's
 * free slots; anything else (no free slot, a page that is not current, a
 * large object, an argument error, a library built with fault injection or
 * debug poisoning) calls out to the library, which does the same work the
 * long way. A page is found by masking an object's address; its public
 * head (struct frost_page_head) names its owner and size class.
 *
 * The field layouts are public only so that these fast paths can be
 * inline; treat struct frost_object, struct frost_page_head and the
 * sandbox prefix as opaque.
 */
#ifndef __FROST_OBJECT_H
#define __FROST_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <frost/compiler.h>
#include <frost/sandbox.h>

/**
 * struct frost_object - header of every frost object (treat as opaque).
 * @refcnt: reference count; the top bit set means immortal (shared/static).
 * @type: the object's type; never changes after creation.
 */
struct frost_object {
	uint64_t refcnt;
	const struct frost_type *type;
};

/* Private memory comes in pages of this size, aligned to it. */
#define FROST_ARENA_PAGE_SIZE	(1UL << 16)

/**
 * struct frost_page_head - the public start of a private page's header,
 * found by masking an object's address with FROST_ARENA_PAGE_SIZE; treat it
 * as opaque.
 * @magic: what kind of frost memory the page is.
 * @kind: small (size-classed) or large.
 * @size_class: the size class of a small page (0 for a large one).
 * @owner: the sandbox that owns the page.
 */
struct frost_page_head {
	uint32_t magic;
	uint16_t kind;
	uint16_t size_class;
	struct frost_sandbox *owner;
};

/* The count immortal objects are created with: the middle of [2^63, 2^64). */
#define FROST_REFCNT_IMMORTAL (UINT64_C(3) << 62)

/* A user type whose objects may be frozen (shared). */
#define FROST_TYPE_IMMUTABLE	0x1u
/* Flags reserved for frost's built-in types. */
#define FROST_TYPE_BUILTIN	0x80000000u

/**
 * typedef frost_visit_fn - visitor called by a type's trace for each child slot.
 * @slot: address of a child pointer inside the object (may hold NULL).
 * @arg: the visitor's argument, passed through trace.
 */
typedef void (*frost_visit_fn)(struct frost_object **slot, void *arg);

/**
 * struct frost_type - describes a kind of object (built-in or user).
 * @name: type name returned by frost_type_name().
 * @basic_size: object size in bytes, header included, used when
 *	frost_object_new() is given size 0.
 * @flags: FROST_TYPE_IMMUTABLE if objects may be frozen.
 * @trace: visit every slot holding a child object pointer (NULL: no children).
 *	The same callback serves child release at dealloc, freezing and marking,
 *	so it must visit every child slot, each exactly once.
 * @finalize: release non-frost resources before the memory is freed
 *	(NULL: nothing to do). It must not create or touch frost objects.
 * @hash: hash of the object (NULL: unhashable; cannot be a map key).
 * @equal: value equality with another object of the same type
 *	(NULL: identity).
 *
 * A type must stay valid, unchanged, while any of its objects lives.
 */
struct frost_type {
	const char *name;
	size_t basic_size;
	unsigned int flags;
	void (*trace)(struct frost_object *o, frost_visit_fn visit, void *arg);
	void (*finalize)(struct frost_object *o);
	uint64_t (*hash)(const struct frost_object *o);
	bool (*equal)(const struct frost_object *a, const struct frost_object *b);
};

/**
 * frost_dealloc() - Free a private object whose count dropped to zero.
 * @o: the object.
 *
 * Called by frost_decref(); not for direct use. Runs the type's finalize,
 * releases the children that trace visits, and returns the memory to the
 * owning sandbox's free list.
 *
 * Context: the owning sandbox's thread.
 */
FROST_API void frost_dealloc(struct frost_object *o);

/*
 * __frost_free_inline() - free private object @o, whose count just dropped
 * to zero, inline if that is the whole job: its type has no trace and no
 * finalize, and its page is its class's current page in the owner's slots.
 * Return: true if freed; false to call frost_dealloc().
 */
static inline FROST_ALWAYS_INLINE bool __frost_free_inline(struct frost_object *o)
{
	const struct frost_type *t = o->type;
	const struct frost_page_head *pg;
	struct frost_alloc_slot *s;

	if (t->trace || t->finalize)
		return false;
	pg = (const struct frost_page_head *)((uintptr_t)o & ~(FROST_ARENA_PAGE_SIZE - 1));
	s = &((struct frost_sandbox_pub *)pg->owner)->alloc[pg->size_class];
	if (frost_unlikely(s->page != pg))
		return false;
	*(void **)o = s->free;
	s->free = o;
	/* Relaxed: frost_sandbox_stats() reads it from any thread. */
	__atomic_store_n(&s->used, s->used - 1, __ATOMIC_RELAXED);
	return true;
}

/**
 * frost_debug_check_owner() - Abort if @o is another sandbox's private object.
 * @o: an object about to have its count changed.
 *
 * With CONFIG_FROST_DEBUG defined when a program includes this header,
 * frost_incref()/frost_decref() call it on private objects: a refcount write
 * from a thread that is not the owner aborts with a message naming both
 * sandboxes. Programs may call it directly as an assertion.
 *
 * Context: any thread.
 */
FROST_API void frost_debug_check_owner(const struct frost_object *o);

/**
 * frost_is_shared() - Is @o immortal (shared or static)?
 * @o: an object (not NULL).
 *
 * Return: true for frozen objects and the static ones (None, True, False,
 * small ints): they may be used by every sandbox and are never freed by
 * refcounting. False for private objects.
 */
static inline bool frost_is_shared(const struct frost_object *o)
{
	return (int64_t)o->refcnt < 0;
}

/**
 * frost_incref() - Take a reference to @o.
 * @o: an object (not NULL).
 *
 * A no-op on shared objects: nothing is written, so shared cache lines stay
 * clean. On private objects, an increment without atomics: only the owner
 * may call it (lifetime rule 4).
 *
 * Context: the owning sandbox for private objects; any sandbox for shared.
 */
static inline void frost_incref(struct frost_object *o)
{
	uint64_t n = o->refcnt + 1;

	/*
	 * One test, on the sign of the sum (the add sets the flag the branch
	 * reads). Negative: the count was immortal (no write), or it was
	 * 2^63 - 1 and saturates at 2^63, the bottom of the immortal range.
	 * (An immortal count of 2^64 - 1 would wrap to 0 here; none exists:
	 * immortal counts are FROST_REFCNT_IMMORTAL, the static objects' one
	 * above it, or 2^63 from saturation, and are never changed.)
	 */
	if (frost_unlikely((int64_t)n < 0)) {
		if (n == UINT64_C(1) << 63) {
#ifdef CONFIG_FROST_DEBUG
			frost_debug_check_owner(o);
#endif
			o->refcnt = n;
		}
		return;
	}
#ifdef CONFIG_FROST_DEBUG
	frost_debug_check_owner(o);
#endif
	o->refcnt = n;
}

/**
 * frost_decref() - Drop a reference to @o; free it when it was the last.
 * @o: an object (not NULL).
 *
 * A no-op on shared objects (no write). On a private object, a decrement
 * without atomics; at zero the object is finalized, its children released
 * and its memory returned to the owner's free list.
 *
 * Context: the owning sandbox for private objects; any sandbox for shared.
 */
static inline void frost_decref(struct frost_object *o)
{
	int64_t r = (int64_t)o->refcnt;

	/*
	 * One test covers both ways off the plain path: r == 1 (the last
	 * reference) and r < 0 (immortal, all of [2^63, 2^64)).
	 */
	if (frost_unlikely(r <= 1)) {
		if (r == 1) {
#ifdef CONFIG_FROST_DEBUG
			frost_debug_check_owner(o);
#endif
			if (!__frost_free_inline(o))
				frost_dealloc(o);
		}
		return;
	}
#ifdef CONFIG_FROST_DEBUG
	frost_debug_check_owner(o);
#endif
	o->refcnt = (uint64_t)r - 1;
}

/**
 * frost_type_name() - Name of @o's type.
 * @o: an object.
 *
 * Return: the type's name ("int", "str", "tuple", ... or a user type's
 * name); NULL with errno EINVAL when @o is NULL.
 */
FROST_API const char *frost_type_name(const struct frost_object *o);

/**
 * frost_hash() - Hash of @o's value, keyed per process.
 * @o: a hashable object.
 *
 * Built-in types hash with SipHash-1-3 under a key drawn from getrandom()
 * at start-up, so hashes differ between processes and cannot be predicted
 * from user data. Equal objects have equal hashes. A str, bytes, float,
 * map, and a tuple holding a tuple or a map, computes its hash when it is
 * built and stores it. An int, and a tuple of leaves only, is built without
 * it (most are never hashed): the first frost_hash() of a private one
 * computes and keeps it (and a frozen copy carries it); a shared one is
 * never written, so each frost_hash() of it computes it again, one SipHash
 * step per item. So frost_hash() looks at most one level into an object,
 * however deeply nested (a user type's hash callback is called as it is).
 *
 * Return: the hash; 0 with errno EINVAL when @o is NULL or unhashable
 * (a list, or a user type without a hash callback). A hash may be 0 too:
 * set errno to 0 first to tell the cases apart.
 */
FROST_API uint64_t frost_hash(const struct frost_object *o);

/**
 * frost_equal() - Do @a and @b have the same type and value?
 * @a: an object.
 * @b: an object.
 *
 * Tuples compare element-wise, maps by key set and values, floats by value
 * with every NaN equal to every NaN (so equality is reflexive) and -0.0
 * equal to 0.0. Objects of different types are never equal (1 != 1.0).
 * User types use their equal callback, or identity without one.
 *
 * Nested tuples and maps are compared without unbounded recursion: the
 * first 8 levels by bounded recursion, deeper ones on an explicit stack in
 * heap memory (about 40 bytes per level, freed before the call returns),
 * so any depth is safe; values nested up to 24 levels allocate nothing. A
 * user type's equal callback that calls frost_equal() on its children
 * recurses through its own C frames.
 *
 * Return: true if equal; false otherwise, or if either is NULL. False with
 * errno ENOMEM if the comparison needed more memory than it could get: it
 * never claims equality it could not establish. errno is left alone on
 * every other path, so a caller that must tell "different" from "out of
 * memory" sets errno to 0 first.
 */
FROST_API bool frost_equal(const struct frost_object *a, const struct frost_object *b);

/**
 * frost_object_new_slow() - Create a private object (out-of-line part).
 * @sb: the calling sandbox.
 * @type: the type.
 * @size: object size with the header, 0 for @type->basic_size.
 * @zero: zero the body (frost_object_new()) or not (_uninit()).
 *
 * Called by frost_object_new() and frost_object_new_uninit() when their
 * inline fast path cannot serve the call; not for direct use.
 *
 * Context: the sandbox's own thread.
 * Return: as frost_object_new().
 */
FROST_API struct frost_object *frost_object_new_slow(struct frost_sandbox *sb,
						     const struct frost_type *type, size_t size,
						     bool zero);

/*
 * __frost_object_take() - the inline fast path of a private allocation of
 * @size bytes (header included) for @sb: @sb is the calling thread's
 * sandbox, @type a user type, @size fits a size class, and the class's slot
 * has a free slot. Return: the object with its header written (count 1,
 * @type), the body as it was; NULL when any of that fails (the caller
 * calls out, which checks again and reports the error).
 */
static inline FROST_ALWAYS_INLINE struct frost_object *__frost_object_take(struct frost_sandbox *sb,
						       const struct frost_type *type, size_t size)
{
	struct frost_alloc_slot *s;
	struct frost_object *o;

	/* Two branches, not one on a combined flag: one compare each. */
	if (frost_unlikely(sb != __frost_current_sb))
		return NULL;
	if (frost_unlikely(!sb || (type->flags & FROST_TYPE_BUILTIN) ||
			   size - sizeof(*o) > FROST_SMALL_SIZE_MAX - sizeof(*o)))
		return NULL;
	s = &((struct frost_sandbox_pub *)sb)->alloc[__frost_size_class(size)];
	o = (struct frost_object *)s->free;
	if (frost_unlikely(!o))
		return NULL;
	s->free = *(void **)o;
	/* Relaxed: frost_sandbox_stats() reads it from any thread. */
	__atomic_store_n(&s->used, s->used + 1, __ATOMIC_RELAXED);
	o->refcnt = 1;
	o->type = type;
	return o;
}

/**
 * frost_object_new() - Create a private object of a user type.
 * @sb: the calling sandbox.
 * @type: the type; must outlive every object of it.
 * @size: object size in bytes including the struct frost_object header;
 *	0 means @type->basic_size.
 *
 * Everything after the header is zeroed, so trace sees NULL child slots
 * until the caller fills them. The object starts with one reference.
 * Inline when the sandbox's slot for the size class has a free slot; the
 * library also exports the function, for callers that take its address.
 *
 * Context: the sandbox's own thread.
 * Return: the object; NULL with errno EINVAL (NULL or detached @sb, NULL
 * @type, size smaller than the header), EPERM (another thread's @sb) or
 * ENOMEM.
 */
static inline FROST_ALWAYS_INLINE struct frost_object *frost_object_new(struct frost_sandbox *sb,
						    const struct frost_type *type, size_t size)
{
	if (frost_likely(type != NULL)) {
		size_t n = size ? size : type->basic_size;
		struct frost_object *o = __frost_object_take(sb, type, n);

		if (frost_likely(o != NULL)) {
			/*
			 * The slot is a multiple of 16 bytes: zero the body in
			 * 16-byte units with plain stores (never a memset call
			 * or a rep stos, whose start-up cost is a whole
			 * allocation's; a 2x unrolled loop measured no better).
			 */
			uint64_t *w = (uint64_t *)(void *)(o + 1);

			for (size_t i = 0; i < (n - sizeof(*o) + 15) / 16; i++) {
				w[2 * i] = 0;
				w[2 * i + 1] = 0;
			}
			return o;
		}
	}
	return frost_object_new_slow(sb, type, size, true);
}

/**
 * frost_object_new_uninit() - Create a private object whose body the caller
 * writes whole.
 * @sb: the calling sandbox.
 * @type: the type; must outlive every object of it.
 * @size: object size in bytes including the struct frost_object header;
 *	0 means @type->basic_size.
 *
 * As frost_object_new(), but the body after the header is left as the
 * allocator had it (garbage): the caller must write every byte of it, and
 * every child slot trace visits, before the object is passed to any frost
 * call (frost_freeze(), a container, frost_decref() of a type with trace)
 * or a quiescent state lets the reclaimer scan it. Saves the zeroing of
 * frost_object_new() for types that are filled at once.
 *
 * Context: the sandbox's own thread.
 * Return: the object; NULL with errno as frost_object_new().
 */
static inline FROST_ALWAYS_INLINE struct frost_object *
frost_object_new_uninit(struct frost_sandbox *sb, const struct frost_type *type, size_t size)
{
	if (frost_likely(type != NULL)) {
		struct frost_object *o = __frost_object_take(sb, type,
							     size ? size : type->basic_size);

		if (frost_likely(o != NULL))
			return o;
	}
	return frost_object_new_slow(sb, type, size, false);
}

/**
 * frost_freeze() - Make an immutable, shared copy of @o.
 * @sb: the calling sandbox.
 * @o: an object of @sb (private) or any shared object.
 *
 * Deep and all-or-nothing: every private object reachable from @o through
 * trace is copied into the shared heap, its child pointers replaced by the
 * copies; shared children are kept as they are, and a private object
 * reachable twice is copied once (sharing and cycles are preserved).
 * Already-shared objects, small ints, None and the bools are returned as
 * they are. The private original is not changed and keeps its references
 * (frost_freeze_opt() with FROST_FREEZE_MOVE hands them over instead).
 * The result is immortal: frost_incref()/frost_decref() never write it, and
 * nothing does after this function returns (lifetime rule 6).
 *
 * A user type's object is copied byte for byte: pointers to memory outside
 * frost are shared by the original and the copy, and both are finalized
 * eventually, so such a type must reference-count what it points to (or
 * own nothing its finalize releases).
 *
 * Context: the sandbox's own thread, online. Does not block, except when
 * the heap is over its shared_limit or the background reclaimer lags far
 * behind allocation: then it waits for a reclaim cycle, which is a
 * quiescent state for @sb (objects it held outside its roots may be gone).
 * Return: the shared object, valid until @sb's next quiescent state unless
 * a root holds it (lifetime rule 1); NULL with errno EINVAL (NULL argument,
 * offline or detached @sb), EPERM (a mutable object, such as a list or a user type
 * without FROST_TYPE_IMMUTABLE, anywhere inside, another sandbox's private
 * object, or a shared object of another heap: nothing is allocated then) or
 * ENOMEM (every partial copy is released).
 */
FROST_API struct frost_object *frost_freeze(struct frost_sandbox *sb, struct frost_object *o);

/*
 * FROST_FREEZE_DEDUP - frost_freeze_opt() flag: store equal leaves once.
 *
 * Within one freeze, private str, bytes, int and float objects with the
 * same type and contents become one shared object (floats: the same bits,
 * so 0.0 and -0.0 stay apart, each with its sign), and a str of at most 64
 * bytes whose text is interned already (frost_str_intern()) becomes that
 * interned str. frost_equal() gives the same answers on the result as
 * without the flag; only the identity of equal leaves changes.
 */
#define FROST_FREEZE_DEDUP	0x1u

/*
 * FROST_FREEZE_INTERN - frost_freeze_opt() flag: dedup across freezes.
 *
 * FROST_FREEZE_DEDUP, and every str of at most 64 bytes not interned yet
 * is interned by the freeze (its copy is the interned str), so later
 * freezes with either flag and frost_str_intern() share it. Costs a table
 * entry per distinct text, for as long as some object references it
 * (interned strings are weak).
 */
#define FROST_FREEZE_INTERN	0x2u

/*
 * FROST_FREEZE_MOVE - frost_freeze_opt() flag: hand the reference over.
 *
 * The call consumes the caller's reference to the object frozen, on
 * success only: it is dropped as frost_decref() would, after the copy is
 * made, so a graph the caller owned uniquely is freed by the call (a
 * single object with shared children without a walk). On failure the
 * caller still holds it, unchanged.
 */
#define FROST_FREEZE_MOVE	0x4u

/**
 * frost_freeze_opt() - frost_freeze() with options.
 * @sb: the calling sandbox.
 * @o: an object of @sb (private) or any shared object.
 * @flags: 0 or an OR of FROST_FREEZE_DEDUP, FROST_FREEZE_INTERN and
 *	FROST_FREEZE_MOVE (each described where it is defined, above, and in
 *	Documentation/core-api/objects.rst).
 *
 * Freezes @o exactly as frost_freeze() does (with @flags 0 it is
 * frost_freeze()), and with the flags: stores equal leaves once
 * (FROST_FREEZE_DEDUP), shares short strs with the heap's intern table
 * across freezes (FROST_FREEZE_INTERN), drops the caller's reference to
 * @o on success (FROST_FREEZE_MOVE; @o must not be used afterwards unless
 * the caller holds another reference). Options are per call, not per heap,
 * because their costs suit some freezes and not others: dedup pays a hash
 * table per call, which a data load wins back and a small message does not.
 *
 * Context: as frost_freeze().
 * Return: as frost_freeze(), and NULL with errno EINVAL for an unknown
 * flag. With FROST_FREEZE_DEDUP, ENOMEM may also come from the scratch
 * table (nothing changed then).
 */
FROST_API struct frost_object *frost_freeze_opt(struct frost_sandbox *sb, struct frost_object *o,
						unsigned int flags);

/**
 * frost_shared_new() - Allocate an unsealed shared object of a user type.
 * @sb: the calling sandbox (online).
 * @type: an immutable user type (FROST_TYPE_IMMUTABLE); must outlive every
 *	object of it.
 * @size: object size in bytes including the header; 0 means
 *	@type->basic_size.
 *
 * The frozen builder for user types: the object is made in the shared heap
 * directly, filled by the caller, and published by frost_shared_seal(),
 * with no private object and no copy. Everything after the header is
 * zeroed. Until it is sealed the slot is invisible to everyone: the caller
 * writes its body (child slots: shared objects of @sb's heap or static
 * ones; NULL is allowed), must not pass it to any other frost function and
 * must not change its header (no frost_incref()/frost_decref()). Children
 * written into it are not protected by it: as for any shared object held
 * in a C variable, seal before @sb's next quiescent state. A slot is
 * sealed by the sandbox that made it; one that is never sealed is lost to
 * the heap until it is destroyed.
 *
 * Context: the sandbox's own thread, online. Never blocks; not a quiescent
 * state (pacing is left to the next frost_quiescent(); over shared_limit it
 * fails with ENOMEM instead of waiting for a cycle).
 * Return: the unsealed object; NULL with errno EINVAL (NULL, offline or
 * detached @sb, NULL or built-in @type, @size smaller than the header),
 * EPERM (not @sb's thread, @type without FROST_TYPE_IMMUTABLE) or ENOMEM.
 */
FROST_API struct frost_object *frost_shared_new(struct frost_sandbox *sb,
						const struct frost_type *type, size_t size);

/**
 * frost_shared_seal() - Publish an object made by frost_shared_new().
 * @sb: the sandbox that made @o (the calling one, online).
 * @o: the unsealed object, filled in.
 *
 * Checks every child slot through @o's type's trace: each must be NULL, a
 * shared object of @sb's heap or a static object. Then @o becomes shared
 * exactly as a frozen object does (immortal count; marked if a reclaim
 * cycle is open, its shared children shaded; the type word stored last
 * with release ordering) and is never written again (lifetime rule 6).
 *
 * Context: the sandbox's own thread, online. Never blocks; not a quiescent
 * state.
 * Return: 0, @o being valid until @sb's next quiescent state unless a root
 * holds it; -EINVAL (NULL, offline or detached @sb, @o NULL or not an
 * unsealed object of frost_shared_new(), e.g. sealed already); -EPERM (not
 * @sb's thread, @o of another heap, or a child that is private or of
 * another heap: then @o is given back to the heap and must not be used).
 */
FROST_API int frost_shared_seal(struct frost_sandbox *sb, struct frost_object *o);

#endif /* __FROST_OBJECT_H */
