// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tools/bench/read.c - `frost-bench read`: readers of shared immutable data,
 * frost against the ways C programs share data without it.
 *
 * Theory of operation. --names tuples of --items ints each (ints outside
 * the small-int cache, so each item is an object of its own) are frozen
 * and published under the names "read.0", "read.1", ... One reader
 * operation is: find the tuple by name, take a reference, walk it
 * (frost_tuple_len(), frost_tuple_get() and frost_int_get() of every item,
 * summed and checked against the expected sum), drop the reference.
 * Readers go through the names round robin, each from its own offset.
 *
 * Every variant walks the same frozen tuples with the same accessors; they
 * differ only in how a reader finds the tuple and keeps it alive:
 *
 *   ideal   an unsynchronised open-addressing hash table (same SipHash of
 *           the name as frost's namespace) of boxes pointing to the
 *           tuples; no reference, no lock, no quiescent state: the upper
 *           bound, correct only because nothing changes;
 *   frost   frost_lookup() + frost_incref()/frost_decref() (no-ops on
 *           shared objects) + frost_quiescent() every 64 operations, as a
 *           real sandbox would;
 *   atomic  the ideal table, plus an atomic get/put (lock xadd) on a
 *           reference count in the box: a refcounted object shared by
 *           every reader (no writer: replacing an object under atomic
 *           refcounts needs a lock or hazard pointers, not measured);
 *   rwlock  the ideal table under one pthread rwlock, read-locked per
 *           operation; the writer write-locks to replace a box;
 *   urcu    the kernel style without frost: liburcu-qsbr readers
 *           rcu_dereference() the box pointer and report a quiescent state
 *           every 64 operations; the writer swaps in a new box and
 *           call_rcu()s the old one, one callback per object.
 *
 * --writers threads (default 1) replace one binding every --update-us
 * microseconds (default 1000) in the variants that have writers: frost
 * freezes a fresh copy of the tuple and frost_publish()es it (the old one
 * becomes garbage for the reclaimer); rwlock and urcu replace the box.
 * Writers sleep offline between updates so that they never delay a grace
 * period. The original tuples stay pinned by the main sandbox, so the
 * baselines' boxes always point to live objects.
 *
 * The reclaimer's CPU share: three more frost variants read the same data
 * from heaps of their own, with the same writers:
 *
 *   frost-manual  FROST_HEAP_MANUAL: no cycles at all, the reference;
 *   frost-b2b     cycle_trigger 1 byte: cycles back to back, unthrottled;
 *   frost-share   the same with reclaimer_duty --duty and reclaimer_nice
 *                 --nice (defaults 5 % and 0).
 *
 * Besides the wall clock, each reader reads its CLOCK_THREAD_CPUTIME_ID
 * (reads per second of its own CPU: what a cycle costs the read path
 * itself, the handshake work at quiescent states) and the run reads
 * CLOCK_PROCESS_CPUTIME_ID (reads per second of the whole process's CPU,
 * reclaimer included: the readers' speed on CPUs the process has to
 * itself and fills, which is what the reclaimer's share takes from; other
 * load on the machine does not enter it). The SUMMARY lines
 * read_share_<n>t and read_share_cpu_<n>t are frost-share over
 * frost-manual by the wall clock and by CPU time (target 0.95): the
 * process's CPU when the readers are at least as many as the CPUs the
 * process may use, else the readers' own (the reclaimer then runs on an
 * idle CPU); read_cycles_<n>t and read_cycles_cpu_<n>t the same for
 * frost-b2b. Run it pinned
 * (`taskset -c 0 frost-bench read --readers 1`) for one CPU.
 *
 * For each reader count 1..--readers (default: the online CPUs) and each
 * repetition, every variant runs for --duration seconds, interleaved. The
 * figure is operations per second per reader thread (median over
 * repetitions). The targets: frost >= 0.95x ideal per thread, and
 * >= 5x atomic at 2 readers.
 *
 * The reader loops are noipa with fixed names (bench_read_<variant>_op)
 * for callgrind's --toggle-collect: see tools/bench/callgrind-read.sh.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <urcu/urcu-qsbr.h>
