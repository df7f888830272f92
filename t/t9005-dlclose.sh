#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# t9005-dlclose: unloading. A module linked against libfrost.so (the way a
# Lua C module is) is dlopen()ed by a program that does not link libfrost
# itself; the module leaves a heap with its background reclaimer and an
# attached sandbox. dlclose() of the module, libfrost's only user, must not
# unmap the library under frost's threads (it is linked -z nodelete), and a
# process that exits with live heaps exits 0.
. "$(dirname "$0")/lib-tap.sh"

main=$FROST_OBJTREE/t/helpers/dlclose-main
mod=$FROST_OBJTREE/t/helpers/dlclose-mod.so
so=$(ls "$FROST_OBJTREE"/libfrost.so.0.* 2>/dev/null | head -n 1)
[ -x "$main" ] && [ -f "$mod" ] && [ -n "$so" ] ||
	{ echo "Bail out! dlclose-main, dlclose-mod.so or libfrost.so not built"; exit 1; }

# LeakSanitizer (gcc 12's libsanitizer) misreads glibc 2.36's dynamic TLS
# of a dlopen()ed library and crashes in its tracer at exit, whatever the
# library does ("Tracer caught signal 11", "DTLS ... at 0x000200000022"):
# leak checking is off here, AddressSanitizer's other checks stay on.
if [ "${FROST_SANITIZE:-}" = address ]; then
	ASAN_OPTIONS="${ASAN_OPTIONS:-} detect_leaks=0"
	export ASAN_OPTIONS
	diag "ASan: detect_leaks=0 (LeakSanitizer cannot scan dlopen()ed TLS here)"
fi

nodelete() {
	readelf -d "$so" | grep -E 'FLAGS_1' | grep -q NODELETE
}
# Each run a few times: the reclaimer's thread wakes every 10 ms.
runs() {
	for i in 1 2 3; do
		timeout 30 "$main" "$mod" "$1" || { echo "run $i: exit status $?"; return 1; }
	done
}

# The inline allocation paths' symbols: the out-of-line ABI functions and
# the thread's sandbox, an initial-exec TLS variable.
exports() {
	for sym in frost_object_new frost_object_new_uninit frost_object_new_slow; do
		nm -D --defined-only "$so" | grep -qw "T $sym" || { echo "no $sym"; return 1; }
	done
	readelf -W --dyn-syms "$so" | grep -E " TLS +GLOBAL .* __frost_current_sb@" >/dev/null ||
		{ echo "no exported TLS __frost_current_sb"; return 1; }
}

ok "libfrost.so is NODELETE" -- nodelete
ok "libfrost.so exports the allocation fast paths' symbols" -- exports
ok "dlclose of the last user while frost's threads run, then exit 0" -- runs dlclose
ok "exit with live heaps and sandboxes: exit 0" -- runs live
done_testing
