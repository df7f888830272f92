/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/core/tsan.h - ThreadSanitizer detection and annotations (internal).
 *
 * Theory of operation. liburcu 0.13's atomics are inline asm and its library
 * is not instrumented, so ThreadSanitizer cannot see the happens-before
 * edges that its publication (rculfhash inserts) and grace periods give.
 * Where frost relies on such an edge it says so to TSan explicitly: the
 * publisher calls __frost_tsan_release(addr), every reader of what was
 * published __frost_tsan_acquire(addr). The real ordering on x86 comes from
 * liburcu's barriers; these annotations cost nothing outside TSan builds.
 *
 * FROST_TSAN is defined in TSan builds (gcc defines __SANITIZE_THREAD__,
 * clang answers __has_feature(thread_sanitizer)); FROST_NO_TSAN marks a
 * function whose reads TSan must not instrument (a deliberate speculative
 * read, validated afterwards).
 */
#ifndef __FROST_CORE_TSAN_H
#define __FROST_CORE_TSAN_H

#if defined(__SANITIZE_THREAD__)
#define FROST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FROST_TSAN 1
#endif
#endif

#ifdef FROST_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define __frost_tsan_acquire(p) __tsan_acquire((void *)(p))
#define __frost_tsan_release(p) __tsan_release((void *)(p))
#define FROST_NO_TSAN __attribute__((no_sanitize("thread"), noinline))
#else
#define __frost_tsan_acquire(p) do { (void)(p); } while (0)
#define __frost_tsan_release(p) do { (void)(p); } while (0)
#define FROST_NO_TSAN
#endif

#endif /* __FROST_CORE_TSAN_H */
