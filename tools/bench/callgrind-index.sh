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

if [ ! -x "$bench" ]; then
	echo "$0: $bench is not an executable index-bench (build it: make tools)" >&2
	exit 2
fi
if ! command -v valgrind >/dev/null 2>&1; then
	echo "$0: valgrind not found (apt-get install valgrind)" >&2
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/frost-cgi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# ir VARIANT NAMES: Ir per lookup, on stdout.
ir() {
	case $1 in
	lfht*) fn=bench_index_lfht_lookups ;;
	*) fn=bench_index_$1_lookups ;;
	esac
	out=$tmp/cg.$1.$2
	if ! valgrind --tool=callgrind --callgrind-out-file="$out" --compress-strings=no \
		--toggle-collect="$fn" "$bench" lookup "$1" "$2" "$lookups" \
		>"$tmp/stdout" 2>"$tmp/stderr"; then
		echo "$0: $1 $2 failed:" >&2
		cat "$tmp/stderr" >&2
		exit 1
	fi
	total=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$out")
	[ -n "$total" ] || total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out")
	if [ -z "$total" ] || [ "$total" -eq 0 ]; then
		echo "$0: callgrind counted nothing in $fn" >&2
		exit 1
	fi
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
