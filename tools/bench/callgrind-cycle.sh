#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tools/bench/callgrind-cycle.sh - instructions (Ir) of one full reclaimer
# cycle over a fixed live set (tools/bench/cycle-ir.c), in total and in its
# marking and sweeping parts.
#
# Theory of operation. Runs cycle-ir under callgrind with collection on only
# inside bench_cycle_measured() (one frost_reclaim(), callees included), for
# each live-set shape given, and reads the inclusive Ir of the cycle, of the
# root marking (heap_roots_global: namespace walk and tracing) and of the
# sweep from callgrind_annotate --inclusive=yes.
#
# With CACHESIM=1 in the environment callgrind also simulates the caches
# (--cache-sim=yes, a 32 KiB L1D and an 8 MiB LL) and each figure is "Ir/D1mr/DLmr": instructions, L1 and
# last-level data read misses, which show what not loading an object saves
# (an Ir count does not: a load that misses is one instruction).
#
# Usage: callgrind-cycle.sh [CYCLE_IR [NAMES ITEMS KINDS]...]
#   CYCLE_IR  the cycle-ir binary (default: tools/cycle-ir next to this
#             directory, or $CYCLE_IR)
#   default shapes: 16384 8 i (ints), 16384 8 ifs (ints, floats, strs),
#             16384 8 n (static items only)
# Output: one line per shape: cycle, mark and sweep Ir, and Ir per live object.
# Exit status: 0, or 1 if a run failed, 2 on usage errors.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-${CYCLE_IR:-$here/../cycle-ir}}
[ $# -gt 0 ] && shift
if [ ! -x "$bin" ]; then
	echo "$0: $bin is not an executable cycle-ir (build it: make tools)" >&2
	exit 2
fi
if [ $# -eq 0 ]; then
	set -- 16384 8 i 16384 8 ifs 16384 8 n
fi
sim= show=Ir
if [ "${CACHESIM:-0}" = 1 ]; then
	# A fixed simulated cache (32 KiB L1D, 8 MiB LL), whatever the host.
	sim="--cache-sim=yes --D1=32768,8,64 --LL=8388608,16,64" show=Ir,D1mr,DLmr
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/frost-cgc.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

while [ $# -ge 3 ]; do
	names=$1 items=$2 kinds=$3
	shift 3
	out=$tmp/cg.$names.$items.$kinds
	if ! valgrind --tool=callgrind --callgrind-out-file="$out" $sim \
		--toggle-collect=bench_cycle_measured "$bin" "$names" "$items" "$kinds" \
		>"$tmp/stdout" 2>"$tmp/stderr"; then
		cat "$tmp/stderr" "$tmp/stdout" >&2
		exit 1
	fi
	callgrind_annotate --inclusive=yes --threshold=100 --show=$show --show-percs=no "$out" \
		>"$tmp/ann" 2>/dev/null
	# ir FUNCTION: its inclusive figures, "/"-separated, from the line
	# that names it as FILE:FUNCTION [OBJECT] (the first such line).
	ir() {
		awk -v f=":$1 " '
			index($0, f) && $0 ~ /\[/ {
				out = ""
				for (i = 1; i <= NF && $i ~ /^[0-9,.]+$/; i++) {
					gsub(",", "", $i); out = out (out == "" ? "" : "/") $i
				}
				print out; exit
			}' "$tmp/ann"
	}
	total=$(ir bench_cycle_measured)
	mark=$(ir heap_roots_global)
	sweep=$(ir sweep_page)
	echo "cycle names=$names items=$items kinds=$kinds: cycle=${total:-?} mark_roots=${mark:-?} sweep=${sweep:-?} Ir ($(grep -o 'freed=[0-9]*' "$tmp/stdout"))"
done
