/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tools/lua/thread.c - frost.spawn() and frost.channel().
 *
 * Theory of operation. A channel reaches Lua as a frost object of its own
 * immutable user type, holding a pointer to a struct lf_chan that owns the
 * struct frost_channel: so a channel can be frozen into a table, passed to
 * spawn and sent on another channel like any value, and lives as long as
 * frost reaches it. Its finalize (run by the reclaimer, where frost calls
 * are not allowed) only pushes the lf_chan on a lock-free list; the next
 * frost.channel() or frost.reclaim() of any state closes those channels,
 * drains what they still hold and destroys them.
 *
 * frost.spawn(code, ...) freezes its arguments into one map {n = N, [i] =
 * arg}, sends it on a private capacity-1 channel and starts a sandbox
 * thread (frost_sandbox_spawn()) that makes a fresh Lua state (standard
 * libraries, frost preloaded and set as the global "frost"), takes the
 * arguments from the channel as handles of its own, runs the chunk, and
 * sends back on the same channel {ok = true, n = N, [i] = result} or
 * {ok = false, err = message}, both frozen. The channel is the root that
 * keeps arguments and results alive while neither side holds them.
 * t:join() waits for the thread, takes the results and destroys the
 * channel; a thread object collected without a join is joined by its
 * __gc (which waits for the worker).
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <lualib.h>
#include "lfrost.h"

/*
 * struct lf_chan - a channel as the binding owns it.
 * @ch: the frost channel.
 * @next: link in the list of channels to destroy (chan_finalize()).
 */
struct lf_chan {
	struct frost_channel *ch;
	struct lf_chan *next;
};

/*
 * struct lf_chan_obj - the frost object of a channel.
 * @ob: the header.
 * @c: the binding's channel.
 */
struct lf_chan_obj {
	struct frost_object ob;
	struct lf_chan *c;
};

static struct lf_chan *reap_list;

