/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/core/internal.h - definitions shared by the library's subsystems.
 *
 * Theory of operation. Public functions validate their arguments with the
 * helpers here and report errors the one way the API promises: negative
 * errno for int/long returns, NULL plus errno for pointer returns
 * (frost_err_null()). Objects are allocated through __frost_object_alloc(),
 * which takes memory from the sandbox's private arena (lib/mm/private.c) and
 * fills in the header. __frost_check_object() is the ownership check of
 * lifetime rule 4: a private object is usable only by the sandbox whose page
 * header names it; shared and static objects by everyone.
 *
 * Assertions are graded (mimalloc's model): frost_bug_on() is always on and
 * aborts on API misuse that cannot be reported as an error; frost_assert()
 * checks internal invariants only with CONFIG_FROST_DEBUG.
 */
#ifndef __FROST_CORE_INTERNAL_H
#define __FROST_CORE_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <frost/frost.h>
#include "core/siphash.h"

#define likely(x)   frost_likely(x)
#define unlikely(x) frost_unlikely(x)

#define __frost_container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* Abort with a message: for broken invariants and unreportable misuse. */
__attribute__((noreturn, format(printf, 1, 2)))
void __frost_panic(const char *fmt, ...);

#define frost_bug_on(cond)							\
	do {									\
		if (unlikely(cond))						\
			__frost_panic("BUG at %s:%d: %s", __FILE__, __LINE__, #cond); \
	} while (0)

#ifdef CONFIG_FROST_DEBUG
#define frost_assert(cond) frost_bug_on(!(cond))
#else
#define frost_assert(cond) do { (void)sizeof(cond); } while (0)
#endif

/* Return NULL from a pointer-returning API function with errno set. */
static inline void *frost_err_null(int err)
{
	errno = err;
	return NULL;
}

/* The per-process hash key, drawn from getrandom() before main(). */
extern struct __frost_sipkey __frost_hash_key;

static inline uint64_t __frost_hash_bytes(const void *p, size_t len)
{
	return __frost_siphash13(&__frost_hash_key, p, len);
}

static inline uint64_t __frost_hash_u64(uint64_t v)
{
	return __frost_siphash13_u64(&__frost_hash_key, v);
}

/*
 * __frost_hash_checked() - hash of @o, or -EINVAL if it is unhashable.
 * Containers use it to hash their items; frost_hash() wraps it.
 */
int __frost_hash_checked(const struct frost_object *o, uint64_t *hash);

/*
 * __frost_equal() - frost_equal() that reports failure: 1 if @a and @b are
 * equal, 0 if not (or either is NULL), -ENOMEM if the comparison ran out of
 * memory (lib/core/equal.c). Never recurses on the C stack for built-in
 * containers.
 */
int __frost_equal(const struct frost_object *a, const struct frost_object *b);

/*
 * The calling thread's sandbox, or NULL (lib/sandbox/sandbox.c sets it at
 * attach and clears it at detach). Initial-exec TLS: one %fs-relative load,
 * not a __tls_get_addr() call, although libfrost is a shared library; its
 * 8 bytes fit glibc's static TLS surplus even when libfrost is dlopen()ed.
 */
extern __thread struct frost_sandbox *__frost_current_sb
	__attribute__((tls_model("initial-exec")));

/* Out-of-line part of __frost_check_sandbox(): tells EINVAL from EPERM. */
int __frost_check_sandbox_slow(const struct frost_sandbox *sb);

/*
 * __frost_check_sandbox() - may the calling thread act as @sb?
 *
 * Every call that takes a sandbox starts with this check. A sandbox is the
 * calling thread's own or nobody's business: a pointer compare with the
 * thread's current sandbox, which never dereferences @sb. Sandbox
 * structures are never returned to malloc (lib/sandbox/sandbox.c keeps
 * detached ones in a pool), so the slow path may read a stale pointer's
 * magic to tell a detached sandbox from another thread's.
 *
 * Return: 0 if @sb is the calling thread's attached sandbox; -EINVAL if
 * @sb is NULL or detached; -EPERM if it is another thread's sandbox.
 */
static inline int __frost_check_sandbox(const struct frost_sandbox *sb)
{
	if (likely(sb == __frost_current_sb && sb))
		return 0;
	return __frost_check_sandbox_slow(sb);
}

/*
 * Start of a call that takes a sandbox: return its error (NULL with errno
 * for pointer-returning calls, the negative errno for int-returning ones)
 * unless @sb is the calling thread's sandbox.
 */
#define __frost_sandbox_guard_null(sb)						\
	do {									\
		int __err = __frost_check_sandbox(sb);				\
		if (unlikely(__err))						\
			return frost_err_null(-__err);				\
	} while (0)
#define __frost_sandbox_guard(sb)						\
	do {									\
		int __err = __frost_check_sandbox(sb);				\
		if (unlikely(__err))						\
			return __err;						\
	} while (0)

/*
 * Owner-written statistics counters that other threads may read (with
 * relaxed atomic loads): the owner's plain read of its own counter races
 * with nothing, the store is atomic so readers see whole values. The same
 * instructions as a plain increment on x86.
 */
#define __frost_stat_add(p, d) \
	__atomic_store_n((p), *(p) + (d), __ATOMIC_RELAXED)
#define __frost_stat_sub(p, d) \
	__atomic_store_n((p), *(p) - (d), __ATOMIC_RELAXED)

/*
 * __frost_check_object() - may sandbox @sb use object @o?
 * Return: 0 if @o is static, a shared object of @sb's heap or a private
 * object of @sb; -EPERM if it is another sandbox's private object or a
 * shared object of another heap; -EINVAL if @o is NULL or not an object.
 * Cost: one page-header load and compare either way (no lookup).
 */
int __frost_check_object(const struct frost_sandbox *sb, const struct frost_object *o);

/* The sandbox that owns private object @o (from its page header). */
struct frost_sandbox *__frost_object_owner(const struct frost_object *o);

/*
 * __frost_object_alloc() - allocate a private object of @size bytes
 * (header included) for @sb: refcount 1, type set, body uninitialised.
 * Return: the object or NULL (errno ENOMEM).
 */
struct frost_object *__frost_object_alloc(struct frost_sandbox *sb,
					  const struct frost_type *type, size_t size);

/* Free a private object's memory (no finalize, no child release). */
void __frost_object_free(struct frost_object *o);

/* Is @o of built-in type @type? (NULL-safe) */
static inline bool __frost_is(const struct frost_object *o, const struct frost_type *type)
{
	return o && o->type == type;
}

/*
 * Static objects (None, True, False, small ints) are immortal with a count
 * of their own, so the reclaimer and the heap checks can tell them from
 * heap-allocated shared objects without looking at their address.
 */
#define __FROST_REFCNT_STATIC	(FROST_REFCNT_IMMORTAL + 1)

static inline bool __frost_is_static(const struct frost_object *o)
{
	return o->refcnt == __FROST_REFCNT_STATIC;
}

/* Initialiser for a static immortal object header. */
#define FROST_STATIC_OBJECT_HEAD(typ) { .refcnt = __FROST_REFCNT_STATIC, .type = (typ) }

#endif /* __FROST_CORE_INTERNAL_H */
