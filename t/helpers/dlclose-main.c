// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dlclose-main MODULE MODE: dlopen() MODULE (dlclose-mod.so), run its
 * frost_dlmod_start(), then, by MODE:
 *   dlclose  dlclose() it and keep running 300 ms while frost's threads
 *            run, then exit(0);
 *   live     exit(0) at once with the heap and the sandbox alive.
 * Exit status 0 means the process survived; anything else is a failure
 * (t9005-dlclose.sh).
 *
 * Theory of operation: the main program does not link libfrost at all, so
 * the module is libfrost.so's only user and dlclose() would unmap it with
 * it unless the library is NODELETE.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 300000000L };
	int (*start)(void);
	void *mod;
	int ret;

	if (argc != 3) {
		fprintf(stderr, "usage: %s MODULE dlclose|live\n", argv[0]);
		return 2;
	}
	mod = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!mod) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 3;
	}
	*(void **)&start = dlsym(mod, "frost_dlmod_start");
	if (!start) {
		fprintf(stderr, "dlsym: %s\n", dlerror());
		return 4;
	}
	ret = start();
	if (ret) {
		fprintf(stderr, "frost_dlmod_start: %d\n", ret);
		return 5;
	}
	if (!strcmp(argv[2], "live"))
		return 0;
	if (dlclose(mod)) {
		fprintf(stderr, "dlclose: %s\n", dlerror());
		return 6;
	}
	nanosleep(&ts, NULL);
	return 0;
}
