// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tools/torture/main.c - frost-torture: options, start-up, statistics,
 * the final checks and the verdict.
 *
 * Theory of operation (model: the kernel's rcutorture). main parses the
 * options, creates one heap (background reclaimer, cycle_trigger and
 * stall_warn_ms from the options, --break applied before any sandbox
 * starts), starts every role as a spawned sandbox (roles.c) plus the
 * optional reclaim-loop thread, arms fault injection, then sleeps for
 * --duration seconds printing a stats line every --stats-interval (and a
 * \r-updated progress line when stdout is a terminal). At the end it sets
 * t->stop, closes the channel (receivers drain it and see EPIPE), joins
 * everyone, and checks, as a sandbox of its own, that every slot still
 * holds an intact structure of the generation its writer published last.
 * Every GEN_CHECK_MS, and once after the workers stop, it also asks
 * frost_debug_check_generations() whether an old object points to a young
 * one: the cause of a reachable young object freed by a later young
 * cycle, seen before any reader can trip over it.
 * It then unbinds every name, restores the reclaimer and runs two cycles:
 * with no root left every shared object must be gone (a leak is an
 * error), and the channel and heap must be destroyable.
 *
 * The verdict is SUCCESS only if no error of any kind was counted AND the
 * run exercised what it claims to (reads, updates, cycles, frees, and
 * each role's own work): a run that silently did nothing is a FAILURE,
 * not a success. Every parameter is printed at the start and again on
 * the End of test line. A fatal signal (a reader dereferencing memory the
 * library unmapped, or the library's own panic) ends the run with an
 * End of test: FAILURE line written from the signal handler.
 *
 * Exit status: 0 SUCCESS, 1 FAILURE, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "torture.h"

#define PROG			"frost-torture"
#define TICK_MS			100
/* How often the main thread checks for old-to-young edges (a heap walk). */
#define GEN_CHECK_MS		1000
#define STALL_WARN_MS_TEST	100	/* heap stall_warn_ms under --stall */
#define CHANNEL_CAPACITY	64

static char params_line[512];	/* built once, written by the signal handler too */

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [options]\n"
		"Stress the frost heap and verify every object read (see Documentation/dev-tools/torture.rst).\n"
		"  --readers N          reader sandboxes (default 2)\n"
		"  --writers N          writer sandboxes, at least 1 (default 2)\n"
		"  --pinners N          sandboxes that pin across quiescent states (default 1)\n"
		"  --keepers N          sandboxes that keep objects in private lists (default 1)\n"
		"  --senders N          channel senders (default 1)\n"
		"  --receivers N        channel receivers, blocking offline (default 1)\n"
		"  --agers N            sandboxes that stress the generations (default 1)\n"
		"  --slots N            published slots \"slot-0\".. plus one contended (default 16)\n"
		"  --duration SEC       run time (default 10)\n"
		"  --cycle-trigger B    bytes frozen that start a cycle; K/M/G suffixes; 0: library\n"
		"                       default (default 256K)\n"
		"  --stall              add a sandbox that stalls without quiescent states\n"
		"                       (the heap's stall_warn_ms becomes %u)\n"
		"  --reclaim-loop       add a thread calling frost_reclaim() in a loop\n"
		"  --fault-every N      fail every Nth library allocation (needs a library built\n"
		"                       with CONFIG_FROST_FAULT_INJECTION)\n"
		"  --seed N             seed of every pseudo-random choice (default: time and pid)\n"
		"  --stats-interval SEC stats line period, 0 for none (default 3)\n"
		"  --quiet              only the start line, errors and the final report\n"
		"  --break FLAGS        frost_debug_break_reclaimer() flags (self-test): 0x1 skip\n"
		"                       GP1, 0x2 skip termination, 0x4 skip the free grace period,\n"
		"                       0x8 young cycles free old objects, 0x10 promote objects\n"
		"                       without their children\n"
		"  --help               this text\n"
		"Exit status: 0 SUCCESS, 1 FAILURE, 2 usage error.\n", STALL_WARN_MS_TEST);
}

static void __attribute__((format(printf, 1, 2), noreturn)) die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '" PROG " --help'.\n");
	exit(2);
}

