/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tools/lua/module.c - luaopen_frost(): the heap, the thread's sandbox, the
 * module table; the namespace calls, reclaim and stats.
 *
 * Theory of operation. The first require in the process makes the one
 * heap (default configuration: a background reclaimer); it lives until
 * the process exits, and so does this module (linked -z nodelete, like
 * libfrost): spawned states run its code on their own threads while the
 * state that loaded it may be closing, and a dlclose() by lua_close()
 * must not unmap it under them. The first state of a thread attaches the
 * thread as a sandbox (unless it is a spawned one, which already is) and
 * parks it offline; each state keeps a record (struct lf_state, a
 * userdata with a __gc, made before any handle so finalized after all of
 * them) whose __gc detaches the sandbox with the thread's last state.
 * Every binding function is a C closure with that record as upvalue 1.
 *
 * Garbage collection. Lua cannot see the frost memory a handle keeps
 * alive, so handles that hold much of it would wait for an unrelated Lua
 * collection. Each root handle adds an estimate of its data to the
 * state's debt (a freeze: what it built; a lookup, a received value,
 * spawn's arguments and join's results: the container's top level); at
 * LF_GC_DEBT bytes the binding steps Lua's collector by the debt with
 * lua_gc(L, LUA_GCSTEP, kb), outside any online window.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lfrost.h"

#define LF_GC_DEBT	(64u << 10)

__thread struct lf_tls __lf_tls;
struct frost_heap *__lf_heap;
static pthread_once_t heap_once = PTHREAD_ONCE_INIT;
static int heap_errno;

static void make_heap(void)
{
	__lf_heap = frost_heap_create(NULL);
	if (!__lf_heap)
		heap_errno = errno;
}

int __lf_errno_error(lua_State *L, const char *what, int err)
{
	return luaL_error(L, "%s: %s", what, strerror(err));
}

/* The state's record, after checking that it runs on its own thread. */
struct lf_state *__lf_check_thread(lua_State *L)
{
	struct lf_state *st = LF_STATE(L);

	if (frost_unlikely(!st->sb || st->sb != __lf_tls.sb))
		luaL_error(L, "frost: this Lua state belongs to another thread (or was closed)");
	return st;
}

/* Add @bytes to the debt; step Lua's collector when it is large. Offline. */
void __lf_gc_charge(lua_State *L, struct lf_state *st, size_t bytes)
{
	st->gc_debt += bytes;
	if (st->gc_debt >= LF_GC_DEBT) {
		int kb = (int)(st->gc_debt >> 10);

		st->gc_debt = 0;
		lua_gc(L, LUA_GCSTEP, kb);
	}
}

/* Raise ENOMEM if a root handle made in the window that ended lost its pin. */
void __lf_check_pins(lua_State *L, struct lf_state *st, const char *what)
{
	if (frost_unlikely(st->pin_failed)) {
		st->pin_failed = false;
		__lf_errno_error(L, what, ENOMEM);
	}
}

/* The handle at @idx (any of the four object kinds), or NULL. */
struct lf_handle *__lf_tohandle(lua_State *L, struct lf_state *st, int idx)
{
	const void *mt;
	int k;

	if (lua_type(L, idx) != LUA_TUSERDATA || !lua_getmetatable(L, idx))
		return NULL;
	mt = lua_topointer(L, -1);
	lua_pop(L, 1);
	for (k = LF_ROOT; k <= LF_CHAN_CHILD; k++)
		if (mt == st->mtp[k])
			return lua_touserdata(L, idx);
	return NULL;
}

/* Set each of @fns in the table at @tidx, as a closure over the record at @sti. */
void __lf_push_closures(lua_State *L, const luaL_Reg *fns, int tidx, int sti)
{
	tidx = lua_absindex(L, tidx);
	sti = lua_absindex(L, sti);
	for (; fns->name; fns++) {
		lua_pushvalue(L, sti);
		lua_pushcclosure(L, fns->func, 1);
		lua_setfield(L, tidx, fns->name);
	}
}

static const char *check_name(lua_State *L, int i)
{
	size_t len;
	const char *s = luaL_checklstring(L, i, &len);

	luaL_argcheck(L, len > 0 && strlen(s) == len, i, "a name is a non-empty string without NUL");
	return s;
}

/* frost.freeze(v) */
static int l_freeze(lua_State *L)
{
	struct lf_state *st = LF_STATE(L);
	struct frost_object *o;

	luaL_checkany(L, 1);
	lua_settop(L, 1);
	switch (lua_type(L, 1)) {
	case LUA_TNIL:
	case LUA_TBOOLEAN:
	case LUA_TNUMBER:
	case LUA_TSTRING:
		return 1;
	case LUA_TUSERDATA:
		if (__lf_tohandle(L, st, 1))
			return 1;
		break;
	default:
		break;
	}
	st = __lf_check_thread(L);
	lf_enter();
	o = __lf_to_shared(L, st, 1);
	if (o)
		__lf_push_root(L, st, o);
	lf_leave();
	if (!o)
		return lua_error(L);
	__lf_check_pins(L, st, "frost.freeze");
	__lf_gc_charge(L, st, 0);
	return 1;
}

