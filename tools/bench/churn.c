// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tools/bench/churn.c - `frost-bench churn`: immutable data replaced
 * continuously while readers read; frost's reclaimer against itself switched
 * off, against Boehm GC and against call_rcu per object.
 *
 * Theory of operation. --names slots each hold a tuple of --items ints (ints
 * outside the small-int cache: 1 + items objects per tuple). --writers
 * threads loop over their share of the slots: build a new tuple with the
 * same values, publish it in the slot; the old tuple and its items become
 * garbage. --readers threads go round robin over the slots: load the
 * tuple, walk it, check the sum (a reclaimed-too-early tuple shows as a
 * wrong sum or a crash), and time every batch of 16 reads with
 * clock_gettime into a latency histogram (one sample = 16 reads, so a
 * stop-the-world pause shows as one slow batch). The main thread samples
 * memory every millisecond.
 *
 * Variants (each runs --duration per repetition, interleaved):
 *   frost         default heap (adaptive cycle trigger); writers build a
 *                 private tuple of private ints, frost_freeze() it (a
 *                 second allocation and a copy of every object) and
 *                 frost_publish() the copy; readers frost_lookup(),
 *                 frost_quiescent() every 64 reads;
 *   frost-frozen  the same, but writers build the tuple shared in place:
 *                 frost_int_new_frozen() per item, frost_tuple_new_frozen()
 *                 of them, frost_publish() (no private object, no copy);
 *   frost-b2b     cycle_trigger 1 byte: cycles run back to back;
 *   frost-manual  FROST_HEAP_MANUAL: no reclaimer at all (memory grows);
 *                 the reference for reader throughput without cycles;
 *   boehm         GC_MALLOC'd tuples (GC_MALLOC_ATOMIC ints) stored in a
 *                 static slot array (a root); threads registered with
 *                 GC_register_my_thread(); collections as the library
 *                 decides (parallel marking; --boehm incremental calls
 *                 GC_enable_incremental() first);
 *   rcu           liburcu-qsbr: malloc'd tuple and ints, rcu_xchg_pointer()
 *                 into the slot, then one call_rcu() per old object
 *                 (tuple and each item); readers rcu_dereference() and
 *                 report a quiescent state every 64 reads.
 *
 * Reported per variant: objects made (and, steady state, reclaimed) per
 * second, frost's reclaimed objects/s from its statistics, peak memory by
 * each side's own accounting (frost: shared_bytes; Boehm: GC heap size;
 * rcu: bytes malloc'd minus freed), live bytes (measured after the run:
 * frost and rcu after two reclaims/barrier, Boehm after GC_gcollect()),
 * reader Mops/s per thread and p50/p99/p99.9 of the 16-read batches; for
 * frost also the young and full cycles the run did and the mean CPU time
 * of each kind (frost_heap_cycle_stats(): the thread that ran the cycle,
 * the sandboxes' own root scans not included). And where the CPU goes, per
 * object made (CLOCK_THREAD_CPUTIME_ID of each worker's timed loop,
 * CLOCK_PROCESS_CPUTIME_ID around the run): "wr ns", the writer threads'
 * CPU time, and "all ns", the process's CPU time less the readers' and
 * the sampling main thread's, i.e. writing plus reclaiming whoever does it
 * (frost's reclaimer and kicker, Boehm's allocating thread and markers,
 * liburcu's call_rcu worker). On a machine whose cores are all busy, the
 * objects per second a variant can reach is bounded by the cores left to
 * it divided by "all ns".
 *
 * Targets (issue 18, generational reclaim): frost churn >= 1x Boehm and
 * >= 2x rcu (objects/s) at 65536 live tuples (--names 65536); peak shared
 * <= 1.5x live (frost default); reader throughput with back-to-back cycles
 * >= 0.95x that without cycles (frost-b2b / frost-manual). The frost rows
 * (churn_boehm, churn_rcu) measure the freeze of a small structure; the
 * frost-frozen rows (churn_frozen_boehm, churn_frozen_rcu, same targets)
 * a writer that builds frozen data directly, as Boehm's and rcu's writers
 * build theirs. The writer's update of either frost variant is one noipa
 * function (bench_churn_frost_update(), bench_churn_frozen_update()) whose
 * instructions tools/bench/callgrind-churn.sh counts.
 *
 * libgc defines no malloc/free: linking it changes nothing for frost (the
 * parameter block says which library provides the process's malloc).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <urcu/urcu-qsbr.h>
/*
 * Boehm's thread API without its pthread_create redirection. <gc/gc.h> (and
 * <gc.h>, which includes it so) would find frost's own lib/gc/gc.h first
 * on the include path; <gc/gc_typed.h> exists only in Boehm's directory and
 * includes its "gc.h" from there.
 */
#define GC_THREADS
#define GC_NO_THREAD_REDIRECTS
#include <gc/gc_typed.h>
#include <frost/frost.h>
#include "core/err.h"
#include "core/siphash.h"
#include "bench.h"

#define MAX_THREADS	32
#define MAX_NAMES	(1u << 16)
#define MAX_ITEMS	32
#define LAT_BATCH	16
#define QS_EVERY	64
#define BASE_VALUE	1000000

#define TARGET_BOEHM	1.0
#define TARGET_RCU	2.0
#define TARGET_PEAK	1.5
#define TARGET_B2B	0.95

static uint64_t opt_readers = 1;
static uint64_t opt_writers = 1;
static uint64_t opt_names = 1024;
static uint64_t opt_items = 4;
static const char *opt_boehm = "full";
static const char *const boehm_modes[] = { "full", "incremental", NULL };

/* The frost variants come first: v <= V_MANUAL is "a frost heap". */
enum { V_FROST, V_FROZEN, V_B2B, V_MANUAL, V_BOEHM, V_RCU, NR_V };
static const char *const churn_variants[] = { "frost", "frost-frozen", "frost-b2b", "frost-manual",
					      "boehm", "rcu", NULL };

/* Boehm's and rcu's objects. */
struct gtuple {
	size_t n;
	int64_t *items[];
};

struct rint {
	struct rcu_head rcu;
	int64_t v;
};

struct rtuple {
	struct rcu_head rcu;
	size_t n;
	struct rint *items[];
};

/* Boehm's roots: static data is scanned; malloc'd memory is not. */
static struct gtuple *boehm_slots[MAX_NAMES];

/* The baselines' name -> slot table: immutable, same SipHash as frost's. */
struct name_slot {
	const char *name;
	size_t len;
	uint64_t hash;
	size_t index;
};

struct churn_data {
	int variant;
	struct name_slot *table;
	size_t mask;
	struct frost_heap *heap;
	char **names;
	uint64_t *sums;
	struct rtuple **rslots;
	struct bench_sync sync;
	/* rcu accounting: callbacks run in liburcu's one worker thread. */
	uint64_t rcu_freed_bytes __attribute__((aligned(64)));
	uint64_t rcu_freed_objects;
	uint64_t peak_bytes;
	uint64_t start_rss;
};

struct churn_thread {
	pthread_t tid;
	struct churn_data *d;
	unsigned int id;
	bool is_writer;
	uint64_t ops;		/* reads, or tuples published */
	uint64_t alloc_bytes;	/* rcu writers */
	uint64_t bad;
	uint64_t cpu_ns;	/* thread CPU time of the timed loop */
	int err;
	struct bench_hist hist;
} __attribute__((aligned(64)));


static size_t tuple_objects(void)
{
	return 1 + (size_t)opt_items;
}

static int64_t item_value(size_t k, size_t j)
{
	return (int64_t)(BASE_VALUE + k * opt_items + j);
}

/*
 * The baselines find a slot by name, as frost_lookup() and frost_publish()
 * do: length, SipHash-1-3, probe, compare. Only the slot's contents change.
 */
static size_t slot_of(const struct churn_data *d, const char *name)
{
	size_t len = strlen(name);
	uint64_t h = __frost_hash_bytes(name, len);

	for (size_t i = h & d->mask;; i = (i + 1) & d->mask) {
		const struct name_slot *s = &d->table[i];

		if (s->hash == h && s->len == len && !memcmp(s->name, name, len))
			return s->index;
	}
}

static int table_build(struct churn_data *d)
{
	size_t cap = 1;

	while (cap < 2 * opt_names)
		cap <<= 1;
	d->mask = cap - 1;
	d->table = calloc(cap, sizeof(*d->table));
	if (!d->table)
		return -1;
	for (size_t k = 0; k < opt_names; k++) {
		size_t len = strlen(d->names[k]);
		uint64_t h = __frost_hash_bytes(d->names[k], len);
		size_t i = h & d->mask;

		while (d->table[i].name)
			i = (i + 1) & d->mask;
		d->table[i] = (struct name_slot){ d->names[k], len, h, k };
	}
	return 0;
}

/* ---- frost ---- */

static struct frost_object *frost_make(struct frost_sandbox *sb, size_t k)
{
	struct frost_object *it[MAX_ITEMS] = { NULL }, *t, *f = NULL;
	size_t n = (size_t)opt_items;

	for (size_t j = 0; j < n; j++) {
		it[j] = frost_int_new(sb, item_value(k, j));
		if (!it[j])
			goto out;
	}
	t = frost_tuple_new(sb, n, it);
	if (t) {
		f = frost_freeze(sb, t);
		frost_decref(t);
	}
out:
	for (size_t j = 0; j < n && it[j]; j++)
		frost_decref(it[j]);
	return f;
}

/*
 * The same tuple built shared in place: frozen ints, then a frozen tuple
 * of them. No private object, no copy, no memo table. Shared objects carry
 * no reference a caller owns (frost_decref() is a no-op on them): if a
 * later constructor fails, the items made so far are reachable from no
 * root and the next cycle frees them; nothing is leaked. No quiescent
 * state between the constructors, so the items stay valid until the tuple
 * holds them (lifetime rule 1).
 */
static struct frost_object *frost_make_frozen(struct frost_sandbox *sb, size_t k)
{
	struct frost_object *it[MAX_ITEMS];
	size_t n = (size_t)opt_items;

	for (size_t j = 0; j < n; j++) {
		it[j] = frost_int_new_frozen(sb, item_value(k, j));
		if (!it[j])
			return NULL;
	}
	return frost_tuple_new_frozen(sb, n, it);
}

/*
 * One writer update of the frost and frost-frozen variants: build the
 * tuple, publish it under @name (the old tuple becomes garbage). noipa with
 * fixed names for callgrind's --toggle-collect
 * (tools/bench/callgrind-churn.sh). Return: 0, or -1 if either step failed
 * (a tuple that was made but not published is garbage, as above).
 */
int bench_churn_frost_update(struct frost_sandbox *sb, const char *name, size_t k);
int bench_churn_frozen_update(struct frost_sandbox *sb, const char *name, size_t k);

__bench_noipa int bench_churn_frost_update(struct frost_sandbox *sb, const char *name, size_t k)
{
	struct frost_object *f = frost_make(sb, k);

	return f && !frost_publish(sb, name, f) ? 0 : -1;
}

__bench_noipa int bench_churn_frozen_update(struct frost_sandbox *sb, const char *name, size_t k)
{
	struct frost_object *f = frost_make_frozen(sb, k);

	return f && !frost_publish(sb, name, f) ? 0 : -1;
}

static uint64_t frost_walk(const struct frost_object *t)
{
	size_t n = frost_tuple_len(t);
	uint64_t s = 0;

	for (size_t i = 0; i < n; i++) {
		int64_t v = 0;

		frost_int_get(frost_tuple_get(t, i), &v);
		s += (uint64_t)v;
	}
	return s;
}

/* ---- Boehm ---- */

static struct gtuple *boehm_make(size_t k)
{
	size_t n = (size_t)opt_items;
	struct gtuple *t = GC_MALLOC(offsetof(struct gtuple, items) + n * sizeof(t->items[0]));

	if (!t)
		return NULL;
	t->n = n;
	for (size_t j = 0; j < n; j++) {
		t->items[j] = GC_MALLOC_ATOMIC(sizeof(int64_t));
		if (!t->items[j])
			return NULL;
		*t->items[j] = item_value(k, j);
	}
	return t;
}

/* ---- call_rcu ---- */

/* The run whose frees the callbacks count (one run at a time). */
static struct churn_data *rcu_data;

static void rint_free(struct rcu_head *h)
{
	struct rint *o = caa_container_of(h, struct rint, rcu);
	struct churn_data *d = rcu_data;

	__atomic_fetch_add(&d->rcu_freed_bytes, sizeof(*o), __ATOMIC_RELAXED);
	__atomic_fetch_add(&d->rcu_freed_objects, 1, __ATOMIC_RELAXED);
	free(o);
}

static void rtuple_free(struct rcu_head *h)
{
	struct rtuple *t = caa_container_of(h, struct rtuple, rcu);
	struct churn_data *d = rcu_data;
	size_t size = offsetof(struct rtuple, items) + (size_t)opt_items * sizeof(t->items[0]);

	__atomic_fetch_add(&d->rcu_freed_bytes, size, __ATOMIC_RELAXED);
	__atomic_fetch_add(&d->rcu_freed_objects, 1, __ATOMIC_RELAXED);
	free(t);
}

static struct rtuple *rcu_make(size_t k, uint64_t *bytes)
{
	size_t n = (size_t)opt_items;
	struct rtuple *t = malloc(offsetof(struct rtuple, items) + n * sizeof(t->items[0]));

	if (!t)
		return NULL;
	t->n = n;
	*bytes += offsetof(struct rtuple, items) + n * sizeof(t->items[0]);
	for (size_t j = 0; j < n; j++) {
		t->items[j] = malloc(sizeof(struct rint));
		if (!t->items[j])
			return NULL;
		t->items[j]->v = item_value(k, j);
		*bytes += sizeof(struct rint);
	}
	return t;
}

/* Retire @t: one call_rcu per object; readers may still be walking it. */
static void rcu_retire(struct rtuple *t)
{
	for (size_t j = 0; j < t->n; j++)
		urcu_qsbr_call_rcu(&t->items[j]->rcu, rint_free);
	urcu_qsbr_call_rcu(&t->rcu, rtuple_free);
}

/* ---- threads ---- */

static void *churn_thread_fn(void *arg)
{
	struct churn_thread *t = arg;
	struct churn_data *d = t->d;
	struct frost_sandbox *sb = NULL;
	struct GC_stack_base gsb;
	size_t nr = (size_t)opt_names, nw = (size_t)opt_writers;
	size_t k = t->is_writer ? t->id : (t->id * 7919u) % nr;
	uint64_t ops = 0, bad = 0, last, cpu0;
	int v = d->variant;

	if (v <= V_MANUAL) {
		sb = frost_sandbox_attach(d->heap);
		if (!sb)
			t->err = 1;
	} else if (v == V_BOEHM) {
		GC_get_stack_base(&gsb);
		GC_register_my_thread(&gsb);
	} else {
		urcu_qsbr_register_thread();
	}
	bench_sync_ready(&d->sync);
	last = bench_now_ns();
	cpu0 = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	while (!t->err && !bench_stopped(&d->sync)) {
		if (t->is_writer) {
			for (unsigned int i = 0; i < 16; i++) {
				if (v == V_FROZEN) {
					if (bench_churn_frozen_update(sb, d->names[k], k))
						t->err = 1;
				} else if (v <= V_MANUAL) {
					if (bench_churn_frost_update(sb, d->names[k], k))
						t->err = 1;
				} else if (v == V_BOEHM) {
					struct gtuple *g = boehm_make(k);

					if (!g)
						t->err = 1;
					/* Pairs with the load-acquire of readers. */
					__atomic_store_n(&boehm_slots[slot_of(d, d->names[k])], g,
							 __ATOMIC_RELEASE);
				} else {
					struct rtuple *r = rcu_make(k, &t->alloc_bytes);

					if (!r) {
						t->err = 1;
						break;
					}
					rcu_retire(rcu_xchg_pointer(&d->rslots[slot_of(d, d->names[k])],
								    r));
				}
				ops++;
				k += nw;
				if (k >= nr)
					k = t->id % nw;
			}
			if (sb)
				frost_quiescent(sb);
			else if (v == V_RCU)
				urcu_qsbr_quiescent_state();
			continue;
		}
		for (unsigned int b = 0; b < QS_EVERY / LAT_BATCH; b++) {
			uint64_t now;

			for (unsigned int i = 0; i < LAT_BATCH; i++) {
				uint64_t s = 0;

				if (sb) {
					struct frost_object *o = frost_lookup(sb, d->names[k]);

					s = o ? frost_walk(o) : 0;
				} else if (v == V_BOEHM) {
					size_t sl = slot_of(d, d->names[k]);
					struct gtuple *g = __atomic_load_n(&boehm_slots[sl],
									   __ATOMIC_ACQUIRE);

					for (size_t j = 0; j < g->n; j++)
						s += (uint64_t)*g->items[j];
				} else {
					struct rtuple *r =
						rcu_dereference(d->rslots[slot_of(d, d->names[k])]);

					for (size_t j = 0; j < r->n; j++)
						s += (uint64_t)r->items[j]->v;
				}
				bad += s != d->sums[k];
				if (++k == nr)
					k = 0;
			}
			now = bench_now_ns();
			bench_hist_add(&t->hist, now - last);
			last = now;
		}
		ops += QS_EVERY;
		if (sb)
			frost_quiescent(sb);
		else if (v == V_RCU)
			urcu_qsbr_quiescent_state();
	}
	t->cpu_ns = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	t->ops = ops;
	t->bad = bad;
	if (sb)
		frost_sandbox_detach(sb);
	else if (v == V_BOEHM)
		GC_unregister_my_thread();
	else
		urcu_qsbr_unregister_thread();
	return NULL;
}

static void sample(void *arg)
{
	struct churn_data *d = arg;
	uint64_t b = 0;

	if (d->variant <= V_MANUAL) {
		struct frost_heap_stats st;

		frost_heap_stats(d->heap, &st);
		b = st.shared_bytes;
	} else if (d->variant == V_BOEHM) {
		b = GC_get_heap_size();
	}
	if (b > d->peak_bytes)
		d->peak_bytes = b;
}

struct churn_result {
	double objs_per_s;	/* objects made per second */
	double freed_per_s;	/* objects reclaimed per second (frost stats, rcu) */
	double peak_mib, live_mib;
	double read_mops;	/* per reader thread */
	double p50, p99, p999;	/* ns per 16 reads */
	double cycles;
	double young, full;		/* frost: cycles of each kind */
	double young_ms, full_ms;	/* frost: mean CPU time of one, ms */
	double writer_ns;	/* writer threads' CPU time per object made */
	double cost_ns;		/* CPU time of all but readers and sampler, per object */
};

static int prefill(struct churn_data *d)
{
	size_t nr = (size_t)opt_names;
	struct frost_sandbox *sb = NULL;
	uint64_t bytes = 0;

	if (d->variant <= V_MANUAL) {
		sb = frost_sandbox_attach(d->heap);
		if (!sb)
			return -1;
	}
	for (size_t k = 0; k < nr; k++) {
		if (sb) {
			struct frost_object *f = d->variant == V_FROZEN ? frost_make_frozen(sb, k)
									: frost_make(sb, k);

			if (!f || frost_publish(sb, d->names[k], f))
				return -1;
		} else if (d->variant == V_BOEHM) {
			boehm_slots[k] = boehm_make(k);
			if (!boehm_slots[k])
				return -1;
		} else {
			d->rslots[k] = rcu_make(k, &bytes);
			if (!d->rslots[k])
				return -1;
		}
	}
	if (sb)
		frost_sandbox_detach(sb);
	d->peak_bytes = bytes;
	return 0;
}

static uint64_t rcu_live(struct churn_data *d, uint64_t allocated)
{
	return allocated - __atomic_load_n(&d->rcu_freed_bytes, __ATOMIC_RELAXED);
}

static int churn_once(const struct bench_common *c, struct churn_data *d, int v,
		      struct churn_result *res)
{
	static struct churn_thread th[MAX_THREADS];
	unsigned int nr = (unsigned int)opt_readers, nw = (unsigned int)opt_writers;
	struct frost_heap_config cfg = { 0 };
	struct frost_heap_stats st0 = { 0 }, st1 = { 0 };
	struct frost_cycle_stats cs0 = { 0 }, cs1 = { 0 };
	struct bench_hist hist;
	uint64_t reads = 0, writes = 0, rcu_alloc = 0, freed0 = 0;
	uint64_t proc0, main0, proc_ns, main_ns, reader_cpu = 0, writer_cpu = 0;
	double secs;
	int failed = 0;

	memset(res, 0, sizeof(*res));
	d->variant = v;
	d->peak_bytes = 0;
	d->rcu_freed_bytes = 0;
	d->rcu_freed_objects = 0;
	rcu_data = d;
	if (v <= V_MANUAL) {
		if (v == V_B2B)
			cfg.cycle_trigger = 1;
		if (v == V_MANUAL)
			cfg.flags = FROST_HEAP_MANUAL;
		d->heap = frost_heap_create(&cfg);
		if (!d->heap) {
			bench_error("churn: frost_heap_create: %m");
			return -1;
		}
	}
	if (prefill(d)) {
		bench_error("churn: %s: prefill failed: %m", churn_variants[v]);
		return -1;
	}
	rcu_alloc = d->peak_bytes;
	if (v <= V_MANUAL) {
		frost_heap_stats(d->heap, &st0);
		frost_heap_cycle_stats(d->heap, &cs0);
	}
	if (v == V_BOEHM)
		GC_gcollect();

	bench_sync_init(&d->sync);
	for (unsigned int i = 0; i < nr + nw; i++) {
		memset(&th[i], 0, sizeof(th[i]));
		th[i].d = d;
		th[i].is_writer = i >= nr;
		th[i].id = i >= nr ? i - nr : i;
		if (pthread_create(&th[i].tid, NULL, churn_thread_fn, &th[i])) {
			bench_error("churn: pthread_create failed");
			exit(1);
		}
	}
	proc0 = bench_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	main0 = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	secs = bench_sync_run(&d->sync, nr + nw, c->duration, sample, d);
	main_ns = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID) - main0;
	memset(&hist, 0, sizeof(hist));
	for (unsigned int i = 0; i < nr + nw; i++) {
		pthread_join(th[i].tid, NULL);
		if (th[i].err || th[i].bad) {
			bench_error("churn: %s thread %u: %s (%llu bad sums)", churn_variants[v], i,
				    th[i].err ? "failed" : "read wrong data",
				    (unsigned long long)th[i].bad);
			failed = 1;
		}
		if (th[i].is_writer) {
			writes += th[i].ops;
			rcu_alloc += th[i].alloc_bytes;
			writer_cpu += th[i].cpu_ns;
		} else {
			reads += th[i].ops;
			reader_cpu += th[i].cpu_ns;
			bench_hist_merge(&hist, &th[i].hist);
		}
	}
	/* After the joins: every worker's loop is over, so its CPU time is
	 * in both the process's and its own figure. */
	proc_ns = bench_clock_ns(CLOCK_PROCESS_CPUTIME_ID) - proc0;
	if (writes) {
		double objs = (double)writes * (double)tuple_objects();

		res->writer_ns = (double)writer_cpu / objs;
		/* Writers plus whatever reclaims: frost's reclaimer and
		 * kicker, Boehm's markers, liburcu's call_rcu worker. */
		if (proc_ns > reader_cpu + main_ns)
			res->cost_ns = (double)(proc_ns - reader_cpu - main_ns) / objs;
	}
	res->objs_per_s = (double)writes * (double)tuple_objects() / secs;
	res->read_mops = nr ? (double)reads / secs / nr / 1e6 : 0;
	res->p50 = bench_hist_pct(&hist, 50);
	res->p99 = bench_hist_pct(&hist, 99);
	res->p999 = bench_hist_pct(&hist, 99.9);

	if (v <= V_MANUAL) {
		frost_heap_stats(d->heap, &st1);
		res->freed_per_s = (double)(st1.freed_objects - st0.freed_objects) / secs;
		res->cycles = (double)(st1.cycles - st0.cycles);
		frost_heap_cycle_stats(d->heap, &cs1);
		res->young = (double)(cs1.young_cycles - cs0.young_cycles);
		res->full = (double)(cs1.full_cycles - cs0.full_cycles);
		if (res->young > 0)
			res->young_ms = (double)(cs1.young_cpu_ns - cs0.young_cpu_ns) / res->young / 1e6;
		if (res->full > 0)
			res->full_ms = (double)(cs1.full_cpu_ns - cs0.full_cpu_ns) / res->full / 1e6;
		sample(d);
		frost_reclaim(d->heap);
		frost_reclaim(d->heap);
		frost_heap_stats(d->heap, &st1);
		res->live_mib = (double)st1.shared_bytes / 1048576.0;
		if (frost_heap_destroy(d->heap)) {
			bench_error("churn: frost_heap_destroy failed");
			failed = 1;
		}
		d->heap = NULL;
	} else if (v == V_BOEHM) {
		sample(d);
		GC_gcollect();
		res->live_mib = (double)(GC_get_heap_size() - GC_get_free_bytes()) / 1048576.0;
		memset(boehm_slots, 0, sizeof(boehm_slots));
	} else {
		freed0 = __atomic_load_n(&d->rcu_freed_objects, __ATOMIC_RELAXED);
		res->freed_per_s = (double)freed0 / secs;
		/* Peak: what was allocated minus what was freed when the
		 * writers stopped (frees only lag; this is the maximum). */
		d->peak_bytes = rcu_live(d, rcu_alloc);
		urcu_qsbr_barrier();
		res->live_mib = (double)rcu_live(d, rcu_alloc) / 1048576.0;
		for (size_t k = 0; k < opt_names; k++) {
			struct rtuple *r = d->rslots[k];

			for (size_t j = 0; j < r->n; j++)
				free(r->items[j]);
			free(r);
			d->rslots[k] = NULL;
		}
	}
	res->peak_mib = (double)d->peak_bytes / 1048576.0;
	return failed ? -1 : 0;
}

/*
 * SUMMARY rows @boehm_row and @rcu_row: a frost variant's objects/s
 * (@frost) against Boehm's and rcu's, each if both sides ran.
 */
static void summary_objs(const struct bench_common *c, const char *boehm_row, const char *rcu_row,
			 double frost, double boehm, double rcu)
{
	if (frost <= 0)
		return;
	if (boehm > 0)
		bench_summary_ge(c, boehm_row, frost / 1e6, boehm / 1e6, "Mobjs/s", TARGET_BOEHM);
	if (rcu > 0)
		bench_summary_ge(c, rcu_row, frost / 1e6, rcu / 1e6, "Mobjs/s", TARGET_RCU);
}

static int churn_run(const struct bench_common *c)
{
	enum { M_OBJS, M_FREED, M_PEAK, M_LIVE, M_READ, M_P50, M_P99, M_P999, M_CYCLES,
	       M_YOUNG, M_FULL, M_YOUNG_MS, M_FULL_MS, M_WRITER_NS, M_COST_NS, NR_M };
	static const char *const mname[NR_M] = { "objs_per_s", "freed_per_s", "peak_mib", "live_mib",
						 "read_mops", "lat_p50", "lat_p99", "lat_p999",
						 "cycles", "young_cycles", "full_cycles",
						 "young_cycle_cpu_ms", "full_cycle_cpu_ms",
						 "writer_cpu_per_obj", "cpu_per_obj" };
	static const char *const munit[NR_M] = { "objs/s", "objs/s", "MiB", "MiB", "Mops/s/thread",
						 "ns/16reads", "ns/16reads", "ns/16reads",
						 "cycles", "cycles", "cycles", "ms", "ms", "ns", "ns" };
	static double res[NR_V][NR_M][BENCH_MAX_REPS];
	double med[NR_V][NR_M] = { { 0 } };
	struct churn_data d = { 0 };
	int failed = 0;
	bool boehm_on = bench_variant_on(c, "boehm");

	if (opt_items > MAX_ITEMS || opt_names > MAX_NAMES ||
	    opt_readers + opt_writers > MAX_THREADS || opt_writers > opt_names) {
		bench_error("churn: --items <= %u, --names <= %u, readers + writers <= %u, writers <= names",
			    MAX_ITEMS, MAX_NAMES, MAX_THREADS);
		return -1;
	}
	d.names = calloc(opt_names, sizeof(*d.names));
	d.sums = calloc(opt_names, sizeof(*d.sums));
	d.rslots = calloc(opt_names, sizeof(*d.rslots));
	if (!d.names || !d.sums || !d.rslots)
		return -1;
	for (size_t k = 0; k < opt_names; k++) {
		if (asprintf(&d.names[k], "churn.%zu", k) < 0)
			return -1;
		for (size_t j = 0; j < opt_items; j++)
			d.sums[k] += (uint64_t)item_value(k, j);
	}
	if (table_build(&d))
		return -1;
	if (boehm_on) {
		GC_INIT();
		if (!strcmp(opt_boehm, "incremental"))
			GC_enable_incremental();
		GC_allow_register_threads();
	}
	bench_info(c, "# %llu reader(s), %llu writer(s), %llu slots of a tuple of %llu ints (%zu objects per update)\n",
		   (unsigned long long)opt_readers, (unsigned long long)opt_writers,
		   (unsigned long long)opt_names, (unsigned long long)opt_items, tuple_objects());
	if (boehm_on)
		bench_info(c, "# Boehm GC %u.%u.%u, %s mode, %d marker thread(s)\n",
			   GC_get_version() >> 16, (GC_get_version() >> 8) & 0xff,
			   GC_get_version() & 0xff, opt_boehm, GC_get_parallel() + 1);
	bench_info(c, "# latency: ns per batch of %u reads; memory by each side's own accounting\n",
		   LAT_BATCH);
	for (unsigned int r = 0; r < c->reps && !failed; r++) {
		for (int v = 0; v < NR_V && !failed; v++) {
			struct churn_result cr;

			if (!bench_variant_on(c, churn_variants[v]))
				continue;
			if (churn_once(c, &d, v, &cr)) {
				failed = 1;
				break;
			}
			res[v][M_OBJS][r] = cr.objs_per_s;
			res[v][M_FREED][r] = cr.freed_per_s;
			res[v][M_PEAK][r] = cr.peak_mib;
			res[v][M_LIVE][r] = cr.live_mib;
			res[v][M_READ][r] = cr.read_mops;
			res[v][M_P50][r] = cr.p50;
			res[v][M_P99][r] = cr.p99;
			res[v][M_P999][r] = cr.p999;
			res[v][M_CYCLES][r] = cr.cycles;
			res[v][M_YOUNG][r] = cr.young;
			res[v][M_FULL][r] = cr.full;
			res[v][M_YOUNG_MS][r] = cr.young_ms;
			res[v][M_FULL_MS][r] = cr.full_ms;
			res[v][M_WRITER_NS][r] = cr.writer_ns;
			res[v][M_COST_NS][r] = cr.cost_ns;
			bench_info(c, "rep %u/%u %-12s %6.2f Mobj/s freed %6.2f M/s peak %7.2f MiB live %6.2f MiB read %6.2f Mops/s p50 %.0f p99 %.0f p99.9 %.0f ns cycles %.0f (young %.0f at %.2f ms CPU, full %.0f at %.2f ms) CPU ns/obj writer %.0f all %.0f\n",
				   r + 1, c->reps, churn_variants[v], cr.objs_per_s / 1e6,
				   cr.freed_per_s / 1e6, cr.peak_mib, cr.live_mib, cr.read_mops,
				   cr.p50, cr.p99, cr.p999, cr.cycles, cr.young, cr.young_ms, cr.full,
				   cr.full_ms, cr.writer_ns, cr.cost_ns);
		}
	}
	if (failed)
		goto out;
	bench_info(c, "%-12s %9s %9s %8s %8s %8s %8s %8s %9s %7s %6s %8s %6s %8s %6s %6s  (medians of %u)\n",
		   "variant", "Mobj/s", "freed M/s", "peakMiB", "liveMiB", "read", "p50ns", "p99ns",
		   "p99.9ns", "cycles", "young", "youngms", "full", "fullms", "wr ns", "all ns",
		   c->reps);
	for (int v = 0; v < NR_V; v++) {
		if (!bench_variant_on(c, churn_variants[v]))
			continue;
		for (int m = 0; m < NR_M; m++) {
			med[v][m] = bench_median(res[v][m], c->reps);
			bench_csv(c, "churn", churn_variants[v], mname[m], med[v][m], munit[m]);
		}
		if (!bench_sane(churn_variants[v], med[v][M_OBJS]))
			failed = 1;
		bench_info(c, "%-12s %9.3f %9.3f %8.2f %8.2f %8.3f %8.0f %8.0f %9.0f %7.0f %6.0f %8.2f %6.0f %8.2f %6.0f %6.0f\n",
			   churn_variants[v], med[v][M_OBJS] / 1e6, med[v][M_FREED] / 1e6,
			   med[v][M_PEAK], med[v][M_LIVE], med[v][M_READ], med[v][M_P50],
			   med[v][M_P99], med[v][M_P999], med[v][M_CYCLES], med[v][M_YOUNG],
			   med[v][M_YOUNG_MS], med[v][M_FULL], med[v][M_FULL_MS],
			   med[v][M_WRITER_NS], med[v][M_COST_NS]);
	}
	if (failed)
		goto out;
	summary_objs(c, "churn_boehm", "churn_rcu", med[V_FROST][M_OBJS], med[V_BOEHM][M_OBJS],
		     med[V_RCU][M_OBJS]);
	summary_objs(c, "churn_frozen_boehm", "churn_frozen_rcu", med[V_FROZEN][M_OBJS],
		     med[V_BOEHM][M_OBJS], med[V_RCU][M_OBJS]);
	if (med[V_FROST][M_OBJS] > 0) {
		if (med[V_FROST][M_LIVE] > 0)
			bench_summary(c, "churn_peak_live", med[V_FROST][M_PEAK],
				      med[V_FROST][M_LIVE], "MiB", TARGET_PEAK);
		if (med[V_BOEHM][M_P99] > 0)
			bench_summary(c, "churn_p99_boehm", med[V_FROST][M_P99],
				      med[V_BOEHM][M_P99], "ns/16reads", 0);
		if (med[V_RCU][M_P99] > 0)
			bench_summary(c, "churn_p99_rcu", med[V_FROST][M_P99],
				      med[V_RCU][M_P99], "ns/16reads", 0);
		/* What a young cycle costs next to a full one (no target). */
		if (med[V_FROST][M_YOUNG_MS] > 0 && med[V_FROST][M_FULL_MS] > 0)
			bench_summary(c, "churn_young_full_cpu", med[V_FROST][M_YOUNG_MS],
				      med[V_FROST][M_FULL_MS], "ms", 0);
	}
	if (med[V_B2B][M_READ] > 0 && med[V_MANUAL][M_READ] > 0)
		bench_summary_ge(c, "churn_read_b2b_manual", med[V_B2B][M_READ],
				 med[V_MANUAL][M_READ], "Mops/s/thread", TARGET_B2B);
	if (med[V_B2B][M_LIVE] > 0)
		bench_summary(c, "churn_peak_live_b2b", med[V_B2B][M_PEAK], med[V_B2B][M_LIVE],
			      "MiB", TARGET_PEAK);
out:
	for (size_t k = 0; k < opt_names; k++)
		free(d.names[k]);
	free(d.names);
	free(d.sums);
	free(d.rslots);
	free(d.table);
	return failed ? -1 : 0;
}

static const struct bench_option churn_options[] = {
	{ .name = "readers", .metavar = "N", .kind = BENCH_OPT_UINT, .value = &opt_readers,
	  .min = 0, .max = MAX_THREADS, .help = "reader threads (default 1)" },
	{ .name = "writers", .metavar = "N", .kind = BENCH_OPT_UINT, .value = &opt_writers,
	  .min = 1, .max = MAX_THREADS, .help = "writer threads (default 1)" },
	{ .name = "names", .metavar = "N", .kind = BENCH_OPT_UINT, .value = &opt_names,
	  .min = 1, .max = MAX_NAMES, .help = "slots, i.e. live tuples (default 1024)" },
	{ .name = "items", .metavar = "N", .kind = BENCH_OPT_UINT, .value = &opt_items,
	  .min = 1, .max = MAX_ITEMS, .help = "ints per tuple (default 4)" },
	{ .name = "boehm", .metavar = "MODE", .kind = BENCH_OPT_STRING, .value = &opt_boehm,
	  .choices = boehm_modes, .help = "Boehm GC mode: full or incremental (default full)" },
	{ .name = NULL },
};

const struct bench bench_churn = {
	.name = "churn",
	.help = "replace published immutable tuples while reading: frost (freeze or frozen builders) "
		"vs no reclaimer, Boehm GC, call_rcu",
	.variants = churn_variants,
	.chunk = "(not used: runs are timed by --duration)",
	.options = churn_options,
	.run = churn_run,
};
