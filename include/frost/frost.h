/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * frost/frost.h - umbrella header: include this one (pkg-config module: frost).
 *
 * frost is a lock-free heap of shared immutable objects: sandboxes (threads)
 * own private mutable objects; frozen objects are shared by every sandbox
 * without locks or refcount writes and are reclaimed by a grace-period-driven
 * collector. See Documentation/index.rst.
 *
 * Conventions every function follows (each kernel-doc names only its own
 * errors): a function that takes a struct frost_sandbox is valid only on
 * that sandbox's own thread; called from another thread it fails with
 * EPERM (-EPERM, or NULL with errno EPERM) and changes nothing, and given a
 * detached (stale) sandbox it fails with EINVAL or EPERM. An object of
 * another sandbox, or a shared object of another heap, is refused with
 * EPERM by every function that takes an object for a sandbox.
 */
#ifndef __FROST_FROST_H
#define __FROST_FROST_H

#include <frost/compiler.h>
#include <frost/config.h>
#include <frost/object.h>
#include <frost/types.h>
#include <frost/heap.h>
#include <frost/sandbox.h>
#include <frost/namespace.h>
#include <frost/channel.h>

#define FROST_VERSION_MAJOR 0
#define FROST_VERSION_MINOR 1
#define FROST_VERSION_PATCH 0

#if FROST_CONFIG_VERSION_MAJOR != FROST_VERSION_MAJOR || \
    FROST_CONFIG_VERSION_MINOR != FROST_VERSION_MINOR || \
    FROST_CONFIG_VERSION_PATCH != FROST_VERSION_PATCH
#error "frost/config.h belongs to another frost version than frost/frost.h: headers of two installations are mixed"
#endif

/**
 * frost_config_debug - Defined only by a library built with CONFIG_FROST_DEBUG.
 *
 * The headers of such a library (FROST_CONFIG_DEBUG in <frost/config.h>)
 * make every program that includes them refer to it, so that a program
 * built against a debug library's headers does not link, or load, with a
 * release library. Its value is the string "debug".
 */
FROST_API extern const char frost_config_debug[];

/**
 * frost_version() - The version of the library linked at run time.
 *
 * Compare with FROST_VERSION_MAJOR/MINOR/PATCH to detect a header/library
 * mismatch.
 *
 * Context: any thread, attached or not; never blocks.
 * Return: a static string "MAJOR.MINOR.PATCH".
 */
FROST_API const char *frost_version(void);

#endif /* __FROST_FROST_H */
