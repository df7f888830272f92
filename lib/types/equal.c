// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/types/equal.c - frost_equal(): structural equality without recursion.
 *
 * Theory of operation. Most comparisons are settled without looking inside
 * either object: identity, different types, a scalar's equal callback, or a
 * container's length or cached hash (equal objects hash equally, so two
 * hashable containers with different hashes differ). eq_shallow() does all
 * of that and, for a tuple or map pair that survives the quick rejects,
 * says EQ_DEEP.
 *
 * Such a pair is compared by eq_near(), plain loops that recurse into
 * child containers, but only EQ_NEAR_DEPTH levels deep: about 2 KiB
 * of C stack at most, and the speed of the obvious recursive code for the
 * shallow values nearly every program compares. A pair of containers found
 * below that depth is handed to eq_walk(), which compares it, however deep
 * it goes, on an explicit stack (lib/core/stack.h) of frames, one per
 * container pair being compared: a 10^6-deep chain costs 10^6 frames of
 * heap memory, never C stack. A frame is a small state machine:
 * frame_next() is handed the answer to the last question it asked (are
 * these two children equal?) and either asks the next one or gives its own
 * answer, which goes to the frame below it. Both compare the same way:
 *   - tuple: items pairwise, in order; the first unequal pair ends it.
 *   - map: for each entry of @a in order, probe @b's index from the key's
 *     hash; each entry of @b with the same hash is a candidate, and its key
 *     is compared with @a's (a disjunction: an unequal candidate means try
 *     the next one, an empty slot means @a's key is absent). A matching key
 *     asks for the values to be compared. Keys are distinct within a map,
 *     so at most one candidate matches.
 * Children that eq_shallow() settles are answered on the spot; only a pair
 * of containers pushes a frame. eq_walk()'s first frames live in an array
 * on the C stack (EQ_CHUNK of them), so only values more than
 * EQ_NEAR_DEPTH + EQ_CHUNK levels deep allocate.
 *
 * User types' equal callbacks are called, not walked: a callback that calls
 * frost_equal() on its children recurses through its own frames, which is
 * the user type's business; built-in containers never recurse.
 *
 * Failure: a frame push that cannot get memory ends the walk with -ENOMEM.
 * frost_equal() then returns false with errno ENOMEM: it never claims
 * equality it has not established. Internal callers (map lookup and
 * construction) use __frost_equal(), which reports the error, so that they
 * can fail with ENOMEM instead of giving a wrong answer.
 */
#include <errno.h>

#include "core/stack.h"
#include "types/types.h"

#define EQ_DEEP		2	/* eq_shallow(): a container pair to walk */
#define EQ_ASK		3	/* frame_next(): compare *x and *y, then call again */
#define EQ_NEAR_DEPTH	8	/* container levels compared by (bounded) recursion */
#define EQ_CHUNK	16	/* eq_walk() frames on the C stack before malloc */

static inline const struct frost_tuple *to_tuple(const struct frost_object *o)
{
	return __frost_container_of(o, const struct frost_tuple, ob);
}

static inline const struct frost_map *to_map(const struct frost_object *o)
{
	return __frost_container_of(o, const struct frost_map, ob);
}

/* 1 equal, 0 not, or EQ_DEEP: same-type containers to compare inside. */
static inline int eq_shallow(const struct frost_object *a, const struct frost_object *b)
{
	const struct frost_type *t;

	if (unlikely(!a || !b))
		return 0;
	if (a == b)
		return 1;
	t = a->type;
	if (t != b->type)
		return 0;
	if (t == &__frost_tuple_type) {
		const struct frost_tuple *ta = to_tuple(a), *tb = to_tuple(b);

		if (ta->len != tb->len)
			return 0;
		/* Hashes that are known (0: not computed, or unhashable). */
		if (ta->hash && tb->hash && ta->hash != tb->hash)
			return 0;
		return ta->len ? EQ_DEEP : 1;
	}
	if (t == &__frost_map_type) {
		const struct frost_map *ma = to_map(a), *mb = to_map(b);

		if (ma->len != mb->len)
			return 0;
		if (ma->hashable && mb->hashable && ma->hash != mb->hash)
			return 0;
		return ma->len ? EQ_DEEP : 1;
	}
	if (!t->equal)
		return 0;	/* identity, and a != b */
	return t->equal(a, b);
}

