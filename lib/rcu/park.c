// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/rcu/park.c - parked sandboxes: offline and online for a few ns.
 *
 * Theory of operation. liburcu-qsbr's urcu_qsbr_thread_offline() and
 * _online() each issue a full fence (mfence, ~20 ns here), so the pair an
 * interpreter pays around every blocking call cost ~60 ns. Instead,
 * frost_sandbox_offline() parks the sandbox: one release store of
 * @park = 1, nothing else; the sandbox stays online in liburcu. A parked
 * sandbox holds nothing outside its roots (it is quiescent for frost), but
 * liburcu does not know: a grace period that began before it parked waits
 * for it. So whoever needs it offline in liburcu *converts* it:
 * __frost_rcu_settle(), the asymmetric side of a Dekker handshake:
 *
 *   converter (park lock held)          owner, frost_sandbox_online()
 *   claim = 1                            park = 0
 *   membarrier(PRIVATE_EXPEDITED)        (compiler barrier only)
 *   if (park) convert                    if (claim || state != ONLINE)
 *   claim = 0                                    slow path
 *
 * membarrier() makes every other running thread of the process execute a
 * full barrier at some point P during the call (and a thread that is not
 * running is between two context switches, which are full barriers). If
 * the owner's store park = 0 is before P, it is visible to the load after
 * membarrier(), and the converter leaves the sandbox alone. Otherwise
 * the owner's load of @claim is after P too and sees claim = 1 (stored
 * before the call), so it takes the slow path and waits for claim = 0.
 * Either way, no sandbox runs online while a converter treats it as
 * offline. Converting is: the reader's liburcu counter = 0 (what
 * urcu_qsbr_thread_offline() stores), liburcu's grace-period waiter woken
 * as liburcu's own offline would, @state = OFFLINE. The sandbox is then
 * an ordinary offline sandbox: the reclaimer may hold it (HELD) and scan
 * its roots, and frost_sandbox_online() takes the old fenced path (waits
 * for HELD to end, goes online in liburcu). Documentation/design/
 * memory-ordering.rst has the full argument; tools/model/park.pml checks
 * it, and finds the bug without the membarrier() or without the check.
 *
 * Who converts. (1) The reclaimer's handshake (lib/gc/reclaim.c), at each
 * poll, converts every parked sandbox of every heap: then its own are held
 * and scanned at once, and the grace period its kicker started is not held
 * up by another heap's parked sandbox. (2) The settler, one process-wide
 * thread started with the first sandbox that may park, wakes every
 * FROST_PARK_SETTLE_MS and converts the parked sandboxes that hold up
 * liburcu's current grace period (their last quiescent state is behind its
 * counter): grace periods frost does not start (liburcu's call_rcu worker,
 * rculfhash resizes, urcu_qsbr_synchronize_rcu() in a frost call) wait at
 * most that long for a parked sandbox, about what call_rcu's worker naps
 * between batches anyway; a sandbox that parks only briefly is left alone.
 *
 * Fallback. Parking needs MEMBARRIER_CMD_PRIVATE_EXPEDITED (Linux 4.14),
 * registered once per process, and the settler thread. Where either is
 * missing or refused (or FROST_NO_MEMBARRIER is set in the environment, for
 * the tests), @park_ok stays false and frost_sandbox_offline()/_online()
 * take liburcu's fenced path as before.
 *
 * Lock order: the park lock is a leaf: nothing is taken under it.
 */
#include <linux/membarrier.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "rcu/rcu.h"

#define FROST_PARK_SETTLE_MS	10

static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cond = PTHREAD_COND_INITIALIZER;
static struct frost_sandbox_rcu *park_list;	/* sandboxes that may park */
static unsigned long park_nr;
static pthread_once_t park_once = PTHREAD_ONCE_INIT;
static bool park_usable;	/* membarrier registered, settler running */

static int sys_membarrier(int cmd)
{
	return (int)syscall(__NR_membarrier, cmd, 0, 0);
}

/* Register for private expedited membarrier(); true if it can be used. */
static bool membarrier_register(void)
{
	const char *no = getenv("FROST_NO_MEMBARRIER");
	int cmds;

	if (no && *no && *no != '0')
		return false;
	cmds = sys_membarrier(MEMBARRIER_CMD_QUERY);
	if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
		return false;
	return sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
}

