/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * frost/compiler.h - compiler helpers shared by the public headers.
 *
 * FROST_API marks a symbol that libfrost exports: the library is built with
 * -fvisibility=hidden and a version script that keeps frost_* only, so a
 * public function needs both the name prefix and this attribute.
 * frost_likely()/frost_unlikely() steer the inline fast paths;
 * FROST_ALWAYS_INLINE keeps the allocation fast paths inline where the
 * compiler's size heuristics would make an out-of-line copy per file;
 * FROST_TLS_IE gives an exported thread-local variable the initial-exec
 * model.
 */
#ifndef __FROST_COMPILER_H
#define __FROST_COMPILER_H

#define FROST_API __attribute__((visibility("default")))

#define FROST_ALWAYS_INLINE __attribute__((always_inline))
/* Initial-exec TLS: one %fs-relative load, no __tls_get_addr() call. */
#define FROST_TLS_IE __attribute__((tls_model("initial-exec")))

#define frost_likely(x)   __builtin_expect(!!(x), 1)
#define frost_unlikely(x) __builtin_expect(!!(x), 0)

#endif /* __FROST_COMPILER_H */
