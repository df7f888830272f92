// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz-map - frost_map_new() from decoded key/value lists.
 *
 * Theory of operation. The input decodes into up to 48 (key, value) pairs.
 * Keys and values are drawn from a small universe so that duplicates are
 * common: ints (small and large), floats with integral values, bools and
 * None, short strs, bytes, tuples of ints, and lists (unhashable). The
 * reference model is a list of distinct keys under frost_equal(), each with
 * the value of its last occurrence. Invariants: with an unhashable key
 * frost_map_new() fails with EINVAL; otherwise frost_map_len() is the
 * number of distinct keys, frost_map_get() of every key (every occurrence,
 * i.e. every equal object) returns the last value given for it, the
 * iteration order (frost_map_item()) lists each distinct key once with
 * that value, and equal keys hash alike. A map without lists inside is
 * frozen and the same holds for the frozen copy (values compared with
 * frost_equal, since they are copies), which is equal to the private map
 * and hashes alike.
 */
#include <errno.h>
#include <frost/frost.h>
#include "fuzz.h"

#define MAX_PAIRS	48

static struct frost_heap *heap;
static struct frost_sandbox *sb;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_open(&heap, &sb);
	return 0;
}

/* One object from the universe; *@mutable set if it is (or holds) a list. */
static struct frost_object *make_obj(struct fz *f, int depth, bool *mutable)
{
	static const char *const words[] = { "", "a", "b", "ab", "\xc3\xa9", "key", "a\0b" };
	uint8_t k = fz_u8(f), v = fz_u8(f);
	struct frost_object *o, *items[4];
	size_t n;

	switch (k % 9) {
	case 0:
		return frost_int_new(sb, (int64_t)(v % 8) - 2);
	case 1:
		return frost_int_new(sb, (INT64_C(1) << 40) + v % 4);
	case 2:
		return frost_float_new(sb, (double)(v % 6) - 1);
	case 3:
		return v & 4 ? frost_none() : frost_bool(v & 1);
	case 4:
		n = v % 7;
		return frost_str_new(sb, words[n], n == 6 ? 3 : strlen(words[n]));
	case 5:
		return frost_bytes_new(sb, words[v % 4], strlen(words[v % 4]));
	case 6:
	case 7:
		if (depth > 1)
			return frost_int_new(sb, v % 3);
		n = v % 4;
		for (size_t i = 0; i < n; i++)
			items[i] = make_obj(f, depth + 1, mutable);
		o = frost_tuple_new(sb, n, items);
		for (size_t i = 0; i < n; i++)
			frost_decref(items[i]);
		return o;
	default:
		*mutable = true;
		o = frost_list_new(sb);
		if (o && v & 1) {
			struct frost_object *i = frost_int_new(sb, v);

			FZ_CHECK(frost_list_append(sb, o, i) == 0);
			frost_decref(i);
		}
		return o;
	}
}

static bool hashable(const struct frost_object *o)
{
	if (!strcmp(frost_type_name(o), "list"))
		return false;
	if (!strcmp(frost_type_name(o), "tuple")) {
		for (size_t i = 0; i < frost_tuple_len(o); i++)
			if (!hashable(frost_tuple_get(o, i)))
				return false;
	}
	return true;
}

static void check_map(struct frost_object *m, size_t n, struct frost_object *const keys[],
		      struct frost_object *const vals[], size_t nd, const size_t *last,
		      bool copies)
{
	FZ_CHECK(frost_map_len(m) == nd);
	for (size_t i = 0; i < n; i++) {
		struct frost_object *got;
		size_t want = SIZE_MAX;

		/* The last pair whose key equals keys[i]. */
		for (size_t j = 0; j < n; j++)
			if (frost_equal(keys[j], keys[i]))
				want = j;
		FZ_CHECK(want != SIZE_MAX);
		errno = 0;
		got = frost_map_get(m, keys[i]);
		FZ_CHECK(got);
		if (copies)
			FZ_CHECK(frost_equal(got, vals[want]) || got == vals[want]);
		else
			FZ_CHECK(got == vals[want]);
	}
	for (size_t e = 0; e < nd; e++) {
		struct frost_object *k, *v;
		size_t seen = 0;

		FZ_CHECK(frost_map_item(m, e, &k, &v) == 0);
		for (size_t d = 0; d < nd; d++)
			if (frost_equal(k, keys[last[d]]))
				seen++;
		FZ_CHECK(seen == 1);
		FZ_CHECK(frost_map_get(m, k) == v);
	}
	FZ_CHECK(frost_map_item(m, nd, NULL, NULL) == -ERANGE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned long runs;
	struct frost_object *keys[MAX_PAIRS], *vals[MAX_PAIRS], *m, *fm;
	struct fz f = { .p = data, .n = size };
	size_t n = fz_u8(&f) % (MAX_PAIRS + 1), nd = 0, last[MAX_PAIRS];
	bool key_unhashable = false, mutable = false, val_mutable[MAX_PAIRS];

	for (size_t i = 0; i < n; i++) {
		bool km = false;

		val_mutable[i] = false;
		keys[i] = make_obj(&f, 0, &km);
		vals[i] = make_obj(&f, 0, &val_mutable[i]);
		FZ_CHECK(keys[i] && vals[i]);
		if (!hashable(keys[i]))
			key_unhashable = true;
	}
	/* Reference: distinct keys, each remembered at its last occurrence. */
	if (!key_unhashable) {
		for (size_t i = 0; i < n; i++) {
			size_t d;

			for (d = 0; d < nd; d++) {
				if (frost_equal(keys[last[d]], keys[i])) {
					FZ_CHECK(frost_hash(keys[last[d]]) == frost_hash(keys[i]));
					last[d] = i;
					break;
				}
			}
			if (d == nd)
				last[nd++] = i;
		}
		/* Only the values kept (last of each key) end up in the map. */
		for (size_t d = 0; d < nd; d++)
			mutable |= val_mutable[last[d]];
	}

	errno = 0;
	m = frost_map_new(sb, n, keys, vals);
	if (key_unhashable) {
		FZ_CHECK(!m && errno == EINVAL);
	} else {
		FZ_CHECK(m);
		check_map(m, n, keys, vals, nd, last, false);
		errno = 0;
		fm = frost_freeze(sb, m);
		if (mutable) {
			FZ_CHECK(!fm && errno == EPERM);
		} else {
			FZ_CHECK(fm && frost_is_shared(fm));
			check_map(fm, n, keys, vals, nd, last, true);
			FZ_CHECK(frost_equal(m, fm) && frost_equal(fm, m));
			FZ_CHECK(frost_hash(m) == frost_hash(fm));
		}
		frost_decref(m);
	}
	for (size_t i = 0; i < n; i++) {
		frost_decref(keys[i]);
		frost_decref(vals[i]);
	}
	if (++runs % 4096 == 0)
		FZ_CHECK(frost_reclaim(heap) >= 0);
	frost_quiescent(sb);
	return 0;
}
