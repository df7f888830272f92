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

if [ ! -x "$bench" ]; then
	echo "$0: $bench is not an executable frost-bench (build it: make tools)" >&2
	exit 2
fi
if ! command -v valgrind >/dev/null 2>&1; then
	echo "$0: valgrind not found (apt-get install valgrind)" >&2
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/frost-cg.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "# callgrind-churn: bench=$bench duration=$seconds names=$names readers=0 writers=1"

# irupdate VARIANT FUNCTION: "<Ir> <calls>" of FUNCTION, on stdout.
irupdate() {
	fn=$2
	out=$tmp/callgrind.out.$1
	if ! valgrind --tool=callgrind --callgrind-out-file="$out" --compress-strings=no \
		--toggle-collect="$fn" --toggle-collect="$fn.*" \
		"$bench" churn --variant "$1" --readers 0 --writers 1 --names "$names" \
		--reps 1 --duration "$seconds" --quiet >"$tmp/stdout.$1" 2>"$tmp/stderr.$1"; then
		echo "$0: the $1 run failed:" >&2
		cat "$tmp/stderr.$1" "$tmp/stdout.$1" >&2
		exit 1
	fi
	total=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$out")
	[ -n "$total" ] || total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out")
	calls=$(awk -v fn="$fn" '$1 == "cfn=" fn || $1 ~ "^cfn=\\(" && $2 == fn { c = 1; next }
		c && /^calls=/ { split($1, a, "="); n += a[2] } { c = 0 }
		END { print n + 0 }' "$out")
	if [ -z "$total" ] || [ "$total" -eq 0 ] || [ "$calls" -eq 0 ]; then
		echo "$0: callgrind counted nothing in $fn (stripped binary? renamed function?)" >&2
		exit 1
	fi
	echo "$total $calls"
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
