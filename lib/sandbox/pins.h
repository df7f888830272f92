/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/sandbox/pins.h - a sandbox's pins (internal).
 *
 * Theory of operation: see lib/sandbox/pin.c. Pins are per-sandbox roots:
 * a multiset of shared objects the sandbox keeps alive across quiescent
 * states, written only by its owner and read by the reclaimer at the
 * owner's handshakes (through the heap's root hooks, lib/heap/heap.c).
 */
#ifndef __FROST_SANDBOX_PINS_H
#define __FROST_SANDBOX_PINS_H

#include <stdint.h>
#include "core/addrtab.h"
#include "gc/gc.h"

/*
 * struct frost_pins - a sandbox's pins: a multiset keyed by object address,
 * written only by its owner.
 * @tab: object -> how many times it is pinned (the value's u, at least
 *	1): the core address table (core/addrtab.h), its slots in the
 *	sandbox's arena (no chunk; nothing allocated before the first pin).
 * @total: pins counting multiplicity (relaxed atomic stores:
 *	frost_sandbox_stats() may read it).
 */
struct frost_pins {
	struct __frost_addrtab tab;
	uint64_t total;
};

/* An attaching sandbox @sb has no pins (its arena is ready). */
void __frost_pins_init(struct frost_sandbox *sb);

/*
 * Call @fn on every object pinned by @sb (once per distinct object). The
 * pins are written only by @sb's thread: call it from that thread, or while
 * @sb is held offline (frost_pin()/frost_unpin() refuse an offline sandbox).
 */
void __frost_pins_for_each(struct frost_sandbox *sb, frost_root_fn fn, void *arg);

/* Drop every pin of @sb (detach, or a fork child's foreign sandbox). */
void __frost_pins_release(struct frost_sandbox *sb);

#endif /* __FROST_SANDBOX_PINS_H */
