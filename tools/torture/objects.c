// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tools/torture/objects.c - the structures frost-torture publishes, and
 * their complete verification.
 *
 * Theory of operation. Every structure is self-checking: its content is a
 * pure function of a few numbers it carries (slot, generation, chunk id),
 * so a reader regenerates what it must contain and compares all of it.
 *
 *   slot structure (a tuple of 7, one per slot and generation):
 *     [0] int   generation + GEN_BASE
 *     [1] map   {0: slot + SLOT_BASE, 1: generation + GEN_BASE, 2: chunk id + CHUNK_BASE}
 *     [2] str   payload: "slot-S gen-G |" and filler, a function of (S, G)
 *     [3] chunk the slot's current chunk (below), shared by several generations
 *     [4] node  a user-type object (torture_node_type) naming the chunk of
 *               the previous generation and pointing at it
 *     [5] str   the interned name "slot-S"
 *     [6] int   checksum over all of the above
 *   chunk (a tuple of 4): [0] int id + CHUNK_BASE, [1] bytes (a function of
 *     the id), [2] int checksum of the bytes, [3] sub
 *   sub (a tuple of 2): [0] int id + SUB_BASE, [1] bytes (a function of id)
 *
 * The depth is deliberate: a slot structure reaches the sub's children
 * through three edges (structure -> chunk -> sub -> int), and the chunk is
 * an old object reused by a new structure. A sandbox that pins the sub of
 * a structure published moments ago (roles.c, the pinner) can then be the
 * first to mark the sub while the chunk still waits, marked but untraced,
 * in the grey buffer of the writer that published the structure: only the
 * reclaimer's termination loop traces the sub's children then, which is
 * what --break 0x2 removes.
 *   message (a tuple of 4): sequence, sender, a slot structure, checksum
 *   keeper wrapper (a tuple of 3): sequence, a slot structure, checksum
 *
 * Odd generations of a slot structure are made by the frozen builders
 * (frost_*_new_frozen(), frost_shared_new() + frost_shared_seal()), even
 * ones by frost_freeze() of a private build: the same value either way,
 * verified the same way.
 *
 * The bases keep every int outside the static small-int range, so each is
 * a real shared object that the reclaimer can (wrongly) free. Nothing here
 * ever produces a 0x6b byte in text or bytes nor the value 0x6b6b6b6b6b6b6b6b,
 * so finding one is CONFIG_FROST_DEBUG's poison: a freed object.
 *
 * Verification reads freed memory when the library is broken, so it is
 * written to survive it as far as possible: it checks each object's type
 * (pointer compare for the user type, the name for built-in types: the
 * type word of a shared slab slot is always a valid type, "<freed>" once
 * freed) and immortal count before it reads the body, and it follows a
 * child pointer only after its parent verified. A slot reused at the very
 * moment it is read can still crash the reader; main.c turns SIGSEGV into
 * a FAILURE report.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "torture.h"

#define GEN_BASE	(UINT64_C(1) << 32)
#define SLOT_BASE	(UINT64_C(1) << 33)
#define CHUNK_BASE	(UINT64_C(1) << 34)
#define SEQ_BASE	(UINT64_C(1) << 35)
#define SUB_BASE	(UINT64_C(1) << 36)
#define NODE_MAGIC	UINT64_C(0x66726f73742d6e64)	/* "frost-nd" */
#define PAYLOAD_MAX	256
#define CHUNK_MAX	256

/* ------------------------------------------------------------------ */
/* User types                                                          */

struct tnode {
	struct frost_object ob;
	uint64_t magic;
	uint64_t slot;
	uint64_t gen;
	uint64_t child_id;
	struct frost_object *child;
	uint64_t sum;
};

static void tnode_trace(struct frost_object *o, frost_visit_fn visit, void *arg)
{
	visit(&((struct tnode *)(void *)o)->child, arg);
}

const struct frost_type torture_node_type = {
	.name = "torture-node",
	.basic_size = sizeof(struct tnode),
	.flags = FROST_TYPE_IMMUTABLE,
	.trace = tnode_trace,
};

/* A private, mutable array of child pointers: a sandbox's own root. */
struct holder {
	struct frost_object ob;
	size_t n;
	struct frost_object *slot[];
};

