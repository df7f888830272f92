// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/channel/channel.c - bounded MPMC channels of shared objects.
 *
 * Theory of operation.
 *
 * The queue. A channel is a ring of @cap slots, each a sequence word and an
 * object pointer (Dmitry Vyukov's bounded MPMC queue), with two positions:
 * @tail, the next position a sender claims, and @head, the next position a
 * receiver claims. Positions only grow. The slot of position p is
 * slots[p % cap]; its sequence word says what the slot is waiting for:
 *
 *	seq == 2p	empty, waiting for the message of position p
 *	seq == 2p + 1	holds the message of position p
 *
 * A sender loads @tail = t, checks that slot t % cap has seq == 2t, claims
 * the position with a CAS on @tail, stores the object and publishes it with
 * seq = 2t + 1. A receiver loads @head = h, checks seq == 2h + 1, claims h
 * with a CAS on @head, takes the object, clears the slot's pointer and
 * hands the slot to position h + cap with seq = 2(h + cap). (Vyukov's
 * original uses p and p + 1; doubling lets a capacity of 1 tell "holds p"
 * from "empty, waiting for p + 1".) No lock, no allocation per message, and
 * each message is taken exactly once and, for one sender, in send order.
 * Bit 63 of @tail is the closed flag: frost_channel_close() sets it with an
 * atomic OR, so a send's claim CAS fails on a closed channel and every send
 * that succeeded was claimed before the close (close is linearisable). A
 * receiver returns -EPIPE only when the channel is closed and no position
 * below the final @tail is left for it.
 *
 * Why not CK's ck_ring or liburcu's wfcqueue. ck_ring's MPMC dequeue reads
 * a slot before its claim CAS (TSan reports it) and leaves the slot holding
 * a stale pointer that a producer may overwrite at any moment, so the
 * reclaimer could not tell live messages from stale ones without a lock;
 * its atomics are inline assembly unless CK_USE_CC_BUILTINS is set for the
 * whole translation unit, outside our one vocabulary (C11 __atomic).
 * wfcqueue is unbounded (a separate counter would bound it), allocates a
 * node per message, cannot be walked while nodes are dequeued and freed,
 * and its atomics are invisible to TSan too. Our ring is ~100 lines of
 * __atomic, which TSan sees completely.
 *
 * Waiting. A send on a full channel or a receive on an empty one, with a
 * non-zero timeout, goes to one helper, chan_wait(), with the attempt to
 * retry (send or receive) and the event to sleep on. It registers in the
 * event (struct chan_event: a futex word @seq and a count of @waiters)
 * and sleeps with futex(2) (FUTEX_WAIT_BITSET: an absolute CLOCK_MONOTONIC
 * deadline, so spurious wake-ups do not stretch the timeout). No spinning.
 * The sandbox goes offline around the sleep only (__frost_blocking_begin/
 * end): it never delays a grace period, and every ring operation and gc
 * barrier runs online. A successful operation
 * signals the opposite event - only when it has waiters: one load on the
 * fast path - by bumping @seq and waking every sleeper; each retries.
 *
 * Why not CK's ck_ec (measured, Documentation/design/ck.rst). A ck_ec
 * signal is a locked increment of the event word on every send and
 * receive (ours: one load of @waiters, a line that stays shared while
 * nobody waits): 228 vs our 232 Ir per uncontended send+recv pair, but
 * 45 vs 37 ns. ck_ec32_wait() spins ~100 pauses before it sleeps, which
 * on two CPUs takes the partner's CPU: frost-bench channel ping-pong RTT
 * p50/p99 6.4/21-59 us against our 1.3-1.5/1.9-2.4 us (1.6-1.9/17-19 us
 * with the spin cut to one). Its increment is inline asm even with
 * CK_USE_CC_BUILTINS and its slow paths live in libck.so, so TSan would
 * see none of it. ck_ec wins the stream pattern (up to 1.3x): its waiter
 * flag makes a signaller enter the kernel once per sleep, where we call
 * FUTEX_WAKE after every operation while anyone is registered.
 *
 * We wake all rather than one because a woken receiver can find the
 * head slot still being written (a slower sender claimed it first) and go
 * back to sleep; with wake-one that wake-up would be lost to the message
 * published behind it. Waiters are only sandboxes that found the channel
 * full or empty, so the herd is small.
 *
 * No lost wake-up (a Dekker pattern, every access below is seq_cst, so one
 * total order S contains them all):
 *
 *	waiter				signaller
 *	waiters += 1 (once)		publish slot seq
 *	s = ev->seq			if (waiters) {
 *	retry the operation (loads	    ev->seq += 1
 *	  the slot seq): fails		    futex_wake(all) }
 *	futex_wait(ev->seq == s)
 *
 * If the retry did not see the publication, the publication follows the
 * retry's load in S, hence the signaller's load of @waiters follows our
 * increment and sees it, and its ev->seq += 1 follows our read of s: the
 * futex_wait either finds ev->seq != s or is woken. Close bumps both
 * events and wakes everyone unconditionally. Ordering of the messages
 * themselves never relies on the futex: it is the release/acquire pairs on
 * the slot sequence words (TSan checks them).
 *
 * Roots. The reclaimer reads a channel's messages through
 * __frost_channels_for_each(): under __frost_heap_chan(heap)->lock (so no channel is freed
 * meanwhile) it walks the pending sends under the channel's lock, then
 * every slot's pointer with an acquire load, without stopping senders or
 * receivers. A non-NULL pointer is a message in the ring, one a sender is
 * publishing, or one a receiver has claimed and not yet cleared; all are
 * valid objects (the receiver clears the pointer before its next quiescent
 * state, so the pointer cannot outlive the object). A message that moves
 * during the walk is covered by the barriers:
 *  - into the ring: the sender calls __frost_gc_barrier(sb, NULL, obj)
 *    before each attempt, online, with no quiescent state until the slot
 *    is published. If the sender saw the cycle open, obj is shaded. If not,
 *    it has not passed a quiescent state since the cycle opened, so the
 *    cycle's first grace period, and thus the walk, comes after the store.
 *  - out of the ring: the receiver calls __frost_gc_barrier(sb, obj, NULL)
 *    after taking it, still online; it then holds obj until its next
 *    quiescent state (lifetime rule 1) like any object it looked up.
 * A blocked sender goes offline (a quiescent state) while the object it
 * sends is not yet in the ring: before it first sleeps it links the object
 * into the channel's list of pending sends (under @lock, read by the walk;
 * chan_wait() does it), after the barrier and with no quiescent state in
 * between, and unlinks it only after the send succeeded or failed, online. From the barrier to the
 * end of the call the object is in the list, in the ring, or both.
 *
 * Lifetime. The heap lists its channels under __frost_heap_chan(heap)->lock and refuses to be
 * destroyed while it has any. frost_channel_destroy() refuses (-EBUSY)
 * while a message is left, a sender is pending or any waiter is registered;
 * a waiter's registration is the last thing it drops before returning, so
 * close-then-destroy is safe once the waiters have left.
 *
 * Destroyed channels (type-stable memory). Send and receive check their
 * channel with one load of @magic, on every call; a registry lookup there
 * would put a global lock (or a hash probe) on the hottest path of the
 * API. So a destroyed channel's structure is never given back to malloc:
 * destroy frees the ring, clears @magic and puts the structure at the back
 * of a quarantine (a FIFO under chan_quarantine_lock); create reuses the
 * front one only once more than FROST_CHANNEL_QUARANTINE wait there. A
 * stale handle therefore always points to a struct frost_channel, whose
 * @magic reads 0 (every call on it says EINVAL, close does nothing) until
 * at least that many channels have been destroyed after it; from then on
 * it may name a new, live channel - never freed memory. The memory kept
 * is bounded: at most the peak number of live channels plus the
 * quarantine's length, one structure (~320 bytes) each.
 *
 * Lock order: __frost_heap_chan(heap)->lock, then a channel's @lock (both leaf-like: nothing
 * else is taken under them). Send and receive take only @lock, and only on
 * their slow path. chan_quarantine_lock is a leaf.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include "core/fault.h"
