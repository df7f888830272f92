#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t9007-layers: the library keeps its layer order (lib/LAYERS).
# scripts/check-layers passes on the tree; copies of lib/ with a planted
# upward include (the allocator including the reclaimer's header), a
# planted include of a sibling on the same level (freeze including the
# heap layer's header) and a planted include of a unit that is two levels
# up each fail, naming the file, the line and both units.
. "$(dirname "$0")/lib-tap.sh"

src=$FROST_SRCTREE
check=$src/scripts/check-layers
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkcopy() {
	rm -rf "$tmp/tree" && mkdir -p "$tmp/tree" && cp -R "$src/lib" "$tmp/tree/lib" &&
	find "$tmp/tree/lib" \( -name '*.o' -o -name '*.d' \) -exec rm -f {} +
}
# Append `#include "@2"` to lib/@1 of the copy; the check must fail saying @3.
fails_on() {
	mkcopy && printf '#include "%s"\n' "$2" >> "$tmp/tree/lib/$1" &&
	! "$check" "$tmp/tree" > "$tmp/out" 2>&1 &&
	grep -q "^lib/$1:[0-9]*: $3" "$tmp/out" ||
	{ cat "$tmp/out"; return 1; }
}
upward() { fails_on mm/private.c gc/gc.h 'mm (.*) includes .*gc'; }
sibling() { fails_on freeze/freeze.c heap/heap.h 'freeze (.*) includes .*heap'; }
far_up() { fails_on core/handle.h sandbox/sandbox.h 'core (.*) includes .*sandbox'; }
downward() {
	mkcopy && printf '#include "core/err.h"\n' >> "$tmp/tree/lib/gc/mark.c" &&
	"$check" "$tmp/tree"
}

plan 5
ok "the tree keeps the layer order" -- "$check" "$src"
ok "an upward include fails" -- upward
ok "an include of a sibling on the same level fails" -- sibling
ok "an include two levels up fails" -- far_up
ok "a downward include is fine" -- downward