static void holder_trace(struct frost_object *o, frost_visit_fn visit, void *arg)
{
	struct holder *h = (struct holder *)(void *)o;

	for (size_t i = 0; i < h->n; i++)
		visit(&h->slot[i], arg);
}

const struct frost_type torture_holder_type = {
	.name = "torture-holder",
	.basic_size = offsetof(struct holder, slot),
	.trace = holder_trace,
};

struct frost_object *torture_holder_new(struct frost_sandbox *sb, size_t n)
{
	struct frost_object *o = frost_object_new(sb, &torture_holder_type,
						  offsetof(struct holder, slot) + n * sizeof(void *));

	if (o)
		((struct holder *)(void *)o)->n = n;
	return o;
}

struct frost_object **torture_holder_slots(struct frost_object *holder)
{
	return ((struct holder *)(void *)holder)->slot;
}

/* ------------------------------------------------------------------ */
/* Generators                                                          */

static uint64_t sum2(uint64_t a, uint64_t b)
{
	uint64_t s = torture_mix(a ^ torture_mix(b));

	return s == TORTURE_POISON64 ? s ^ 1 : s;
}

static uint64_t node_sum(uint64_t slot, uint64_t gen, uint64_t child_id)
{
	return sum2(NODE_MAGIC ^ slot, sum2(gen, child_id));
}

static size_t chunk_data(uint64_t id, unsigned char *buf)
{
	size_t len = 24 + torture_mix(id) % (CHUNK_MAX - 24);
	uint64_t x = id;

	for (size_t i = 0; i < len; i++) {
		if (i % 8 == 0)
			x = torture_mix(x);
		buf[i] = (unsigned char)(x >> (8 * (i % 8)));
		if (buf[i] == 0x6b)
			buf[i] = 0x6a;
	}
	return len;
}

static uint64_t chunk_sum(uint64_t id, const unsigned char *p, size_t len)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * UINT64_C(0x100000001b3);
	return sum2(h, id);
}

static size_t payload_text(unsigned int slot, uint64_t gen, char *buf)
{
	static const char alpha[] = "abcdefghijlmnopqrstuvwxyz0123456789_";	/* no 'k' */
	int n = snprintf(buf, PAYLOAD_MAX, "slot-%u gen-%" PRIu64 " |", slot, gen);
	size_t len = (size_t)n, fill = 8 + torture_mix(sum2(slot, gen)) % 120;
	uint64_t x = gen;

	for (size_t i = 0; i < fill && len < PAYLOAD_MAX - 1; i++) {
		if (i % 8 == 0)
			x = torture_mix(x ^ slot);
		buf[len++] = alpha[(x >> (8 * (i % 8))) % (sizeof(alpha) - 1)];
	}
	buf[len] = '\0';
	return len;
}

static uint64_t slot_sum(unsigned int slot, uint64_t gen, uint64_t chunk_id,
			 uint64_t child_id, size_t payload_len)
{
	return sum2(sum2(slot, gen), sum2(chunk_id, sum2(child_id, payload_len)));
}

/* ------------------------------------------------------------------ */
/* Builders (private objects, frozen at the end)                       */

/* Build a tuple from new references, dropping them; NULL if any is NULL. */
static struct frost_object *tuple_of(struct frost_sandbox *sb, size_t n, struct frost_object **items)
{
	struct frost_object *t = NULL;
	bool ok = true;

	for (size_t i = 0; i < n; i++)
		ok = ok && items[i];
	if (ok)
		t = frost_tuple_new(sb, n, items);
	for (size_t i = 0; i < n; i++)
		if (items[i])
			frost_decref(items[i]);
	return t;
}

/* Freeze a private object and drop it; keeps errno from the freeze. */
static struct frost_object *freeze_drop(struct frost_sandbox *sb, struct frost_object *priv)
{
	struct frost_object *shared;
	int err;

	if (!priv)
		return NULL;
	shared = frost_freeze(sb, priv);
	err = errno;
	frost_decref(priv);
	errno = err;
	return shared;
}

static struct frost_object *int_of(struct frost_sandbox *sb, uint64_t v)
{
	return frost_int_new(sb, (int64_t)v);
}