#include "channel/channel.h"

#define FROST_CHANNEL_MAGIC	0x6368616eu	/* "chan" */
#define CHAN_CLOSED		(UINT64_C(1) << 63)
#define CHAN_CACHELINE		64

/* struct chan_slot - one ring slot: sequence word, then the message. */
struct chan_slot {
	uint64_t seq;
	struct frost_object *obj;
};

/*
 * struct chan_event - sleepers of one kind (senders or receivers).
 * @seq: the futex word, bumped by every wake-up.
 * @waiters: callers registered to sleep on @seq.
 */
struct chan_event {
	uint32_t seq;
	uint32_t waiters;
};

/* struct chan_pending - a blocked sender's object (on its stack). */
struct chan_pending {
	struct frost_object *obj;
	struct chan_pending *prev, *next;
};

/*
 * struct frost_channel - see the theory of operation.
 * @magic: FROST_CHANNEL_MAGIC while alive.
 * @heap: the heap; @prev, @next: its channel list (__frost_heap_chan(heap)->lock).
 * @cap: capacity, @slots: the ring.
 * @lock: protects @pending.
 * @pending: the objects of blocked senders (the reclaimer's walk reads them).
 * @tail, @head: positions (atomic); bit 63 of @tail is the closed flag.
 * @not_empty: receivers wait here; @not_full: senders wait here.
 */
