// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tools/bench/channel.c - `frost-bench channel`: frost channels against a
 * pthread mutex + condition variable queue carrying the same pointers.
 *
 * Theory of operation. Two threads (sandboxes for frost) and two queues of
 * --capacity slots, "ping" and "pong". Two patterns:
 *
 *   pingpong  thread A sends a shared object on ping and waits for it on
 *             pong; B receives on ping and sends it back on pong. Each
 *             round trip is timed with CLOCK_MONOTONIC into a histogram
 *             (round trips are microseconds, so a clock read per round
 *             trip is noise): median and p99 round-trip latency, and
 *             messages per second (two per round trip);
 *   stream    A sends as fast as it can on ping, B receives: messages per
 *             second through a queue that is sometimes full, sometimes
 *             empty.
 *
 * Variants:
 *   frost   frost_channel_send()/frost_channel_recv() with timeout -1
 *           (a waiting call sleeps on a futex with its sandbox offline);
 *   mutex   a bounded ring under one pthread mutex with two condition
 *           variables (not full, not empty), the textbook queue, carrying
 *           the same frozen object pointers.
 *
 * Every received pointer is checked against the one sent.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <frost/frost.h>
#include "bench.h"

static uint64_t opt_capacity = 64;

enum { V_FROST, V_MUTEX, NR_V };
static const char *const channel_variants[] = { "frost", "mutex", NULL };
enum { P_PINGPONG, P_STREAM, NR_P };
static const char *const pattern_names[NR_P] = { "pingpong", "stream" };

struct mq {
	pthread_mutex_t lock;
	pthread_cond_t not_full, not_empty;
	size_t head, count, cap;
	struct frost_object **ring;
};

static int mq_init(struct mq *q, size_t cap)
{
	q->ring = calloc(cap, sizeof(*q->ring));
	if (!q->ring)
		return -1;
	q->cap = cap;
	q->head = q->count = 0;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->not_full, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	return 0;
}

static void mq_destroy(struct mq *q)
{
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->not_full);
	pthread_cond_destroy(&q->not_empty);
	free(q->ring);
}

