/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * frost/sandbox.h - sandboxes: threads attached to a heap.
 *
 * Theory of operation. Every thread that touches frost objects is attached
 * to one heap as a sandbox. A sandbox owns a private arena: its objects are
 * allocated and freed without atomics or locks and no other sandbox can
 * reach them. The sandbox pointer is passed explicitly to every call that
 * needs it (thread-local storage is a function call in a shared library).
 * A thread has at most one sandbox at a time.
 */
#ifndef __FROST_SANDBOX_H
#define __FROST_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <frost/compiler.h>

struct frost_heap;
struct frost_sandbox;
struct frost_object;

/**
 * struct frost_sandbox_qs - the start of every struct frost_sandbox, public
 * only so that frost_quiescent() can be inline; treat it as opaque.
 * @gp_ctr: liburcu-qsbr's global grace-period counter.
 * @gp_seen: its value at this sandbox's last reported quiescent state.
 */
struct frost_sandbox_qs {
	const unsigned long *gp_ctr;
	unsigned long gp_seen;
};

/* Size classes of private allocations: 16..128 by 16, then four per power of two. */
#define FROST_NR_SIZE_CLASSES	32
/* The largest small (size-classed) private allocation; larger ones get a mapping. */
#define FROST_SMALL_SIZE_MAX	8192u

/**
 * struct frost_alloc_slot - one size class's allocation state in a sandbox,
 * public only so that private allocation and free can be inline; treat it
 * as opaque.
 * @free: the free slots of the class's current page, linked through their
 *	first word; NULL when it has none (the out-of-line path refills).
 * @page: the class's current page (NULL: none). A free of a slot of this
 *	page pushes onto @free; every other free calls out.
 * @used: allocations alive in the current page. Written by the owner only,
 *	with relaxed atomic stores, so that frost_sandbox_stats() can read it
 *	whole from any thread.
 */
struct frost_alloc_slot {
	void *free;
	const void *page;
	unsigned long used;
};

/**
 * struct frost_sandbox_pub - the public start of every struct frost_sandbox
 * (frost_quiescent() and the allocation fast paths are inline); treat it as
 * opaque.
 * @qs: the quiescent-state words.
 * @alloc: the object allocation state, one slot per size class. In library
 *	builds that must see every allocation (fault injection, debug
 *	poisoning) the slots stay empty and every call goes out of line.
 */
struct frost_sandbox_pub {
	struct frost_sandbox_qs qs;
	struct frost_alloc_slot alloc[FROST_NR_SIZE_CLASSES];
};

/**
 * __frost_current_sb - The calling thread's sandbox, or NULL (not for
 * direct use: frost_sandbox_current() is the API).
 *
 * What the inline fast paths compare a sandbox argument with (every
 * sandbox-taking call checks it). Exported with the initial-exec TLS model:
 * one load relative to the thread pointer, no call to the TLS resolver.
 * That works for programs linked with libfrost and for modules loaded
 * later with dlopen() (libfrost itself already needs its 8 bytes of static
 * TLS, which glibc's surplus provides).
 */
FROST_API extern __thread FROST_TLS_IE struct frost_sandbox *__frost_current_sb;

/*
 * __frost_size_class() - the size class of a small allocation of @size
 * bytes (at most FROST_SMALL_SIZE_MAX): 16..128 by 16, then four classes
 * per power of two, up to 8192.
 */
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

/**
 * frost_quiescent_slow() - Report a quiescent state (out-of-line part).
 * @sb: the calling thread's sandbox.
 *
 * Called by frost_quiescent() when a grace period or a reclaimer handshake
 * waits for this sandbox; not for direct use.
 */
FROST_API void frost_quiescent_slow(struct frost_sandbox *sb);