static struct frost_object *sub_new(struct frost_sandbox *sb, uint64_t id)
{
	unsigned char data[CHUNK_MAX];
	size_t len = chunk_data(id ^ SUB_BASE, data);
	struct frost_object *items[2] = {
		int_of(sb, id + SUB_BASE),
		frost_bytes_new(sb, data, len),
	};

	return tuple_of(sb, 2, items);
}

struct frost_object *torture_chunk_new(struct frost_sandbox *sb, uint64_t id)
{
	unsigned char data[CHUNK_MAX];
	size_t len = chunk_data(id, data);
	struct frost_object *items[4] = {
		int_of(sb, id + CHUNK_BASE),
		frost_bytes_new(sb, data, len),
		int_of(sb, chunk_sum(id, data, len)),
		sub_new(sb, id),
	};

	/* One freeze: the chunk, its sub and their children are born together. */
	return freeze_drop(sb, tuple_of(sb, 4, items));
}

struct frost_object *torture_chunk_sub(struct frost_object *chunk)
{
	return frost_tuple_get(chunk, 3);
}

static uint64_t chunk_id_of(const struct frost_object *chunk)
{
	int64_t v;

	if (!chunk || frost_int_get(frost_tuple_get(chunk, 0), &v))
		return 0;
	return (uint64_t)v - CHUNK_BASE;
}

/*
 * The same slot structure made by the frozen builders (odd generations):
 * every child is built shared first (the map frozen, having no builder),
 * the node through frost_shared_new()/frost_shared_seal(), the tuple in
 * place. Nothing here is a quiescent state, so @chunk and @prev_chunk,
 * held by the caller, stay valid throughout.
 */
static struct frost_object *slot_built(struct frost_sandbox *sb, const struct torture_slot *ts,
				       unsigned int slot, uint64_t gen,
				       struct frost_object *chunk, struct frost_object *prev_chunk)
{
	char text[PAYLOAD_MAX];
	size_t len = payload_text(slot, gen, text);
	uint64_t cid = chunk_id_of(chunk), pid = chunk_id_of(prev_chunk);
	struct frost_object *keys[3], *vals[3], *items[7], *node;
	int err;

	for (int i = 0; i < 3; i++)
		keys[i] = frost_int_new_frozen(sb, i);
	vals[0] = frost_int_new_frozen(sb, (int64_t)(slot + SLOT_BASE));
	vals[1] = frost_int_new_frozen(sb, (int64_t)(gen + GEN_BASE));
	vals[2] = frost_int_new_frozen(sb, (int64_t)(cid + CHUNK_BASE));
	if (!vals[0] || !vals[1] || !vals[2])
		return NULL;
	/*
	 * The map has no builder: freezing it may pace, a quiescent state.
	 * @prev_chunk is the caller's lookup result, held by nothing else (the
	 * node it goes into is an unsealed shared slot, not a root): pin it
	 * across the freeze, as the lifetime rules require. @chunk is held by
	 * the writer's private holder; the keys and values by the private map.
	 */
	if (frost_pin(sb, prev_chunk))
		return NULL;
	items[1] = freeze_drop(sb, frost_map_new(sb, 3, keys, vals));
	frost_unpin(sb, prev_chunk);
	node = frost_shared_new(sb, &torture_node_type, 0);
	if (node) {
		struct tnode *n = (struct tnode *)(void *)node;

		n->magic = NODE_MAGIC;
		n->slot = slot;
		n->gen = gen;
		n->child_id = pid;
		n->child = prev_chunk;
		n->sum = node_sum(slot, gen, pid);
		err = frost_shared_seal(sb, node);
		if (err) {
			errno = -err;
			node = NULL;
		}
	}
	items[0] = frost_int_new_frozen(sb, (int64_t)(gen + GEN_BASE));
	items[2] = frost_str_new_frozen(sb, text, len);
	items[3] = chunk;
	items[4] = node;
	items[5] = frost_str_intern(sb, ts->name, strlen(ts->name));
	items[6] = frost_int_new_frozen(sb, (int64_t)slot_sum(slot, gen, cid, pid, len));
	for (int i = 0; i < 7; i++)
		if (!items[i])
			return NULL;
	return frost_tuple_new_frozen(sb, 7, items);
}