/* Does @sb's last quiescent state lie behind liburcu's counter @gp? */
static bool holds_gp(const struct frost_sandbox_rcu *sb, unsigned long gp)
{
	/* Relaxed: a hint for the settler; converting a sandbox that does
	 * not hold the grace period is harmless, only slower for it. */
	unsigned long qs = __atomic_load_n(&sb->qs_ctr, __ATOMIC_RELAXED);

	return qs && (long)(gp - qs) > 0;
}

/* Take parked @sb offline in liburcu for its owner. */
static void convert(struct frost_sandbox_rcu *sb)
{
	struct urcu_qsbr_reader *r = sb->rcu_reader;

	/*
	 * Release: the owner's reads before it parked are ordered before a
	 * grace-period waiter that sees 0 (what urcu_qsbr_thread_offline()
	 * stores). Pairs with the acquire load of @park in
	 * __frost_rcu_settle() and, for the waiter, with the cmm_smp_mb() in
	 * liburcu's urcu_qsbr_synchronize_rcu() (its wait for readers).
	 */
	__atomic_store_n(&r->ctr, 0, __ATOMIC_RELEASE);
	/* liburcu's wake-up of a sleeping synchronize_rcu(), for @r (the
	 * owner's urcu_qsbr_wake_up_gp() does it for its own record). The
	 * fence orders the store of 0 before the read of @waiting and the
	 * futex, as the cmm_smp_mb() in _urcu_qsbr_thread_offline() does.
	 * Pairs with the cmm_smp_mb() in liburcu's urcu_qsbr_synchronize_rcu() (its wait for readers). */
	cmm_smp_mb();
	if (__atomic_load_n(&r->waiting, __ATOMIC_RELAXED)) {
		__atomic_store_n(&r->waiting, 0, __ATOMIC_RELAXED);
		cmm_smp_mb();
		if (uatomic_read(&urcu_qsbr_gp.futex) == -1) {
			uatomic_set(&urcu_qsbr_gp.futex, 0);
			(void)syscall(SYS_futex, &urcu_qsbr_gp.futex, FUTEX_WAKE, 1, NULL, NULL, 0);
		}
	}
	/* Release: the owner (frost_sandbox_online()'s fenced path) and a
	 * reclaimer that holds the sandbox see the counter stored above.
	 * Pairs with the acquire CAS in frost_sandbox_online() and in
	 * __frost_rcu_hold() / handshake(). */
	__atomic_store_n(&sb->state, FROST_SB_OFFLINE, __ATOMIC_RELEASE);
}

unsigned int __frost_rcu_settle(bool all)
{
	unsigned long gp = __frost_rcu_gp_ctr();
	struct frost_sandbox_rcu *sb;
	unsigned int claimed = 0, converted = 0;

	if (!__atomic_load_n(&park_usable, __ATOMIC_RELAXED))
		return 0;
	pthread_mutex_lock(&park_lock);
	for (sb = park_list; sb; sb = sb->park_next) {
		/* Relaxed peeks: a stale one only costs a membarrier(). The
		 * owner alone writes @park; @state is ONLINE while parked
		 * until we (serialised by the park lock) convert it. */
		if (!__atomic_load_n(&sb->park, __ATOMIC_RELAXED) ||
		    __atomic_load_n(&sb->state, __ATOMIC_RELAXED) != FROST_SB_ONLINE ||
		    (!all && !holds_gp(sb, gp)))
			continue;
		/* Relaxed: ordered before the load of @park below by the
		 * membarrier(). Pairs with the load of @claim in
		 * frost_sandbox_online(). */
		__atomic_store_n(&sb->claim, 1, __ATOMIC_RELAXED);
		claimed++;
	}
	if (!claimed) {
		pthread_mutex_unlock(&park_lock);
		return 0;
	}
	/*
	 * The asymmetric fence: every running thread of the process executes
	 * a full barrier during the call. Pairs with the compiler-only
	 * barrier between the store of @park and the load of @claim in
	 * frost_sandbox_online(). If it fails (it should not, once
	 * registered), nothing is converted and the claims are withdrawn.
	 */
	bool fenced = sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0;

	for (sb = park_list; sb; sb = sb->park_next) {
		if (!__atomic_load_n(&sb->claim, __ATOMIC_RELAXED))
			continue;
		/* Acquire: what the owner did before parking (its last reads
		 * of shared objects) happens before the conversion. Pairs with
		 * the release store of @park in frost_sandbox_offline(). */
		if (fenced && __atomic_load_n(&sb->park, __ATOMIC_ACQUIRE)) {
			convert(sb);
			converted++;
		}
		/* Release: an owner waiting in frost_sandbox_online() sees the
		 * conversion (or its absence) once it sees 0. Pairs with the
		 * acquire load of @claim in unpark_slow(). */
		__atomic_store_n(&sb->claim, 0, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&park_lock);
	return converted;
}

/* The settler: converts parked sandboxes that hold up a grace period. */
static void *settler_main(void *arg)
{
	struct timespec nap = { .tv_sec = 0, .tv_nsec = FROST_PARK_SETTLE_MS * 1000000L };

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&park_lock);
		while (!park_nr)
			pthread_cond_wait(&park_cond, &park_lock);
		pthread_mutex_unlock(&park_lock);
		nanosleep(&nap, NULL);
		__frost_rcu_settle(false);
	}
	return NULL;
}

