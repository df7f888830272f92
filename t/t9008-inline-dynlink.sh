#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t9008-inline-dynlink: the inline accessors of <frost/types.h> compare an
# object's type with the exported type objects (frost_tuple_type, ...). A
# program linked against libfrost.so that takes such an address directly
# (position-dependent code, and gcc's PIE) gets a copy relocation: its own
# copy of the object, to which the dynamic linker binds every reference.
# The library must then stamp its objects with the copy's address too, or
# every inline check would fail. This builds a small program both ways
# (-no-pie, checked to hold a copy relocation, and the default), links it
# against libfrost.so only, and runs it: each inline accessor must succeed
# on objects the library made, and agree with the exported function.
. "$(dirname "$0")/lib-tap.sh"

[ -z "${FROST_SANITIZE:-}" ] || skip_all "a sanitized libfrost.so needs the sanitizer's runtime"
so=$(ls "$FROST_OBJTREE"/libfrost.so.0.* 2>/dev/null | head -n 1)
[ -n "$so" ] || { echo "Bail out! no libfrost.so.0.* in $FROST_OBJTREE"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/prog.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <frost/frost.h>

#define CHECK(c) do { if (!(c)) { printf("failed: %s\n", #c); return 1; } } while (0)

int main(void)
{
	struct frost_heap *heap = frost_heap_create(NULL);
	struct frost_sandbox *sb = heap ? frost_sandbox_attach(heap) : NULL;
	struct frost_object *it[5], *t;
	int64_t iv = 0;
	double dv = 0;
	bool bv = false;
	size_t len = 0;

	CHECK(sb);
	it[0] = frost_int_new(sb, 123456789);
	it[1] = frost_int_new(sb, 7);		/* a static small int */
	it[2] = frost_float_new(sb, 1.5);
	it[3] = frost_str_new(sb, "abc", 3);
	it[4] = frost_bytes_new(sb, "xy", 2);
	t = frost_tuple_new(sb, 5, it);
	CHECK(t);
	CHECK(t->type == &frost_tuple_type);
	CHECK(frost_tuple_len(t) == 5);
	CHECK(frost_tuple_get(t, 3) == it[3]);
	CHECK(frost_int_get(frost_tuple_get(t, 0), &iv) == 0 && iv == 123456789);
	CHECK(frost_int_get(frost_tuple_get(t, 1), &iv) == 0 && iv == 7);
	CHECK(frost_float_get(it[2], &dv) == 0 && dv == 1.5);
	CHECK(frost_bool_get(frost_bool(true), &bv) == 0 && bv);
	CHECK(!strcmp(frost_str_data(it[3], &len), "abc") && len == 3);
	CHECK(!memcmp(frost_bytes_data(it[4], &len), "xy", 2) && len == 2);
	/* The exported functions see the same objects the same way. */
	CHECK((frost_tuple_len)(t) == 5 && (frost_int_get)(it[0], &iv) == 0);
	CHECK(frost_tuple_get(t, 5) == NULL && (frost_tuple_get)(t, 5) == NULL);
	CHECK(frost_int_get(it[2], &iv) == -EINVAL);
	frost_decref(t);
	for (int k = 0; k < 5; k++)
		frost_decref(it[k]);
	frost_sandbox_detach(sb);
	frost_heap_destroy(heap);
	puts("ok");
	return 0;
}
C

# build NAME FLAGS...: compile and link prog.c against libfrost.so alone.
build() {
	name=$1; shift
	${CC:-cc} -std=gnu11 -O2 -Wall -Wextra -Werror "$@" -I"$FROST_OBJTREE/include" -I"$FROST_SRCTREE/include" \
		-o "$tmp/$name" "$tmp/prog.c" -L"$FROST_OBJTREE" -Wl,-rpath,"$FROST_OBJTREE" -lfrost
}
runs() {
	out=$("$tmp/$1") && [ "$out" = ok ] || { echo "$out"; return 1; }
}
copy_reloc() {
	readelf -rW "$tmp/nopie" | grep -E 'R_[A-Z0-9_]*COPY' | grep -q 'frost_tuple_type'
}

ok "builds position-dependent (-no-pie) against libfrost.so" -- build nopie -fno-pie -no-pie
ok "which copy-relocates frost_tuple_type" -- copy_reloc
ok "and its inline accessors work on the library's objects" -- runs nopie
ok "builds as the compiler's default (PIE) against libfrost.so" -- build pie
ok "and its inline accessors work on the library's objects" -- runs pie
done_testing
