/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tools/lua/value.c - Lua values to frost objects and back; handles.
 *
 * Theory of operation. Freezing a Lua table builds private frost objects
 * bottom-up (str, int, float, tuple, map; a handle inside the table is its
 * shared object as it is), then makes one frost_freeze() of the root: the
 * deep copy keeps sharing (a sub-table reached twice is built once, a memo
 * table maps each Lua table to its private object) and the private build
 * is released afterwards. The build runs under lua_pcall(), so that an
 * error (a function inside, a cycle, Lua running out of memory) unwinds
 * to a point that still releases every private object made so far; the
 * error names the path from the root to the offending value. A table
 * whose keys are exactly 1..n (n >= 1) becomes a tuple, any other a map;
 * strings that are valid UTF-8 become str, others bytes. Tables are read
 * raw: metatables are ignored.
 *
 * Going back, nil/None, booleans, numbers, str and bytes become Lua
 * values (strings are copied into Lua strings); containers and channels
 * become handles (lfrost.h). Reads through a handle (__index, __len,
 * __pairs, __eq) take no online window: their objects are reachable from
 * a pin of the calling sandbox, which the reclaimer marks whether the
 * sandbox is online or not.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lfrost.h"

#define LF_MAX_DEPTH	200

/*
 * struct lf_build - one freeze of a Lua table (runs under lua_pcall()).
 * @sb: the calling sandbox (online).
 * @st: the state's binding record (handle metatables).
 * @objs: private objects made so far, each holding the reference the build
 *	drops at the end (containers hold their own references to children).
 * @nobjs: how many.
 * @cap: room in @objs.
 * @key: per nesting level, the stack index of the map key being converted,
 *	or 0 for a tuple index (then @idx).
 * @idx: per nesting level, the tuple index being converted.
 * @depth: current nesting level.
 * @memo: stack index of the memo table (Lua table -> lightuserdata object,
 *	or true while the table is being built: a cycle).
 * @root: stack index of the value to freeze (in build_root()'s frame).
 * @result: the private (or shared) object built for it.
 * @bytes: an estimate of the frost memory the result takes.
 */
struct lf_build {
	struct frost_sandbox *sb;
	struct lf_state *st;
	struct frost_object **objs;
	size_t nobjs, cap;
	int key[LF_MAX_DEPTH + 1];
	lua_Integer idx[LF_MAX_DEPTH + 1];
	int depth;
	int memo;
	int root;
	struct frost_object *result;
	size_t bytes;
};