#include <frost/frost.h>
#include "core/err.h"
#include "core/siphash.h"
#include "bench.h"

#define READ_BATCH	64	/* operations between stop checks and quiescent states */
#define MAX_READERS	64
#define TARGET_IDEAL	0.95
#define TARGET_ATOMIC	5.0
#define TARGET_BINDING	1.4	/* a resolved name against the ideal table */
#define TARGET_SHARE	0.95

static uint64_t opt_readers;	/* 0: online CPUs */
static uint64_t opt_writers = 1;
static uint64_t opt_names = 64;
static uint64_t opt_items = 8;
static uint64_t opt_update_us = 1000;
static uint64_t opt_duty = 5;
static uint64_t opt_nice;

enum { V_IDEAL, V_FROST, V_ATOMIC, V_RWLOCK, V_URCU, V_BINDING, V_MANUAL, V_B2B, V_SHARE, NR_V };
static const char *const read_variants[] = { "ideal", "frost", "atomic", "rwlock", "urcu",
					     "binding", "frost-manual", "frost-b2b", "frost-share",
					     NULL };

/* Variants that read through a frost sandbox. */
static bool is_frost(int v)
{
	return v == V_FROST || v >= V_BINDING;
}

/* A box: what the baselines' table points to. Its own cache line. */
struct read_box {
	uint64_t refcnt;
	struct frost_object *obj;
	struct rcu_head rcu;
} __attribute__((aligned(64)));

struct read_slot {
	const char *name;
	size_t len;
	uint64_t hash;
	struct read_box *box;
};

struct read_data {
	struct frost_heap *heap;
	struct frost_heap *share_heaps[NR_V];	/* V_MANUAL.. own heaps */
	size_t nr, mask;
	char **names;
	struct frost_object **tuples;	/* the originals, pinned */
	uint64_t *sums;
	struct read_slot *table;	/* open addressing, 2 x nr, power of two */
	pthread_rwlock_t lock;
	struct bench_sync sync;
	uint64_t freed_boxes;
};

struct read_thread {
	pthread_t tid;
	struct read_data *d;
	int variant;
	unsigned int id;
	uint64_t ops;
	uint64_t bad;
	uint64_t cpu_ns;	/* CLOCK_THREAD_CPUTIME_ID over the run */
	int err;
} __attribute__((aligned(64)));

static struct frost_heap *heap_of(const struct read_data *d, int v)
{
	return v >= V_MANUAL ? d->share_heaps[v] : d->heap;
}

static struct read_slot *table_find(struct read_data *d, const char *name)
{
	size_t len = strlen(name);
	uint64_t h = __frost_hash_bytes(name, len);

	for (size_t i = h & d->mask;; i = (i + 1) & d->mask) {
		struct read_slot *s = &d->table[i];

		if (!s->name)
			return NULL;
		if (s->hash == h && s->len == len && !memcmp(s->name, name, len))
			return s;
	}
}

static void table_insert(struct read_data *d, const char *name, struct read_box *box)
{
	size_t len = strlen(name);
	uint64_t h = __frost_hash_bytes(name, len);
	size_t i = h & d->mask;

	while (d->table[i].name)
		i = (i + 1) & d->mask;
	d->table[i] = (struct read_slot){ name, len, h, box };
}

static inline uint64_t walk(const struct frost_object *t)
{
	size_t n = frost_tuple_len(t);
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++) {
		int64_t v = 0;

		frost_int_get(frost_tuple_get(t, i), &v);
		sum += (uint64_t)v;
	}
	return sum;
}

/* One operation of each variant; returns 1 if the walk's sum was wrong. */
uint64_t bench_read_ideal_op(struct read_data *d, size_t k);
uint64_t bench_read_frost_op(struct read_data *d, struct frost_sandbox *sb, size_t k);
uint64_t bench_read_atomic_op(struct read_data *d, size_t k);
uint64_t bench_read_rwlock_op(struct read_data *d, size_t k);
uint64_t bench_read_urcu_op(struct read_data *d, size_t k);
uint64_t bench_read_binding_op(struct read_data *d, struct frost_binding *b, size_t k);

__bench_noipa uint64_t bench_read_ideal_op(struct read_data *d, size_t k)
{
	struct read_slot *s = table_find(d, d->names[k]);

	return walk(s->box->obj) != d->sums[k];
}

