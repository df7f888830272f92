#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tools/bench/callgrind-churn.sh - instructions (Ir) per writer update of
# `frost-bench churn`'s frost variant (private tuple, frost_freeze(),
# frost_publish()) and its frost-frozen variant (frost_int_new_frozen() per
# item, frost_tuple_new_frozen(), frost_publish()), which timing on a noisy
# 2-vCPU machine resolves only roughly.
#
# Theory of operation. Each variant runs under callgrind with one writer and
# no reader (`churn --variant V --readers 0 --writers 1 --reps 1`),
# collection switched on only inside its update function
# (--toggle-collect=bench_churn_frost_update or bench_churn_frozen_update:
# building the tuple and publishing it, callees included: the private
# objects, the freeze and its memo table, any allocation pacing a freeze
# does inline). The prefill builds its tuples outside these functions, so
# only the timed writer's updates count. Ir per update = the collected total
# / the calls callgrind recorded into the function (--compress-strings=no
# output). Not counted: the writer's loop and its frost_quiescent() every
# 16 updates (where the frozen builders' deferred pacing runs), the
# reclaimer thread's cycles, valgrind's start-up.
#
# Usage: callgrind-churn.sh [FROST_BENCH [SECONDS [NAMES]]]
#   FROST_BENCH  the frost-bench binary (default: tools/frost-bench next to
#                this directory, or $FROST_BENCH)
#   SECONDS      --duration of each run (default 0.5)
#   NAMES        --names, the live tuples (default 65536, as the churn
#                targets are meant)
# Output: one line per variant, then
#   SUMMARY name=churn_frozen_ir frost=<Ir/update of frost-frozen>
#           baseline=<Ir/update of frost> ratio=<r> unit=Ir/update
# Exit status: 0, or 1 if a run failed or counted nothing, 2 on usage errors.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
bench=${1:-${FROST_BENCH:-$here/../frost-bench}}
seconds=${2:-0.5}
names=${3:-65536}

# shellcheck source=tools/bench/callgrind-lib.sh
. "$here/callgrind-lib.sh"
cg_prepare "$bench" "frost-bench (build it: make tools)"

echo "# callgrind-churn: bench=$bench duration=$seconds names=$names readers=0 writers=1"

# irupdate VARIANT FUNCTION: "<Ir> <calls>" of FUNCTION, on stdout.
irupdate() {
	cg_collect "$1" "$2" calls "$bench" churn --variant "$1" --readers 0 --writers 1 \
		--names "$names" --reps 1 --duration "$seconds" --quiet
}

res="frost $(irupdate frost bench_churn_frost_update)"
res="$res frost-frozen $(irupdate frost-frozen bench_churn_frozen_update)"

echo "$res" | awk '{
	for (i = 1; i <= NF; i += 3) { name[++n] = $i; ir[$i] = $(i + 1); calls[$i] = $(i + 2) }
	for (i = 1; i <= n; i++) {
		v = name[i]; per[v] = ir[v] / calls[v]
		printf "%-12s Ir=%d  updates=%d  Ir/update=%.1f\n", v, ir[v], calls[v], per[v]
	}
	printf "SUMMARY name=churn_frozen_ir frost=%.1f baseline=%.1f ratio=%.3f unit=Ir/update\n", per["frost-frozen"], per["frost"], per["frost-frozen"] / per["frost"]
}'