struct frost_channel {
	uint32_t magic;
	struct frost_heap *heap;
	struct frost_channel *prev, *next;
	uint64_t cap;
	struct chan_slot *slots;
	pthread_mutex_t lock;
	struct chan_pending *pending;

	uint64_t tail __attribute__((aligned(CHAN_CACHELINE)));
	uint64_t head __attribute__((aligned(CHAN_CACHELINE)));
	struct chan_event not_empty __attribute__((aligned(CHAN_CACHELINE)));
	struct chan_event not_full __attribute__((aligned(CHAN_CACHELINE)));
};

/* The quarantine of destroyed channels (see "Destroyed channels"). */
static pthread_mutex_t chan_quarantine_lock = PTHREAD_MUTEX_INITIALIZER;
static struct frost_channel *chan_quarantine;		/* oldest first */
static struct frost_channel **chan_quarantine_tail = &chan_quarantine;
static unsigned int chan_quarantine_len;

/* A structure for a new channel: a reused dead one, or fresh memory. */
static struct frost_channel *chan_struct_alloc(void)
{
	struct frost_channel *ch = NULL;
	void *mem;

	pthread_mutex_lock(&chan_quarantine_lock);
	if (chan_quarantine_len > FROST_CHANNEL_QUARANTINE) {
		ch = chan_quarantine;
		chan_quarantine = ch->next;
		if (!chan_quarantine)
			chan_quarantine_tail = &chan_quarantine;
		chan_quarantine_len--;
	}
	pthread_mutex_unlock(&chan_quarantine_lock);
	if (!ch && !posix_memalign(&mem, CHAN_CACHELINE, sizeof(*ch)))
		ch = mem;
	return ch;
}

/* The quarantine's lock across fork() (lib/heap/fork.c): a leaf. */
void __frost_channel_quarantine_fork(enum frost_fork_phase phase)
{
	if (phase == FROST_FORK_PREPARE)
		pthread_mutex_lock(&chan_quarantine_lock);
	else
		pthread_mutex_unlock(&chan_quarantine_lock);
}

/* @ch is dead (magic 0, ring freed): to the back of the quarantine. */
static void chan_struct_free(struct frost_channel *ch)
{
	pthread_mutex_lock(&chan_quarantine_lock);
	ch->next = NULL;
	*chan_quarantine_tail = ch;
	chan_quarantine_tail = &ch->next;
	chan_quarantine_len++;
	pthread_mutex_unlock(&chan_quarantine_lock);
}

/* ------------------------------------------------------------------ */
/* futex and time                                                      */

