/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tools/torture/torture.h - frost-torture's shared declarations.
 *
 * Theory of operation. frost-torture (model: the kernel's rcutorture) runs
 * sandboxes in several roles against one heap for a fixed time and checks,
 * on every read, that each shared object it reaches is intact: writers
 * freeze and publish "slot structures", readers, pinners, keepers and
 * channel receivers verify them completely (objects.c), and the per-slot
 * generation records below let a reader tell how many reclaim cycles have
 * completed since the generation it read was replaced (the "age", like
 * rcutorture's pipe). main.c parses the options, starts the roles
 * (roles.c), prints the statistics and decides SUCCESS or FAILURE.
 *
 * Sharing between threads: every counter in struct torture_stats has one
 * writer (its role thread) and is read by the main thread; both sides use
 * relaxed __atomic accesses (ST_ADD/ST_GET). The slot records (cur_gen and
 * the replacement ring) are written by the slot's writer (the contended
 * slot's by every writer: cur_gen with a release CAS that only raises it)
 * with release stores and read by everyone with acquire loads; the pairing
 * is spelled out where they are used (roles.c).
 */
#ifndef __FROST_TORTURE_H
#define __FROST_TORTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <frost/frost.h>

/* Error kinds: what a verification found. 0 is "no error". */
enum torture_err {
	TE_OK = 0,
	TE_FREED,	/* type "<freed>" or a non-immortal count: a freed slot */
	TE_POISON,	/* 0x6b poison bytes in a live object */
	TE_TYPE,	/* a type the structure never holds (memory reused) */
	TE_SHAPE,	/* wrong length, missing key, wrong slot: wrong structure */
	TE_SUM,		/* content does not match its checksum or generator */
	TE_GEN,		/* a generation the namespace cannot have returned */
	TE_AGE,		/* outlived the lifetime rules (see roles.c) */
	TE_NS,		/* a namespace store lost or refused unexpectedly */
	TE_ORDER,	/* channel messages of one sender out of order */
	TE_API,		/* an API call failed in a way it must not */
	TE_LEAK,	/* objects survive with no root at the end */
	TE_EDGE,	/* an old object points to a young one (the cause of a TE_FREED to come) */
	TE_NR
};

/* Age histogram buckets (cycles completed since replacement, at read end). */
enum torture_age {
	AGE_CURRENT,	/* not replaced (yet) when the read ended */
	AGE_0,
	AGE_1,
	AGE_2,
	AGE_3PLUS,
	AGE_UNKNOWN,	/* the replacement record was overwritten */
	AGE_NR
};

struct torture_stats {
	uint64_t reads;		/* structures looked up and verified */
	uint64_t rechecks;	/* re-verifications of held objects */
	uint64_t misses;	/* lookups that found the name unbound */
	uint64_t bound;		/* of the reads, those through a resolved name */
	uint64_t updates;	/* generations published */
	uint64_t hot_updates;	/* successful CAS on the contended slot */
	uint64_t cas_fail;	/* lost CAS races on the contended slot */
	uint64_t chunks;	/* chunks frozen */
	uint64_t pins;		/* frost_pin() calls that succeeded */
	uint64_t kept;		/* objects appended to private lists */
	uint64_t keep_pub;	/* keeper wrappers published */
	uint64_t sent;		/* channel messages sent */
	uint64_t received;	/* channel messages received and verified */
	uint64_t offline;	/* offline/online round trips */
	uint64_t stalls;	/* deliberate stalls (--stall) */
	uint64_t reclaims;	/* frost_reclaim() calls (--reclaim-loop) */
	uint64_t enomem;	/* operations that failed with ENOMEM (faults) */
	uint64_t aged;		/* ager: anchors made to grow old */
	uint64_t young_garbage;	/* ager: young tuples over old anchors dropped */
	uint64_t old_via_young;	/* ager: anchors left reachable through a young root only */
	uint64_t err[TE_NR];
	uint64_t age[AGE_NR];
};

#define ST_ADD(st, field, n) \
	__atomic_store_n(&(st)->field, (st)->field + (n), __ATOMIC_RELAXED)
#define ST_INC(st, field) ST_ADD(st, field, 1)
#define ST_GET(p) __atomic_load_n(&(p), __ATOMIC_RELAXED)

/* Anchors per ager (roles.c): names age-I-old-K and age-I-young-K. */
#define TORTURE_AGE_ANCHORS	8

/* Per-slot generation records. */
#define TORTURE_RING	4096u			/* replacement records kept */
#define TORTURE_GEN_BITS 40
#define TORTURE_R_MASK	((UINT64_C(1) << 24) - 1)	/* cycle field */

struct torture_slot {
	char name[32];
	uint64_t cur_gen;	/* newest generation about to be / published
				 * (contended slot: newest published, raised
				 * after the CAS) */
	/* ring[g % RING] = (g << 24) | cycles read after g was replaced */
	uint64_t ring[TORTURE_RING];
};

enum torture_role {
	ROLE_READER,
	ROLE_WRITER,
	ROLE_PINNER,
	ROLE_KEEPER,
	ROLE_SENDER,
	ROLE_RECEIVER,
	ROLE_STALLER,
	ROLE_RECLAIMER,
	ROLE_AGER,
	ROLE_MAIN,	/* the main thread's final checks */
	ROLE_NR
};

struct torture;

struct torture_worker {
	struct torture *t;
	enum torture_role role;
	unsigned int idx;		/* number within its role */
	unsigned int id;		/* number among all workers */
	uint64_t rng;
	struct frost_sandbox *handle;	/* spawn handle (join) */
	pthread_t thread;		/* ROLE_RECLAIMER only */
	bool started;
	struct torture_stats st;
};

struct torture_params {
	unsigned int readers, writers, pinners, keepers, senders, receivers, agers;
	unsigned int slots;
	unsigned int duration;		/* seconds */
	unsigned int stats_interval;	/* seconds; 0: none */
	uint64_t cycle_trigger;		/* bytes; 0: library default */
	unsigned int fault_every;
	unsigned int break_flags;
	uint64_t seed;
	bool stall, reclaim_loop, quiet;
};

struct torture {
	struct torture_params p;
	struct frost_heap *heap;
	struct frost_channel *chan;
	struct torture_slot *slots;	/* p.slots owned slots + the hot one */
	unsigned int nr_slots;		/* p.slots + 1 */
	struct torture_worker *workers;
	unsigned int nr_workers;
	unsigned int stall_warn_ms;	/* the heap's stall_warn_ms */
	int stop;			/* set by main at the end (atomic) */
	uint64_t next_chunk_id;		/* atomic */
	uint64_t errors_printed;	/* atomic */
	unsigned int last_slot;		/* atomic: the slot published last */
	struct frost_cycle_stats cycles; /* the run's young and full cycles (at the end) */
};

/* The contended slot is the last one: every writer CASes it. */
static inline unsigned int torture_hot_slot(const struct torture *t)
{
	return t->nr_slots - 1;
}

static inline bool torture_stopping(const struct torture *t)
{
	return __atomic_load_n(&t->stop, __ATOMIC_RELAXED);
}

/* splitmix64: the generator behind every pseudo-random choice and content. */
static inline uint64_t torture_mix(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static inline uint64_t torture_rand(struct torture_worker *w)
{
	w->rng = torture_mix(w->rng);
	return w->rng;
}

/* objects.c: building and verifying the structures. */
#define TORTURE_POISON64	UINT64_C(0x6b6b6b6b6b6b6b6b)

struct slot_info {		/* what a verified slot structure holds */
	unsigned int slot;
	uint64_t gen;
	uint64_t chunk_id;
};

extern const struct frost_type torture_node_type;
extern const struct frost_type torture_holder_type;

struct frost_object *torture_chunk_new(struct frost_sandbox *sb, uint64_t id);
struct frost_object *torture_chunk_sub(struct frost_object *chunk);
enum torture_err torture_verify_chunk(const struct frost_object *o, uint64_t want_id,
				      char *why, size_t len);
enum torture_err torture_verify_sub(const struct frost_object *o, uint64_t want_id,
				    char *why, size_t len);
struct frost_object *torture_slot_new(struct frost_sandbox *sb, const struct torture_slot *ts,
				      unsigned int slot, uint64_t gen,
				      struct frost_object *chunk, struct frost_object *prev_chunk);
enum torture_err torture_verify_slot(struct frost_object *o, int expect_slot,
				     struct slot_info *info, char *why, size_t len);
struct frost_object *torture_msg_new(struct frost_sandbox *sb, uint64_t seq, unsigned int sender,
				     struct frost_object *payload, uint64_t payload_gen);
enum torture_err torture_verify_msg(struct frost_object *o, uint64_t *seq, unsigned int *sender,
				    struct slot_info *info, char *why, size_t len);
struct frost_object *torture_keep_new(struct frost_sandbox *sb, uint64_t seq,
				      struct frost_object *item, const struct slot_info *info);
enum torture_err torture_verify_keep(struct frost_object *o, uint64_t *seq,
				     struct slot_info *info, char *why, size_t len);
struct frost_object *torture_holder_new(struct frost_sandbox *sb, size_t n);
struct frost_object **torture_holder_slots(struct frost_object *holder);

/* roles.c */
int torture_role_main(struct frost_sandbox *sb, void *arg);
void *torture_reclaimer_main(void *arg);
void torture_error(struct torture_worker *w, enum torture_err kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
extern const char *const torture_err_names[TE_NR];
extern const char *const torture_role_names[ROLE_NR];

#endif /* __FROST_TORTURE_H */
