// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/rcu/gate.c - the fork gate: no fork() while liburcu is mid-change.
 *
 * Theory of operation. Code that changes liburcu's registry of readers or
 * runs a grace period in a frost thread (sandbox attach and detach, the
 * reclaimer's grace-period kicker, the namespace teardown) runs inside
 * __frost_fork_gate_enter()/__frost_fork_gate_exit(). The fork handlers
 * (lib/heap/fork.c) close the gate, which waits until nobody is inside and
 * keeps newcomers out, then let liburcu pause its own workers: so no fork
 * copies liburcu's locks held or its registry half-edited. A caller must
 * not be an online QSBR reader when it enters: the handlers wait for grace
 * periods to end while the gate is closed, and an online reader waiting at
 * the gate would hold them up.
 */
#include <pthread.h>
#include <stdbool.h>
#include "rcu/rcu.h"

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static unsigned long gate_users;
static bool gate_closed;

void __frost_fork_gate_enter(void)
{
	pthread_mutex_lock(&gate_lock);
	while (gate_closed)
		pthread_cond_wait(&gate_cond, &gate_lock);
	gate_users++;
	pthread_mutex_unlock(&gate_lock);
}

void __frost_fork_gate_exit(void)
{
	pthread_mutex_lock(&gate_lock);
	if (!--gate_users && gate_closed)
		pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
}

static void gate_close(void)
{
	pthread_mutex_lock(&gate_lock);
	gate_closed = true;
	while (gate_users)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
}

static void gate_open(void)
{
	pthread_mutex_lock(&gate_lock);
	gate_closed = false;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
}

void __frost_rcu_fork_prepare(void)
{
	gate_close();
	urcu_qsbr_call_rcu_before_fork();
	/* Last: until here the settler may still have to convert a parked
	 * sandbox that holds up a call_rcu worker's grace period. */
	__frost_rcu_park_fork(FROST_FORK_PREPARE);
}

void __frost_rcu_fork_parent(void)
{
	__frost_rcu_park_fork(FROST_FORK_PARENT);
	urcu_qsbr_call_rcu_after_fork_parent();
	gate_open();
}

void __frost_rcu_fork_child_reset(void)
{
	/* The only thread: what the sleepers of other threads left in the
	 * condition variable and the gate must be forgotten. */
	pthread_mutex_init(&gate_lock, NULL);
	pthread_cond_init(&gate_cond, NULL);
	gate_users = 0;
	__frost_rcu_park_fork(FROST_FORK_CHILD);
}

void __frost_rcu_fork_child_resume(void)
{
	/* liburcu's registry now lists only live readers: its worker may run
	 * grace periods again. */
	urcu_qsbr_call_rcu_after_fork_child();
	__frost_rcu_park_child_resume();
	gate_open();
}
