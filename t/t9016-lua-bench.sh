#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t9016-lua-bench: the Lua binding's benchmark and example.
#
# Theory of operation. Without the module: tools/lua/bench.lua parses its
# options (usage errors exit 2), frost-bench lua reports a missing
# interpreter or script as a skip, and it fails when the script fails or prints a
# malformed result (two fake scripts, so that a broken pipe from the
# script cannot pass). With the module built (tools/lua/frost.so, needs
# liblua5.4-dev, lua-cjson and iso-codes): a short frost-bench lua run
# prints every SUMMARY line with workers=, their CSV rows, and the three
# target lines; tools/lua/examples/countries.lua answers through its two
# worker states; frost-bench-lua(1) is made with the other man pages.
. "$(dirname "$0")/lib-tap.sh"

[ -z "${FROST_SANITIZE:-}" ] || skip_all "tested on the plain build"
command -v lua5.4 >/dev/null || skip_all "lua5.4 not installed"
bench=$FROST_OBJTREE/tools/frost-bench
[ -x "$bench" ] || skip_all "frost-bench not built"
script=$FROST_SRCTREE/tools/lua/bench.lua
module=$FROST_OBJTREE/tools/lua/frost.so

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

usage_errors() {
	lua5.4 "$script" --help | grep -q '^usage: ' &&
	{ lua5.4 "$script" --workers 0 2> "$tmp/e"; [ $? = 2 ]; } && grep -q -- '--workers' "$tmp/e" &&
	{ lua5.4 "$script" --variant frozen,bogus 2> "$tmp/e"; [ $? = 2 ]; } && grep -q bogus "$tmp/e" &&
	{ lua5.4 "$script" --bogus 2> /dev/null; [ $? = 2 ]; }
}
no_interpreter_skips() {
	LUA=$tmp/no-such-lua "$bench" lua --reps 1 > "$tmp/o" &&
	grep -q '^# lua: skipped: cannot run ' "$tmp/o" && grep -q 'result=SUCCESS' "$tmp/o" &&
	! grep -q '^SUMMARY' "$tmp/o"
}
no_script_skips() {
	cp "$bench" "$tmp/frost-bench" &&
	env -u FROST_SRCTREE FROST_LUA_BENCH= "$tmp/frost-bench" lua --reps 1 > "$tmp/o" &&
	grep -q '^# lua: skipped: tools/lua/bench.lua not found' "$tmp/o" && ! grep -q '^SUMMARY' "$tmp/o"
}
failing_script_fails() {
	printf 'print("RESULT name=x frost=1 baseline=1 unit=ms target=0")\nos.exit(1)\n' > "$tmp/fail.lua"
	! FROST_LUA_BENCH=$tmp/fail.lua "$bench" lua --reps 1 > "$tmp/o" 2> "$tmp/e" &&
	grep -q 'result=FAILURE' "$tmp/o" && grep -q 'failed (status 1)' "$tmp/e"
}
malformed_result_fails() {
	printf 'print("RESULT name=x frost=nan baseline=1 unit=ms target=0")\n' > "$tmp/bad.lua"
	! FROST_LUA_BENCH=$tmp/bad.lua "$bench" lua --reps 1 > /dev/null 2> "$tmp/e" &&
	grep -q 'insane result for x' "$tmp/e"
}
ok "bench.lua: --help, and usage errors exit 2" -- usage_errors
ok "frost-bench lua: no interpreter is a skip, not a result" -- no_interpreter_skips
ok "frost-bench lua: no script found is a skip" -- no_script_skips
ok "frost-bench lua: a failing script fails" -- failing_script_fails
ok "frost-bench lua: a non-finite result fails" -- malformed_result_fails

if [ -f "$module" ] && lua5.4 -e 'require "cjson"' 2>/dev/null &&
   [ -f /usr/share/iso-codes/json/iso_3166-1.json ]; then
	export LUA_CPATH="$FROST_OBJTREE/tools/lua/?.so;;"
	summaries() {
		"$bench" lua --reps 1 --iterations 1 --workers 2 --quiet --csv "$tmp/l.csv" > "$tmp/s" || return 1
		for n in lua_lookup lua_state_rss_copy lua_state_rss_deepcopy lua_state_heap_copy \
			 lua_state_heap_deepcopy lua_state_target lua_startup_copy lua_startup_deepcopy \
			 lua_startup_target; do
			grep -q "^SUMMARY name=$n workers=2 frost=[0-9.]* baseline=[0-9.]* " "$tmp/s" ||
				{ echo "no SUMMARY $n"; cat "$tmp/s"; return 1; }
			grep -q "^$n\[workers=2\],frost/baseline,ratio," "$tmp/l.csv" ||
				{ echo "no CSV row for $n"; return 1; }
		done
		[ "$(grep -c ' verdict=' "$tmp/s")" = 3 ]
	}
	variant_subset() {
		"$bench" lua --reps 1 --iterations 1 --workers 1 --variant frozen,copy --quiet > "$tmp/v" &&
		grep -q '^SUMMARY name=lua_startup_copy workers=1 ' "$tmp/v" &&
		! grep -q 'deepcopy' "$tmp/v"
	}
	example() {
		lua5.4 "$FROST_SRCTREE/tools/lua/examples/countries.lua" FR jpn xx > "$tmp/c" || return 1
		grep -q '^FR  France (FRA, 250) \[worker [12]\]$' "$tmp/c" &&
		grep -q '^jpn Japan (JPN, 392) \[worker [12]\]$' "$tmp/c" &&
		grep -q '^xx  unknown \[worker [12]\]$' "$tmp/c" &&
		[ "$(sed -n 's/^worker [12] served \([0-9]*\) of 3 lookups$/\1/p' "$tmp/c" | awk '{ s += $1 } END { print s }')" = 3 ]
	}
	ok "frost-bench lua: every SUMMARY line and CSV row, three targets" -- summaries
	ok "frost-bench lua --variant: only the comparisons that ran" -- variant_subset
	ok "examples/countries.lua: two worker states answer every code" -- example
else
	ok "the module's runs # SKIP tools/lua/frost.so, lua-cjson or iso-codes missing" -- true
fi

if command -v sphinx-build >/dev/null 2>&1; then
	ok "frost-bench-lua(1) made" -- sh -c "make -s -C '$FROST_SRCTREE' O='$FROST_OBJTREE' mandocs &&
		grep -q 'lua_startup_target' '$FROST_OBJTREE/Documentation/output/man/man1/frost-bench-lua.1'"
fi
done_testing