static bool is_ident(const char *s, size_t len)
{
	size_t i;

	if (!len || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (i = 1; i < len; i++)
		if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* Push "value.a[3]..." for the current path. */
static void push_path(lua_State *L, struct lf_build *b)
{
	luaL_Buffer buf;
	int d;

	luaL_buffinit(L, &buf);
	luaL_addstring(&buf, "value");
	for (d = 0; d < b->depth; d++) {
		int k = b->key[d];
		size_t len;
		const char *s;

		if (!k) {
			lua_pushfstring(L, "[%I]", (LUA_INTEGER)b->idx[d]);
		} else if (lua_type(L, k) == LUA_TSTRING) {
			s = lua_tolstring(L, k, &len);
			if (is_ident(s, len))
				lua_pushfstring(L, ".%s", s);
			else
				lua_pushfstring(L, "[\"%s\"]", s);
		} else if (lua_isinteger(L, k)) {
			lua_pushfstring(L, "[%I]", (LUA_INTEGER)lua_tointeger(L, k));
		} else if (lua_type(L, k) == LUA_TNUMBER) {
			lua_pushfstring(L, "[%f]", (LUA_NUMBER)lua_tonumber(L, k));
		} else if (lua_type(L, k) == LUA_TBOOLEAN) {
			lua_pushstring(L, lua_toboolean(L, k) ? "[true]" : "[false]");
		} else {
			lua_pushfstring(L, "[<%s>]", luaL_typename(L, k));
		}
		luaL_addvalue(&buf);
	}
	luaL_pushresult(&buf);
}

static int build_fail(lua_State *L, struct lf_build *b, const char *what)
{
	lua_pushstring(L, what);
	push_path(L, b);
	lua_pushfstring(L, "cannot freeze %s (at %s)", lua_tostring(L, -2), lua_tostring(L, -1));
	return lua_error(L);
}

/* Make room for one more private object before making it. */
static void build_reserve(lua_State *L, struct lf_build *b)
{
	struct frost_object **n;

	if (b->nobjs < b->cap)
		return;
	n = realloc(b->objs, (b->cap ? b->cap * 2 : 64) * sizeof(*n));
	if (!n)
		build_fail(L, b, "anything: out of memory");
	b->objs = n;
	b->cap = b->cap ? b->cap * 2 : 64;
}

static struct frost_object *build_keep(lua_State *L, struct lf_build *b, struct frost_object *o)
{
	if (!o)
		build_fail(L, b, errno == ENOMEM ? "anything: out of memory" : "a value");
	if (!frost_is_shared(o))
		b->objs[b->nobjs++] = o;
	return o;
}

static struct frost_object *build_string(lua_State *L, struct lf_build *b, int i)
{
	size_t len;
	const char *s = lua_tolstring(L, i, &len);
	struct frost_object *o;

	build_reserve(L, b);
	o = frost_str_new(b->sb, s, len);
	if (!o && errno == EILSEQ)
		o = frost_bytes_new(b->sb, s, len);
	b->bytes += 40 + len;
	return build_keep(L, b, o);
}

static struct frost_object *build_value(lua_State *L, struct lf_build *b, int i);

static struct frost_object *build_table(lua_State *L, struct lf_build *b, int t)
{
	struct frost_object **keys, **vals, *o;
	lua_Integer max = 0;
	size_t n = 0, j;
	bool seq = true;

	luaL_checkstack(L, 8, "frost.freeze");
	lua_pushvalue(L, t);
	if (lua_rawget(L, b->memo) != LUA_TNIL) {
		if (lua_type(L, -1) == LUA_TBOOLEAN)
			build_fail(L, b, "a cycle");
		o = lua_touserdata(L, -1);
		lua_pop(L, 1);
		return o;
	}
	lua_pop(L, 1);
	if (b->depth >= LF_MAX_DEPTH)
		build_fail(L, b, "a table nested over 200 deep");
	lua_pushvalue(L, t);
	lua_pushboolean(L, 1);
	lua_rawset(L, b->memo);

	lua_pushnil(L);
	while (lua_next(L, t)) {
		n++;
		if (seq && lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1) {
			if (lua_tointeger(L, -2) > max)
				max = lua_tointeger(L, -2);
		} else {
			seq = false;
		}
		lua_pop(L, 1);
	}
	seq = seq && n >= 1 && (lua_Integer)n == max;

	/* Arrays as userdata: an error unwinding through here frees them. */
	keys = lua_newuserdatauv(L, (n ? n : 1) * sizeof(*keys) * (seq ? 1 : 2), 0);
	vals = keys + (seq ? 0 : n);
	b->depth++;
	if (seq) {
		for (j = 0; j < n; j++) {
			b->key[b->depth - 1] = 0;
			b->idx[b->depth - 1] = (lua_Integer)j + 1;
			lua_rawgeti(L, t, (lua_Integer)j + 1);
			vals[j] = build_value(L, b, lua_gettop(L));
			lua_pop(L, 1);
		}
	} else {
		j = 0;
		lua_pushnil(L);
		while (lua_next(L, t)) {
			int k = lua_gettop(L) - 1;

			b->key[b->depth - 1] = k;
			if (j >= n)	/* the table grew: a __gc changed it */
				build_fail(L, b, "a table changed while being frozen");
			switch (lua_type(L, k)) {
			case LUA_TSTRING:
			case LUA_TNUMBER:
			case LUA_TBOOLEAN:
			case LUA_TTABLE:
				break;
			case LUA_TUSERDATA:
				if (__lf_tohandle(L, b->st, k))
					break;
				/* fall through */
			default:
				lua_pushfstring(L, "a %s key", luaL_typename(L, k));
				b->depth--;
				build_fail(L, b, lua_tostring(L, -1));
			}
			keys[j] = build_value(L, b, k);
			vals[j] = build_value(L, b, k + 1);
			j++;
			lua_pop(L, 1);
		}
		n = j;
	}
	b->depth--;
	build_reserve(L, b);
	if (seq) {
		o = frost_tuple_new(b->sb, n, vals);
		b->bytes += 48 + 8 * n;
	} else {
		o = frost_map_new(b->sb, n, keys, vals);
		b->bytes += 64 + 32 * n;
	}
	build_keep(L, b, o);
	lua_pop(L, 1);	/* the arrays */
	lua_pushvalue(L, t);
	lua_pushlightuserdata(L, o);
	lua_rawset(L, b->memo);
	return o;
}

static struct frost_object *build_value(lua_State *L, struct lf_build *b, int i)
{
	struct lf_handle *h;

	switch (lua_type(L, i)) {
	case LUA_TNIL:
		return frost_none();
	case LUA_TBOOLEAN:
		return frost_bool(lua_toboolean(L, i));
	case LUA_TNUMBER:
		build_reserve(L, b);
		b->bytes += 32;
		if (lua_isinteger(L, i))
			return build_keep(L, b, frost_int_new(b->sb, (int64_t)lua_tointeger(L, i)));
		return build_keep(L, b, frost_float_new(b->sb, (double)lua_tonumber(L, i)));
	case LUA_TSTRING:
		return build_string(L, b, i);
	case LUA_TTABLE:
		return build_table(L, b, i);
	case LUA_TUSERDATA:
		h = __lf_tohandle(L, b->st, i);
		if (h && h->o)
			return h->o;
		if (h)
			build_fail(L, b, "a handle whose pin failed");
		/* fall through */
	default:
		lua_pushfstring(L, "a %s", luaL_typename(L, i));
		return (struct frost_object *)(uintptr_t)build_fail(L, b, lua_tostring(L, -1));
	}
}

static int build_root(lua_State *L)
{
	struct lf_build *b = lua_touserdata(L, 1);

	lua_newtable(L);
	b->memo = lua_gettop(L);
	b->result = build_value(L, b, b->root);
	return 0;
}

/* Release the private build (and its array). */
static void build_release(struct lf_build *b)
{
	size_t i;

	for (i = 0; i < b->nobjs; i++)
		frost_decref(b->objs[i]);
	free(b->objs);
}

/*
 * __lf_to_shared() - the shared object for the Lua value at @idx.
 *
 * Called in an online window. Scalars and strings are made in the shared
 * heap directly, a handle gives its object, a table is frozen. The result
 * is valid until the next quiescent state (the caller pins, publishes or
 * sends it first). On failure: NULL, the error message pushed.
 */
struct frost_object *__lf_to_shared(lua_State *L, struct lf_state *st, int idx)
{
	struct frost_sandbox *sb = st->sb;
	struct frost_object *o = NULL, *root;
	struct lf_handle *h;
	struct lf_build *b;
	const char *s;
	size_t len;
	int r;

	idx = lua_absindex(L, idx);
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
	case LUA_TNONE:
		return frost_none();
	case LUA_TBOOLEAN:
		return frost_bool(lua_toboolean(L, idx));
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			o = frost_int_new_frozen(sb, (int64_t)lua_tointeger(L, idx));
		else
			o = frost_float_new_frozen(sb, (double)lua_tonumber(L, idx));
		break;
	case LUA_TSTRING:
		s = lua_tolstring(L, idx, &len);
		o = frost_str_new_frozen(sb, s, len);
		if (!o && errno == EILSEQ)
			o = frost_bytes_new_frozen(sb, s, len);
		st->gc_debt += 40 + len;
		break;
	case LUA_TUSERDATA:
		h = __lf_tohandle(L, st, idx);
		if (h && h->o)
			return h->o;
		/* fall through */
	default:
		if (lua_type(L, idx) != LUA_TTABLE) {
			lua_pushfstring(L, "cannot freeze a %s (at value)", luaL_typename(L, idx));
			return NULL;
		}
		b = lua_newuserdatauv(L, sizeof(*b), 0);
		memset(b, 0, sizeof(*b));
		b->sb = sb;
		b->st = st;
		b->root = 2;	/* in build_root()'s frame */
		lua_pushcfunction(L, build_root);
		lua_pushvalue(L, -2);
		lua_pushvalue(L, idx);
		r = lua_pcall(L, 2, 0, 0);
		if (r != LUA_OK) {
			build_release(b);
			lua_remove(L, -2);	/* the build record; the message stays */
			return NULL;
		}
		root = b->result;
		o = frost_is_shared(root) ? root : frost_freeze(sb, root);
		if (!o)
			r = errno;
		st->gc_debt += b->bytes;
		build_release(b);
		lua_pop(L, 1);
		if (!o) {
			lua_pushfstring(L, "cannot freeze the value: %s", strerror(r));
			return NULL;
		}
		return o;
	}
	if (!o)
		lua_pushfstring(L, "cannot freeze the value: %s", strerror(errno));
	return o;
}

/* Bytes of frost memory a root handle of @o accounts for (its top level). */
size_t __lf_shallow_bytes(const struct frost_object *o)
{
	switch (frost_kind(o)) {
	case FROST_KIND_TUPLE:
		return 48 + 8 * frost_tuple_len(o);
	case FROST_KIND_MAP:
		return 64 + 32 * frost_map_len(o);
	default:
		return 64;
	}
}

static bool is_container(const struct frost_object *o)
{
	switch (frost_kind(o)) {
	case FROST_KIND_INVALID:
	case FROST_KIND_NONE:
	case FROST_KIND_BOOL:
	case FROST_KIND_INT:
	case FROST_KIND_FLOAT:
	case FROST_KIND_STR:
	case FROST_KIND_BYTES:
		return false;
	default:
		return true;
	}
}

/* Push a scalar or string object as a Lua value. */
static void push_scalar(lua_State *L, const struct frost_object *o)
{
	int64_t i;
	double d;
	bool v;
	size_t len;
	const char *s;

	switch (frost_kind(o)) {
	case FROST_KIND_BOOL:
		frost_bool_get(o, &v);
		lua_pushboolean(L, v);
		break;
	case FROST_KIND_INT:
		frost_int_get(o, &i);
		lua_pushinteger(L, (lua_Integer)i);
		break;
	case FROST_KIND_FLOAT:
		frost_float_get(o, &d);
		lua_pushnumber(L, (lua_Number)d);
		break;
	case FROST_KIND_STR:
		s = frost_str_data(o, &len);
		lua_pushlstring(L, s, len);
		break;
	case FROST_KIND_BYTES:
		s = frost_bytes_data(o, &len);
		lua_pushlstring(L, s, len);
		break;
	default:
		lua_pushnil(L);
	}
}

static struct lf_handle *new_handle(lua_State *L, struct frost_object *o, bool child)
{
	/* User value 1: a child's root, a root's child cache. */
	struct lf_handle *h = lua_newuserdatauv(L, sizeof(*h), 1);

	h->o = o;
	h->kind = (unsigned char)((o->type == &__lf_channel_type ? LF_CHAN : LF_ROOT) + child);
	h->pinned = false;
	h->cached = 0;
	return h;
}

/*
 * __lf_push_root() - push @o as a Lua value; a container as a pinned root
 * handle. Called in an online window, with @o valid (lifetime rule 1).
 */
void __lf_push_root(lua_State *L, struct lf_state *st, struct frost_object *o)
{
	struct lf_handle *h;

	if (!is_container(o)) {
		push_scalar(L, o);
		return;
	}
	h = new_handle(L, o, false);
	if (frost_pin(st->sb, o)) {
		/* No pin (ENOMEM): a dead handle, without __gc. */
		h->o = NULL;
		st->pin_failed = true;
		h->kind = LF_CHILD;
		lua_rawgeti(L, LUA_REGISTRYINDEX, st->mt[LF_CHILD]);
		lua_setmetatable(L, -2);
		return;
	}
	h->pinned = true;
	lua_rawgeti(L, LUA_REGISTRYINDEX, st->mt[h->kind]);
	lua_setmetatable(L, -2);
	st->gc_debt += __lf_shallow_bytes(o);
}

/*
 * __lf_push_child() - push @o, read from the handle @a at stack index
 * @anchor (a positive index), as a Lua value or a child handle (upvalue 1 of the calling
 * closure is the state record).
 *
 * Child handles are cached per root: a pinned root's user value is a table
 * (made at its first child) from the light userdata of each child object
 * read through it, or through its children, to that object's child
 * handle, so reading one sub-container again allocates nothing (and gives
 * the same handle). The table holds its handles strongly, and each of
 * them holds the root: a cycle that Lua collects as a whole once nothing
 * else reaches the root or a child. An entry cannot be stale: the root's
 * pin keeps every object of its tree alive, so no other object can be at
 * that address while the table exists. A root caches at most
 * LF_CHILD_CACHE children (more are made afresh each time), which bounds
 * the memory the cache holds; children of an unpinned handle
 * (frost._unpinned, a dead root) are never cached.
 */
void __lf_push_child(lua_State *L, struct lf_handle *a, int anchor, struct frost_object *o)
{
	struct lf_handle *h, *rh;
	int top, root, cache = 0;

	if (!is_container(o)) {
		push_scalar(L, o);
		return;
	}
	top = lua_gettop(L);
	if (a->kind == LF_ROOT || a->kind == LF_CHAN) {
		root = anchor;
	} else {
		lua_getiuservalue(L, anchor, 1);
		root = top + 1;
	}
	/* The hit path: two user values and a raw get, nothing allocated. */
	if (a->pinned) {
		if (lua_getiuservalue(L, root, 1) == LUA_TTABLE) {
			cache = lua_gettop(L);
			if (lua_rawgetp(L, cache, o) == LUA_TUSERDATA)
				goto out;
			lua_pop(L, 1);
		} else {
			lua_pop(L, 1);
		}
	}
	rh = a->pinned ? lua_touserdata(L, root) : NULL;
	if (rh && !cache && rh->cached < LF_CHILD_CACHE) {
		lua_createtable(L, 0, 4);
		lua_pushvalue(L, -1);
		lua_setiuservalue(L, root, 1);
		cache = lua_gettop(L);
	}
	h = new_handle(L, o, true);
	h->pinned = a->pinned;
	lua_pushvalue(L, root);
	lua_setiuservalue(L, -2, 1);
	lua_rawgeti(L, LUA_REGISTRYINDEX, LF_STATE(L)->mt[h->kind]);
	lua_setmetatable(L, -2);
	if (cache && rh->cached < LF_CHILD_CACHE) {
		rh->cached++;
		lua_pushvalue(L, -1);
		lua_rawsetp(L, cache, o);
	}
out:
	/* The handle on top; drop the root and cache pushed under it. */
	if (lua_gettop(L) > top + 1) {
		lua_replace(L, top + 1);
		lua_settop(L, top + 1);
	}
}

/* Whether the frost scalar @o equals the Lua value at @idx. */
bool __lf_value_equal(lua_State *L, struct lf_state *st, const struct frost_object *o, int idx)
{
	struct lf_handle *h;
	size_t len, olen;
	const char *s, *os;
	int64_t i;
	double d;
	bool v;

	switch (lua_type(L, idx)) {
	case LUA_TBOOLEAN:
		return !frost_bool_get(o, &v) && v == (bool)lua_toboolean(L, idx);
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			return !frost_int_get(o, &i) && i == (int64_t)lua_tointeger(L, idx);
		return !frost_float_get(o, &d) && d == (double)lua_tonumber(L, idx);
	case LUA_TSTRING:
		s = lua_tolstring(L, idx, &len);
		if (frost_kind(o) == FROST_KIND_STR)
			os = frost_str_data(o, &olen);
		else if (frost_kind(o) == FROST_KIND_BYTES)
			os = frost_bytes_data(o, &olen);
		else
			return false;
		return len == olen && !memcmp(s, os, len);
	case LUA_TUSERDATA:
		h = __lf_tohandle(L, st, idx);
		return h && h->o == o;
	default:
		return false;
	}
}

/* ------------------------------------------------------------------ */
/* Handle metamethods                                                  */

static bool utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n, k;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* A float key: look it up with a temporary float object (online). */
static struct frost_object *get_float(lua_State *L, const struct frost_object *map, double d)
{
	struct lf_state *st = LF_STATE(L);
	struct frost_object *k, *v = NULL;

	if (st->sb != __lf_tls.sb)
		return NULL;
	lf_enter();
	k = frost_float_new(st->sb, d);
	if (k) {
		v = frost_map_get(map, k);
		frost_decref(k);
	}
	lf_leave();
	return v;
}

static int h_index(lua_State *L)
{
	struct lf_handle *h = lua_touserdata(L, 1);
	const struct frost_object *o = h->o;
	struct frost_object *v = NULL;
	struct lf_handle *kh;
	lua_Integer i;
	lua_Number d;
	const char *s;
	size_t len;

	if (frost_unlikely(!o))
		return luaL_error(L, "frost: this handle holds no object (its pin failed: out of memory)");
	switch (frost_kind(o)) {
	case FROST_KIND_TUPLE:
		if (lua_isinteger(L, 2)) {
			i = lua_tointeger(L, 2);
		} else if (lua_type(L, 2) == LUA_TNUMBER) {
			d = lua_tonumber(L, 2);
			if (!(d >= 1 && d <= (lua_Number)frost_tuple_len(o) && d == floor(d)))
				return 0;
			i = (lua_Integer)d;
		} else {
			return 0;
		}
		if (i < 1 || (lua_Unsigned)i > frost_tuple_len(o))
			return 0;
		v = frost_tuple_get(o, (size_t)i - 1);
		break;
	case FROST_KIND_MAP:
		switch (lua_type(L, 2)) {
		case LUA_TSTRING:
			s = lua_tolstring(L, 2, &len);
			v = frost_map_get_str_hashed(o, s, len, frost_str_hash(s, len));
			if (!v && !utf8_valid((const unsigned char *)s, len))
				v = frost_map_get_bytes(o, s, len);
			break;
		case LUA_TNUMBER:
			if (lua_isinteger(L, 2)) {
				v = frost_map_get_int(o, (int64_t)lua_tointeger(L, 2));
				break;
			}
			d = lua_tonumber(L, 2);
			if (d == floor(d) && d >= -0x1p63 && d < 0x1p63)
				v = frost_map_get_int(o, (int64_t)d);
			else if (d == d)
				v = get_float(L, o, (double)d);
			break;
		case LUA_TBOOLEAN:
			v = frost_map_get(o, frost_bool(lua_toboolean(L, 2)));
			break;
		case LUA_TUSERDATA:
			kh = __lf_tohandle(L, LF_STATE(L), 2);
			if (kh && kh->o)
				v = frost_map_get(o, kh->o);
			break;
		default:
			break;
		}
		break;
	default:
		return 0;
	}
	if (!v)
		return 0;
	if (frost_likely(!is_container(v)))
		push_scalar(L, v);
	else
		__lf_push_child(L, h, 1, v);
	return 1;
}

static int h_newindex(lua_State *L)
{
	struct lf_handle *h = lua_touserdata(L, 1);

	return luaL_error(L, "frost: cannot modify a frozen %s", h->o ? frost_type_name(h->o) : "object");
}

static size_t h_len_of(const struct frost_object *o)
{
	switch (frost_kind(o)) {
	case FROST_KIND_TUPLE:
		return frost_tuple_len(o);
	case FROST_KIND_MAP:
		return frost_map_len(o);
	default:
		return 0;
	}
}

static int h_len(lua_State *L)
{
	struct lf_handle *h = lua_touserdata(L, 1);

	if (!h->o)
		return luaL_error(L, "frost: this handle holds no object (its pin failed: out of memory)");
	lua_pushinteger(L, (lua_Integer)h_len_of(h->o));
	return 1;
}

/* The iterator of pairs(): upvalue 2 is the next position. */
static int h_next(lua_State *L)
{
	struct lf_handle *h = lua_touserdata(L, 1);
	lua_Integer pos = lua_tointeger(L, lua_upvalueindex(2));
	struct frost_object *k, *v;

	if (!h || !h->o)
		return 0;
	if (frost_kind(h->o) == FROST_KIND_TUPLE) {
		if ((lua_Unsigned)pos >= frost_tuple_len(h->o))
			return 0;
		lua_pushinteger(L, pos + 1);
		__lf_push_child(L, h, 1, frost_tuple_get(h->o, (size_t)pos));
	} else if (frost_kind(h->o) == FROST_KIND_MAP) {
		if (frost_map_item(h->o, (size_t)pos, &k, &v))
			return 0;
		__lf_push_child(L, h, 1, k);
		__lf_push_child(L, h, 1, v);
	} else {
		return 0;
	}
	lua_pushinteger(L, pos + 1);
	lua_replace(L, lua_upvalueindex(2));
	return 2;
}

static int h_pairs(lua_State *L)
{
	struct lf_handle *h = lua_touserdata(L, 1);

	if (!h->o)
		return luaL_error(L, "frost: this handle holds no object (its pin failed: out of memory)");
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_pushinteger(L, 0);
	lua_pushcclosure(L, h_next, 2);
	lua_pushvalue(L, 1);
	lua_pushnil(L);
	return 3;
}

static int h_eq(lua_State *L)
{
	struct lf_state *st = LF_STATE(L);
	struct lf_handle *a = __lf_tohandle(L, st, 1), *b = __lf_tohandle(L, st, 2);

	lua_pushboolean(L, a && b && a->o && b->o && frost_equal(a->o, b->o));
	return 1;
}

static const char *kind_name(const struct frost_object *o)
{
	switch (frost_kind(o)) {
	case FROST_KIND_TUPLE:
		return "tuple";
	case FROST_KIND_MAP:
		return "map";
	case FROST_KIND_INVALID:
		return "freed";
	default:
		return o->type == &__lf_channel_type ? "channel" : frost_type_name(o);
	}
}

static int h_tostring(lua_State *L)
{
	struct lf_handle *h = lua_touserdata(L, 1);

	if (!h->o)
		lua_pushfstring(L, "frost.freed: %p", (void *)h);
	else
		lua_pushfstring(L, "frost.%s: %p", kind_name(h->o), (void *)h->o);
	return 1;
}

/* __gc of root handles: the one unpin. */
static int h_gc(lua_State *L)
{
	struct lf_state *st = LF_STATE(L);
	struct lf_handle *h = lua_touserdata(L, 1);

	/* A state closed on another thread than its own cannot unpin. */
	if (h->o && st->sb && st->sb == __lf_tls.sb) {
		lf_enter();
		frost_unpin(st->sb, h->o);
		lf_leave();
	}
	h->o = NULL;
	return 0;
}

/* frost.type(v) */
static int l_type(lua_State *L)
{
	struct lf_handle *h;

	luaL_checkany(L, 1);
	h = __lf_tohandle(L, LF_STATE(L), 1);
	if (h && h->o)
		lua_pushstring(L, kind_name(h->o));
	else
		lua_pushstring(L, luaL_typename(L, 1));
	return 1;
}

static const luaL_Reg handle_mt[] = {
	{ "__index", h_index },
	{ "__newindex", h_newindex },
	{ "__len", h_len },
	{ "__pairs", h_pairs },
	{ "__eq", h_eq },
	{ "__tostring", h_tostring },
	{ NULL, NULL }
};

/* Make the four handle metatables; @sti is the state record's index. */
void __lf_handle_metatables(lua_State *L, struct lf_state *st, int sti)
{
	int k;

	sti = lua_absindex(L, sti);
	for (k = LF_ROOT; k <= LF_CHAN_CHILD; k++) {
		lua_createtable(L, 0, 10);
		__lf_push_closures(L, handle_mt, -1, sti);
		if (k == LF_ROOT || k == LF_CHAN) {
			lua_pushvalue(L, sti);
			lua_pushcclosure(L, h_gc, 1);
			lua_setfield(L, -2, "__gc");
		}
		lua_pushstring(L, "frost");
		lua_setfield(L, -2, "__metatable");
		st->mtp[k] = lua_topointer(L, -1);
		st->mt[k] = luaL_ref(L, LUA_REGISTRYINDEX);
	}
}

const luaL_Reg __lf_value_fns[] = {
	{ "type", l_type },
	{ NULL, NULL }
};