static bool settler_start(void)
{
	pthread_attr_t attr;
	pthread_t th;
	bool ok;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ok = pthread_create(&th, &attr, settler_main, NULL) == 0;
	pthread_attr_destroy(&attr);
	return ok;
}

static void park_init(void)
{
	bool ok = membarrier_register() && settler_start();

	__atomic_store_n(&park_usable, ok, __ATOMIC_RELAXED);
}

void __frost_rcu_park_attach(struct frost_sandbox *sb_)
{
	struct frost_sandbox_rcu *sb = __frost_sb_rcu(sb_);

	pthread_once(&park_once, park_init);
	__atomic_store_n(&sb->park, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&sb->claim, 0, __ATOMIC_RELAXED);
	pthread_mutex_lock(&park_lock);
	sb->park_ok = __atomic_load_n(&park_usable, __ATOMIC_RELAXED);
	sb->park_next = park_list;
	park_list = sb;
	if (!park_nr++)
		pthread_cond_signal(&park_cond);
	pthread_mutex_unlock(&park_lock);
}

/* Unlink @sb from the park list; the caller holds the park lock or is alone. */
static void park_unlink(struct frost_sandbox_rcu *sb)
{
	for (struct frost_sandbox_rcu **p = &park_list; *p; p = &(*p)->park_next) {
		if (*p == sb) {
			*p = sb->park_next;
			sb->park_next = NULL;
			park_nr--;
			return;
		}
	}
}

void __frost_rcu_park_detach(struct frost_sandbox *sb_)
{
	struct frost_sandbox_rcu *sb = __frost_sb_rcu(sb_);

	/* After this no converter looks at @sb: it may reuse its record. */
	pthread_mutex_lock(&park_lock);
	park_unlink(sb);
	pthread_mutex_unlock(&park_lock);
	sb->park_ok = false;
}

void __frost_rcu_park_drop_after_fork(struct frost_sandbox *sb)
{
	/* The child's only thread: the lock was re-initialised, unneeded. */
	park_unlink(__frost_sb_rcu(sb));
}

void __frost_rcu_park_fork(enum frost_fork_phase phase)
{
	switch (phase) {
	case FROST_FORK_PREPARE:
		/* No conversion is half done in the child. */
		pthread_mutex_lock(&park_lock);
		break;
	case FROST_FORK_PARENT:
		pthread_mutex_unlock(&park_lock);
		break;
	case FROST_FORK_CHILD:
		pthread_mutex_init(&park_lock, NULL);
		pthread_cond_init(&park_cond, NULL);
		break;
	}
}

void __frost_rcu_park_child_resume(void)
{
	bool ok;

	if (!__atomic_load_n(&park_usable, __ATOMIC_RELAXED))
		return;
	/* The settler is gone; a fresh address space may need registering
	 * again (registering twice is harmless). Without either, the
	 * survivors stop parking: the forking thread is the only one, and it
	 * is not parked while it forks (frost's handlers made it offline). */
	ok = membarrier_register() && settler_start();
	__atomic_store_n(&park_usable, ok, __ATOMIC_RELAXED);
	if (!ok)
		for (struct frost_sandbox_rcu *sb = park_list; sb; sb = sb->park_next)
			sb->park_ok = false;
}
