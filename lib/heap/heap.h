/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/heap/heap.h - the top layer: heaps assembled from their parts, and
 * fork() across all of them (internal).
 *
 * Theory of operation: lib/heap/heap.c creates a heap by initialising each
 * layer's part from the bottom up (shared slabs, namespace, reclaimer) and
 * wiring the reclaimer to the roots of the layers above it (namespace,
 * channels, pins: struct frost_gc_roots); lib/heap/fork.c takes every
 * layer's locks around fork(). Only this layer and lib/freeze/ see every
 * subsystem.
 */
#ifndef __FROST_HEAP_HEAP_H
#define __FROST_HEAP_HEAP_H

#include "sandbox/sandbox.h"

/* Register the fork handlers (once per process; the first heap does it). */
void __frost_fork_init(void);

#endif /* __FROST_HEAP_HEAP_H */
