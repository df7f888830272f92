#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tools/model/check.sh - model-check frost's reclaim cycle (tools/model/frost.pml),
# its generational form (frost.pml -DGEN: young and full cycles, promotion)
# and the parked-sandbox protocol beneath it (tools/model/park.pml).
#
# Every run is an exhaustive safety search (pan -DSAFETY -DCOLLAPSE: lossless
# state compression, no bitstate, no hash compaction) of the model under its
# bounds (MAXOPS operations per sandbox, MAXCYCLES reclaim cycles; see
# Documentation/design/model.rst):
#
#  - the protocol and the variants that must stay safe must finish the whole
#    state space with 0 errors: a search cut short (time limit, memory
#    limit, "max search depth too small", "Search not completed") fails;
#  - each broken variant must produce a counterexample (pan stops at the
#    first one); a broken variant that verifies clean fails.
#
# Everything is built in a temporary directory; nothing is written into the
# tree. Needs spin and a C compiler. Two safe runs at a time (2 cores);
# about 3 minutes in all on idle cores (the generational runs add about 16
# million states to the 135 million of the others), under 9 GB of memory. On
# a loaded machine raise MODEL_SECS: a run cut short by the time limit
# fails. The last line of output is
# "model-check: PASS" or "model-check: FAIL".
#
# Usage: tools/model/check.sh      (MODEL_SECS=n: time limit per run, default 400)
set -u

here=$(cd "$(dirname "$0")" && pwd)
mf=frost.pml		# the model the next build uses (park.pml: PARK runs)
secs=${MODEL_SECS:-400}
cc=${CC:-cc}
panflags="-DSAFETY -DCOLLAPSE -DMEMLIM=16000"
fail=0

if ! command -v spin >/dev/null 2>&1; then
	echo "model-check: spin not found (Debian: apt-get install spin)"
	echo "model-check: FAIL"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/frost-model.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# build NAME SPIN-DEFINES...: spin -a and cc in $tmp/NAME
build() {
	name=$1; shift
	d=$tmp/$name
	mkdir -p "$d" && cp "$here/$mf" "$d/" || return 1
	(cd "$d" && spin -a "$@" "$mf" >spin.log 2>&1 &&
		$cc -O2 $panflags -o pan pan.c >cc.log 2>&1) || {
		cat "$d/spin.log" "$d/cc.log" 2>/dev/null
		return 1
	}
}

# run NAME: pan in $tmp/NAME, output in pan.out; sets t (seconds)
run() {
	d=$tmp/$1
	start=$(date +%s)
	(cd "$d" && timeout -s INT "$secs" ./pan -m100000 -w27 >pan.out 2>&1)
	t=$(( $(date +%s) - start ))
}

# field NAME: pan's statistics: errs states depth mem (MB)
stats() {
	o=$tmp/$1/pan.out
	errs=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$o" | head -n 1)
	states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$o" | head -n 1)
	depth=$(sed -n 's/.*depth reached \([0-9]*\),.*/\1/p' "$o" | head -n 1)
	mem=$(sed -n 's/^ *\([0-9.]*\)[ \t]*total actual memory usage.*/\1/p' "$o" | head -n 1)
}

# expect_error NAME SPIN-DEFINES...: a broken variant; needs a counterexample.
expect_error() {
	name=$1; shift
	if ! build "$name" "$@"; then
		printf '%-26s BUILD FAILED\n' "$name"; fail=1; return
	fi
	run "$name"
	stats "$name"
	d=$tmp/$name
	what=$(grep -m 1 'assertion violated' "$d/pan.out" | sed 's/^pan:[0-9]*: *//; s/ (at depth.*//')
	at=$(sed -n 's/.*assertion violated.*(at depth \([0-9]*\)).*/\1/p' "$d/pan.out" | head -n 1)
	if [ "${errs:-0}" -ge 1 ] && [ -f "$d/$mf.trail" ]; then
		printf '%-26s counterexample at depth %s (%s states, %ss): %s\n' \
			"$name" "${at:-?}" "${states:-?}" "$t" "$what"
	else
		printf '%-26s NO COUNTEREXAMPLE (errors: %s, %s states)  <-- must fail\n' \
			"$name" "${errs:-?}" "${states:-?}"
		fail=1
	fi
}

