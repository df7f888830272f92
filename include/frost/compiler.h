/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * frost/compiler.h - compiler helpers shared by the public headers.
 *
 * FROST_API marks a symbol that libfrost exports: the library is built with
 * -fvisibility=hidden and a version script that keeps frost_* only, so a
 * public function needs both the name prefix and this attribute.
 * frost_likely()/frost_unlikely() steer the inline fast paths;
 * FROST_ALWAYS_INLINE keeps the allocation fast paths inline where the
 * compiler's size heuristics would make an out-of-line copy per file.
 */
#ifndef __FROST_COMPILER_H
#define __FROST_COMPILER_H

#define FROST_API __attribute__((visibility("default")))

#define FROST_ALWAYS_INLINE __attribute__((always_inline))

#define frost_likely(x)   __builtin_expect(!!(x), 1)
#define frost_unlikely(x) __builtin_expect(!!(x), 0)

#endif /* __FROST_COMPILER_H */