static struct frost_object *slot_frozen(struct frost_sandbox *sb, const struct torture_slot *ts,
					unsigned int slot, uint64_t gen,
					struct frost_object *chunk, struct frost_object *prev_chunk)
{
	char text[PAYLOAD_MAX];
	size_t len = payload_text(slot, gen, text);
	uint64_t cid = chunk_id_of(chunk), pid = chunk_id_of(prev_chunk);
	struct frost_object *keys[3] = { int_of(sb, 0), int_of(sb, 1), int_of(sb, 2) };
	struct frost_object *vals[3] = {
		int_of(sb, slot + SLOT_BASE), int_of(sb, gen + GEN_BASE), int_of(sb, cid + CHUNK_BASE),
	};
	struct frost_object *node = frost_object_new(sb, &torture_node_type, 0);
	struct frost_object *map = NULL, *items[7];
	bool ok = vals[0] && vals[1] && vals[2];

	if (ok)
		map = frost_map_new(sb, 3, keys, vals);
	for (int i = 0; i < 3; i++)
		if (vals[i])
			frost_decref(vals[i]);
	if (node) {
		struct tnode *n = (struct tnode *)(void *)node;

		n->magic = NODE_MAGIC;
		n->slot = slot;
		n->gen = gen;
		n->child_id = pid;
		n->child = prev_chunk;		/* shared: no reference to take */
		n->sum = node_sum(slot, gen, pid);
	}
	items[0] = int_of(sb, gen + GEN_BASE);
	items[1] = map;
	items[2] = frost_str_new(sb, text, len);
	items[3] = chunk;
	items[4] = node;
	items[5] = frost_str_intern(sb, ts->name, strlen(ts->name));
	items[6] = int_of(sb, slot_sum(slot, gen, cid, pid, len));
	return freeze_drop(sb, tuple_of(sb, 7, items));
}

/* Half the generations through the frozen builders, half through freeze. */
struct frost_object *torture_slot_new(struct frost_sandbox *sb, const struct torture_slot *ts,
				      unsigned int slot, uint64_t gen,
				      struct frost_object *chunk, struct frost_object *prev_chunk)
{
	if (gen & 1)
		return slot_built(sb, ts, slot, gen, chunk, prev_chunk);
	return slot_frozen(sb, ts, slot, gen, chunk, prev_chunk);
}

struct frost_object *torture_msg_new(struct frost_sandbox *sb, uint64_t seq, unsigned int sender,
				     struct frost_object *payload, uint64_t payload_gen)
{
	struct frost_object *items[4] = {
		int_of(sb, seq + SEQ_BASE), int_of(sb, sender + SEQ_BASE), payload,
		int_of(sb, sum2(sum2(seq, sender), payload_gen)),
	};

	return freeze_drop(sb, tuple_of(sb, 4, items));
}

struct frost_object *torture_keep_new(struct frost_sandbox *sb, uint64_t seq,
				      struct frost_object *item, const struct slot_info *info)
{
	struct frost_object *items[3] = {
		int_of(sb, seq + SEQ_BASE), item,
		int_of(sb, sum2(sum2(seq, info->slot), sum2(info->gen, info->chunk_id))),
	};

	return freeze_drop(sb, tuple_of(sb, 3, items));
}

/* ------------------------------------------------------------------ */
/* Verification                                                        */

#define FAIL(kind, ...) do { snprintf(why, len, __VA_ARGS__); return (kind); } while (0)

/* Is @o a live shared object of the built-in type @want? */
static enum torture_err check_obj(const struct frost_object *o, const char *want, const char *what,
				  char *why, size_t len)
{
	const char *name;

	if (!o)
		FAIL(TE_SHAPE, "%s: missing (NULL)", what);
	if (o->refcnt == TORTURE_POISON64)
		FAIL(TE_POISON, "%s %p: poisoned header", what, (const void *)o);
	if (!frost_is_shared(o))
		FAIL(TE_FREED, "%s %p: count %#" PRIx64 " is not immortal (freed slot)",
		     what, (const void *)o, o->refcnt);
	name = frost_type_name(o);
	if (!name)
		FAIL(TE_TYPE, "%s %p: no type", what, (const void *)o);
	if (!strcmp(name, "<freed>"))
		FAIL(TE_FREED, "%s %p: type <freed>", what, (const void *)o);
	if (strcmp(name, want))
		FAIL(TE_TYPE, "%s %p: type %s, expected %s", what, (const void *)o, name, want);
	return TE_OK;
}

