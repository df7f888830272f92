#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tools/bench/callgrind-read.sh - instructions (Ir) per read operation of
# each `frost-bench read` variant, which timing on a noisy 2-vCPU machine
# cannot resolve.
#
# Theory of operation. Each variant runs under callgrind with one reader and
# no writer (`read --variant V --readers 1 --writers 0 --reps 1`), collection
# switched on only inside its operation function (--toggle-collect=
# bench_read_<variant>_op: lookup, reference, walk of the tuple, callees
# included). Callgrind still records the calls into that function, so
# Ir per op = the collected total / the number of calls, read from the
# uncompressed output (--compress-strings=no). Not counted: the reader
# loop around the op (for frost and urcu, one quiescent state per 64 ops,
# ~1.4 ns), valgrind's start-up and the driver.
#
# Usage: callgrind-read.sh [FROST_BENCH [SECONDS]]
#   FROST_BENCH  the frost-bench binary (default: tools/frost-bench next to
#                this directory, or $FROST_BENCH)
#   SECONDS      --duration of each run (default 0.5; under valgrind a
#                run does ~40 k ops per second)
# Output: one line per variant, then
#   SUMMARY name=read_ideal_ir frost=<Ir/op> baseline=<Ir/op> ratio=<r> unit=Ir/op
#   (and read_atomic_ir, read_rwlock_ir, read_urcu_ir: frost against each;
#   read_binding_ideal_ir: a resolved name against the ideal table)
# Exit status: 0, or 1 if a run failed or counted nothing, 2 on usage errors.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
bench=${1:-${FROST_BENCH:-$here/../frost-bench}}
seconds=${2:-0.5}

# shellcheck source=tools/bench/callgrind-lib.sh
. "$here/callgrind-lib.sh"
cg_prepare "$bench" "frost-bench (build it: make tools)"

echo "# callgrind-read: bench=$bench duration=$seconds readers=1 writers=0"

# irop VARIANT: "<Ir> <calls>" of bench_read_VARIANT_op, on stdout.
irop() {
	cg_collect "$1" "bench_read_$1_op" calls "$bench" read --variant "$1" --readers 1 \
		--writers 0 --reps 1 --duration "$seconds" --quiet
}

res=
for v in ideal frost atomic rwlock urcu binding; do
	res="$res $v $(irop $v)"
done

echo "$res" | awk '{
	for (i = 1; i <= NF; i += 3) { name[++n] = $i; ir[$i] = $(i + 1); calls[$i] = $(i + 2) }
	for (i = 1; i <= n; i++) {
		v = name[i]; per[v] = ir[v] / calls[v]
		printf "%-7s Ir=%d  ops=%d  Ir/op=%.1f\n", v, ir[v], calls[v], per[v]
	}
	printf "frost over ideal: %+.1f%% instructions (%+.1f Ir/op)\n", (per["frost"] / per["ideal"] - 1) * 100, per["frost"] - per["ideal"]
	for (i = 1; i <= n; i++) {
		v = name[i]
		if (v == "frost" || v == "binding")
			continue
		printf "SUMMARY name=read_%s_ir frost=%.1f baseline=%.1f ratio=%.3f unit=Ir/op\n", v, per["frost"], per[v], per["frost"] / per[v]
	}
	printf "SUMMARY name=read_binding_ideal_ir frost=%.1f baseline=%.1f ratio=%.3f unit=Ir/op\n", per["binding"], per["ideal"], per["binding"] / per["ideal"]
}'