__bench_noipa uint64_t bench_read_frost_op(struct read_data *d, struct frost_sandbox *sb, size_t k)
{
	struct frost_object *o = frost_lookup(sb, d->names[k]);
	uint64_t bad;

	if (frost_unlikely(!o))
		return 1;
	frost_incref(o);
	bad = walk(o) != d->sums[k];
	frost_decref(o);
	return bad;
}

/* frost through a resolved name: no hashing, no probing. */
__bench_noipa uint64_t bench_read_binding_op(struct read_data *d, struct frost_binding *b, size_t k)
{
	struct frost_object *o = frost_binding_lookup(b);
	uint64_t bad;

	if (frost_unlikely(!o))
		return 1;
	frost_incref(o);
	bad = walk(o) != d->sums[k];
	frost_decref(o);
	return bad;
}

__bench_noipa uint64_t bench_read_atomic_op(struct read_data *d, size_t k)
{
	struct read_box *b = table_find(d, d->names[k])->box;
	uint64_t bad;

	__atomic_fetch_add(&b->refcnt, 1, __ATOMIC_ACQUIRE);
	bad = walk(b->obj) != d->sums[k];
	/* Release: our reads of the object happen before a final put. */
	__atomic_fetch_sub(&b->refcnt, 1, __ATOMIC_RELEASE);
	return bad;
}

__bench_noipa uint64_t bench_read_rwlock_op(struct read_data *d, size_t k)
{
	uint64_t bad;

	pthread_rwlock_rdlock(&d->lock);
	bad = walk(table_find(d, d->names[k])->box->obj) != d->sums[k];
	pthread_rwlock_unlock(&d->lock);
	return bad;
}

__bench_noipa uint64_t bench_read_urcu_op(struct read_data *d, size_t k)
{
	struct read_slot *s = table_find(d, d->names[k]);
	struct read_box *b;
	uint64_t bad;

	urcu_qsbr_read_lock();
	b = rcu_dereference(s->box);
	bad = walk(b->obj) != d->sums[k];
	urcu_qsbr_read_unlock();
	return bad;
}

static void *reader(void *arg)
{
	struct read_thread *t = arg;
	struct read_data *d = t->d;
	struct frost_sandbox *sb = NULL;
	struct frost_binding **bind = NULL;
	size_t k = (t->id * 7919u) % d->nr;
	uint64_t ops = 0, bad = 0, cpu0;

	if (is_frost(t->variant)) {
		sb = frost_sandbox_attach(heap_of(d, t->variant));
		if (sb && t->variant == V_BINDING) {
			bind = calloc(d->nr, sizeof(*bind));
			for (size_t i = 0; bind && i < d->nr; i++) {
				bind[i] = frost_binding_new(sb, d->names[i]);
				if (!bind[i])
					t->err = 1;
			}
			if (!bind)
				t->err = 1;
		}
		if (!sb || t->err) {
			t->err = 1;
			bench_sync_ready(&d->sync);
			return NULL;
		}
	} else if (t->variant == V_URCU) {
		urcu_qsbr_register_thread();
	}
	bench_sync_ready(&d->sync);
	cpu0 = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	while (!bench_stopped(&d->sync)) {
		for (unsigned int i = 0; i < READ_BATCH; i++) {
			switch (t->variant) {
			case V_IDEAL:
				bad += bench_read_ideal_op(d, k);
				break;
			case V_ATOMIC:
				bad += bench_read_atomic_op(d, k);
				break;
			case V_RWLOCK:
				bad += bench_read_rwlock_op(d, k);
				break;
			case V_BINDING:
				bad += bench_read_binding_op(d, bind[k], k);
				break;
			case V_URCU:
				bad += bench_read_urcu_op(d, k);
				break;
			default:	/* the frost variants */
				bad += bench_read_frost_op(d, sb, k);
				break;
			}
			if (++k == d->nr)
				k = 0;
		}
		ops += READ_BATCH;
		if (sb)
			frost_quiescent(sb);
		else if (t->variant == V_URCU)
			urcu_qsbr_quiescent_state();
	}
	t->cpu_ns = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	t->ops = ops;
	t->bad = bad;
	if (bind) {
		for (size_t i = 0; i < d->nr; i++)
			frost_binding_free(bind[i]);
		free(bind);
	}
	if (sb)
		frost_sandbox_detach(sb);
	else if (t->variant == V_URCU)
		urcu_qsbr_unregister_thread();
	return NULL;
}

