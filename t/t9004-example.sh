#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t9004-example: the worked example that Documentation/whatisfrost.rst
# includes (tools/examples/hello-frost.c) builds, runs, exits 0 and says
# what it did, step by step; and it compiles as a user would build it, with
# nothing but the public headers (no generated config, no internal header).
. "$(dirname "$0")/lib-tap.sh"

prog=$FROST_OBJTREE/tools/examples/hello-frost
[ -x "$prog" ] || { echo "Bail out! $prog not built"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

runs() {
	"$prog" > "$tmp/out" 2> "$tmp/err" || { cat "$tmp/out" "$tmp/err"; return 1; }
}
version_line() {
	head -n 1 "$tmp/out" | grep -q -x -E 'hello-frost: libfrost [0-9]+\.[0-9]+\.[0-9]+'
}
quiet_stderr() {
	[ ! -s "$tmp/err" ] || { cat "$tmp/err"; return 1; }
}
# Everything a user sees, in order (the version line aside).
in_order() {
	cat > "$tmp/want" <<'OUT'
writer: attached to a new heap
writer: built a private tuple ("hello", 42, 2.5), shared=no
writer: froze it: shared=yes
writer: published it as "greeting"
reader: looked up "greeting": ("hello", 42, 2.5), shared=yes
reader: still valid after a quiescent state, because pinned: 3 items
writer: the reader returned 0
writer: unpublished "greeting"
writer: a reclaim cycle freed 3 shared objects
writer: detached; heap destroyed
OUT
	sed 1d "$tmp/out" | diff -u "$tmp/want" -
}
user_build() {
	libs=$(pkg-config --libs liburcu-qsbr liburcu-cds ck 2>/dev/null)
	${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -I"$FROST_OBJTREE/include" -I"$FROST_SRCTREE/include" \
		-o "$tmp/hello" "$FROST_SRCTREE/tools/examples/hello-frost.c" \
		"$FROST_OBJTREE/libfrost.a" $libs -lpthread &&
	"$tmp/hello" > "$tmp/out2" && sed 1d "$tmp/out2" | diff -u "$tmp/want" -
}

ok "hello-frost exits 0" -- runs
ok "it prints the library version" -- version_line
ok "it reports each step, in order" -- in_order
ok "it writes nothing on stderr" -- quiet_stderr
if [ -n "${FROST_SANITIZE:-}" ]; then
	ok "user build # SKIP a sanitized libfrost.a needs the sanitizer's flags" -- true
else
	ok "it builds from the public headers alone, as a user would" -- user_build
fi
done_testing
