// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tools/torture/roles.c - what each frost-torture sandbox does.
 *
 * Theory of operation. Every role but the reclaim loop is a sandbox
 * started with frost_sandbox_spawn(); each loops until main sets t->stop,
 * calling frost_quiescent() at the top of every iteration, so everything
 * it obtains inside an iteration is valid until the next one (lifetime
 * rule 1) and everything it keeps longer sits in a root (rule 2).
 *
 *  writer    owns the slots s with s % writers == its number and publishes
 *            generation after generation of each (objects.c), mostly with
 *            frost_publish_replace() against the generation it published
 *            before (a CAS that must succeed: nobody else stores there),
 *            sometimes with frost_unpublish() + create, sometimes with a
 *            plain frost_publish(). A slot's chunk lives across 4
 *            generations in the writer's private holder object; the next
 *            chunk is frozen one interval before it is first published
 *            (held meanwhile only by the holder), and the chunk it
 *            replaces stays reachable one generation longer, only through
 *            the new structure's node. Every writer also CASes the
 *            contended last slot, building on the chunk of what it read,
 *            which it pins until the CAS; every 100-300 ms it waits offline
 *            there for two cycles (hot_wait()).
 *  reader    batches of lookups, each verified at once and again at the
 *            end of the batch (same interval), with generation and age
 *            checks (below); sometimes offline for a moment.
 *  pinner    pins looked-up structures (sometimes twice) for 1-100
 *            iterations and re-verifies them every iteration; sleeps
 *            offline between iterations, pins held.
 *  keeper    appends looked-up structures to a private list, re-verifies
 *            the list every 16 iterations, then wraps one of them in a new
 *            frozen tuple, publishes that as "keep-N" and drops the list:
 *            the item is then reachable only through the new wrapper.
 *  sender    wraps a looked-up structure in a message and sends it
 *            (timeout: a blocking send is a quiescent state).
 *  receiver  blocks in frost_channel_recv() (offline while waiting) and
 *            verifies each message, and per sender that sequence numbers
 *            only grow (one sender's messages arrive in order).
 *  staller   (--stall) every second keeps one structure and spins three
 *            stall-warning periods without a quiescent state, then
 *            checks the structure is intact.
 *  reclaim loop (--reclaim-loop) a plain thread calling frost_reclaim().
 *
 * Generations and age. Before publishing generation g+1 of slot s its
 * writer stores cur_gen = g+1 (release); after replacing g it reads the
 * heap's cycle count r and records (g, r) in the slot's ring (release).
 * A reader reads cur_gen before (lower) and after (upper) its lookup
 * (acquire: pairs with the writer's release; the namespace store is a
 * release and the lookup an acquire, so a reader that sees g+1 bound sees
 * cur_gen >= g+1). Found g > upper, or g + 1 < lower, the namespace
 * returned a generation it cannot hold.
 *
 * The contended slot's generations form one chain too: each writer builds
 * info.gen + 1 on the structure info.gen it read and CASes it in against
 * that structure, pinned from the lookup to the CAS (writer_hot() says why
 * the pin is needed). After a successful CAS the writer raises cur_gen to
 * the generation it published (raise_hot_gen(), release) and records the
 * one it replaced. A reader that loads lower before its lookup (acquire)
 * therefore finds at least lower: g < lower is an error. The lookup that
 * found g is ordered after every earlier CAS of the chain (each writer
 * looked up, acquire, what its release CAS replaced), and each writer has
 * at most one published generation it has not raised cur_gen to yet, so
 * of the generations g - writers .. g two are one writer's, and the raise
 * of the first precedes the CAS of the second: g > upper + writers is an
 * error. Generation numbers are unique (one CAS replaces each), so the
 * ring records, and the age checks below, are exact for it as well.
 *
 * Let c0 be the cycle count the reader reads right after its quiescent
 * state and before the lookup, and now the count read at the end of the
 * batch, before its next quiescent state. The lookup found g bound, so g
 * was replaced after the lookup: r >= c0 (r < c0 is an error). Every cycle
 * waits at least once for every online sandbox to pass a quiescent state
 * (its root-scan handshake, which no --break flag removes), so at most one
 * cycle can complete inside one interval: now <= c0 + 1, hence the age
 * now - r is 0 or 1. An age of 2 or more means cycles completed without
 * waiting for this reader: an error. The histogram counts every read.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "torture.h"

#define CHUNK_REUSE		4	/* generations that share one chunk */
#define READ_BATCH		8
#define WRITER_BATCH		32
#define MAX_PINS		16
#define KEEP_LIST_MAX		64
#define ERRORS_PRINTED_MAX	20
#define STALL_PERIOD_MS		1000

const char *const torture_err_names[TE_NR] = {
	[TE_OK] = "ok",
	[TE_FREED] = "freed",
	[TE_POISON] = "poison",
	[TE_TYPE] = "type",
	[TE_SHAPE] = "shape",
	[TE_SUM] = "checksum",
	[TE_GEN] = "generation",
	[TE_AGE] = "age",
	[TE_NS] = "namespace",
	[TE_ORDER] = "order",
	[TE_API] = "api",
	[TE_LEAK] = "leak",
	[TE_EDGE] = "old-to-young",
};

const char *const torture_role_names[ROLE_NR] = {
	[ROLE_READER] = "reader",
	[ROLE_WRITER] = "writer",
	[ROLE_PINNER] = "pinner",
	[ROLE_KEEPER] = "keeper",
	[ROLE_SENDER] = "sender",
	[ROLE_RECEIVER] = "receiver",
	[ROLE_STALLER] = "staller",
	[ROLE_RECLAIMER] = "reclaim-loop",
	[ROLE_AGER] = "ager",
	[ROLE_MAIN] = "main",
};

void torture_error(struct torture_worker *w, enum torture_err kind, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	ST_INC(&w->st, err[kind]);
	if (__atomic_fetch_add(&w->t->errors_printed, 1, __ATOMIC_RELAXED) >= ERRORS_PRINTED_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "frost-torture: ERROR %s %u: %s: %s\n", torture_role_names[w->role], w->idx,
		torture_err_names[kind], msg);
}

static uint64_t heap_cycles(struct torture *t)
{
	struct frost_heap_stats st;

	frost_heap_stats(t->heap, &st);
	return st.cycles;
}

static void sleep_us(unsigned int us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* An allocation failure is expected only under --fault-every. */
static void count_failure(struct torture_worker *w, int err, const char *what)
{
	if (err == ENOMEM)
		ST_INC(&w->st, enomem);
	else
		torture_error(w, TE_API, "%s failed: %s", what, strerror(err));
}

/* Verify a structure; report and return false if it is broken. */
static bool verify(struct torture_worker *w, struct frost_object *o, int slot,
		   struct slot_info *info, const char *what)
{
	char why[256];
	enum torture_err e = torture_verify_slot(o, slot, info, why, sizeof(why));

	if (e)
		torture_error(w, e, "%s (slot %d): %s", what, slot, why);
	return !e;
}

/* ------------------------------------------------------------------ */
/* Slot records                                                        */

static void record_replaced(struct torture *t, unsigned int slot, uint64_t gen)
{
	uint64_t r = heap_cycles(t);

	if (r > TORTURE_R_MASK)
		r = TORTURE_R_MASK;
	/* Release: pairs with the acquire load in ring_lookup(). */
	__atomic_store_n(&t->slots[slot].ring[gen % TORTURE_RING],
			 (gen << 24) | r, __ATOMIC_RELEASE);
}

/* Return AGE_CURRENT (not replaced yet), AGE_UNKNOWN, or AGE_0 with *r set. */
static enum torture_age ring_lookup(struct torture *t, unsigned int slot, uint64_t gen, uint64_t *r)
{
	uint64_t mask = (UINT64_C(1) << TORTURE_GEN_BITS) - 1;
	/* Acquire: pairs with the release store in record_replaced(). */
	uint64_t e = __atomic_load_n(&t->slots[slot].ring[gen % TORTURE_RING], __ATOMIC_ACQUIRE);
	uint64_t tag = e >> 24;

	if (tag == (gen & mask) && e) {
		*r = e & TORTURE_R_MASK;
		return *r == TORTURE_R_MASK ? AGE_UNKNOWN : AGE_0;
	}
	return tag > (gen & mask) ? AGE_UNKNOWN : AGE_CURRENT;
}

static uint64_t load_cur_gen(struct torture *t, unsigned int slot)
{
	/* Acquire: pairs with the release store in writer_update(). */
	return __atomic_load_n(&t->slots[slot].cur_gen, __ATOMIC_ACQUIRE);
}

/* ------------------------------------------------------------------ */
/* Writer                                                              */

struct writer {
	struct torture_worker *w;
	struct frost_sandbox *sb;
	unsigned int nown;
	unsigned int *own;		/* slot numbers */
	uint64_t *gen;			/* generation published (or to create) */
	uint8_t *bound;			/* is gen bound now? (0 or 1) */
	/* holder slots: [0, nown) current chunks, [nown, 2 nown) next
	 * chunks, [2 nown] the chunk for the contended slot */
	struct frost_object *holder;
	uint64_t hot_tries;
	uint64_t hot_wait_ms;		/* no hot_wait() before this time */
};

static struct frost_object *new_chunk(struct writer *wr)
{
	uint64_t id = __atomic_add_fetch(&wr->w->t->next_chunk_id, 1, __ATOMIC_RELAXED);
	struct frost_object *c = torture_chunk_new(wr->sb, id);

	if (c)
		ST_INC(&wr->w->st, chunks);
	else
		count_failure(wr->w, errno, "freezing a chunk");
	return c;
}

static void writer_update(struct writer *wr, unsigned int j)
{
	struct torture_worker *w = wr->w;
	struct torture *t = w->t;
	unsigned int s = wr->own[j];
	struct torture_slot *ts = &t->slots[s];
	struct frost_object **hs = torture_holder_slots(wr->holder);
	struct frost_object *cur, *chunk, *prev, *nw;
	uint64_t g = wr->gen[j], ng = wr->bound[j] ? g + 1 : g;
	bool switching = false;
	struct slot_info info;
	unsigned int mode;
	int ret;

	if (!hs[j] && !(hs[j] = new_chunk(wr)))
		return;
	cur = frost_lookup(wr->sb, ts->name);
	if (wr->bound[j]) {
		if (!cur) {
			torture_error(w, TE_NS, "slot %u: generation %" PRIu64 " published by me is gone (%s)",
				      s, g, strerror(errno));
			return;
		}
		if (!verify(w, cur, (int)s, &info, "writer's current"))
			return;
		if (info.gen != g) {
			torture_error(w, TE_NS, "slot %u holds generation %" PRIu64 ", I published %" PRIu64,
				      s, info.gen, g);
			return;
		}
	} else if (cur) {
		torture_error(w, TE_NS, "slot %u: unbound by me but holds %p", s, (void *)cur);
		return;
	}
	chunk = prev = hs[j];
	if (ng % CHUNK_REUSE == 0 && hs[wr->nown + j]) {
		chunk = hs[wr->nown + j];
		switching = true;
	}
	nw = torture_slot_new(wr->sb, ts, s, ng, chunk, prev);
	if (!nw) {
		count_failure(w, errno, "building a slot structure");
		return;
	}
	/* Release: pairs with the acquire loads in load_cur_gen(). */
	__atomic_store_n(&ts->cur_gen, ng, __ATOMIC_RELEASE);

	mode = (unsigned int)(torture_rand(w) % 16);
	if (wr->bound[j] && mode == 0) {
		ret = frost_unpublish(wr->sb, ts->name);
		if (ret) {
			torture_error(w, TE_NS, "unpublish slot %u: %s", s, strerror(-ret));
			return;
		}
		record_replaced(t, s, g);
		wr->bound[j] = false;
		ret = frost_publish_replace(wr->sb, ts->name, NULL, nw);
	} else if (mode == 1) {
		ret = frost_publish(wr->sb, ts->name, nw);
	} else {
		ret = frost_publish_replace(wr->sb, ts->name, wr->bound[j] ? cur : NULL, nw);
	}
	if (ret == -ENOMEM) {
		ST_INC(&w->st, enomem);
		wr->gen[j] = wr->bound[j] ? g : ng;
		return;
	}
	if (ret) {
		torture_error(w, TE_NS, "storing slot %u generation %" PRIu64 ": %s",
			      s, ng, strerror(-ret));
		return;
	}
	if (wr->bound[j])
		record_replaced(t, s, g);
	wr->gen[j] = ng;
	wr->bound[j] = true;
	ST_INC(&w->st, updates);
	/* A hint for the pinners, nothing more: relaxed. */
	__atomic_store_n(&t->last_slot, s, __ATOMIC_RELAXED);
	if (switching) {
		hs[j] = hs[wr->nown + j];
		hs[wr->nown + j] = NULL;
	}
	/* Freeze the next chunk now: until it is published, a few intervals
	 * from now, only the private holder reaches it. */
	if ((ng + 1) % CHUNK_REUSE == 0 && !hs[wr->nown + j])
		hs[wr->nown + j] = new_chunk(wr);
}

/*
 * Raise the contended slot's cur_gen to @g (a generation just published
 * there), unless another writer raised it further already.
 */
static void raise_hot_gen(struct torture_slot *ts, uint64_t g)
{
	uint64_t old = __atomic_load_n(&ts->cur_gen, __ATOMIC_RELAXED);

	/* Release: pairs with the acquire loads in load_cur_gen(). */
	while (old < g && !__atomic_compare_exchange_n(&ts->cur_gen, &old, g, false,
							__ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

/*
 * Every 100-300 ms, wait offline until two cycles have ended: pacing inside
 * torture_slot_new()'s freezes does the same now and then (under load), and
 * this makes the window between writer_hot()'s lookup and its CAS, which
 * only the pin covers, wide and frequent enough to be tested.
 */
static void hot_wait(struct writer *wr)
{
	struct torture *t = wr->w->t;
	uint64_t until, now = now_ms();

	if (now < wr->hot_wait_ms)
		return;
	wr->hot_wait_ms = now + 100 + torture_rand(wr->w) % 201;
	until = heap_cycles(t) + 2;
	frost_sandbox_offline(wr->sb);
	while (heap_cycles(t) < until && !torture_stopping(t))
		sleep_us(100);
	frost_sandbox_online(wr->sb);
	ST_INC(&wr->w->st, offline);
}

/*
 * The contended slot: everybody CASes it from what they just read. The
 * structure read is pinned until the CAS is done: building the new one may
 * be a quiescent state (a freeze that paces), after which an unpinned
 * @cur, replaced meanwhile, may be freed and its memory reused for a newer
 * generation bound there; the CAS, comparing pointers, would then succeed
 * against that one and bind generation info.gen + 1 over a newer one (the
 * slot's history going back, its later generations published twice).
 */
static void writer_hot(struct writer *wr)
{
	struct torture_worker *w = wr->w;
	struct torture *t = w->t;
	unsigned int s = torture_hot_slot(t);
	struct torture_slot *ts = &t->slots[s];
	struct frost_object **hs = torture_holder_slots(wr->holder);
	struct frost_object *cur, *nw, *hot_chunk = hs[2 * wr->nown];
	struct slot_info info = { .gen = 0 };
	int ret;

	if (!hot_chunk || wr->hot_tries++ % 8 == 0) {
		hot_chunk = new_chunk(wr);
		if (!hot_chunk)
			return;
		hs[2 * wr->nown] = hot_chunk;
	}
	cur = frost_lookup(wr->sb, ts->name);
	if (cur && !verify(w, cur, (int)s, &info, "contended slot"))
		return;
	if (!cur && w->idx != 0)
		return;		/* writer 0 creates it */
	if (cur) {
		ret = frost_pin(wr->sb, cur);
		if (ret) {
			count_failure(w, -ret, "pinning the contended slot's structure");
			return;
		}
		hot_wait(wr);
	}
	/* The new node points at the chunk of what we read: an object we
	 * obtained by a lookup becomes reachable through our new parent. */
	nw = torture_slot_new(wr->sb, ts, s, cur ? info.gen + 1 : 0, hot_chunk,
			      cur ? frost_tuple_get(cur, 3) : hot_chunk);
	if (!nw) {
		count_failure(w, errno, "building a contended structure");
		goto out;
	}
	ret = frost_publish_replace(wr->sb, ts->name, cur, nw);
	if (ret == 0) {
		if (cur) {
			raise_hot_gen(ts, info.gen + 1);
			record_replaced(t, s, info.gen);
		}
		ST_INC(&w->st, hot_updates);
	} else if (ret == -EAGAIN) {
		ST_INC(&w->st, cas_fail);
	} else {
		count_failure(w, -ret, "CAS on the contended slot");
	}
out:
	if (cur) {
		ret = frost_unpin(wr->sb, cur);
		if (ret)
			torture_error(w, TE_API, "unpinning the contended slot's structure: %s",
				      strerror(-ret));
	}
}

static int writer_main(struct frost_sandbox *sb, struct torture_worker *w)
{
	struct torture *t = w->t;
	unsigned int nown = 0, n = 0;
	struct writer wr = { .w = w, .sb = sb };
	uint64_t iter = 0;

	for (unsigned int s = w->idx; s < t->p.slots; s += t->p.writers)
		nown++;
	wr.nown = nown;
	wr.own = calloc(nown + 1, sizeof(*wr.own));
	wr.gen = calloc(nown + 1, sizeof(*wr.gen));
	wr.bound = calloc(nown + 1, sizeof(*wr.bound));
	while (!wr.holder && !torture_stopping(t)) {
		wr.holder = torture_holder_new(sb, 2 * nown + 1);
		if (!wr.holder)
			count_failure(w, errno, "allocating the holder");
	}
	if (!wr.own || !wr.gen || !wr.bound || !wr.holder) {
		if (!torture_stopping(t))
			torture_error(w, TE_API, "out of memory at start");
		goto out;
	}
	for (unsigned int s = w->idx; s < t->p.slots; s += t->p.writers)
		wr.own[n++] = s;

	while (!torture_stopping(t)) {
		/* Batches of 1-32 updates per interval: a long interval keeps
		 * this writer's grey objects untraced for a while (see the
		 * pinner), and delays other sandboxes' handshakes. */
		unsigned int batch = 1 + (unsigned int)(torture_rand(w) % WRITER_BATCH);

		frost_quiescent(sb);
		for (unsigned int b = 0; b < batch && !torture_stopping(t); b++, iter++) {
			if (nown)
				writer_update(&wr, (unsigned int)(iter % nown));
			if (iter % 4 == 0 || !nown)
				writer_hot(&wr);
		}
	}
out:
	if (wr.holder)
		frost_decref(wr.holder);
	free(wr.own);
	free(wr.gen);
	free(wr.bound);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reader                                                              */

struct held {
	struct frost_object *o;
	unsigned int slot;
	struct slot_info info;
};

static int reader_main(struct frost_sandbox *sb, struct torture_worker *w)
{
	struct torture *t = w->t;
	struct held held[READ_BATCH];
	struct frost_binding **bind = calloc(t->nr_slots, sizeof(*bind));

	/* Half the reads go through resolved names (frost_binding_lookup()),
	 * which must see exactly what frost_lookup() sees. */
	for (unsigned int s = 0; bind && s < t->nr_slots; s++) {
		bind[s] = frost_binding_new(sb, t->slots[s].name);
		if (!bind[s])
			torture_error(w, TE_API, "binding %s: %s", t->slots[s].name, strerror(errno));
	}
	while (!torture_stopping(t)) {
		unsigned int nheld = 0, batch;
		enum torture_age kind[READ_BATCH];
		uint64_t c0, now, r[READ_BATCH];

		frost_quiescent(sb);
		if (torture_rand(w) % 64 == 0) {
			frost_sandbox_offline(sb);
			sleep_us(50);
			frost_sandbox_online(sb);
			ST_INC(&w->st, offline);
		}
		c0 = heap_cycles(t);
		batch = 1 + (unsigned int)(torture_rand(w) % READ_BATCH);
		for (unsigned int i = 0; i < batch; i++) {
			unsigned int s = (unsigned int)(torture_rand(w) % t->nr_slots);
			bool hot = s == torture_hot_slot(t);
			uint64_t lower = load_cur_gen(t, s), upper, rr;
			bool through = bind && bind[s] && torture_rand(w) % 2;
			struct frost_object *o = through ? frost_binding_lookup(bind[s])
				: frost_lookup(sb, t->slots[s].name);
			struct slot_info info;

			if (!o) {
				if (errno == ENOENT)
					ST_INC(&w->st, misses);
				else
					torture_error(w, TE_API, "lookup %s: %s", t->slots[s].name,
						      strerror(errno));
				continue;
			}
			ST_INC(&w->st, reads);
			if (through)
				ST_INC(&w->st, bound);
			if (!verify(w, o, (int)s, &info, through ? "binding" : "lookup"))
				continue;
			upper = load_cur_gen(t, s);
			if (!hot && info.gen > upper)
				torture_error(w, TE_GEN, "slot %u: read generation %" PRIu64
					      " but its writer is only at %" PRIu64, s, info.gen, upper);
			if (hot && info.gen > upper + t->p.writers)
				torture_error(w, TE_GEN, "slot %u: read generation %" PRIu64
					      " but its writers have raised it only to %" PRIu64
					      " (at most %u more in flight)", s, info.gen, upper,
					      t->p.writers);
			if (info.gen + (hot ? 0 : 1) < lower)
				torture_error(w, TE_GEN, "slot %u: read generation %" PRIu64
					      " after %" PRIu64 " was published", s, info.gen, lower);
			if (ring_lookup(t, s, info.gen, &rr) == AGE_0 && rr < c0)
				torture_error(w, TE_AGE, "slot %u: generation %" PRIu64 " was replaced at cycle %"
					      PRIu64 ", before this lookup began (cycle %" PRIu64 ")",
					      s, info.gen, rr, c0);
			held[nheld].o = o;
			held[nheld].slot = s;
			held[nheld].info = info;
			nheld++;
		}
		/* End of the interval: everything read must still be intact. */
		for (unsigned int i = 0; i < nheld; i++) {
			struct slot_info again;

			if (verify(w, held[i].o, (int)held[i].slot, &again, "re-check") &&
			    again.gen != held[i].info.gen)
				torture_error(w, TE_SUM, "slot %u: generation %" PRIu64 " became %" PRIu64
					      " while held", held[i].slot, held[i].info.gen, again.gen);
			ST_INC(&w->st, rechecks);
			kind[i] = ring_lookup(t, held[i].slot, held[i].info.gen, &r[i]);
		}
		/* Read after the records: now >= every r seen (coherence). */
		now = heap_cycles(t);
		for (unsigned int i = 0; i < nheld; i++) {
			uint64_t age;

			if (kind[i] != AGE_0) {
				ST_INC(&w->st, age[kind[i]]);
				continue;
			}
			age = now >= r[i] ? now - r[i] : 0;
			ST_INC(&w->st, age[age >= 3 ? AGE_3PLUS : AGE_0 + age]);
			if (age >= 2)
				torture_error(w, TE_AGE, "slot %u generation %" PRIu64 ": %" PRIu64
					      " cycles completed since it was replaced, inside one"
					      " interval (cycle %" PRIu64 " at its start)",
					      held[i].slot, held[i].info.gen, age, c0);
		}
	}
	for (unsigned int s = 0; bind && s < t->nr_slots; s++)
		frost_binding_free(bind[s]);
	free(bind);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Pinner                                                              */

struct pinrec {
	struct frost_object *o;
	unsigned int slot, count, life;
	uint64_t gen;		/* a slot structure of this generation, or */
	uint64_t sub_of;	/* the sub of this chunk (0: a structure) */
};

static void unpin_all(struct torture_worker *w, struct frost_sandbox *sb, struct pinrec *p)
{
	for (unsigned int k = 0; k < p->count; k++) {
		int ret = frost_unpin(sb, p->o);

		if (ret)
			torture_error(w, TE_API, "unpin %u of %u: %s", k + 1, p->count, strerror(-ret));
	}
	p->o = NULL;
}

static void pinner_check(struct torture_worker *w, struct pinrec *p)
{
	struct slot_info info;
	char why[256];
	enum torture_err e;

	ST_INC(&w->st, rechecks);
	if (p->sub_of) {
		e = torture_verify_sub(p->o, p->sub_of, why, sizeof(why));
		if (e)
			torture_error(w, e, "pinned sub of chunk %" PRIu64 " (slot %u): %s",
				      p->sub_of, p->slot, why);
		return;
	}
	if (verify(w, p->o, (int)p->slot, &info, "pinned") && info.gen != p->gen)
		torture_error(w, TE_SUM, "pinned slot %u generation %" PRIu64 " became %" PRIu64,
			      p->slot, p->gen, info.gen);
}

/* Pin @o (twice, sometimes) into a free entry of @pins. */
static void pinner_pin(struct torture_worker *w, struct frost_sandbox *sb, struct pinrec *pins,
		       struct frost_object *o, const struct pinrec *what, unsigned int max_life)
{
	struct pinrec *p = NULL;
	int ret;

	for (unsigned int i = 0; i < MAX_PINS && !p; i++)
		if (!pins[i].o)
			p = &pins[i];
	if (!p)
		return;
	ret = frost_pin(sb, o);
	if (ret) {
		count_failure(w, -ret, "frost_pin");
		return;
	}
	*p = *what;
	p->o = o;
	p->count = 1;
	p->life = 1 + (unsigned int)(torture_rand(w) % max_life);
	ST_INC(&w->st, pins);
	if (torture_rand(w) % 4 == 0) {
		ret = frost_pin(sb, o);
		if (ret)
			count_failure(w, -ret, "second frost_pin");
		else
			p->count++;
	}
}

static int pinner_main(struct frost_sandbox *sb, struct torture_worker *w)
{
	struct torture *t = w->t;
	struct pinrec pins[MAX_PINS] = { { 0 } };
	uint64_t iter = 0;

	while (!torture_stopping(t)) {
		struct slot_info info;
		struct frost_object *o;
		unsigned int s;

		frost_quiescent(sb);
		for (unsigned int i = 0; i < MAX_PINS; i++) {
			if (!pins[i].o)
				continue;
			pinner_check(w, &pins[i]);
			if (--pins[i].life == 0)
				unpin_all(w, sb, &pins[i]);
		}
		/* A whole structure, for up to 100 intervals. */
		s = (unsigned int)(torture_rand(w) % t->nr_slots);
		o = frost_lookup(sb, t->slots[s].name);
		if (!o) {
			ST_INC(&w->st, misses);
		} else if (verify(w, o, (int)s, &info, "to pin")) {
			ST_INC(&w->st, reads);
			pinner_pin(w, sb, pins, o, &(struct pinrec){ .slot = s, .gen = info.gen }, 100);
		}
		/*
		 * The sub of the chunk of the structure published last: right
		 * after its writer published it, that chunk may still sit in
		 * the writer's grey buffer, so this pin may be the first to
		 * mark the sub (roles.c's header, objects.c's).
		 */
		s = __atomic_load_n(&t->last_slot, __ATOMIC_RELAXED) % t->nr_slots;
		o = frost_lookup(sb, t->slots[s].name);
		if (o && verify(w, o, (int)s, &info, "to pin a sub")) {
			ST_INC(&w->st, reads);
			pinner_pin(w, sb, pins, torture_chunk_sub(frost_tuple_get(o, 3)),
				   &(struct pinrec){ .slot = s, .sub_of = info.chunk_id }, 20);
		}
		/* Sometimes sleep offline with the pins held: the reclaimer
		 * scans them itself then. */
		if (++iter % 8 == 0) {
			frost_sandbox_offline(sb);
			sleep_us(100);
			frost_sandbox_online(sb);
			ST_INC(&w->st, offline);
		}
	}
	for (unsigned int i = 0; i < MAX_PINS; i++)
		if (pins[i].o)
			unpin_all(w, sb, &pins[i]);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Keeper                                                              */

static int keeper_main(struct frost_sandbox *sb, struct torture_worker *w)
{
	struct torture *t = w->t;
	struct slot_info infos[KEEP_LIST_MAX], kinfo, last_info = { 0 };
	struct frost_object *list = NULL;
	char name[32];
	uint64_t iter = 0, seq = 0;
	bool published = false;
	size_t n = 0;

	snprintf(name, sizeof(name), "keep-%u", w->idx);
	while (!torture_stopping(t)) {
		struct frost_object *o;
		unsigned int s;

		frost_quiescent(sb);
		iter++;
		if (!list) {
			list = frost_list_new(sb);
			n = 0;
			if (!list) {
				count_failure(w, errno, "frost_list_new");
				continue;
			}
		}
		s = (unsigned int)(torture_rand(w) % t->nr_slots);
		o = frost_lookup(sb, t->slots[s].name);
		if (!o) {
			ST_INC(&w->st, misses);
		} else if (verify(w, o, (int)s, &infos[n], "to keep")) {
			int ret = frost_list_append(sb, list, o);

			ST_INC(&w->st, reads);
			if (ret) {
				count_failure(w, -ret, "frost_list_append");
			} else {
				n++;
				ST_INC(&w->st, kept);
			}
		}
		/* Kept across quiescent states: verify them all. */
		if (iter % 16 == 0) {
			for (size_t i = 0; i < n; i++) {
				struct slot_info info;

				ST_INC(&w->st, rechecks);
				if (verify(w, frost_list_get(list, i), (int)infos[i].slot, &info, "kept") &&
				    info.gen != infos[i].gen)
					torture_error(w, TE_SUM, "kept slot %u generation %" PRIu64 " became %"
						      PRIu64, infos[i].slot, infos[i].gen, info.gen);
			}
		}
		/* Move one item from the list into a new published wrapper and
		 * drop the list: the item stays reachable only through it. */
		if (n == KEEP_LIST_MAX) {
			size_t k = (size_t)(torture_rand(w) % n);
			struct frost_object *wrap = torture_keep_new(sb, seq + 1, frost_list_get(list, k),
								     &infos[k]);

			if (!wrap) {
				count_failure(w, errno, "building a keeper wrapper");
			} else {
				int ret = frost_publish(sb, name, wrap);

				if (ret) {
					count_failure(w, -ret, "publishing a keeper wrapper");
				} else {
					seq++;
					last_info = infos[k];
					published = true;
					ST_INC(&w->st, keep_pub);
				}
			}
			frost_decref(list);
			list = NULL;
		}
		if (published && iter % 8 == 0) {
			struct frost_object *wrap = frost_lookup(sb, name);
			char why[256];
			uint64_t got;
			enum torture_err e;

			if (!wrap) {
				torture_error(w, TE_NS, "%s: published wrapper is gone", name);
				continue;
			}
			ST_INC(&w->st, rechecks);
			e = torture_verify_keep(wrap, &got, &kinfo, why, sizeof(why));
			if (e)
				torture_error(w, e, "%s: %s", name, why);
			else if (got != seq || kinfo.gen != last_info.gen || kinfo.slot != last_info.slot)
				torture_error(w, TE_NS, "%s: wrapper %" PRIu64 " (slot %u gen %" PRIu64
					      "), published %" PRIu64, name, got, kinfo.slot, kinfo.gen, seq);
		}
		if (iter % 4 == 0) {
			frost_sandbox_offline(sb);
			sleep_us(50);
			frost_sandbox_online(sb);
			ST_INC(&w->st, offline);
		}
	}
	if (list)
		frost_decref(list);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Channel sender and receiver                                         */

static int sender_main(struct frost_sandbox *sb, struct torture_worker *w)
{
	struct torture *t = w->t;
	uint64_t seq = 0;

	while (!torture_stopping(t)) {
		unsigned int s = (unsigned int)(torture_rand(w) % t->nr_slots);
		struct frost_object *o, *msg;
		struct slot_info info;
		int ret;

		frost_quiescent(sb);
		o = frost_lookup(sb, t->slots[s].name);
		if (!o) {
			ST_INC(&w->st, misses);
			continue;
		}
		ST_INC(&w->st, reads);
		if (!verify(w, o, (int)s, &info, "to send"))
			continue;
		msg = torture_msg_new(sb, seq, w->idx, o, info.gen);
		if (!msg) {
			count_failure(w, errno, "building a message");
			continue;
		}
		/* A send that waits is a quiescent state: o and msg are the
		 * channel's from here on. */
		ret = frost_channel_send(sb, t->chan, msg, 20);
		if (ret == 0) {
			seq++;
			ST_INC(&w->st, sent);
		} else if (ret == -EPIPE) {
			break;
		} else if (ret != -ETIMEDOUT && ret != -EAGAIN) {
			count_failure(w, -ret, "frost_channel_send");
		}
	}
	return 0;
}

static int receiver_main(struct frost_sandbox *sb, struct torture_worker *w)
{
	struct torture *t = w->t;
	uint64_t *next = calloc(t->p.senders + 1, sizeof(*next));

	if (!next) {
		torture_error(w, TE_API, "out of memory at start");
		return 0;
	}
	/* Runs until the channel is closed and empty, after t->stop. */
	for (;;) {
		struct frost_object *msg;
		struct slot_info info;
		unsigned int sender;
		uint64_t seq;
		char why[256];
		enum torture_err e;
		int ret;

		frost_quiescent(sb);
		ret = frost_channel_recv(sb, t->chan, &msg, 100);
		if (ret == -EPIPE)
			break;
		if (ret == -ETIMEDOUT || ret == -EAGAIN)
			continue;
		if (ret) {
			count_failure(w, -ret, "frost_channel_recv");
			continue;
		}
		ST_INC(&w->st, received);
		e = torture_verify_msg(msg, &seq, &sender, &info, why, sizeof(why));
		if (e) {
			torture_error(w, e, "message: %s", why);
			continue;
		}
		if (sender >= t->p.senders) {
			torture_error(w, TE_SHAPE, "message from sender %u of %u", sender, t->p.senders);
			continue;
		}
		if (seq < next[sender])
			torture_error(w, TE_ORDER, "sender %u: message %" PRIu64 " after %" PRIu64,
				      sender, seq, next[sender] - 1);
		next[sender] = seq + 1;
	}
	free(next);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Staller and the reclaim loop                                        */

static int staller_main(struct frost_sandbox *sb, struct torture_worker *w)
{
	struct torture *t = w->t;
	uint64_t next_stall = now_ms() + STALL_PERIOD_MS / 2;
	unsigned int stall_ms = 3 * t->stall_warn_ms;

	while (!torture_stopping(t)) {
		unsigned int s = (unsigned int)(torture_rand(w) % t->nr_slots);
		struct slot_info info, again;
		struct frost_object *o;
		uint64_t until;

		frost_quiescent(sb);
		if (now_ms() < next_stall) {
			frost_sandbox_offline(sb);
			sleep_us(5000);
			frost_sandbox_online(sb);
			continue;
		}
		next_stall = now_ms() + STALL_PERIOD_MS;
		o = frost_lookup(sb, t->slots[s].name);
		if (!o || !verify(w, o, (int)s, &info, "before stall"))
			continue;
		/* No quiescent state: the heap must wait (and warn), not free. */
		until = now_ms() + stall_ms;
		while (now_ms() < until && !torture_stopping(t))
			;
		if (verify(w, o, (int)s, &again, "after stall") && again.gen != info.gen)
			torture_error(w, TE_SUM, "slot %u generation %" PRIu64 " became %" PRIu64
				      " during a stall", s, info.gen, again.gen);
		ST_INC(&w->st, stalls);
		ST_INC(&w->st, rechecks);
	}
	return 0;
}

void *torture_reclaimer_main(void *arg)
{
	struct torture_worker *w = arg;

	while (!torture_stopping(w->t)) {
		long ret = frost_reclaim(w->t->heap);

		if (ret < 0)
			torture_error(w, TE_API, "frost_reclaim: %s", strerror((int)-ret));
		ST_INC(&w->st, reclaims);
		sleep_us(200);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Ager: generational stress                                           */

/*
 * The ager keeps AGE_ANCHORS chunks ("anchors") alive for many cycles, so
 * that the reclaimer promotes them, and works the generational invariants
 * (Documentation/design/reclaimer.rst, "Generations") around them:
 *
 *  - young garbage pointing to old: every iteration freezes a tuple of an
 *    anchor and a fresh int and drops it; young cycles free the tuple and
 *    must keep the anchor;
 *  - old reachable only through young roots: now and then an anchor is
 *    wrapped in a new (young) tuple published as "age-I-young-K" and its
 *    own name "age-I-old-K" is unbound, so only the young wrapper reaches
 *    the old anchor, and young cycles must trace through it; later either
 *    the anchor is bound again from the wrapper, or the wrapper is dropped
 *    too (the anchor is then old garbage reachable from young garbage,
 *    which floats until a full cycle) and a fresh anchor takes its place:
 *    promotion during churn.
 *
 * Every bound anchor and wrapper is verified every few iterations, and the
 * anchor of a wrapper through it.
 */
#define AGE_ANCHORS	TORTURE_AGE_ANCHORS
#define AGE_WRAP_EVERY	32
#define AGE_HOLD	256	/* iterations an anchor stays reachable through its wrapper */
#define AGE_SEQ_BASE	(UINT64_C(1) << 37)

struct anchor {
	uint64_t id;		/* chunk id; 0: none */
	uint64_t wrapped_at;	/* iteration it was wrapped; 0: bound under its own name */
	uint64_t seq;		/* the wrapper's sequence number */
};

static void anchor_names(struct torture_worker *w, unsigned int k, char *old, char *young,
			 size_t len)
{
	snprintf(old, len, "age-%u-old-%u", w->idx, k);
	snprintf(young, len, "age-%u-young-%u", w->idx, k);
}

static bool ager_verify(struct torture_worker *w, struct frost_object *o, uint64_t id,
			const char *what)
{
	char why[256];
	enum torture_err e;

	ST_INC(&w->st, rechecks);
	e = torture_verify_chunk(o, id, why, sizeof(why));
	if (e)
		torture_error(w, e, "ager %s anchor %" PRIu64 ": %s", what, id, why);
	return !e;
}

/* The anchor under wrapper @wrap, checked with the wrapper's int. */
static struct frost_object *unwrap(struct torture_worker *w, struct frost_object *wrap,
				   const struct anchor *a)
{
	int64_t v = 0;

	if (!wrap || strcmp(frost_type_name(wrap), "tuple") || frost_tuple_len(wrap) != 2 ||
	    frost_int_get(frost_tuple_get(wrap, 1), &v) ||
	    (uint64_t)v != AGE_SEQ_BASE + a->seq) {
		torture_error(w, wrap && !strcmp(frost_type_name(wrap), "<freed>") ? TE_FREED : TE_SHAPE,
			      "ager wrapper %" PRIu64 " of anchor %" PRIu64 " is broken", a->seq, a->id);
		return NULL;
	}
	return frost_tuple_get(wrap, 0);
}

/* A frozen tuple (@anchor, int @v); NULL on failure (counted). */
static struct frost_object *pair_over(struct torture_worker *w, struct frost_sandbox *sb,
				      struct frost_object *anchor, uint64_t v)
{
	struct frost_object *items[2] = { anchor, frost_int_new(sb, (int64_t)v) }, *p, *f = NULL;

	if (!items[1]) {
		count_failure(w, errno, "ager int");
		return NULL;
	}
	p = frost_tuple_new(sb, 2, items);
	frost_decref(items[1]);
	if (p) {
		f = frost_freeze(sb, p);
		frost_decref(p);
	}
	if (!f)
		count_failure(w, errno, "ager tuple");
	return f;
}

static void ager_step(struct torture_worker *w, struct frost_sandbox *sb, struct anchor *a,
		      unsigned int k, uint64_t iter)
{
	struct torture *t = w->t;
	char oname[40], yname[40];
	struct frost_object *o, *wrap, *g;
	int ret;

	anchor_names(w, k, oname, yname, sizeof(oname));
	if (!a->id) {
		/* A fresh anchor: young now, old after a few cycles. */
		uint64_t id = __atomic_add_fetch(&t->next_chunk_id, 1, __ATOMIC_RELAXED);

		o = torture_chunk_new(sb, id);
		if (!o) {
			count_failure(w, errno, "ager anchor");
			return;
		}
		ret = frost_publish(sb, oname, o);
		if (ret) {
			count_failure(w, -ret, "publishing an ager anchor");
			return;
		}
		a->id = id;
		a->wrapped_at = 0;
		ST_INC(&w->st, aged);
		return;
	}
	if (!a->wrapped_at) {
		o = frost_lookup(sb, oname);
		if (!o) {
			torture_error(w, TE_NS, "ager %s is gone", oname);
			return;
		}
		if (!ager_verify(w, o, a->id, "bound"))
			return;
		ST_INC(&w->st, reads);
		/* Young garbage over the old anchor. */
		g = pair_over(w, sb, o, AGE_SEQ_BASE + iter);
		if (g)
			ST_INC(&w->st, young_garbage);
		if (iter % AGE_WRAP_EVERY != k)
			return;
		/* Only a young root reaches the anchor from now on. */
		wrap = pair_over(w, sb, o, AGE_SEQ_BASE + a->seq + 1);
		if (!wrap)
			return;
		ret = frost_publish(sb, yname, wrap);
		if (ret) {
			count_failure(w, -ret, "publishing an ager wrapper");
			return;
		}
		a->seq++;
		ret = frost_unpublish(sb, oname);
		if (ret) {
			torture_error(w, TE_API, "ager unpublish %s: %s", oname, strerror(-ret));
			return;
		}
		a->wrapped_at = iter;
		ST_INC(&w->st, old_via_young);
		return;
	}
	wrap = frost_lookup(sb, yname);
	if (!wrap) {
		torture_error(w, TE_NS, "ager %s is gone", yname);
		return;
	}
	o = unwrap(w, wrap, a);
	if (!o || !ager_verify(w, o, a->id, "wrapped"))
		return;
	ST_INC(&w->st, reads);
	if (iter - a->wrapped_at < AGE_HOLD)
		return;
	if (torture_rand(w) % 2) {
		/* Bound again under its own name, the wrapper dropped. */
		ret = frost_publish(sb, oname, o);
		if (ret) {
			count_failure(w, -ret, "re-publishing an ager anchor");
			return;
		}
		a->wrapped_at = 0;
	} else {
		/* Wrapper and anchor both garbage: the anchor floats until a
		 * full cycle; a fresh one replaces it. */
		a->id = 0;
	}
	ret = frost_unpublish(sb, yname);
	if (ret)
		torture_error(w, TE_API, "ager unpublish %s: %s", yname, strerror(-ret));
}

static int ager_main(struct frost_sandbox *sb, struct torture_worker *w)
{
	struct torture *t = w->t;
	struct anchor a[AGE_ANCHORS] = { { 0 } };
	uint64_t iter = 0;

	while (!torture_stopping(t)) {
		frost_quiescent(sb);
		iter++;
		for (unsigned int k = 0; k < AGE_ANCHORS && !torture_stopping(t); k++)
			ager_step(w, sb, &a[k], k, iter);
		if (iter % 8 == 0) {
			frost_sandbox_offline(sb);
			sleep_us(100);
			frost_sandbox_online(sb);
			ST_INC(&w->st, offline);
		}
	}
	return 0;
}

int torture_role_main(struct frost_sandbox *sb, void *arg)
{
	struct torture_worker *w = arg;

	switch (w->role) {
	case ROLE_READER:
		return reader_main(sb, w);
	case ROLE_WRITER:
		return writer_main(sb, w);
	case ROLE_PINNER:
		return pinner_main(sb, w);
	case ROLE_KEEPER:
		return keeper_main(sb, w);
	case ROLE_SENDER:
		return sender_main(sb, w);
	case ROLE_RECEIVER:
		return receiver_main(sb, w);
	case ROLE_STALLER:
		return staller_main(sb, w);
	case ROLE_AGER:
		return ager_main(sb, w);
	default:
		return -EINVAL;
	}
}