static enum torture_err check_int(const struct frost_object *o, const char *what, uint64_t *v,
				  char *why, size_t len)
{
	enum torture_err e = check_obj(o, "int", what, why, len);
	int64_t x;

	if (e)
		return e;
	if (frost_int_get(o, &x))
		FAIL(TE_TYPE, "%s: frost_int_get failed", what);
	if ((uint64_t)x == TORTURE_POISON64)
		FAIL(TE_POISON, "%s: value is 0x6b poison", what);
	*v = (uint64_t)x;
	return TE_OK;
}

static enum torture_err check_tuple(const struct frost_object *o, size_t n, const char *what,
				    char *why, size_t len)
{
	enum torture_err e = check_obj(o, "tuple", what, why, len);
	size_t got;

	if (e)
		return e;
	got = frost_tuple_len(o);
	if (got == TORTURE_POISON64)
		FAIL(TE_POISON, "%s: length is 0x6b poison", what);
	if (got != n)
		FAIL(TE_SHAPE, "%s: %zu items, expected %zu", what, got, n);
	return TE_OK;
}

static bool has_poison(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i++)
		if (p[i] == 0x6b && p[i + 1] == 0x6b && p[i + 2] == 0x6b && p[i + 3] == 0x6b)
			return true;
	return false;
}

enum torture_err torture_verify_sub(const struct frost_object *o, uint64_t want_id,
				    char *why, size_t len)
{
	unsigned char data[CHUNK_MAX];
	enum torture_err e;
	uint64_t id;
	const void *p;
	size_t n, want_n;

	if ((e = check_tuple(o, 2, "sub", why, len)))
		return e;
	if ((e = check_int(frost_tuple_get(o, 0), "sub id", &id, why, len)))
		return e;
	id -= SUB_BASE;
	if (id != want_id)
		FAIL(TE_SHAPE, "sub id %" PRIu64 ", expected %" PRIu64, id, want_id);
	if ((e = check_obj(frost_tuple_get(o, 1), "bytes", "sub data", why, len)))
		return e;
	p = frost_bytes_data(frost_tuple_get(o, 1), &n);
	want_n = chunk_data(id ^ SUB_BASE, data);
	if (!p)
		FAIL(TE_TYPE, "sub: no bytes data");
	if (n != want_n || memcmp(p, data, n)) {
		if (n <= CHUNK_MAX && has_poison(p, n))
			FAIL(TE_POISON, "sub %" PRIu64 ": 0x6b poison in data", id);
		FAIL(TE_SUM, "sub %" PRIu64 ": data differs from its generator", id);
	}
	return TE_OK;
}

/* A chunk; @want_id 0 accepts any id. */
static enum torture_err check_chunk(const struct frost_object *o, uint64_t want_id, const char *what,
				    uint64_t *id_out, char *why, size_t len)
{
	unsigned char data[CHUNK_MAX];
	enum torture_err e;
	uint64_t id, sum;
	const void *p;
	size_t n, want_n;

	if ((e = check_tuple(o, 4, what, why, len)))
		return e;
	if ((e = check_int(frost_tuple_get(o, 0), "chunk id", &id, why, len)))
		return e;
	id -= CHUNK_BASE;
	if (want_id && id != want_id)
		FAIL(TE_SHAPE, "%s: chunk id %" PRIu64 ", expected %" PRIu64, what, id, want_id);
	if ((e = check_obj(frost_tuple_get(o, 1), "bytes", "chunk data", why, len)))
		return e;
	p = frost_bytes_data(frost_tuple_get(o, 1), &n);
	want_n = chunk_data(id, data);
	if (!p)
		FAIL(TE_TYPE, "%s: no bytes data", what);
	if (n != want_n || memcmp(p, data, n)) {
		if (n <= CHUNK_MAX && has_poison(p, n))
			FAIL(TE_POISON, "%s %" PRIu64 ": 0x6b poison in data", what, id);
		FAIL(TE_SUM, "%s %" PRIu64 ": data differs from its generator (len %zu, expected %zu)",
		     what, id, n, want_n);
	}
	if ((e = check_int(frost_tuple_get(o, 2), "chunk sum", &sum, why, len)))
		return e;
	if (sum != chunk_sum(id, data, n))
		FAIL(TE_SUM, "%s %" PRIu64 ": checksum mismatch", what, id);
	if ((e = torture_verify_sub(frost_tuple_get(o, 3), id, why, len)))
		return e;
	*id_out = id;
	return TE_OK;
}

