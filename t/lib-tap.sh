# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t/lib-tap.sh - TAP for the shell tests (sourced, not run).
#
# The C harness (t/tap.h) serves the C tests; shell tests (build, install,
# export checks) use these few functions so that prove reads the same
# protocol: `plan N` or a lazy plan printed by `done_testing`, `ok COND
# DESC...` where COND is a command, `skip_all REASON`, and `diag MSG`.
# FROST_SRCTREE / FROST_OBJTREE come from `make check`.

: "${FROST_SRCTREE:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${FROST_OBJTREE:=$FROST_SRCTREE}"
__tap_n=0
__tap_failed=0
echo "TAP version 13"

plan() { echo "1..$1"; __tap_planned=1; }
diag() { printf '# %s\n' "$*"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# ok DESC -- CMD...: run CMD; a zero exit is a pass.
ok() {
	desc=$1; shift
	[ "$1" = "--" ] && shift
	__tap_n=$((__tap_n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $__tap_n - $desc"
	else
		echo "not ok $__tap_n - $desc"
		printf '%s\n' "$out" | sed 's/^/#   /' | tail -n 20
		printf '#   command: %s\n' "$*"
		__tap_failed=$((__tap_failed + 1))
	fi
}

done_testing() {
	[ -n "${__tap_planned:-}" ] || echo "1..$__tap_n"
	[ "$__tap_failed" -eq 0 ]
	exit $?
}