/* Parse an unsigned number; @suffixes allows K, M, G (powers of 1024). */
static uint64_t parse_num(const char *opt, const char *s, uint64_t max, bool suffixes)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!s || !*s || *s == '-')
		die_usage("option needs a non-negative number: %s", opt);
	v = strtoull(s, &end, 0);
	if (suffixes && *end && !end[1]) {
		int shift = *end == 'K' || *end == 'k' ? 10 : *end == 'M' || *end == 'm' ? 20 :
			    *end == 'G' || *end == 'g' ? 30 : -1;

		if (shift > 0 && v <= (max >> shift)) {
			v <<= shift;
			end++;
		}
	}
	if (errno || *end || v > max)
		die_usage("bad number for %s", opt);
	return v;
}

/* ------------------------------------------------------------------ */
/* Fatal signals                                                       */

static void write_str(const char *s)
{
	ssize_t r = write(STDOUT_FILENO, s, strlen(s));

	(void)r;
}

static void fatal_signal(int sig)
{
	write_str("\n" PROG ": fatal signal ");
	write_str(sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : "SIGABRT");
	write_str(" (a freed or unmapped shared object was used, or the library panicked)\n"
		  "End of test: FAILURE fatal-signal ");
	write_str(params_line);
	write_str("\n");
	_exit(1);
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fatal_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
}

/* ------------------------------------------------------------------ */
/* Statistics                                                          */

static void totals(const struct torture *t, struct torture_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned int i = 0; i < t->nr_workers; i++) {
		const struct torture_stats *s = &t->workers[i].st;

#define ADD(f) (sum->f += ST_GET(s->f))
		ADD(reads); ADD(rechecks); ADD(misses); ADD(bound); ADD(updates); ADD(hot_updates);
		ADD(cas_fail); ADD(chunks); ADD(pins); ADD(kept); ADD(keep_pub); ADD(sent);
		ADD(received); ADD(offline); ADD(stalls); ADD(reclaims); ADD(enomem);
		ADD(aged); ADD(young_garbage); ADD(old_via_young);
		for (int k = 0; k < TE_NR; k++)
			ADD(err[k]);
		for (int k = 0; k < AGE_NR; k++)
			ADD(age[k]);
#undef ADD
	}
}

static uint64_t nr_errors(const struct torture_stats *s)
{
	uint64_t n = 0;

	for (int k = 1; k < TE_NR; k++)
		n += s->err[k];
	return n;
}

static void build_params(const struct torture_params *p)
{
	snprintf(params_line, sizeof(params_line),
		 "readers=%u writers=%u pinners=%u keepers=%u senders=%u receivers=%u agers=%u slots=%u "
		 "duration=%u cycle_trigger=%" PRIu64 " stall=%d reclaim_loop=%d fault_every=%u "
		 "break=0x%x seed=%" PRIu64 " stats_interval=%u quiet=%d",
		 p->readers, p->writers, p->pinners, p->keepers, p->senders, p->receivers, p->agers,
		 p->slots,
		 p->duration, p->cycle_trigger, p->stall, p->reclaim_loop, p->fault_every,
		 p->break_flags, p->seed, p->stats_interval, p->quiet);
}

static void stats_line(struct torture *t, uint64_t elapsed_ms, bool tty)
{
	struct frost_heap_stats hs;
	struct torture_stats s;

	totals(t, &s);
	frost_heap_stats(t->heap, &hs);
	printf("%s" PROG ": t=%" PRIu64 "s reads=%" PRIu64 " updates=%" PRIu64 " cycles=%" PRIu64
	       " freed=%" PRIu64 " errors=%" PRIu64 " shared=%" PRIu64 " objects=%" PRIu64
	       " pins=%" PRIu64 " kept=%" PRIu64 " msgs=%" PRIu64 " enomem=%" PRIu64 "\n",
	       tty ? "\r\033[K" : "", elapsed_ms / 1000, s.reads, s.updates + s.hot_updates, hs.cycles,
	       hs.freed_objects, nr_errors(&s), hs.shared_bytes, hs.shared_objects, s.pins, s.kept,
	       s.received, s.enomem);
	fflush(stdout);
}

