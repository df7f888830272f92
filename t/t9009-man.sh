#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t9009-man: the man pages. `make mandocs` writes section 3 from the
# headers' kernel-doc comments (scripts/kernel-doc-man): one page per
# public function, typedef and exported object, one per structure
# (struct_NAME.3, and a NAME.3 .so link where no function has that name);
# and, where sphinx-build is installed, frost(7), frost-checklist(7),
# frost-torture(1) and frost-bench(1) from Documentation/. Every page
# renders with `man -l --warnings` (or `groff -man -ww`) without a
# single warning, and the check itself sees a page that warns.
. "$(dirname "$0")/lib-tap.sh"

[ -z "${FROST_SANITIZE:-}" ] || skip_all "man pages are tested on the plain build"
command -v groff >/dev/null || skip_all "groff not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"

src=$FROST_SRCTREE
man=$FROST_OBJTREE/Documentation/output/man
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mandocs() { make -s -C "$src" O="$FROST_OBJTREE" mandocs; }

# Every name the headers document has its page, and nothing else is there.
every_name_has_a_page() {
	"$src/scripts/kernel-doc-man" list "$src"/include/frost/*.h > "$tmp/list" || return 1
	n=0
	while read -r kind name where; do
		case $kind in
		struct) page=struct_$name.3 ;;
		*) page=$name.3 ;;
		esac
		[ -s "$man/man3/$page" ] || { echo "no man3/$page ($where)"; return 1; }
		n=$((n + 1))
	done < "$tmp/list"
	[ "$n" -gt 50 ] || { echo "only $n names"; return 1; }
	grep -q '^\.so man3/struct_frost_object\.3$' "$man/man3/frost_object.3" &&
	grep -q 'frost_tuple_get' "$man/man3/frost_tuple_get.3" &&
	grep -q '^\.SH RETURN VALUE' "$man/man3/frost_freeze.3"
}

# render PAGE: no output on stderr from man-db (its --warnings are
# groff's -ww), or from groff itself where man-db is not installed.
if command -v man >/dev/null; then
	fmt() { man -l --warnings "$1"; }
else
	fmt() { groff -man -t -s -ww -Tutf8 "$1"; }
fi
render() {
	(cd "$man" && fmt "$1" 2> "$tmp/err" > "$tmp/out") || { cat "$tmp/err"; return 1; }
	[ ! -s "$tmp/err" ] || { echo "$1:"; cat "$tmp/err"; return 1; }
	[ -s "$tmp/out" ] || { echo "$1: rendered nothing"; return 1; }
}
render_all() {
	n=0
	for p in $(cd "$man" && ls man1/*.1 man3/*.3 man7/*.7 2>/dev/null); do
		render "$p" || return 1
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
	echo "$n pages"
}
catches_warning() {
	mkdir -p "$tmp/m/man3" && cp "$man/man3/frost_freeze.3" "$tmp/m/man3/" &&
	printf '.BOGUSMACRO x\n' >> "$tmp/m/man3/frost_freeze.3" &&
	! (man=$tmp/m; render man3/frost_freeze.3)
}

ok "make mandocs" -- mandocs
ok "every documented name has a section 3 page" -- every_name_has_a_page
ok "every page renders without a warning" -- render_all
ok "the render check sees a warning" -- catches_warning
if command -v sphinx-build >/dev/null 2>&1; then
	for p in man7/frost.7 man7/frost-checklist.7 man1/frost-torture.1 man1/frost-bench.1; do
		ok "$p made" -- test -s "$man/$p"
	done
	ok "frost(7) states the lifetime rules" -- grep -q 'LIFETIME RULES' "$man/man7/frost.7"
else
	ok "man1, man7 # SKIP sphinx-build not installed (python3-sphinx)" -- true
fi
done_testing
