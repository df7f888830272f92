/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tools/lua/lfrost.h - the Lua 5.4 binding's internal interface.
 *
 * Theory of operation. One process-wide heap (made at the first require);
 * each OS thread that runs Lua states is one sandbox, shared by the states
 * of that thread. Between binding calls the sandbox is offline (parked: a
 * plain store), so a state running plain Lua, or blocked outside frost,
 * never delays a reclaim cycle; a binding call that needs the sandbox goes
 * online for its duration (lf_enter()/lf_leave(), nested by a per-thread
 * depth, because a Lua finalizer may run inside such a window).
 *
 * Handles. A frozen container reaches Lua as a full userdata holding the
 * object pointer. A *root* handle (from freeze, lookup, recv, spawn's
 * arguments, join's results) pins its object once, and its __gc unpins
 * it. A *child* handle (from indexing or iterating a handle) pins
 * nothing: its uservalue is the root handle, which Lua therefore keeps
 * alive as long as the child, and the root's pin keeps the child object
 * reachable. Reading through a handle (index, length, iteration, equality)
 * needs no sandbox at all: the objects are reachable from a pin, which the
 * reclaimer marks even while the sandbox is offline.
 *
 * Errors are raised only after leaving the online window (lf_leave()),
 * so a Lua error never leaves the sandbox online; a memory error raised by
 * Lua itself inside a window (pushing a result) is the one exception, and
 * the next binding call's window ends it.
 */
#ifndef __LFROST_H
#define __LFROST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lua.h>
#include <lauxlib.h>
#include <frost/frost.h>

/* Kinds of handle userdata; each has its own metatable. */
enum lf_kind {
	LF_ROOT,	/* a tuple, map or other object; pinned, __gc unpins */
	LF_CHILD,	/* the same, anchored to a root (uservalue 1) */
	LF_CHAN,	/* a channel, pinned */
	LF_CHAN_CHILD,	/* a channel found inside a container, anchored */
	LF_THREAD,	/* a spawned state (not a frost object) */
	LF_NR_KINDS
};

/*
 * struct lf_state - what a Lua state keeps about frost (the userdata that
 * every binding function has as upvalue 1, also in the registry).
 * @sb: the sandbox of the thread that opened the module in this state.
 * @gc_debt: bytes of frost data that new root handles hold and that have
 *	not been reported to Lua's collector yet (lf_gc_charge()).
 * @mt: the metatables of the handle kinds, as registry references.
 * @mtp: their addresses (lua_topointer()), to recognise a handle.
 * @pin_failed: a root handle could not pin its object (ENOMEM): it was
 *	made dead (reads raise); the call that made it raises once its
 *	window ends (__lf_check_pins()).
 */
struct lf_state {
	struct frost_sandbox *sb;
	size_t gc_debt;
	int mt[LF_NR_KINDS];
	const void *mtp[LF_NR_KINDS];
	bool pin_failed;
};

/*
 * struct lf_handle - the userdata of a handle of kinds LF_ROOT..LF_CHAN_CHILD.
 * @o: the shared object.
 * @kind: its enum lf_kind.
 * @pinned: a pin keeps @o alive: this is a root that holds its pin, or a
 *	child of one (so its children may go into the root's child cache).
 * @cached: a root's count of children in its cache (__lf_push_child()).
 */
struct lf_handle {
	struct frost_object *o;
	unsigned char kind;
	bool pinned;
	uint32_t cached;
};

/* Children a root handle caches at most (__lf_push_child()). */
#define LF_CHILD_CACHE	65536

/*
 * struct lf_tls - the calling thread's binding state.
 * @sb: its sandbox (NULL until a state opens the module on this thread).
 * @states: Lua states of this thread that opened the module.
 * @online: depth of nested online windows (0: the sandbox is offline).
 * @owned: the binding attached @sb (and detaches it with the last state).
 */
struct lf_tls {
	struct frost_sandbox *sb;
	unsigned int states;
	unsigned int online;
	bool owned;
};

extern __thread struct lf_tls __lf_tls;
extern struct frost_heap *__lf_heap;

/* Online window around a binding call's use of the sandbox. */
static inline void lf_enter(void)
{
	if (__lf_tls.online++ == 0)
		frost_sandbox_online(__lf_tls.sb);
}

static inline void lf_leave(void)
{
	if (--__lf_tls.online == 0)
		frost_sandbox_offline(__lf_tls.sb);
}

#define LF_STATE(L) ((struct lf_state *)lua_touserdata(L, lua_upvalueindex(1)))

/* module.c */
struct lf_state *__lf_check_thread(lua_State *L);
void __lf_gc_charge(lua_State *L, struct lf_state *st, size_t bytes);
void __lf_check_pins(lua_State *L, struct lf_state *st, const char *what);
struct lf_handle *__lf_tohandle(lua_State *L, struct lf_state *st, int idx);
void __lf_push_closures(lua_State *L, const luaL_Reg *fns, int tidx, int sti);
int __lf_errno_error(lua_State *L, const char *what, int err);
int luaopen_frost(lua_State *L);

/* value.c */
struct frost_object *__lf_to_shared(lua_State *L, struct lf_state *st, int idx);
void __lf_push_root(lua_State *L, struct lf_state *st, struct frost_object *o);
void __lf_push_child(lua_State *L, struct lf_handle *a, int anchor, struct frost_object *o);
bool __lf_value_equal(lua_State *L, struct lf_state *st, const struct frost_object *o, int idx);
void __lf_handle_metatables(lua_State *L, struct lf_state *st, int sti);
extern const luaL_Reg __lf_value_fns[];
size_t __lf_shallow_bytes(const struct frost_object *o);

/* thread.c */
extern const struct frost_type __lf_channel_type;
struct frost_channel *__lf_channel_of(const struct frost_object *o);
void __lf_channels_reap(void);
void __lf_thread_metatables(lua_State *L, struct lf_state *st, int sti);
extern const luaL_Reg __lf_thread_fns[];

#endif /* __LFROST_H */
