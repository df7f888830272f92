#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t9012-debian-symbols: debian/libfrost0.symbols lists exactly what
# libfrost.so exports (scripts/debian-symbols --check), so the Debian
# package's dependencies follow the ABI. A function added to the library
# without updating the file fails here: run scripts/debian-symbols. The
# check itself is checked with a symbol removed from a copy.
. "$(dirname "$0")/lib-tap.sh"

[ -z "${FROST_SANITIZE:-}" ] || skip_all "tested on the plain build"
lib=$FROST_OBJTREE/libfrost.so
[ -e "$lib" ] || skip_all "libfrost.so not built"
grep -q '^CONFIG_FROST_DEBUG=y' "$FROST_OBJTREE/.config" &&
	skip_all "the package is a release build (frost_config_debug is exported here)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

catches_missing() {
	mkdir -p "$tmp/tree/scripts" "$tmp/tree/debian" "$tmp/tree/include/frost" &&
	cp "$FROST_SRCTREE/scripts/debian-symbols" "$tmp/tree/scripts/" &&
	cp "$FROST_SRCTREE/include/frost/frost.h" "$tmp/tree/include/frost/" &&
	grep -v ' frost_freeze@' "$FROST_SRCTREE/debian/libfrost0.symbols" > "$tmp/tree/debian/libfrost0.symbols" &&
	! "$tmp/tree/scripts/debian-symbols" --check "$lib" > "$tmp/out" 2>&1 &&
	grep -q '^+ frost_freeze@FROST_0.1 ' "$tmp/out"
}

ok "debian/libfrost0.symbols matches libfrost.so's exports" -- \
	"$FROST_SRCTREE/scripts/debian-symbols" --check "$lib"
ok "the check sees a symbol missing from the file" -- catches_missing
done_testing