/* frost.publish(name, v) */
static int l_publish(lua_State *L)
{
	struct lf_state *st = __lf_check_thread(L);
	const char *name = check_name(L, 1);
	struct frost_object *o;
	int r = 0;

	luaL_checkany(L, 2);
	lf_enter();
	o = __lf_to_shared(L, st, 2);
	if (o)
		r = frost_publish(st->sb, name, o);
	lf_leave();
	if (!o)
		return lua_error(L);
	if (r)
		return __lf_errno_error(L, "frost.publish", -r);
	lua_pushboolean(L, 1);
	return 1;
}

/* frost.replace(name, expected, v) */
static int l_replace(lua_State *L)
{
	struct lf_state *st = __lf_check_thread(L);
	const char *name = check_name(L, 1);
	struct frost_object *o, *expected = NULL;
	struct lf_handle *h;
	int r = 0;

	luaL_checkany(L, 3);
	lf_enter();
	/* Freeze first: a freeze may be a quiescent state, a lookup must not
	 * be held across one. */
	o = __lf_to_shared(L, st, 3);
	if (!o) {
		lf_leave();
		return lua_error(L);
	}
	if (!lua_isnil(L, 2)) {
		h = __lf_tohandle(L, st, 2);
		if (h) {
			expected = h->o;
		} else {
			/* A scalar or string: the current value, if equal. */
			expected = frost_lookup(st->sb, name);
			if (expected && !__lf_value_equal(L, st, expected, 2))
				expected = NULL;
			if (!expected)
				r = -EAGAIN;
		}
	}
	if (!r)
		r = frost_publish_replace(st->sb, name, expected, o);
	lf_leave();
	if (r && r != -EAGAIN)
		return __lf_errno_error(L, "frost.replace", -r);
	lua_pushboolean(L, !r);
	return 1;
}

/* frost.lookup(name) */
static int l_lookup(lua_State *L)
{
	struct lf_state *st = __lf_check_thread(L);
	const char *name = check_name(L, 1);
	struct frost_object *o;
	int err = 0;

	lf_enter();
	o = frost_lookup(st->sb, name);
	if (o)
		__lf_push_root(L, st, o);
	else
		err = errno;
	lf_leave();
	if (!o) {
		if (err != ENOENT)
			return __lf_errno_error(L, "frost.lookup", err);
		lua_pushnil(L);
		return 1;
	}
	__lf_check_pins(L, st, "frost.lookup");
	__lf_gc_charge(L, st, 0);
	return 1;
}

/* frost.unpublish(name) */
static int l_unpublish(lua_State *L)
{
	struct lf_state *st = __lf_check_thread(L);
	const char *name = check_name(L, 1);
	int r;

	lf_enter();
	r = frost_unpublish(st->sb, name);
	lf_leave();
	if (r && r != -ENOENT)
		return __lf_errno_error(L, "frost.unpublish", -r);
	lua_pushboolean(L, !r);
	return 1;
}

/* frost.reclaim() */
static int l_reclaim(lua_State *L)
{
	long n;

	__lf_check_thread(L);
	/* Offline: the cycle scans this parked sandbox's pins itself. */
	n = frost_reclaim(__lf_heap);
	__lf_channels_reap();
	if (n < 0)
		return __lf_errno_error(L, "frost.reclaim", (int)-n);
	lua_pushinteger(L, (lua_Integer)n);
	return 1;
}

/* frost.stats() */
static int l_stats(lua_State *L)
{
	struct frost_heap_stats hs;

	frost_heap_stats(__lf_heap, &hs);
	lua_createtable(L, 0, 9);
#define F(x) lua_pushinteger(L, (lua_Integer)hs.x); lua_setfield(L, -2, #x)
	F(shared_objects);
	F(shared_bytes);
	F(cycles);
	F(freed_objects);
	F(freed_bytes);
	F(sandboxes);
	F(max_cycle_ns);
	F(max_handshake_ns);
	F(survivor_bytes);
#undef F
	return 1;
}

/* frost._unpinned(v): a handle that holds no pin (tests' negative control). */
static int l_unpinned(lua_State *L)
{
	struct lf_state *st = __lf_check_thread(L);
	struct frost_object *o;
	struct lf_handle *h;

	luaL_checktype(L, 1, LUA_TTABLE);
	lf_enter();
	o = __lf_to_shared(L, st, 1);
	if (o) {
		h = lua_newuserdatauv(L, sizeof(*h), 1);
		h->o = o;
		h->kind = LF_CHILD;
		h->pinned = false;
		h->cached = 0;
		lua_rawgeti(L, LUA_REGISTRYINDEX, st->mt[LF_CHILD]);
		lua_setmetatable(L, -2);
	}
	lf_leave();
	if (!o)
		return lua_error(L);
	return 1;
}

