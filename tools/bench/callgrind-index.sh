#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tools/bench/callgrind-index.sh - instructions (Ir) per successful lookup
# of the namespace index, ck_hs and rculfhash (tools/bench/index-bench.c).
#
# Theory of operation. For each variant and each table size, one
# `index-bench lookup VARIANT NAMES LOOKUPS` runs under callgrind with
# collection switched on only inside bench_index_<fn>_lookups() (callees
# included: ck_hs_get, cds_lfht_lookup, the match callbacks, memcmp). Ir
# per lookup = the collected total / LOOKUPS; it includes the driver loop
# (about 6 Ir per lookup, the same for every variant) and excludes
# hashing. Under valgrind threads run one at a time, so rculfhash's resize
# worker gets CPU only when the main thread sleeps: `lfht` sleeps 0.5 s
# offline before looking up, `lfht-nowait` does not.
#
# Usage: callgrind-index.sh [INDEX_BENCH [LOOKUPS]]
# Output: a table, then per size
#   SUMMARY name=index_ir_<names> frost=<Ir> ckhs=<Ir> lfht=<Ir> lfht_nowait=<Ir> lfht_sized=<Ir> unit=Ir/lookup
# Exit status: 0, 1 if a run failed, 2 on usage errors.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
bench=${1:-${INDEX_BENCH:-$here/../index-bench}}
lookups=${2:-262144}

# shellcheck source=tools/bench/callgrind-lib.sh
. "$here/callgrind-lib.sh"
cg_prepare "$bench" "index-bench (build it: make tools)"

# ir VARIANT NAMES: Ir per lookup, on stdout.
ir() {
	case $1 in
	lfht*) fn=bench_index_lfht_lookups ;;
	*) fn=bench_index_$1_lookups ;;
	esac
	total=$(cg_collect "$1.$2" "$fn" total "$bench" lookup "$1" "$2" "$lookups")
	awk -v t="$total" -v n="$lookups" 'BEGIN { printf "%.1f", t / n }'
}

variants="frost ckhs lfht lfht-nowait lfht-sized"
echo "# callgrind-index: bench=$bench lookups=$lookups"
printf '%-8s' names
for v in $variants; do printf ' %12s' "$v"; done
echo
for n in 64 1024 65536; do
	line="SUMMARY name=index_ir_$n"
	printf '%-8s' "$n"
	for v in $variants; do
		r=$(ir "$v" "$n")
		printf ' %12s' "$r"
		line="$line $(echo "$v" | tr - _)=$r"
	done
	echo
	echo "$line unit=Ir/lookup" >>"$tmp/summary"
done
cat "$tmp/summary"