static void progress_line(struct torture *t, uint64_t elapsed_ms)
{
	static const char spin[] = "|/-\\";
	struct frost_heap_stats hs;
	struct torture_stats s;
	unsigned int total = t->p.duration * 1000, done, bar = 20;
	char b[32];

	totals(t, &s);
	frost_heap_stats(t->heap, &hs);
	done = total ? (unsigned int)(elapsed_ms * bar / total) : bar;
	for (unsigned int i = 0; i < bar; i++)
		b[i] = i < done ? '#' : '.';
	b[bar] = '\0';
	printf("\r\033[K" PROG ": %c [%s] %" PRIu64 ".%" PRIu64 "/%us reads=%" PRIu64 " updates=%"
	       PRIu64 " cycles=%" PRIu64 " errors=%" PRIu64, spin[(elapsed_ms / TICK_MS) % 4], b,
	       elapsed_ms / 1000, elapsed_ms % 1000 / 100, t->p.duration, s.reads,
	       s.updates + s.hot_updates, hs.cycles, nr_errors(&s));
	fflush(stdout);
}

/* ------------------------------------------------------------------ */
/* Start, stop, final checks                                           */

static struct torture_worker *add_worker(struct torture *t, enum torture_role role, unsigned int idx)
{
	struct torture_worker *w = &t->workers[t->nr_workers];

	w->t = t;
	w->role = role;
	w->idx = idx;
	w->id = t->nr_workers++;
	w->rng = torture_mix(t->p.seed ^ (UINT64_C(0x9e3779b97f4a7c15) * (w->id + 1)));
	return w;
}

static bool start_workers(struct torture *t)
{
	const struct torture_params *p = &t->p;
	const unsigned int count[] = {
		[ROLE_READER] = p->readers, [ROLE_WRITER] = p->writers,
		[ROLE_PINNER] = p->pinners, [ROLE_KEEPER] = p->keepers,
		[ROLE_SENDER] = p->senders, [ROLE_RECEIVER] = p->receivers,
		[ROLE_STALLER] = p->stall, [ROLE_RECLAIMER] = p->reclaim_loop,
		[ROLE_AGER] = p->agers,
		[ROLE_MAIN] = 1,
	};
	unsigned int n = 0;

	for (int r = 0; r < ROLE_NR; r++)
		n += count[r];
	t->workers = calloc(n, sizeof(*t->workers));
	if (!t->workers)
		return false;
	/* Writers first, so that readers find something early. */
	for (unsigned int i = 0; i < p->writers; i++)
		add_worker(t, ROLE_WRITER, i);
	for (int r = 0; r < ROLE_NR; r++)
		for (unsigned int i = 0; r != ROLE_WRITER && i < count[r]; i++)
			add_worker(t, (enum torture_role)r, i);
	for (unsigned int i = 0; i < t->nr_workers; i++) {
		struct torture_worker *w = &t->workers[i];

		if (w->role == ROLE_MAIN)
			continue;
		if (w->role == ROLE_RECLAIMER) {
			errno = pthread_create(&w->thread, NULL, torture_reclaimer_main, w);
			w->started = errno == 0;
		} else {
			w->handle = frost_sandbox_spawn(t->heap, torture_role_main, w);
			w->started = w->handle != NULL;
		}
		if (!w->started) {
			fprintf(stderr, PROG ": cannot start %s %u: %s\n",
				torture_role_names[w->role], w->idx, strerror(errno));
			return false;
		}
	}
	return true;
}

static void stop_workers(struct torture *t)
{
	__atomic_store_n(&t->stop, 1, __ATOMIC_RELAXED);
	frost_channel_close(t->chan);
	for (unsigned int i = 0; i < t->nr_workers; i++) {
		struct torture_worker *w = &t->workers[i];
		int ret, fn_ret = 0;

		if (!w->started)
			continue;
		if (w->role == ROLE_RECLAIMER) {
			pthread_join(w->thread, NULL);
			continue;
		}
		ret = frost_sandbox_join(w->handle, &fn_ret);
		if (ret || fn_ret)
			torture_error(w, TE_API, "join: %s, role returned %d", strerror(-ret), fn_ret);
	}
}

static struct torture_worker *main_worker(struct torture *t)
{
	static struct torture_worker fallback = { .role = ROLE_MAIN };