/* A fresh private copy of tuple @k's value (ints 1000000 + k * items + j). */
static struct frost_object *make_tuple(struct frost_sandbox *sb, size_t k, size_t items)
{
	struct frost_object *it[64] = { NULL }, *t;

	for (size_t j = 0; j < items; j++) {
		it[j] = frost_int_new(sb, (int64_t)(1000000 + k * items + j));
		if (!it[j]) {
			while (j--)
				frost_decref(it[j]);
			return NULL;
		}
	}
	t = frost_tuple_new(sb, items, it);
	for (size_t j = 0; j < items; j++)
		frost_decref(it[j]);
	return t;
}

static void box_free_rcu(struct rcu_head *head)
{
	struct read_box *b = caa_container_of(head, struct read_box, rcu);

	free(b);
}

static struct read_box *box_new(struct frost_object *o)
{
	struct read_box *b = aligned_alloc(64, sizeof(*b));

	if (b) {
		b->refcnt = 1;
		b->obj = o;
	}
	return b;
}

static void *writer(void *arg)
{
	struct read_thread *t = arg;
	struct read_data *d = t->d;
	struct frost_sandbox *sb = NULL;
	size_t k = t->id % d->nr;
	uint64_t ops = 0, cpu0;

	if (is_frost(t->variant)) {
		sb = frost_sandbox_attach(heap_of(d, t->variant));
		if (!sb)
			t->err = 1;
	} else if (t->variant == V_URCU) {
		urcu_qsbr_register_thread();
	}
	bench_sync_ready(&d->sync);
	cpu0 = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	while (!t->err && !bench_stopped(&d->sync)) {
		struct read_slot *s = table_find(d, d->names[k]);
		struct read_box *nb, *old;

		if (is_frost(t->variant)) {
			struct frost_object *p = make_tuple(sb, k, (size_t)opt_items);
			struct frost_object *f = p ? frost_freeze(sb, p) : NULL;

			if (!f || frost_publish(sb, d->names[k], f))
				t->err = 1;
			if (p)
				frost_decref(p);
			frost_quiescent(sb);
			frost_sandbox_offline(sb);
			bench_sleep_us(opt_update_us);
			frost_sandbox_online(sb);
		} else if (t->variant == V_URCU) {
			nb = box_new(d->tuples[k]);
			if (!nb) {
				t->err = 1;
				break;
			}
			old = rcu_xchg_pointer(&s->box, nb);
			urcu_qsbr_call_rcu(&old->rcu, box_free_rcu);
			urcu_qsbr_quiescent_state();
			urcu_qsbr_thread_offline();
			bench_sleep_us(opt_update_us);
			urcu_qsbr_thread_online();
		} else {
			nb = box_new(d->tuples[k]);
			if (!nb) {
				t->err = 1;
				break;
			}
			pthread_rwlock_wrlock(&d->lock);
			old = s->box;
			s->box = nb;
			pthread_rwlock_unlock(&d->lock);
			free(old);
			bench_sleep_us(opt_update_us);
		}
		ops++;
		k = (k + 1) % d->nr;
	}
	t->cpu_ns = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	t->ops = ops;
	if (sb)
		frost_sandbox_detach(sb);
	else if (t->variant == V_URCU)
		urcu_qsbr_unregister_thread();
	return NULL;
}

static bool has_writers(int v)
{
	return is_frost(v) || v == V_RWLOCK || v == V_URCU;
}

/*
 * One run's reader speeds, each per reader thread: by the wall clock, per
 * second of the reader's own CPU, and per second of the process's CPU.
 */
struct read_speed {
	double wall, thread_cpu, process_cpu;
	double writer_share, other_share;	/* of the process's CPU */
};

