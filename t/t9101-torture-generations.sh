#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t9101-torture-generations: frost-torture's generational stress (the ager
# role, tools/torture/roles.c: young garbage over old anchors, old anchors
# reachable only through young roots, promotion during churn) runs clean
# with young and full cycles both happening, and, as a self-test, the two
# generational bugs frost_debug_break_reclaimer() can plant are reported as
# FAILURE: --break 0x8 (a young cycle frees the old objects it skipped) and
# --break 0x10 (an object is promoted without its young children: an
# old-to-young edge). Both are caught within a second or two of a release
# build (every live old object is at risk, not a narrow race), so one
# attempt of a few seconds each is enough; under ThreadSanitizer the
# clean run is shorter and the self-test still runs (it is not a race).
# A sanitizer report or the tool's fatal-signal handler stopping the
# broken run counts as a detection: under ThreadSanitizer that is the data
# race between a reader of a freed object and the sweep's free (exit 66).
. "$(dirname "$0")/lib-tap.sh"

prog=$FROST_OBJTREE/tools/frost-torture
[ -x "$prog" ] || { echo "Bail out! $prog not built"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

case "${FROST_SANITIZE:-}" in
thread)	run_secs=3 break_secs=6 ;;
*)	run_secs=4 break_secs=4 ;;
esac

# Generational stress only: one writer, the ager, no other role.
few="--readers 0 --pinners 0 --keepers 0 --senders 0 --receivers 0 --writers 1 --slots 2"

clean_run() {
	# The reclaim loop's frost_reclaim() cycles are full: both kinds run
	# however slow the build (ThreadSanitizer).
	"$prog" --duration "$run_secs" --reclaim-loop --quiet > "$tmp/out" 2> "$tmp/err"
	rc=$?
	[ "$rc" -eq 0 ] || { echo "exit status $rc"; cat "$tmp/out" "$tmp/err"; return 1; }
	tail -n 1 "$tmp/out" | grep -q -E '^End of test: SUCCESS .* agers=1 .*reclaim_loop=1 ' ||
		{ cat "$tmp/out"; return 1; }
}
generations_line() {
	# Young cycles, at least one full one, promotion, and the ager's work.
	grep -E '^frost-torture: generations young_cycles=[1-9][0-9]* full_cycles=[1-9][0-9]* promoted_bytes=[1-9][0-9]* aged=[1-9][0-9]* young_garbage=[1-9][0-9]* old_via_young=[1-9][0-9]*$' "$tmp/out" ||
		{ cat "$tmp/out"; return 1; }
}
ok "a ${run_secs} s run with the ager exits 0" -- clean_run
ok "young and full cycles, promotion and every ager action happened" -- generations_line

broken() {
	flags=$1; shift
	"$prog" --break "$flags" --duration "$break_secs" --quiet "$@" > "$tmp/bout" 2> "$tmp/berr"
	rc=$?
	[ "$rc" -ne 0 ] || { echo "exit status 0:"; tail -n 4 "$tmp/bout"; return 1; }
	grep -q "^frost-torture: reclaimer deliberately broken (flags $flags): expect FAILURE" "$tmp/bout" ||
		{ cat "$tmp/bout"; return 1; }
	grep -q -E "^End of test: FAILURE .*break=$flags " "$tmp/bout" ||
		grep -q -E 'ERROR: AddressSanitizer' "$tmp/berr" ||
		{ [ "${FROST_SANITIZE:-}" = thread ] &&
		  grep -q -E 'WARNING: ThreadSanitizer: data race' "$tmp/berr"; } ||
		grep -q '^End of test: FAILURE fatal-signal' "$tmp/bout" ||
		{ tail -n 4 "$tmp/bout"; return 1; }
}
# shellcheck disable=SC2086
ok "self-test: --break 0x8 (young cycles free old objects) is FAILURE" -- broken 0x8
# shellcheck disable=SC2086
ok "self-test: --break 0x10 (promotion without the children) is FAILURE" -- broken 0x10
# shellcheck disable=SC2086
ok "self-test: --break 0x10 is caught by the ager alone" -- broken 0x10 $few
done_testing