static void mq_send(struct mq *q, struct frost_object *o)
{
	pthread_mutex_lock(&q->lock);
	while (q->count == q->cap)
		pthread_cond_wait(&q->not_full, &q->lock);
	q->ring[(q->head + q->count++) % q->cap] = o;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

static struct frost_object *mq_recv(struct mq *q)
{
	struct frost_object *o;

	pthread_mutex_lock(&q->lock);
	while (!q->count)
		pthread_cond_wait(&q->not_empty, &q->lock);
	o = q->ring[q->head];
	q->head = (q->head + 1) % q->cap;
	q->count--;
	pthread_cond_signal(&q->not_full);
	pthread_mutex_unlock(&q->lock);
	return o;
}

struct chan_run {
	int variant, pattern;
	struct frost_heap *heap;
	struct frost_channel *ch[2];
	struct mq mq[2];
	struct frost_object *msg;
	struct bench_sync sync;
};

struct chan_thread {
	pthread_t tid;
	struct chan_run *r;
	bool a;
	uint64_t msgs;
	uint64_t bad;
	int err;
	struct bench_hist hist;
};

/* The stop message: B forwards it and ends. */
#define STOP_MSG(r)	frost_none()

static int xsend(struct chan_run *r, struct frost_sandbox *sb, int q, struct frost_object *o)
{
	if (r->variant == V_FROST)
		return frost_channel_send(sb, r->ch[q], o, -1);
	mq_send(&r->mq[q], o);
	return 0;
}

static int xrecv(struct chan_run *r, struct frost_sandbox *sb, int q, struct frost_object **o)
{
	if (r->variant == V_FROST)
		return frost_channel_recv(sb, r->ch[q], o, -1);
	*o = mq_recv(&r->mq[q]);
	return 0;
}

static void *chan_thread_fn(void *arg)
{
	struct chan_thread *t = arg;
	struct chan_run *r = t->r;
	struct frost_sandbox *sb = NULL;
	struct frost_object *o;

	if (r->variant == V_FROST) {
		sb = frost_sandbox_attach(r->heap);
		if (!sb)
			t->err = 1;
	}
	bench_sync_ready(&r->sync);
	if (t->err)
		return NULL;
	if (!t->a) {
		/* B: receive on ping; in pingpong, answer on pong. */
		for (;;) {
			if (xrecv(r, sb, 0, &o)) {
				t->err = 1;
				break;
			}
			if (o == STOP_MSG(r)) {
				if (r->pattern == P_PINGPONG && xsend(r, sb, 1, o))
					t->err = 1;
				break;
			}
			t->bad += o != r->msg;
			t->msgs++;
			if (r->pattern == P_PINGPONG && xsend(r, sb, 1, o)) {
				t->err = 1;
				break;
			}
			if (sb && !(t->msgs & 63))
				frost_quiescent(sb);
		}
	} else {
		while (!bench_stopped(&r->sync)) {
			for (unsigned int i = 0; i < 64; i++) {
				uint64_t t0 = r->pattern == P_PINGPONG ? bench_now_ns() : 0;

				if (xsend(r, sb, 0, r->msg)) {
					t->err = 1;
					break;
				}
				if (r->pattern == P_PINGPONG) {
					if (xrecv(r, sb, 1, &o)) {
						t->err = 1;
						break;
					}
					t->bad += o != r->msg;
					bench_hist_add(&t->hist, bench_now_ns() - t0);
				}
				t->msgs++;
			}
			if (t->err)
				break;
			if (sb)
				frost_quiescent(sb);
		}
		if (xsend(r, sb, 0, STOP_MSG(r)))
			t->err = 1;
		else if (r->pattern == P_PINGPONG && xrecv(r, sb, 1, &o))
			t->err = 1;
	}
	if (sb)
		frost_sandbox_detach(sb);
	return NULL;
}

struct chan_result {
	double msgs_per_s;
	double p50_us, p99_us;
};

static int chan_once(const struct bench_common *c, struct chan_run *r,
		     struct chan_result *res)
{
	static struct chan_thread th[2];
	double secs;
	int failed = 0;

	bench_sync_init(&r->sync);
	for (int i = 0; i < 2; i++) {
		memset(&th[i], 0, sizeof(th[i]));
		th[i].r = r;
		th[i].a = i == 0;
		if (pthread_create(&th[i].tid, NULL, chan_thread_fn, &th[i])) {
			bench_error("channel: pthread_create failed");
			exit(1);
		}
	}
	secs = bench_sync_run(&r->sync, 2, c->duration, NULL, NULL);
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i].tid, NULL);
		if (th[i].err || th[i].bad) {
			bench_error("channel: %s %s thread %c: %s", channel_variants[r->variant],
				    pattern_names[r->pattern], 'A' + i,
				    th[i].err ? "a call failed" : "received a wrong pointer");
			failed = 1;
		}
	}
	/* The stop handshake took a moment past the deadline: count it in. */
	secs = (double)(bench_now_ns() - r->sync.t0) / 1e9;
	res->msgs_per_s = (double)th[0].msgs * (r->pattern == P_PINGPONG ? 2 : 1) / secs;
	res->p50_us = bench_hist_pct(&th[0].hist, 50) / 1e3;
	res->p99_us = bench_hist_pct(&th[0].hist, 99) / 1e3;
	return failed ? -1 : 0;
}