static void chan_finalize(struct frost_object *o)
{
	struct lf_chan *c = ((struct lf_chan_obj *)o)->c;
	struct lf_chan *head = __atomic_load_n(&reap_list, __ATOMIC_RELAXED);

	/* Release: pairs with the acquire exchange in __lf_channels_reap(). */
	do {
		c->next = head;
	} while (!__atomic_compare_exchange_n(&reap_list, &head, c, true, __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
}

static uint64_t chan_hash(const struct frost_object *o)
{
	return (uint64_t)(uintptr_t)((const struct lf_chan_obj *)o)->c * 0x9e3779b97f4a7c15ull;
}

static bool chan_equal(const struct frost_object *a, const struct frost_object *b)
{
	return ((const struct lf_chan_obj *)a)->c == ((const struct lf_chan_obj *)b)->c;
}

const struct frost_type __lf_channel_type = {
	.name = "channel",
	.basic_size = sizeof(struct lf_chan_obj),
	.flags = FROST_TYPE_IMMUTABLE,
	.finalize = chan_finalize,
	.hash = chan_hash,
	.equal = chan_equal,
};

struct frost_channel *__lf_channel_of(const struct frost_object *o)
{
	return ((const struct lf_chan_obj *)o)->c->ch;
}

/* Destroy the channels frost found unreachable. Call offline. */
void __lf_channels_reap(void)
{
	/* Acquire: pairs with the release CAS in chan_finalize(). */
	struct lf_chan *c = __atomic_exchange_n(&reap_list, NULL, __ATOMIC_ACQUIRE), *next;
	struct frost_object *o;

	for (; c; c = next) {
		next = c->next;
		frost_channel_close(c->ch);
		lf_enter();
		while (!frost_channel_recv(__lf_tls.sb, c->ch, &o, 0))
			;
		lf_leave();
		/* -EBUSY only with a waiter, which nothing unreachable has. */
		if (!frost_channel_destroy(c->ch))
			free(c);
	}
}

static struct lf_handle *check_chan(lua_State *L, struct lf_state *st)
{
	struct lf_handle *h = __lf_tohandle(L, st, 1);

	if (!h || !h->o || (h->kind != LF_CHAN && h->kind != LF_CHAN_CHILD))
		luaL_typeerror(L, 1, "frost channel");
	return h;
}

/* Timeout argument: nil waits (-1), else milliseconds >= 0. */
static int check_timeout(lua_State *L, int i)
{
	lua_Number ms;

	if (lua_isnoneornil(L, i))
		return -1;
	ms = luaL_checknumber(L, i);
	luaL_argcheck(L, ms >= 0, i, "timeout must be >= 0 ms (nil: wait)");
	if (ms > INT_MAX)
		return INT_MAX;
	return (int)ceil(ms);
}

static int push_fail(lua_State *L, int err, const char *what)
{
	if (err == -ETIMEDOUT || err == -EAGAIN) {
		lua_pushstring(L, "timeout");
		return 2;
	}
	if (err == -EPIPE) {
		lua_pushstring(L, "closed");
		return 2;
	}
	return __lf_errno_error(L, what, -err);
}

/* ch:send(v [, timeout_ms]) */
static int ch_send(lua_State *L)
{
	struct lf_state *st = __lf_check_thread(L);
	struct lf_handle *h = check_chan(L, st);
	int timeout = check_timeout(L, 3);
	struct frost_object *o;
	int r;

	luaL_checkany(L, 2);
	lf_enter();
	o = __lf_to_shared(L, st, 2);
	if (!o) {
		lf_leave();
		return lua_error(L);
	}
	r = frost_channel_send(st->sb, __lf_channel_of(h->o), o, timeout);
	lf_leave();
	if (!r) {
		lua_pushboolean(L, 1);
		return 1;
	}
	lua_pushboolean(L, 0);
	return push_fail(L, r, "frost: send");
}

/* ch:recv([timeout_ms]) */
static int ch_recv(lua_State *L)
{
	struct lf_state *st = __lf_check_thread(L);
	struct lf_handle *h = check_chan(L, st);
	int timeout = check_timeout(L, 2);
	struct frost_object *o;
	int r;

	lf_enter();
	r = frost_channel_recv(st->sb, __lf_channel_of(h->o), &o, timeout);
	if (!r)
		__lf_push_root(L, st, o);
	lf_leave();
	if (!r) {
		__lf_check_pins(L, st, "frost: recv");
		__lf_gc_charge(L, st, 0);
		return 1;
	}
	lua_pushnil(L);
	return push_fail(L, r, "frost: recv");
}

/* ch:close() */
static int ch_close(lua_State *L)
{
	struct lf_handle *h = check_chan(L, LF_STATE(L));

	frost_channel_close(__lf_channel_of(h->o));
	return 0;
}

/* frost.channel(capacity) */
static int l_channel(lua_State *L)
{
	struct lf_state *st = __lf_check_thread(L);
	lua_Integer cap = luaL_checkinteger(L, 1);
	struct lf_chan *c;
	struct frost_object *o;
	int err = 0;

	luaL_argcheck(L, cap >= 1 && cap <= FROST_CHANNEL_MAX_CAPACITY, 1,
		      "capacity must be 1 to 1048576");
	__lf_channels_reap();
	c = calloc(1, sizeof(*c));
	if (!c)
		return __lf_errno_error(L, "frost.channel", ENOMEM);
	c->ch = frost_channel_create(__lf_heap, (size_t)cap);
	if (!c->ch) {
		err = errno;
		free(c);
		return __lf_errno_error(L, "frost.channel", err);
	}
	lf_enter();
	o = frost_shared_new(st->sb, &__lf_channel_type, 0);
	if (o) {
		((struct lf_chan_obj *)o)->c = c;
		if (frost_shared_seal(st->sb, o))
			o = NULL;
	}
	if (o)
		__lf_push_root(L, st, o);
	else
		err = errno;
	lf_leave();
	if (!o) {
		frost_channel_destroy(c->ch);
		free(c);
		return __lf_errno_error(L, "frost.channel", err);
	}
	__lf_check_pins(L, st, "frost.channel");
	return 1;
}

/* ------------------------------------------------------------------ */
/* Spawned states                                                      */

/*
 * struct lf_spawn - what a spawned state shares with its parent.
 * @ch: arguments one way, results the other (capacity 1).
 * @len: length of @code.
 * @code: the chunk's source.
 */
struct lf_spawn {
	struct frost_channel *ch;
	size_t len;
	char code[];
};

/*
 * struct lf_thread - the userdata of a thread object.
 * @sb: the join handle.
 * @sp: the shared record (freed by the join).
 * @joined: frost_sandbox_join() was called.
 */
struct lf_thread {
	struct frost_sandbox *sb;
	struct lf_spawn *sp;
	bool joined;
};

/* Freeze the table at the top and send it; pops it (leaves a freeze error: -EINVAL). */
static int send_table(lua_State *L, struct lf_state *st, struct frost_channel *ch)
{
	struct frost_object *o;
	int r;

	lf_enter();
	o = __lf_to_shared(L, st, -1);
	r = o ? frost_channel_send(st->sb, ch, o, 0) : -EINVAL;
	lf_leave();
	if (o)
		lua_pop(L, 1);
	else
		lua_remove(L, -2);	/* the table; the message stays */
	return r;
}

static struct lf_state *state_of(lua_State *L)
{
	struct lf_state *st;

	lua_getfield(L, LUA_REGISTRYINDEX, "frost.state");
	st = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return st;
}

static int worker_body(lua_State *L)
{
	struct lf_spawn *sp = lua_touserdata(L, 1);
	struct lf_state *st;
	struct frost_object *args, *v;
	int64_t n = 0, i;
	int base, r;

	luaL_openlibs(L);
	luaL_requiref(L, "frost", luaopen_frost, 1);
	lua_pop(L, 1);
	st = state_of(L);
	if (luaL_loadbufferx(L, sp->code, sp->len, "=frost.spawn", "t") != LUA_OK)
		return lua_error(L);
	lf_enter();
	r = frost_channel_recv(st->sb, sp->ch, &args, 0);
	if (!r) {
		v = frost_map_get_str(args, "n", 1);
		if (v)
			frost_int_get(v, &n);
		luaL_checkstack(L, (int)n + 4, "frost.spawn: too many arguments");
		for (i = 1; i <= n; i++) {
			v = frost_map_get_int(args, i);
			if (v)
				__lf_push_root(L, st, v);
			else
				lua_pushnil(L);
		}
	}
	lf_leave();
	if (r)
		return luaL_error(L, "frost.spawn: no arguments received");
	__lf_check_pins(L, st, "frost.spawn: the arguments");
	base = 2;
	lua_call(L, (int)n, LUA_MULTRET);
	n = lua_gettop(L) - base + 1;
	lua_createtable(L, (int)n, 2);
	for (i = n; i >= 1; i--) {
		lua_pushvalue(L, base + (int)i - 1);
		lua_rawseti(L, -2, i);
	}
	lua_pushinteger(L, (lua_Integer)n);
	lua_setfield(L, -2, "n");
	lua_pushboolean(L, 1);
	lua_setfield(L, -2, "ok");
	if (send_table(L, st, sp->ch))
		return luaL_error(L, "frost.spawn: the chunk's results: %s", lua_tostring(L, -1));
	return 0;
}

static int worker(struct frost_sandbox *sb, void *arg)
{
	struct lf_spawn *sp = arg;
	lua_State *L;
	int r = 0;

	__lf_tls.sb = sb;
	__lf_tls.owned = false;
	__lf_tls.online = 1;	/* a spawned sandbox starts online */
	__lf_tls.states = 0;
	L = luaL_newstate();
	if (!L) {
		r = -ENOMEM;
		goto out;
	}
	lua_pushcfunction(L, worker_body);
	lua_pushlightuserdata(L, sp);
	if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
		struct lf_state *st = state_of(L);
		struct frost_object *o;

		/* The arguments are still queued if the chunk did not load. */
		if (st) {
			lf_enter();
			frost_channel_recv(sb, sp->ch, &o, 0);
			lf_leave();
		}

		if (!lua_isstring(L, -1)) {
			const char *m = luaL_tolstring(L, -1, NULL);

			lua_pushfstring(L, "(error object is a %s value: %s)", luaL_typename(L, -2), m);
		}
		lua_createtable(L, 0, 2);
		lua_pushvalue(L, -2);
		lua_setfield(L, -2, "err");
		lua_pushboolean(L, 0);
		lua_setfield(L, -2, "ok");
		if (!st || send_table(L, st, sp->ch))
			r = -ENOMEM;
	}
	lua_close(L);
out:
	if (__lf_tls.online == 0)
		frost_sandbox_online(sb);
	__lf_tls.sb = NULL;
	__lf_tls.online = 0;
	__lf_tls.states = 0;
	return r;
}

/* frost.spawn(code, ...) */
static int l_spawn(lua_State *L)
{
	struct lf_state *st = __lf_check_thread(L);
	size_t len;
	const char *code = luaL_checklstring(L, 1, &len);
	int n = lua_gettop(L) - 1, i, r, err;
	struct lf_spawn *sp;
	struct lf_thread *t;

	t = lua_newuserdatauv(L, sizeof(*t), 0);
	t->sb = NULL;
	t->sp = NULL;
	t->joined = true;
	lua_rawgeti(L, LUA_REGISTRYINDEX, st->mt[LF_THREAD]);
	lua_setmetatable(L, -2);
	lua_createtable(L, n, 1);
	for (i = 1; i <= n; i++) {
		lua_pushvalue(L, i + 1);
		lua_rawseti(L, -2, i);
	}
	lua_pushinteger(L, n);
	lua_setfield(L, -2, "n");
	sp = malloc(offsetof(struct lf_spawn, code) + len + 1);
	if (!sp)
		return __lf_errno_error(L, "frost.spawn", ENOMEM);
	memcpy(sp->code, code, len + 1);
	sp->len = len;
	sp->ch = frost_channel_create(__lf_heap, 1);
	if (!sp->ch) {
		free(sp);
		return __lf_errno_error(L, "frost.spawn", ENOMEM);
	}
	r = send_table(L, st, sp->ch);
	if (r) {
		frost_channel_destroy(sp->ch);
		free(sp);
		if (r == -EINVAL)
			return lua_error(L);	/* "cannot freeze ..." */
		return __lf_errno_error(L, "frost.spawn", -r);
	}
	t->sb = frost_sandbox_spawn(__lf_heap, worker, sp);
	if (!t->sb) {
		struct frost_object *o;

		err = errno;
		lf_enter();
		frost_channel_recv(st->sb, sp->ch, &o, 0);
		lf_leave();
		frost_channel_destroy(sp->ch);
		free(sp);
		return __lf_errno_error(L, "frost.spawn", err);
	}
	t->sp = sp;
	t->joined = false;
	return 1;
}

/* Join @t; push its results (ok) or its message (not ok); count of values. */
static int join(lua_State *L, struct lf_state *st, struct lf_thread *t, bool *ok)
{
	struct frost_object *res, *v;
	int fn_ret = 0, r, n = 0;
	int64_t cnt = 0, i;
	bool good = false;

	t->joined = true;
	r = frost_sandbox_join(t->sb, &fn_ret);
	lf_enter();
	if (!r && !frost_channel_recv(st->sb, t->sp->ch, &res, 0)) {
		v = frost_map_get_str(res, "ok", 2);
		if (v)
			frost_bool_get(v, &good);
		if (good) {
			v = frost_map_get_str(res, "n", 1);
			if (v)
				frost_int_get(v, &cnt);
			luaL_checkstack(L, (int)cnt + 4, "frost: join: too many results");
			for (i = 1; i <= cnt; i++) {
				v = frost_map_get_int(res, i);
				if (v)
					__lf_push_root(L, st, v);
				else
					lua_pushnil(L);
			}
			n = (int)cnt;
		} else {
			v = frost_map_get_str(res, "err", 3);
			if (v)
				__lf_push_root(L, st, v);
			else
				lua_pushstring(L, "frost: the worker failed");
			n = 1;
		}
	} else {
		lua_pushfstring(L, "frost: the worker ended without results (%s)",
				strerror(fn_ret < 0 ? -fn_ret : r < 0 ? -r : EIO));
		n = 1;
	}
	lf_leave();
	frost_channel_destroy(t->sp->ch);
	free(t->sp);
	t->sp = NULL;
	*ok = good;
	return n;
}

/* t:join() */
static int t_join(lua_State *L)
{
	struct lf_state *st = __lf_check_thread(L);
	struct lf_thread *t = luaL_checkudata(L, 1, "frost.thread");
	bool ok;
	int n;

	if (t->joined)
		return luaL_error(L, "frost: this thread was joined already");
	lua_settop(L, 1);
	n = join(L, st, t, &ok);
	__lf_check_pins(L, st, "frost: join");
	__lf_gc_charge(L, st, 0);
	if (!ok)
		return lua_error(L);
	return n;
}

static int t_gc(lua_State *L)
{
	struct lf_state *st = LF_STATE(L);
	struct lf_thread *t = lua_touserdata(L, 1);
	bool ok;

	if (!t->joined && st->sb == __lf_tls.sb) {
		lua_settop(L, 1);
		join(L, st, t, &ok);
	}
	return 0;
}

static int t_tostring(lua_State *L)
{
	lua_pushfstring(L, "frost.thread: %p", lua_touserdata(L, 1));
	return 1;
}

static const luaL_Reg chan_methods[] = {
	{ "send", ch_send },
	{ "recv", ch_recv },
	{ "close", ch_close },
	{ NULL, NULL }
};

static const luaL_Reg thread_mt[] = {
	{ "__gc", t_gc },
	{ "__tostring", t_tostring },
	{ NULL, NULL }
};

static const luaL_Reg thread_methods[] = {
	{ "join", t_join },
	{ NULL, NULL }
};

/* Channel methods into the channel metatables; the thread metatable. */
void __lf_thread_metatables(lua_State *L, struct lf_state *st, int sti)
{
	int k;

	sti = lua_absindex(L, sti);
	for (k = LF_CHAN; k <= LF_CHAN_CHILD; k++) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, st->mt[k]);
		lua_createtable(L, 0, 3);
		__lf_push_closures(L, chan_methods, -1, sti);
		lua_setfield(L, -2, "__index");
		lua_pop(L, 1);
	}
	luaL_newmetatable(L, "frost.thread");
	__lf_push_closures(L, thread_mt, -1, sti);
	lua_createtable(L, 0, 1);
	__lf_push_closures(L, thread_methods, -1, sti);
	lua_setfield(L, -2, "__index");
	lua_pushstring(L, "frost");
	lua_setfield(L, -2, "__metatable");
	st->mtp[LF_THREAD] = lua_topointer(L, -1);
	st->mt[LF_THREAD] = luaL_ref(L, LUA_REGISTRYINDEX);
}

const luaL_Reg __lf_thread_fns[] = {
	{ "spawn", l_spawn },
	{ "channel", l_channel },
	{ NULL, NULL }
};
