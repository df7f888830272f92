/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/core/err.h - errors and assertions (internal).
 *
 * Theory of operation. Public functions report errors the one way the API
 * promises: a negative errno for int/long returns, NULL plus errno for
 * pointer returns (frost_err_null()). What cannot be reported aborts with a
 * message: frost_bug_on() is always on, for API misuse no return value can
 * express and for broken invariants that would otherwise corrupt memory;
 * frost_assert() checks internal invariants only with CONFIG_FROST_DEBUG
 * (mimalloc's graded mi_assert model).
 */
#ifndef __FROST_CORE_ERR_H
#define __FROST_CORE_ERR_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <frost/compiler.h>

#define likely(x)   frost_likely(x)
#define unlikely(x) frost_unlikely(x)

/* The structure of type @type whose member @member is at @ptr. */
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

#endif /* __FROST_CORE_ERR_H */
