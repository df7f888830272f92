/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/rcu/rcu.h - quiescent states on liburcu's QSBR flavour (internal).
 *
 * Theory of operation. Every attached sandbox is a registered QSBR reader
 * thread, online while attached except between frost_sandbox_offline() and
 * frost_sandbox_online() and inside blocking frost calls. Shared objects and
 * namespace nodes are freed only after a grace period, i.e. after every
 * online sandbox passed a quiescent state. See qs.c for how
 * frost_quiescent()'s one-load fast path stays exactly equivalent to
 * liburcu's own urcu_qsbr_quiescent_state().
 *
 * Internal code includes liburcu through this header only, so the flavour
 * and _LGPL_SOURCE choices live in one place.
 */
#ifndef __FROST_RCU_RCU_H
#define __FROST_RCU_RCU_H

#include <urcu/urcu-qsbr.h>
#include <urcu/rculfhash.h>
#include "core/internal.h"

struct frost_sandbox;

/* Register/unregister the calling thread for sandbox @sb (attach/detach). */
void __frost_rcu_attach(struct frost_sandbox *sb);
void __frost_rcu_detach(struct frost_sandbox *sb);

/*
 * __frost_blocking_begin()/__frost_blocking_end() - bracket a blocking
 * frost call made by @sb (may be NULL for a thread without a sandbox): the
 * sandbox goes offline, so it delays no grace period while it waits.
 * begin returns whether it took the sandbox offline; pass that to end.
 */
bool __frost_blocking_begin(struct frost_sandbox *sb);
void __frost_blocking_end(struct frost_sandbox *sb, bool went_offline);

/*
 * __frost_synchronize_rcu() - wait for a grace period. Callable from a
 * sandbox (which goes offline around the wait) or any other thread.
 */
void __frost_synchronize_rcu(struct frost_sandbox *sb);

/* Is @sb online (attached and not offline)? */
bool __frost_sandbox_online(const struct frost_sandbox *sb);

#endif /* __FROST_RCU_RCU_H */