enum torture_err torture_verify_chunk(const struct frost_object *o, uint64_t want_id,
				      char *why, size_t len)
{
	uint64_t id;

	return check_chunk(o, want_id, "chunk", &id, why, len);
}

static enum torture_err check_node(const struct frost_object *o, unsigned int slot, uint64_t gen,
				   uint64_t *child_id, char *why, size_t len)
{
	const struct tnode *n = (const struct tnode *)(const void *)o;
	enum torture_err e;
	uint64_t id;

	if (!o)
		FAIL(TE_SHAPE, "node: missing");
	if (o->type != &torture_node_type) {
		/* Not ours: classify through the generic check. */
		if ((e = check_obj(o, "torture-node", "node", why, len)))
			return e;
		FAIL(TE_TYPE, "node: wrong type pointer");
	}
	if (!frost_is_shared(o))
		FAIL(TE_FREED, "node %p: count %#" PRIx64 " is not immortal", (const void *)o, o->refcnt);
	if (n->magic == TORTURE_POISON64 || n->sum == TORTURE_POISON64)
		FAIL(TE_POISON, "node %p: 0x6b poison", (const void *)o);
	if (n->magic != NODE_MAGIC)
		FAIL(TE_SUM, "node: bad magic %#" PRIx64, n->magic);
	if (n->slot != slot || n->gen != gen)
		FAIL(TE_SHAPE, "node: slot %" PRIu64 " gen %" PRIu64 ", expected %u %" PRIu64,
		     n->slot, n->gen, slot, gen);
	if (n->sum != node_sum(n->slot, n->gen, n->child_id))
		FAIL(TE_SUM, "node: checksum mismatch");
	if (!n->child_id != !n->child)
		FAIL(TE_SHAPE, "node: child id %" PRIu64 " but child %p", n->child_id, (void *)n->child);
	if (n->child && (e = check_chunk(n->child, n->child_id, "node child chunk", &id, why, len)))
		return e;
	*child_id = n->child_id;
	return TE_OK;
}

enum torture_err torture_verify_slot(struct frost_object *o, int expect_slot,
				     struct slot_info *info, char *why, size_t len)
{
	char text[PAYLOAD_MAX], name[32];
	struct frost_object *map;
	uint64_t gen, slot, mgen, mchunk, chunk_id, child_id, sum;
	enum torture_err e;
	const char *s;
	size_t n;

	if ((e = check_tuple(o, 7, "slot structure", why, len)))
		return e;
	if ((e = check_int(frost_tuple_get(o, 0), "generation", &gen, why, len)))
		return e;
	gen -= GEN_BASE;
	map = frost_tuple_get(o, 1);
	if ((e = check_obj(map, "map", "meta map", why, len)))
		return e;
	if (frost_map_len(map) != 3)
		FAIL(TE_SHAPE, "meta map: %zu keys, expected 3", frost_map_len(map));
	if ((e = check_int(frost_map_get(map, frost_int_new(NULL, 0)), "meta slot", &slot, why, len)) ||
	    (e = check_int(frost_map_get(map, frost_int_new(NULL, 1)), "meta gen", &mgen, why, len)) ||
	    (e = check_int(frost_map_get(map, frost_int_new(NULL, 2)), "meta chunk", &mchunk, why, len)))
		return e;
	slot -= SLOT_BASE;
	mgen -= GEN_BASE;
	mchunk -= CHUNK_BASE;
	if (slot > 1u << 20)
		FAIL(TE_SHAPE, "meta map: slot %" PRIu64 " out of range", slot);
	if (expect_slot >= 0 && slot != (uint64_t)expect_slot)
		FAIL(TE_SHAPE, "slot %" PRIu64 " found under the name of slot %d", slot, expect_slot);
	if (mgen != gen)
		FAIL(TE_SUM, "slot %" PRIu64 ": generation %" PRIu64 " but map says %" PRIu64,
		     slot, gen, mgen);

