# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tools/bench/callgrind-lib.sh - what the callgrind-*.sh scripts share;
# sourced, not run.
#
# Theory of operation. Each script counts the instructions (Ir) that one
# frost-bench (or index-bench) run executes inside a noinline function of
# the benchmark, with valgrind --tool=callgrind --toggle-collect=FUNCTION,
# and prints them with a SUMMARY line. What they all do the same way is
# here: refuse to start without the program and valgrind (exit 2, the
# usage error of every script), keep callgrind's files in a temporary
# directory removed on exit, run one collection and read its total (the
# "totals:" line, or "summary:" from an older valgrind) and, if asked, the
# number of calls of the function (the "calls=" lines under its "cfn="
# entries), failing (exit 1) with the run's output when the run fails or
# counts nothing: a stripped binary or a renamed function must not pass
# as a zero.
#
# cg_prepare PROG DESCRIPTION: PROG must be executable (DESCRIPTION says
#	what it should be and how to build it); valgrind must be installed.
#	Sets $tmp to a fresh directory, removed when the script exits.
# cg_collect TAG FUNCTION CALLS COMMAND...: run COMMAND under callgrind,
#	collecting inside FUNCTION (and its clones, FUNCTION.*); print on
#	stdout the total Ir, and with CALLS=calls also the calls of FUNCTION
#	("<Ir> <calls>"). TAG names the run's files and its messages.
#	COMMAND may start with NAME=VALUE assignments for its environment.

cg_prepare() {
	if [ ! -x "$1" ]; then
		echo "$0: $1 is not an executable $2" >&2
		exit 2
	fi
	if ! command -v valgrind >/dev/null 2>&1; then
		echo "$0: valgrind not found (apt-get install valgrind)" >&2
		exit 2
	fi
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/frost-cg.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT INT TERM
}

cg_collect() {
	cg_tag=$1 cg_fn=$2 cg_calls=$3
	shift 3
	cg_env=
	while [ $# -gt 0 ]; do
		case $1 in
		*=*) cg_env="$cg_env $1"; shift ;;
		*) break ;;
		esac
	done
	cg_out=$tmp/callgrind.out.$cg_tag
	# $cg_env unquoted: NAME=VALUE words without blanks.
	# shellcheck disable=SC2086
	if ! env $cg_env valgrind --tool=callgrind --callgrind-out-file="$cg_out" \
		--compress-strings=no --toggle-collect="$cg_fn" --toggle-collect="$cg_fn.*" \
		"$@" >"$tmp/stdout.$cg_tag" 2>"$tmp/stderr.$cg_tag"; then
		echo "$0: the $cg_tag run failed:" >&2
		cat "$tmp/stderr.$cg_tag" "$tmp/stdout.$cg_tag" >&2
		exit 1
	fi
	cg_total=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$cg_out")
	[ -n "$cg_total" ] || cg_total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$cg_out")
	if [ -z "$cg_total" ] || [ "$cg_total" -eq 0 ]; then
		echo "$0: callgrind counted nothing in $cg_fn for $cg_tag (stripped binary? renamed function?)" >&2
		exit 1
	fi
	if [ "$cg_calls" != calls ]; then
		echo "$cg_total"
		return
	fi
	cg_n=$(awk -v fn="$cg_fn" '$1 == "cfn=" fn || $1 ~ "^cfn=\\(" && $2 == fn { c = 1; next }
		c && /^calls=/ { split($1, a, "="); n += a[2] } { c = 0 }
		END { print n + 0 }' "$cg_out")
	if [ "$cg_n" -eq 0 ]; then
		echo "$0: callgrind saw no call of $cg_fn for $cg_tag (renamed function?)" >&2
		exit 1
	fi
	echo "$cg_total $cg_n"
}