	for (unsigned int i = 0; i < t->nr_workers; i++)
		if (t->workers[i].role == ROLE_MAIN)
			return &t->workers[i];
	fallback.t = t;		/* no worker table: errors are printed only */
	return &fallback;
}

/* Every slot intact at its last generation; then unbind everything. */
/* No old object may point to a young one (frost_debug_check_generations()). */
static void check_generations(struct torture *t)
{
	long edges = frost_debug_check_generations(t->heap);

	if (edges < 0)
		torture_error(main_worker(t), TE_API, "frost_debug_check_generations: %s",
			      strerror((int)-edges));
	else if (edges)
		torture_error(main_worker(t), TE_EDGE, "%ld old-to-young edges (an old object with a young child)", edges);
}

static void final_checks(struct torture *t)
{
	struct torture_worker *w = main_worker(t);
	struct frost_sandbox *sb = frost_sandbox_attach(t->heap);
	struct frost_object *msg;
	char name[32], why[256];
	int ret;

	if (!sb) {
		torture_error(w, TE_API, "attach for the final checks: %s", strerror(errno));
		return;
	}
	for (unsigned int s = 0; s < t->nr_slots; s++) {
		struct frost_object *o = frost_lookup(sb, t->slots[s].name);
		uint64_t cur = t->slots[s].cur_gen;
		struct slot_info info;
		enum torture_err e;

		if (!o) {
			/* Unbound only if an unpublish was followed by ENOMEM. */
			if (!t->p.fault_every && s != torture_hot_slot(t))
				torture_error(w, TE_NS, "final: %s is unbound", t->slots[s].name);
			continue;
		}
		e = torture_verify_slot(o, (int)s, &info, why, sizeof(why));
		if (e)
			torture_error(w, e, "final: %s: %s", t->slots[s].name, why);
		else if (s != torture_hot_slot(t) && info.gen != cur && info.gen + 1 != cur)
			torture_error(w, TE_NS, "final: %s holds generation %" PRIu64 ", writer at %" PRIu64,
				      t->slots[s].name, info.gen, cur);
		ret = frost_unpublish(sb, t->slots[s].name);
		if (ret)
			torture_error(w, TE_API, "final: unpublish %s: %s", t->slots[s].name, strerror(-ret));
	}
	for (unsigned int i = 0; i < t->p.keepers; i++) {
		snprintf(name, sizeof(name), "keep-%u", i);
		ret = frost_unpublish(sb, name);
		if (ret && ret != -ENOENT)
			torture_error(w, TE_API, "final: unpublish %s: %s", name, strerror(-ret));
	}
	/* The agers' anchors and wrappers (roles.c): whichever are bound. */
	for (unsigned int i = 0; i < t->p.agers; i++) {
		for (unsigned int k = 0; k < 2 * TORTURE_AGE_ANCHORS; k++) {
			snprintf(name, sizeof(name), "age-%u-%s-%u", i, k % 2 ? "young" : "old", k / 2);
			ret = frost_unpublish(sb, name);
			if (ret && ret != -ENOENT)
				torture_error(w, TE_API, "final: unpublish %s: %s", name, strerror(-ret));
		}
	}
	/* Messages nobody received (no receivers): verify and drop them. */
	while ((ret = frost_channel_recv(sb, t->chan, &msg, 0)) == 0) {
		struct slot_info info;
		unsigned int sender;
		uint64_t seq;
		enum torture_err e = torture_verify_msg(msg, &seq, &sender, &info, why, sizeof(why));

		if (e)
			torture_error(w, e, "final: queued message: %s", why);
	}
	if (ret != -EPIPE)
		torture_error(w, TE_API, "final: draining the channel: %s", strerror(-ret));
	ret = frost_sandbox_detach(sb);
	if (ret)
		torture_error(w, TE_API, "final: detach: %s", strerror(-ret));
}

/* With no root left, two cycles must free every shared object. */
static void leak_check(struct torture *t, struct frost_heap_stats *hs)
{
	struct torture_worker *w = main_worker(t);

	/* The run's own cycles, before the final (full) ones. */
	frost_heap_cycle_stats(t->heap, &t->cycles);
	frost_debug_break_reclaimer(t->heap, 0);
	for (int i = 0; i < 2; i++) {
		long ret = frost_reclaim(t->heap);

		if (ret < 0)
			torture_error(w, TE_API, "final frost_reclaim: %s", strerror((int)-ret));
	}
	frost_heap_stats(t->heap, hs);
	if (hs->shared_objects)
		torture_error(w, TE_LEAK, "%" PRIu64 " shared objects (%" PRIu64
			      " bytes) survive with no root", hs->shared_objects, hs->shared_bytes);
}