/**
 * frost_quiescent() - Announce a quiescent state.
 * @sb: the calling thread's sandbox (not NULL, online).
 *
 * Declares that the sandbox holds no shared object outside its roots: every
 * shared object it obtained since its previous quiescent state may be
 * reclaimed after this call unless pinned, published, sent or referenced by
 * one of its private objects (lifetime rules 1-3). Call it regularly, where
 * an interpreter checks for signals or a worker finishes a request: a
 * sandbox that never does delays reclamation (and gets a stall warning).
 *
 * Cheap when nothing waits for this sandbox: one load of a shared word and a
 * compare with a private copy. Otherwise it reports the quiescent state to
 * liburcu and answers a pending reclaimer handshake.
 *
 * Context: the sandbox's own thread; it is a quiescent state by definition.
 */
static inline void frost_quiescent(struct frost_sandbox *sb)
{
	struct frost_sandbox_qs *qs = (struct frost_sandbox_qs *)sb;

	if (frost_unlikely(__atomic_load_n(qs->gp_ctr, __ATOMIC_RELAXED) != qs->gp_seen))
		frost_quiescent_slow(sb);
}

/**
 * frost_sandbox_offline() - Enter an extended quiescent state.
 * @sb: the calling thread's sandbox.
 *
 * For the caller's own blocking (a read(2), a condition variable): while
 * offline the sandbox holds no shared object outside its roots and never
 * delays a grace period or a reclaim cycle. It must not use frost objects
 * or call frost functions other than frost_sandbox_online() until then.
 * Offline/online pairs do not nest.
 *
 * Context: the sandbox's own thread; a quiescent state.
 */
FROST_API void frost_sandbox_offline(struct frost_sandbox *sb);

/**
 * frost_sandbox_online() - Leave the extended quiescent state.
 * @sb: the calling thread's sandbox, offline.
 *
 * Shared objects obtained before frost_sandbox_offline() that are not held
 * by a root may have been reclaimed; look them up again.
 *
 * Context: the sandbox's own thread; may wait for a reclaimer that is
 * scanning this sandbox's roots.
 */
FROST_API void frost_sandbox_online(struct frost_sandbox *sb);

/**
 * frost_pin() - Keep a shared object alive across quiescent states.
 * @sb: the calling sandbox.
 * @shared: a shared object.
 *
 * Pins are a per-sandbox multiset: pinning twice needs two unpins. Static
 * objects (None, small ints) may be pinned too (they never die anyway).
 *
 * Context: the sandbox's own thread, online; never blocks.
 * Return: 0; -EINVAL (NULL argument, detached or offline @sb), -EPERM
 * (@shared is a private object or belongs to another heap, or @sb is
 * another thread's sandbox) or -ENOMEM.
 */
FROST_API int frost_pin(struct frost_sandbox *sb, struct frost_object *shared);

/**
 * frost_unpin() - Drop one pin of @shared.
 * @sb: the calling sandbox.
 * @shared: an object this sandbox pinned.
 *
 * Without other roots the object may be reclaimed after the sandbox's next
 * quiescent state; until then it stays valid (lifetime rule 1).
 *
 * Context: the sandbox's own thread, online; never blocks.
 * Return: 0; -EINVAL (NULL argument, detached or offline @sb), -EPERM (@sb
 * is another thread's sandbox) or -ENOENT (not pinned by @sb).
 */
FROST_API int frost_unpin(struct frost_sandbox *sb, struct frost_object *shared);

/**
 * struct frost_sandbox_stats - a sandbox's private-arena counters.
 * @id: the sandbox's number, unique within its heap (as in stall warnings).
 * @live_objects: private allocations alive: objects, and the buffers frost
 *	keeps for them (a list's item array, the pin table).
 * @live_bytes: bytes they occupy (allocation size classes).
 * @pages: arena pages held (small-object pages and large mappings).
 * @pins: pins held (counting multiplicity).
 */
struct frost_sandbox_stats {
	uint64_t id;
	uint64_t live_objects;
	uint64_t live_bytes;
	uint64_t pages;
	uint64_t pins;
};

