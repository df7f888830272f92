#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t9017-bench-realdata: `frost-bench realdata` runs on the iso-codes data
# set and reports every comparison of issue 15 from one run: reads against
# jansson, the plain table and GLib, reads during reloads, memory against
# jansson and the plain table, build time against jansson's parse, each
# SUMMARY row with the benchmark's options (readers=, copies=, files=) and
# the targets where the issue sets one. --copies multiplies the records,
# --files narrows them, and a missing file is a failure (exit 1), not a
# silent empty run. Skipped when frost-bench was built without jansson or
# GLib, or iso-codes is not installed.
. "$(dirname "$0")/lib-tap.sh"

bench=$FROST_OBJTREE/tools/frost-bench
[ -x "$bench" ] || skip_all "frost-bench not built"
[ -z "${FROST_SANITIZE:-}" ] || skip_all "tested on the plain build"
"$bench" list | grep -q '^realdata ' || skip_all "frost-bench built without jansson/GLib"
dir=/usr/share/iso-codes/json
[ -f $dir/iso_639-3.json ] && [ -f $dir/iso_3166-1.json ] || skip_all "iso-codes not installed"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

one_run() {
	"$bench" realdata --reps 1 --iterations 1 --csv "$tmp/r.csv" > "$tmp/out" 2> "$tmp/err" &&
	grep -q '^# end bench=realdata result=SUCCESS' "$tmp/out"
}
every_row() {
	for r in realdata_jansson realdata_plain realdata_glib realdata_reload \
		 realdata_mem_jansson realdata_mem_plain realdata_build_jansson \
		 realdata_dedup_mem_jansson realdata_dedup_build_jansson; do
		grep -q "^SUMMARY name=$r readers=2 copies=1 files=- frost=" "$tmp/out" || return 1
	done
}
targets() {
	grep -q '^SUMMARY name=realdata_jansson .* target=1.50 cmp=ge verdict=' "$tmp/out" &&
	grep -q '^SUMMARY name=realdata_plain .* target=0.80 cmp=ge verdict=' "$tmp/out" &&
	grep -q '^SUMMARY name=realdata_mem_jansson .* unit=B target=0.50 verdict=' "$tmp/out" &&
	grep -q '^SUMMARY name=realdata_build_jansson .* unit=ms target=1.50 verdict=' "$tmp/out" &&
	grep -q '^SUMMARY name=realdata_dedup_mem_jansson .* unit=B target=0.50 verdict=' "$tmp/out" &&
	grep -q '^SUMMARY name=realdata_dedup_build_jansson .* unit=ms target=1.50 verdict=' "$tmp/out"
}
figures() {
	# Every record parsed, memory and reads reported, the CSV keyed.
	grep -q '^# data: [0-9]* files, [1-9][0-9]* records' "$tmp/out" &&
	grep -q '^# memory: jansson [1-9]' "$tmp/out" &&
	grep -q '^# reads frost-reload ' "$tmp/out" &&
	grep -q '^realdata,frost,bytes_per_record,' "$tmp/r.csv" &&
	grep -q '^realdata_mem_jansson\[readers=2;copies=1;files=-\],frost,median,' "$tmp/r.csv"
}
copies() {
	n1=$("$bench" realdata --variant plain --files $dir/iso_3166-1.json --reps 1 --iterations 1 |
		sed -n 's/^# data: 1 files, \([0-9]*\) records.*/\1/p')
	n3=$("$bench" realdata --variant plain --files $dir/iso_3166-1.json --copies 3 --readers 1 \
		--reps 1 --iterations 1 | sed -n 's/^# data: 1 files, \([0-9]*\) records.*/\1/p')
	[ -n "$n1" ] && [ "$n1" -gt 200 ] && [ "$n3" -eq $((3 * n1)) ]
}
missing_file() {
	! "$bench" realdata --variant plain --files "$tmp/none.json" --reps 1 --iterations 1 \
		> /dev/null 2> "$tmp/err2" &&
	grep -q 'none.json' "$tmp/err2"
}

ok "one run of every variant succeeds" -- one_run
ok "every comparison has its SUMMARY row with readers=, copies=, files=" -- every_row
ok "the issue's targets are on their rows" -- targets
ok "records, memory, reload reads and CSV rows are reported" -- figures
ok "--copies 3 gives three times the records of --files" -- copies
ok "a missing data file fails the run" -- missing_file
done_testing
