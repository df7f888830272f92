// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz-str - frost_str_new() and frost_str_intern() against a reference
 * UTF-8 decoder.
 *
 * Theory of operation. The whole input is one candidate text. Invariants:
 * frost_str_new() accepts it exactly when fz_utf8_valid() does (else NULL
 * with errno EILSEQ); an accepted str holds the same bytes, the same length
 * and as many characters as the reference decoded; frost_str_intern()
 * agrees on acceptance, returns a shared str equal to the private one with
 * the same hash, the same pointer when asked twice, and freezing the
 * private str gives an equal shared copy. One heap and sandbox live for the
 * whole run; a reclaim cycle every 4096 inputs keeps the shared heap small
 * and runs the intern table's weak sweep against fresh entries.
 */
#include <errno.h>
#include <frost/frost.h>
#include "fuzz.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned long runs;
	long ref = fz_utf8_valid(data, size);
	struct frost_object *s, *i1, *i2, *f;
	const char *d;
	size_t len = 0;

	errno = 0;
	s = frost_str_new(sb, (const char *)data, size);
	if (ref < 0) {
		FZ_CHECK(!s && errno == EILSEQ);
		errno = 0;
		FZ_CHECK(!frost_str_intern(sb, (const char *)data, size) && errno == EILSEQ);
		return 0;
	}
	FZ_CHECK(s);
	/* The empty str is the static one (shared, in every sandbox). */
	FZ_CHECK(size == 0 ? frost_is_shared(s) : !frost_is_shared(s));
	d = frost_str_data(s, &len);
	FZ_CHECK(d && len == size && (size == 0 || memcmp(d, data, size) == 0));
	FZ_CHECK(d[len] == '\0');
	FZ_CHECK(frost_str_length(s) == ref);

	i1 = frost_str_intern(sb, (const char *)data, size);
	i2 = frost_str_intern(sb, (const char *)data, size);
	FZ_CHECK(i1 && i1 == i2 && frost_is_shared(i1));
	FZ_CHECK(frost_equal(s, i1) && frost_equal(i1, s));
	FZ_CHECK(frost_hash(s) == frost_hash(i1));
	d = frost_str_data(i1, &len);
	FZ_CHECK(d && len == size && (size == 0 || memcmp(d, data, size) == 0));

	f = frost_freeze(sb, s);
	FZ_CHECK(f && frost_is_shared(f) && frost_equal(f, s) && frost_hash(f) == frost_hash(s));
	FZ_CHECK(frost_str_length(f) == ref);
	frost_decref(s);

	if (++runs % 4096 == 0)
		FZ_CHECK(frost_reclaim(heap) >= 0);
	frost_quiescent(sb);
	return 0;
}
