#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t9003-docs: the documentation keeps up with the API. scripts/check-docs
# finds every function the public headers declare for export (FROST_API,
# names matching lib/libfrost.map) and the inline fast paths, and checks
# that each has a kernel-doc comment in its header, is pulled into
# Documentation/core-api/ by a `.. kernel-doc::` directive (the comment is
# the one source of the reference: no hand-written duplicate), and that
# libfrost.so exports exactly those. scripts/kernel-doc-man, which turns the
# comments into man pages and reST, finds no mismatch between a comment and
# its declaration. Each check is itself checked on a copy of the tree with
# a comment removed, a name dropped from a page, a description written by
# hand, or an argument renamed. Every Documentation/ source carries an SPDX line, and
# where sphinx-build is installed, `make htmldocs` is warning-free.
. "$(dirname "$0")/lib-tap.sh"

src=$FROST_SRCTREE
check=$src/scripts/check-docs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run_check() { "$check" "$@"; }

# A copy of what the check reads, for the negative tests.
mkcopy() {
	rm -rf "$tmp/tree" && mkdir -p "$tmp/tree/lib" "$tmp/tree/Documentation" &&
	cp -R "$src/include" "$tmp/tree/" &&
	cp "$src/lib/libfrost.map" "$tmp/tree/lib/" &&
	cp -R "$src/Documentation/core-api" "$tmp/tree/Documentation/"
}
catches_missing_comment() {
	mkcopy &&
	# Turn frost_freeze()'s kernel-doc opener into an ordinary comment.
	perl -0pi -e 's{/\*\*(\s*\n \* frost_freeze\(\) - )}{/*$1}' "$tmp/tree/include/frost/object.h" &&
	! FROST_SRCTREE=$tmp/tree FROST_OBJTREE=$tmp/tree "$check" kernel-doc 2> "$tmp/err" &&
	grep -q 'frost_freeze() has no kernel-doc comment' "$tmp/err"
}
catches_wrong_name() {
	mkcopy &&
	perl -0pi -e 's{(\n \* )frost_pin(\(\) - )}{$1frost_pinn$2}' "$tmp/tree/include/frost/sandbox.h" &&
	! FROST_SRCTREE=$tmp/tree FROST_OBJTREE=$tmp/tree "$check" kernel-doc 2> "$tmp/err" &&
	grep -q 'frost_pin(): kernel-doc comment names frost_pinn()' "$tmp/err"
}
catches_undocumented() {
	mkcopy &&
	for f in "$tmp"/tree/Documentation/core-api/*.rst; do
		sed '/:identifiers:/s/ frost_lookup\( \|$\)/\1/' "$f" > "$f.new" && mv "$f.new" "$f" || return 1
	done &&
	! FROST_SRCTREE=$tmp/tree FROST_OBJTREE=$tmp/tree "$check" core-api 2> "$tmp/err" &&
	grep -q 'frost_lookup() is not described' "$tmp/err"
}
catches_handwritten() {
	mkcopy &&
	printf '\n``int frost_pin(sb, shared)``\n   Pins it.\n' >> "$tmp/tree/Documentation/core-api/sandbox.rst" &&
	! FROST_SRCTREE=$tmp/tree FROST_OBJTREE=$tmp/tree "$check" core-api 2> "$tmp/err" &&
	grep -q 'hand-written description of frost_pin()' "$tmp/err"
}
kerneldoc_clean() {
	"$src/scripts/kernel-doc-man" list "$src"/include/frost/*.h > "$tmp/list" &&
	grep -q '^function frost_tuple_get ' "$tmp/list" &&
	grep -q '^struct frost_object ' "$tmp/list" &&
	grep -q '^typedef frost_visit_fn ' "$tmp/list" &&
	grep -q '^object frost_tuple_type ' "$tmp/list"
}
kerneldoc_catches_mismatch() {
	mkcopy &&
	perl -0pi -e 's{(\* frost_pin\(\) - .*?\n) \* \@sb:}{$1 * \@sandbox:}s' "$tmp/tree/include/frost/sandbox.h" &&
	perl -0pi -e 's{(\* \@refcnt:)}{ * \@count: gone.\n$1}' "$tmp/tree/include/frost/object.h" &&
	! "$src/scripts/kernel-doc-man" list "$tmp"/tree/include/frost/*.h > /dev/null 2> "$tmp/err" &&
	grep -q 'frost_pin: argument @sb is not documented' "$tmp/err" &&
	grep -q 'frost_pin: documented argument @sandbox does not exist' "$tmp/err" &&
	grep -q 'frost_object: documented member @count does not exist' "$tmp/err"
}
spdx_everywhere() {
	bad=$(find "$src/Documentation" -path "$src/Documentation/output" -prune -o \
		-type f \( -name '*.rst' -o -name '*.py' \) -print |
	      while read -r f; do
		head -n 2 "$f" | grep -q 'SPDX-License-Identifier: LGPL-2.1-or-later' || echo "$f"
	      done)
	[ -z "$bad" ] || { echo "no SPDX line: $bad"; return 1; }
}
htmldocs() {
	sphinx-build -q -W --keep-going -b html -d "$tmp/doctrees" \
		"$src/Documentation" "$tmp/html" 2>&1 &&
	[ -f "$tmp/html/index.html" ]
}

ok "every exported function has a kernel-doc comment" -- run_check kernel-doc
ok "every exported function and type is pulled into Documentation/core-api" -- run_check core-api
ok "libfrost.so exports exactly the declared, documented functions" -- run_check exports
ok "the check finds a missing kernel-doc comment" -- catches_missing_comment
ok "the check finds a kernel-doc comment naming another function" -- catches_wrong_name
ok "the check finds a function missing from core-api" -- catches_undocumented
ok "the check finds a hand-written function description" -- catches_handwritten
ok "kernel-doc-man parses every header without a warning" -- kerneldoc_clean
ok "kernel-doc-man finds arguments and members out of step" -- kerneldoc_catches_mismatch
ok "every Documentation source has an SPDX line" -- spdx_everywhere
if command -v sphinx-build > /dev/null 2>&1; then
	ok "Documentation builds with Sphinx without warnings" -- htmldocs
else
	ok "htmldocs # SKIP sphinx-build not installed (python3-sphinx)" -- true
fi
done_testing