/* Did the run do what it claims? A silent no-op must not pass. */
static bool coverage(const struct torture *t, const struct torture_stats *s,
		     const struct frost_heap_stats *hs)
{
	const struct torture_params *p = &t->p;
	bool ok = true;

#define NEED(cond, what) do {							\
		if (!(cond)) {							\
			printf(PROG ": insufficient coverage: %s\n", what);	\
			ok = false;						\
		}								\
	} while (0)
	NEED(s->updates > 0, "no generation was published");
	NEED(s->reads > 0, "nothing was read");
	NEED(hs->cycles > 0, "no reclaim cycle completed");
	NEED(hs->freed_objects > 0, "the reclaimer freed nothing");
	NEED(!p->readers || s->rechecks > 0, "readers re-checked nothing");
	NEED(!p->readers || s->bound > 0, "readers read nothing through a binding");
	NEED(!p->pinners || s->pins > 0, "pinners pinned nothing");
	NEED(!p->keepers || s->kept > 0, "keepers kept nothing");
	NEED(!p->senders || !p->receivers || s->received > 0, "no message was received");
	NEED(!p->stall || s->stalls > 0, "the staller never stalled");
	NEED(!p->reclaim_loop || s->reclaims > 0, "the reclaim loop never ran");
	NEED(t->cycles.young_cycles > 0, "no young cycle completed");
	NEED(!p->agers || s->aged > 0, "agers made no anchor");
	NEED(!p->agers || s->young_garbage > 0, "agers made no young garbage over an anchor");
	NEED(!p->agers || s->old_via_young > 0, "agers never left an anchor to a young root");
#undef NEED
	return ok;
}

