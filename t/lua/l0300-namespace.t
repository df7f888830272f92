#!/bin/sh
_=[[ # SPDX-License-Identifier: LGPL-2.1-or-later
exec "${FROST_SRCTREE:-$(dirname "$0")/../..}/t/lua/run-lua" "$0" "$@"
]]
-- l0300-namespace: frost.publish/replace/lookup/unpublish, within a state
-- and across states (a spawned one sees what the parent published).
local t = require "tap"
local frost = require "frost"

local p = "l0300." .. tostring(os.time()) .. "."
t.is(frost.lookup(p .. "none"), nil, "lookup of an unbound name is nil")
t.is(frost.unpublish(p .. "none"), false, "unpublish of an unbound name is false")

t.is(frost.publish(p .. "cfg", { port = 80, hosts = { "a", "b" } }), true, "publish a table (frozen on the way)")
local cfg = frost.lookup(p .. "cfg")
t.is(frost.type(cfg), "map", "lookup gives a handle")
t.ok(cfg.port == 80 and cfg.hosts[2] == "b", "... with the contents")
local h = frost.freeze{ 1, 2 }
frost.publish(p .. "h", h)
t.is(tostring(frost.lookup(p .. "h")), tostring(h), "publish of a handle binds that object (no copy)")
frost.publish(p .. "s", "text")
t.is(frost.lookup(p .. "s"), "text", "a published string comes back as a Lua string")
frost.publish(p .. "i", 42)
t.is(frost.lookup(p .. "i"), 42, "an integer")
frost.publish(p .. "f", 0.5)
t.is(frost.lookup(p .. "f"), 0.5, "a float")
frost.publish(p .. "b", false)
t.is(frost.lookup(p .. "b"), false, "false")
frost.publish(p .. "cfg", { port = 81 })
t.is(frost.lookup(p .. "cfg").port, 81, "publish replaces a previous binding")
t.is(cfg.port, 80, "the old handle still reads the old value")
t.errors(function() frost.publish(p .. "bad", { print }) end, "^cannot freeze a function %(at value%[1%]%)",
	"publishing what cannot be frozen")
t.is(frost.lookup(p .. "bad"), nil, "... binds nothing")

-- replace: compare-and-swap on identity.
t.is(frost.replace(p .. "r", nil, { v = 1 }), true, "replace(name, nil, v) creates")
t.is(frost.replace(p .. "r", nil, { v = 2 }), false, "... but only when unbound")
local cur = frost.lookup(p .. "r")
t.is(cur.v, 1, "the first value stayed")
t.is(frost.replace(p .. "r", frost.freeze{ v = 1 }, { v = 3 }), false, "an equal but other object is not the binding")
t.is(frost.replace(p .. "r", cur, { v = 3 }), true, "replace with what lookup returned")
t.is(frost.lookup(p .. "r").v, 3, "... swapped")
t.is(frost.replace(p .. "r", cur, { v = 4 }), false, "a stale expected value fails")
t.is(frost.lookup(p .. "r").v, 3, "... and changes nothing")
frost.publish(p .. "n", 10)
t.is(frost.replace(p .. "n", 11, 12), false, "a scalar binding: a different expected value fails")
t.is(frost.replace(p .. "n", frost.lookup(p .. "n"), 12), true, "a scalar binding: what lookup returned")
t.is(frost.lookup(p .. "n"), 12, "... swapped")
frost.publish(p .. "str", "a")
t.is(frost.replace(p .. "str", "a", "b"), true, "a string binding: by value")
t.is(frost.replace(p .. "str", nil, "c"), false, "nil expected: create only")
t.is(frost.replace(p .. "gone", "x", "y"), false, "an unbound name with an expected value")
t.errors(function() frost.replace(p .. "r", cur) end, "bad argument #3", "replace needs a value")

t.is(frost.unpublish(p .. "r"), true, "unpublish a bound name")
t.is(frost.lookup(p .. "r"), nil, "... gone")
t.is(frost.unpublish(p .. "r"), false, "unpublish twice")

-- Another state sees the namespace.
frost.publish(p .. "shared", { answer = 42, list = { 1, 2, 3 } })
local w = frost.spawn([[
	local p = ...
	local v = frost.lookup(p .. "shared")
	frost.publish(p .. "from-worker", { seen = v.answer, n = #v.list })
	return frost.type(v), v.answer
]], p)
local kind, answer = w:join()
t.ok(kind == "map" and answer == 42, "a spawned state looks up what the parent published")
local back = frost.lookup(p .. "from-worker")
t.ok(back and back.seen == 42 and back.n == 3, "the parent looks up what the worker published")
t.done()
