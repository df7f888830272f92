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

/* liburcu's grace-period counter now (it grows by 2 per grace period). */
unsigned long __frost_rcu_gp_ctr(void);

/*
 * __frost_sandbox_holds_gp() - is @sb online and without a quiescent state
 * since the grace period of counter value @gp (a __frost_rcu_gp_ctr()
 * reading) began, i.e. one of the readers that grace period, and so every
 * heap's next handshake, waits for? For stall warnings only: a snapshot.
 * Context: any thread, under @sb's heap->lock (so @sb stays attached).
 */
bool __frost_sandbox_holds_gp(const struct frost_sandbox *sb, unsigned long gp);

#endif /* __FROST_RCU_RCU_H */