static void report(struct torture *t, const struct torture_stats *s,
		   const struct frost_heap_stats *hs, bool ok)
{
	const struct frost_cycle_stats *cs = &t->cycles;

	printf(PROG ": age histogram (cycles completed since the generation read was replaced,"
	       " at the end of the reader's interval): current=%" PRIu64 " 0=%" PRIu64 " 1=%" PRIu64
	       " 2=%" PRIu64 " 3+=%" PRIu64 " unknown=%" PRIu64 "\n",
	       s->age[AGE_CURRENT], s->age[AGE_0], s->age[AGE_1], s->age[AGE_2], s->age[AGE_3PLUS],
	       s->age[AGE_UNKNOWN]);
	printf(PROG ": errors:");
	for (int k = 1; k < TE_NR; k++)
		printf(" %s=%" PRIu64, torture_err_names[k], s->err[k]);
	printf("\n");
	printf(PROG ": totals reads=%" PRIu64 " bound=%" PRIu64 " rechecks=%" PRIu64
	       " misses=%" PRIu64 " updates=%" PRIu64 " hot_updates=%" PRIu64 " cas_fail=%" PRIu64 " chunks=%" PRIu64
	       " pins=%" PRIu64 " kept=%" PRIu64 " keep_pub=%" PRIu64 " sent=%" PRIu64
	       " received=%" PRIu64 " offline=%" PRIu64 " stalls=%" PRIu64 " reclaims=%" PRIu64
	       " enomem=%" PRIu64 "\n",
	       s->reads, s->bound, s->rechecks, s->misses, s->updates, s->hot_updates, s->cas_fail, s->chunks,
	       s->pins, s->kept, s->keep_pub, s->sent, s->received, s->offline, s->stalls,
	       s->reclaims, s->enomem);
	printf(PROG ": heap cycles=%" PRIu64 " freed_objects=%" PRIu64 " freed_bytes=%" PRIu64
	       " max_cycle_us=%" PRIu64 " max_handshake_us=%" PRIu64 " left_objects=%" PRIu64 "\n",
	       hs->cycles, hs->freed_objects, hs->freed_bytes, hs->max_cycle_ns / 1000,
	       hs->max_handshake_ns / 1000, hs->shared_objects);
	printf(PROG ": generations young_cycles=%" PRIu64 " full_cycles=%" PRIu64
	       " promoted_bytes=%" PRIu64 " aged=%" PRIu64 " young_garbage=%" PRIu64
	       " old_via_young=%" PRIu64 "\n", cs->young_cycles, cs->full_cycles,
	       cs->promoted_bytes, s->aged, s->young_garbage, s->old_via_young);
	printf("End of test: %s %s\n", ok ? "SUCCESS" : "FAILURE", params_line);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	enum { O_READERS = 256, O_WRITERS, O_PINNERS, O_KEEPERS, O_SENDERS, O_RECEIVERS, O_AGERS, O_SLOTS,
	       O_DURATION, O_TRIGGER, O_STALL, O_RLOOP, O_FAULT, O_SEED, O_STATS, O_QUIET, O_BREAK,
	       O_HELP };
	static const struct option opts[] = {
		{ "readers", required_argument, NULL, O_READERS },
		{ "writers", required_argument, NULL, O_WRITERS },
		{ "pinners", required_argument, NULL, O_PINNERS },
		{ "keepers", required_argument, NULL, O_KEEPERS },
		{ "senders", required_argument, NULL, O_SENDERS },
		{ "receivers", required_argument, NULL, O_RECEIVERS },
		{ "agers", required_argument, NULL, O_AGERS },
		{ "slots", required_argument, NULL, O_SLOTS },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "cycle-trigger", required_argument, NULL, O_TRIGGER },
		{ "stall", no_argument, NULL, O_STALL },
		{ "reclaim-loop", no_argument, NULL, O_RLOOP },
		{ "fault-every", required_argument, NULL, O_FAULT },
		{ "seed", required_argument, NULL, O_SEED },
		{ "stats-interval", required_argument, NULL, O_STATS },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "break", required_argument, NULL, O_BREAK },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	static struct torture tort;
	struct torture *t = &tort;
	struct torture_params *p = &t->p;
	struct frost_heap_config cfg = { 0 };
	struct frost_heap_stats hs;
	struct torture_stats s;
	uint64_t start, next_stats, next_gen_check, last_progress = 0, elapsed = 0;
	bool tty, ok, started;
	int c, ret;

	*p = (struct torture_params){
		.readers = 2, .writers = 2, .pinners = 1, .keepers = 1, .senders = 1, .receivers = 1,
		.agers = 1,
		.slots = 16, .duration = 10, .stats_interval = 3, .cycle_trigger = 256 * 1024,
		.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32),
	};
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_READERS: p->readers = (unsigned int)parse_num("--readers", optarg, 1024, false); break;
		case O_WRITERS: p->writers = (unsigned int)parse_num("--writers", optarg, 1024, false); break;
		case O_PINNERS: p->pinners = (unsigned int)parse_num("--pinners", optarg, 1024, false); break;
		case O_KEEPERS: p->keepers = (unsigned int)parse_num("--keepers", optarg, 1024, false); break;
		case O_SENDERS: p->senders = (unsigned int)parse_num("--senders", optarg, 1024, false); break;
		case O_RECEIVERS: p->receivers = (unsigned int)parse_num("--receivers", optarg, 1024, false); break;
		case O_AGERS: p->agers = (unsigned int)parse_num("--agers", optarg, 1024, false); break;
		case O_SLOTS: p->slots = (unsigned int)parse_num("--slots", optarg, 4096, false); break;
		case O_DURATION: p->duration = (unsigned int)parse_num("--duration", optarg, 86400 * 7, false); break;
		case O_TRIGGER: p->cycle_trigger = parse_num("--cycle-trigger", optarg, UINT64_C(1) << 40, true); break;
		case O_STALL: p->stall = true; break;
		case O_RLOOP: p->reclaim_loop = true; break;
		case O_FAULT: p->fault_every = (unsigned int)parse_num("--fault-every", optarg, UINT32_MAX, false); break;
		case O_SEED: p->seed = parse_num("--seed", optarg, UINT64_MAX, false); break;
		case O_STATS: p->stats_interval = (unsigned int)parse_num("--stats-interval", optarg, 86400, false); break;
		case O_QUIET: p->quiet = true; break;
		case O_BREAK: p->break_flags = (unsigned int)parse_num("--break", optarg, UINT32_MAX, false); break;
		case O_HELP: usage(stdout); return 0;
		default:
			die_usage("unknown option or missing argument: %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument: %s", argv[optind]);
	if (!p->writers)
		die_usage("%s", "--writers must be at least 1");
	if (!p->slots)
		die_usage("%s", "--slots must be at least 1");
	if (!p->duration)
		die_usage("%s", "--duration must be at least 1");
	if (p->break_flags & ~FROST_BREAK_ALL)
		die_usage("%s", "--break: unknown flags (known: 0x1 0x2 0x4 0x8 0x10)");
	if (p->fault_every && frost_debug_fail_every(0) == -ENOSYS) {
		fprintf(stderr, PROG ": fault injection not built in (CONFIG_FROST_FAULT_INJECTION)\n");
		return 2;
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	tty = isatty(STDOUT_FILENO) && !p->quiet;
	build_params(p);
	install_signals();
	printf(PROG ": start %s library=%s debug=%s\n", params_line, frost_version(),
#ifdef CONFIG_FROST_DEBUG
	       "y (freed objects poisoned)"
#else
	       "n"
#endif
	       );

	cfg.cycle_trigger = (size_t)p->cycle_trigger;
	cfg.stall_warn_ms = p->stall ? STALL_WARN_MS_TEST : 0;
	t->stall_warn_ms = p->stall ? STALL_WARN_MS_TEST : 2000;
	t->nr_slots = p->slots + 1;
	t->heap = frost_heap_create(&cfg);
	t->slots = calloc(t->nr_slots, sizeof(*t->slots));
	if (!t->heap || !t->slots) {
		fprintf(stderr, PROG ": cannot create the heap: %s\n", strerror(errno));
		printf("End of test: FAILURE setup %s\n", params_line);
		return 1;
	}
	for (unsigned int i = 0; i < t->nr_slots; i++)
		snprintf(t->slots[i].name, sizeof(t->slots[i].name), "slot-%u", i);
	if (p->break_flags) {
		ret = frost_debug_break_reclaimer(t->heap, p->break_flags);
		if (ret)
			fprintf(stderr, PROG ": frost_debug_break_reclaimer: %s\n", strerror(-ret));
		printf(PROG ": reclaimer deliberately broken (flags %#x): expect FAILURE\n", p->break_flags);
	}
	t->chan = frost_channel_create(t->heap, CHANNEL_CAPACITY);
	started = t->chan && start_workers(t);
	if (started && p->fault_every)
		frost_debug_fail_every(p->fault_every);

	start = mono_ms();
	next_stats = p->stats_interval * 1000;
	next_gen_check = GEN_CHECK_MS;
	while (started && (elapsed = mono_ms() - start) < p->duration * 1000u) {
		struct timespec ts = { 0, TICK_MS * 1000000L };

		nanosleep(&ts, NULL);
		elapsed = mono_ms() - start;
		if (elapsed >= next_gen_check) {
			check_generations(t);
			next_gen_check = elapsed + GEN_CHECK_MS;
		}
		if (!p->quiet && p->stats_interval && elapsed >= next_stats) {
			stats_line(t, elapsed, tty);
			next_stats += p->stats_interval * 1000;
		} else if (tty && elapsed - last_progress >= 2 * TICK_MS) {
			progress_line(t, elapsed);
			last_progress = elapsed;
		}
	}
	if (tty)
		printf("\r\033[K");
	if (p->fault_every)
		frost_debug_fail_every(0);
	if (t->workers)
		stop_workers(t);
	if (started)
		check_generations(t);
	if (t->chan)
		final_checks(t);
	leak_check(t, &hs);
	if (t->chan && (ret = frost_channel_destroy(t->chan)))
		torture_error(main_worker(t), TE_API, "frost_channel_destroy: %s", strerror(-ret));
	ret = frost_heap_destroy(t->heap);
	if (ret)
		torture_error(main_worker(t), TE_API, "frost_heap_destroy: %s", strerror(-ret));
	totals(t, &s);
	ok = started && nr_errors(&s) == 0;
	ok = coverage(t, &s, &hs) && ok;
	report(t, &s, &hs, ok);
	free(t->slots);
	free(t->workers);
	return ok ? 0 : 1;
}