/* One run: @nr readers of variant @v for --duration. */
static struct read_speed run_once(const struct bench_common *c, struct read_data *d, int v,
				  unsigned int nr, uint64_t *updates, int *failed)
{
	static struct read_thread th[MAX_READERS + 16];
	unsigned int nw = has_writers(v) ? (unsigned int)opt_writers : 0;
	uint64_t ops = 0, reader_cpu = 0, writer_cpu = 0, pcpu0, pcpu;
	struct read_speed sp;
	double secs;

	bench_sync_init(&d->sync);
	pcpu0 = bench_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	for (unsigned int i = 0; i < nr + nw; i++) {
		th[i] = (struct read_thread){ .d = d, .variant = v, .id = i };
		if (pthread_create(&th[i].tid, NULL, i < nr ? reader : writer, &th[i])) {
			bench_error("read: pthread_create failed");
			exit(1);
		}
	}
	secs = bench_sync_run(&d->sync, nr + nw, c->duration, NULL, NULL);
	*updates = 0;
	for (unsigned int i = 0; i < nr + nw; i++) {
		pthread_join(th[i].tid, NULL);
		if (th[i].err || th[i].bad) {
			bench_error("read: %s %s %u: %s (%llu bad sums)", read_variants[v],
				    i < nr ? "reader" : "writer", i,
				    th[i].err ? "failed" : "read wrong data",
				    (unsigned long long)th[i].bad);
			*failed = 1;
		}
		if (i < nr) {
			ops += th[i].ops;
			reader_cpu += th[i].cpu_ns;
		} else {
			*updates += th[i].ops;
			writer_cpu += th[i].cpu_ns;
		}
	}
	/* From before the threads start to after they are joined: their
	 * set-up is in it, a few attaches, noise next to --duration. */
	pcpu = bench_clock_ns(CLOCK_PROCESS_CPUTIME_ID) - pcpu0;
	sp.wall = (double)ops / secs / nr;
	sp.thread_cpu = reader_cpu ? (double)ops / ((double)reader_cpu / 1e9) / nr : 0;
	sp.process_cpu = pcpu ? (double)ops / ((double)pcpu / 1e9) / nr : 0;
	/* The rest: the reclaimer, the kicker, liburcu's workers, main. */
	sp.writer_share = pcpu ? (double)writer_cpu / (double)pcpu : 0;
	sp.other_share = pcpu ? 1.0 - (double)(writer_cpu + reader_cpu) / (double)pcpu : 0;
	return sp;
}

static int setup(struct read_data *d, struct frost_sandbox *sb)
{
	size_t n = (size_t)opt_names, cap = 1;

	while (cap < 2 * n)
		cap <<= 1;
	d->nr = n;
	d->mask = cap - 1;
	d->names = calloc(n, sizeof(*d->names));
	d->tuples = calloc(n, sizeof(*d->tuples));
	d->sums = calloc(n, sizeof(*d->sums));
	d->table = calloc(cap, sizeof(*d->table));
	if (!d->names || !d->tuples || !d->sums || !d->table)
		return -1;
	pthread_rwlock_init(&d->lock, NULL);
	for (size_t k = 0; k < n; k++) {
		struct frost_object *p = make_tuple(sb, k, (size_t)opt_items);
		struct read_box *b;

		if (!p || asprintf(&d->names[k], "read.%zu", k) < 0)
			return -1;
		d->tuples[k] = frost_freeze(sb, p);
		frost_decref(p);
		if (!d->tuples[k] || frost_pin(sb, d->tuples[k]) ||
		    frost_publish(sb, d->names[k], d->tuples[k]))
			return -1;
		d->sums[k] = walk(d->tuples[k]);
		b = box_new(d->tuples[k]);
		if (!b)
			return -1;
		table_insert(d, d->names[k], b);
	}
	return 0;
}

static void teardown(struct read_data *d)
{
	for (size_t i = 0; d->table && i <= d->mask; i++)
		free(d->table[i].box);
	for (size_t k = 0; d->names && k < d->nr; k++)
		free(d->names[k]);
	free(d->names);
	free(d->tuples);
	free(d->sums);
	free(d->table);
}

/* Publish the tuples in a heap of the share variants (a thread of its own:
 * the main thread's sandbox is on the main heap). */
