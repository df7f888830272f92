// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz-bytes-int - the bytes, int, float and bool constructors.
 *
 * Theory of operation. The input is a sequence of records, each a kind byte
 * and its operand: bytes (a length and that many bytes), an int (8 bytes),
 * a float (8 bytes, any bit pattern, NaNs included). Invariants: a value
 * reads back exactly (bytes and length, the int, the float's bits); ints in
 * [CONFIG_FROST_SMALLINT_MIN, CONFIG_FROST_SMALLINT_MAX] are the cached
 * shared object (the same pointer twice), others private; freezing gives a
 * shared copy that reads back the same and is equal with the same hash;
 * equal values hash alike (every pair of records is compared).
 */
#include <errno.h>
#include <math.h>
#include <frost/frost.h>
#include "fuzz.h"

#define MAX_ITEMS	32

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

/* @o (private or its frozen copy) reads back as the record made it. */
static void check_value(struct frost_object *o, int kind, const uint8_t *p, size_t len,
			uint64_t bits)
{
	int64_t iv;
	double dv;
	const void *d;
	size_t l = 0;

	switch (kind) {
	case 0:
		d = frost_bytes_data(o, &l);
		FZ_CHECK(d && l == len && (len == 0 || memcmp(d, p, len) == 0));
		FZ_CHECK(frost_str_data(o, NULL) == NULL);
		break;
	case 1:
		FZ_CHECK(frost_int_get(o, &iv) == 0 && iv == (int64_t)bits);
		FZ_CHECK(frost_float_get(o, &dv) == -EINVAL);
		break;
	default:
		FZ_CHECK(frost_float_get(o, &dv) == 0);
		if (isnan(dv)) {
			double want;

			memcpy(&want, &bits, sizeof(want));
			FZ_CHECK(isnan(want));
		} else {
			FZ_CHECK(memcmp(&dv, &bits, sizeof(dv)) == 0);
		}
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned long runs;
	struct frost_object *items[MAX_ITEMS], *frozen[MAX_ITEMS];
	bool nan[MAX_ITEMS];
	struct fz f = { .p = data, .n = size };
	int n = 0;

	while (n < MAX_ITEMS && f.n) {
		int kind = fz_u8(&f) % 3;
		const uint8_t *p = NULL;
		struct frost_object *o;
		uint64_t bits = 0;
		size_t len = 0;
		double dv = 0;

		if (kind == 0) {
			p = fz_bytes(&f, 255, &len);
			o = frost_bytes_new(sb, p, len);
		} else if (kind == 1) {
			bits = fz_u64(&f);
			/* Bias towards the small-int range and its edges. */
			if (bits & 1)
				bits = (uint64_t)((int64_t)(int8_t)(bits >> 8) * 9);
			o = frost_int_new(sb, (int64_t)bits);
			if ((int64_t)bits >= CONFIG_FROST_SMALLINT_MIN &&
			    (int64_t)bits <= CONFIG_FROST_SMALLINT_MAX) {
				FZ_CHECK(o && frost_is_shared(o));
				FZ_CHECK(o == frost_int_new(sb, (int64_t)bits));
			} else {
				FZ_CHECK(o && !frost_is_shared(o));
			}
		} else {
			bits = fz_u64(&f);
			memcpy(&dv, &bits, sizeof(dv));
			o = frost_float_new(sb, dv);
		}
		FZ_CHECK(o);
		check_value(o, kind, p, len, bits);
		frozen[n] = frost_freeze(sb, o);
		FZ_CHECK(frozen[n] && frost_is_shared(frozen[n]));
		check_value(frozen[n], kind, p, len, bits);
		/* NaN: equality may be identity only; the rest must hold. */
		nan[n] = kind == 2 && isnan(dv);
		if (!nan[n])
			FZ_CHECK(frost_equal(o, frozen[n]));
		FZ_CHECK(frost_hash(o) == frost_hash(frozen[n]));
		items[n++] = o;
	}
	/* Equality is symmetric and equal values hash alike. */
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < n; j++) {
			bool eq = frost_equal(items[i], items[j]);

			FZ_CHECK(eq == frost_equal(items[j], items[i]));
			if (!nan[i] && !nan[j])
				FZ_CHECK(eq == frost_equal(frozen[i], items[j]));
			if (eq)
				FZ_CHECK(frost_hash(items[i]) == frost_hash(items[j]));
		}
	}
	for (int i = 0; i < n; i++)
		frost_decref(items[i]);
	if (++runs % 4096 == 0)
		FZ_CHECK(frost_reclaim(heap) >= 0);
	frost_quiescent(sb);
	return 0;
}
