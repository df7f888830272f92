#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t9000-exports: libfrost.so exports only frost_* symbols (the version script
# and -fvisibility=hidden together) and __frost_current_sb, the thread's
# sandbox that the inline allocation paths of <frost/object.h> read, carries the soname libfrost.so.0, and
# the static library defines no global symbol outside frost_* and __frost_*;
# the accessors inline in <frost/types.h> remain exported functions.
. "$(dirname "$0")/lib-tap.sh"

so=$(ls "$FROST_OBJTREE"/libfrost.so.0.* 2>/dev/null | head -n 1)
[ -n "$so" ] || { echo "Bail out! no libfrost.so.0.* in $FROST_OBJTREE"; exit 1; }

exports_only_frost() {
	# Version-definition nodes (type A, e.g. FROST_0.1) are not symbols.
	bad=$(nm -D --defined-only "$so" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' |
	      grep -v -e '^frost_' -e '^__frost_current_sb$' || true)
	[ -z "$bad" ] || { echo "exported outside frost_*: $bad"; return 1; }
}
exports_something() {
	nm -D --defined-only "$so" | grep -q ' T frost_version'
}
inline_accessors_exported() {
	# Inline in <frost/types.h>, still exported functions for old programs
	# and for the inline versions' error paths.
	for f in frost_tuple_len frost_tuple_get frost_int_get frost_float_get \
		 frost_bool_get frost_str_data frost_bytes_data; do
		nm -D --defined-only "$so" | grep -q " T $f@" || { echo "$f not exported"; return 1; }
	done
}
soname_is_0() {
	readelf -d "$so" | grep -q 'Library soname: \[libfrost.so.0\]'
}
static_globals_prefixed() {
	# __odr_asan.* are AddressSanitizer's one-definition-rule markers.
	bad=$(nm -g --defined-only "$FROST_OBJTREE/libfrost.a" |
	      awk 'NF == 3 { print $3 }' |
	      grep -v -e '^frost_' -e '^__frost_' -e '^__odr_asan\.' || true)
	[ -z "$bad" ] || { echo "global symbols outside frost_/__frost_: $bad"; return 1; }
}

ok "shared library exports only frost_* symbols" -- exports_only_frost
ok "frost_version is exported" -- exports_something
ok "the inline accessors are exported functions too" -- inline_accessors_exported
ok "SONAME is libfrost.so.0" -- soname_is_0
ok "static library globals are frost_ or __frost_" -- static_globals_prefixed
done_testing