static void *share_fill(void *arg)
{
	struct read_data *d = ((void **)arg)[0];
	struct frost_heap *heap = ((void **)arg)[1];
	struct frost_sandbox *sb = frost_sandbox_attach(heap);
	intptr_t err = !sb;

	for (size_t k = 0; !err && k < d->nr; k++) {
		struct frost_object *p = make_tuple(sb, k, (size_t)opt_items);
		struct frost_object *f = p ? frost_freeze(sb, p) : NULL;

		err = !f || frost_publish(sb, d->names[k], f);
		if (p)
			frost_decref(p);
	}
	if (sb)
		frost_sandbox_detach(sb);
	return (void *)err;
}

/* The heap of share variant @v (V_MANUAL, V_B2B, V_SHARE), filled. */
static struct frost_heap *share_heap_new(struct read_data *d, int v)
{
	struct frost_heap_config cfg = { .cycle_trigger = 1 };
	void *arg[2], *err = (void *)1;
	pthread_t th;

	if (v == V_MANUAL)
		cfg = (struct frost_heap_config){ .flags = FROST_HEAP_MANUAL };
	if (v == V_SHARE) {
		cfg.reclaimer_duty = (unsigned int)opt_duty;
		cfg.reclaimer_nice = (unsigned int)opt_nice;
	}
	arg[0] = d;
	arg[1] = frost_heap_create(&cfg);
	if (!arg[1])
		return NULL;
	if (!pthread_create(&th, NULL, share_fill, arg))
		pthread_join(th, &err);
	if (err) {
		frost_heap_destroy(arg[1]);
		return NULL;
	}
	return arg[1];
}

/* CPUs this process may run on (taskset), at least 1. */
static unsigned int affinity_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return bench_nr_cpus();
	return CPU_COUNT(&set) > 0 ? (unsigned int)CPU_COUNT(&set) : 1;
}

/*
 * SUMMARY of a share variant against frost-manual at @n readers, by the
 * wall clock and by CPU time: per second of the process's CPU when the
 * readers fill the CPUs the process may use (@pcpu: the reclaimer's CPU
 * is taken from them), else per second of the readers' own CPU (@tcpu:
 * the reclaimer runs on an idle CPU and only its handshakes cost them).
 */
static void share_summary(const struct bench_common *c, const char *what, unsigned int n,
			  const double wall[2], const double tcpu[2], const double pcpu[2])
{
	const double *cpu = n >= affinity_cpus() ? pcpu : tcpu;
	char name[48];

	if (!wall[0] || !wall[1])
		return;
	snprintf(name, sizeof(name), "read_%s_%ut", what, n);
	bench_summary_ge(c, name, wall[0], wall[1], "Mops/s/thread", TARGET_SHARE);
	snprintf(name, sizeof(name), "read_%s_cpu_%ut", what, n);
	bench_summary_ge(c, name, cpu[0], cpu[1], "Mops/cpu-s/thread", TARGET_SHARE);
}

