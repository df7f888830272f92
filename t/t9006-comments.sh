#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t9006-comments: comments that name code name real code.
# scripts/check-comments reads lib/, include/ and tools/: every function a
# "Pairs with" sentence names must exist, and every kernel-doc struct
# comment must document exactly the members of the struct it precedes.
# The tree passes; copies of it with a planted wrong partner, a planted
# unknown member, a planted undocumented member and a comment above the
# wrong struct each fail, naming what is wrong.
. "$(dirname "$0")/lib-tap.sh"

src=$FROST_SRCTREE
check=$src/scripts/check-comments
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkcopy() {
	rm -rf "$tmp/tree" && mkdir -p "$tmp/tree" &&
	for d in lib include tools; do
		(cd "$src" && find "$d" -name '*.[ch]' -print) |
		while read -r f; do
			mkdir -p "$tmp/tree/$(dirname "$f")" &&
			cp "$src/$f" "$tmp/tree/$f" || exit 1
		done || return 1
	done
}
# Plant @2 into lib/planted.c of the copy; the check must fail saying @1.
fails_on() {
	want=$1 && mkcopy && printf '%s\n' "$2" > "$tmp/tree/lib/planted.c" &&
	! "$check" "$tmp/tree" 2> "$tmp/err" &&
	grep -q "^lib/planted.c:[0-9]*: .*$want" "$tmp/err" ||
	{ cat "$tmp/err"; return 1; }
}
wrong_partner() {
	fails_on 'names nosuch_fn()' '/* Release: publishes x. Pairs with the
 * load-acquire in nosuch_fn(). */'
}
right_partner() {
	mkcopy && printf '%s\n' 'int planted_reader(void)
{
	return 0;	/* Pairs with the store in frost_freeze(). */
}' > "$tmp/tree/lib/planted.c" &&
	"$check" "$tmp/tree"
}
wrong_member() {
	fails_on 'struct planted has no member nosuch' '/*
 * struct planted - a planted struct.
 * @a, @nosuch: two members, one of them gone.
 */
struct planted {
	int a;
};'
}
missing_member() {
	fails_on 'struct planted: member b is not documented' '/*
 * struct planted - a planted struct.
 * @a: the only documented member.
 */
struct planted {
	int a;
	struct { int x; } b;
};'
}
wrong_struct() {
	fails_on 'comment for struct planted precedes struct other' '/**
 * struct planted - a planted struct.
 * @a: a member.
 */
struct other {
	int a;
};'
}
edited_real_comment() {
	mkcopy &&
	perl -0pi -e 's{ \* \@overflow: }{ * \@overflowed: }' "$tmp/tree/lib/gc/gc_internal.h" &&
	! "$check" "$tmp/tree" 2> "$tmp/err" &&
	grep -q 'struct frost_gc has no member overflowed' "$tmp/err" &&
	grep -q 'struct frost_gc: member overflow is not documented' "$tmp/err"
}

ok "the tree's Pairs-with and struct comments match the code" -- "$check" "$src"
ok "a Pairs-with naming a missing function fails" -- wrong_partner
ok "a Pairs-with naming a real function passes" -- right_partner
ok "a struct comment naming a missing member fails" -- wrong_member
ok "a struct member without a comment fails" -- missing_member
ok "a struct comment above another struct fails" -- wrong_struct
ok "a renamed member in struct frost_gc's comment fails" -- edited_real_comment
done_testing
