#!/bin/sh
_=[[ # SPDX-License-Identifier: LGPL-2.1-or-later
exec "${FROST_SRCTREE:-$(dirname "$0")/../..}/t/lua/run-lua" "$0" "$@"
]]
-- l0900-fast: the read fast path's child handle cache (a root handle keeps
-- the child handles read through it: reading a sub-container again gives
-- the same handle and allocates nothing), its limits (unpinned handles
-- are not cached, LF_CHILD_CACHE children per root), that it keeps no
-- object alive past its handles, and frost.thread_cpu() and
-- frost.monotonic().
local t = require "tap"
local frost = require "frost"

local r = frost.freeze{ a = { b = { 1, 2 } }, t = { { 1 }, { 2 } }, s = "str" }
t.ok(rawequal(r.a, r.a), "r.a twice is the same handle")
t.ok(rawequal(r.a.b, r.a.b), "a child of a child twice is the same handle")
t.ok(r.a == r.a and r.a.b == r.a.b, "and equal by value")
t.ok(rawequal(r.t[2], r.t[2]), "a tuple item twice is the same handle")
local seen
for k, v in pairs(r) do if k == "a" then seen = v end end
t.ok(rawequal(seen, r.a), "pairs() gives the handle indexing gives")
local c = r.a
t.ok(rawequal(c.b, r.a.b), "through a child or through the root: one cache, the root's")

-- Reading one sub-container again allocates nothing in Lua.
collectgarbage("collect")
collectgarbage("stop")
local before = collectgarbage("count")
for _ = 1, 10000 do local _ = r.a.b end -- luacheck: ignore
local grown = collectgarbage("count") - before
collectgarbage("restart")
t.ok(grown < 4, ("10000 reads of r.a.b grow the Lua heap by %.1f KiB (< 4)"):format(grown))

-- Two roots of one object: each its own cache, the same values.
local r2 = frost.freeze(r)
t.ok(rawequal(r2, r), "freeze of a handle is that handle")
frost.publish("l0900", r)
local r3 = frost.lookup("l0900")
t.ok(not rawequal(r3, r) and r3 == r, "a lookup is another root handle of the same object")
t.is(r3.a.b[2], 2, "read through the other root")

-- Unpinned handles (the tests' negative control) cache nothing.
local u = frost._unpinned{ a = { 1 } }
t.ok(not rawequal(u.a, u.a), "an unpinned handle's children are not cached")
t.is(u.a[1], 1, "but read")

-- More children than a root caches: the rest are made afresh, all correct.
local N = 70000
local big = {}
for i = 1, N do big[i] = { i } end
local bh = frost.freeze(big)
big = nil -- luacheck: ignore
local ok = true
for i = 1, N do if bh[i][1] ~= i then ok = false end end
t.ok(ok, N .. " distinct children read correctly")
t.ok(rawequal(bh[1], bh[1]), "the first children are cached")
t.ok(not rawequal(bh[N], bh[N]), "past LF_CHILD_CACHE (65536) children are made afresh")
t.ok(bh[N] == bh[N], "and equal by value")
bh = nil -- luacheck: ignore

-- The cache keeps nothing alive: drop the root and its cached children.
collectgarbage("collect")
frost.reclaim(); frost.reclaim()
local base = frost.stats().shared_objects
do
	local h = frost.freeze{ x = { y = { 1, 2, 3 } }, z = { "w" } }
	local _ = h.x.y, h.z -- luacheck: ignore
	t.ok(frost.stats().shared_objects > base, "a new tree is live")
end
collectgarbage("collect")
collectgarbage("collect")
frost.reclaim(); frost.reclaim()
t.is(frost.stats().shared_objects, base, "dropped with its cached children, the tree is freed")

-- A child outliving its root (the cache is the root's, the child keeps it).
local kept
do
	local h = frost.freeze{ x = { y = { 7 } } }
	kept = h.x.y
end
collectgarbage("collect")
frost.reclaim(); frost.reclaim()
t.is(kept[1], 7, "a cached child read after its root handle was dropped")
t.ok(rawequal(kept, kept), "itself")

-- frost.thread_cpu(), frost.monotonic(): floats of seconds, increasing.
t.is(math.type(frost.thread_cpu()), "float", "thread_cpu() is a float")
t.is(math.type(frost.monotonic()), "float", "monotonic() is a float")
local c0, m0 = frost.thread_cpu(), frost.monotonic()
local x = 0
for i = 1, 3e6 do x = x + i end
local c1, m1 = frost.thread_cpu(), frost.monotonic()
t.ok(c1 > c0, ("thread_cpu() advanced by %.4f s over a loop"):format(c1 - c0))
t.ok(m1 >= m0 + (c1 - c0) * 0.5, "monotonic() advanced at least half as much")
-- A worker blocked on a channel uses no CPU: its thread_cpu barely moves,
-- while the process's os.clock() counts this state's work too.
local go = frost.channel(1)
local w = frost.spawn([[
	local go = ...
	local c0 = frost.thread_cpu()
	go:recv()
	return frost.thread_cpu() - c0
]], go)
local s0 = os.clock()
x = 0
for i = 1, 2e7 do x = x + i end
t.ok(os.clock() - s0 > 0.01, "this state spent CPU meanwhile")
go:send(true)
local wc = w:join()
t.ok(wc < 0.005, ("the blocked worker's thread_cpu() moved %.5f s (< 0.005)"):format(wc))
t.done()
