#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t9001-install: `make install DESTDIR=tmp` installs headers, both libraries,
# the soname link and frost.pc; a program compiled with
# `pkg-config --cflags --libs frost` against that tree links and runs, both
# against the shared library and statically (`--static`); the man pages go
# to MANDIR (section 3 from the headers, frost(7) where Sphinx is
# installed); the Lua module goes to LUA_CMOD_DIR where it is built;
# uninstall removes everything again: the tree afterwards is the tree
# before, files of others in the same directories kept.
. "$(dirname "$0")/lib-tap.sh"

[ -z "${FROST_SANITIZE:-}" ] || skip_all "install is tested on the plain build"
command -v pkg-config >/dev/null || skip_all "pkg-config not installed"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
# LIBDIR's default: the multiarch directory where the compiler names one.
multiarch=$(${CC:-cc} -print-multiarch 2>/dev/null || true)
lib=lib${multiarch:+/$multiarch}
mk() { make -s -C "$FROST_SRCTREE" O="$FROST_OBJTREE" DESTDIR="$dest" "$@"; }
# pkg-config as a user of the installed tree sees it (the builds that make
# runs must not: their own pkg-config lookups, Lua's headers among them,
# would be moved under $dest).
pc() { PKG_CONFIG_SYSROOT_DIR="$dest" PKG_CONFIG_PATH="$dest/usr/local/$lib/pkgconfig" pkg-config "$@"; }

# Files of other packages in the directories install uses: they stay.
mkdir -p "$dest/usr/local/$lib" "$dest/usr/local/share/man/man3" "$dest/usr/local/include" &&
	echo other > "$dest/usr/local/$lib/libother.so.1" &&
	echo other > "$dest/usr/local/share/man/man3/other.3" &&
	echo other > "$dest/usr/local/include/other.h" || exit 1
tree() { (cd "$dest" && find . | LC_ALL=C sort); }
tree > "$tmp/before"

ok "make install DESTDIR succeeds" -- mk install
for f in include/frost/frost.h include/frost/config.h $lib/libfrost.a $lib/libfrost.so.0 \
	 $lib/libfrost.so $lib/pkgconfig/frost.pc; do
	ok "installed usr/local/$f" -- test -e "$dest/usr/local/$f"
done
ok "installed man3/frost_freeze.3" -- test -s "$dest/usr/local/share/man/man3/frost_freeze.3"
ok "installed man3/struct_frost_object.3 and its frost_object.3 link" -- \
	grep -q '^\.so man3/struct_frost_object\.3' "$dest/usr/local/share/man/man3/frost_object.3"
if command -v sphinx-build >/dev/null 2>&1; then
	ok "installed man7/frost.7" -- test -s "$dest/usr/local/share/man/man7/frost.7"
fi
ok "MANDIR moves the man pages" -- sh -c "
	make -s -C '$FROST_SRCTREE' O='$FROST_OBJTREE' DESTDIR='$tmp/m' MANDIR=/opt/man install &&
	test -s '$tmp/m/opt/man/man3/frost_freeze.3' && ! test -e '$tmp/m/usr/local/share/man' &&
	make -s -C '$FROST_SRCTREE' O='$FROST_OBJTREE' DESTDIR='$tmp/m' MANDIR=/opt/man uninstall &&
	! test -e '$tmp/m/opt/man/man3/frost_freeze.3'"
ok "libfrost.so.0 links to the versioned library" -- \
	sh -c "readlink '$dest/usr/local/$lib/libfrost.so.0' | grep -q '^libfrost.so.0\.'"