/**
 * frost_sandbox_attach() - Attach the calling thread to @heap as a sandbox.
 * @heap: the heap.
 *
 * Context: a thread that has no sandbox yet; may block briefly.
 * Return: the sandbox; NULL with errno EINVAL (NULL @heap), EBUSY (this
 * thread already has a sandbox) or ENOMEM.
 */
FROST_API struct frost_sandbox *frost_sandbox_attach(struct frost_heap *heap);

/**
 * frost_sandbox_detach() - Detach the calling thread's sandbox.
 * @sb: the sandbox.
 *
 * Frees every private object still alive (their finalize callbacks run, in
 * no particular order) and drops the sandbox's pins. Debug builds report on
 * stderr how many objects were still alive.
 *
 * Context: the sandbox's own thread; may block briefly.
 * Return: 0; -EINVAL (NULL or already detached @sb) or -EPERM (called from
 * another thread).
 */
FROST_API int frost_sandbox_detach(struct frost_sandbox *sb);

/**
 * frost_sandbox_stats() - Read a sandbox's private-arena counters.
 * @sb: the sandbox.
 * @st: filled with the counters.
 *
 * Context: any thread, while @sb is attached: each counter is read whole
 * (the owner writes them with relaxed atomic stores), the set is a
 * snapshot, not a consistent one. Never blocks.
 * Return: 0; -EINVAL for NULL arguments or a detached @sb.
 */
FROST_API int frost_sandbox_stats(const struct frost_sandbox *sb, struct frost_sandbox_stats *st);

/**
 * frost_sandbox_current() - The calling thread's sandbox.
 *
 * Return: the sandbox, or NULL if the thread is not attached.
 */
FROST_API struct frost_sandbox *frost_sandbox_current(void);

/**
 * frost_sandbox_spawn() - Run a function in a new thread, as a new sandbox.
 * @heap: the heap the new sandbox attaches to.
 * @fn: what to run; its return value is handed to frost_sandbox_join().
 * @arg: passed to @fn.
 *
 * Starts a thread that attaches to @heap, calls @fn(sb, @arg) and then
 * detaches (unless @fn detached itself): its private objects are freed and
 * its pins dropped when @fn returns, as with frost_sandbox_detach(). When
 * this returns the new sandbox is attached (frost_heap_stats() counts it).
 * The returned handle stays valid after the sandbox detaches, until
 * frost_sandbox_join(); every spawned sandbox must be joined once. Use it
 * only for frost_sandbox_join() outside @fn.
 *
 * Context: any thread; blocks until the new thread has attached: a
 * quiescent state for a calling sandbox.
 * Return: the join handle; NULL with errno EINVAL (NULL or destroyed @heap,
 * NULL @fn), EAGAIN (no thread could be created) or ENOMEM; nothing is
 * left behind then.
 */
FROST_API struct frost_sandbox *frost_sandbox_spawn(struct frost_heap *heap,
						    int (*fn)(struct frost_sandbox *sb, void *arg),
						    void *arg);

/**
 * frost_sandbox_join() - Wait for a spawned sandbox to end.
 * @sb: a handle from frost_sandbox_spawn(), not joined yet.
 * @fn_ret: where to store @fn's return value (-ECANCELED if its thread
 *	ended without returning from @fn); may be NULL.
 *
 * Frees the handle: @sb is invalid afterwards. The heap may have been
 * destroyed meanwhile.
 *
 * Context: any thread but @sb's own; blocks until @sb's thread has ended:
 * a quiescent state for a calling sandbox.
 * Return: 0; -EINVAL (NULL @sb, not a spawned sandbox, already joined or
 * being joined) or -EDEADLK (called by @sb's own thread).
 */
FROST_API int frost_sandbox_join(struct frost_sandbox *sb, int *fn_ret);

#endif /* __FROST_SANDBOX_H */