# expect_safe NAME SPIN-DEFINES...: must verify, exhaustively.
expect_safe() {
	name=$1; shift
	if ! build "$name" "$@"; then
		printf '%-26s BUILD FAILED\n' "$name"; return 1
	fi
	run "$name"
	stats "$name"
	o=$tmp/$name/pan.out
	if [ -z "$errs" ]; then
		printf '%-26s NO RESULT after %ss  <-- pan died or timed out\n' "$name" "$t"
		tail -n 3 "$o"; return 1
	elif grep -q 'Search not completed\|too small\|Interrupted\|out of memory\|MEMLIM' "$o"; then
		printf '%-26s INCOMPLETE SEARCH (%s states, %ss): %s\n' "$name" "${states:-?}" "$t" \
			"$(grep -m 1 'Search not completed\|too small\|Interrupted\|out of memory\|MEMLIM' "$o")"
		return 1
	elif [ "$errs" -ne 0 ]; then
		printf '%-26s %s ERRORS: %s  <-- must be safe\n' "$name" "$errs" \
			"$(grep -m 1 'assertion violated' "$o" | sed 's/^pan:[0-9]*: *//')"
		return 1
	fi
	printf '%-26s verified, exhaustive: %s states, depth %s, %s MB, %ss\n' \
		"$name" "${states:-?}" "${depth:-?}" "${mem:-?}" "$t"
}

echo "model-check: spin $(spin -V | sed -n 's/Spin Version \([0-9.]*\).*/\1/p'), $panflags"
echo "model-check: bounds ops=4 (per sandbox), cycles=2, 2 sandboxes, 3 objects, 1 name unless [shown]"

# Counterexamples first (seconds each), under the default bounds.
expect_error "BROKEN_NO_GP1" -DBROKEN_NO_GP1
expect_error "BROKEN_NO_SHADE_NEW" -DBROKEN_NO_SHADE_NEW
expect_error "BROKEN_NO_BORN_MARKED" -DBROKEN_NO_BORN_MARKED
expect_error "BROKEN_NO_PRIVATE_SCAN" -DBROKEN_NO_PRIVATE_SCAN
expect_error "BROKEN_BORN_BLACK" -DBROKEN_BORN_BLACK
expect_error "BROKEN_NO_TERMINATE" -DBROKEN_NO_TERMINATE

# Generations (-DGEN; Documentation/design/model.rst "Generations"). The
# library ages by AGE_AT_SWEEP (and, beyond the model, does not age what
# was born since the sweeping cycle opened: model.rst, "The sweep walk");
# the safe runs below are of that rule, the first rule is a counterexample.
# The
# planted bugs, each from the initial history it needs (INIT_*: a state
# the code can reach after a cycle 0), under the default bounds:
#  a young cycle that stops at old objects but also sweeps them;
#  promotion (the sweep's aging step) before the termination rounds;
#  a freeze that makes old objects, so old-to-young edges.
expect_error "GEN_BROKEN_YOUNG_SWEEPS_OLD" -DBROKEN_YOUNG_SWEEPS_OLD -DINIT_OLD=4
expect_error "GEN_BROKEN_PROMOTE_EARLY" -DBROKEN_PROMOTE_EARLY -DINIT_AGED=6
expect_error "GEN_BROKEN_FREEZE_OLD" -DBROKEN_FREEZE_OLD
# The generational protocol as reclaimer.rst states it (G5: A := M[c(k-1)]),
# from a history where sandbox 0 still acts on cycle 0's phase and 1 -> 2
# were frozen after cycle 0 closed: a stale shade marks 1 in M[0], its child
# is traced in the next colour, 1 ages ahead of 2, 1 -> 2 becomes an
# old-to-young edge and the third cycle frees 2 (Documentation/design/
# model.rst, "A finding"). The first implementation's rule; AGE_AT_SWEEP
# (below, safe) is the fix the model checks.
expect_error "GEN_STALE_MARK_AGES[c=3]" -DGEN -DINIT_STALE=1 -DINIT_M0=0 -DMAXOPS=3 -DMAXCYCLES=3

