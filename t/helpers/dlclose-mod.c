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
 * It also allocates and frees user-type objects through the inline fast
 * paths of <frost/object.h>, whose sandbox check reads libfrost's exported
 * initial-exec TLS variable from this dlopen()ed module; the slot must be
 * reused (LIFO), which shows the inline pop and push ran.
 */
#include <frost/frost.h>

int frost_dlmod_start(void);

static const struct frost_type leaf = { .name = "dlmod_leaf", .basic_size = 32 };

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
	for (int i = 0; i < 1000; i++) {
		struct frost_object *a = frost_object_new(sb, &leaf, 0);
		struct frost_object *b;

		if (!a)
			return 4;
		frost_decref(a);
		b = frost_object_new_uninit(sb, &leaf, 0);
		if (b != a)
			return 5;
		frost_decref(b);
	}
	/* Offline: the reclaimer's cycles need nothing from this thread. */
	frost_sandbox_offline(sb);
	return 0;
}
