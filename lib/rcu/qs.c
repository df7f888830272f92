// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/rcu/qs.c - quiescent states, offline/online, grace periods.
 *
 * Theory of operation. Each sandbox is a registered liburcu-qsbr reader.
 * liburcu's own quiescent-state report, urcu_qsbr_quiescent_state(), first
 * compares the global grace-period counter with the thread's reader counter
 * and returns when they are equal. frost_quiescent() does the same compare
 * inline in the caller, without thread-local storage (a call in a shared
 * library): the sandbox keeps a pointer to liburcu's global counter and, in
 * @gp_seen, the value it last reported. The two compares are equivalent
 * because the reader counter changes only in the slow path below (which
 * records the value it stores) and in offline/online (after which
 * @gp_seen is reset so the next call takes the slow path).
 *
 * The slow path loads the counter with acquire ordering, then reports that
 * value with liburcu's _urcu_qsbr_quiescent_state_update_and_wakeup(),
 * not with a second load: work done between the load and the report (the
 * reclaimer's handshake, in a later part) is then ordered before the
 * report that lets the grace period it belongs to end. Pairs with the full
 * barrier liburcu's synchronize_rcu() issues before it advances the
 * counter.
 *
 * Grace periods may be started by anyone (frost's reclaimer, liburcu's
 * call_rcu worker, rculfhash resizes): a sandbox answers all of them at its
 * next frost_quiescent(), so none waits longer than the slowest sandbox's
 * quiescent-state interval.
 *
 * Grace periods are process-wide, shared by every heap: a sandbox of one
 * heap that stops reaching quiescent states holds up the grace period that
 * every other heap's next handshake needs. For the stall warning to name
 * it, each sandbox also keeps @qs_ctr, the counter value of its last
 * quiescent state, in a word other threads may read (relaxed atomic; the
 * fast path's @gp_seen is the owner's private copy and is reset to a
 * sentinel on coming online). An online sandbox whose @qs_ctr differs
 * from (is behind) the counter is one the current grace period waits for
 * (__frost_sandbox_holds_gp()). The reclaimer asks only about a counter
 * value that has stood for stall_warn_ms: right after a grace period
 * starts, every sandbox is behind it for a moment. On coming online @qs_ctr takes the counter
 * read just before liburcu's own read: if a grace period starts between
 * the two, the sandbox looks behind one it does not hold; it is named only
 * if it then goes stall_warn_ms without a quiescent state, and it would
 * hold the next grace period anyway.
 */
#include <sched.h>
#include <time.h>
#include "rcu/rcu.h"

/*
 * What the inline frost_quiescent() relies on: liburcu's global counter is
 * an unsigned long, read through struct frost_sandbox_qs's @gp_ctr. The
 * Makefile accepts only the liburcu versions where that holds and where
 * the slow path's report has the form used below (abi.rst); this catches
 * a liburcu that passed the version check but changed the field.
 */
_Static_assert(__builtin_types_compatible_p(__typeof__(urcu_qsbr_gp.ctr), unsigned long),
	       "liburcu-qsbr's urcu_qsbr_gp.ctr is not an unsigned long: frost_quiescent() needs porting");

/* Record the counter as of a quiescent state (stall diagnosis). */
static void set_qs_ctr(struct frost_sandbox_rcu *sb, unsigned long gp)
{
	/* Relaxed: a diagnostic word, read by reclaimers' stall checks. */
	__atomic_store_n(&sb->qs_ctr, gp, __ATOMIC_RELAXED);
}

static unsigned long gp_now(void)
{
	return __atomic_load_n(&urcu_qsbr_gp.ctr, __ATOMIC_RELAXED);
}

/*
 * Registration runs inside the fork gate (lib/rcu/gate.c), unregistration
 * offline: a fork never copies liburcu's registry half-edited, and the child
 * finds a gone thread's record through @rcu_reader.
 */
void __frost_rcu_attach(struct frost_sandbox *sb_)
{
	struct frost_sandbox_rcu *sb = __frost_sb_rcu(sb_);

	set_qs_ctr(sb, gp_now());
	__frost_fork_gate_enter();
	urcu_qsbr_register_thread();
	sb->rcu_reader = &URCU_TLS(urcu_qsbr_reader);
	__frost_fork_gate_exit();
	sb->qs.gp_ctr = &urcu_qsbr_gp.ctr;
	sb->qs.gp_seen = FROST_GP_SEEN_NONE;
	__atomic_store_n(&sb->state, FROST_SB_ONLINE, __ATOMIC_RELAXED);
	__frost_rcu_park_attach(sb_);
}

void __frost_rcu_detach(struct frost_sandbox *sb_)
{
	struct frost_sandbox_rcu *sb = __frost_sb_rcu(sb_);

	/* Online (the detach brought it online): off the park list, no
	 * converter touches its liburcu record any more. */
	__frost_rcu_park_detach(sb_);
	if (__frost_sandbox_online(sb_))
		urcu_qsbr_thread_offline();
	__frost_fork_gate_enter();
	urcu_qsbr_thread_online();
	urcu_qsbr_unregister_thread();
	sb->rcu_reader = NULL;
	__frost_fork_gate_exit();
	set_qs_ctr(sb, 0);	/* no longer a reader: holds nothing */
	/* Off every list by now: nobody holds it, nobody waits for it. */
	__atomic_store_n(&sb->state, FROST_SB_OFFLINE, __ATOMIC_RELAXED);
}

void __frost_rcu_drop_after_fork(struct frost_sandbox *sb_)
{
	struct frost_sandbox_rcu *sb = __frost_sb_rcu(sb_);
	struct urcu_qsbr_reader *reader = sb->rcu_reader;

	__frost_rcu_park_drop_after_fork(sb_);
	if (reader) {
		cds_list_del(&reader->node);
		reader->ctr = 0;
		reader->registered = 0;
		sb->rcu_reader = NULL;
	}
	set_qs_ctr(sb, 0);
}

/*
 * offline/online/quiescent cannot report errors: a detached or NULL sandbox
 * is ignored as before, but another thread's sandbox is misuse that would
 * corrupt that sandbox's state, so it aborts with a message.
 */
static __attribute__((noinline, cold)) bool qs_unusable(const struct frost_sandbox *sb,
							  const char *fn)
{
	int err = __frost_check_sandbox_slow(sb);

	if (err == -EPERM)
		__frost_panic("%s() on sandbox %llu from a thread that is not its own", fn,
			      (unsigned long long)__atomic_load_n(&__frost_sb_core(sb)->id,
								  __ATOMIC_RELAXED));
	return !err;
}

/* Inline: the check is two instructions on offline/online's fast paths. */
static inline __attribute__((always_inline)) bool qs_usable(const struct frost_sandbox *sb,
							    const char *fn)
{
	if (likely(sb == __frost_current_sb && sb))
		return true;
	return qs_unusable(sb, fn);
}

void frost_quiescent_slow(struct frost_sandbox *sb_)
{
	struct frost_sandbox_rcu *sb = __frost_sb_rcu(sb_);
	void (*hook)(struct frost_sandbox *sb);
	/*
	 * Acquire: what the grace period's initiator wrote before starting it
	 * is visible here. Pairs with the cmm_smp_mb() at the start of
	 * urcu_qsbr_synchronize_rcu().
	 */
	unsigned long gp = __atomic_load_n(sb->qs.gp_ctr, __ATOMIC_ACQUIRE);

	if (!qs_usable(sb_, "frost_quiescent"))
		return;
	if (unlikely(!__frost_sandbox_online(sb_)))
		__frost_panic("frost_quiescent() on offline sandbox %llu", (unsigned long long)sb->id);
	/* The reclaimer's handshake, ordered before the report below. */
	hook = __frost_heap_rcu(sb->heap)->quiescent;
	if (hook) {
		unsigned long ctr = URCU_TLS(urcu_qsbr_reader).ctr;

		hook(sb_);
		/*
		 * The hook may have gone offline and online again (a pace a
		 * non-blocking allocation deferred to this point): coming online
		 * stored a newer counter than @gp, which reporting @gp would
		 * move back (a grace period would then wait for our next
		 * quiescent state for nothing). That offline stretch was the
		 * quiescent state; the next frost_quiescent() takes the slow
		 * path again (gp_seen was reset by frost_sandbox_online()).
		 */
		if (URCU_TLS(urcu_qsbr_reader).ctr != ctr)
			return;
	}
	_urcu_qsbr_quiescent_state_update_and_wakeup(gp);
	sb->qs.gp_seen = gp;
	set_qs_ctr(sb, gp);
}

/*
 * The fenced path, liburcu's own offline: for sandboxes that may not park,
 * and for frost's blocking calls (which may run grace periods or walk
 * rculfhash tables as this thread's liburcu reader, so the thread must
 * really be offline in liburcu, not parked).
 */
static void offline_fenced(struct frost_sandbox_rcu *sb)
{
	/* Release: the reclaimer that holds us offline sees our roots and
	 * arena as we left them. Pairs with the acquire CAS in handshake()
	 * (lib/gc/reclaim.c). */
	__atomic_store_n(&sb->state, FROST_SB_OFFLINE, __ATOMIC_RELEASE);
	urcu_qsbr_thread_offline();
}

static void online_fenced(struct frost_sandbox_rcu *sb)
{
	int offline = FROST_SB_OFFLINE;
	struct timespec nap = { .tv_sec = 0, .tv_nsec = 50000 };

	/*
	 * Wait while the reclaimer holds us to scan our roots. Acquire: we
	 * see what it wrote (our grey buffer) and, after a conversion, the
	 * liburcu counter the converter stored. Pairs with the release store
	 * of FROST_SB_OFFLINE that ends its hold, and with the one in
	 * convert() (lib/rcu/park.c).
	 */
	while (!__atomic_compare_exchange_n(&sb->state, &offline, FROST_SB_ONLINE, false,
					    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		offline = FROST_SB_OFFLINE;
		nanosleep(&nap, NULL);
	}
	set_qs_ctr(sb, gp_now());
	urcu_qsbr_thread_online();
	sb->qs.gp_seen = FROST_GP_SEEN_NONE;
}

/*
 * frost_sandbox_online() found a claim or a conversion: wait for the
 * converter to finish, then go online in liburcu if it converted us.
 */
static void unpark_slow(struct frost_sandbox_rcu *sb)
{
	/* Acquire: the conversion (or its absence) is visible once @claim is
	 * 0. Pairs with the release store of @claim in __frost_rcu_settle(). */
	while (__atomic_load_n(&sb->claim, __ATOMIC_ACQUIRE))
		sched_yield();
	/*
	 * Still ONLINE: the converter saw @park = 0 and left us alone; we
	 * never left liburcu. It wanted us quiescent, and we are (we hold
	 * nothing yet): answer as a quiescent state, or a sandbox that parks
	 * only for less than a membarrier() at a time and never calls
	 * frost_quiescent() would never be converted nor answer a handshake.
	 */
	if (__atomic_load_n(&sb->state, __ATOMIC_RELAXED) == FROST_SB_ONLINE) {
		frost_quiescent_slow((struct frost_sandbox *)sb);
		return;
	}
	online_fenced(sb);
}

/* Take a parked sandbox really offline (liburcu's fenced path). */
static void unpark_then_offline(struct frost_sandbox *sb_)
{
	frost_sandbox_online(sb_);
	offline_fenced(__frost_sb_rcu(sb_));
}

void frost_sandbox_offline(struct frost_sandbox *sb_)
{
	struct frost_sandbox_rcu *sb = __frost_sb_rcu(sb_);

	if (!qs_usable(sb_, "frost_sandbox_offline") || !__frost_sandbox_online(sb_))
		return;
	if (likely(sb->park_ok)) {
		/*
		 * Park: one store. Release: a converter that sees 1 sees
		 * everything we did before (our last reads of shared objects
		 * are done, our roots and arena as we left them). Pairs with
		 * the acquire load of @park in __frost_rcu_settle().
		 */
		__atomic_store_n(&sb->park, 1, __ATOMIC_RELEASE);
		return;
	}
	offline_fenced(sb);
}

void frost_sandbox_online(struct frost_sandbox *sb_)
{
	struct frost_sandbox_rcu *sb = __frost_sb_rcu(sb_);

	if (!qs_usable(sb_, "frost_sandbox_online"))
		return;
	if (likely(__atomic_load_n(&sb->park, __ATOMIC_RELAXED))) {
		/* Relaxed: only the membarrier() orders it (below). */
		__atomic_store_n(&sb->park, 0, __ATOMIC_RELAXED);
		/*
		 * A compiler barrier, no fence: the asymmetric partner is the
		 * membarrier() in __frost_rcu_settle(), which either sees
		 * @park = 0 or makes the load below see @claim = 1. Acquire:
		 * our reads of shared objects from here on come after the
		 * check (and after a converter's release of @claim). Pairs
		 * with the store of @claim in __frost_rcu_settle().
		 */
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		if (likely(!__atomic_load_n(&sb->claim, __ATOMIC_ACQUIRE) &&
			   __atomic_load_n(&sb->state, __ATOMIC_RELAXED) == FROST_SB_ONLINE))
			return;
		unpark_slow(sb);
		return;
	}
	if (__atomic_load_n(&sb->state, __ATOMIC_RELAXED) == FROST_SB_ONLINE)
		return;
	online_fenced(sb);
}

bool __frost_rcu_hold(struct frost_sandbox *sb)
{
	int offline = FROST_SB_OFFLINE;

	/* Acquire: what the sandbox did before going offline is visible.
	 * Pairs with the release store of FROST_SB_OFFLINE in
	 * frost_sandbox_offline(). */
	return __atomic_compare_exchange_n(&__frost_sb_rcu(sb)->state, &offline, FROST_SB_HELD,
					   false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void __frost_rcu_unhold(struct frost_sandbox *sb)
{
	/* Release: the owner coming online sees what the holder wrote (its
	 * grey buffer). Pairs with the acquire CAS in frost_sandbox_online(). */
	__atomic_store_n(&__frost_sb_rcu(sb)->state, FROST_SB_OFFLINE, __ATOMIC_RELEASE);
}

unsigned long __frost_rcu_gp_ctr(void)
{
	return gp_now();
}

bool __frost_sandbox_holds_gp(const struct frost_sandbox *sb_, unsigned long gp)
{
	const struct frost_sandbox_rcu *sb = __frost_sb_rcu(sb_);
	/* Relaxed: a snapshot for a message; see the theory of operation. */
	unsigned long qs = __atomic_load_n(&sb->qs_ctr, __ATOMIC_RELAXED);

	/* 0: not (or no longer) a reader; liburcu's counter is never 0.
	 * Behind @gp (the counter only grows): no QS since it began. */
	return __atomic_load_n(&sb->state, __ATOMIC_RELAXED) == FROST_SB_ONLINE &&
	       !__atomic_load_n(&sb->park, __ATOMIC_RELAXED) && qs && (long)(gp - qs) > 0;
}

bool __frost_blocking_begin(struct frost_sandbox *sb)
{
	if (!sb)
		return false;
	/* Parked (a frost call from an offline sandbox, e.g. frost_reclaim()):
	 * make it really offline, for good; it stays offline, as it was. */
	if (__atomic_load_n(&__frost_sb_rcu(sb)->park, __ATOMIC_RELAXED)) {
		unpark_then_offline(sb);
		return false;
	}
	if (!__frost_sandbox_online(sb))
		return false;
	offline_fenced(__frost_sb_rcu(sb));
	return true;
}

void __frost_blocking_end(struct frost_sandbox *sb, bool went_offline)
{
	if (went_offline)
		online_fenced(__frost_sb_rcu(sb));
}

void __frost_synchronize_rcu(struct frost_sandbox *sb)
{
	bool off = __frost_blocking_begin(sb);

	urcu_qsbr_synchronize_rcu();
	__frost_blocking_end(sb, off);
}