# The parked-sandbox protocol (park.pml: seconds in all). Its planted bugs
# must fail both ways: with the reclaimer's hold (asserts the owner is not
# running while held) and without it (MAXHOLD=0: only the grace period's
# use-after-free assertion can catch them).
mf=park.pml
expect_error "PARK_BROKEN_NO_MEMBARRIER" -DBROKEN_NO_MEMBARRIER
expect_error "PARK_BROKEN_NO_CHECK" -DBROKEN_NO_CHECK
expect_error "PARK_BROKEN_NO_WAIT_CLAIM" -DBROKEN_NO_WAIT_CLAIM
expect_error "PARK_NO_MEMBARRIER[hold=0]" -DBROKEN_NO_MEMBARRIER -DMAXHOLD=0
expect_error "PARK_NO_CHECK[hold=0]" -DBROKEN_NO_CHECK -DMAXHOLD=0
expect_safe "park[parks=3,conv=2,hold=2]" || fail=1
expect_safe "park[parks=4,conv=3,hold=3]" -DMAXPARK=4 -DMAXCONV=3 -DMAXHOLD=3 || fail=1
expect_safe "park[parks=4,conv=3,hold=0]" -DMAXPARK=4 -DMAXCONV=3 -DMAXHOLD=0 || fail=1
mf=frost.pml

# Safe runs, two queues in parallel (2 cores); results go to files.
# Queue 1: the protocol with five operations per sandbox (the longest run).
( r=0
  expect_safe "protocol[ops=5,cycles=1]" -DMAXOPS=5 -DMAXCYCLES=1 || r=1
  expect_safe "GEN_AGE_AT_SWEEP[ops=3,cycles=3]" -DAGE_AT_SWEEP -DMAXOPS=3 -DMAXCYCLES=3 || r=1
  echo $r >"$tmp/q1.rc" ) >"$tmp/q1.out" 2>&1 &
# Queue 2: the protocol under the default bounds, the variants, bigger shapes.
( r=0
  expect_safe "protocol[ops=4,cycles=2]" || r=1
  expect_safe "NO_SHADE_OLD" -DNO_SHADE_OLD || r=1
  expect_safe "NO_GP_BEFORE_REUSE" -DNO_GP_BEFORE_REUSE || r=1
  expect_safe "EARLY_PHASE" -DEARLY_PHASE || r=1
  expect_safe "NSLOTS=2[ops=4,cycles=1]" -DNSLOTS=2 -DMAXCYCLES=1 || r=1
  expect_safe "NSB=3[ops=2,cycles=2]" -DNSB=3 -DMAXOPS=2 || r=1
  expect_safe "GEN_AGE_AT_SWEEP[stale,ops=3,c=3]" -DAGE_AT_SWEEP -DINIT_STALE=1 \
	-DINIT_M0=0 -DMAXOPS=3 -DMAXCYCLES=3 || r=1
  echo $r >"$tmp/q2.rc" ) >"$tmp/q2.out" 2>&1 &
wait
for q in q1 q2; do
	cat "$tmp/$q.out"
	[ "$(cat "$tmp/$q.rc" 2>/dev/null)" = 0 ] || fail=1
done

if [ "$fail" -eq 0 ]; then
	echo "model-check: PASS"
	exit 0
fi
echo "model-check: FAIL"
exit 1