enum eq_state {
	EQ_START,	/* nothing asked yet */
	EQ_ITEM,	/* tuple: asked about items[i] */
	EQ_KEY,		/* map: asked about @b's entry at index slot j */
	EQ_VAL,		/* map: asked about the values of entry i */
};

/*
 * struct eq_frame - one container pair being compared.
 * @a, @b: the pair (same type, same length, not yet known to differ).
 * @i: tuple: the item asked about; map: the entry of @a being matched.
 * @j: map: the slot of @b's index holding the candidate asked about.
 * @state: what was asked last (enum eq_state).
 */
struct eq_frame {
	const struct frost_object *a, *b;
	size_t i;
	size_t j;
	enum eq_state state;
};

/*
 * Map: from slot @f->j of @b's index, find the next entry with @a's entry
 * @f->i's hash and ask about its key; 0 if an empty slot comes first.
 */
static int map_probe(struct eq_frame *f, const struct frost_object **x,
		     const struct frost_object **y)
{
	const struct frost_map *ma = to_map(f->a), *mb = to_map(f->b);
	const struct frost_map_entry *ea = &ma->entries[f->i];
	const uint32_t *idx = __frost_map_index(mb);
	size_t mask = mb->index_size - 1;
	uint32_t slot;

	for (; (slot = idx[f->j]) != 0; f->j = (f->j + 1) & mask) {
		const struct frost_map_entry *eb = &mb->entries[slot - 1];

		if (eb->hash == ea->hash) {
			f->state = EQ_KEY;
			*x = eb->key;
			*y = ea->key;
			return EQ_ASK;
		}
	}
	return 0;
}

/* Map: start matching @a's entry @f->i in @b. */
static int map_begin_entry(struct eq_frame *f, const struct frost_object **x,
			   const struct frost_object **y)
{
	const struct frost_map *mb = to_map(f->b);

	f->j = (size_t)to_map(f->a)->entries[f->i].hash & (mb->index_size - 1);
	return map_probe(f, x, y);
}

/*
 * frame_next() - advance frame @f, given @res, the answer to its last
 * question (ignored by a new frame).
 * Return: EQ_ASK with the next pair to compare in *@x and *@y, or the
 * frame's own answer, 1 or 0.
 */
static int frame_next(struct eq_frame *f, int res, const struct frost_object **x,
		      const struct frost_object **y)
{
	if (f->a->type == &__frost_tuple_type) {
		const struct frost_tuple *ta = to_tuple(f->a), *tb = to_tuple(f->b);

		if (f->state == EQ_START) {
			f->state = EQ_ITEM;
			f->i = 0;
		} else if (!res) {
			return 0;
		} else if (++f->i == ta->len) {
			return 1;
		}
		*x = ta->items[f->i];
		*y = tb->items[f->i];
		return EQ_ASK;
	}

	switch (f->state) {
	case EQ_START:
		f->i = 0;
		return map_begin_entry(f, x, y);
	case EQ_KEY: {
		const struct frost_map *ma = to_map(f->a), *mb = to_map(f->b);
		const struct frost_map_entry *eb;

		if (!res) {
			/* Not this candidate: keep probing. */
			f->j = (f->j + 1) & (mb->index_size - 1);
			return map_probe(f, x, y);
		}
		eb = &mb->entries[__frost_map_index(mb)[f->j] - 1];
		f->state = EQ_VAL;
		*x = ma->entries[f->i].val;
		*y = eb->val;
		return EQ_ASK;
	}
	case EQ_VAL:
		if (!res)
			return 0;
		if (++f->i == to_map(f->a)->len)
			return 1;
		return map_begin_entry(f, x, y);
	default:
		frost_assert(0);
		return 0;
	}
}

static struct eq_frame *frame_push(struct __frost_stack *st, const struct frost_object *a,
				   const struct frost_object *b)
{
	struct eq_frame *f = __frost_stack_push(st);

	if (likely(f)) {
		f->a = a;
		f->b = b;
		f->state = EQ_START;
	}
	return f;
}