/* frost._hold_online(ms): stay online without a quiescent state (tests). */
static int l_hold_online(lua_State *L)
{
	lua_Integer ms = luaL_checkinteger(L, 1);
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	__lf_check_thread(L);
	lf_enter();
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	lf_leave();
	return 0;
}

/* frost._fail_every(n): frost_debug_fail_every() (tests); true or false, "ENOSYS". */
static int l_fail_every(lua_State *L)
{
	lua_Integer n = luaL_checkinteger(L, 1);
	int r;

	luaL_argcheck(L, n >= 0 && n <= 0x7fffffff, 1, "0 (disarm) or a period");
	r = frost_debug_fail_every((unsigned int)n);
	lua_pushboolean(L, !r);
	if (!r)
		return 1;
	lua_pushstring(L, r == -ENOSYS ? "ENOSYS" : strerror(-r));
	return 2;
}

static int push_clock(lua_State *L, clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts))
		return __lf_errno_error(L, "frost: clock_gettime", errno);
	lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec * 1e-9);
	return 1;
}

/* frost.monotonic() (also frost._clock()): CLOCK_MONOTONIC in seconds. */
static int l_monotonic(lua_State *L)
{
	return push_clock(L, CLOCK_MONOTONIC);
}

/* frost.thread_cpu(): the calling thread's CPU time in seconds. */
static int l_thread_cpu(lua_State *L)
{
	return push_clock(L, CLOCK_THREAD_CPUTIME_ID);
}

static const luaL_Reg module_fns[] = {
	{ "freeze", l_freeze },
	{ "publish", l_publish },
	{ "replace", l_replace },
	{ "lookup", l_lookup },
	{ "unpublish", l_unpublish },
	{ "reclaim", l_reclaim },
	{ "stats", l_stats },
	{ "_unpinned", l_unpinned },
	{ "_hold_online", l_hold_online },
	{ "_fail_every", l_fail_every },
	{ "_clock", l_monotonic },
	{ "monotonic", l_monotonic },
	{ "thread_cpu", l_thread_cpu },
	{ NULL, NULL }
};

/* The record's __gc: the state is closing; its handles are gone already. */
static int state_gc(lua_State *L)
{
	struct lf_state *st = lua_touserdata(L, 1);

	if (st->sb && st->sb == __lf_tls.sb && __lf_tls.states && !--__lf_tls.states &&
	    __lf_tls.owned) {
		frost_sandbox_detach(st->sb);
		memset(&__lf_tls, 0, sizeof(__lf_tls));
	}
	st->sb = NULL;
	return 0;
}

__attribute__((visibility("default"))) int luaopen_frost(lua_State *L)
{
	struct frost_sandbox *sb;
	struct lf_state *st;

	pthread_once(&heap_once, make_heap);
	if (!__lf_heap)
		return __lf_errno_error(L, "frost: cannot create the heap", heap_errno);
	if (lua_getfield(L, LUA_REGISTRYINDEX, "frost.module") == LUA_TTABLE)
		return 1;	/* opened in this state already */
	lua_pop(L, 1);
	if (!__lf_tls.sb) {
		if (frost_sandbox_current())
			return luaL_error(L, "frost: this thread is already a sandbox (of another heap?)");
		sb = frost_sandbox_attach(__lf_heap);
		if (!sb)
			return __lf_errno_error(L, "frost: cannot attach this thread", errno);
		__lf_tls.sb = sb;
		__lf_tls.owned = true;
		__lf_tls.online = 1;
		__lf_tls.states = 0;
	}
	st = lua_newuserdatauv(L, sizeof(*st), 0);
	memset(st, 0, sizeof(*st));
	st->sb = __lf_tls.sb;
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, state_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	if (__lf_tls.states++ == 0 && __lf_tls.online == 1) {
		__lf_tls.online = 0;
		frost_sandbox_offline(__lf_tls.sb);
	}
	lua_pushvalue(L, -1);
	lua_setfield(L, LUA_REGISTRYINDEX, "frost.state");

	__lf_handle_metatables(L, st, -1);
	__lf_thread_metatables(L, st, -1);

	lua_createtable(L, 0, 16);
	__lf_push_closures(L, module_fns, -1, -2);
	__lf_push_closures(L, __lf_value_fns, -1, -2);
	__lf_push_closures(L, __lf_thread_fns, -1, -2);
	lua_pushstring(L, frost_version());
	lua_setfield(L, -2, "version");
	lua_pushvalue(L, -1);
	lua_setfield(L, LUA_REGISTRYINDEX, "frost.module");
	return 1;
}
