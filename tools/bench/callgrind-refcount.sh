#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tools/bench/callgrind-refcount.sh - instruction counts (Ir) of the refcount
# loops, which timing on a noisy 2-vCPU machine cannot resolve.
#
# Theory of operation. For each variant of `frost-bench refcount` (frost,
# plain, shared, wl-frost, wl-plain) run it under callgrind in fixed-work
# mode (--iterations N, one repetition) with collection switched on only
# inside the variant's loop function (--toggle-collect=
# bench_refcount_<frost|plain|wl_frost|wl_plain>_loop; the shared variant
# runs the frost loop on immortal objects). The callgrind total is then
# exactly the loops' instructions, callees included (frost_object_new,
# frost_dealloc, frost_map_get... in the workload): set-up, the driver and
# valgrind's start-up are not counted. Micro loops: Ir per op = total /
# (iterations x objects x passes x 2), one op being one incref or one
# decref. Workload: Ir per step = total / (iterations x steps), one step
# being an interpreter step of 17 refcount operations (tools/bench/refcount.c).
#
# Usage: callgrind-refcount.sh [FROST_BENCH [ITERATIONS]]
#   FROST_BENCH  the frost-bench binary (default: tools/frost-bench next to
#                this directory, or $FROST_BENCH)
#   ITERATIONS   loop calls per variant (default 100)
# Output: one line per variant, the overhead of frost over plain, then
#   SUMMARY name=refcount_shared_ir frost=<Ir/op> baseline=<Ir/op> ratio=<r> unit=Ir/op
#   SUMMARY name=refcount_ir frost=<Ir/op> baseline=<Ir/op> ratio=<r> unit=Ir/op
#   SUMMARY name=refcount_workload_ir frost=<Ir/step> baseline=<Ir/step> ratio=<r> unit=Ir/step
#     target=1.01 verdict=PASS|MISS  (the issue's <= 1 % overhead)
# Exit status: 0, or 1 if a run failed or counted nothing, 2 on usage errors.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
bench=${1:-${FROST_BENCH:-$here/../frost-bench}}
iterations=${2:-100}
objects=1024
passes=8
steps=256

case $iterations in
''|*[!0-9]*) echo "$0: ITERATIONS must be a number" >&2; exit 2 ;;
esac
# shellcheck source=tools/bench/callgrind-lib.sh
. "$here/callgrind-lib.sh"
cg_prepare "$bench" "frost-bench (build it: make tools)"

ops=$((iterations * objects * passes * 2))
wsteps=$((iterations * steps))
echo "# callgrind-refcount: bench=$bench iterations=$iterations objects=$objects passes=$passes ops=$ops steps=$wsteps"

# ir VARIANT LOOPFN: the Ir collected inside LOOPFN, on stdout.
ir() {
	cg_collect "$1" "$2" total "$bench" refcount --variant "$1" --iterations "$iterations" \
		--reps 1 --objects "$objects" --passes "$passes" --steps "$steps" --quiet
}

frost=$(ir frost bench_refcount_frost_loop)
plain=$(ir plain bench_refcount_plain_loop)
shared=$(ir shared bench_refcount_frost_loop)
wfrost=$(ir wl-frost bench_refcount_wl_frost_loop)
wplain=$(ir wl-plain bench_refcount_wl_plain_loop)

awk -v f="$frost" -v p="$plain" -v s="$shared" -v ops="$ops" \
    -v wf="$wfrost" -v wp="$wplain" -v steps="$wsteps" 'BEGIN {
	fo = f / ops; po = p / ops; so = s / ops
	printf "frost   Ir=%d  Ir/op=%.3f\n", f, fo
	printf "plain   Ir=%d  Ir/op=%.3f\n", p, po
	printf "shared  Ir=%d  Ir/op=%.3f\n", s, so
	printf "frost over plain: %+.1f%% instructions\n", (fo / po - 1) * 100
	printf "shared over plain: %+.1f%% instructions\n", (so / po - 1) * 100
	printf "SUMMARY name=refcount_shared_ir frost=%.3f baseline=%.3f ratio=%.3f unit=Ir/op\n", so, po, so / po
	printf "SUMMARY name=refcount_ir frost=%.3f baseline=%.3f ratio=%.3f unit=Ir/op target=1.01 verdict=%s\n", fo, po, fo / po, fo / po <= 1.01 ? "PASS" : "MISS"
	wfo = wf / steps; wpo = wp / steps
	printf "wl-frost Ir=%d  Ir/step=%.2f\n", wf, wfo
	printf "wl-plain Ir=%d  Ir/step=%.2f\n", wp, wpo
	printf "wl-frost over wl-plain: %+.2f%% instructions (%+.2f Ir per step of 17 refcount ops)\n", (wfo / wpo - 1) * 100, wfo - wpo
	printf "SUMMARY name=refcount_workload_ir frost=%.2f baseline=%.2f ratio=%.4f unit=Ir/step target=1.01 verdict=%s\n", wfo, wpo, wfo / wpo, wfo / wpo <= 1.01 ? "PASS" : "MISS"
}'
