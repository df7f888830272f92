#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t9002-build: the build system's promises. An out-of-tree build (O=dir)
# writes nothing into the source tree; output is quiet (`  CC      path`) and
# V=1 prints full command lines; a second make has nothing to do; a changed
# compiler flag or .config rebuilds the objects; `make help` lists the
# targets; a deliberately failing test makes `make check` fail, with its
# diagnostics again at the end; a make run by a test does not rebuild the
# object tree under test with other flags.
. "$(dirname "$0")/lib-tap.sh"

[ -z "${FROST_SANITIZE:-}" ] || skip_all "the build system is tested on the plain build"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$FROST_SRCTREE
mk() { make -C "$src" O="$tmp/o" "$@"; }

# The source tree's state as git sees it, ignored files included, but for
# what the suite's documentation tests write there while this test runs
# (prove -j2 runs them at the same time): Sphinx's and the man generator's
# output under Documentation/output/.
tree_state() {
	git -C "$src" status --porcelain --ignored | grep -v '^!! Documentation/output/$'
}

before=""
if git -C "$src" rev-parse 2>/dev/null; then
	before=$(tree_state)
fi

quiet_build() {
	mk lib > "$tmp/quiet.log" 2>&1 &&
	grep -q '^  CC      lib/core/version.o$' "$tmp/quiet.log" &&
	grep -q '^  AR      libfrost.a$' "$tmp/quiet.log" &&
	grep -q '^  LD      libfrost.so.0.1.0$' "$tmp/quiet.log" &&
	! grep -q -- '-Wall' "$tmp/quiet.log"
}
second_make_idle() {
	out=$(mk lib 2>&1) && ! printf '%s' "$out" | grep -q '  CC '
}
verbose_build() {
	rm -f "$tmp/o/lib/core/version.o"
	mk V=1 lib > "$tmp/v.log" 2>&1 && grep -q -- '-c -o .*lib/core/version.o .*version.c' "$tmp/v.log"
}
flags_rebuild() {
	out=$(mk EXTRA_CFLAGS=-DFROST_T9002 lib 2>&1) &&
	printf '%s' "$out" | grep -q 'CC      lib/core/version.o'
}
config_rebuild() {
	mk EXTRA_CFLAGS=-DFROST_T9002 lib >/dev/null 2>&1 &&
	sed -i 's/^CONFIG_FROST_SMALLINT_MAX=.*/CONFIG_FROST_SMALLINT_MAX=77/' "$tmp/o/.config" &&
	out=$(mk EXTRA_CFLAGS=-DFROST_T9002 lib 2>&1) &&
	printf '%s' "$out" | grep -q 'CC      lib/core/version.o' &&
	grep -q 'define CONFIG_FROST_SMALLINT_MAX 77' "$tmp/o/include/generated/autoconf.h"
}
source_tree_clean() {
	[ -z "$before" ] && return 0
	after=$(tree_state)
	[ "$before" = "$after" ] || { printf 'before:\n%s\nafter:\n%s\n' "$before" "$after"; return 1; }
}
help_lists_targets() {
	out=$(make -s -C "$src" help) &&
	for t in all check run install uninstall clean mrproper defconfig olddefconfig menuconfig \
		 'V=1' 'O=dir' 'C=1' 'SANITIZE='; do
		printf '%s' "$out" | grep -q -- "$t" || { echo "help lacks $t"; return 1; }
	done
}
failing_check_fails() {
	# T= narrows `make check` to the given tests; a failing one must make
	# the whole target fail, with prove's verdict.
	! make -C "$src" O="$FROST_OBJTREE" check T="$FROST_OBJTREE/t/helpers/tap-fail" \
		> "$tmp/prove.log" 2>&1 &&
	grep -q 'Result: FAIL' "$tmp/prove.log" &&
	# ... and print the failed test's diagnostics again at the end.
	sed -n '/the failed tests. output, again/,$p' "$tmp/prove.log" |
		grep -q 'check failed: expect_int(1 + 2, ==, 4)'
}
# A make that a test runs on the object tree under test (FROST_CHECK_OBJTREE,
# set by `make check`) refuses to rebuild it with other flags: relinking
# libfrost.so there would break the tests running beside it.
no_rebuild_under_check() {
	! FROST_CHECK_OBJTREE="$tmp/o" mk EXTRA_CFLAGS=-DFROST_T9002_GUARD lib > "$tmp/guard.log" 2>&1 &&
	grep -q 'its tests are running (FROST_CHECK_OBJTREE)' "$tmp/guard.log" &&
	! grep -q '  CC ' "$tmp/guard.log" &&
	# The flags it was built with (config_rebuild's) build as usual.
	FROST_CHECK_OBJTREE="$tmp/o" mk EXTRA_CFLAGS=-DFROST_T9002 lib > "$tmp/guard.log" 2>&1
}

ok "quiet output names each object" -- quiet_build
ok "a second make compiles nothing" -- second_make_idle
ok "V=1 prints full command lines" -- verbose_build
ok "a changed flag rebuilds objects" -- flags_rebuild
ok "a changed .config regenerates autoconf.h and rebuilds" -- config_rebuild
ok "O=dir leaves the source tree unchanged" -- source_tree_clean
ok "make help lists targets and knobs" -- help_lists_targets
ok "make check fails when a test fails" -- failing_check_fails
ok "a test's make does not rebuild the tree under test" -- no_rebuild_under_check
done_testing
