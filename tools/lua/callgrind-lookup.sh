#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tools/lua/callgrind-lookup.sh - instructions (Ir) of one lookup
# `idx[key].name` in the iso-codes index, frozen against native, in one
# Lua state: the deterministic counterpart of bench.lua's lua_lookup.
#
# Theory of operation. Lua functions cannot be named to callgrind's
# --toggle-collect, but lua_resume() can: `bench.lua --probe SIDE
# --iterations N` loads the data set, freezes it, builds the native copy
# and the shuffled keys in one state (the same for both sides), then runs
# the N passes over the keys on SIDE's index inside a coroutine, and
# callgrind collects only inside lua_resume() (callees included: the
# module's __index, the collector's steps). Each side runs with 0 and N
# passes; the difference of the two counts divided by the N x 13 649
# lookups is one lookup, loop included (the 0-pass run is the coroutine
# itself, a few thousand Ir).
#
# Usage: callgrind-lookup.sh [PASSES]   (default 4 passes over the keys)
# Environment: LUA (default lua5.4); LUA_CPATH (default: the module built
# in this tree, tools/lua/frost.so, or $FROST_OBJTREE/tools/lua).
# Output: one line per side, then
#   SUMMARY name=lua_lookup_ir frost=<Ir> baseline=<Ir> ratio=<r> unit=Ir/lookup target=1.10 verdict=...
# Exit status: 0, or 1 if a run failed, 2 on usage errors or no valgrind.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
passes=${1:-4}
lua=${LUA:-lua5.4}
case $passes in
''|*[!0-9]*|0) echo "$0: PASSES must be a number > 0" >&2; exit 2 ;;
esac
command -v valgrind >/dev/null 2>&1 || { echo "$0: valgrind not found (apt-get install valgrind)" >&2; exit 2; }
obj=${FROST_OBJTREE:-$here/../..}
: "${LUA_CPATH:=$obj/tools/lua/?.so;;}"
export LUA_CPATH

tmp=$(mktemp -d "${TMPDIR:-/tmp}/frost-cg.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# total SIDE N: the Ir collected in lua_resume() on stdout; "lookups" of the run in $tmp/n.
total() {
	out=$tmp/cg.$1.$2
	valgrind --tool=callgrind --callgrind-out-file="$out" \
		--collect-atstart=no --toggle-collect=lua_resume \
		"$lua" "$here/bench.lua" --probe "$1" --iterations "$2" > "$tmp/o" 2> "$tmp/e" || {
		cat "$tmp/e" >&2; echo "$0: the $1 run ($2 passes) failed" >&2; exit 1; }
	sed -n 's/^probe .* lookups \([0-9]*\)$/\1/p' "$tmp/o" > "$tmp/n"
	sed -n 's/^\(totals\|summary\): *\([0-9]*\).*/\2/p' "$out" | tail -n 1
}

echo "# callgrind-lookup: $lua $here/bench.lua --probe SIDE, 0 and $passes passes"
for side in frozen native; do
	t0=$(total "$side" 0)
	t1=$(total "$side" "$passes")
	n=$(cat "$tmp/n")
	[ -n "$t0" ] && [ -n "$t1" ] && [ "${n:-0}" -gt 0 ] || { echo "$0: $side: nothing counted" >&2; exit 1; }
	per=$(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.1f", (b - a) / n }')
	echo "# $side: $t0 Ir without lookups, $t1 with $n: $per Ir/lookup"
	eval "ir_$side=$per"
done
awk -v f="$ir_frozen" -v b="$ir_native" 'BEGIN {
	r = f / b
	printf "SUMMARY name=lua_lookup_ir frost=%.3f baseline=%.3f ratio=%.3f unit=Ir/lookup target=1.10 verdict=%s\n",
	       f, b, r, r <= 1.10 ? "PASS" : "MISS"
}'