static int read_run(const struct bench_common *c)
{
	static double res[MAX_READERS + 1][NR_V][BENCH_MAX_REPS];
	static double med[MAX_READERS + 1][NR_V];
	static double res_tc[MAX_READERS + 1][NR_V][BENCH_MAX_REPS];
	static double res_pc[MAX_READERS + 1][NR_V][BENCH_MAX_REPS];
	static double med_tc[MAX_READERS + 1][NR_V], med_pc[MAX_READERS + 1][NR_V];
	struct read_data d = { 0 };
	struct frost_sandbox *sb;
	unsigned int maxr = opt_readers ? (unsigned int)opt_readers : bench_nr_cpus();
	uint64_t updates, total_updates[NR_V] = { 0 };
	int failed = 0;

	if (maxr > MAX_READERS)
		maxr = MAX_READERS;
	if (opt_items > 64) {
		bench_error("read: --items at most 64");
		return -1;
	}
	d.heap = frost_heap_create(NULL);
	if (!d.heap) {
		bench_error("frost_heap_create: %m");
		return -1;
	}
	sb = frost_sandbox_attach(d.heap);
	if (!sb || setup(&d, sb)) {
		bench_error("read: setting up the data failed: %m");
		failed = 1;
		goto out;
	}
	/* The main sandbox holds the pins; offline, it never delays anyone. */
	frost_sandbox_offline(sb);
	for (int v = V_MANUAL; v < NR_V; v++) {
		if (!bench_variant_on(c, read_variants[v]))
			continue;
		d.share_heaps[v] = share_heap_new(&d, v);
		if (!d.share_heaps[v]) {
			bench_error("read: setting up the %s heap failed: %m", read_variants[v]);
			failed = 1;
			goto out;
		}
	}

	bench_info(c, "# Mops/s per reader thread; %zu names, tuples of %llu ints; %llu writer(s), one update per %llu us\n",
		   d.nr, (unsigned long long)opt_items, (unsigned long long)opt_writers,
		   (unsigned long long)opt_update_us);
	for (unsigned int r = 0; r < c->reps && !failed; r++) {
		for (unsigned int n = 1; n <= maxr; n++) {
			bench_info(c, "rep %u/%u %2u reader(s):", r + 1, c->reps, n);
			for (int v = 0; v < NR_V; v++) {
				if (!bench_variant_on(c, read_variants[v]))
					continue;
				struct read_speed sp = run_once(c, &d, v, n, &updates, &failed);

				res[n][v][r] = sp.wall / 1e6;
				res_tc[n][v][r] = sp.thread_cpu / 1e6;
				res_pc[n][v][r] = sp.process_cpu / 1e6;
				total_updates[v] += updates;
				bench_info(c, " %s %.2f", read_variants[v], res[n][v][r]);
				if (v >= V_MANUAL)
					bench_info(c, " (thread %.2f process %.2f; writers %.1f%% other %.1f%% of the CPU)",
						   res_tc[n][v][r], res_pc[n][v][r],
						   100 * sp.writer_share, 100 * sp.other_share);
			}
			bench_info(c, "\n");
		}
	}
	if (failed)
		goto out;

	bench_info(c, "%-8s", "readers");
	for (int v = 0; v < NR_V; v++)
		if (bench_variant_on(c, read_variants[v]))
			bench_info(c, " %9s", read_variants[v]);
	bench_info(c, "   (Mops/s per thread, median of %u)\n", c->reps);
	for (unsigned int n = 1; n <= maxr; n++) {
		bench_info(c, "%-8u", n);
		for (int v = 0; v < NR_V; v++) {
			char metric[32];

			if (!bench_variant_on(c, read_variants[v]))
				continue;
			med[n][v] = bench_median(res[n][v], c->reps);
			if (!bench_sane(read_variants[v], med[n][v]))
				failed = 1;
			bench_info(c, " %9.3f", med[n][v]);
			snprintf(metric, sizeof(metric), "ops_%ut", n);
			bench_csv(c, "read", read_variants[v], metric, med[n][v], "Mops/s/thread");
		}
		bench_info(c, "\n");
	}
	bench_info(c, "# the reclaimer's share (frost-share: reclaimer_duty %llu, reclaimer_nice %llu):\n"
		   "# Mops per second of the reader's own CPU / of the process's CPU, per reader\n",
		   (unsigned long long)opt_duty, (unsigned long long)opt_nice);
	for (unsigned int n = 1; n <= maxr; n++) {
		bench_info(c, "%-8u", n);
		for (int v = V_MANUAL; v < NR_V; v++) {
			char metric[32];

			if (!bench_variant_on(c, read_variants[v]))
				continue;
			med_tc[n][v] = bench_median(res_tc[n][v], c->reps);
			med_pc[n][v] = bench_median(res_pc[n][v], c->reps);
			bench_info(c, " %s %.3f / %.3f", read_variants[v], med_tc[n][v], med_pc[n][v]);
			snprintf(metric, sizeof(metric), "thread_cpu_%ut", n);
			bench_csv(c, "read", read_variants[v], metric, med_tc[n][v], "Mops/cpu-s/thread");
			snprintf(metric, sizeof(metric), "process_cpu_%ut", n);
			bench_csv(c, "read", read_variants[v], metric, med_pc[n][v], "Mops/cpu-s/thread");
		}
		bench_info(c, "\n");
	}
	for (int v = 0; v < NR_V; v++)
		if (has_writers(v) && bench_variant_on(c, read_variants[v]))
			bench_info(c, "# %s: %llu updates in all runs\n", read_variants[v],
				   (unsigned long long)total_updates[v]);
	if (failed)
		goto out;
	for (unsigned int n = 1; n <= maxr; n++) {
		for (int v = V_B2B; v <= V_SHARE; v++) {
			const double wall[2] = { med[n][v], med[n][V_MANUAL] };
			const double tcpu[2] = { med_tc[n][v], med_tc[n][V_MANUAL] };
			const double pcpu[2] = { med_pc[n][v], med_pc[n][V_MANUAL] };

			share_summary(c, v == V_SHARE ? "share" : "cycles", n, wall, tcpu, pcpu);
		}
	}
	for (unsigned int n = 1; n <= maxr; n++) {
		char name[48];

		/* A resolved name against the ideal table. */
		if (med[n][V_BINDING] && med[n][V_IDEAL]) {
			snprintf(name, sizeof(name), "read_binding_ideal_%ut", n);
			bench_summary_ge(c, name, med[n][V_BINDING], med[n][V_IDEAL], "Mops/s/thread",
					 TARGET_BINDING);
		}
		if (!med[n][V_FROST])
			continue;
		for (int v = 0; v < NR_V; v++) {
			double target = 0;

			if (is_frost(v) || !med[n][v])
				continue;
			if (v == V_IDEAL)
				target = TARGET_IDEAL;
			if (v == V_ATOMIC && n == 2)
				target = TARGET_ATOMIC;
			snprintf(name, sizeof(name), "read_%s_%ut", read_variants[v], n);
			bench_summary_ge(c, name, med[n][V_FROST], med[n][v], "Mops/s/thread", target);
		}
	}
out:
	if (sb) {
		frost_sandbox_online(sb);
		frost_sandbox_detach(sb);
	}
	/* Boxes retired with call_rcu must be freed before the table goes. */
	urcu_qsbr_barrier();
	teardown(&d);
	frost_heap_destroy(d.heap);
	for (int v = V_MANUAL; v < NR_V; v++)
		if (d.share_heaps[v])
			frost_heap_destroy(d.share_heaps[v]);
	return failed ? -1 : 0;
}