static int channel_run(const struct bench_common *c)
{
	enum { M_RATE, M_P50, M_P99, NR_M };
	static double res[NR_P][NR_V][NR_M][BENCH_MAX_REPS];
	double med[NR_P][NR_V][NR_M] = { { { 0 } } };
	struct chan_run r = { 0 };
	struct frost_sandbox *sb;
	struct frost_object *t;
	int failed = 0;

	r.heap = frost_heap_create(NULL);
	if (!r.heap) {
		bench_error("frost_heap_create: %m");
		return -1;
	}
	/* The message: a frozen tuple, published so it outlives every run. */
	sb = frost_sandbox_attach(r.heap);
	t = sb ? frost_tuple_new(sb, 1, (struct frost_object *const[]){ frost_int_new(sb, 7) }) : NULL;
	r.msg = t ? frost_freeze(sb, t) : NULL;
	if (!r.msg || frost_publish(sb, "channel.msg", r.msg)) {
		bench_error("channel: cannot make the message: %m");
		failed = 1;
		goto out;
	}
	frost_decref(t);
	frost_sandbox_detach(sb);
	sb = NULL;
	for (int q = 0; q < 2; q++) {
		r.ch[q] = frost_channel_create(r.heap, (size_t)opt_capacity);
		if (!r.ch[q] || mq_init(&r.mq[q], (size_t)opt_capacity)) {
			bench_error("channel: frost_channel_create: %m");
			failed = 1;
			goto out;
		}
	}
	bench_info(c, "# capacity %llu; pingpong: round trips timed one by one; stream: one-way\n",
		   (unsigned long long)opt_capacity);
	for (unsigned int rep = 0; rep < c->reps && !failed; rep++) {
		for (int p = 0; p < NR_P && !failed; p++) {
			bench_info(c, "rep %u/%u %-8s:", rep + 1, c->reps, pattern_names[p]);
			for (int v = 0; v < NR_V; v++) {
				struct chan_result cr;

				if (!bench_variant_on(c, channel_variants[v]))
					continue;
				r.variant = v;
				r.pattern = p;
				if (chan_once(c, &r, &cr)) {
					failed = 1;
					break;
				}
				res[p][v][M_RATE][rep] = cr.msgs_per_s / 1e6;
				res[p][v][M_P50][rep] = cr.p50_us;
				res[p][v][M_P99][rep] = cr.p99_us;
				bench_info(c, " %s %.3f Mmsg/s", channel_variants[v], cr.msgs_per_s / 1e6);
				if (p == P_PINGPONG)
					bench_info(c, " (rtt p50 %.2f p99 %.2f us)", cr.p50_us, cr.p99_us);
			}
			bench_info(c, "\n");
		}
	}
	if (failed)
		goto out;
	bench_info(c, "%-9s %-6s %9s %10s %10s  (medians of %u)\n", "pattern", "variant", "Mmsg/s",
		   "rtt p50 us", "rtt p99 us", c->reps);
	for (int p = 0; p < NR_P; p++) {
		for (int v = 0; v < NR_V; v++) {
			char var[32];

			if (!bench_variant_on(c, channel_variants[v]))
				continue;
			for (int m = 0; m < NR_M; m++)
				med[p][v][m] = bench_median(res[p][v][m], c->reps);
			snprintf(var, sizeof(var), "%s/%s", pattern_names[p], channel_variants[v]);
			bench_csv(c, "channel", var, "msgs", med[p][v][M_RATE], "Mmsg/s");
			if (p == P_PINGPONG) {
				bench_csv(c, "channel", var, "rtt_p50", med[p][v][M_P50], "us");
				bench_csv(c, "channel", var, "rtt_p99", med[p][v][M_P99], "us");
			}
			bench_info(c, "%-9s %-6s %9.3f %10.2f %10.2f\n", pattern_names[p],
				   channel_variants[v], med[p][v][M_RATE], med[p][v][M_P50],
				   med[p][v][M_P99]);
			if (!bench_sane(var, med[p][v][M_RATE]))
				failed = 1;
		}
	}
	if (failed || !med[0][V_FROST][M_RATE] || !med[0][V_MUTEX][M_RATE])
		goto out;
	bench_summary_ge(c, "channel_pingpong", med[P_PINGPONG][V_FROST][M_RATE],
			 med[P_PINGPONG][V_MUTEX][M_RATE], "Mmsg/s", 0);
	bench_summary(c, "channel_rtt_p50", med[P_PINGPONG][V_FROST][M_P50],
		      med[P_PINGPONG][V_MUTEX][M_P50], "us", 0);
	bench_summary(c, "channel_rtt_p99", med[P_PINGPONG][V_FROST][M_P99],
		      med[P_PINGPONG][V_MUTEX][M_P99], "us", 0);
	bench_summary_ge(c, "channel_stream", med[P_STREAM][V_FROST][M_RATE],
			 med[P_STREAM][V_MUTEX][M_RATE], "Mmsg/s", 0);
out:
	if (sb)
		frost_sandbox_detach(sb);
	for (int q = 0; q < 2; q++) {
		if (r.ch[q] && frost_channel_destroy(r.ch[q])) {
			bench_error("channel: frost_channel_destroy: busy");
			failed = 1;
		}
		if (r.mq[q].ring)
			mq_destroy(&r.mq[q]);
	}
	frost_heap_destroy(r.heap);
	return failed ? -1 : 0;
}

static const struct bench_option channel_options[] = {
	{ .name = "capacity", .metavar = "N", .kind = BENCH_OPT_UINT, .value = &opt_capacity,
	  .min = 1, .max = FROST_CHANNEL_MAX_CAPACITY, .help = "slots per queue (default 64)" },
	{ .name = NULL },
};

const struct bench bench_channel = {
	.name = "channel",
	.help = "ping-pong round trips and one-way stream: frost_channel vs mutex+condvar queue",
	.variants = channel_variants,
	.chunk = "(not used: runs are timed by --duration)",
	.options = channel_options,
	.run = channel_run,
};
