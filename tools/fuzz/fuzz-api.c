// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz-api - an API-sequence interpreter over two sandboxes.
 *
 * Theory of operation. Each input is a program for one manual heap (made
 * once, in LLVMFuzzerInitialize(), with its channel) and two sandboxes:
 * A, attached by the fuzzer's thread, and B, a spawned sandbox whose thread
 * executes the operations shipped to it. Each input
 * byte is an operation (bit 7 picks the sandbox, the rest the operation)
 * followed by its operands: create objects (int, float, str, bytes, tuple,
 * map, list), freeze, publish, replace, lookup, unpublish, pin, unpin,
 * send, receive, intern, reclaim, quiescent, offline/online, drop, check.
 * The two threads run in lockstep: when the program switches sandboxes the
 * outgoing one goes offline (a quiescent state), so a reclaim cycle run by
 * either may scan the other as an offline sandbox.
 *
 * The interpreter keeps a model and follows the lifetime rules exactly:
 * shared objects a sandbox obtained ("held") are forgotten at its next
 * quiescent state (reclaim, quiescent, offline, a switch); kept are its
 * private objects (and the shared ones they reference), its pins, the
 * namespace and the channel. Invariants checked:
 *  - every call returns success or exactly the error the model predicts
 *    (EILSEQ for bad UTF-8, EINVAL for an unhashable map key, EPERM when
 *    freezing a list, EAGAIN for a replace mismatch or a full/empty
 *    channel, ENOENT for an unbound name or an unpinned object);
 *  - a frozen object is shared, equal to its source, with the same deep
 *    fingerprint (type, values, children, in order);
 *  - a lookup returns exactly the object the model says is bound, a receive
 *    exactly the one at the head of the modelled queue;
 *  - after every reclaim cycle every root (published, queued, pinned, and
 *    what the current sandbox's private objects reference) still has the
 *    fingerprint it had when it became a root: nothing reachable was freed
 *    (a freed slot reads as the "<freed>" type, or poison under
 *    CONFIG_FROST_DEBUG).
 * After each input every root is removed again (names unpublished, the
 * channel drained, pins dropped, private objects released), so the next
 * input starts from an empty model; a reclaim cycle every 64 inputs frees
 * the garbage. An input runs at most MAX_CYCLES cycles of its own (a cycle
 * takes milliseconds); further reclaim operations are quiescent states. LeakSanitizer (libFuzzer's -detect_leaks) checks that an
 * input leaves no unreachable memory behind.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <frost/frost.h>
#include "fuzz.h"

#define NPRIV		8
#define NHELD		8
#define NPIN		8
#define NNAMES		4
#define CHAN_CAP	4
#define MAX_OPS		256
#define MAX_CYCLES	4	/* reclaim cycles per input (each takes ms) */

enum op {
	OP_INT, OP_FLOAT, OP_STR, OP_BYTES, OP_TUPLE, OP_MAP, OP_LIST, OP_FREEZE,
	OP_PUBLISH, OP_REPLACE, OP_LOOKUP, OP_UNPUBLISH, OP_PIN, OP_UNPIN,
	OP_SEND, OP_RECV, OP_INTERN, OP_RECLAIM, OP_QUIESCENT, OP_OFFLINE,
	OP_DROP, OP_CHECK, NR_OPS
};

struct rooted {
	struct frost_object *obj;
	uint64_t fp;
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
	unsigned int cycles;		/* reclaims run by this input */
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
/* Deep fingerprints                                                   */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + UINT64_C(0x9e3779b97f4a7c15) + (h << 6) + (h >> 2);
	return h * UINT64_C(0xff51afd7ed558ccd);
}

static uint64_t mix_bytes(uint64_t h, const void *p, size_t len)
{
	const unsigned char *c = p;

	h = mix(h, len);
	for (size_t i = 0; i < len; i++)
		h = mix(h, c[i]);
	return h;
}

static uint64_t fingerprint(const struct frost_object *o)
{
	const char *t = frost_type_name(o);
	uint64_t h = mix_bytes(1, t, strlen(t));
	struct frost_object *k, *v;
	const void *d;
	size_t len = 0;
	int64_t iv;
	double dv;
	bool bv;

	FZ_CHECK(strcmp(t, "<freed>") != 0);
	if (frost_int_get(o, &iv) == 0)
		return mix(h, (uint64_t)iv);
	if (frost_float_get(o, &dv) == 0)
		return mix_bytes(h, &dv, sizeof(dv));
	if (frost_bool_get(o, &bv) == 0)
		return mix(h, bv);
	if ((d = frost_str_data(o, &len)) != NULL || (d = frost_bytes_data(o, &len)) != NULL)
		return mix_bytes(h, d, len);
	if (!strcmp(t, "tuple")) {
		for (size_t i = 0; i < frost_tuple_len(o); i++)
			h = mix(h, fingerprint(frost_tuple_get(o, i)));
		return h;
	}
	if (!strcmp(t, "list")) {
		for (size_t i = 0; i < frost_list_len(o); i++)
			h = mix(h, fingerprint(frost_list_get(o, i)));
		return h;
	}
	if (!strcmp(t, "map")) {
		for (size_t i = 0; frost_map_item(o, i, &k, &v) == 0; i++)
			h = mix(mix(h, fingerprint(k)), fingerprint(v));
		return h;
	}
	FZ_CHECK(!strcmp(t, "NoneType") || !strcmp(t, "none") || o == frost_none());
	return h;
}

/* Does @o hold a list (then freezing it fails with EPERM)? */
static bool has_list(const struct frost_object *o)
{
	const char *t = frost_type_name(o);
	struct frost_object *k, *v;

	if (!strcmp(t, "list"))
		return true;
	if (!strcmp(t, "tuple")) {
		for (size_t i = 0; i < frost_tuple_len(o); i++)
			if (has_list(frost_tuple_get(o, i)))
				return true;
	}
	if (!strcmp(t, "map")) {
		for (size_t i = 0; frost_map_item(o, i, &k, &v) == 0; i++)
			if (has_list(k) || has_list(v))
				return true;
	}
	return false;
}

/* Is @o usable as a map key? Lists are not, nor tuples holding them. */
static bool hashable(const struct frost_object *o)
{
	const char *t = frost_type_name(o);
	struct frost_object *k, *v;

	if (!strcmp(t, "list"))
		return false;
	if (!strcmp(t, "tuple")) {
		for (size_t i = 0; i < frost_tuple_len(o); i++)
			if (!hashable(frost_tuple_get(o, i)))
				return false;
	}
	if (!strcmp(t, "map")) {
		for (size_t i = 0; frost_map_item(o, i, &k, &v) == 0; i++)
			if (!hashable(v))
				return false;
	}
	return true;
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

/* Every root reached from @s's point of view kept its contents. */
static void check_roots(struct side *s)
{
	for (int i = 0; i < NNAMES; i++) {
		struct frost_object *o;

		errno = 0;
		o = frost_lookup(s->sb, names[i]);
		FZ_CHECK(o == st.name[i].obj);
		FZ_CHECK(o || errno == ENOENT);
		if (o)
			FZ_CHECK(fingerprint(o) == st.name[i].fp);
	}
	for (unsigned int i = 0; i < st.q_len; i++) {
		struct rooted *r = &st.queue[(st.q_head + i) % CHAN_CAP];

		FZ_CHECK(fingerprint(r->obj) == r->fp);
	}
	for (int i = 0; i < NPIN; i++)
		if (s->pin[i].obj)
			FZ_CHECK(fingerprint(s->pin[i].obj) == s->pin[i].fp);
	for (int i = 0; i < NPRIV; i++)
		if (s->priv[i].obj)
			FZ_CHECK(fingerprint(s->priv[i].obj) == s->priv[i].fp);
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
		st.name[i].obj = o;
		st.name[i].fp = fingerprint(o);
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
			st.name[i].obj = o;
			st.name[i].fp = fingerprint(o);
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
		st.name[i].obj = NULL;
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
	/* B runs until the process ends; it parks offline between inputs. */
	FZ_CHECK(frost_sandbox_spawn(st.heap, side_b, NULL));
	while (sem_wait(&st.done))
		;
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
	if (++runs % 64 == 0)
		FZ_CHECK(frost_reclaim(st.heap) >= 0);
	frost_quiescent(a);
	return 0;
}
