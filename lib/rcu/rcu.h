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
 * liburcu's own urcu_qsbr_quiescent_state(), and park.c for the cheap
 * offline/online pair: frost_sandbox_offline() only "parks" the sandbox
 * (a plain store) and whoever needs it offline in liburcu converts it,
 * after a membarrier().
 *
 * Internal code includes liburcu through this header only, so the flavour
 * and _LGPL_SOURCE choices live in one place.
 */
#ifndef __FROST_RCU_RCU_H
#define __FROST_RCU_RCU_H

#include <urcu/urcu-qsbr.h>
#include <urcu/rculfhash.h>
#include "core/err.h"
#include "core/fork.h"
#include "core/handle.h"
#include "types/object.h"

/*
 * The sandbox's online state, stored once (struct frost_sandbox_rcu's
 * @state). ONLINE and OFFLINE are set by the owner, and OFFLINE by a
 * converter (lib/rcu/park.c) that takes a parked sandbox offline in
 * liburcu for it; HELD by the reclaimer (__frost_rcu_hold(), from OFFLINE)
 * while it does an offline sandbox's handshake work; frost_sandbox_online()
 * waits for HELD to end. A parked sandbox (@park set) is offline for frost
 * whatever @state says.
 */
enum {
	FROST_SB_ONLINE = 0,
	FROST_SB_OFFLINE,
	FROST_SB_HELD,
};

/*
 * struct frost_sandbox_rcu - the quiescent-state layer's part of a sandbox.
 * @state: FROST_SB_ONLINE, _OFFLINE or _HELD (atomic; see above).
 * @park: 1 while the sandbox is parked (offline by a plain store, still
 *	online in liburcu), else 0. Written by the owner only (atomic).
 * @claim: 1 while a converter examines the parked sandbox (written under
 *	the park lock only, atomic; lib/rcu/park.c).
 * @park_ok: may this sandbox park (membarrier() works)? Else offline and
 *	online take liburcu's fenced path. Owner-read, set at attach.
 * @park_next: the next sandbox on the process-wide park list (under the
 *	park lock).
 * @qs_ctr: liburcu's counter at the last quiescent state, or 0 when not a
 *	reader (relaxed atomic; stall diagnosis, lib/rcu/qs.c).
 * @rcu_reader: the thread's liburcu reader record while it is registered
 *	(set and cleared inside the fork gate), so the child of a fork() can
 *	unlink a gone thread's record (lib/heap/fork.c), and a converter can
 *	take a parked sandbox offline in liburcu (lib/rcu/park.c).
 */
struct frost_sandbox_rcu {
	struct frost_sandbox_obj;
	int state;
	int park;
	int claim;
	bool park_ok;
	struct frost_sandbox_rcu *park_next;
	unsigned long qs_ctr;
	void *rcu_reader;
};

/*
 * struct frost_heap_rcu - the quiescent-state layer's part of a heap.
 * @quiescent: called at each slow-path quiescent state of a sandbox of the
 *	heap, before it is reported to liburcu (the reclaimer's handshake:
 *	work done there is ordered before the report). NULL: nothing to do.
 */
struct frost_heap_rcu {
	struct frost_heap_mm;
	void (*quiescent)(struct frost_sandbox *sb);
};

#define __frost_heap_rcu(h)	((struct frost_heap_rcu *)(h))
#define __frost_sb_rcu(sb)	((struct frost_sandbox_rcu *)(sb))

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

/* A @gp_seen no counter value equals: forces the next slow path. */
#define FROST_GP_SEEN_NONE	(~0UL)

/*
 * __frost_rcu_want_slow() - make @sb's next frost_quiescent() take the slow
 * path, so that the quiescent hook runs there even if no grace period waits
 * (the reclaimer's deferred pacing). Context: @sb's own thread.
 */
static inline void __frost_rcu_want_slow(struct frost_sandbox *sb)
{
	__frost_sb_core(sb)->qs.gp_seen = FROST_GP_SEEN_NONE;
}

/*
 * Is @sb online (not parked, not offline, not held)? Context: @sb's own
 * thread.
 */
static inline bool __frost_sandbox_online(const struct frost_sandbox *sb)
{
	/* Relaxed: the owner reads its own words; others change @state only
	 * while @park is set (a converter, ONLINE -> OFFLINE) or between
	 * OFFLINE and HELD (the reclaimer), all "not online". */
	return !__atomic_load_n(&__frost_sb_rcu(sb)->park, __ATOMIC_RELAXED) &&
	       __atomic_load_n(&__frost_sb_rcu(sb)->state, __ATOMIC_RELAXED) == FROST_SB_ONLINE;
}

/*
 * __frost_rcu_hold() - the reclaimer takes offline @sb over (OFFLINE ->
 * HELD) to do its handshake work; false if @sb is not offline.
 * __frost_rcu_unhold() ends the hold. Context: the reclaimer.
 */
bool __frost_rcu_hold(struct frost_sandbox *sb);
void __frost_rcu_unhold(struct frost_sandbox *sb);

/* The fork gate and liburcu across fork() (lib/rcu/gate.c). */
void __frost_fork_gate_enter(void);
void __frost_fork_gate_exit(void);
void __frost_rcu_fork_prepare(void);
void __frost_rcu_fork_parent(void);
void __frost_rcu_fork_child_reset(void);
void __frost_rcu_fork_child_resume(void);

/*
 * Parked sandboxes (lib/rcu/park.c). __frost_rcu_park_attach() puts @sb on
 * the park list and decides whether it may park; __frost_rcu_park_detach()
 * takes it off (owner, online). __frost_rcu_settle() converts parked
 * sandboxes into liburcu-offline ones (one membarrier() for all): every
 * parked one if @all, else those that hold up liburcu's current grace
 * period. Return: how many it converted. Context: any thread that is not
 * a parked sandbox; takes the park lock (a leaf lock).
 */
void __frost_rcu_park_attach(struct frost_sandbox *sb);
void __frost_rcu_park_detach(struct frost_sandbox *sb);
unsigned int __frost_rcu_settle(bool all);

/*
 * The park lock and settler thread across fork() (called by gate.c's
 * __frost_rcu_fork_*()): PREPARE takes the lock, PARENT releases it, CHILD
 * re-initialises it; __frost_rcu_park_child_resume() re-registers for
 * membarrier() in the child and restarts the settler, once the gone
 * threads' sandboxes are off the list.
 */
void __frost_rcu_park_fork(enum frost_fork_phase phase);
void __frost_rcu_park_child_resume(void);

/* Take a gone thread's sandbox off the park list (fork child only). */
void __frost_rcu_park_drop_after_fork(struct frost_sandbox *sb);

/* Forget a gone thread's liburcu registration (fork child only). */
void __frost_rcu_drop_after_fork(struct frost_sandbox *sb);

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
