#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tools/bench/callgrind-realdata.sh - instructions (Ir) per lookup of
# `frost-bench realdata`: frost against the plain C table and jansson (and
# GLib), a deterministic figure where timing on a shared 2-vCPU machine is
# noise.
#
# Theory of operation. Each variant runs under callgrind with one reader
# doing one fixed pass over every key in the benchmark's shuffled order
# (`realdata --variant V --readers 1 --reps 1 --iterations 1`: the same
# operations on the same records in every run; with --variant the build
# rounds are skipped), collection switched on only inside its operation
# function (--toggle-collect=bench_realdata_<variant>_op: the lookup of a
# record by its C-string key and the reads of three fields, callees
# included). Ir per lookup = the collected total / the calls of that
# function, read from the uncompressed output (--compress-strings=no), as
# tools/bench/callgrind-read.sh does. Not counted: the reader loop (for
# frost, one binding lookup and one quiescent state per 64 operations),
# the builds, valgrind's start-up.
#
# Usage: callgrind-realdata.sh [FROST_BENCH [PASSES [VARIANTS]]]
#   FROST_BENCH  the frost-bench binary (default: tools/frost-bench next to
#                this directory, or $FROST_BENCH)
#   PASSES       passes over the keys (--iterations, default 1)
#   VARIANTS     the baselines, space-separated (default "plain jansson";
#                "glib" too takes a minute more: ~49 k Ir per lookup)
# Output: one line per variant, then
#   SUMMARY name=realdata_plain_ir frost=<Ir/op> baseline=<Ir/op> ratio=<r> unit=Ir/op
#   (and realdata_jansson_ir, realdata_glib_ir), and the same of frost-tuple
#   (records as tuples, bench_realdata_tuple_op): realdata_tuple_plain_ir, ...
# Exit status: 0, or 1 if a run failed or counted nothing, 2 on usage errors
# (or a frost-bench built without realdata).

set -eu

here=$(cd "$(dirname "$0")" && pwd)
bench=${1:-${FROST_BENCH:-$here/../frost-bench}}
passes=${2:-1}
baselines=${3:-plain jansson}

# shellcheck source=tools/bench/callgrind-lib.sh
. "$here/callgrind-lib.sh"
cg_prepare "$bench" "frost-bench (build it: make tools)"
if ! "$bench" list | grep -q '^realdata '; then
	echo "$0: $bench has no realdata (built without jansson or GLib)" >&2
	exit 2
fi

echo "# callgrind-realdata: bench=$bench passes=$passes readers=1"

# irop VARIANT: "<Ir> <calls>" of bench_realdata_VARIANT_op, on stdout.
irop() {
	cg_collect "$1" "bench_realdata_${1#frost-}_op" calls "$bench" realdata --variant "$1" \
		--readers 1 --reps 1 --iterations "$passes" --quiet
}

res=
for v in frost frost-tuple $baselines; do
	res="$res $v $(irop $v)"
done

echo "$res" | awk '{
	for (i = 1; i <= NF; i += 3) { name[++n] = $i; ir[$i] = $(i + 1); calls[$i] = $(i + 2) }
	for (i = 1; i <= n; i++) {
		v = name[i]; per[v] = ir[v] / calls[v]
		printf "%-11s Ir=%d  ops=%d  Ir/op=%.1f\n", v, ir[v], calls[v], per[v]
	}
	for (i = 1; i <= n; i++) {
		v = name[i]
		if (v == "frost" || v == "frost-tuple")
			continue
		printf "SUMMARY name=realdata_%s_ir frost=%.1f baseline=%.1f ratio=%.3f unit=Ir/op\n", v, per["frost"], per[v], per["frost"] / per[v]
		printf "SUMMARY name=realdata_tuple_%s_ir frost=%.1f baseline=%.1f ratio=%.3f unit=Ir/op\n", v, per["frost-tuple"], per[v], per["frost-tuple"] / per[v]
	}
}'
