/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/core/fork.h - the phases of fork() that every layer's hook sees.
 *
 * Theory of operation: lib/heap/fork.c's pthread_atfork() handlers call a
 * hook of each subsystem in the library's lock order (each hook is declared
 * in its subsystem's own header: __frost_gc_fork_*() in gc/gc.h,
 * __frost_channels_fork() in channel/channel.h, ...). A hook takes its
 * subsystem's locks in PREPARE, releases them in PARENT, and in CHILD
 * repairs what the threads that did not survive the fork left behind
 * before releasing them.
 */
#ifndef __FROST_CORE_FORK_H
#define __FROST_CORE_FORK_H

/* The phase a fork hook is called in. */
enum frost_fork_phase {
	FROST_FORK_PREPARE,	/* before fork(): take the subsystem's locks */
	FROST_FORK_PARENT,	/* after fork(), in the parent: release them */
	FROST_FORK_CHILD,	/* after fork(), in the child: repair, release */
};

#endif /* __FROST_CORE_FORK_H */