static const struct bench_option read_options[] = {
	{ .name = "readers", .metavar = "N", .kind = BENCH_OPT_UINT, .value = &opt_readers,
	  .min = 0, .max = MAX_READERS, .help = "up to N reader threads, 1..N (default 0: online CPUs)" },
	{ .name = "writers", .metavar = "N", .kind = BENCH_OPT_UINT, .value = &opt_writers,
	  .min = 0, .max = 8, .help = "writer threads in frost, rwlock, urcu (default 1)" },
	{ .name = "names", .metavar = "N", .kind = BENCH_OPT_UINT, .value = &opt_names,
	  .min = 1, .max = 1u << 20, .help = "published tuples (default 64)" },
	{ .name = "items", .metavar = "N", .kind = BENCH_OPT_UINT, .value = &opt_items,
	  .min = 1, .max = 64, .help = "ints per tuple (default 8)" },
	{ .name = "update-us", .metavar = "US", .kind = BENCH_OPT_UINT, .value = &opt_update_us,
	  .min = 1, .max = 10000000, .help = "a writer's pause between updates (default 1000)" },
	{ .name = "duty", .metavar = "PCT", .kind = BENCH_OPT_UINT, .value = &opt_duty,
	  .min = 1, .max = 100, .help = "frost-share: reclaimer_duty, percent of a CPU (default 5)" },
	{ .name = "nice", .metavar = "N", .kind = BENCH_OPT_UINT, .value = &opt_nice,
	  .min = 0, .max = 19, .help = "frost-share: reclaimer_nice increment (default 0)" },
	{ .name = NULL },
};

const struct bench bench_read = {
	.name = "read",
	.help = "lookup + tuple walk + incref/decref: frost vs ideal, atomic refcount, rwlock, liburcu",
	.variants = read_variants,
	.chunk = "(not used: runs are timed by --duration)",
	.options = read_options,
	.run = read_run,
};