/*
 * Compare containers @a and @b that eq_shallow() could not settle. Never
 * inlined: its chunk of frames must not sit in every eq_near() frame.
 */
__attribute__((noinline))
static int eq_walk(const struct frost_object *a, const struct frost_object *b)
{
	struct eq_frame chunk[EQ_CHUNK];
	struct __frost_stack st;
	int res = 1, ret;

	__frost_stack_init(&st, chunk, EQ_CHUNK, sizeof(chunk[0]));
	frame_push(&st, a, b);		/* fits in the chunk */
	for (;;) {
		const struct frost_object *x, *y;
		int step = frame_next(__frost_stack_top(&st), res, &x, &y);

		if (step != EQ_ASK) {
			/* The frame has its answer: hand it to the one below. */
			__frost_stack_drop(&st);
			if (__frost_stack_empty(&st)) {
				ret = step;
				break;
			}
			res = step;
			continue;
		}
		res = eq_shallow(x, y);
		if (res != EQ_DEEP)
			continue;
		if (unlikely(!frame_push(&st, x, y))) {
			ret = -ENOMEM;
			break;
		}
	}
	__frost_stack_release(&st);
	return ret;
}

static int eq_near(const struct frost_object *a, const struct frost_object *b,
		   unsigned int depth);

/* Compare children @x and @y, @depth more levels of C recursion allowed. */
static inline int eq_child(const struct frost_object *x, const struct frost_object *y,
			   unsigned int depth)
{
	int r = eq_shallow(x, y);

	if (likely(r != EQ_DEEP))
		return r;
	if (depth)
		return eq_near(x, y, depth - 1);
	return eq_walk(x, y);
}

/*
 * eq_near() - compare containers @a and @b that eq_shallow() could not
 * settle, recursing at most @depth more levels; below that, eq_walk().
 * The same comparison as frame_next(), written as plain loops: the fast
 * path for the shallow values most programs compare.
 */
static int eq_near_tuple(const struct frost_tuple *ta, const struct frost_tuple *tb,
			 unsigned int depth)
{
	for (size_t i = 0; i < ta->len; i++) {
		int r = eq_child(ta->items[i], tb->items[i], depth);

		if (r <= 0)
			return r;
	}
	return 1;
}

static int eq_near_map(const struct frost_map *ma, const struct frost_map *mb,
		       unsigned int depth)
{
	const uint32_t *idx = __frost_map_index(mb);
	size_t mask = mb->index_size - 1;

	for (size_t i = 0; i < ma->len; i++) {
		const struct frost_map_entry *ea = &ma->entries[i], *eb = NULL;
		uint32_t slot;
		int r;

		for (size_t j = (size_t)ea->hash & mask; (slot = idx[j]) != 0; j = (j + 1) & mask) {
			const struct frost_map_entry *e = &mb->entries[slot - 1];

			if (e->hash != ea->hash)
				continue;
			r = eq_child(e->key, ea->key, depth);
			if (r < 0)
				return r;
			if (r) {
				eb = e;
				break;
			}
		}
		if (!eb)
			return 0;
		r = eq_child(ea->val, eb->val, depth);
		if (r <= 0)
			return r;
	}
	return 1;
}

static int eq_near(const struct frost_object *a, const struct frost_object *b,
		   unsigned int depth)
{
	if (a->type == &__frost_tuple_type)
		return eq_near_tuple(to_tuple(a), to_tuple(b), depth);
	return eq_near_map(to_map(a), to_map(b), depth);
}

int __frost_equal(const struct frost_object *a, const struct frost_object *b)
{
	int r = eq_shallow(a, b);

	if (likely(r != EQ_DEEP))
		return r;
	return eq_near(a, b, EQ_NEAR_DEPTH);
}

/* Public: see include/frost/object.h. */
bool frost_equal(const struct frost_object *a, const struct frost_object *b)
{
	int r = __frost_equal(a, b);

	if (unlikely(r < 0)) {
		errno = -r;
		return false;
	}
	return r;
}
