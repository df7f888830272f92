#!/bin/sh
_=[[ # SPDX-License-Identifier: LGPL-2.1-or-later
exec "${FROST_SRCTREE:-$(dirname "$0")/../..}/t/lua/run-lua" "$0" "$@"
]]
-- l0100-freeze: frost.freeze() of every kind of Lua value: scalars and
-- strings come back as they are, tables become tuples (keys exactly 1..n)
-- or maps, sharing inside the table is kept, handles are kept as they are,
-- and every value that cannot be frozen raises "cannot freeze ... (at path)".
local t = require "tap"
local frost = require "frost"

-- Scalars and strings are values in Lua: returned unchanged.
for _, v in ipairs({ true, false, 0, -7, 2^53, 1.5, -0.0, 1/0, "", "text", "\xff\xfe" }) do
	local r = frost.freeze(v)
	t.ok(rawequal(r, v) and math.type(r) == math.type(v), "freeze(" .. tostring(v) .. ") is the value")
end
t.is(frost.freeze(nil), nil, "freeze(nil) is nil")
t.is(select("#", frost.freeze(nil)), 1, "freeze(nil) returns one value")

-- Tuples and maps.
t.is(frost.type(frost.freeze{ 1, 2, 3 }), "tuple", "{1,2,3} is a tuple")
t.is(frost.type(frost.freeze{ [1.0] = "a", [2] = "b" }), "tuple", "float keys 1.0, 2 normalised by Lua: a tuple")
t.is(frost.type(frost.freeze{}), "map", "{} is an empty map")
t.is(#frost.freeze{}, 0, "the empty map has length 0")
t.is(frost.type(frost.freeze{ [2] = 2 }), "map", "{[2]=2} (keys not 1..n) is a map")
t.is(frost.type(frost.freeze{ 1, nil, 3 }), "map", "{1, nil, 3} (a hole) is a map")
t.is(frost.type(frost.freeze{ 1, 2, x = 1 }), "map", "{1, 2, x=1} is a map")
t.is(frost.type(frost.freeze{ [0] = 0, 1 }), "map", "a key 0 makes a map")
t.is(#frost.freeze{ 1, 2, x = 1 }, 3, "a map's length is its number of entries")
local m = frost.freeze{ 1, nil, 3 }
t.ok(m[1] == 1 and m[2] == nil and m[3] == 3, "a map with integer keys reads back")

-- Values of every kind, nested.
local big = frost.freeze{ i = 1 << 62, f = 0.25, b = false, s = "é", raw = "\xff", n = { { { "deep" } } },
	[true] = "yes", [1.5] = "one and a half", [-3] = "neg" }
t.is(big.i, 1 << 62, "a large integer")
t.is(math.type(big.i), "integer", "integers stay integers")
t.is(big.f, 0.25, "a float")
t.is(math.type(big.f), "float", "floats stay floats")
t.is(big.b, false, "false is kept (not nil)")
t.is(big.s, "é", "UTF-8 text round-trips")
t.is(big.raw, "\xff", "invalid UTF-8 (bytes) round-trips")
t.is(big.n[1][1][1], "deep", "nested tuples")
t.is(big[true], "yes", "a boolean key")
t.is(big[1.5], "one and a half", "a float key")
t.is(big[-3], "neg", "a negative integer key")
local keys = frost.freeze{ ["\xff"] = "bytes key", ["é"] = "str key", ["a\0b"] = "nul" }
t.is(keys["\xff"], "bytes key", "an invalid UTF-8 key is found (bytes)")
t.is(keys["é"], "str key", "a UTF-8 key is found (str)")
t.is(keys["a\0b"], "nul", "a key with NUL")

-- Sharing: a sub-table reached twice is one frozen object.
local s = { 1, 2 }
local shared = frost.freeze{ s, s, { 1, 2 } }
t.is(tostring(shared[1]), tostring(shared[2]), "a sub-table reached twice stays one object")
t.ok(tostring(shared[1]) ~= tostring(shared[3]), "an equal but distinct table is another object")
t.ok(shared[1] == shared[3], "... equal by value")

-- Handles are kept as they are.
local h = frost.freeze{ x = 1 }
t.ok(rawequal(frost.freeze(h), h), "freeze(handle) is the handle")
local outer = frost.freeze{ h, { h } }
t.is(tostring(outer[1]), tostring(h), "a handle inside a table is kept, not copied")
t.is(tostring(outer[2][1]), tostring(h), "... at any depth")
local ch = frost.channel(1)
t.is(frost.type(frost.freeze{ ch }[1]), "channel", "a channel inside a table")
t.ok(rawequal(frost.freeze(ch), ch), "freeze(channel) is the channel")
local hk = frost.freeze{ [h] = "by handle" }
t.is(hk[h], "by handle", "a handle as a key")
t.is(hk[frost.freeze{ x = 1 }], "by handle", "... found by an equal handle")
local tk = frost.freeze{ [{ 1, 2 }] = "table key" }
for k, v in pairs(tk) do
	t.ok(frost.type(k) == "tuple" and k[2] == 2 and v == "table key", "a table key is frozen too")
end

-- Metatables are ignored (raw reads).
local proxy = setmetatable({ a = 1 }, { __index = function() return "meta" end, __pairs = error })
t.is(frost.freeze(proxy).b, nil, "a metatable's __index is not frozen")
t.is(frost.freeze(proxy).a, 1, "... the raw contents are")

-- What cannot be frozen: "cannot freeze" and the path.
local function fails(v, pat, name)
	t.errors(function() frost.freeze(v) end, "^cannot freeze " .. pat, name)
end
fails(print, "a function %(at value%)$", "a function")
fails({ f = print }, "a function %(at value%.f%)$", "a function in a field (the issue's example)")
fails({ 1, 2, { x = coroutine.create(print) } }, "a thread %(at value%[3%]%.x%)$", "a thread at value[3].x")
fails({ io.stdout }, "a userdata %(at value%[1%]%)$", "a foreign userdata")
fails({ ["a b"] = { print } }, 'a function %(at value%["a b"%]%[1%]%)$', "a non-identifier key is quoted")
fails({ [print] = 1 }, "a function key %(at value%)$", "a function key")
fails({ [io.stdout] = 1 }, "a userdata key %(at value%)$", "a userdata key")
local c = {}
c[1] = c
fails(c, "a cycle %(at value%[1%]%)$", "a direct cycle")
local a, b = {}, {}
a.b, b.a = b, a
fails({ a }, "a cycle %(at value%[1%]%.b%.a%)$", "an indirect cycle")
local deep = {}
for _ = 1, 300 do deep = { deep } end
fails(deep, "a table nested over 200 deep", "nesting too deep")
fails({ [true] = { [2.5] = print } }, "a function %(at value%[true%]%[2%.5%]%)$", "boolean and float keys in the path")
-- A failed freeze leaves nothing behind and the state keeps working.
collectgarbage()
frost.reclaim()
local before = frost.stats().shared_objects
for _ = 1, 50 do pcall(frost.freeze, { 1, "two", { 3 }, print }) end
collectgarbage()
frost.reclaim()
t.ok(frost.stats().shared_objects <= before, "50 failed freezes leave no shared objects")
t.is(frost.freeze{ 1, 2 }[2], 2, "freeze works after errors")
t.done()