	if ((e = check_obj(frost_tuple_get(o, 2), "str", "payload", why, len)))
		return e;
	s = frost_str_data(frost_tuple_get(o, 2), &n);
	if (!s)
		FAIL(TE_TYPE, "payload: no text");
	if (n != payload_text((unsigned int)slot, gen, text) || memcmp(s, text, n)) {
		if (n < (1u << 20) && has_poison((const unsigned char *)s, n))
			FAIL(TE_POISON, "slot %" PRIu64 " gen %" PRIu64 ": 0x6b poison in payload",
			     slot, gen);
		FAIL(TE_SUM, "slot %" PRIu64 " gen %" PRIu64 ": payload differs from its generator",
		     slot, gen);
	}
	if ((e = check_chunk(frost_tuple_get(o, 3), mchunk, "chunk", &chunk_id, why, len)))
		return e;
	if ((e = check_node(frost_tuple_get(o, 4), (unsigned int)slot, gen, &child_id, why, len)))
		return e;

	if ((e = check_obj(frost_tuple_get(o, 5), "str", "interned name", why, len)))
		return e;
	snprintf(name, sizeof(name), "slot-%" PRIu64, slot);
	s = frost_str_data(frost_tuple_get(o, 5), &n);
	if (!s || strcmp(s, name))
		FAIL(TE_SUM, "slot %" PRIu64 ": interned name differs", slot);
	if ((e = check_int(frost_tuple_get(o, 6), "checksum", &sum, why, len)))
		return e;
	if (sum != slot_sum((unsigned int)slot, gen, chunk_id, child_id,
			    payload_text((unsigned int)slot, gen, text)))
		FAIL(TE_SUM, "slot %" PRIu64 " gen %" PRIu64 ": checksum mismatch", slot, gen);
	info->slot = (unsigned int)slot;
	info->gen = gen;
	info->chunk_id = chunk_id;
	return TE_OK;
}

enum torture_err torture_verify_msg(struct frost_object *o, uint64_t *seq, unsigned int *sender,
				    struct slot_info *info, char *why, size_t len)
{
	enum torture_err e;
	uint64_t q, snd, sum;

	if ((e = check_tuple(o, 4, "message", why, len)) ||
	    (e = check_int(frost_tuple_get(o, 0), "message seq", &q, why, len)) ||
	    (e = check_int(frost_tuple_get(o, 1), "message sender", &snd, why, len)))
		return e;
	q -= SEQ_BASE;
	snd -= SEQ_BASE;
	if ((e = torture_verify_slot(frost_tuple_get(o, 2), -1, info, why, len)))
		return e;
	if ((e = check_int(frost_tuple_get(o, 3), "message sum", &sum, why, len)))
		return e;
	if (sum != sum2(sum2(q, snd), info->gen))
		FAIL(TE_SUM, "message %" PRIu64 " from %" PRIu64 ": checksum mismatch", q, snd);
	*seq = q;
	*sender = (unsigned int)snd;
	return TE_OK;
}

enum torture_err torture_verify_keep(struct frost_object *o, uint64_t *seq,
				     struct slot_info *info, char *why, size_t len)
{
	enum torture_err e;
	uint64_t q, sum;

	if ((e = check_tuple(o, 3, "keeper wrapper", why, len)) ||
	    (e = check_int(frost_tuple_get(o, 0), "wrapper seq", &q, why, len)))
		return e;
	q -= SEQ_BASE;
	if ((e = torture_verify_slot(frost_tuple_get(o, 1), -1, info, why, len)))
		return e;
	if ((e = check_int(frost_tuple_get(o, 2), "wrapper sum", &sum, why, len)))
		return e;
	if (sum != sum2(sum2(q, info->slot), sum2(info->gen, info->chunk_id)))
		FAIL(TE_SUM, "wrapper %" PRIu64 ": checksum mismatch", q);
	*seq = q;
	return TE_OK;
}
