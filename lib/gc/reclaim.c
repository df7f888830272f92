// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/gc/reclaim.c - the grace-period-driven reclaimer: cycles, handshakes,
 * sweep, triggers. The full argument is Documentation/design/reclaimer.rst.
 *
 * Theory of operation. Shared objects are immortal to the refcount; a
 * cycle finds the ones no root reaches and frees them. Roots: namespace
 * bindings, channel messages (and objects of blocked senders), each
 * sandbox's pins and the shared objects its private objects reference, and
 * what a sandbox holds between two quiescent states. A cycle is:
 *
 *  1. open: clear this cycle's mark bitmap (colours alternate), then store
 *     gc_phase = ACTIVE|colour with release. From then on root stores shade
 *     old and new values (barriers) and new shared objects are born marked.
 *  2. GP1: a handshake that only waits for every sandbox to pass a
 *     quiescent state, so every sandbox has seen the open phase before any
 *     root is read: an object frozen or stored by a sandbox that still saw
 *     the old phase is in a root by then (it cannot be held across the QS).
 *  3. mark: the reclaimer marks the namespace and the channels; then a
 *     handshake with hs_scan_cycle = this cycle: each sandbox, at its next
 *     quiescent state (lib/rcu/qs.c), marks what its pins and its private
 *     objects reference, and traces it. Offline sandboxes are held offline
 *     (state HELD, see frost_sandbox_online()) and scanned by the reclaimer.
 *  4. terminate: handshakes in which each sandbox traces the objects its
 *     barriers shaded, until a whole round shades nothing new; if a grey
 *     push ever failed (ENOMEM), every marked object is re-traced.
 *  5. sweep: weak intern entries of unmarked strings are unlinked; every
 *     allocated, unmarked shared object is garbage: its finalize runs; after
 *     one more grace period (a handshake) its memory returns to the per-CPU
 *     depots in chains, large ones are unmapped.
 *  6. close: gc_phase = IDLE.
 *
 * Handshakes. The reclaimer bumps __frost_heap_gc(heap)->hs_epoch (release) and starts a
 * liburcu grace period with call_rcu() so that the global counter moves
 * and every online sandbox takes frost_quiescent()'s slow path, which does
 * the handshake work before reporting (so the work is ordered before the
 * acknowledgement, a release store of __frost_sb_gc(sb)->hs_ack). The reclaimer polls the
 * acknowledgements with a short exponential sleep, converts parked
 * sandboxes into offline ones at each poll (__frost_rcu_settle()), does
 * the work itself for sandboxes it can move from OFFLINE to HELD, and prints one stall warning
 * per cycle for a sandbox that keeps it waiting longer than stall_warn_ms.
 * Readers never wait for the reclaimer; the reclaimer never stops the world.
 *
 * Stalls across heaps. All heaps share liburcu's grace periods, and a
 * sandbox answers a handshake only when a grace period starts. A sandbox
 * of any heap that stays online without a quiescent state holds the
 * current grace period, so no new one starts and every heap's handshake
 * waits, its own well-behaved sandboxes included: they are pending because
 * nothing asked them yet, not because they stall. So the reclaimer warns
 * only once liburcu's counter has stood still for stall_warn_ms (one grace
 * period has lasted that long; a sandbox is behind a new one for a moment
 * whatever it does), and then names a pending sandbox only if it holds
 * that grace period itself (__frost_sandbox_holds_gp()); otherwise it
 * looks through the sandboxes of every heap (the registry,
 * lib/core/handle.c) for the ones that do and names them, with their
 * heap, once per cycle of the waiting heap. If none does (a liburcu reader
 * outside frost), it says so.
 *
 * The reclaimer's CPU share. The background thread runs a cycle when
 * allocation passes the trigger. With reclaimer_duty under 100 it then
 * sleeps long enough that the cycle's thread CPU time
 * (CLOCK_THREAD_CPUTIME_ID) is that share of the cycle plus the sleep, so
 * that readers on few CPUs keep the rest even when cycles would run back
 * to back. Pacing comes first: an allocator that waits for a cycle
 * (__frost_gc_pace()) records the cycle it wants in gc->pace_wanted and
 * wakes the thread, which skips or ends the nap while that cycle is not
 * done; so a throttled reclaimer still bounds the heap, it only stops
 * running ahead of the allocators. reclaimer_nice lowers the thread's
 * priority once at its start (setpriority(2) on its tid, Linux per-thread
 * nice). frost_reclaim() and shared_limit cycles run in the caller's
 * thread and are never throttled.
 *
 * Lock order: gc->cycle_lock, then the heap registry lock, then __frost_heap_gc(heap)->lock
 * (sandbox list; of any heap, one at a time), then __frost_heap_gc(heap)->shared_lock. The
 * background thread sleeps on gc->wait_lock/wake.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include "gc/gc_internal.h"

#define FROST_GC_POLL_MIN_NS	20000
#define FROST_GC_POLL_MAX_NS	1000000
#define FROST_GC_IDLE_WAIT_MS	10
/* The adaptive trigger: this fraction of the live estimate. */
#define FROST_GC_TRIGGER_DIV	6
/* A full cycle once the old generation grew by 1/this since the last one. */
#define FROST_GC_FULL_GROWTH	4
/* Young cycles pay if a cycle frees, of young objects, 1/this of what was
 * frozen since the one before began. */
#define FROST_GC_PRODUCTIVE	4

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000u),
			       .tv_nsec = (long)(ns % 1000000000u) };

	nanosleep(&ts, NULL);
}

static void stat_max(uint64_t *p, uint64_t v)
{
	uint64_t cur = __atomic_load_n(p, __ATOMIC_RELAXED);

	while (v > cur && !__atomic_compare_exchange_n(p, &cur, v, true, __ATOMIC_RELAXED,
						       __ATOMIC_RELAXED))
		;
}

/* ------------------------------------------------------------------ */
/* Grace periods and handshakes                                        */

/*
 * The kicker: one process-wide thread that starts liburcu grace periods on
 * request, so that the global counter moves at once and online sandboxes
 * take frost_quiescent()'s slow path, where they see the new hs_epoch.
 * (call_rcu() would do too, but its worker batches with a 10 ms nap.) The
 * kicker only starts grace periods; the reclaimer waits for the sandboxes'
 * acknowledgements itself, so it can warn about stalls. liburcu's grace
 * periods are process-wide: a sandbox of another heap that stalls delays
 * the kicker, which the reclaimer's periodic re-kick cannot avoid.
 */
static pthread_mutex_t kick_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t kick_cond = PTHREAD_COND_INITIALIZER;
static uint64_t kick_requested, kick_started;
static pthread_once_t kick_once = PTHREAD_ONCE_INIT;
static bool kicker_running;

static void *kicker_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&kick_lock);
	for (;;) {
		while (kick_started == kick_requested)
			pthread_cond_wait(&kick_cond, &kick_lock);
		kick_started = kick_requested;
		pthread_mutex_unlock(&kick_lock);
		/* No fork copies liburcu's locks held (lib/heap/fork.c). */
		__frost_fork_gate_enter();
		urcu_qsbr_synchronize_rcu();
		__frost_fork_gate_exit();
		pthread_mutex_lock(&kick_lock);
	}
	return NULL;
}

static void kicker_start(void)
{
	pthread_attr_t attr;
	pthread_t th;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	kicker_running = pthread_create(&th, &attr, kicker_main, NULL) == 0;
	pthread_attr_destroy(&attr);
}

struct gp_kick {
	struct rcu_head head;
};

static void gp_kick_done(struct rcu_head *head)
{
	free(__frost_container_of(head, struct gp_kick, head));
}

