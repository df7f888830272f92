#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t9011-bench-summary: frost-bench's SUMMARY lines carry every parameter
# that distinguishes them. Two alloc runs at different --size give rows
# of the same comparisons that differ in size=, and CSV keys that differ
# too (so scripts/bench-compare does not pair a 16-byte row with a 1024-byte
# one); churn's rows carry names=, readers= and writers=, and include the
# frost-frozen writer's churn_frozen_boehm and churn_frozen_rcu.
. "$(dirname "$0")/lib-tap.sh"

bench=$FROST_OBJTREE/tools/frost-bench
[ -x "$bench" ] || skip_all "frost-bench not built"
[ -z "${FROST_SANITIZE:-}" ] || skip_all "tested on the plain build"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

alloc_rows() {
	for s in 16 1024; do
		"$bench" alloc --pattern lifo --size $s --variant object --reps 1 --iterations 2 \
			--quiet --csv "$tmp/a.csv" > /dev/null || return 1
	done
	"$bench" alloc --pattern lifo --size 16 --reps 1 --iterations 2 --quiet --csv "$tmp/b.csv" > "$tmp/16" &&
	"$bench" alloc --pattern lifo --size 1024 --reps 1 --iterations 2 --quiet --csv "$tmp/b.csv" > "$tmp/1024" &&
	grep -q '^SUMMARY name=alloc_glibc pattern=lifo size=16 frost=' "$tmp/16" &&
	grep -q '^SUMMARY name=alloc_glibc pattern=lifo size=1024 frost=' "$tmp/1024"
}
csv_keys_distinct() {
	grep -q '^alloc_glibc\[pattern=lifo;size=16\],frost,median,' "$tmp/b.csv" &&
	grep -q '^alloc_glibc\[pattern=lifo;size=1024\],frost,median,' "$tmp/b.csv" &&
	# No key twice: every bench,variant,metric of the file is one row.
	[ -z "$(cut -d, -f1-3 "$tmp/b.csv" | sort | uniq -d)" ]
}
default_size_named() {
	"$bench" alloc --pattern lifo --reps 1 --iterations 2 --quiet |
		grep -q '^SUMMARY name=alloc_glibc pattern=lifo size=16-256 '
}
churn_params() {
	"$bench" churn --reps 1 --duration 0.05 --names 64 --readers 1 --writers 1 --quiet \
		--csv "$tmp/churn.csv" > "$tmp/churn" || return 1
	grep '^SUMMARY' "$tmp/churn" > "$tmp/s" && [ -s "$tmp/s" ] &&
	! grep -v ' readers=1 writers=1 names=64 ' "$tmp/s"
}
# The default run has every variant: the frozen writer's rows are there,
# each with churn_boehm's and churn_rcu's targets, and frost-frozen has its
# per-variant figures (the table's, in the CSV: --quiet prints no table).
churn_frozen_rows() {
	grep -q '^SUMMARY name=churn_frozen_boehm readers=1 .* unit=Mobjs/s target=1.00 cmp=ge verdict=' "$tmp/s" &&
	grep -q '^SUMMARY name=churn_frozen_rcu readers=1 .* unit=Mobjs/s target=2.00 cmp=ge verdict=' "$tmp/s" &&
	grep -q '^churn,frost-frozen,objs_per_s,[0-9]' "$tmp/churn.csv"
}

ok "alloc rows at two sizes differ in size=" -- alloc_rows
ok "their CSV keys differ, and no key repeats" -- csv_keys_distinct
ok "the cycling default is named size=16-256" -- default_size_named
ok "churn rows carry readers=, writers= and names=" -- churn_params
ok "churn compares frost-frozen's writer with Boehm's and rcu's" -- churn_frozen_rows
done_testing
