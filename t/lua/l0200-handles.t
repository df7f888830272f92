#!/bin/sh
_=[[ # SPDX-License-Identifier: LGPL-2.1-or-later
exec "${FROST_SRCTREE:-$(dirname "$0")/../..}/t/lua/run-lua" "$0" "$@"
]]
-- l0200-handles: reading frozen data through handles: h[k], #, pairs,
-- ipairs, ==, tostring, frost.type, immutability, and misuse raising Lua
-- errors (never a crash).
local t = require "tap"
local frost = require "frost"

local tup = frost.freeze{ "a", 2, 3.5, { 4 }, false }
t.is(#tup, 5, "# of a tuple")
t.is(tup[1], "a", "tuple[1]")
t.is(tup[2.0], 2, "tuple[2.0] (an integral float index)")
t.is(tup[5], false, "tuple[5] is false, not nil")
t.is(tup[0], nil, "tuple[0] is nil")
t.is(tup[6], nil, "tuple[#+1] is nil")
t.is(tup[-1], nil, "tuple[-1] is nil")
t.is(tup[1.5], nil, "tuple[1.5] is nil")
t.is(tup.x, nil, "tuple.x is nil (never raises)")
t.is(tup[true], nil, "tuple[true] is nil")
t.is(tup[math.maxinteger], nil, "tuple[maxinteger] is nil")
t.is(frost.type(tup[4]), "tuple", "a child container is a handle")
t.is(tup[4][1], 4, "reading through a child handle")

local map = frost.freeze{ name = "x", n = 7, [7] = "seven", [2.5] = "f", [true] = "t", sub = { k = { 1, 2 } } }
t.is(map.name, "x", "map.name")
t.is(map["n"], 7, "map['n']")
t.is(map[7], "seven", "map[7]")
t.is(map[7.0], "seven", "map[7.0] finds the integer key (as Lua tables do)")
t.is(map[2.5], "f", "map[2.5]")
t.is(map[true], "t", "map[true]")
t.is(map[false], nil, "map[false] absent")
t.is(map.missing, nil, "an absent key is nil")
t.is(map[{}], nil, "a table key never matches")
t.is(map[print], nil, "a function key is just absent")
t.is(map[0/0], nil, "NaN is absent")
t.is(map.sub.k[2], 2, "map.sub.k[2]")
t.is(#map, 6, "# of a map: its entries")

-- pairs: everything once, in an order stable for a given map.
local seen, order1, order2 = {}, {}, {}
for k, v in pairs(map) do
	seen[k] = v
	order1[#order1 + 1] = tostring(k)
end
for k in pairs(map) do order2[#order2 + 1] = tostring(k) end
t.is(table.concat(order1, ","), table.concat(order2, ","), "pairs order is stable")
t.ok(seen.name == "x" and seen.n == 7 and seen[7] == "seven" and seen[2.5] == "f" and seen[true] == "t"
	and frost.type(seen.sub) == "map", "pairs visits every entry")
local n = 0
for i, v in pairs(tup) do
	n = n + 1
	t.ok(i == n and (v == tup[i] or frost.type(v) == "tuple"), "pairs over a tuple, item " .. i)
end
t.is(n, 5, "pairs over a tuple: every item")
n = 0
for i, v in ipairs(frost.freeze{ 10, 20, 30 }) do n = n + 1; t.is(v, i * 10, "ipairs item " .. i) end
t.is(n, 3, "ipairs: every item")
n = 0
for _ in ipairs(frost.freeze{ [1] = "a", [2] = "b", x = "no" }) do n = n + 1 end
t.is(n, 2, "ipairs over a map: keys 1, 2, ...")
n = 0
for _ in pairs(frost.freeze{}) do n = n + 1 end
t.is(n, 0, "pairs over the empty map")

-- Equality is frost_equal: by value; int and float differ.
t.ok(frost.freeze{ 1 } == frost.freeze{ 1 }, "{1} == {1}")
t.ok(frost.freeze{ 1 } ~= frost.freeze{ 1.0 }, "{1} ~= {1.0} (frost's int and float differ)")
t.ok(frost.freeze{ a = { 1, "x" } } == frost.freeze{ a = { 1, "x" } }, "deep equality")
t.ok(frost.freeze{ 1, 2 } ~= frost.freeze{ [1] = 1, [2] = 2, [3] = nil, x = nil, y = 1 }, "different contents")
t.ok(frost.freeze{} ~= frost.freeze{ 1 }, "the empty map is not {1}")
t.ok(frost.freeze{ 1 } ~= { 1 }, "a handle never equals a Lua table")
t.ok(tup[4] == frost.freeze{ 4 }, "a child handle equals an equal root handle")

-- tostring, frost.type, the metatable.
t.like(tostring(tup), "^frost%.tuple: 0x%x+$", "tostring of a tuple")
t.like(tostring(map), "^frost%.map: 0x%x+$", "tostring of a map")
t.is(tostring(tup[4]), tostring(tup[4]), "tostring names the object: the same for two child handles")
t.like(tostring(frost.channel(1)), "^frost%.channel: 0x%x+$", "tostring of a channel")
t.is(frost.type(map), "map", "frost.type map")
t.is(frost.type(frost.channel(1)), "channel", "frost.type channel")
for _, v in ipairs({ 1, "s", true, {}, print, io.stdout, coroutine.create(print) }) do
	t.is(frost.type(v), type(v), "frost.type(" .. type(v) .. ") is Lua's type")
end
t.is(frost.type(nil), "nil", "frost.type(nil)")
t.errors(function() return frost.type() end, "bad argument", "frost.type() needs an argument")
t.is(getmetatable(tup), "frost", "the metatable is protected")

-- Immutability and misuse: Lua errors.
t.errors(function() tup[1] = 2 end, "cannot modify a frozen tuple", "assigning into a tuple")
t.errors(function() map.new = 1 end, "cannot modify a frozen map", "assigning into a map")
t.errors(function() return tup + 1 end, "attempt to perform arithmetic", "arithmetic on a handle")
t.errors(function() return #frost.channel(1) + nil end, "", "misc misuse raises")
t.errors(function() frost.lookup() end, "bad argument #1", "lookup without a name")
t.errors(function() frost.lookup("") end, "bad argument #1", "lookup of the empty name")
t.errors(function() frost.publish("a\0b", 1) end, "bad argument #1", "a name with NUL")
t.errors(function() frost.channel(0) end, "bad argument #1", "channel(0)")
t.errors(function() frost.channel(1.5) end, "bad argument #1", "channel(1.5)")
t.errors(function() frost.channel(1):send() end, "bad argument #1 to .send. %(value expected%)", "send without a value")
t.errors(function() frost.channel(1):recv(-5) end, "bad argument", "a negative timeout")
t.errors(function() frost.channel(1).send(map, 1) end, "frost channel expected", "send on a map")
t.errors(function() frost.spawn() end, "bad argument #1", "spawn without code")
t.is(frost.spawn("return 1"):join(1), 1, "join ignores extra arguments")
local th = frost.spawn("return 1")
t.is(th:join(), 1, "join")
t.errors(function() th:join() end, "joined already", "join twice")
local th2 = frost.spawn("return 2")
t.errors(function() th2.join(map) end, "frost%.thread expected", "join on a map")
t.is(th2:join(), 2, "the thread is still joinable")
t.done()
