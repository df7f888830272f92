/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tools/model/frost.pml - a Promela model of frost's reclaim cycle.
 *
 * What is modelled (Documentation/design/model.rst has the full story):
 *
 *  - NOBJ (3, optionally 4) shared objects, ids 1..NOBJ (0 is NULL). An
 *    object is FREE (its slot is on a free list), LIVE (frozen, allocated)
 *    or DEAD (swept: finalized, its memory waiting for the grace period
 *    before reuse). Objects are immutable; an object may have one child
 *    edge fixed when it is frozen: CHILD(1) = 2 and CHILD(3) = 1 (a chain
 *    3 -> 1 -> 2). Freezing an object with a child needs the child in the
 *    freezing sandbox's locals, exactly like freezing a private tuple that
 *    holds a shared object (lib/core/freeze.c keeps shared children as
 *    they are); a second kind of freeze makes 3 -> 1 -> 2 from a nested
 *    private tuple (two new objects, one phase reading).
 *  - Roots: NSLOTS namespace slots (lib/ns/namespace.c), each sandbox's pin
 *    set (lib/ns/pin.c) and one private reference per sandbox (a private
 *    object holding a shared pointer; scanned by lib/gc/mark.c
 *    scan_private()). Channels are not modelled.
 *  - Locals: per sandbox, the set of shared objects it obtained since its
 *    last quiescent state (lifetime rule 1). They are dropped at every
 *    quiescent state and when the sandbox goes offline.
 *  - NSB (2, optionally 3) sandboxes and one reclaimer.
 *
 * Bounds (so that pan can search the whole state space; none is in the
 * code): each sandbox starts at most MAXOPS (4) operations (quiescent
 * states, which only drop locals and answer handshakes, are free, and so
 * is coming online); the reclaimer runs MAXCYCLES (2) cycles, then stops
 * and so do the sandboxes (after the last sweep nothing more is freed, so
 * nothing can go wrong that the sweep's assertion has not caught).
 * MAXOPS=0 or MAXCYCLES=0: unbounded (too big for an exhaustive search).
 *
 * Marking state mirrors lib/gc/mark.c: the mark bitmap of the cycle's
 * colour, a grey buffer per sandbox (sb->grey), the reclaimer's own grey
 * stack (drained at once, so it is a temporary here), and the "shaded"
 * counter, modelled as the bit @dirty that the termination loop clears
 * before each round.
 *
 * The phase. heap->gc_phase is read with acquire by the barriers and, once
 * per freeze, by frost_freeze(); a sandbox may run a whole operation on a
 * phase value it read before the reclaimer changed it. The model gives
 * each sandbox its own copy @seen of the phase: refreshed at every
 * quiescent state and when it comes online (QSBR: after its next QS a
 * sandbox sees the open phase); with -DEARLY_PHASE also
 * nondeterministically at any other moment (an acquire load may return the
 * newest value early), including just before a namespace barrier (the
 * barrier's load comes after the namespace CAS). A freeze is one atomic
 * step, so all its work uses one reading, as in the code.
 *
 * Safety (all plain asserts, checked by pan -DSAFETY):
 *  - the sweep never frees an object that a root or some sandbox's locals
 *    (or an in-flight old value a barrier is about to shade) reaches,
 *    directly or through child edges (sweep_one());
 *  - every use of an object by a sandbox (lookup, reading a pin or the
 *    private reference, reading a child, pin, publish, freezing a parent)
 *    and every trace or mark of an object by a marker finds it LIVE.
 *
 * Variants (compile-time macros; tools/model/check.sh runs each):
 *  BROKEN_NO_GP1           no grace period between opening the cycle and
 *                          marking the namespace / requesting the scan
 *                          (reclaim.c: FROST_BREAK_SKIP_GP1).
 *  BROKEN_NO_SHADE_NEW     a root store during a cycle does not shade the
 *                          new value (gc.h __frost_gc_barrier()).
 *  BROKEN_NO_BORN_MARKED   objects frozen during a cycle are not marked
 *                          (mark.c __frost_gc_born_marked()); their
 *                          existing children are still shaded.
 *  BROKEN_NO_PRIVATE_SCAN  the handshake scans pins but not the private
 *                          references (mark.c __frost_gc_sandbox_work()).
 *  BROKEN_BORN_BLACK       born marked, but the existing shared children
 *                          of a new object are not shaded (no
 *                          __frost_gc_shade_new_child()).
 *  BROKEN_NO_TERMINATE     no termination rounds: sweep right after the
 *                          scan handshake (FROST_BREAK_SKIP_TERMINATE).
 *  NO_SHADE_OLD            barriers shade only the new value (safe).
 *  NO_GP_BEFORE_REUSE      swept slots are reusable at once
 *                          (FROST_BREAK_SKIP_FREE_GP; safe in the model).
 *  BROKEN_NO_GP_BEFORE_REUSE  an alias of NO_GP_BEFORE_REUSE.
 *  EARLY_PHASE             a sandbox may also see a new phase before its
 *                          next QS (an acquire load returning the newest
 *                          value early).
 *  NSB=3, NSLOTS=2, NOBJ=4, MAXPINS=n   bigger configurations.
 *  NO_OFFLINE, LITE, NO_FREEZE2   smaller ones: no offline sandboxes;
 *                          only sandbox 0 pins/stores privately/freezes;
 *                          no two-object freeze.
 *  MAXOPS=n, MAXCYCLES=n   the bounds above.
 *
 * Generations (-DGEN: the first generational implementation's protocol,
 * not merged; Documentation/design/model.rst "Generations"):
 * young and full cycles (the reclaimer picks the kind of each), both
 * colours' bitmaps, the old and aged bits, the mark stopping at old
 * objects in a young cycle, the young sweep visiting young slots only,
 * promotion by G5; the initial history after a cycle 0 by INIT_M0,
 * INIT_OLD, INIT_AGED, INIT_YK0, INIT_STALE (see "Generations" below).
 * Each of these implies GEN:
 *  BROKEN_YOUNG_SWEEPS_OLD a young cycle stops at old objects but its
 *                          sweep frees the unmarked old ones too.
 *  BROKEN_PROMOTE_EARLY    the sweep's aging and promotion step runs at
 *                          the end of the scan handshake, before the
 *                          termination rounds (marks not yet closed).
 *  BROKEN_FREEZE_OLD       a freeze allocates its objects old: an old
 *                          object may point to a young one.
 *  AGE_AT_SWEEP            the fix of model.rst ("A finding"): the age is
 *                          counted from each sweep's own marks (A, A2).
 *  YOUNG_ONLY              every cycle young.
 *
 * Abstractions that keep the state space small (Documentation/design/
 * model.rst argues each): one pin per sandbox unless MAXPINS > 1; the
 * sweep of all slots is one atomic step; one mark bitmap (a sandbox still
 * acting on the previous cycle's colour counts as idle); the reclaimer
 * answers offline sandboxes in any order.
 */

#ifdef BROKEN_NO_GP_BEFORE_REUSE
#define NO_GP_BEFORE_REUSE
#endif
/* Every generational variant is a variant of the generational protocol. */
#if defined(BROKEN_YOUNG_SWEEPS_OLD) || defined(BROKEN_PROMOTE_EARLY) || \
    defined(BROKEN_FREEZE_OLD) || defined(YOUNG_ONLY) || defined(AGE_AT_SWEEP)
#ifndef GEN
#define GEN
#endif
#endif

#ifndef NSB
#define NSB	2		/* sandboxes: 2 or 3 */
#endif
#ifndef NSLOTS
#define NSLOTS	1		/* namespace names: 1 or 2 */
#endif
#ifndef NOBJ
#define NOBJ	3		/* shared objects: 3 or 4 */
#endif
#ifndef MAXPINS
#define MAXPINS	1		/* pins per sandbox: 1, or 2+ for a true set */
#endif
#ifndef MAXOPS
#define MAXOPS	4		/* operations per sandbox; 0: unbounded */
#endif
#ifndef MAXCYCLES
#define MAXCYCLES 2		/* reclaim cycles; 0: unbounded */
#endif
/* LITE: only sandbox 0 pins, stores private references and freezes. */
#ifdef LITE
#define FULL	(_pid == 0)
#else
#define FULL	true
#endif
#if MAXPINS == 1
#define PIN_ROOM	(pins[_pid] == 0)
#else
#define PIN_ROOM	true
#endif
#if NOBJ > 3
#define ALLOBJ	30		/* bits 1..4 */
#else
#define ALLOBJ	14		/* bits 1..3 */
#endif

#define B(o)	(1 << (o))
/* The child edges, fixed at freeze time: 3 -> 1 -> 2. */
#define CHILD(o)	((o) == 1 -> 2 : ((o) == 3 -> 1 : 0))
/* One step of closure over the child edges (B(0) is masked off later). */
#define CLOSE1(r)	(((r) & B(1)) -> B(CHILD(1)) : 0) | (((r) & B(3)) -> B(CHILD(3)) : 0)

/* ------------------------------------------------------------------ */
/* Shared state                                                        */

/* Objects: lib/mm/shared.c slots. alloc: LIVE; dead: swept, not reusable. */
byte alloc = 6;			/* objects 1 and 2 exist: 1 -> 2 */
byte dead;
#ifndef GEN
byte mark[1];			/* the cycle colour's mark bitmap */
#endif

#ifdef GEN
/*
 * Generations (the protocol of the unmerged first implementation, as its
 * Documentation/design/reclaimer.rst stated it;
 * "Generations", G1-G6): @old is the set of slots with O = 1, @aged of
 * those with A = 1 (written by the sweep only); @col is the colour of the
 * open (or last) cycle, c(k) = k mod 2; @ykind[c] is 1 if the last cycle
 * of colour c is young (the YOUNG flag of its phase word: a marker that
 * still acts on the previous cycle's phase uses that cycle's colour and
 * kind). The phase is 0 idle, else 1 + the colour (ACTIVE|colour).
 *
 * The model starts just after the close of a cycle 0 of colour 0 with
 * 1 -> 2 allocated and bound to the one name; its history before that is
 * chosen by INIT_M0 (M[0]: what cycle 0 marked, default both),
 * INIT_OLD (O, default none), INIT_AGED (A, default none), INIT_YK0
 * (cycle 0 was young, default no: full) and INIT_STALE (sandbox 0 has
 * not passed a quiescent state since it saw cycle 0's phase, default no;
 * then 1 and 2 can be objects frozen after that close, unmarked in M[0]:
 * INIT_M0=0). Each is a reachable state of the code.
 */
#ifndef INIT_M0
#define INIT_M0		6
#endif
#ifndef INIT_OLD
#define INIT_OLD	0
#endif
#ifndef INIT_AGED
#define INIT_AGED	0
#endif
#ifndef INIT_YK0
#define INIT_YK0	0
#endif
#ifndef INIT_STALE
#define INIT_STALE	0
#endif
byte mark[2] = INIT_M0;		/* M[0], M[1] (M[1] is cleared before any use) */
byte old = INIT_OLD;
byte aged = INIT_AGED;
#ifdef AGE_AT_SWEEP
#ifndef INIT_AGED2
#define INIT_AGED2	0
#endif
byte aged2 = INIT_AGED2;		/* A2: survived two sweeps (the fix) */
#endif
bit col;
bit ykind[2] = INIT_YK0;	/* (ykind[1] is set before any use) */
/* G3: in a young cycle the mark stops at old objects (neither marked nor
 * traced); @c is the colour of the marker's phase reading. */
#define STOP(o, c)	(ykind[c] && (old & B(o)))
#define PCOL		(phase - 1)	/* colour of the global phase (active) */
#define SCOL(s)		(seen[s] - 1)	/* colour of sandbox s's reading (active) */
#else
#define STOP(o, c)	false
#define PCOL		0
#define SCOL(s)		0
#endif

/* The namespace (lib/ns/namespace.c): slot 0 starts bound to object 1. */
byte ns0 = 1;
#if NSLOTS > 1
byte ns1;
#define NSMASK	(B(ns0) | B(ns1))
#else
#define NSMASK	B(ns0)
#endif

/*
 * heap->gc_phase: 0 idle, 1 active. The colour is implicit: mark[0] is the
 * bitmap of the open (or last) cycle's colour; see "1. open" below for why
 * the other colour's bitmap need not be modelled. GEN: 0 idle, 1 + colour
 * active (both colours are modelled there, see above).
 */
#ifdef GEN
byte phase;
#else
bit phase;
#endif
bit dirty;			/* gc->shaded changed since the round began */

/* Bounds (not in the code): the reclaimer has run its MAXCYCLES cycles. */
bit done;

/* Per sandbox (struct frost_sandbox). */
#if MAXOPS > 0
byte ops[NSB] = MAXOPS;		/* operations it may still start */
#define GO	(online[_pid] && ops[_pid] > 0 && !done)
#define SPEND	ops[_pid]--
#else
#define GO	(online[_pid] && !done)
#define SPEND	skip
#endif
bit online[NSB] = 1;
byte seen[NSB];			/* the phase it acts on: 0 idle, 1 active */
byte locals[NSB];		/* held since its last quiescent state */
byte pins[NSB];			/* sb->pins (a set: pin counts do not matter) */
byte priv[NSB];			/* a private object's shared pointer */
byte grey[NSB];			/* sb->grey: shaded, children not yet traced */
bit req[NSB];			/* handshake requested (hs_epoch > hs_ack) */
bit need_scan[NSB];		/* scanned_cycle < hs_scan_cycle */
byte infl[NSB];			/* old value between namespace CAS and barrier */
byte newv[NSB];			/* new value between namespace CAS and barrier */

/* Scratch for d_step bodies only (never live across a transition). */
hidden byte t_i, t_o, t_c, t_r;
hidden byte t_marked, t_had;

/* ------------------------------------------------------------------ */
/* Marking (lib/gc/mark.c)                                             */

/*
 * mark_obj() - mark_object(): test-and-mark @o in colour @c; the winner
 * owns tracing its children, so it pushes @o on grey buffer @G. Reading
 * o->type->trace is a use of @o: it must be LIVE.
 */
inline mark_obj(o, c, G)
{
	if
	:: (o != 0 && !(mark[c] & B(o)) && !STOP(o, c)) ->
		assert(alloc & B(o));
		mark[c] = mark[c] | B(o);
		t_marked = 1;
		if
		:: CHILD(o) != 0 -> G = G | B(o)
		:: else -> skip
		fi
	:: else -> skip
	fi
}

/* mark_drain(): trace every grey object (a use of it) until @G is empty. */
inline drain(c, G)
{
	t_i = 1;
	do
	:: t_i > NOBJ -> break
	:: else ->
		if
		:: (G & B(t_i)) ->
			G = G & ~B(t_i);
			assert(alloc & B(t_i));
			t_o = CHILD(t_i);
			mark_obj(t_o, c, G);
			t_i = 1
		:: else -> t_i++
		fi
	od;
	t_i = 0;
	t_o = 0
}

/*
 * work() - __frost_gc_sandbox_work(): the handshake work of sandbox @s,
 * done by @s at its quiescent state (lib/rcu/qs.c slow path) or by the
 * reclaimer while @s is held offline. Reads the global phase. The first
 * handshake after hs_scan_cycle moved scans the pins and the private
 * references; every handshake drains the grey buffer; anything marked or
 * drained bumps gc->shaded.
 */
inline work(s)
{
	if
	:: phase ->
		t_c = PCOL;	/* the grey buffer is traced in the global colour */
		t_had = (grey[s] != 0);
		t_marked = 0;
		if
		:: need_scan[s] ->
			t_r = 1;
			do
			:: t_r > NOBJ -> break
			:: else ->
				if
				:: (pins[s] & B(t_r)) -> mark_obj(t_r, t_c, grey[s])
				:: else -> skip
				fi;
				t_r++
			od;
			t_r = 0;
#ifndef BROKEN_NO_PRIVATE_SCAN
			mark_obj(priv[s], t_c, grey[s]);
#endif
			need_scan[s] = 0
		:: else -> skip
		fi;
		drain(t_c, grey[s]);
		if
		:: (t_had || t_marked) -> dirty = 1
		:: else -> skip
		fi
	:: else -> skip
	fi;
	t_c = 0;
	t_had = 0;
	t_marked = 0
}

/*
 * shade() - __frost_gc_shade_slow(): mark @o in colour @c and push it on
 * the storing sandbox's grey buffer; its children are traced at that
 * sandbox's next handshake. Counted in gc->shaded.
 */
inline shade(o, s, c)
{
	if
	:: (o != 0 && !(mark[c] & B(o)) && !STOP(o, c)) ->
		assert(alloc & B(o));
		mark[c] = mark[c] | B(o);
		dirty = (phase != 0);	/* (read only at the end of a round) */
		if
		:: CHILD(o) != 0 -> grey[s] = grey[s] | B(o)
		:: else -> skip
		fi
	:: else -> skip
	fi
}

/*
 * barrier() - __frost_gc_barrier() in lib/gc/gc.h: a root of sandbox @s
 * changes from @old to @new; while the phase @s sees is active, shade both.
 */
inline barrier(s, old, new)
{
	if
	:: (seen[s] != 0) ->
		t_c = SCOL(s);
#ifndef NO_SHADE_OLD
		shade(old, s, t_c);
#endif
#ifndef BROKEN_NO_SHADE_NEW
		shade(new, s, t_c);
#endif
		t_c = 0
	:: else -> skip
	fi
}

/*
 * born() - the marking part of one frost_freeze() by sandbox @s that
 * creates the objects in bit set @news (one, or two for a nested private
 * tuple) and links them to the existing shared object @c (0: none).
 * lib/core/freeze.c reads the phase ONCE per freeze (fc.phase /
 * sc.phase); here that reading is seen[s], fixed for the whole atomic step.
 * If a cycle is open:
 *  - the existing shared child is shaded (__frost_gc_shade_new_child() ->
 *    shade_in(): test-and-set its mark bit; if newly marked, counted in
 *    gc->shaded and, if it has children, pushed on @s's grey buffer);
 *  - every new object is born marked (__frost_gc_born_marked()), never
 *    traced: its only edges are to the objects of @news (marked here) and
 *    to @c (shaded here).
 * BROKEN_BORN_BLACK: born marked, the child is not shaded.
 * BROKEN_NO_BORN_MARKED: the child is shaded, the new objects not marked.
 */
inline born(s, news, c)
{
	if
	:: (seen[s] != 0) ->
		t_c = SCOL(s);
#ifndef BROKEN_BORN_BLACK
		shade(c, s, t_c);
#endif
#ifndef BROKEN_NO_BORN_MARKED
		mark[t_c] = mark[t_c] | (news);
#endif
		t_c = 0
	:: else -> skip
	fi;
#ifdef BROKEN_FREEZE_OLD
	/* the new objects are allocated old, whatever they point to */
	old = old | (news);
#endif
	skip
}

/*
 * canon() - state canonicalisation, no change in behaviour: while idle,
 * once every sandbox acts on the idle phase, the bitmap is dead (the next
 * cycle clears it before anyone reads it), so it is zeroed and equivalent
 * states are stored once.
 */
inline canon()
{
	t_i = 0;
	t_o = 0;
	do
	:: t_i >= NSB -> break
	:: else -> t_o = t_o | seen[t_i]; t_i++
	od;
	if
#ifdef GEN
	/* GEN: M[col] is read by the next sweep (A := M[c(k-1)]) and is
	 * kept; the close zeroed the other one. The kind is dead. */
	:: (!phase && !t_o) -> ykind[col] = 0
#else
	:: (!phase && !t_o) -> mark[0] = 0
#endif
	:: else -> skip
	fi;
	t_i = 0;
	t_o = 0
}

/* ------------------------------------------------------------------ */
/* Sandboxes                                                           */

/* Remember the old value for the barrier (unless the barrier ignores it). */
#ifndef NO_SHADE_OLD
#define REC_OLD(v)	infl[_pid] = v
#else
#define REC_OLD(v)	skip
#endif

/*
 * The second half of a namespace store: the barrier runs after the CAS
 * (lib/ns/namespace.c ns_store(), frost_unpublish()), and its acquire load
 * of the phase may see a phase newer than the one the sandbox saw so far.
 */
inline ns_barrier()
{
	if
	:: d_step {
		true ->
		barrier(_pid, infl[_pid], newv[_pid]);
		infl[_pid] = 0;
		newv[_pid] = 0
	   }
#ifdef EARLY_PHASE
	:: d_step {
		seen[_pid] != phase ->
		seen[_pid] = phase;
		barrier(_pid, infl[_pid], newv[_pid]);
		infl[_pid] = 0;
		newv[_pid] = 0;
		canon()
	   }
#endif
	fi
}

/* Operations of an online sandbox on object x (one do-option each). */
#define OBJ_OPS(x) \
	/* read a child of a held object (frost_tuple_get() etc.) */ \
	:: d_step { GO && CHILD(x) != 0 && (locals[_pid] & B(x)) && \
		    !(locals[_pid] & B(CHILD(x))) -> SPEND; \
			assert(alloc & B(x)); assert(alloc & B(CHILD(x))); \
			locals[_pid] = locals[_pid] | B(CHILD(x)) } \
	/* use a pinned object */ \
	:: d_step { GO && (pins[_pid] & B(x)) && !(locals[_pid] & B(x)) -> SPEND; \
			assert(alloc & B(x)); locals[_pid] = locals[_pid] | B(x) } \
	/* frost_pin(): barrier(NULL, x), then the pin */ \
	:: d_step { GO && FULL && (locals[_pid] & B(x)) && !(pins[_pid] & B(x)) && PIN_ROOM -> SPEND; \
			assert(alloc & B(x)); barrier(_pid, 0, x); \
			pins[_pid] = pins[_pid] | B(x) } \
	/* frost_unpin(): barrier(x, NULL), then the removal */ \
	:: d_step { GO && (pins[_pid] & B(x)) -> SPEND; \
			barrier(_pid, x, 0); pins[_pid] = pins[_pid] & ~B(x) } \
	/* store x into a private object (no barrier: private stores have none) */ \
	:: d_step { GO && FULL && (locals[_pid] & B(x)) && priv[_pid] != x -> SPEND; \
			assert(alloc & B(x)); priv[_pid] = x } \
	/* frost_publish()/frost_publish_replace() of x into slot 0: CAS, then barrier */ \
	:: d_step { GO && (locals[_pid] & B(x)) && ns0 != x -> SPEND; \
			assert(alloc & B(x)); REC_OLD(ns0); newv[_pid] = x; ns0 = x }; \
	   ns_barrier() \
	NS1_PUBLISH(x) \
	/* frost_freeze() of a private object whose child (if any) is the \
	 * shared CHILD(x): a fresh slot, born marked, the child shaded \
	 * (freeze_single()); the result is held in locals */ \
	:: d_step { GO && FULL && !((alloc | dead) & B(x)) && \
		    (CHILD(x) == 0 || (locals[_pid] & B(CHILD(x)))) -> SPEND; \
			assert(CHILD(x) == 0 || (alloc & B(CHILD(x)))); \
			alloc = alloc | B(x); born(_pid, B(x), CHILD(x)); \
			locals[_pid] = locals[_pid] | B(x) }

#if NSLOTS > 1
#define NS1_PUBLISH(x) \
	:: d_step { GO && (locals[_pid] & B(x)) && ns1 != x -> SPEND; \
			assert(alloc & B(x)); REC_OLD(ns1); newv[_pid] = x; ns1 = x }; \
	   ns_barrier()
#else
#define NS1_PUBLISH(x)
#endif

/*
 * sandbox - one thread attached to the heap (lib/sandbox/sandbox.c), its
 * calls into lib/ns/namespace.c, lib/ns/pin.c, lib/core/freeze.c and
 * lib/rcu/qs.c, in any order, forever.
 */
active [NSB] proctype sandbox()
{
#if defined(GEN) && INIT_STALE
	/* sandbox 0 still acts on cycle 0's phase (colour 0) */
	if
	:: _pid == 0 -> seen[0] = 1
	:: else -> skip
	fi;
#endif
end:
	do
	/* frost_quiescent() (lib/rcu/qs.c): drop locals, see the phase,
	 * do pending handshake work (__frost_gc_handshake()), acknowledge. */
	:: d_step {
		online[_pid] && (locals[_pid] != 0 || seen[_pid] != phase || req[_pid]) ->
		locals[_pid] = 0;
		seen[_pid] = phase;
		if
		:: req[_pid] -> work(_pid); req[_pid] = 0
		:: else -> skip
		fi;
		canon()
	   }
#ifdef EARLY_PHASE
	/* an acquire load of gc_phase that already returns the newest value */
	:: d_step { online[_pid] && seen[_pid] != phase -> seen[_pid] = phase; canon() }
#endif
	/* frost_lookup() */
	:: d_step { GO && ns0 != 0 && !(locals[_pid] & B(ns0)) -> SPEND;
			assert(alloc & B(ns0)); locals[_pid] = locals[_pid] | B(ns0) }
#if NSLOTS > 1
	:: d_step { GO && ns1 != 0 && !(locals[_pid] & B(ns1)) -> SPEND;
			assert(alloc & B(ns1)); locals[_pid] = locals[_pid] | B(ns1) }
#endif
	/* read the shared pointer out of the private object */
	:: d_step { GO && priv[_pid] != 0 && !(locals[_pid] & B(priv[_pid])) -> SPEND;
			assert(alloc & B(priv[_pid]));
			locals[_pid] = locals[_pid] | B(priv[_pid]) }
	/* the private object drops its shared pointer (or is freed) */
	:: d_step { GO && priv[_pid] != 0 -> SPEND; priv[_pid] = 0 }
	/* frost_unpublish(): CAS to NULL, then barrier(old, NULL) */
	:: d_step { GO && ns0 != 0 -> SPEND; REC_OLD(ns0); newv[_pid] = 0; ns0 = 0 };
	   ns_barrier()
#if NSLOTS > 1
	:: d_step { GO && ns1 != 0 -> SPEND; REC_OLD(ns1); newv[_pid] = 0; ns1 = 0 };
	   ns_barrier()
#endif
	OBJ_OPS(1)
	OBJ_OPS(2)
	OBJ_OPS(3)
#ifndef NO_FREEZE2
	/* frost_freeze() of a private tuple holding a private tuple that holds
	 * the shared 2: two fresh slots 3 -> 1 -> 2, one phase reading for both
	 * (the general path: relink_visit() shades 2, both are born marked) */
	:: d_step { GO && FULL && !((alloc | dead) & (B(1) | B(3))) && (locals[_pid] & B(2)) ->
			SPEND; assert(alloc & B(2));
			alloc = alloc | B(1) | B(3); born(_pid, B(1) | B(3), 2);
			locals[_pid] = locals[_pid] | B(1) | B(3) }
#endif
#if NOBJ > 3
	OBJ_OPS(4)
#endif
#ifndef NO_OFFLINE
	/* frost_sandbox_offline() (lib/rcu/qs.c): a quiescent state that lasts */
	:: d_step { GO -> SPEND; locals[_pid] = 0; online[_pid] = 0; seen[_pid] = 0; canon() }
	/* frost_sandbox_online(): waits while HELD (the reclaimer's scan of
	 * an offline sandbox is one atomic step here), then sees the phase */
	:: d_step { !online[_pid] -> online[_pid] = 1; seen[_pid] = phase; canon() }
#endif
	od
}

/* ------------------------------------------------------------------ */
/* The reclaimer (lib/gc/reclaim.c run_cycle())                        */

/*
 * handshake() - reclaim.c handshake(): bump hs_epoch (req), then wait for
 * every sandbox's acknowledgement; meanwhile, at any moment, an offline
 * sandbox that has not answered is moved to HELD and its work done by the
 * reclaimer (one atomic step: it cannot come online meanwhile). The real
 * loop polls the sandboxes in list order; polling them in any order, as
 * here, includes that. With no work to do it is a plain grace period.
 */
#if NSB > 2
#define ALL_ACKED	(!req[0] && !req[1] && !req[2])
#else
#define ALL_ACKED	(!req[0] && !req[1])
#endif
inline handshake()
{
	d_step {
		t_i = 0;
		do
		:: t_i >= NSB -> break
		:: else -> req[t_i] = 1; t_i++
		od;
		t_i = 0
	};
	do
	:: d_step { req[0] && !online[0] -> work(0); req[0] = 0 }
	:: d_step { req[1] && !online[1] -> work(1); req[1] = 0 }
#if NSB > 2
	:: d_step { req[2] && !online[2] -> work(2); req[2] = 0 }
#endif
	:: ALL_ACKED -> break
	od;
	t_i = 0		/* a plain statement: a break may not jump into a d_step */
}

/* mark_root(): the reclaimer marks a root and drains its own stack. */
inline mark_root(o)
{
	t_r = 0;		/* the reclaimer's grey stack */
	t_marked = 0;
	mark_obj(o, PCOL, t_r);
	drain(PCOL, t_r);
	t_r = 0;
	t_marked = 0
}

/* Everything a root, a local or an in-flight barrier value reaches. */
inline reach_compute()
{
	t_r = NSMASK;
	t_i = 0;
	do
	:: t_i >= NSB -> break
	:: else ->
		t_r = t_r | locals[t_i] | pins[t_i] | B(priv[t_i]) | B(infl[t_i]);
		t_i++
	od;
	t_i = 0;
	do
	:: t_i >= NOBJ -> break
	:: else -> t_r = t_r | CLOSE1(t_r); t_i++
	od;
	t_i = 0;
	t_r = t_r & ALLOBJ
}

/*
 * sweep_one() - sweep_page() plus finalize for slot @x: an allocated,
 * unmarked object is garbage; from here on any use of it is an error, so
 * it must not be reachable from any root or local.
 *
 * GEN (G5): the sweep of cycle k (colour col) visits, in a young cycle,
 * only young slots, in a full one every slot. A visited allocated slot
 * with M[c(k)] clear is garbage: O and A cleared, freed. One with
 * M[c(k)] set and O = 0 is promoted if A = 1 (O = 1, A = 0), else
 * A := M[c(k-1)] (AGE). BROKEN_PROMOTE_EARLY does the second part at
 * the end of the scan handshake instead (age_all()), before termination.
 */
#ifdef GEN
#define CUR		col
#ifdef BROKEN_YOUNG_SWEEPS_OLD
#define VISITS(x)	true		/* a young cycle sweeps old slots too */
#else
#define VISITS(x)	!STOP(x, col)	/* a young cycle visits young slots only */
#endif
#else
#define CUR		0
#define VISITS(x)	true
#endif

inline age_one(x)
{
#if defined(GEN) && defined(AGE_AT_SWEEP)
	/* the fix of model.rst ("A finding"): the age counts this cycle's own
	 * marks, read by its own sweep (A, then A2, then promotion) */
	if
	:: (alloc & B(x)) && VISITS(x) && (mark[col] & B(x)) && !(old & B(x)) ->
		if
		:: (aged2 & B(x)) -> old = old | B(x); aged = aged & ~B(x); aged2 = aged2 & ~B(x)
		:: else ->
			if
			:: (aged & B(x)) -> aged2 = aged2 | B(x)
			:: else -> aged = aged | B(x)
			fi
		fi
	:: else -> skip
	fi
#elif defined(GEN)
	if
	:: (alloc & B(x)) && VISITS(x) && (mark[col] & B(x)) && !(old & B(x)) ->
		if
		:: (aged & B(x)) -> old = old | B(x); aged = aged & ~B(x)
		:: else ->
			if
			:: (mark[1 - col] & B(x)) -> aged = aged | B(x)
			:: else -> skip
			fi
		fi
	:: else -> skip
	fi
#else
	skip
#endif
}

inline sweep_one(x)
{
	if
	:: (alloc & B(x)) && VISITS(x) && !(mark[CUR] & B(x)) ->
		reach_compute();
		assert(!(t_r & B(x)));
		alloc = alloc & ~B(x);
#ifdef GEN
		old = old & ~B(x);
		aged = aged & ~B(x);
#ifdef AGE_AT_SWEEP
		aged2 = aged2 & ~B(x);
#endif
#endif
		dead = dead | B(x)
	:: else ->
#ifndef BROKEN_PROMOTE_EARLY
		age_one(x);
#endif
		skip
	fi;
	t_r = 0
}

inline age_all()
{
	age_one(1);
	age_one(2);
	age_one(3);
#if NOBJ > 3
	age_one(4);
#endif
	skip
}

active proctype reclaimer()
{
#if MAXCYCLES > 0
	byte cycles = MAXCYCLES;
#endif
#ifdef GEN
	bit kind;
#endif
end:
	do
#if MAXCYCLES > 0
	:: cycles == 0 -> done = 1; break
	:: cycles > 0 -> cycles--;
#else
	:: true ->
#endif
	   /*
	    * 1. open: clear_colour(), then the release store of gc_phase.
	    * One bitmap stands for the cycle's colour. A sandbox that still
	    * acts on the previous cycle's phase (it has not passed a QS since
	    * that cycle closed) marks the other colour in the real code: that
	    * is not a mark of this cycle, so here its seen phase becomes idle.
	    * (Its only other effects, a bump of gc->shaded and a grey push
	    * traced in this cycle's colour before this cycle's sweep, can only
	    * mark more.)
	    */
#ifdef GEN
		/*
		 * GEN (G1, G2): the kind (any trigger: the model lets the
		 * reclaimer choose; YOUNG_ONLY: always young), the next
		 * colour, its bitmap cleared, then the phase word. A sandbox
		 * still on the previous cycle's phase keeps marking in that
		 * cycle's colour, M[c(k-1)], which this cycle's sweep reads
		 * for A: so here, unlike below, both colours are modelled.
		 */
#ifdef YOUNG_ONLY
		kind = 1;
#else
		if
		:: kind = 1
		:: kind = 0
		fi;
#endif
		d_step {
			col = 1 - col;
			mark[col] = 0;
			ykind[col] = kind;
			kind = 0;
			dirty = 0
		};
		phase = 1 + col;
#else
		d_step {
			mark[0] = 0;
			t_i = 0;
			do
			:: t_i >= NSB -> break
			:: else -> seen[t_i] = 0; t_i++
			od;
			t_i = 0;
			dirty = 0;
			canon()
		};
		phase = 1;
#endif

		/* 2. GP1: every sandbox has seen the phase */
#ifndef BROKEN_NO_GP1
		handshake();
#endif

		/* 3. mark: the namespace (__frost_ns_for_each(), one slot at a
		 * time), then hs_scan_cycle = cycle and a handshake in which
		 * every sandbox scans its pins and private references */
		d_step { mark_root(ns0) };
#if NSLOTS > 1
		d_step { mark_root(ns1) };
#endif
		d_step {
			t_i = 0;
			do
			:: t_i >= NSB -> break
			:: else -> need_scan[t_i] = 1; t_i++
			od;
			t_i = 0
		};
		handshake();
#ifdef BROKEN_PROMOTE_EARLY
		/* promotion (G5's aging part) before the termination rounds */
		d_step { age_all() };
#endif

		/* 4. terminate: until a whole round shades nothing new */
#ifndef BROKEN_NO_TERMINATE
		do
		:: dirty = 0;
		   handshake();
		   if
		   :: dirty -> skip
		   :: else -> break
		   fi
		od;
		dirty = 0;
#endif

		/* 5. sweep: finalize the garbage, a grace period, then reuse */
		d_step {
			sweep_one(1);
			sweep_one(2);
			sweep_one(3);
#if NOBJ > 3
			sweep_one(4);
#endif
			skip
		};
#ifndef NO_GP_BEFORE_REUSE
		handshake();
#endif
		dead = 0;

		/* 6. close (GEN: M[c(k-1)] and the kind of k-1 are dead now:
		 * the sweep has read the one, and no marker still acts on the
		 * phase of k-1 since GP1; zeroed, no change in behaviour) */
		d_step {
			phase = 0;
			dirty = 0;
#ifdef GEN
			mark[1 - col] = 0;
			ykind[1 - col] = 0;
#endif
			canon()
		}
	od
}