/*
 * Sleep while *@word == @val, until @deadline (CLOCK_MONOTONIC, absolute;
 * NULL: no limit). Return: -ETIMEDOUT, or 0 (woken, value changed, signal).
 * errno is preserved.
 */
static int futex_wait(uint32_t *word, uint32_t val, const struct timespec *deadline)
{
	int saved = errno, ret = 0;

	if (syscall(SYS_futex, word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, val, deadline,
		    NULL, FUTEX_BITSET_MATCH_ANY) == -1 && errno == ETIMEDOUT)
		ret = -ETIMEDOUT;
	errno = saved;
	return ret;
}

static void futex_wake_all(uint32_t *word)
{
	int saved = errno;

	syscall(SYS_futex, word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
	errno = saved;
}

static void deadline_after(struct timespec *ts, int timeout_ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += timeout_ms / 1000;
	ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static bool deadline_passed(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* ------------------------------------------------------------------ */
/* Events                                                              */

/*
 * Wake @ev's sleepers, if it has any. Called after a slot's seq store.
 * Seq_cst: the @waiters load pairs with the seq_cst increment in
 * chan_wait_begin() (the Dekker pattern in the theory of operation).
 */
static inline void chan_signal(struct chan_event *ev)
{
	if (likely(!__atomic_load_n(&ev->waiters, __ATOMIC_SEQ_CST)))
		return;
	/* Seq_cst: ordered after the @waiters load; pairs with the seq_cst
	 * load of @seq in chan_sleep_prepare(). */
	__atomic_fetch_add(&ev->seq, 1, __ATOMIC_SEQ_CST);
	futex_wake_all(&ev->seq);
}

static void chan_wait_begin(struct chan_event *ev)
{
	/* Seq_cst: pairs with the seq_cst load in chan_signal(). */
	__atomic_fetch_add(&ev->waiters, 1, __ATOMIC_SEQ_CST);
}

/* The last access a waiter makes to its channel (see destroy). */
static void chan_wait_end(struct chan_event *ev)
{
	/* Release: our accesses to the channel happen before a destroy that
	 * sees the count drop. Pairs with the acquire loads in
	 * frost_channel_destroy(). */
	__atomic_fetch_sub(&ev->waiters, 1, __ATOMIC_RELEASE);
}

/* Snapshot @ev's futex word before retrying the operation. */
static inline uint32_t chan_sleep_prepare(struct chan_event *ev)
{
	/* Seq_cst: pairs with the seq_cst increment in chan_signal(). */
	return __atomic_load_n(&ev->seq, __ATOMIC_SEQ_CST);
}

/*
 * Sleep on @ev until it moves past @s or @deadline passes, offline: a
 * quiescent state for @sb that delays no grace period. Return: 0 or
 * -ETIMEDOUT.
 */
static int chan_sleep(struct frost_sandbox *sb, struct chan_event *ev, uint32_t s,
		      const struct timespec *deadline)
{
	bool off = __frost_blocking_begin(sb);
	int ret = futex_wait(&ev->seq, s, deadline);

	__frost_blocking_end(sb, off);
	return ret;
}

/* ------------------------------------------------------------------ */
/* The ring                                                            */

static inline struct chan_slot *ring_slot(struct frost_channel *ch, uint64_t pos)
{
	return &ch->slots[pos % ch->cap];
}

/*
 * One send attempt. Return: 0 (sent), -EAGAIN (full) or -EPIPE (closed).
 * Context: @sb online; @obj checked.
 */
static int ring_try_send(struct frost_sandbox *sb, struct frost_channel *ch,
			 struct frost_object *obj)
{
	uint64_t t = __atomic_load_n(&ch->tail, __ATOMIC_RELAXED);
	struct chan_slot *slot;

	/* The channel becomes a root of @obj: shade it if a cycle is open
	 * (see "Roots" above). */
	__frost_gc_barrier(sb, NULL, obj);
	for (;;) {
		int64_t diff;
		uint64_t seq;

		if (unlikely(t & CHAN_CLOSED))
			return -EPIPE;
		slot = ring_slot(ch, t);
		/* Seq_cst (acquire at least): the receiver that emptied the
		 * slot is done with it. Pairs with the seq_cst store in
		 * ring_try_recv(); seq_cst also for chan_signal()'s Dekker
		 * pattern. */
		seq = __atomic_load_n(&slot->seq, __ATOMIC_SEQ_CST);
		diff = (int64_t)(seq - 2 * t);
		if (diff == 0) {
			/* Relaxed: the slot's seq orders the data. */
			if (__atomic_compare_exchange_n(&ch->tail, &t, t + 1, true,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
				break;
		} else if (diff < 0) {
			return -EAGAIN;		/* still holds position t - cap */
		} else {
			t = __atomic_load_n(&ch->tail, __ATOMIC_RELAXED);
		}
	}
	/* Release: the reclaimer's walk reads a valid object. Pairs with the
	 * acquire load in __frost_channels_for_each(). */
	__atomic_store_n(&slot->obj, obj, __ATOMIC_RELEASE);
	/* Seq_cst (release at least): publishes the message. Pairs with the
	 * seq_cst load in ring_try_recv(). */
	__atomic_store_n(&slot->seq, 2 * t + 1, __ATOMIC_SEQ_CST);
	chan_signal(&ch->not_empty);
	return 0;
}

/*
 * One receive attempt. Return: 0 (*@out set), -EAGAIN (empty for now) or
 * -EPIPE (closed and drained). Context: @sb online.
 */
static int ring_try_recv(struct frost_sandbox *sb, struct frost_channel *ch,
			 struct frost_object **out)
{
	uint64_t h = __atomic_load_n(&ch->head, __ATOMIC_RELAXED);
	struct frost_object *obj;
	struct chan_slot *slot;

	for (;;) {
		int64_t diff;
		uint64_t seq;

		slot = ring_slot(ch, h);
		/* Seq_cst (acquire at least): the message is visible. Pairs
		 * with the seq_cst store in ring_try_send(). */
		seq = __atomic_load_n(&slot->seq, __ATOMIC_SEQ_CST);
		diff = (int64_t)(seq - (2 * h + 1));
		if (diff == 0) {
			/* Relaxed: the slot's seq orders the data. */
			if (__atomic_compare_exchange_n(&ch->head, &h, h + 1, true,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
				break;
		} else if (diff < 0) {
			/* Nothing at h yet. Closed with no position >= h
			 * claimed: nothing will come. Seq_cst: pairs with the
			 * seq_cst OR in frost_channel_close(). */
			uint64_t t = __atomic_load_n(&ch->tail, __ATOMIC_SEQ_CST);

			if ((t & CHAN_CLOSED) && (t & ~CHAN_CLOSED) <= h)
				return -EPIPE;
			return -EAGAIN;
		} else {
			h = __atomic_load_n(&ch->head, __ATOMIC_RELAXED);
		}
	}
	obj = __atomic_load_n(&slot->obj, __ATOMIC_RELAXED);
	/* Cleared before our next quiescent state: the walk never sees a
	 * pointer that outlived its object. Relaxed: the seq store below
	 * orders it for the next sender. */
	__atomic_store_n(&slot->obj, NULL, __ATOMIC_RELAXED);
	/* Seq_cst (release at least): the slot is free for position
	 * h + cap. Pairs with the seq_cst load in ring_try_send(). */
	__atomic_store_n(&slot->seq, 2 * (h + ch->cap), __ATOMIC_SEQ_CST);
	/* The channel no longer holds @obj (receive barrier). */
	__frost_gc_barrier(sb, obj, NULL);
	chan_signal(&ch->not_full);
	*out = obj;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */

struct frost_channel *frost_channel_create(struct frost_heap *heap, size_t capacity)
{
	struct frost_channel *ch;

	if (capacity < 1 || capacity > FROST_CHANNEL_MAX_CAPACITY || !__frost_heap_live(heap))
		return frost_err_null(EINVAL);
	ch = __frost_should_fail() ? NULL : chan_struct_alloc();
	if (!ch)
		return frost_err_null(ENOMEM);
	memset(ch, 0, sizeof(*ch));
	ch->cap = capacity;
	ch->slots = __frost_should_fail() ? NULL : malloc(capacity * sizeof(*ch->slots));
	if (!ch->slots)
		goto err_free;
	for (uint64_t i = 0; i < capacity; i++) {
		ch->slots[i].seq = 2 * i;
		ch->slots[i].obj = NULL;
	}
	if (pthread_mutex_init(&ch->lock, NULL))
		goto err_slots;
	ch->heap = heap;
	ch->magic = FROST_CHANNEL_MAGIC;

	pthread_mutex_lock(&__frost_heap_chan(heap)->lock);
	/* Defensive only: a destroy of the heap that raced with this call
	 * (unsupported, Documentation/core-api/heap.rst) and won. */
	if (__frost_heap_chan(heap)->magic != FROST_HEAP_MAGIC) {
		pthread_mutex_unlock(&__frost_heap_chan(heap)->lock);
		pthread_mutex_destroy(&ch->lock);
		free(ch->slots);
		ch->slots = NULL;
		ch->magic = 0;
		chan_struct_free(ch);
		return frost_err_null(EINVAL);
	}
	ch->next = __frost_heap_chan(heap)->channels;
	if (ch->next)
		ch->next->prev = ch;
	__frost_heap_chan(heap)->channels = ch;
	__frost_heap_chan(heap)->nr_channels++;
	pthread_mutex_unlock(&__frost_heap_chan(heap)->lock);
	return ch;

err_slots:
	free(ch->slots);
err_free:
	ch->slots = NULL;
	chan_struct_free(ch);	/* magic is 0: a dead channel */
	return frost_err_null(ENOMEM);
}

/* Common argument checks of send and receive. */
static int chan_check(struct frost_sandbox *sb, struct frost_channel *ch, int timeout_ms)
{
	__frost_sandbox_guard(sb);
	if (unlikely(!ch || ch->magic != FROST_CHANNEL_MAGIC ||
		     timeout_ms < -1 || !__frost_sandbox_online(sb)))
		return -EINVAL;
	if (unlikely(__frost_sb_gc(sb)->heap != ch->heap))
		return -EPERM;
	return 0;
}

static void pending_add(struct frost_channel *ch, struct chan_pending *p)
{
	pthread_mutex_lock(&ch->lock);
	p->prev = NULL;
	p->next = ch->pending;
	if (p->next)
		p->next->prev = p;
	ch->pending = p;
	pthread_mutex_unlock(&ch->lock);
}

static void pending_del(struct frost_channel *ch, struct chan_pending *p)
{
	pthread_mutex_lock(&ch->lock);
	if (p->prev)
		p->prev->next = p->next;
	else
		ch->pending = p->next;
	if (p->next)
		p->next->prev = p->prev;
	pthread_mutex_unlock(&ch->lock);
}

/*
 * An attempt of send or receive: ring_try_send() or ring_try_recv(), with
 * the message behind @objp (read by a send, written by a receive).
 */
typedef int chan_try_fn(struct frost_sandbox *sb, struct frost_channel *ch,
			struct frost_object **objp);

static int chan_try_send(struct frost_sandbox *sb, struct frost_channel *ch,
			 struct frost_object **objp)
{
	return ring_try_send(sb, ch, *objp);
}

static int chan_try_recv(struct frost_sandbox *sb, struct frost_channel *ch,
			 struct frost_object **objp)
{
	return ring_try_recv(sb, ch, objp);
}

/*
 * chan_wait() - the slow path of send and receive: retry @try, sleeping on
 * @ev between attempts, until it stops saying -EAGAIN or @timeout_ms (> 0,
 * or -1 for no limit) has passed. @pending, a blocked sender's object, is
 * linked into the channel's pending sends for the whole wait, so that it
 * stays a root while we are offline (see "Roots"); receivers pass NULL.
 * The registration in @ev (and @pending) is the last thing dropped before
 * returning (see "Lifetime"). Signals and spurious wake-ups just retry;
 * the deadline is absolute, so they do not stretch the timeout.
 *
 * Return: what the last attempt returned (0 or -EPIPE), or -ETIMEDOUT.
 * Context: @sb online; a quiescent state (offline while it sleeps).
 */
static int chan_wait(struct frost_sandbox *sb, struct frost_channel *ch,
		     struct chan_event *ev, chan_try_fn *try,
		     struct frost_object **objp, struct chan_pending *pending,
		     int timeout_ms)
{
	struct timespec deadline;
	int ret;

	if (timeout_ms > 0)
		deadline_after(&deadline, timeout_ms);
	if (pending)
		pending_add(ch, pending);
	chan_wait_begin(ev);
	for (;;) {
		uint32_t s = chan_sleep_prepare(ev);

		ret = try(sb, ch, objp);
		if (ret != -EAGAIN)
			break;
		if (timeout_ms > 0 && deadline_passed(&deadline)) {
			ret = -ETIMEDOUT;
			break;
		}
		chan_sleep(sb, ev, s, timeout_ms > 0 ? &deadline : NULL);
	}
	if (pending)
		pending_del(ch, pending);
	chan_wait_end(ev);
	return ret;
}

int frost_channel_send(struct frost_sandbox *sb, struct frost_channel *ch,
		       struct frost_object *shared, int timeout_ms)
{
	struct chan_pending pending;
	int ret;

	ret = chan_check(sb, ch, timeout_ms);
	if (unlikely(ret))
		return ret;
	ret = __frost_shared_check(sb, shared);
	if (unlikely(ret))
		return ret;

	ret = ring_try_send(sb, ch, shared);
	if (likely(ret != -EAGAIN) || timeout_ms == 0)
		return ret;
	/* Slow path: the object stays a root while we sleep (see "Roots"). */
	pending.obj = shared;
	return chan_wait(sb, ch, &ch->not_full, chan_try_send, &shared, &pending,
			 timeout_ms);
}

int frost_channel_recv(struct frost_sandbox *sb, struct frost_channel *ch,
		       struct frost_object **out, int timeout_ms)
{
	int ret;

	ret = chan_check(sb, ch, timeout_ms);
	if (unlikely(ret))
		return ret;
	if (unlikely(!out))
		return -EINVAL;

	ret = ring_try_recv(sb, ch, out);
	if (likely(ret != -EAGAIN) || timeout_ms == 0)
		return ret;
	return chan_wait(sb, ch, &ch->not_empty, chan_try_recv, out, NULL, timeout_ms);
}

void frost_channel_close(struct frost_channel *ch)
{
	if (!ch || ch->magic != FROST_CHANNEL_MAGIC)
		return;
	/* Seq_cst: no send claims a position after this. Pairs with the
	 * seq_cst loads of @tail in ring_try_recv() and the claim CAS in
	 * ring_try_send() (which fails once the bit is set). */
	__atomic_fetch_or(&ch->tail, CHAN_CLOSED, __ATOMIC_SEQ_CST);
	/* Wake everyone, registered or about to sleep: the bumps make a
	 * futex_wait() with an older snapshot return at once. */
	__atomic_fetch_add(&ch->not_empty.seq, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&ch->not_full.seq, 1, __ATOMIC_SEQ_CST);
	futex_wake_all(&ch->not_empty.seq);
	futex_wake_all(&ch->not_full.seq);
}

int frost_channel_destroy(struct frost_channel *ch)
{
	struct frost_heap *heap;
	bool busy;

	if (!ch || ch->magic != FROST_CHANNEL_MAGIC)
		return -EINVAL;
	heap = ch->heap;
	pthread_mutex_lock(&__frost_heap_chan(heap)->lock);
	pthread_mutex_lock(&ch->lock);
	/* Acquire: a waiter that left is done with the channel. Pairs with
	 * the release decrement in chan_wait_end(). */
	busy = ch->pending ||
	       __atomic_load_n(&ch->not_empty.waiters, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&ch->not_full.waiters, __ATOMIC_ACQUIRE) ||
	       (__atomic_load_n(&ch->tail, __ATOMIC_ACQUIRE) & ~CHAN_CLOSED) !=
	       __atomic_load_n(&ch->head, __ATOMIC_ACQUIRE);
	if (busy) {
		pthread_mutex_unlock(&ch->lock);
		pthread_mutex_unlock(&__frost_heap_chan(heap)->lock);
		return -EBUSY;
	}
	ch->magic = 0;
	if (ch->prev)
		ch->prev->next = ch->next;
	else
		__frost_heap_chan(heap)->channels = ch->next;
	if (ch->next)
		ch->next->prev = ch->prev;
	__frost_heap_chan(heap)->nr_channels--;
	pthread_mutex_unlock(&ch->lock);
	pthread_mutex_unlock(&__frost_heap_chan(heap)->lock);

	pthread_mutex_destroy(&ch->lock);
	free(ch->slots);
	ch->slots = NULL;
	/* Type-stable: a stale handle keeps reading magic 0. */
	chan_struct_free(ch);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Roots for the reclaimer                                             */

void __frost_channels_for_each(struct frost_heap *heap,
			       void (*fn)(struct frost_object *o, void *arg), void *arg)
{
	pthread_mutex_lock(&__frost_heap_chan(heap)->lock);
	for (struct frost_channel *ch = __frost_heap_chan(heap)->channels; ch; ch = ch->next) {
		pthread_mutex_lock(&ch->lock);
		for (struct chan_pending *p = ch->pending; p; p = p->next)
			fn(p->obj, arg);
		pthread_mutex_unlock(&ch->lock);
		for (uint64_t i = 0; i < ch->cap; i++) {
			/* Acquire: pairs with the release store of the
			 * pointer in ring_try_send(). */
			struct frost_object *o = __atomic_load_n(&ch->slots[i].obj,
								 __ATOMIC_ACQUIRE);

			if (o)
				fn(o, arg);
		}
	}
	pthread_mutex_unlock(&__frost_heap_chan(heap)->lock);
}

/* ------------------------------------------------------------------ */
/* fork()                                                              */

/*
 * Rebuild @ch's ring in a fork child, the only thread: a send or receive
 * that a gone thread had claimed (a position taken with the CAS) but not
 * finished would block the ring for ever. The published messages from
 * @head to @tail stay, in order; a claimed send that was not published
 * never returned in the child, so its message is dropped, and so is a
 * claimed receive's slot that was not handed back.
 */
static void chan_rebuild_after_fork(struct frost_channel *ch)
{
	uint64_t closed = ch->tail & CHAN_CLOSED;
	uint64_t h = ch->head, t = ch->tail & ~CHAN_CLOSED, w = h;

	for (uint64_t p = h; p < t; p++) {
		struct chan_slot *slot = ring_slot(ch, p);
		struct frost_object *obj = slot->obj;

		/* Slots of positions below @p were read already (p - h < cap). */
		if (slot->seq == 2 * p + 1 && obj) {
			ring_slot(ch, w)->obj = obj;
			w++;
		}
	}
	for (uint64_t p = h; p < h + ch->cap; p++) {
		struct chan_slot *slot = ring_slot(ch, p);

		slot->seq = p < w ? 2 * p + 1 : 2 * p;
		if (p >= w)
			slot->obj = NULL;
	}
	ch->tail = w | closed;
	/* Blocked senders and receivers were other threads. */
	ch->pending = NULL;
	ch->not_empty.waiters = 0;
	ch->not_full.waiters = 0;
}

void __frost_channels_fork(struct frost_heap *heap, enum frost_fork_phase phase)
{
	for (struct frost_channel *ch = __frost_heap_chan(heap)->channels; ch; ch = ch->next) {
		switch (phase) {
		case FROST_FORK_PREPARE:
			pthread_mutex_lock(&ch->lock);
			break;
		case FROST_FORK_PARENT:
			pthread_mutex_unlock(&ch->lock);
			break;
		case FROST_FORK_CHILD:
			chan_rebuild_after_fork(ch);
			pthread_mutex_unlock(&ch->lock);
			break;
		}
	}
}

bool __frost_channels_busy(struct frost_heap *heap)
{
	return __frost_heap_chan(heap)->nr_channels != 0;
}
