#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tools/bench/callgrind-offline.sh - instruction counts (Ir) of one
# frost_sandbox_offline()+frost_sandbox_online() pair and of liburcu's
# urcu_qsbr_thread_offline()+urcu_qsbr_thread_online().
#
# Theory of operation. Runs `frost-bench offline` under callgrind in
# fixed-work mode (--iterations N, --pairs P, one repetition) for the frost
# and urcu variants, with collection switched on only inside
# bench_offline_<frost|urcu>_loop() (callees included), so the total is
# exactly N x P pairs. It also runs the frost variant with
# FROST_NO_MEMBARRIER=1, the fenced fallback (liburcu's path plus frost's
# checks: what every pair cost before parking). An mfence is one
# instruction to callgrind: Ir shows the instructions saved, the timing
# benchmark shows the fences' cost. Valgrind must pass membarrier() through
# (the parameter line of the run says whether the parking path was used).
#
# Usage: callgrind-offline.sh [FROST_BENCH [ITERATIONS]]
#   FROST_BENCH  the frost-bench binary (default: tools/frost-bench next to
#                this directory, or $FROST_BENCH)
#   ITERATIONS   loop calls per variant (default 100; 1000 pairs each)
# Output: one line per variant, then
#   SUMMARY name=offline_pair_ir frost=<Ir/pair> baseline=<urcu Ir/pair> ratio=<r> unit=Ir/pair
#   SUMMARY name=offline_pair_fenced_ir frost=<fallback Ir/pair> baseline=<urcu Ir/pair> ratio=<r> unit=Ir/pair
# Exit status: 0, or 1 if a run failed or counted nothing, 2 on usage errors.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
bench=${1:-${FROST_BENCH:-$here/../frost-bench}}
iterations=${2:-100}
pairs=1000

case $iterations in
''|*[!0-9]*) echo "$0: ITERATIONS must be a number" >&2; exit 2 ;;
esac
# shellcheck source=tools/bench/callgrind-lib.sh
. "$here/callgrind-lib.sh"
cg_prepare "$bench" "frost-bench (build it: make tools)"

n=$((iterations * pairs))
echo "# callgrind-offline: bench=$bench iterations=$iterations pairs=$pairs total_pairs=$n"

# ir NAME VARIANT LOOPFN [ENV...]: the Ir collected inside LOOPFN, on stdout.
ir() {
	name=$1 variant=$2 fn=$3
	shift 3
	cg_collect "$name" "$fn" total "$@" "$bench" offline --variant "$variant" \
		--iterations "$iterations" --reps 1 --pairs "$pairs" --quiet
}

frost=$(ir frost frost bench_offline_frost_loop)
fenced=$(ir fenced frost bench_offline_frost_loop FROST_NO_MEMBARRIER=1)
urcu=$(ir urcu urcu bench_offline_urcu_loop)

awk -v f="$frost" -v x="$fenced" -v u="$urcu" -v n="$n" 'BEGIN {
	fo = f / n; xo = x / n; uo = u / n
	printf "frost         Ir=%d  Ir/pair=%.2f  (parking)\n", f, fo
	printf "frost-fenced  Ir=%d  Ir/pair=%.2f  (FROST_NO_MEMBARRIER=1: the fallback, the old path)\n", x, xo
	printf "urcu          Ir=%d  Ir/pair=%.2f\n", u, uo
	printf "SUMMARY name=offline_pair_ir frost=%.2f baseline=%.2f ratio=%.3f unit=Ir/pair\n", fo, uo, fo / uo
	printf "SUMMARY name=offline_pair_fenced_ir frost=%.2f baseline=%.2f ratio=%.3f unit=Ir/pair\n", xo, uo, xo / uo
}'