cat > "$tmp/prog.c" <<'EOC'
#include <stdio.h>
#include <string.h>
#include <frost/frost.h>
int main(void)
{
	char want[32];

	snprintf(want, sizeof(want), "%d.%d.%d", FROST_VERSION_MAJOR,
		 FROST_VERSION_MINOR, FROST_VERSION_PATCH);
	printf("%s\n", frost_version());
	return strcmp(frost_version(), want) != 0;
}
EOC
cc=${CC:-cc}
build_shared() {
	$cc -o "$tmp/prog" "$tmp/prog.c" $(pc --cflags --libs frost)
}
run_shared() {
	LD_LIBRARY_PATH="$dest/usr/local/$lib" "$tmp/prog"
}
links_installed_so() {
	LD_LIBRARY_PATH="$dest/usr/local/$lib" ldd "$tmp/prog" | grep -q "$dest/usr/local/$lib/libfrost.so.0"
}
build_static() {
	$cc -static-libgcc -o "$tmp/prog-static" "$tmp/prog.c" \
		$(pc --cflags frost) "$dest/usr/local/$lib/libfrost.a" \
		$(pc --static --libs-only-l frost | sed 's/-lfrost//')
}
ok "program builds with pkg-config --cflags --libs frost" -- build_shared
ok "program runs against the installed libfrost.so.0" -- run_shared
ok "program resolves the installed soname" -- links_installed_so
ok "program links the installed static library" -- build_static
ok "static program runs" -- "$tmp/prog-static"
# The Lua module, where it is built (pkg-config lua5.4): into LUA_CMOD_DIR,
# finding the installed libfrost through its $ORIGIN-relative runpath.
if [ -f "$FROST_OBJTREE/tools/lua/frost.so" ]; then
	cmod=$dest/usr/local/$lib/lua/5.4
	ok "installed the Lua module usr/local/$lib/lua/5.4/frost.so" -- test -f "$cmod/frost.so"
	resolves_installed() {
		got=$(ldd "$cmod/frost.so" | awk '/libfrost\.so\.0/ { print $3 }')
		[ -n "$got" ] && [ "$(readlink -f "$got")" = "$(readlink -f "$dest/usr/local/$lib/libfrost.so.0")" ]
	}
	ok "the installed module resolves the installed libfrost.so.0 (runpath)" -- resolves_installed
	if command -v lua5.4 >/dev/null 2>&1; then
		ok "lua5.4 requires the installed module" -- env LUA_CPATH="$cmod/?.so" \
			lua5.4 -e 'local f = require "frost"; assert(f.freeze{ 7 }[1] == 7)'
	fi
	ok "LUA_CMOD_DIR moves the Lua module" -- sh -c "
		make -s -C '$FROST_SRCTREE' O='$FROST_OBJTREE' DESTDIR='$tmp/l' LUA_CMOD_DIR=/opt/lua install &&
		test -f '$tmp/l/opt/lua/frost.so' && ! test -e '$tmp/l/usr/local/$lib/lua' &&
		make -s -C '$FROST_SRCTREE' O='$FROST_OBJTREE' DESTDIR='$tmp/l' LUA_CMOD_DIR=/opt/lua uninstall &&
		! test -e '$tmp/l/opt/lua'"
fi
ok "make uninstall succeeds" -- mk uninstall
ok "uninstall removed the headers and libraries" -- \
	sh -c "! ls '$dest/usr/local/$lib/' | grep -q frost && ! test -e '$dest/usr/local/include/frost'"
tree > "$tmp/after"
ok "the tree after uninstall is the tree before" -- diff "$tmp/before" "$tmp/after"
tools_round_trip() {
	make -s -C "$FROST_SRCTREE" O="$FROST_OBJTREE" DESTDIR="$tmp/t" install-tools &&
	test -x "$tmp/t/usr/local/bin/frost-torture" && test -x "$tmp/t/usr/local/bin/frost-bench" &&
	{ ! command -v sphinx-build >/dev/null 2>&1 ||
	  test -s "$tmp/t/usr/local/share/man/man1/frost-torture.1"; } &&
	make -s -C "$FROST_SRCTREE" O="$FROST_OBJTREE" DESTDIR="$tmp/t" uninstall-tools &&
	test -z "$(cd "$tmp/t" && find . -mindepth 1 ! -path ./usr ! -path ./usr/local)"
}
ok "install-tools, then uninstall-tools, leaves nothing" -- tools_round_trip
ok "uninstall into an empty DESTDIR leaves it empty" -- sh -c "
	make -s -C '$FROST_SRCTREE' O='$FROST_OBJTREE' DESTDIR='$tmp/e' install &&
	make -s -C '$FROST_SRCTREE' O='$FROST_OBJTREE' DESTDIR='$tmp/e' uninstall &&
	test -z \"\$(cd '$tmp/e' && find . -mindepth 1 ! -path ./usr ! -path ./usr/local)\""
done_testing