static void kick_grace_period(void)
{
	pthread_once(&kick_once, kicker_start);
	if (kicker_running) {
		pthread_mutex_lock(&kick_lock);
		kick_requested++;
		pthread_cond_signal(&kick_cond);
		pthread_mutex_unlock(&kick_lock);
	} else {
		/* No thread for the kicker: call_rcu's worker starts one. */
		struct gp_kick *k = malloc(sizeof(*k));

		if (k)
			urcu_qsbr_call_rcu(&k->head, gp_kick_done);
	}
}

/* The kicker across fork() (lib/heap/fork.c): it is gone in a child. */
void __frost_gc_fork_kicker(enum frost_fork_phase phase)
{
	switch (phase) {
	case FROST_FORK_PREPARE:
		pthread_mutex_lock(&kick_lock);
		break;
	case FROST_FORK_PARENT:
		pthread_mutex_unlock(&kick_lock);
		break;
	case FROST_FORK_CHILD:
		pthread_mutex_init(&kick_lock, NULL);
		pthread_cond_init(&kick_cond, NULL);
		kick_requested = kick_started = 0;
		kicker_running = false;
		/* The next kick starts a kicker again. */
		kick_once = (pthread_once_t)PTHREAD_ONCE_INIT;
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Stall warnings                                                      */

/*
 * Warn that @sb (of any heap) held up @heap's reclaimer for @ns, once per
 * cycle of @heap. Context: under @sb's __frost_heap_gc(heap)->lock.
 */
static bool stall_warn(struct frost_heap *heap, struct frost_sandbox *sb, uint64_t ns,
		       uint64_t cycle, uint64_t epoch)
{
	if (__frost_sb_gc(sb)->stall_warned == cycle && __frost_sb_gc(sb)->stall_warned_heap == heap)
		return false;
	__frost_sb_gc(sb)->stall_warned = cycle;
	__frost_sb_gc(sb)->stall_warned_heap = heap;
	fprintf(stderr,
		"frost: sandbox %llu (tid %d) of heap %p stalled the reclaimer of heap %p for %llu ms: "
		"no quiescent state (cycle %llu, handshake %llu)\n",
		(unsigned long long)__frost_sb_gc(sb)->id, (int)__frost_sb_gc(sb)->tid, (void *)__frost_sb_gc(sb)->heap, (void *)heap,
		(unsigned long long)(ns / 1000000u), (unsigned long long)cycle,
		(unsigned long long)epoch);
	return true;
}

struct stall_scan {
	struct frost_heap *waiting;	/* the heap whose handshake waits */
	unsigned long gp;		/* the grace period that lasts */
	uint64_t ns, cycle, epoch;
	bool found;			/* a sandbox holds the grace period */
};

static void stall_scan_heap(struct frost_heap *h, void *arg)
{
	struct stall_scan *ss = arg;
	struct frost_sandbox *sb;

	pthread_mutex_lock(&__frost_heap_gc(h)->lock);
	__frost_for_each_sandbox(sb, h) {
		if (!__frost_sandbox_holds_gp(sb, ss->gp))
			continue;
		ss->found = true;
		stall_warn(ss->waiting, sb, ss->ns, ss->cycle, ss->epoch);
	}
	pthread_mutex_unlock(&__frost_heap_gc(h)->lock);
}

/*
 * @heap's handshake has waited @ns for sandboxes that do not hold grace
 * period @gp (which has lasted stall_warn_ms): name the sandboxes, of
 * every heap, that do. Context: the reclaimer, holding no __frost_heap_gc(heap)->lock.
 */
static void stall_blame(struct frost_heap *heap, unsigned long gp, uint64_t ns, uint64_t cycle,
			uint64_t epoch)
{
	struct stall_scan ss = { .waiting = heap, .gp = gp, .ns = ns, .cycle = cycle,
				 .epoch = epoch };

	__frost_heaps_for_each(stall_scan_heap, &ss);
	if (!ss.found && __frost_heap_gc(heap)->gc->stall_unknown_cycle != cycle) {
		__frost_heap_gc(heap)->gc->stall_unknown_cycle = cycle;
		fprintf(stderr,
			"frost: the reclaimer of heap %p waited %llu ms for a grace period that no "
			"frost sandbox holds up (a liburcu reader outside frost?) "
			"(cycle %llu, handshake %llu)\n",
			(void *)heap, (unsigned long long)(ns / 1000000u),
			(unsigned long long)cycle, (unsigned long long)epoch);
	}
}

/*
 * handshake() - ask every sandbox for its handshake work and wait until all
 * have answered. Without a cycle open it is a plain frost grace period.
 */
static void handshake(struct frost_heap *heap, uint64_t cycle)
{
	struct frost_sandbox *sb;
	struct frost_gc *gc = __frost_heap_gc(heap)->gc;
	uint64_t epoch;
	uint64_t start = now_ns(), last_kick = start, last_blame = 0, nap = FROST_GC_POLL_MIN_NS;
	uint64_t stall_ns = (uint64_t)__frost_heap_gc(heap)->cfg.stall_warn_ms * 1000000u;
	/* liburcu's counter, and since when we have seen it stand. */
	unsigned long gp = __frost_rcu_gp_ctr();
	uint64_t gp_since = start;

	/* Release: a sandbox that sees the epoch sees the phase and scan
	 * cycle stored before it. Pairs with the acquire in
	 * __frost_gc_handshake(). Epochs only grow, whoever asks. */
	epoch = __atomic_add_fetch(&__frost_heap_gc(heap)->hs_epoch, 1, __ATOMIC_ACQ_REL);
	kick_grace_period();
	for (;;) {
		bool pending = false, blame = false;
		uint64_t now;

		/* Parked sandboxes (of any heap) become offline ones, which
		 * we hold below, and stop holding up the grace period the
		 * kick started (lib/rcu/park.c). */
		__frost_rcu_settle(true);
		pthread_mutex_lock(&__frost_heap_gc(heap)->lock);
		now = now_ns();
		if (__frost_rcu_gp_ctr() != gp) {
			gp = __frost_rcu_gp_ctr();
			gp_since = now;
		}
		__frost_for_each_sandbox(sb, heap) {
			struct frost_sandbox_gc *sg = __frost_sb_gc(sb);

			/* Acquire: pairs with the release store of hs_ack in
			 * __frost_gc_handshake(). */
			if (__atomic_load_n(&sg->hs_ack, __ATOMIC_ACQUIRE) >= epoch)
				continue;
			/* An offline sandbox is held and scanned here: its
			 * state as it left it is visible (the acquire in
			 * __frost_rcu_hold()), and it sees our writes to its
			 * grey buffer when it comes online (the release in
			 * __frost_rcu_unhold()). */
			if (__frost_rcu_hold(sb)) {
				__frost_gc_sandbox_work(sb);
				if (__atomic_load_n(&sg->hs_ack, __ATOMIC_RELAXED) < epoch)
					__atomic_store_n(&sg->hs_ack, epoch, __ATOMIC_RELAXED);
				__frost_rcu_unhold(sb);
				continue;
			}
			pending = true;
			if (!stall_ns || now - start < stall_ns || now - gp_since < stall_ns)
				continue;
			/* Late: the staller, or a victim waiting for a
			 * grace period someone else holds up (see "Stalls
			 * across heaps"). */
			if (__frost_sandbox_holds_gp(sb, gp))
				stall_warn(heap, sb, now - start, cycle, epoch);
			else
				blame = true;
		}
		pthread_mutex_unlock(&__frost_heap_gc(heap)->lock);
		if (!pending)
			break;
		if (blame && now - last_blame >= 20 * FROST_GC_POLL_MAX_NS) {
			stall_blame(heap, gp, now - start, cycle, epoch);
			last_blame = now;
		}
		/* A grace period that began before our epoch store may not
		 * bring everyone through the slow path: kick again now and
		 * then. */
		if (now - last_kick > 20 * FROST_GC_POLL_MAX_NS) {
			kick_grace_period();
			last_kick = now;
		}
		sleep_ns(nap);
		if (nap < FROST_GC_POLL_MAX_NS)
			nap *= 2;
	}
	stat_max(&gc->max_handshake_ns, now_ns() - start);
}

/* ------------------------------------------------------------------ */
/* The reclaimer as an RCU reader (to walk rculfhash tables)           */

struct rcu_reader {
	bool registered_here;
};

/* Make the calling thread a registered, offline QSBR reader. */
static void rcu_reader_begin(struct rcu_reader *r)
{
	r->registered_here = !frost_sandbox_current();
	if (r->registered_here) {
		urcu_qsbr_register_thread();
		urcu_qsbr_thread_offline();
	}
}

static void rcu_reader_end(struct rcu_reader *r)
{
	if (r->registered_here) {
		urcu_qsbr_thread_online();
		urcu_qsbr_unregister_thread();
	}
}

/* ------------------------------------------------------------------ */
/* Marking the reclaimer's roots                                       */

/*
 * Roots wait in two batches of this many, prefetched, before they are
 * marked: a root object is read when it is marked (its type, then its
 * children), and the roots of a namespace are scattered over the heap, so
 * marking each as it comes costs a cache miss the marker waits for. A batch
 * is marked (one call, one marking context) once the other one has filled
 * behind it, so 8 to 15 loads are in flight: enough to cover an L3 or
 * memory access at the few ns a mark takes.
 */
#define FROST_GC_ROOT_BATCH	8

struct root_ctx {
	struct frost_heap *heap;
	uint64_t marked;
	struct frost_object *batch[2][FROST_GC_ROOT_BATCH];
	unsigned int filling;	/* the batch mark_root() fills */
	unsigned int len[2];	/* roots in each batch */
};

static void mark_batch(struct root_ctx *rc, unsigned int b)
{
	__frost_gc_mark_roots(rc->heap, &__frost_heap_gc(rc->heap)->gc->grey, rc->batch[b],
			      rc->len[b], &rc->marked);
	rc->len[b] = 0;
}

static void mark_root(struct frost_object *o, void *arg)
{
	struct root_ctx *rc = arg;
	unsigned int b = rc->filling;

	/* Both lines of a container that spans two (a tuple of four items
	 * is 72 bytes: its last item is on the second). */
	__builtin_prefetch(o);
	__builtin_prefetch((char *)o + 64);
	rc->batch[b][rc->len[b]++] = o;
	if (rc->len[b] < FROST_GC_ROOT_BATCH)
		return;
	/* This one is full: mark the other, older one; fill that next. */
	rc->filling = !b;
	if (rc->len[!b])
		mark_batch(rc, !b);
}

/* Mark the roots still waiting, the older batch first. */
static void mark_root_flush(struct root_ctx *rc)
{
	unsigned int older = !rc->filling;

	if (rc->len[older])
		mark_batch(rc, older);
	if (rc->len[!older])
		mark_batch(rc, !older);
}

struct retrace_ctx {
	struct frost_heap *heap;
	unsigned int colour;
	bool young;		/* a young cycle: old objects are not traced */
	uint64_t marked;
};

/* Bit @i of bitmap @map. */
static inline bool bit_test(const uint64_t *map, uint32_t i)
{
	return __atomic_load_n(&map[i / 64], __ATOMIC_RELAXED) & (UINT64_C(1) << (i % 64));
}

/* A young cycle has nothing to do on slab or large mapping @pg: all old. */
static inline bool page_all_old(const struct frost_shared_page *pg)
{
	return pg->old_count == pg->capacity;
}

/* Re-trace large object @pg if it is published and marked. */
static void retrace_large(struct frost_shared_page *pg, void *arg)
{
	struct retrace_ctx *rc = arg;
	struct frost_object *o =
		(struct frost_object *)(void *)((char *)pg + FROST_SHARED_HDR_SIZE);

	/* Acquire: pairs with the release store of the type word in
	 * frost_freeze() and frost_str_intern(). */
	if (rc->young && page_all_old(pg))
		return;
	if (__atomic_load_n(&o->type, __ATOMIC_ACQUIRE) != &__frost_freed_type &&
	    __frost_gc_is_marked(o, rc->colour))
		__frost_gc_trace_marked(rc->heap, &__frost_heap_gc(rc->heap)->gc->grey, o, &rc->marked);
}

/*
 * After a failed grey push: trace every marked object again, until stable.
 * Every large mapping is visited in place (__frost_shared_for_each_large()),
 * not through a snapshot array: the array's allocation can fail and holds
 * at most FROST_GC_MAX_LARGE entries, and a marked large object that is
 * not re-traced loses its children (t/t0800-fault.c found this).
 */
static void retrace_all_marked(struct frost_heap *heap, unsigned int colour, bool young)
{
	struct retrace_ctx rc = { .heap = heap, .colour = colour, .young = young };
	uint64_t marked;

	do {
		struct frost_shared_page *pg;
		size_t nr_large = 0;

		marked = 0;
		__atomic_store_n(&__frost_heap_gc(heap)->gc->overflow, false, __ATOMIC_RELAXED);
		pg = __frost_shared_snapshot_pages(heap, NULL, 0, &nr_large);
		for (; pg; pg = __frost_shared_slab_next(heap, pg)) {
			char *base = (char *)pg + FROST_SHARED_HDR_SIZE;

			if (young && page_all_old(pg))
				continue;
			for (uint32_t i = 0; i < pg->capacity; i++) {
				struct frost_object *o = (struct frost_object *)(void *)
					(base + (size_t)i * pg->obj_size);

				if (young && bit_test(pg->old, i))
					continue;
				if (__atomic_load_n(&o->type, __ATOMIC_ACQUIRE) != &__frost_freed_type &&
				    __frost_gc_is_marked(o, colour))
					__frost_gc_trace_marked(heap, &__frost_heap_gc(heap)->gc->grey, o, &marked);
			}
		}
		rc.marked = 0;
		__frost_shared_for_each_large(heap, retrace_large, &rc);
		marked += rc.marked;
	} while (marked || __atomic_load_n(&__frost_heap_gc(heap)->gc->overflow, __ATOMIC_RELAXED));
}

/* ------------------------------------------------------------------ */
/* Sweep                                                               */

/* What a sweep does and counts. */
struct sweep_ctx {
	unsigned int colour;
	bool young;		/* a young cycle: old slots are neither visited nor freed */
	bool sweep_old;		/* FROST_BREAK_SWEEP_OLD: ... but they are */
	bool promote_alone;	/* FROST_BREAK_PROMOTE_ALONE */
	bool garbage_full;	/* the garbage stack could not grow */
	uint64_t alloc_walk;	/* bytes allocated when the page walk began */
	uint64_t garbage_bytes;	/* bytes of the garbage the page walk collected */
	uint64_t young_freed;	/* of them, bytes of young objects */
	struct frost_heap *heap;
	uint64_t kept_bytes;	/* marked (or skipped old) bytes on the visited pages */
	uint64_t promoted_bytes;
	uint64_t old_freed_bytes;
};

static bool intern_is_marked(struct frost_object *o, void *arg)
{
	const struct sweep_ctx *sc = arg;

	/* A young cycle keeps every old string (G5). */
	if (sc->young && !sc->sweep_old && !__frost_is_static(o) && __frost_gc_is_old(o))
		return true;
	return __frost_gc_is_marked(o, sc->colour);
}

/*
 * FROST_BREAK_PROMOTE_ALONE: of the slots in @bits (of the 64 from @first),
 * only those whose object has children are promoted; leaves keep waiting.
 */
static uint64_t keep_traced(char *base, uint32_t first, size_t size, uint64_t bits)
{
	for (uint64_t m = bits; m; m &= m - 1) {
		uint64_t bit = m & -m;
		struct frost_object *o = (struct frost_object *)(void *)
			(base + (size_t)(first + __builtin_ctzll(bit)) * size);

		if (!__atomic_load_n(&o->type, __ATOMIC_ACQUIRE)->trace)
			bits &= ~bit;
	}
	return bits;
}

/*
 * Sweep @pg (G5 of Documentation/design/reclaimer.rst): collect allocated,
 * unmarked objects into the garbage stack (an old one loses its old bit),
 * and age the young marked ones: an object that the sweeps of this cycle
 * and of the two before it found marked, each time published before that
 * cycle opened, is promoted. Every young slot is visited even when the
 * garbage stack cannot grow (that garbage waits a cycle): the aged bits
 * must describe the last two cycles exactly.
 *
 * The page is taken 64 slots at a time, from its bitmaps: a marked slot
 * holds an object (or one being published, born marked: it is kept), so
 * only an unmarked slot's type word is read, to tell garbage from a free
 * slot. No slot is marked and free: a born-marked object that is never
 * published stays allocated until a sweep frees it (__frost_gc_drop_new()).
 */
static void sweep_page(struct frost_heap *heap, struct frost_shared_page *pg,
		       struct sweep_ctx *sc)
{
	struct frost_gc *gc = __frost_heap_gc(heap)->gc;
	size_t size = pg->kind == FROST_PAGE_SHARED_LARGE ? pg->map_len - FROST_SHARED_HDR_SIZE
							   : pg->obj_size;
	char *base = (char *)pg + FROST_SHARED_HDR_SIZE;
	bool skip_old = sc->young && !sc->sweep_old;
	uint32_t old_count = pg->old_count;

	if (skip_old && page_all_old(pg))
		return;
	for (uint32_t first = 0; first < pg->capacity; first += 64) {
		uint32_t w = first / 64, n = pg->capacity - first < 64 ? pg->capacity - first : 64;
		uint64_t valid = n == 64 ? ~UINT64_C(0) : (UINT64_C(1) << n) - 1;
		uint64_t old = __atomic_load_n(&pg->old[w], __ATOMIC_RELAXED), new_old = old;
		uint64_t aged = pg->aged[w], aged2 = pg->aged2[w], mark, born, todo, unborn = 0;
		uint64_t unmarked = 0, collected, age, promote, first_age, second_age;

		todo = skip_old ? valid & ~old : valid;
		if (!todo)
			continue;
		/* Acquire: pairs with the release fetch_or in __frost_gc_test_and_mark(). */
		mark = __atomic_load_n(&pg->mark[sc->colour][w], __ATOMIC_ACQUIRE);
		/* After @mark: a born mark's bit is visible with it (the OR in
		 * __frost_gc_born_marked() is before the mark's release). */
		born = __atomic_load_n(&pg->born[sc->colour][w], __ATOMIC_RELAXED);
		sc->kept_bytes += (uint64_t)__builtin_popcountll(todo & mark) * size;
		/*
		 * Young, marked, and published before this cycle opened: one
		 * more aging sweep, counted from this cycle's own colour only
		 * (G5); the third promotes. Not from the previous colour: a
		 * marker still on the last cycle's phase writes it after that
		 * cycle closed, so it can hold a parent without its child
		 * (tools/model: GEN_STALE_MARK_AGES). Not for what was born
		 * since the open: the walk may read a child's word before the
		 * child is published and its parent's after (model.rst, "The
		 * sweep walk"). Both keep a parent's age at most its child's.
		 */
		age = todo & mark & ~old & ~born;
		/* 64 two-bit counters at once: (aged, aged2) goes (0,0) ->
		 * (1,0) -> (1,1) -> promoted, back to (0,0) with the old bit. */
		promote = age & aged2;
		if (unlikely(sc->promote_alone))
			promote = keep_traced(base, first, size, promote);
		first_age = age & ~aged2 & ~aged;
		second_age = age & ~aged2 & aged;
		aged = (aged | first_age) & ~promote;
		aged2 = (aged2 | second_age) & ~promote;
		new_old |= promote;
		sc->promoted_bytes += (uint64_t)__builtin_popcountll(promote) * size;
		/* The unmarked slots that hold an object: a type word that is
		 * not the freed type. Acquire: a published object's contents
		 * are visible. Pairs with the release store of the type word
		 * in __frost_seal_publish() and intern_build(). */
		for (uint64_t m = todo & ~mark; m; m &= m - 1) {
			uint64_t bit = m & -m;
			struct frost_object *o = (struct frost_object *)(void *)
				(base + (size_t)(first + __builtin_ctzll(bit)) * size);

			if (__atomic_load_n(&o->type, __ATOMIC_ACQUIRE) != &__frost_freed_type)
				unmarked |= bit;
		}
		if (!unmarked)
			goto store;
		/*
		 * Published since @mark was read, born marked: each mark was
		 * set before the type word read above, so one more reading of
		 * the word, after all of those, sees them all. Pairs with the
		 * release fetch_or in __frost_gc_test_and_mark(), ordered
		 * before the type store by __frost_seal_publish() and
		 * intern_build().
		 */
		mark = __atomic_load_n(&pg->mark[sc->colour][w], __ATOMIC_ACQUIRE);
		sc->kept_bytes += (uint64_t)__builtin_popcountll(unmarked & mark) * size;
		unmarked &= ~mark;
		aged &= ~unmarked;
		aged2 &= ~unmarked;
		unborn = unmarked;
		collected = 0;
		for (uint64_t m = unmarked; m; m &= m - 1) {
			uint64_t bit = m & -m;
			struct frost_object *o = (struct frost_object *)(void *)
				(base + (size_t)(first + __builtin_ctzll(bit)) * size);
			const struct frost_type *t;

			if (sc->garbage_full || __frost_stack_push_ptr(&gc->garbage, o)) {
				sc->garbage_full = true;	/* out of memory: it waits a cycle */
				continue;
			}
			collected |= bit;
			/* Collected: it is finalized now, once (the type
			 * word's line is in the cache since the loop above). */
			t = o->type;
			if (t->finalize)
				t->finalize(o);
		}
		new_old &= ~collected;
		sc->garbage_bytes += (uint64_t)__builtin_popcountll(collected) * size;
		sc->old_freed_bytes += (uint64_t)__builtin_popcountll(collected & old) * size;
		sc->young_freed += (uint64_t)__builtin_popcountll(collected & ~old) * size;
store:
		pg->aged[w] = aged;
		pg->aged2[w] = aged2;
		if (unborn) {
			/* The collected slots lose their born bits, once per
			 * word. Relaxed: no publication in them until they are
			 * free; others of the word may set theirs meanwhile. */
			__atomic_fetch_and(&pg->born[0][w], ~unborn, __ATOMIC_RELAXED);
			__atomic_fetch_and(&pg->born[1][w], ~unborn, __ATOMIC_RELAXED);
		}
		if (new_old != old) {
			/* Relaxed: read by markers through the phase (__frost_gc_is_old()). */
			__atomic_store_n(&pg->old[w], new_old, __ATOMIC_RELAXED);
			old_count = old_count + (uint32_t)__builtin_popcountll(new_old & ~old) -
				    (uint32_t)__builtin_popcountll(old & ~new_old);
		}
	}
	pg->old_count = old_count;
}

/* Sweep one large mapping (under heap->shared_lock). */
static void sweep_large(struct frost_shared_page *pg, void *arg)
{
	struct sweep_ctx *sc = arg;

	sweep_page(sc->heap, pg, sc);
}

static uint64_t sweep(struct frost_heap *heap, struct sweep_ctx *sc, uint64_t cycle)
{
	struct frost_gc *gc = __frost_heap_gc(heap)->gc;
	struct frost_shared_page *pg;
	struct frost_object **garbage;
	uint64_t bytes = 0, objects;
	size_t nr_large = 0, nr_garbage;
	struct rcu_reader rr;

	/* Weak intern entries go first: no lookup may find a string that is
	 * about to be freed (lib/ns/intern.c has the race argument). */
	rcu_reader_begin(&rr);
	urcu_qsbr_thread_online();
	if (__frost_heap_gc(heap)->roots->sweep_weak)
		__frost_heap_gc(heap)->roots->sweep_weak(heap, intern_is_marked, sc);
	urcu_qsbr_thread_offline();
	rcu_reader_end(&rr);

	__frost_stack_clear(&gc->garbage);
	__frost_shared_stats_alloc(heap, &objects, &sc->alloc_walk);
	pg = __frost_shared_snapshot_pages(heap, NULL, 0, &nr_large);
	for (; pg; pg = __frost_shared_slab_next(heap, pg))
		sweep_page(heap, pg, sc);
	/*
	 * Every large mapping, in place (not a capped snapshot): the aged
	 * bits of an unvisited young object would go stale. A large object
	 * being published meanwhile still reads "free" and is skipped; one
	 * freed never-published takes the lock and waits.
	 */
	sc->heap = heap;
	__frost_shared_for_each_large(heap, sweep_large, sc);

	/* The walk finalized the garbage as it collected it. */
	garbage = __frost_stack_array(&gc->garbage);
	nr_garbage = __frost_stack_len(&gc->garbage);
	bytes = sc->garbage_bytes;
	/* One more grace period before the memory is reused. */
	if (!(gc->broken & FROST_BREAK_SKIP_FREE_GP))
		handshake(heap, cycle);
	__frost_shared_free_batch(heap, garbage, nr_garbage);
	__atomic_fetch_add(&gc->freed_objects, nr_garbage, __ATOMIC_RELAXED);
	__atomic_fetch_add(&gc->freed_bytes, bytes, __ATOMIC_RELAXED);
	return nr_garbage;
}

/* ------------------------------------------------------------------ */
/* A cycle                                                             */

struct clear_ctx {
	unsigned int colour;
	bool young;		/* pages whose slots are all old keep their bits (G2) */
};

static void clear_large_colour(struct frost_shared_page *pg, void *arg)
{
	const struct clear_ctx *cc = arg;

	if (!cc->young || !page_all_old(pg)) {
		memset(pg->mark[cc->colour], 0, sizeof(pg->mark[cc->colour]));
		memset(pg->born[cc->colour], 0, sizeof(pg->born[cc->colour]));
	}
}

/*
 * Clear @colour's bitmap before a cycle uses it: on every page for a full
 * cycle; for a young one, on every page with a slot that is not old. A page
 * whose slots are all old has no free slot and no young object, so nothing
 * reads that bitmap there before a full cycle (which clears everything)
 * frees one of its slots.
 */
static void clear_colour(struct frost_heap *heap, unsigned int colour, bool young)
{
	struct clear_ctx cc = { .colour = colour, .young = young };
	struct frost_shared_page *pg;
	size_t nr_large = 0;

	pg = __frost_shared_snapshot_pages(heap, NULL, 0, &nr_large);
	for (; pg; pg = __frost_shared_slab_next(heap, pg))
		if (!young || !page_all_old(pg)) {
			memset(pg->mark[colour], 0, sizeof(pg->mark[colour]));
			/* No publication of the cycle number two back is
			 * still running (the last cycle's handshakes waited
			 * for every sandbox), and none has read this one. */
			memset(pg->born[colour], 0, sizeof(pg->born[colour]));
		}
	/*
	 * Every large mapping, in place: a stale bit is not "at worst
	 * floating garbage" but an object the markers take as already traced,
	 * whose children are then freed under it. A snapshot array (its
	 * allocation can fail, it holds at most FROST_GC_MAX_LARGE) missed
	 * some (t/t0800-fault.c). Slabs created after the snapshot start
	 * zeroed (fresh mmap).
	 */
	__frost_shared_for_each_large(heap, clear_large_colour, &cc);
}

/*
 * After the sweep: the generation counters, the live estimate the next
 * trigger is computed from, the statistics. @alloc_open: bytes allocated
 * when the cycle opened. What was frozen between the open and the start
 * of the sweep's page walk was born marked (or, before GP1, freed unless
 * reached) and is in what the sweep kept: it is subtracted. What was
 * frozen later is not in it (or only partly, on pages the walk had not
 * reached yet).
 */
static void cycle_account(struct frost_heap *heap, const struct sweep_ctx *sc, bool young,
			  uint64_t alloc_open, uint64_t cpu_ns)
{
	struct frost_gc *gc = __frost_heap_gc(heap)->gc;
	uint64_t old = __atomic_load_n(&gc->old_bytes, __ATOMIC_RELAXED);
	uint64_t during, kept;

	old = old - sc->old_freed_bytes + sc->promoted_bytes;
	__atomic_store_n(&gc->old_bytes, old, __ATOMIC_RELAXED);
	__atomic_fetch_add(&gc->promoted_bytes, sc->promoted_bytes, __ATOMIC_RELAXED);
	/* A young sweep skipped the old slots: they are kept too. */
	kept = sc->kept_bytes + (young ? old - sc->promoted_bytes : 0);
	__atomic_store_n(&gc->survivor_bytes, kept, __ATOMIC_RELAXED);
	/* Everything frozen while the cycle ran was born marked: it is no
	 * evidence of a live set, so it does not feed the trigger. */
	during = sc->alloc_walk - alloc_open;
	__atomic_store_n(&gc->live_bytes, kept > during ? kept - during : 0, __ATOMIC_RELAXED);
	/*
	 * Would young cycles pay? Yes if this cycle freed, of young objects,
	 * at least 1/FROST_GC_PRODUCTIVE of what was frozen since the cycle
	 * before began; a full cycle knows it too (the garbage it found that
	 * was not old), so the adaptive trigger switches back to young cycles
	 * without trying one. No when the garbage dies old (objects live
	 * longer than promotion takes): then young cycles free nothing and let
	 * the heap grow until the old generation forces a full one.
	 */
	if (sc->young_freed * FROST_GC_PRODUCTIVE < alloc_open - gc->open_alloc)
		gc->full_mode = true;
	else
		gc->full_mode = false;
	gc->open_alloc = alloc_open;
	if (young) {
		__atomic_fetch_add(&gc->young_cycles, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&gc->young_cpu_ns, cpu_ns, __ATOMIC_RELAXED);
	} else {
		__atomic_store_n(&gc->old_base, old, __ATOMIC_RELAXED);
		__atomic_fetch_add(&gc->full_cycles, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&gc->full_cpu_ns, cpu_ns, __ATOMIC_RELAXED);
	}
}

/*
 * Run one cycle, young or full (Documentation/design/reclaimer.rst, G1-G6);
 * the caller holds gc->cycle_lock. Return: objects freed.
 */
static uint64_t run_cycle(struct frost_heap *heap, bool young)
{
	struct frost_gc *gc = __frost_heap_gc(heap)->gc;
	uint64_t cycle = __atomic_load_n(&gc->cycles, __ATOMIC_RELAXED) + 1;
	unsigned int colour = (unsigned int)(cycle & 1);
	uint64_t start = now_ns(), cpu = thread_cpu_ns(), shaded, freed, alloc_objects, alloc_bytes;
	struct root_ctx rc = { .heap = heap };
	struct sweep_ctx sc = {
		.colour = colour,
		.young = young,
		.sweep_old = young && (gc->broken & FROST_BREAK_SWEEP_OLD),
		.promote_alone = gc->broken & FROST_BREAK_PROMOTE_ALONE,
	};
	struct rcu_reader rr;

	__frost_shared_stats_alloc(heap, &alloc_objects, &alloc_bytes);

	/* 1. open */
	clear_colour(heap, colour, young);
	/* Before the phase: an intern claim that sees the open phase loads
	 * this number or a later one (intern_claim() loads it after the
	 * phase, whose release store below orders this one before it). */
	__atomic_store_n(&__frost_heap_gc(heap)->gc_cycle_no, cycle, __ATOMIC_RELEASE);
	/* Release: pairs with the acquire loads in the barriers, in
	 * __frost_gc_phase() and in the handshake; a publication that reads
	 * this phase sees its colour's born bitmap cleared above
	 * (__frost_gc_born_marked()); also publishes the old bits the last
	 * sweep wrote to this cycle's markers. */
	__atomic_store_n(&__frost_heap_gc(heap)->gc_phase,
			 FROST_GC_ACTIVE | (colour << FROST_GC_COLOUR_SHIFT) |
			 (young ? FROST_GC_YOUNG : 0), __ATOMIC_RELEASE);

	/* 2. every sandbox sees the phase before any root is read */
	__atomic_store_n(&gc->step, FROST_GC_STEP_GP1, __ATOMIC_RELAXED);
	if (!(gc->broken & FROST_BREAK_SKIP_GP1))
		handshake(heap, cycle);

	/* 3. mark: the heap's shared roots (namespace, channels) here, each
	 * sandbox's roots (pins, private objects) at its handshake */
	__atomic_store_n(&gc->step, FROST_GC_STEP_MARK, __ATOMIC_RELAXED);
	rcu_reader_begin(&rr);
	urcu_qsbr_thread_online();
	__frost_heap_gc(heap)->roots->for_each_global(heap, mark_root, &rc);
	mark_root_flush(&rc);
	urcu_qsbr_thread_offline();
	rcu_reader_end(&rr);
	__atomic_store_n(&__frost_heap_gc(heap)->hs_scan_cycle, cycle, __ATOMIC_RELEASE);
	handshake(heap, cycle);

	/* 4. terminate: until a whole round shades nothing new */
	__atomic_store_n(&gc->step, FROST_GC_STEP_TERMINATE, __ATOMIC_RELAXED);
	if (!(gc->broken & FROST_BREAK_SKIP_TERMINATE)) {
		do {
			shaded = __atomic_load_n(&gc->shaded, __ATOMIC_RELAXED);
			handshake(heap, cycle);
			if (__atomic_load_n(&gc->overflow, __ATOMIC_RELAXED))
				retrace_all_marked(heap, colour, young);
		} while (__atomic_load_n(&gc->shaded, __ATOMIC_RELAXED) != shaded);
	}

	/* 5. sweep */
	__atomic_store_n(&gc->step, FROST_GC_STEP_SWEEP, __ATOMIC_RELAXED);
	freed = sweep(heap, &sc, cycle);

#ifdef CONFIG_FROST_DEBUG
	/* I1 after every sweep (lib/gc/check.c): under our cycle_lock; not
	 * with a bug planted on purpose (FROST_BREAK_PROMOTE_ALONE). */
	if (!gc->broken && __frost_gc_check_generations(heap))
		__frost_panic("heap %p: cycle %llu left old objects pointing to young ones",
			      (void *)heap, (unsigned long long)cycle);
#endif
	/* 6. close */
	__atomic_store_n(&__frost_heap_gc(heap)->gc_phase, FROST_GC_IDLE, __ATOMIC_RELEASE);
	__atomic_store_n(&gc->step, FROST_GC_STEP_IDLE, __ATOMIC_RELAXED);
	__atomic_store_n(&gc->trigger_bytes, alloc_bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&gc->last_freed_objects, freed, __ATOMIC_RELAXED);
	cycle_account(heap, &sc, young, alloc_bytes, thread_cpu_ns() - cpu);
	__atomic_fetch_add(&gc->cycles, 1, __ATOMIC_RELEASE);
	stat_max(&gc->max_cycle_ns, now_ns() - start);
	pthread_mutex_lock(&gc->wait_lock);
	pthread_cond_broadcast(&gc->cycle_done);
	pthread_mutex_unlock(&gc->wait_lock);
	return freed;
}

/* frost_reclaim() (full) or frost_reclaim_young() on a heap known to be live. */
static long reclaim_now(struct frost_heap *heap, bool young)
{
	struct frost_sandbox *sb = frost_sandbox_current();
	uint64_t freed;
	bool off;

	/* A calling sandbox is offline for the whole cycle: a quiescent
	 * state, and the reclaimer scans its roots like any offline one. */
	off = __frost_blocking_begin(sb);
	pthread_mutex_lock(&__frost_heap_gc(heap)->gc->cycle_lock);
	freed = run_cycle(heap, young);
	pthread_mutex_unlock(&__frost_heap_gc(heap)->gc->cycle_lock);
	__frost_blocking_end(sb, off);
	return (long)freed;
}

long frost_reclaim(struct frost_heap *heap)
{
	/* The registry, not __frost_heap_gc(heap)->magic: @heap may be freed memory. */
	if (!__frost_heap_live(heap))
		return -EINVAL;
	return reclaim_now(heap, false);
}

long frost_reclaim_young(struct frost_heap *heap)
{
	if (!__frost_heap_live(heap))
		return -EINVAL;
	return reclaim_now(heap, true);
}

void __frost_gc_over_limit(struct frost_sandbox *sb)
{
	/* An attached sandbox's heap is live: no registry lookup. */
	/* Full: whatever is unreachable, old or young, goes. */
	(void)reclaim_now(__frost_sb_gc(sb)->heap, false);
}


/* ------------------------------------------------------------------ */
/* The background thread                                               */

uint64_t __frost_gc_trigger(struct frost_heap *heap)
{
	uint64_t kept;

	if (__frost_heap_gc(heap)->cfg.cycle_trigger)
		return __frost_heap_gc(heap)->cfg.cycle_trigger;
	/* A share of the live estimate (not of what the last cycle kept:
	 * that includes what was born during it): with pacing at 1.5
	 * triggers, the young garbage stays under that share of the live set. */
	kept = __atomic_load_n(&__frost_heap_gc(heap)->gc->live_bytes, __ATOMIC_RELAXED) /
	       FROST_GC_TRIGGER_DIV;
	return kept > FROST_MIN_CYCLE_TRIGGER ? kept : FROST_MIN_CYCLE_TRIGGER;
}

/*
 * G1: the background reclaimer's next cycle is full once the old generation
 * has grown by 1/FROST_GC_FULL_GROWTH of what the last full cycle left old,
 * and by at least a trigger, or (adaptive trigger only) while young cycles
 * would not pay (cycle_account()); young otherwise. Context: under
 * gc->cycle_lock.
 */
static bool want_full(struct frost_heap *heap)
{
	struct frost_gc *gc = __frost_heap_gc(heap)->gc;
	uint64_t old = __atomic_load_n(&gc->old_bytes, __ATOMIC_RELAXED);
	uint64_t base = __atomic_load_n(&gc->old_base, __ATOMIC_RELAXED);
	uint64_t grow = base / FROST_GC_FULL_GROWTH, trigger = __frost_gc_trigger(heap);

	if (__frost_heap_gc(heap)->cfg.flags & FROST_HEAP_FULL_CYCLES)
		return true;
	if (!__frost_heap_gc(heap)->cfg.cycle_trigger && gc->full_mode)
		return true;
	if (grow < trigger)
		grow = trigger;
	return old >= base + grow;
}

/* Bytes allocated since the last cycle began. */
static uint64_t allocated_since_cycle(struct frost_heap *heap)
{
	uint64_t objects, bytes;

	__frost_shared_stats_alloc(heap, &objects, &bytes);
	return bytes - __atomic_load_n(&__frost_heap_gc(heap)->gc->trigger_bytes, __ATOMIC_RELAXED);
}

static bool over_trigger(struct frost_heap *heap)
{
	return allocated_since_cycle(heap) >= __frost_gc_trigger(heap);
}

void __frost_gc_pace(struct frost_sandbox *sb)
{
	struct frost_heap *heap = __frost_sb_gc(sb)->heap;
	struct frost_gc *gc = __frost_heap_gc(heap)->gc;
	uint64_t cycles;
	bool off;

	uint64_t pace_at = __frost_gc_trigger(heap) * 3 / 2;

	/* A tiny trigger asks for back-to-back cycles, not for allocators
	 * that wait for every one of them. */
	if (pace_at < FROST_MIN_PACE_BYTES)
		pace_at = FROST_MIN_PACE_BYTES;
	if (!gc->has_thread || allocated_since_cycle(heap) < pace_at)
		return;
	cycles = __atomic_load_n(&gc->cycles, __ATOMIC_ACQUIRE);
	/* The thread may not even have started the cycle: wake it. */
	__frost_gc_poke(heap);
	off = __frost_blocking_begin(sb);
	pthread_mutex_lock(&gc->wait_lock);
	/* A throttled reclaimer must not nap while we wait (duty_sleep()). */
	if (gc->pace_wanted < cycles + 1)
		gc->pace_wanted = cycles + 1;
	pthread_cond_signal(&gc->wake);
	while (__atomic_load_n(&gc->cycles, __ATOMIC_ACQUIRE) == cycles && !gc->stop)
		pthread_cond_wait(&gc->cycle_done, &gc->wait_lock);
	pthread_mutex_unlock(&gc->wait_lock);
	__frost_blocking_end(sb, off);
}

/* A paced allocator waits for a cycle not done yet. Context: gc->wait_lock. */
static bool pace_waiting(struct frost_gc *gc)
{
	return gc->pace_wanted > __atomic_load_n(&gc->cycles, __ATOMIC_RELAXED);
}

/*
 * After a cycle that took @cpu_ns of the background thread's CPU, sleep so
 * that the cycle and the nap together use reclaimer_duty percent of one
 * CPU; end the nap early for a paced allocator or for destruction. A poke
 * only wakes the wait to re-check: gc->poked stays set for the main loop.
 */
static void duty_sleep(struct frost_heap *heap, uint64_t cpu_ns)
{
	struct frost_gc *gc = __frost_heap_gc(heap)->gc;
	uint64_t duty = __frost_heap_gc(heap)->cfg.reclaimer_duty, nap;
	struct timespec until;

	if (duty >= FROST_RECLAIMER_DUTY_MAX || !duty || !cpu_ns)
		return;
	nap = cpu_ns * (FROST_RECLAIMER_DUTY_MAX - duty) / duty;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(nap / 1000000000u);
	until.tv_nsec += (long)(nap % 1000000000u);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&gc->wait_lock);
	while (!gc->stop && !pace_waiting(gc))
		if (pthread_cond_timedwait(&gc->wake, &gc->wait_lock, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&gc->wait_lock);
}

/*
 * Start the process-wide kicker from the thread that starts a reclaimer,
 * before the reclaimer runs: a thread inherits its creator's nice value,
 * and a kicker started by a reclaimer with reclaimer_nice would serve
 * every heap's handshakes at that low priority.
 */
static void kicker_prestart(void)
{
	pthread_once(&kick_once, kicker_start);
}

/* reclaimer_nice: lower the calling (background) thread's priority. */
static void reclaimer_set_nice(struct frost_heap *heap)
{
	unsigned int inc = __frost_heap_gc(heap)->cfg.reclaimer_nice;
	id_t tid = (id_t)syscall(SYS_gettid);
	int cur, want;

	if (!inc)
		return;
	errno = 0;
	cur = getpriority(PRIO_PROCESS, tid);
	if (cur == -1 && errno)
		goto fail;
	want = cur + (int)inc;
	if (want > (int)FROST_RECLAIMER_NICE_MAX)
		want = (int)FROST_RECLAIMER_NICE_MAX;
	if (!setpriority(PRIO_PROCESS, tid, want))
		return;
fail:
	fprintf(stderr, "frost: heap %p: cannot lower the reclaimer's priority by %u: %m\n",
		(void *)heap, inc);
}

static void *reclaimer_thread(void *arg)
{
	struct frost_heap *heap = arg;
	struct frost_gc *gc = __frost_heap_gc(heap)->gc;

	reclaimer_set_nice(heap);
	for (;;) {
		struct timespec until;
		bool stop;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += FROST_GC_IDLE_WAIT_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&gc->wait_lock);
		if (!gc->stop && !gc->poked)
			pthread_cond_timedwait(&gc->wake, &gc->wait_lock, &until);
		gc->poked = false;
		stop = gc->stop;
		pthread_mutex_unlock(&gc->wait_lock);
		if (stop)
			break;
		if (over_trigger(heap)) {
			uint64_t cpu = thread_cpu_ns();

			pthread_mutex_lock(&gc->cycle_lock);
			run_cycle(heap, !want_full(heap));
			pthread_mutex_unlock(&gc->cycle_lock);
			duty_sleep(heap, thread_cpu_ns() - cpu);
		}
	}
	return NULL;
}

/*
 * Fork hooks (lib/heap/fork.c). No cycle runs across fork(): prepare
 * takes the cycle lock, so the child's heap is between cycles and a cycle
 * that was half done in the parent is never half done in the child.
 */
void __frost_gc_fork_cycle(struct frost_heap *heap, enum frost_fork_phase phase)
{
	struct frost_gc *gc = __frost_heap_gc(heap)->gc;

	if (phase == FROST_FORK_PREPARE)
		pthread_mutex_lock(&gc->cycle_lock);
	else
		pthread_mutex_unlock(&gc->cycle_lock);
}

void __frost_gc_fork_locks(struct frost_heap *heap, enum frost_fork_phase phase)
{
	struct frost_gc *gc = __frost_heap_gc(heap)->gc;

	switch (phase) {
	case FROST_FORK_PREPARE:
		pthread_mutex_lock(&gc->wait_lock);
		break;
	case FROST_FORK_PARENT:
		pthread_mutex_unlock(&gc->wait_lock);
		break;
	case FROST_FORK_CHILD:
		/* The background thread and any paced allocator are gone. */
		pthread_cond_init(&gc->wake, NULL);
		pthread_cond_init(&gc->cycle_done, NULL);
		gc->poked = false;
		gc->pace_wanted = 0;
		pthread_mutex_unlock(&gc->wait_lock);
		break;
	}
}

void __frost_gc_fork_restart(struct frost_heap *heap)
{
	struct frost_gc *gc = __frost_heap_gc(heap)->gc;

	if (!gc->has_thread || __frost_heap_gc(heap)->magic != FROST_HEAP_MAGIC)
		return;
	/* Without a thread the heap behaves as FROST_HEAP_MANUAL. */
	kicker_prestart();
	if (pthread_create(&gc->thread, NULL, reclaimer_thread, heap)) {
		fprintf(stderr, "frost: cannot restart the reclaimer after fork(): "
			"cycles run only in frost_reclaim() and over shared_limit\n");
		gc->has_thread = false;
	}
}

void __frost_gc_poke(struct frost_heap *heap)
{
	struct frost_gc *gc = __frost_heap_gc(heap)->gc;

	if (!gc->has_thread)
		return;
	pthread_mutex_lock(&gc->wait_lock);
	gc->poked = true;
	pthread_cond_signal(&gc->wake);
	pthread_mutex_unlock(&gc->wait_lock);
}

/* Live shared bytes: allocated minus freed. */
static uint64_t live_bytes(struct frost_heap *heap)
{
	struct frost_heap_stats st;
	uint64_t objects, bytes;

	__frost_shared_stats_alloc(heap, &objects, &bytes);
	__frost_gc_stats(heap, &st);
	return bytes - st.freed_bytes;
}

/*
 * Leave what a FROST_SHARED_NOWAIT charge may not do (pace, or run a cycle
 * for shared_limit) to @sb's next quiescent state: __frost_gc_handshake()
 * calls __frost_gc_run_deferred(), and the next frost_quiescent() takes the
 * slow path to get there.
 */
static void defer_to_quiescent(struct frost_sandbox *sb, bool pace, size_t over_limit)
{
	struct frost_sandbox_gc *sg = __frost_sb_gc(sb);

	sg->pace_deferred |= pace;
	if (over_limit > sg->limit_deferred)
		sg->limit_deferred = over_limit;
	__frost_rcu_want_slow(sb);
}

void __frost_gc_run_deferred(struct frost_sandbox *sb)
{
	struct frost_sandbox_gc *sg = __frost_sb_gc(sb);
	struct frost_heap *heap = sg->heap;
	size_t over = sg->limit_deferred, limit = __frost_heap_gc(heap)->cfg.shared_limit;
	bool pace = sg->pace_deferred;

	sg->pace_deferred = false;
	sg->limit_deferred = 0;
	/* Still over the limit (no cycle ran meanwhile): run one now. */
	if (over && limit && live_bytes(heap) + over > limit)
		__frost_gc_over_limit(sb);
	else if (pace)
		__frost_gc_pace(sb);
}

int __frost_gc_charge(struct frost_sandbox *sb, size_t size, unsigned int flags)
{
	struct frost_sandbox_gc *sg = __frost_sb_gc(sb);
	struct frost_heap *heap = sg->heap;
	size_t limit = __frost_heap_gc(heap)->cfg.shared_limit;
	bool nowait = flags & FROST_SHARED_NOWAIT;

	if (sg->shared.alloc_bytes - sg->poke_bytes >= __frost_gc_trigger(heap) / 4) {
		sg->poke_bytes = sg->shared.alloc_bytes;
		__frost_gc_poke(heap);
		if (nowait)
			defer_to_quiescent(sb, true, 0);
		else
			__frost_gc_pace(sb);
	}
	if (!limit)
		return 0;
	if (live_bytes(heap) + size <= limit)
		return 0;
	if (nowait) {
		/* Fail at once; the cycle runs at the next quiescent state
		 * (or in the background reclaimer, woken here). */
		__frost_gc_poke(heap);
		defer_to_quiescent(sb, false, size);
		return -ENOMEM;
	}
	__frost_gc_over_limit(sb);
	return live_bytes(heap) + size <= limit ? 0 : -ENOMEM;
}

int __frost_gc_init(struct frost_heap *heap, const struct frost_gc_roots *roots)
{
	struct frost_gc *gc = __frost_should_fail() ? NULL : calloc(1, sizeof(*gc));

	if (!gc)
		return -ENOMEM;
	/* The collector's hooks in the layers below it, and where its roots
	 * are: all in place before its thread can start a cycle. */
	__frost_heap_gc(heap)->roots = roots;
	__frost_heap_gc(heap)->charge = __frost_gc_charge;
	__frost_heap_gc(heap)->quiescent = __frost_gc_handshake;
	pthread_mutex_init(&gc->cycle_lock, NULL);
	pthread_mutex_init(&gc->wait_lock, NULL);
	pthread_cond_init(&gc->wake, NULL);
	pthread_cond_init(&gc->cycle_done, NULL);
	__frost_stack_init(&gc->grey, NULL, 0, sizeof(struct frost_object *));
	__frost_stack_init(&gc->garbage, NULL, 0, sizeof(struct frost_object *));
	__frost_heap_gc(heap)->gc = gc;
	__frost_heap_gc(heap)->gc_phase = FROST_GC_IDLE;
	if (!(__frost_heap_gc(heap)->cfg.flags & FROST_HEAP_MANUAL)) {
		kicker_prestart();
		if (pthread_create(&gc->thread, NULL, reclaimer_thread, heap)) {
			__frost_heap_gc(heap)->gc = NULL;
			free(gc);
			return -EAGAIN;
		}
		gc->has_thread = true;
	}
	return 0;
}

void __frost_gc_destroy(struct frost_heap *heap)
{
	struct frost_gc *gc = __frost_heap_gc(heap)->gc;

	if (!gc)
		return;
	if (gc->has_thread) {
		pthread_mutex_lock(&gc->wait_lock);
		gc->stop = true;
		pthread_cond_signal(&gc->wake);
		pthread_mutex_unlock(&gc->wait_lock);
		pthread_join(gc->thread, NULL);
	}
	/* Our call_rcu kicks must have run before the heap memory goes. */
	urcu_qsbr_barrier();
	__frost_stack_release(&gc->grey);
	__frost_stack_release(&gc->garbage);
	pthread_cond_destroy(&gc->wake);
	pthread_cond_destroy(&gc->cycle_done);
	pthread_mutex_destroy(&gc->wait_lock);
	pthread_mutex_destroy(&gc->cycle_lock);
	free(gc);
	__frost_heap_gc(heap)->gc = NULL;
}

void __frost_gc_stats(struct frost_heap *heap, struct frost_heap_stats *st)
{
	struct frost_gc *gc = __frost_heap_gc(heap)->gc;

	st->cycles = __atomic_load_n(&gc->cycles, __ATOMIC_RELAXED);
	st->freed_objects = __atomic_load_n(&gc->freed_objects, __ATOMIC_RELAXED);
	st->freed_bytes = __atomic_load_n(&gc->freed_bytes, __ATOMIC_RELAXED);
	st->max_cycle_ns = __atomic_load_n(&gc->max_cycle_ns, __ATOMIC_RELAXED);
	st->max_handshake_ns = __atomic_load_n(&gc->max_handshake_ns, __ATOMIC_RELAXED);
	st->survivor_bytes = __atomic_load_n(&gc->survivor_bytes, __ATOMIC_RELAXED);
}

int frost_heap_cycle_stats(struct frost_heap *heap, struct frost_cycle_stats *st)
{
	struct frost_gc *gc;

	if (!st || !__frost_heap_live(heap))
		return -EINVAL;
	gc = __frost_heap_gc(heap)->gc;
	st->young_cycles = __atomic_load_n(&gc->young_cycles, __ATOMIC_RELAXED);
	st->full_cycles = __atomic_load_n(&gc->full_cycles, __ATOMIC_RELAXED);
	st->young_cpu_ns = __atomic_load_n(&gc->young_cpu_ns, __ATOMIC_RELAXED);
	st->full_cpu_ns = __atomic_load_n(&gc->full_cpu_ns, __ATOMIC_RELAXED);
	st->old_bytes = __atomic_load_n(&gc->old_bytes, __ATOMIC_RELAXED);
	st->promoted_bytes = __atomic_load_n(&gc->promoted_bytes, __ATOMIC_RELAXED);
	st->live_bytes = __atomic_load_n(&gc->live_bytes, __ATOMIC_RELAXED);
	st->trigger_bytes = __frost_gc_trigger(heap);
	return 0;
}

int frost_debug_break_reclaimer(struct frost_heap *heap, unsigned int flags)
{
	if ((flags & ~FROST_BREAK_ALL) || !__frost_heap_live(heap))
		return -EINVAL;
	pthread_mutex_lock(&__frost_heap_gc(heap)->gc->cycle_lock);
	__frost_heap_gc(heap)->gc->broken = (int)flags;
	pthread_mutex_unlock(&__frost_heap_gc(heap)->gc->cycle_lock);
	return 0;
}
