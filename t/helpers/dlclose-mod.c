// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dlclose-mod: a loadable module linked against libfrost.so, the way a Lua
 * C module is. t9005-dlclose.sh has dlclose-main dlopen() it, call
 * frost_dlmod_start() and dlclose() it while frost's threads run.
 *
 * Theory of operation. frost_dlmod_start() leaves a heap behind with its
 * background reclaimer, a sandbox attached to the calling thread, a
 * published object and enough frozen garbage that the reclaimer has cycles
 * to run: after dlclose() of this module (libfrost's only user) the
 * library's threads keep running its code, which must still be mapped.
 */
#include <frost/frost.h>

int frost_dlmod_start(void);

__attribute__((visibility("default"))) int frost_dlmod_start(void)
{
	struct frost_heap_config cfg = { .cycle_trigger = 64 << 10 };
	struct frost_heap *heap = frost_heap_create(&cfg);
	struct frost_sandbox *sb = heap ? frost_sandbox_attach(heap) : NULL;
	struct frost_object *o, *f;

	if (!sb)
		return 1;
	for (int i = 0; i < 20000; i++) {
		o = frost_int_new(sb, 100000 + i);
		f = o ? frost_freeze(sb, o) : NULL;
		frost_decref(o);
		if (!f)
			return 2;
		frost_quiescent(sb);
	}
	if (frost_publish(sb, "kept", f))
		return 3;
	/* Offline: the reclaimer's cycles need nothing from this thread. */
	frost_sandbox_offline(sb);
	return 0;
}
