#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t9010-config-h: the installed configuration. The build writes
# include/frost/config.h (scripts/mkconfig-h) from its .config, and every
# public header includes it: FROST_CONFIG_* match .config and the
# version; the headers of a debug build turn on the inline owner check and
# refer to frost_config_debug, so a program built against them does not
# link with a release library (and does with a debug one); a config.h of
# another version is an #error; and the build refuses a liburcu outside
# the range the inline quiescent state was checked for.
. "$(dirname "$0")/lib-tap.sh"

[ -z "${FROST_SANITIZE:-}" ] || skip_all "tested on the plain build"

src=$FROST_SRCTREE
obj=$FROST_OBJTREE
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

lib_is_debug() { grep -q '^CONFIG_FROST_DEBUG=y' "$obj/.config"; }

matches_config() {
	h=$obj/include/frost/config.h
	for sym in DEBUG STATS FAULT_INJECTION; do
		if grep -q "^CONFIG_FROST_$sym=y" "$obj/.config"; then v=1; else v=0; fi
		grep -Eq "^#define FROST_CONFIG_$sym[[:space:]]+$v\$" "$h" ||
			{ echo "FROST_CONFIG_$sym is not $v"; return 1; }
	done
	min=$(sed -n 's/^CONFIG_FROST_SMALLINT_MIN=//p' "$obj/.config")
	grep -Eq "^#define FROST_CONFIG_SMALLINT_MIN[[:space:]]+\\(?$min\\)?\$" "$h" &&
	v=$(for f in MAJOR MINOR PATCH; do
		sed -n "s/^#define FROST_VERSION_$f //p" "$src/include/frost/frost.h"; done | paste -sd.)
	grep -q "^#define FROST_CONFIG_VERSION[[:space:]]*\"$v\"\$" "$h" || { echo "version is not $v"; return 1; }
}

# A private include directory: the public headers with a config.h made
# by scripts/mkconfig-h from $1 (a .config) and version $2.
mkinc() {
	rm -rf "$tmp/inc" && mkdir -p "$tmp/inc/frost" &&
	for f in "$src"/include/frost/*.h; do
		[ "${f##*/}" = config.h ] || cp "$f" "$tmp/inc/frost/" || return 1
	done &&
	"$src/scripts/mkconfig-h" "$1" "$tmp/inc/frost/config.h" "$2" test
}
debug_config() {
	sed 's/^# CONFIG_FROST_DEBUG is not set$/CONFIG_FROST_DEBUG=y/' "$obj/.config" > "$tmp/debug.config" &&
	grep -q '^CONFIG_FROST_DEBUG=y' "$tmp/debug.config"
}
release_config() {
	sed 's/^CONFIG_FROST_DEBUG=y$/# CONFIG_FROST_DEBUG is not set/' "$obj/.config" > "$tmp/release.config"
}
version() { sed -n 's/^#define FROST_CONFIG_VERSION[[:space:]]*"\(.*\)"$/\1/p' "$obj/include/frost/config.h"; }

cat > "$tmp/prog.c" <<'EOC'
#include <stdio.h>
#include <frost/frost.h>
int main(void)
{
#ifdef CONFIG_FROST_DEBUG
	puts("inline-debug");
#else
	puts("inline-release");
#endif
	puts(frost_version());
	return 0;
}
EOC
build() {	# build OUT: against $tmp/inc and this build's libfrost.so
	$cc -std=gnu11 -Wall -Wextra -Werror -I"$tmp/inc" -o "$1" "$tmp/prog.c" \
		-L"$obj" -Wl,-rpath,"$obj" -lfrost
}

debug_headers_vs_lib() {
	debug_config && mkinc "$tmp/debug.config" "$(version)" || return 1
	if lib_is_debug; then
		build "$tmp/p" && "$tmp/p" | grep -q inline-debug
	else
		! build "$tmp/p" 2> "$tmp/err" && grep -q frost_config_debug "$tmp/err"
	fi
}
release_headers_link() {
	release_config && mkinc "$tmp/release.config" "$(version)" &&
	build "$tmp/p" && "$tmp/p" > "$tmp/out" && grep -q inline-release "$tmp/out"
}
user_debug_kept() {	# a program may ask for the owner check itself
	release_config && mkinc "$tmp/release.config" "$(version)" &&
	$cc -std=gnu11 -Wall -Werror -DCONFIG_FROST_DEBUG -I"$tmp/inc" -o "$tmp/p" "$tmp/prog.c" \
		-L"$obj" -Wl,-rpath,"$obj" -lfrost && "$tmp/p" | grep -q inline-debug
}
no_debug_inline() {
	debug_config && mkinc "$tmp/debug.config" "$(version)" &&
	$cc -std=gnu11 -Werror -DFROST_NO_DEBUG_INLINE -I"$tmp/inc" -E "$tmp/prog.c" |
		grep -q 'inline-release'
}
other_version_errors() {
	release_config && mkinc "$tmp/release.config" 9.9.9 &&
	! $cc -std=gnu11 -I"$tmp/inc" -c -o "$tmp/p.o" "$tmp/prog.c" 2> "$tmp/err" &&
	grep -q 'another frost version' "$tmp/err"
}
urcu_refused() {
	mkdir -p "$tmp/o" && cp "$obj/.config" "$tmp/o/.config" &&
	! make -s -C "$src" O="$tmp/o" URCU_BELOW=0.1 lib > "$tmp/err" 2>&1 &&
	grep -q 'liburcu-qsbr .* is not supported' "$tmp/err" &&
	! test -e "$tmp/o/lib/core/version.o"
}

ok "config.h matches .config and the version" -- matches_config
ok "debug headers link only with a debug library" -- debug_headers_vs_lib
ok "release headers link, inline paths without the owner check" -- release_headers_link
ok "a program's own CONFIG_FROST_DEBUG still turns the check on" -- user_debug_kept
ok "FROST_NO_DEBUG_INLINE keeps the inline paths plain" -- no_debug_inline
ok "a config.h of another version is an #error" -- other_version_errors
ok "an unsupported liburcu is refused before anything is compiled" -- urcu_refused
done_testing
