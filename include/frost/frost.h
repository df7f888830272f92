/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * frost/frost.h - umbrella header: include this one (pkg-config module: frost).
 *
 * frost is a lock-free heap of shared immutable objects: sandboxes (threads)
 * own private mutable objects; frozen objects are shared by every sandbox
 * without locks or refcount writes and are reclaimed by a grace-period-driven
 * collector. See Documentation/index.rst.
 */
#ifndef __FROST_FROST_H
#define __FROST_FROST_H

#include <frost/compiler.h>
#include <frost/object.h>
#include <frost/types.h>
#include <frost/heap.h>
#include <frost/sandbox.h>
#include <frost/namespace.h>
#include <frost/channel.h>

#define FROST_VERSION_MAJOR 0
#define FROST_VERSION_MINOR 1
#define FROST_VERSION_PATCH 0

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
