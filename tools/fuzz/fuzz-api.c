// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz-api - an API-sequence interpreter over two heaps, three sandboxes.
 *
 * Theory of operation. Each input is a program for one manual heap (made
 * once, in LLVMFuzzerInitialize(), with its channel) and two sandboxes:
 * A, attached by the fuzzer's thread, and B, a spawned sandbox whose thread
 * executes the operations shipped to it. Each input
 * byte is an operation (bit 7 picks the sandbox, the rest the operation)
 * followed by its operands: create objects (int, float, str, bytes, tuple,
 * map, list), freeze, publish, replace, lookup, unpublish, pin, unpin,
 * send, receive, intern, reclaim, quiescent, offline/online, drop, check,
 * and four that attack isolation and recursion: FOREIGN_USE, FOREIGN_READ,
 * WRONG_THREAD and DEEP (below).
 * The two threads run in lockstep: when the program switches sandboxes the
 * outgoing one goes offline (a quiescent state), so a reclaim cycle run by
 * either may scan the other as an offline sandbox.
 *
 * A second manual heap has one sandbox, on a third thread, that freezes at
 * start-up a few objects (ints, a float, a str, bytes, an interned str, a
 * tuple, a map, a FOREIGN_DEPTH-deep tuple chain), pins them for the
 * process's lifetime and stays offline for good. A fourth sandbox, of heap
 * 1, attaches and detaches at start-up, after every other attach, so its
 * pointer stays stale (no later attach recycles the structure).
 *  - FOREIGN_USE hands a heap-2 object to a call of the current sandbox:
 *    tuple_new, map_new as a key or a value, list_append, freeze (also in
 *    a user type's slot, whose freeze succeeds with a child of its own
 *    heap), pin, publish, publish_replace, channel send: each must fail
 *    with EPERM (unpin with ENOENT) and change nothing (the sandbox's live
 *    objects, bytes and pins from frost_sandbox_stats(), its objects'
 *    fingerprints, the binding, the list's length, the queue).
 *  - FOREIGN_READ reads heap-2 objects through calls that take no sandbox:
 *    they keep their fingerprints and hashes, equal exactly the twin a
 *    heap-1 sandbox builds of them (and hash alike), tuple_get and map_get
 *    return their items (with heap-2 or heap-1 keys), a heap-1 map keyed by
 *    a twin finds the value under the heap-2 object; a heap-2 cycle run
 *    from a heap-1 sandbox frees nothing (heap 2 has no garbage) and keeps
 *    every pinned object intact.
 *  - WRONG_THREAD passes the other side's sandbox (its thread is parked)
 *    or the stale one to a sandbox-taking call (constructors, tuple and
 *    map, list_append, freeze, user object, pin, unpin, publish, replace,
 *    unpublish, lookup, send, recv) with arguments its owner could use:
 *    EPERM (EINVAL for the stale one; a small int is the static one, for
 *    which frost_int_new() is documented not to use its sandbox), and
 *    neither side changed: counters from frost_sandbox_stats() (callable
 *    from any thread), the other side's private objects' and pins'
 *    fingerprints, the binding.
 *  - DEEP builds a chain of an operand's depth (up to DEEP_MAX, quadratic
 *    in the operand so that shallow ones stay common; DEEP_BUDGET levels
 *    per input bound an input's time) of one-item tuples, of maps nesting
 *    in values or of maps nesting in keys, and compares it with a chain
 *    built alike, with the chain a name is bound to (built by either side)
 *    or with heap 2's: equal exactly when the descriptors are (one may
 *    differ at the leaf), equal hashes and fingerprints when equal; then by
 *    flags: a map keyed by both (one entry or two, map_get of each; EPERM
 *    with heap 2's), freeze (shared, equal, same fingerprint), publish with
 *    its descriptor, pin, keep as a private object (so drops and releases
 *    free deep chains, and cycles mark them).
 *
 * The interpreter keeps a model and follows the lifetime rules exactly:
 * shared objects a sandbox obtained ("held") are forgotten at its next
 * quiescent state (reclaim, quiescent, offline, a switch); kept are its
 * private objects (and the shared ones they reference), its pins, the
 * namespace and the channel. Invariants checked:
 *  - every call returns success or exactly the error the model predicts
 *    (EILSEQ for bad UTF-8, EINVAL for an unhashable map key, EPERM when
 *    freezing a list, EAGAIN for a replace mismatch or a full/empty
 *    channel, ENOENT for an unbound name or an unpinned object, and the
 *    EPERM/EINVAL of the operations above); frost_equal() never reports
 *    ENOMEM;
 *  - a frozen object is shared, equal to its source, with the same deep
 *    fingerprint (type, values, children, in order);
 *  - a lookup returns exactly the object the model says is bound, a receive
 *    exactly the one at the head of the modelled queue;
 *  - after every reclaim cycle every root (published, queued, pinned, and
 *    what the current sandbox's private objects reference) still has the
 *    fingerprint it had when it became a root: nothing reachable was freed
 *    (a freed slot reads as the "<freed>" type, or poison under
 *    CONFIG_FROST_DEBUG).
 * Fingerprints, "holds a list" and "hashable" come from one walk on an
 * explicit stack in heap memory, never C recursion (a 20,000-deep chain
 * would overflow the model's own stack first), memoised per container so
 * that roots sharing a deep chain cost it once per check.
 *
 * After each input every root is removed again (names unpublished, the
 * channel drained, pins dropped, private objects released), so the next
 * input starts from an empty model; a reclaim cycle every 64 inputs (or
 * after an input that froze DEEP_BUDGET / 4 chain levels) frees the
 * garbage. An input runs at most MAX_CYCLES cycles of its own, of either
 * heap (a cycle takes milliseconds); further reclaim operations are
 * quiescent states. LeakSanitizer (libFuzzer's -detect_leaks) checks that
 * an input leaves no unreachable memory behind.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <unistd.h>
#include <frost/frost.h>
#include "fuzz.h"

#define NPRIV		8
#define NHELD		8
#define NPIN		8
#define NNAMES		4
#define CHAN_CAP	4
#define MAX_OPS		256
#define MAX_CYCLES	4	/* reclaim cycles per input (each takes ms) */
#define DEEP_MAX	20000	/* deepest chain an operand asks for */
#define DEEP_BUDGET	30000	/* chain levels built per input */
#define FOREIGN_DEPTH	20000	/* heap 2's deep chain */

enum op {
	OP_INT, OP_FLOAT, OP_STR, OP_BYTES, OP_TUPLE, OP_MAP, OP_LIST, OP_FREEZE,
	OP_PUBLISH, OP_REPLACE, OP_LOOKUP, OP_UNPUBLISH, OP_PIN, OP_UNPIN,
	OP_SEND, OP_RECV, OP_INTERN, OP_RECLAIM, OP_QUIESCENT, OP_OFFLINE,
	OP_DROP, OP_CHECK, OP_FOREIGN_USE, OP_FOREIGN_READ, OP_WRONG_THREAD, OP_DEEP,
	NR_OPS
};

/*
 * What the model knows of an object's whole graph: its fingerprint (type,
 * value, children's fingerprints in order), whether a list is inside (then
 * freezing fails with EPERM) and whether it may be a map key (no list in a
 * tuple, nor in a map's values).
 */
struct info {
	uint64_t fp;
	bool list;
	bool hashable;
};

/*
 * A chain: a leaf int wrapped @depth times in a one-item tuple (DEEP_TUPLE),
 * as the value of a one-entry map {0: child} (DEEP_MAPVAL) or as the key of
 * one {child: None} (DEEP_MAPKEY). Two chains are equal exactly when their
 * descriptors are (kind matters only above the leaf): different kinds
 * differ in type or in the key at the top, different depths in type at the
 * shallower one's leaf, different leaves at the bottom.
 */
enum { DEEP_TUPLE, DEEP_MAPVAL, DEEP_MAPKEY, NR_DEEP };

struct deep {
	bool set;
	int kind;
	unsigned int depth;
	int64_t leaf;
};

struct rooted {
	struct frost_object *obj;
	uint64_t fp;
};

/* Heap 2's objects, frozen and pinned by its sandbox at start-up. */
enum {
	F_INT, F_NEG, F_FLOAT, F_STR, F_BYTES, F_INTERN, F_TUPLE, F_MAP, F_DEEP,
	NFOREIGN
};

/* One sandbox's part of the model. */
struct side {
	struct frost_sandbox *sb;
	struct rooted priv[NPRIV];	/* owned references (private or shared) */
	struct frost_object *held[NHELD];	/* shared, valid until a QS */
	struct rooted pin[NPIN];	/* one pin each */
};

static struct {
	struct frost_heap *heap;
	struct frost_channel *ch;
	struct side side[2];
	struct rooted name[NNAMES];	/* the namespace model */
	struct rooted queue[CHAN_CAP];	/* the channel model */
	unsigned int q_head, q_len;
	struct deep name_deep[NNAMES];	/* the chain a name is bound to, if known */
	unsigned int cycles;		/* reclaims run by this input */
	unsigned long deep_levels;	/* chain levels built by this input */
	unsigned long deep_frozen;	/* ... and frozen (shared garbage to come) */
	/* heap 2, its sandbox offline for good after start-up */
	struct frost_heap *heap2;
	struct frost_object *foreign[NFOREIGN];
	struct info foreign_info[NFOREIGN];
	uint64_t foreign_hash[NFOREIGN];
	/* a detached sandbox of heap 1: every call must say EINVAL */
	struct frost_sandbox *stale;
	/* lockstep with B's thread */
	sem_t go, done;
	struct fz *f;
	int op;
} st;

static const char *const names[NNAMES] = { "n0", "n1", "n2", "n3" };

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Operations shipped to B besides the interpreter's. */
#define SHIP_PARK	(-1)	/* go offline (a quiescent state) */
#define SHIP_RELEASE	(-2)	/* drop every pin and private object, then park */

/* ------------------------------------------------------------------ */
/* Deep fingerprints, without recursion                                */

/*
 * The model's walker is not what the fuzzer should learn from, and its
 * per-node compares would dominate a deep input's time in coverage
 * callbacks: it is built without coverage instrumentation.
 */
#define MODEL	__attribute__((no_sanitize("coverage")))

MODEL static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + UINT64_C(0x9e3779b97f4a7c15) + (h << 6) + (h >> 2);
	return h * UINT64_C(0xff51afd7ed558ccd);
}

MODEL static uint64_t mix_bytes(uint64_t h, const void *p, size_t len)
{
	const unsigned char *c = p;

	h = mix(h, len);
	for (size_t i = 0; i < len; i++)
		h = mix(h, c[i]);
	return h;
}

enum { K_LEAF, K_TUPLE, K_LIST, K_MAP };

/* One container being walked: its children [0, n) folded up to i. */
struct frame {
	const struct frost_object *o;
	struct info in;
	size_t i, n;
	int kind;
};

/* Walked containers, stamped with the walk generation that saw them. */
struct memo_ent {
	const struct frost_object *o;
	unsigned long gen;
	struct info in;
};

/*
 * The walker's scratch, reused by every walk: the explicit stack and the
 * memo. Only one thread walks at a time (A and B run in lockstep, heap 2's
 * thread only during LLVMFuzzerInitialize()), so one copy serves all. A
 * new generation empties the memo in O(1); within one generation an object
 * reachable from several roots (or twice from one) is walked once, so a
 * walk costs the number of distinct containers, however the roots share
 * a deep chain.
 */
static struct {
	struct frame *stk;
	size_t top, stk_cap;
	struct memo_ent *memo;
	size_t memo_cap, memo_used;
	unsigned long gen;
	const char *name[K_MAP + 1];	/* frost_type_name() of each container */
	uint64_t seed[K_MAP + 1];	/* ... and its fingerprint's start */
} w;

/* Learn the container types' name pointers (any sandbox). */
static void walk_init(struct frost_sandbox *sb)
{
	struct frost_object *o[K_MAP + 1] = {
		[K_TUPLE] = frost_tuple_new(sb, 0, NULL),
		[K_LIST] = frost_list_new(sb),
		[K_MAP] = frost_map_new(sb, 0, NULL, NULL),
	};

	for (int k = K_TUPLE; k <= K_MAP; k++) {
		FZ_CHECK(o[k]);
		w.name[k] = frost_type_name(o[k]);
		w.seed[k] = mix_bytes(1, w.name[k], strlen(w.name[k]));
		frost_decref(o[k]);
	}
	FZ_CHECK(!strcmp(w.name[K_TUPLE], "tuple") && !strcmp(w.name[K_LIST], "list") &&
		 !strcmp(w.name[K_MAP], "map"));
}

MODEL static size_t memo_slot(const struct frost_object *o, size_t cap)
{
	return (size_t)(((uintptr_t)o >> 4) * UINT64_C(0x9e3779b97f4a7c15) >> 17) & (cap - 1);
}

MODEL static bool memo_get(const struct frost_object *o, struct info *in)
{
	if (!w.memo_cap)
		return false;
	for (size_t i = memo_slot(o, w.memo_cap);; i = (i + 1) & (w.memo_cap - 1)) {
		struct memo_ent *e = &w.memo[i];

		if (e->gen != w.gen)
			return false;
		if (e->o == o) {
			*in = e->in;
			return true;
		}
	}
}

MODEL static void memo_put_raw(struct memo_ent *t, size_t cap, const struct frost_object *o,
			 const struct info *in)
{
	size_t i = memo_slot(o, cap);

	while (t[i].gen == w.gen)
		i = (i + 1) & (cap - 1);
	t[i].o = o;
	t[i].gen = w.gen;
	t[i].in = *in;
}

MODEL static void memo_put(const struct frost_object *o, const struct info *in)
{
	if ((w.memo_used + 1) * 2 > w.memo_cap) {
		size_t cap = w.memo_cap ? w.memo_cap * 2 : 1024;
		struct memo_ent *t = calloc(cap, sizeof(*t));

		FZ_CHECK(t);
		for (size_t i = 0; i < w.memo_cap; i++)
			if (w.memo[i].gen == w.gen)
				memo_put_raw(t, cap, w.memo[i].o, &w.memo[i].in);
		free(w.memo);
		w.memo = t;
		w.memo_cap = cap;
	}
	memo_put_raw(w.memo, w.memo_cap, o, in);
	w.memo_used++;
}

/* Start a walk generation: forget every memo entry. */
static void walk_begin(void)
{
	w.gen++;
	w.memo_used = 0;
}

/* A leaf's info, or a container's kind with its info still to fold. */
MODEL static int classify(const struct frost_object *o, struct info *in, size_t *n)
{
	const char *t = frost_type_name(o);
	const void *d;
	size_t len = 0;
	int64_t iv;
	double dv;
	bool bv;

	FZ_CHECK(t);
	in->list = false;
	in->hashable = true;
	/* Containers first, by the name pointers seen at start-up. */
	for (int k = K_TUPLE; k <= K_MAP; k++) {
		if (t == w.name[k]) {
			in->fp = w.seed[k];
			in->list = k == K_LIST;
			in->hashable = k != K_LIST;
			*n = k == K_TUPLE ? frost_tuple_len(o) :
			     k == K_LIST ? frost_list_len(o) : 2 * frost_map_len(o);
			return k;
		}
	}
	FZ_CHECK(strcmp(t, "<freed>") != 0);
	in->fp = mix_bytes(1, t, strlen(t));
	*n = 0;
	if (frost_int_get(o, &iv) == 0) {
		in->fp = mix(in->fp, (uint64_t)iv);
		return K_LEAF;
	}
	if (frost_float_get(o, &dv) == 0) {
		in->fp = mix_bytes(in->fp, &dv, sizeof(dv));
		return K_LEAF;
	}
	if (frost_bool_get(o, &bv) == 0) {
		in->fp = mix(in->fp, bv);
		return K_LEAF;
	}
	if ((d = frost_str_data(o, &len)) != NULL || (d = frost_bytes_data(o, &len)) != NULL) {
		in->fp = mix_bytes(in->fp, d, len);
		return K_LEAF;
	}
	FZ_CHECK(!strcmp(t, "NoneType") || !strcmp(t, "none") || o == frost_none());
	return K_LEAF;
}

MODEL static struct frost_object *child(const struct frame *f, size_t i)
{
	struct frost_object *k = NULL, *v = NULL;

	switch (f->kind) {
	case K_TUPLE:
		return frost_tuple_get(f->o, i);
	case K_LIST:
		return frost_list_get(f->o, i);
	default:
		FZ_CHECK(frost_map_item(f->o, i / 2, &k, &v) == 0);
		return i % 2 ? v : k;
	}
}

/* Fold child @i's info into its container's. */
MODEL static void fold(struct frame *f, size_t i, const struct info *c)
{
	f->in.fp = mix(f->in.fp, c->fp);
	f->in.list |= c->list;
	if (f->kind == K_TUPLE || (f->kind == K_MAP && i % 2))
		f->in.hashable &= c->hashable;
}

MODEL static void push(const struct frost_object *o, const struct info *in, size_t n, int kind)
{
	if (w.top == w.stk_cap) {
		w.stk_cap = w.stk_cap ? w.stk_cap * 2 : 256;
		w.stk = realloc(w.stk, w.stk_cap * sizeof(*w.stk));
		FZ_CHECK(w.stk);
	}
	w.stk[w.top++] = (struct frame){ .o = o, .in = *in, .n = n, .kind = kind };
}

/*
 * info_walk() - @root's info within the current generation: a post-order
 * walk on the explicit stack (a 20,000-deep chain takes 50,000 frames of
 * heap memory, no C recursion), each container memoised when done.
 */
MODEL static struct info info_walk(const struct frost_object *root)
{
	int saved = errno;	/* the getters' EINVAL must not leak to checks */
	struct info in;
	size_t n;
	int kind;

	FZ_CHECK(root);
	kind = classify(root, &in, &n);
	if (kind == K_LEAF || memo_get(root, &in)) {
		errno = saved;
		return in;
	}
	push(root, &in, n, kind);
	for (;;) {
		struct frame *f = &w.stk[w.top - 1];

		if (f->i < f->n) {
			size_t i = f->i++;
			struct frost_object *c = child(f, i);

			FZ_CHECK(c);
			kind = classify(c, &in, &n);
			if (kind != K_LEAF && !memo_get(c, &in)) {
				push(c, &in, n, kind);	/* may move w.stk */
				continue;
			}
			fold(f, i, &in);
			continue;
		}
		in = f->in;
		memo_put(f->o, &in);
		if (--w.top == 0) {
			errno = saved;
			return in;
		}
		f = &w.stk[w.top - 1];
		fold(f, f->i - 1, &in);
	}
}

static struct info info_of(const struct frost_object *o)
{
	walk_begin();
	return info_walk(o);
}

static uint64_t fingerprint(const struct frost_object *o)
{
	return info_of(o).fp;
}

/* Does @o hold a list (then freezing it fails with EPERM)? */
static bool has_list(const struct frost_object *o)
{
	return info_of(o).list;
}

/* Is @o usable as a map key? Lists are not, nor tuples holding them. */
static bool hashable(const struct frost_object *o)
{
	return info_of(o).hashable;
}

/* ------------------------------------------------------------------ */
/* Deep chains                                                         */

static bool deep_equal(const struct deep *a, const struct deep *b)
{
	return a->set && b->set && a->leaf == b->leaf && a->depth == b->depth &&
	       (a->depth == 0 || a->kind == b->kind);
}

/* Build chain @d as private objects of @sb: one owned reference. */
static struct frost_object *build_chain(struct frost_sandbox *sb, const struct deep *d)
{
	struct frost_object *cur = frost_int_new(sb, d->leaf), *zero = frost_int_new(sb, 0);
	struct frost_object *none = frost_none(), *next = NULL;

	FZ_CHECK(cur && zero);
	for (unsigned int i = 0; i < d->depth; i++) {
		switch (d->kind) {
		case DEEP_TUPLE:
			next = frost_tuple_new(sb, 1, &cur);
			break;
		case DEEP_MAPVAL:
			next = frost_map_new(sb, 1, &zero, &cur);
			break;
		default:
			next = frost_map_new(sb, 1, &cur, &none);
			break;
		}
		FZ_CHECK(next);
		frost_decref(cur);
		cur = next;
	}
	frost_decref(zero);
	return cur;
}

/* ------------------------------------------------------------------ */
/* The interpreter                                                     */

/* A quiescent state of @s: what it held is gone. */
static void forget_held(struct side *s)
{
	memset(s->held, 0, sizeof(s->held));
}

static void hold(struct side *s, struct frost_object *o)
{
	FZ_CHECK(frost_is_shared(o));
	for (int i = 0; i < NHELD; i++) {
		if (!s->held[i]) {
			s->held[i] = o;
			return;
		}
	}
	s->held[o == s->held[0] ? 1 : 0] = o;
}

/* Put a new owned reference in a private slot (dropping what was there). */
static void own(struct side *s, unsigned int slot, struct frost_object *o)
{
	struct rooted *r = &s->priv[slot % NPRIV];

	if (r->obj)
		frost_decref(r->obj);
	r->obj = o;
	r->fp = fingerprint(o);
}

/* Any object @s may use now: private slot, held, pinned, or None. */
static struct frost_object *pick(struct side *s, uint8_t b)
{
	unsigned int i = b % (NPRIV + NHELD + NPIN + 1);
	struct frost_object *o = NULL;

	if (i < NPRIV)
		o = s->priv[i].obj;
	else if (i < NPRIV + NHELD)
		o = s->held[i - NPRIV];
	else if (i < NPRIV + NHELD + NPIN)
		o = s->pin[i - NPRIV - NHELD].obj;
	return o ? o : frost_none();
}

/* A shared object @s may use now (held or pinned), or NULL. */
static struct frost_object *pick_shared(struct side *s, uint8_t b)
{
	unsigned int i = b % (NHELD + NPIN);
	struct frost_object *o = i < NHELD ? s->held[i] : s->pin[i - NHELD].obj;

	if (!o) {
		for (i = 0; i < NHELD && !o; i++)
			o = s->held[i];
		for (i = 0; i < NPIN && !o; i++)
			o = s->pin[i].obj;
	}
	return o;
}

/* @s's private objects and pins kept their contents (one walk generation). */
static void check_private(const struct side *s)
{
	for (int i = 0; i < NPIN; i++)
		if (s->pin[i].obj)
			FZ_CHECK(info_walk(s->pin[i].obj).fp == s->pin[i].fp);
	for (int i = 0; i < NPRIV; i++)
		if (s->priv[i].obj)
			FZ_CHECK(info_walk(s->priv[i].obj).fp == s->priv[i].fp);
}

/* Every root reached from @s's point of view kept its contents. */
static void check_roots(struct side *s)
{
	walk_begin();
	for (int i = 0; i < NNAMES; i++) {
		struct frost_object *o;

		errno = 0;
		o = frost_lookup(s->sb, names[i]);
		FZ_CHECK(o == st.name[i].obj);
		FZ_CHECK(o || errno == ENOENT);
		if (o)
			FZ_CHECK(info_walk(o).fp == st.name[i].fp);
	}
	for (unsigned int i = 0; i < st.q_len; i++) {
		struct rooted *r = &st.queue[(st.q_head + i) % CHAN_CAP];

		FZ_CHECK(info_walk(r->obj).fp == r->fp);
	}
	check_private(s);
}

/* The model's namespace: @name bound to @o (chain @d, if known). */
static void bind(int name, struct frost_object *o, const struct deep *d)
{
	st.name[name].obj = o;
	st.name[name].fp = o ? fingerprint(o) : 0;
	if (d)
		st.name_deep[name] = *d;
	else
		st.name_deep[name].set = false;
}

static void op_map(struct side *s, struct fz *f)
{
	struct frost_object *keys[6], *vals[6], *m;
	size_t n = fz_u8(f) % 7;
	bool ok = true;

	for (size_t i = 0; i < n; i++) {
		keys[i] = pick(s, fz_u8(f));
		vals[i] = pick(s, fz_u8(f));
		ok &= hashable(keys[i]);
	}
	errno = 0;
	m = frost_map_new(s->sb, n, keys, vals);
	if (!ok) {
		FZ_CHECK(!m && errno == EINVAL);
		return;
	}
	FZ_CHECK(m);
	for (size_t i = 0; i < n; i++) {
		size_t last = i;

		for (size_t j = 0; j < n; j++)
			if (frost_equal(keys[j], keys[i]))
				last = j;
		FZ_CHECK(frost_map_get(m, keys[i]) == vals[last]);
	}
	own(s, fz_u8(f), m);
}

/* ------------------------------------------------------------------ */
/* Heap 2, wrong threads, deep chains                                  */

static const char foreign_str[] = "foreign \xc3\xbc";
static const uint8_t foreign_bytes[] = { 0, 1, 2, 0xff };
static const struct deep foreign_deep = {
	.set = true, .kind = DEEP_TUPLE, .depth = FOREIGN_DEPTH, .leaf = 7,
};

/* A user type with one child slot, freezable: freeze must check the slot. */
struct slot {
	struct frost_object hdr;
	struct frost_object *child;
};

static void slot_trace(struct frost_object *o, frost_visit_fn visit, void *arg)
{
	visit(&((struct slot *)(void *)o)->child, arg);
}

static const struct frost_type slot_type = {
	.name = "fz-slot", .basic_size = sizeof(struct slot),
	.flags = FROST_TYPE_IMMUTABLE, .trace = slot_trace,
};

/*
 * A private object of @sb equal to heap 2's object @k (one owned
 * reference): heap 2's thread freezes these at start-up, and any sandbox
 * builds one again as the twin that a heap-2 object must equal.
 */
static struct frost_object *build_foreign(struct frost_sandbox *sb, int k)
{
	struct frost_object *o, *a[2], *b[2];

	switch (k) {
	case F_INT:
		o = frost_int_new(sb, INT64_C(1000000007));
		break;
	case F_NEG:
		o = frost_int_new(sb, -INT64_C(123456789));
		break;
	case F_FLOAT:
		o = frost_float_new(sb, 2.5);
		break;
	case F_STR:
		o = frost_str_new(sb, foreign_str, strlen(foreign_str));
		break;
	case F_BYTES:
		o = frost_bytes_new(sb, foreign_bytes, sizeof(foreign_bytes));
		break;
	case F_INTERN:
		o = frost_str_new(sb, "n0", 2);
		break;
	case F_TUPLE:
		a[0] = build_foreign(sb, F_INT);
		a[1] = build_foreign(sb, F_STR);
		o = frost_tuple_new(sb, 2, a);
		frost_decref(a[0]);
		frost_decref(a[1]);
		break;
	case F_MAP:	/* {F_STR: F_INT, 3: F_TUPLE} */
		a[0] = build_foreign(sb, F_STR);
		b[0] = build_foreign(sb, F_INT);
		a[1] = frost_int_new(sb, 3);
		b[1] = build_foreign(sb, F_TUPLE);
		o = frost_map_new(sb, 2, a, b);
		for (int i = 0; i < 2; i++) {
			frost_decref(a[i]);
			frost_decref(b[i]);
		}
		break;
	default:
		o = build_chain(sb, &foreign_deep);
		break;
	}
	FZ_CHECK(o);
	return o;
}

/* Heap 2's thread: freeze and pin the objects, then stay offline for good. */
static int heap2_main(struct frost_sandbox *sb, void *arg)
{
	(void)arg;
	for (int k = 0; k < NFOREIGN; k++) {
		struct frost_object *p, *o;

		if (k == F_INTERN) {
			o = frost_str_intern(sb, "n0", 2);
		} else {
			p = build_foreign(sb, k);
			o = frost_freeze(sb, p);
			frost_decref(p);
		}
		FZ_CHECK(o && frost_is_shared(o) && frost_pin(sb, o) == 0);
		st.foreign[k] = o;
		st.foreign_info[k] = info_of(o);
		errno = 0;
		st.foreign_hash[k] = frost_hash(o);
		FZ_CHECK(errno == 0);
	}
	frost_sandbox_offline(sb);
	sem_post(&st.done);
	for (;;)
		pause();
	return 0;
}

/* A sandbox of heap 1 that detaches at once: its pointer goes stale. */
static int stale_main(struct frost_sandbox *sb, void *arg)
{
	(void)arg;
	st.stale = sb;
	return 0;
}

/*
 * Heap 2's object @k to build a twin of: the deep chain counts against the
 * input's chain budget (past it, the tuple stands in).
 */
static int twin_budget(int k)
{
	if (k != F_DEEP)
		return k;
	if (st.deep_levels + FOREIGN_DEPTH > DEEP_BUDGET)
		return F_TUPLE;
	st.deep_levels += FOREIGN_DEPTH;
	return k;
}

/* A heap-2 object: one of the pinned ones or an item of the tuple. */
static struct frost_object *foreign_pick(uint8_t b)
{
	unsigned int i = b % (NFOREIGN + 2);

	if (i < NFOREIGN)
		return st.foreign[i];
	return frost_tuple_get(st.foreign[F_TUPLE], i - NFOREIGN);
}

static void stats_of(const struct frost_sandbox *sb, struct frost_sandbox_stats *ss)
{
	FZ_CHECK(frost_sandbox_stats(sb, ss) == 0);
}

/* Nothing allocated, freed or pinned between two snapshots. */
static void same_stats(const struct frost_sandbox_stats *a, const struct frost_sandbox_stats *b)
{
	FZ_CHECK(a->live_objects == b->live_objects && a->live_bytes == b->live_bytes &&
		 a->pins == b->pins);
}

/* A private list @s owns, or NULL. */
static struct frost_object *own_list(const struct side *s)
{
	for (int i = 0; i < NPRIV; i++)
		if (s->priv[i].obj && !strcmp(frost_type_name(s->priv[i].obj), "list"))
			return s->priv[i].obj;
	return NULL;
}

/*
 * OP_FOREIGN_USE: hand a shared object of heap 2 to a call of @s (heap 1).
 * Each must refuse it with EPERM and change nothing: no allocation, no pin,
 * no binding, nothing queued, no item appended.
 */
static void op_foreign_use(struct side *s, struct fz *f)
{
	struct frost_object *x = foreign_pick(fz_u8(f)), *items[4], *vals[4], *o, *l;
	struct frost_sandbox_stats before, after;
	int call = fz_u8(f) % 10, i;
	size_t n, pos, len;
	struct slot *u;

	FZ_CHECK(x && frost_is_shared(x));
	errno = 0;
	switch (call) {
	case 0:		/* tuple_new, the foreign item among @s's own */
	case 1:		/* map_new, as a key */
	case 2:		/* map_new, as a value */
		n = 1 + fz_u8(f) % 4;
		pos = fz_u8(f) % n;
		for (size_t k = 0; k < n; k++) {
			items[k] = pick(s, fz_u8(f));
			vals[k] = pick(s, fz_u8(f));
		}
		if (call == 2)
			vals[pos] = x;
		else
			items[pos] = x;
		stats_of(s->sb, &before);
		o = call ? frost_map_new(s->sb, n, items, vals) : frost_tuple_new(s->sb, n, items);
		FZ_CHECK(!o && errno == EPERM);
		break;
	case 3:		/* list_append to one of @s's lists, or a new one */
		l = own_list(s);
		o = l ? NULL : frost_list_new(s->sb);
		if (!l)
			l = o;
		FZ_CHECK(l);
		len = frost_list_len(l);
		stats_of(s->sb, &before);
		FZ_CHECK(frost_list_append(s->sb, l, x) == -EPERM);
		FZ_CHECK(frost_list_len(l) == len);
		stats_of(s->sb, &after);
		same_stats(&before, &after);
		if (o)
			frost_decref(o);
		stats_of(s->sb, &before);
		break;
	case 4:
		stats_of(s->sb, &before);
		FZ_CHECK(!frost_freeze(s->sb, x) && errno == EPERM);
		break;
	case 5:		/* in a user type's slot */
		o = frost_object_new(s->sb, &slot_type, 0);
		FZ_CHECK(o);
		u = (struct slot *)(void *)o;
		u->child = x;
		stats_of(s->sb, &before);
		FZ_CHECK(!frost_freeze(s->sb, o) && errno == EPERM);
		stats_of(s->sb, &after);
		same_stats(&before, &after);
		/* Control: with a child of its own heap the same object freezes. */
		u->child = pick_shared(s, fz_u8(f));
		if (!u->child)
			u->child = frost_none();
		l = frost_freeze(s->sb, o);
		FZ_CHECK(l && frost_is_shared(l));
		frost_decref(o);
		stats_of(s->sb, &before);
		break;
	case 6:
		stats_of(s->sb, &before);
		FZ_CHECK(frost_pin(s->sb, x) == -EPERM);
		break;
	case 7:		/* publish and replace; the binding stays */
		i = fz_u8(f) % NNAMES;
		stats_of(s->sb, &before);
		FZ_CHECK(frost_publish(s->sb, names[i], x) == -EPERM);
		FZ_CHECK(frost_publish_replace(s->sb, names[i], st.name[i].obj, x) == -EPERM);
		errno = 0;
		o = frost_lookup(s->sb, names[i]);
		FZ_CHECK(o == st.name[i].obj && (o || errno == ENOENT));
		if (o)
			hold(s, o);
		break;
	case 8:		/* refused before the fill level is looked at */
		stats_of(s->sb, &before);
		FZ_CHECK(frost_channel_send(s->sb, st.ch, x, 0) == -EPERM);
		break;
	default:	/* never pinned here, so not found */
		stats_of(s->sb, &before);
		FZ_CHECK(frost_unpin(s->sb, x) == -ENOENT);
		break;
	}
	stats_of(s->sb, &after);
	same_stats(&before, &after);
	walk_begin();
	check_private(s);
}

/*
 * OP_FOREIGN_READ: the calls that take no sandbox read heap 2's objects
 * as they read any: equality and hashes agree with twins built in heap 1,
 * tuple and map reads return heap 2's items; a heap-2 cycle run from here
 * frees none of them (pinned) and nothing else (heap 2 has no garbage).
 */
static void op_foreign_read(struct side *s, struct fz *f)
{
	int sub = fz_u8(f) % 6, k = fz_u8(f) % NFOREIGN, j;
	struct frost_object *x, *t, *m, *c, *key, *v;
	struct frost_sandbox_stats before, after;
	int64_t iv;

	if (sub == 1 || sub == 4)
		k = twin_budget(k);
	x = st.foreign[k];
	switch (sub) {
	case 0:
		FZ_CHECK(frost_is_shared(x) && info_of(x).fp == st.foreign_info[k].fp);
		errno = 0;
		FZ_CHECK(frost_hash(x) == st.foreign_hash[k] && errno == 0);
		break;
	case 1:		/* a twin of heap 1 is equal, hashes alike; nothing else is */
		stats_of(s->sb, &before);
		t = build_foreign(s->sb, k);
		j = fz_u8(f) % NFOREIGN;
		errno = 0;
		FZ_CHECK(frost_equal(x, t) && frost_equal(t, x));
		FZ_CHECK(frost_equal(st.foreign[j], t) == (j == k));
		FZ_CHECK(frost_equal(st.foreign[j], x) == (j == k));
		FZ_CHECK(frost_hash(t) == st.foreign_hash[k] && errno == 0);
		FZ_CHECK(fingerprint(t) == st.foreign_info[k].fp);
		frost_decref(t);
		stats_of(s->sb, &after);
		same_stats(&before, &after);
		break;
	case 2:		/* tuple reads, down to the deep chain's leaf */
		t = st.foreign[F_TUPLE];
		FZ_CHECK(frost_tuple_len(t) == 2);
		c = frost_tuple_get(t, 0);
		FZ_CHECK(c && frost_is_shared(c) && frost_equal(c, st.foreign[F_INT]));
		c = frost_tuple_get(t, 1);
		FZ_CHECK(c && frost_is_shared(c) && frost_equal(c, st.foreign[F_STR]));
		errno = 0;
		FZ_CHECK(!frost_tuple_get(t, 2) && errno == ERANGE);
		if (fz_u8(f) & 1) {
			c = st.foreign[F_DEEP];
			for (unsigned int d = 0; d < foreign_deep.depth; d++) {
				FZ_CHECK(frost_tuple_len(c) == 1);
				c = frost_tuple_get(c, 0);
			}
			FZ_CHECK(frost_int_get(c, &iv) == 0 && iv == foreign_deep.leaf);
		}
		break;
	case 3:		/* map reads, with heap 2's key and heap 1's */
		m = st.foreign[F_MAP];
		FZ_CHECK(frost_map_len(m) == 2);
		v = frost_map_get(m, st.foreign[F_STR]);
		FZ_CHECK(v && frost_equal(v, st.foreign[F_INT]));
		key = build_foreign(s->sb, F_STR);
		FZ_CHECK(frost_map_get(m, key) == v);
		frost_decref(key);
		key = frost_int_new(s->sb, 3);
		FZ_CHECK(key);
		v = frost_map_get(m, key);
		FZ_CHECK(v && frost_equal(v, st.foreign[F_TUPLE]));
		frost_decref(key);
		key = frost_int_new(s->sb, 4);
		errno = 0;
		FZ_CHECK(!frost_map_get(m, key) && errno == ENOENT);
		frost_decref(key);
		break;
	case 4:		/* heap 2's object as the key into a map of heap 1 */
		t = build_foreign(s->sb, k);
		v = pick(s, fz_u8(f));
		m = frost_map_new(s->sb, 1, &t, &v);
		FZ_CHECK(m && frost_map_get(m, x) == v);
		frost_decref(m);
		frost_decref(t);
		break;
	default:	/* a cycle of heap 2, run by a sandbox of heap 1 */
		if (st.cycles++ < MAX_CYCLES) {
			FZ_CHECK(frost_reclaim(st.heap2) == 0);
			forget_held(s);
		}
		walk_begin();
		for (j = 0; j < NFOREIGN; j++)
			FZ_CHECK(info_walk(st.foreign[j]).fp == st.foreign_info[j].fp);
		break;
	}
}

/*
 * OP_WRONG_THREAD: call with the other side's sandbox (parked, offline) or
 * with the stale one, arguments that would succeed for their owner. Each
 * call must fail with EPERM (EINVAL for the stale one) and leave the other
 * side as it was: its counters, its objects, the namespace, the channel.
 */
static void op_wrong_thread(struct side *s, struct fz *f)
{
	struct side *o = &st.side[s == &st.side[0]];
	int call = fz_u8(f) % 19, i = fz_u8(f) % NNAMES;
	bool stale = fz_u8(f) % 4 == 0;
	struct frost_sandbox *t = stale ? st.stale : o->sb;
	int want = stale ? EINVAL : EPERM, ret = 0;
	struct frost_sandbox_stats before, after, mine, mine_after;
	struct frost_object *x = pick(o, fz_u8(f)), *sh = pick_shared(s, fz_u8(f));
	struct frost_object *items[2] = { x, x }, *out = NULL, *l, *p;
	const void *res = NULL;
	int64_t iv;

	if (!sh)
		sh = frost_none();
	l = own_list(o);
	p = o->pin[i].obj ? o->pin[i].obj : sh;
	stats_of(o->sb, &before);
	stats_of(s->sb, &mine);
	errno = 0;
	switch (call) {
	case 0:
		iv = (int64_t)fz_u64(f);
		if (iv & 1)
			iv = (int8_t)(iv >> 8);
		res = frost_int_new(t, iv);
		/* A small int is the static one: @sb is documented as unused. */
		if (iv >= CONFIG_FROST_SMALLINT_MIN && iv <= CONFIG_FROST_SMALLINT_MAX) {
			FZ_CHECK(res && res == frost_int_new(s->sb, iv) && frost_is_shared(res));
			goto unchanged;
		}
		break;
	case 1:
		res = frost_float_new(t, 1.5);
		break;
	case 2:
		res = frost_str_new(t, "wrong", 5);
		break;
	case 3:
		res = frost_str_intern(t, "wrong", 5);
		break;
	case 4:
		res = frost_bytes_new(t, "w", 1);
		break;
	case 5:
		res = frost_tuple_new(t, 2, items);
		break;
	case 6:
		res = frost_map_new(t, 1, &items[0], &items[1]);
		break;
	case 7:
		res = frost_list_new(t);
		break;
	case 8:
		ret = frost_list_append(t, l ? l : x, x);
		break;
	case 9:
		res = frost_freeze(t, x);
		break;
	case 10:
		res = frost_object_new(t, &slot_type, 0);
		break;
	case 11:
		ret = frost_pin(t, sh);
		break;
	case 12:
		ret = frost_unpin(t, p);
		break;
	case 13:
		ret = frost_publish(t, names[i], sh);
		break;
	case 14:
		ret = frost_publish_replace(t, names[i], st.name[i].obj, sh);
		break;
	case 15:
		ret = frost_unpublish(t, names[i]);
		break;
	case 16:
		res = frost_lookup(t, names[i]);
		break;
	case 17:
		ret = frost_channel_send(t, st.ch, sh, 0);
		break;
	default:
		ret = frost_channel_recv(t, st.ch, &out, 0);
		FZ_CHECK(!out);
		break;
	}
	if (call == 8 || (call > 10 && call != 16))	/* int returns */
		FZ_CHECK(ret == -want);
	else
		FZ_CHECK(!res && errno == want);
unchanged:
	stats_of(o->sb, &after);
	same_stats(&before, &after);
	stats_of(s->sb, &mine_after);
	same_stats(&mine, &mine_after);
	walk_begin();
	check_private(o);
	/* The binding and the queue are the model's still (RECV checks one). */
	errno = 0;
	p = frost_lookup(s->sb, names[i]);
	FZ_CHECK(p == st.name[i].obj && (p || errno == ENOENT));
	if (p)
		hold(s, p);
}

/*
 * OP_DEEP: build a chain X of an operand's depth and compare it with a
 * chain Y built alike, or with the chain a name is bound to, or with heap
 * 2's: equal exactly when the descriptors are (one may differ at the
 * bottom). Then, by the flags: a map keyed by both, freeze (equal, same
 * fingerprint), publish as a root with its descriptor, pin, keep X.
 */
static void op_deep(struct side *s, struct fz *f)
{
	struct frost_object *x, *y = NULL, *other = NULL, *m, *fr, *keys[2], *vals[2];
	struct deep dx = { .set = true }, dy;
	unsigned long left = DEEP_BUDGET - st.deep_levels, need;
	unsigned int lo, hi;
	uint8_t flags;
	int slot, name;
	bool eq, foreign = false;

	dx.kind = fz_u8(f) % NR_DEEP;
	lo = fz_u8(f);
	hi = fz_u8(f);
	/* Quadratic: shallow chains common, DEEP_MAX reachable. */
	dx.depth = (unsigned int)((uint64_t)(lo | hi << 8) * (lo | hi << 8) * DEEP_MAX /
				  (UINT64_C(65535) * 65535));
	dx.leaf = (int8_t)fz_u8(f);
	flags = fz_u8(f);
	slot = fz_u8(f);
	name = slot % NNAMES;

	switch ((flags >> 1) & 3) {
	case 1:		/* against the chain bound to @name, if any */
		errno = 0;
		other = frost_lookup(s->sb, names[name]);
		FZ_CHECK(other == st.name[name].obj && (other || errno == ENOENT));
		if (other)
			hold(s, other);
		if (other && st.name_deep[name].set)
			dx = st.name_deep[name];
		else
			other = NULL;
		break;
	case 2:		/* against heap 2's */
		other = st.foreign[F_DEEP];
		dx = foreign_deep;
		foreign = true;
		break;
	}
	dy = dx;
	if (flags & 1)
		dx.leaf++;	/* differ at the bottom */
	need = other ? dx.depth : 2UL * dx.depth;
	if (need > left) {
		dx.depth = other ? left : left / 2;
		if (!other)
			dy.depth = dx.depth;
	}
	eq = deep_equal(&dx, &dy);

	x = build_chain(s->sb, &dx);
	st.deep_levels += dx.depth;
	if (!other) {
		other = y = build_chain(s->sb, &dy);
		st.deep_levels += dy.depth;
	}
	errno = 0;
	FZ_CHECK(frost_equal(x, x));
	FZ_CHECK(frost_equal(x, other) == eq && frost_equal(other, x) == eq);
	FZ_CHECK(errno == 0);
	if (eq) {
		FZ_CHECK(frost_hash(x) == frost_hash(other) && errno == 0);
		FZ_CHECK(fingerprint(x) == fingerprint(other));
	}

	if (flags & 0x80) {	/* both as keys of one map (deep keys compared) */
		keys[0] = x;
		keys[1] = other;
		vals[0] = frost_int_new(s->sb, 1);
		vals[1] = frost_int_new(s->sb, 2);
		m = frost_map_new(s->sb, 2, keys, vals);
		if (foreign) {
			FZ_CHECK(!m && errno == EPERM);
		} else {
			FZ_CHECK(m && frost_map_len(m) == (eq ? 1 : 2));
			FZ_CHECK(frost_map_get(m, x) == vals[eq ? 1 : 0]);
			FZ_CHECK(frost_map_get(m, other) == vals[1]);
			own(s, slot + 1, m);
		}
		frost_decref(vals[0]);
		frost_decref(vals[1]);
	}
	if (flags & 0x08) {
		fr = frost_freeze(s->sb, x);
		FZ_CHECK(fr && frost_is_shared(fr));
		FZ_CHECK(frost_equal(fr, x) && frost_equal(fr, other) == eq);
		FZ_CHECK(fingerprint(fr) == fingerprint(x));
		st.deep_frozen += dx.depth;
		hold(s, fr);
		if (flags & 0x10) {
			FZ_CHECK(frost_publish(s->sb, names[name], fr) == 0);
			bind(name, fr, &dx);
		}
		if ((flags & 0x20) && !s->pin[slot % NPIN].obj) {
			FZ_CHECK(frost_pin(s->sb, fr) == 0);
			s->pin[slot % NPIN].obj = fr;
			s->pin[slot % NPIN].fp = fingerprint(fr);
		}
	}
	if (flags & 0x40)
		own(s, slot, x);
	else
		frost_decref(x);
	if (y)
		frost_decref(y);
}

static void execute(struct side *s, int op, struct fz *f)
{
	struct frost_object *o, *e, *items[4];
	const uint8_t *p;
	size_t len, n;
	int64_t iv;
	long ref;
	int r, i;

	switch (op) {
	case OP_INT:
		iv = (int64_t)fz_u64(f);
		if (iv & 1)
			iv = (int8_t)(iv >> 8);	/* small ints, cached and shared */
		o = frost_int_new(s->sb, iv);
		FZ_CHECK(o);
		own(s, fz_u8(f), o);
		break;
	case OP_FLOAT:
		o = frost_float_new(s->sb, (double)(int16_t)fz_u64(f) / 4);
		FZ_CHECK(o);
		own(s, fz_u8(f), o);
		break;
	case OP_STR:
	case OP_INTERN:
		p = fz_bytes(f, 24, &len);
		ref = fz_utf8_valid(p, len);
		errno = 0;
		o = op == OP_STR ? frost_str_new(s->sb, (const char *)p, len)
				 : frost_str_intern(s->sb, (const char *)p, len);
		if (ref < 0) {
			FZ_CHECK(!o && errno == EILSEQ);
			break;
		}
		FZ_CHECK(o && frost_str_length(o) == ref);
		if (op == OP_STR) {
			own(s, fz_u8(f), o);
		} else {
			FZ_CHECK(frost_str_intern(s->sb, (const char *)p, len) == o);
			hold(s, o);
		}
		break;
	case OP_BYTES:
		p = fz_bytes(f, 24, &len);
		o = frost_bytes_new(s->sb, p, len);
		FZ_CHECK(o);
		own(s, fz_u8(f), o);
		break;
	case OP_TUPLE:
		n = fz_u8(f) % 5;
		for (size_t k = 0; k < n; k++)
			items[k] = pick(s, fz_u8(f));
		o = frost_tuple_new(s->sb, n, items);
		FZ_CHECK(o && frost_tuple_len(o) == n);
		own(s, fz_u8(f), o);
		break;
	case OP_MAP:
		op_map(s, f);
		break;
	case OP_LIST:
		o = frost_list_new(s->sb);
		FZ_CHECK(o);
		n = fz_u8(f) % 4;
		for (size_t k = 0; k < n; k++)
			FZ_CHECK(frost_list_append(s->sb, o, pick(s, fz_u8(f))) == 0);
		own(s, fz_u8(f), o);
		break;
	case OP_FREEZE:
		e = pick(s, fz_u8(f));
		errno = 0;
		o = frost_freeze(s->sb, e);
		if (has_list(e)) {
			FZ_CHECK(!o && errno == EPERM);
			break;
		}
		FZ_CHECK(o && frost_is_shared(o));
		FZ_CHECK(frost_equal(o, e) && fingerprint(o) == fingerprint(e));
		if (frost_is_shared(e))
			FZ_CHECK(o == e);
		hold(s, o);
		break;
	case OP_PUBLISH:
		i = fz_u8(f) % NNAMES;
		o = pick_shared(s, fz_u8(f));
		if (!o)
			break;
		FZ_CHECK(frost_publish(s->sb, names[i], o) == 0);
		bind(i, o, NULL);
		break;
	case OP_REPLACE:
		i = fz_u8(f) % NNAMES;
		o = pick_shared(s, fz_u8(f));
		if (!o)
			break;
		/* Expect the bound object, or something else (maybe NULL). */
		e = fz_u8(f) & 1 ? st.name[i].obj : pick_shared(s, fz_u8(f));
		r = frost_publish_replace(s->sb, names[i], e, o);
		if (e == st.name[i].obj) {
			FZ_CHECK(r == 0);
			bind(i, o, NULL);
		} else {
			FZ_CHECK(r == -EAGAIN);
		}
		break;
	case OP_LOOKUP:
		i = fz_u8(f) % NNAMES;
		errno = 0;
		o = frost_lookup(s->sb, names[i]);
		FZ_CHECK(o == st.name[i].obj);
		if (!o) {
			FZ_CHECK(errno == ENOENT);
			break;
		}
		FZ_CHECK(fingerprint(o) == st.name[i].fp);
		hold(s, o);
		break;
	case OP_UNPUBLISH:
		i = fz_u8(f) % NNAMES;
		r = frost_unpublish(s->sb, names[i]);
		FZ_CHECK(r == (st.name[i].obj ? 0 : -ENOENT));
		bind(i, NULL, NULL);
		break;
	case OP_PIN:
		o = pick_shared(s, fz_u8(f));
		i = fz_u8(f) % NPIN;
		if (!o || s->pin[i].obj)
			break;
		FZ_CHECK(frost_pin(s->sb, o) == 0);
		s->pin[i].obj = o;
		s->pin[i].fp = fingerprint(o);
		break;
	case OP_UNPIN:
		i = fz_u8(f) % NPIN;
		if (s->pin[i].obj) {
			FZ_CHECK(frost_unpin(s->sb, s->pin[i].obj) == 0);
			/* Still valid until our next quiescent state. */
			hold(s, s->pin[i].obj);
			s->pin[i].obj = NULL;
		} else {
			/* An object maybe pinned in another slot, maybe not at all. */
			o = pick_shared(s, fz_u8(f));
			if (!o)
				break;
			r = frost_unpin(s->sb, o);
			for (i = 0; i < NPIN && s->pin[i].obj != o; i++)
				;
			if (i == NPIN) {
				FZ_CHECK(r == -ENOENT);
				break;
			}
			FZ_CHECK(r == 0);
			hold(s, o);
			s->pin[i].obj = NULL;
		}
		break;
	case OP_SEND:
		o = pick_shared(s, fz_u8(f));
		if (!o)
			break;
		r = frost_channel_send(s->sb, st.ch, o, 0);
		if (st.q_len == CHAN_CAP) {
			FZ_CHECK(r == -EAGAIN);
			break;
		}
		FZ_CHECK(r == 0);
		st.queue[(st.q_head + st.q_len) % CHAN_CAP].obj = o;
		st.queue[(st.q_head + st.q_len) % CHAN_CAP].fp = fingerprint(o);
		st.q_len++;
		break;
	case OP_RECV:
		o = NULL;
		r = frost_channel_recv(s->sb, st.ch, &o, 0);
		if (!st.q_len) {
			FZ_CHECK(r == -EAGAIN);
			break;
		}
		FZ_CHECK(r == 0 && o == st.queue[st.q_head].obj);
		FZ_CHECK(fingerprint(o) == st.queue[st.q_head].fp);
		st.q_head = (st.q_head + 1) % CHAN_CAP;
		st.q_len--;
		hold(s, o);
		break;
	case OP_RECLAIM:
		/* Past the budget, a quiescent state stands in for a cycle. */
		if (st.cycles++ < MAX_CYCLES)
			FZ_CHECK(frost_reclaim(st.heap) >= 0);
		else
			frost_quiescent(s->sb);
		forget_held(s);
		check_roots(s);
		break;
	case OP_QUIESCENT:
		frost_quiescent(s->sb);
		forget_held(s);
		break;
	case OP_OFFLINE:
		frost_sandbox_offline(s->sb);
		forget_held(s);
		frost_sandbox_online(s->sb);
		break;
	case OP_DROP:
		i = fz_u8(f) % NPRIV;
		if (s->priv[i].obj)
			frost_decref(s->priv[i].obj);
		s->priv[i].obj = NULL;
		break;
	case OP_FOREIGN_USE:
		op_foreign_use(s, f);
		break;
	case OP_FOREIGN_READ:
		op_foreign_read(s, f);
		break;
	case OP_WRONG_THREAD:
		op_wrong_thread(s, f);
		break;
	case OP_DEEP:
		op_deep(s, f);
		break;
	default:
		check_roots(s);
		break;
	}
}

/* Drop everything @s owns (its own thread, online). */
static void side_release(struct side *s)
{
	struct frost_sandbox *sb = s->sb;
	struct frost_sandbox_stats ss;

	for (int i = 0; i < NPIN; i++)
		if (s->pin[i].obj)
			FZ_CHECK(frost_unpin(sb, s->pin[i].obj) == 0);
	for (int i = 0; i < NPRIV; i++)
		if (s->priv[i].obj)
			frost_decref(s->priv[i].obj);
	memset(s, 0, sizeof(*s));
	s->sb = sb;
	/* Refcounts free every private object; no pin is left. */
	FZ_CHECK(frost_sandbox_stats(sb, &ss) == 0 && ss.pins == 0);
}

/* B's thread: execute shipped operations, forever (the process ends it). */
static int side_b(struct frost_sandbox *sb, void *arg)
{
	struct side *s = &st.side[1];

	(void)arg;
	s->sb = sb;
	frost_sandbox_offline(sb);
	sem_post(&st.done);
	for (;;) {
		while (sem_wait(&st.go))
			;
		frost_sandbox_online(sb);
		if (st.op >= 0) {
			execute(s, st.op, st.f);
		} else {
			if (st.op == SHIP_RELEASE)
				side_release(s);
			forget_held(s);
			frost_sandbox_offline(sb);
		}
		sem_post(&st.done);
	}
	return 0;
}

static void ship(int op, struct fz *f)
{
	st.op = op;
	st.f = f;
	sem_post(&st.go);
	while (sem_wait(&st.done))
		;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct frost_heap_config cfg = { .flags = FROST_HEAP_MANUAL };
	struct frost_sandbox_stats ss;
	struct frost_sandbox *stale;

	(void)argc;
	(void)argv;
	sem_init(&st.go, 0, 0);
	sem_init(&st.done, 0, 0);
	st.heap = frost_heap_create(&cfg);
	FZ_CHECK(st.heap);
	st.ch = frost_channel_create(st.heap, CHAN_CAP);
	FZ_CHECK(st.ch);
	st.side[0].sb = frost_sandbox_attach(st.heap);
	FZ_CHECK(st.side[0].sb);
	walk_init(st.side[0].sb);
	/* B runs until the process ends; it parks offline between inputs. */
	FZ_CHECK(frost_sandbox_spawn(st.heap, side_b, NULL));
	while (sem_wait(&st.done))
		;
	/* Heap 2: its sandbox freezes and pins its objects, then sleeps. */
	st.heap2 = frost_heap_create(&cfg);
	FZ_CHECK(st.heap2);
	FZ_CHECK(frost_sandbox_spawn(st.heap2, heap2_main, NULL));
	while (sem_wait(&st.done))
		;
	FZ_CHECK(frost_reclaim(st.heap2) >= 0);
	/* Last, so that no later attach recycles its structure. */
	stale = frost_sandbox_spawn(st.heap, stale_main, NULL);
	FZ_CHECK(stale && frost_sandbox_join(stale, NULL) == 0 && st.stale);
	FZ_CHECK(frost_sandbox_stats(st.stale, &ss) == -EINVAL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned long runs;
	struct frost_sandbox *a = st.side[0].sb;
	struct fz f = { .p = data, .n = size };
	struct frost_object *o;
	int cur = 0, ops = 0;

	st.cycles = 0;
	st.deep_levels = 0;
	st.deep_frozen = 0;
	while (f.n && ops++ < MAX_OPS) {
		uint8_t byte = fz_u8(&f);
		int side = byte >> 7, op = (byte & 0x7f) % NR_OPS;

		if (side != cur) {
			if (cur == 0) {
				forget_held(&st.side[0]);
				frost_sandbox_offline(a);
			} else {
				ship(SHIP_PARK, NULL);
				frost_sandbox_online(a);
			}
			cur = side;
		}
		if (cur == 0)
			execute(&st.side[0], op, &f);
		else
			ship(op, &f);
	}
	if (cur == 1) {
		ship(SHIP_PARK, NULL);
		frost_sandbox_online(a);
	}

	/* Remove every root again: the next input starts from nothing. */
	for (int i = 0; i < NNAMES; i++)
		if (st.name[i].obj)
			FZ_CHECK(frost_unpublish(a, names[i]) == 0);
	memset(st.name, 0, sizeof(st.name));
	memset(st.name_deep, 0, sizeof(st.name_deep));
	while (st.q_len) {
		FZ_CHECK(frost_channel_recv(a, st.ch, &o, 0) == 0);
		st.q_len--;
	}
	st.q_head = 0;
	FZ_CHECK(frost_channel_recv(a, st.ch, &o, 0) == -EAGAIN);
	side_release(&st.side[0]);
	frost_sandbox_offline(a);
	ship(SHIP_RELEASE, NULL);
	frost_sandbox_online(a);
	/* Deep frozen chains are much garbage: free it sooner. */
	if (++runs % 64 == 0 || st.deep_frozen >= DEEP_BUDGET / 4)
		FZ_CHECK(frost_reclaim(st.heap) >= 0);
	frost_quiescent(a);
	return 0;
}
