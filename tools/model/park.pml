/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tools/model/park.pml - a Promela model of parked sandboxes: frost's
 * offline/online by a plain store, converted after membarrier()
 * (lib/rcu/park.c, lib/rcu/qs.c; Documentation/design/memory-ordering.rst).
 *
 * Kept apart from frost.pml (the reclaim cycle, which leaves offline
 * sandboxes out): this protocol sits below the cycle, between a sandbox and
 * liburcu, and what it must guarantee is what the cycle assumes of an
 * offline sandbox: (a) while a converter or the reclaimer treats the
 * sandbox as offline (liburcu counter 0, or state HELD), the sandbox uses
 * no shared object; (b) a grace period that ends has waited for every
 * reference the sandbox took before it. Both are asserted.
 *
 * What is modelled:
 *  - The owner (one sandbox) loops MAXPARK times: online, it may read the
 *    root (take a reference to the one object if it is still linked), use
 *    what it holds (assert: not freed) and report a quiescent state (drop
 *    it; liburcu counter = gp); then it parks (drops its references; a
 *    store of park = 1) and unparks (store park = 0; load claim; load
 *    state; fast if claim = 0 and state = ONLINE, else the slow path).
 *  - x86-TSO for the owner's plain stores of @park: they go through a FIFO
 *    store buffer (@sbuf) that a flusher drains one entry at a time at any
 *    moment; the owner's later loads can overtake them (the store->load
 *    reordering the Dekker handshake is about). Everything else the owner
 *    does is behind a full fence in the code (liburcu's cmm_smp_mb(), a
 *    lock cmpxchg), modelled as draining the buffer.
 *  - A converter (__frost_rcu_settle(), run MAXCONV times by the settler
 *    or a handshake): claim = 1 if the sandbox looks online-parked;
 *    membarrier() = the owner's buffer drained at one point of the call;
 *    load park; if 1: liburcu counter = 0, state = OFFLINE; claim = 0.
 *  - The reclaimer holding an offline sandbox (MAXHOLD times): CAS
 *    OFFLINE -> HELD, scan (assert: the owner is not running), OFFLINE.
 *  - One liburcu grace period (anyone's synchronize_rcu()): unlink the
 *    object, advance gp, wait until the reader counter is 0 (offline) or
 *    the new gp (a quiescent state since), free the object.
 *
 * Planted bugs (tools/model/check.sh: each must give a counterexample):
 *  BROKEN_NO_MEMBARRIER  the converter skips membarrier(): the owner's
 *                        park = 0 may sit in its buffer while it passes
 *                        the check, and the converter still sees 1;
 *  BROKEN_NO_CHECK       frost_sandbox_online() does not look at claim
 *                        and state: it runs online after a takeover;
 *  BROKEN_NO_WAIT_CLAIM  the slow path does not wait for the claim to end
 *                        before reading state (it can read ONLINE and run
 *                        while the converter is about to convert).
 */

#ifndef MAXPARK
#define MAXPARK	3
#endif
#ifndef MAXCONV
#define MAXCONV	2
#endif
#ifndef MAXHOLD
#define MAXHOLD	2
#endif

#define ONLINE	0
#define OFFLINE	1
#define HELD	2

byte park = 0;			/* memory; the owner's stores go through sbuf */
chan sbuf = [2 * MAXPARK + 1] of { bit };
bit claim = 0;
byte state = ONLINE;
byte gp = 1;			/* liburcu's counter */
byte ctr = 1;			/* the owner's reader counter: 0 offline */
bit linked = 1;			/* the object is reachable from the root */
bit freed = 0;
bit holds = 0;			/* the owner holds a reference */
bit running = 0;			/* ghost: the owner runs online (uses frost) */

/* A full fence of the owner: its buffered stores reach memory. */
inline drain()
{
	do
	:: nempty(sbuf) -> sbuf ? v; park = v
	:: empty(sbuf) -> break
	od
}

/* liburcu's online / quiescent state: counter = gp, then a fence. */
inline report()
{
	atomic { drain(); ctr = gp }
}

proctype owner()
{
	byte n = 0;
	bit v, c;
	byte s;

	running = 1;
	do
	:: n < MAXPARK ->
		/* Online: take, use, perhaps report a quiescent state. */
		if
		:: atomic { linked -> holds = 1 }
		:: skip
		fi;
		assert(!(holds && freed));
		if
		:: holds = 0; report()
		:: skip
		fi;
		assert(!(holds && freed));
		/* Park: drop everything, then one plain store. */
		atomic { holds = 0; running = 0; sbuf ! 1 };
		/* ... blocked in the caller's system call ... */
		/* Unpark. */
		sbuf ! 0;
#ifdef BROKEN_NO_CHECK
		running = 1;
#else
		c = claim;
		atomic {
			s = state;
			if
			:: c == 0 && s == ONLINE -> running = 1
			:: else -> skip
			fi
		}
		if
		:: running -> skip
		:: else ->
			/* unpark_slow(): wait for the converter. */
#ifndef BROKEN_NO_WAIT_CLAIM
			(claim == 0);
#endif
			if
			:: state == ONLINE ->
				/* Left alone: answer as a quiescent state. */
				atomic { running = 1; drain(); ctr = gp }
			:: else ->
				/* Converted: online_fenced() (CAS waits out HELD). */
				atomic { state == OFFLINE -> state = ONLINE; running = 1; drain() };
				report()
			fi
		fi;
#endif
		n++
	:: else -> break
	od
}

proctype flusher()
{
	bit v;
end:	do
	:: atomic { sbuf ? v -> park = v }
	od
}

proctype converter()
{
	byte n = 0;
	bit v, p;

	/* May wait at its guard for ever: the owner need not park again. */
end:	do
	/* The peek and the claim (the park lock serialises converters). */
	:: atomic { n < MAXCONV && state == ONLINE && park == 1 -> claim = 1 };
#ifndef BROKEN_NO_MEMBARRIER
		/* membarrier(): the owner executes a full barrier at some point. */
		atomic { drain() };
#endif
		p = park;
		if
		:: p == 1 ->
			/* convert(): offline in liburcu, then OFFLINE. */
			ctr = 0;
			state = OFFLINE
		:: else -> skip
		fi;
		claim = 0;
		n++
	:: n >= MAXCONV -> break
	od
}

proctype reclaimer()
{
	byte n = 0;

end:	do
	:: atomic { n < MAXHOLD && state == OFFLINE -> state = HELD };
		/* handshake work on the owner's roots and arena */
		assert(!running);
		state = OFFLINE;
		n++
	:: n >= MAXHOLD -> break
	od
}

proctype grace_period()
{
	/* An updater unlinks, then synchronize_rcu(). */
	linked = 0;
	gp = 2;
	/* May wait for ever: the owner's last quiescent state is not
	 * modelled (a liveness matter, for the settler; not asserted). */
end:	(ctr == 0 || ctr == 2);
	freed = 1
}

init {
	atomic {
		run owner();
		run flusher();
		run converter();
		run reclaimer();
		run grace_period()
	}
}
