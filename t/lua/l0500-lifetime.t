#!/bin/sh
_=[[ # SPDX-License-Identifier: LGPL-2.1-or-later
exec "${FROST_SRCTREE:-$(dirname "$0")/../..}/t/lua/run-lua" "$0" "$@"
]]
-- l0500-lifetime: handles keep their objects alive however long Lua holds
-- them, across reclaim cycles and churn in this state and another; child
-- handles keep their root; dropped handles are reclaimed; Lua's collector
-- is stepped for the frost data handles hold. The negative control,
-- frost._unpinned (a handle without a pin), shows the checks see a broken
-- lifetime.
local t = require "tap"
local frost = require "frost"

local function fp(i) return { id = i, name = "item-" .. i, list = { i, i * 2, "x" .. i } } end
local function check(h, i)
	local ok, good = pcall(function()
		return h.id == i and h.name == "item-" .. i and h.list[1] == i and h.list[2] == i * 2
			and h.list[3] == "x" .. i and #h.list == 3
	end)
	return ok and good
end
local function churn(n)
	for i = 1, n do
		local g = frost.freeze{ i, "garbage" .. i, { i } }
		g = nil
	end
	collectgarbage()
	collectgarbage()
end

-- A worker state churns meanwhile (freeze, drop, reclaim).
local stop = frost.channel(1)
local worker = frost.spawn([[
	local stop = ...
	local n = 0
	while stop:recv(0) == nil do
		for i = 1, 100 do local g = frost.freeze{ i, { "w" .. i } } end
		collectgarbage()
		frost.reclaim()
		n = n + 1
	end
	return n
]], stop)

local roots, children, freed = {}, {}
for i = 1, 40 do
	roots[i] = frost.freeze(fp(i))
	children[i] = frost.freeze{ { fp(1000 + i) } }[1]	-- the root is dropped at once
end
local bad_root, bad_child = 0, 0
local freed0 = frost.stats().freed_objects
for round = 1, 8 do
	churn(300)
	frost.reclaim()
	for i = 1, 40 do
		if not check(roots[i], i) then bad_root = bad_root + 1 end
		if not check(children[i][1], 1000 + i) then bad_child = bad_child + 1 end
	end
end
stop:send(true)
local worker_rounds = worker:join()
-- Counted over every cycle: the background reclaimer's and the worker's too.
freed = frost.stats().freed_objects - freed0
t.is(bad_root, 0, "root handles read back intact after 8 rounds of churn and reclaim")
t.is(bad_child, 0, "child handles whose root handle was dropped keep their object")
t.ok(freed >= 8 * 300 * 3, "the churn was reclaimed (" .. freed .. " objects freed)")
t.is(math.type(frost.reclaim()), "integer", "frost.reclaim() returns the number of objects it freed")
t.ok(worker_rounds >= 1, "a second state churned concurrently (" .. worker_rounds .. " rounds)")

-- Dropping the handles lets the objects go.
collectgarbage()
frost.reclaim()
local held = frost.stats().shared_objects
roots, children = nil, nil
collectgarbage()
collectgarbage()
frost.reclaim()
local after = frost.stats().shared_objects
t.ok(after < held - 40 * 5, ("dropped handles are reclaimed (%d -> %d shared objects)"):format(held, after))

-- Negative control: handles without a pin lose their objects.
local unpinned = {}
for i = 1, 40 do unpinned[i] = frost._unpinned(fp(i)) end
local before_bad = 0
for i = 1, 40 do if not check(unpinned[i], i) then before_bad = before_bad + 1 end end
t.is(before_bad, 0, "control: unpinned handles read back before any cycle")
churn(300)
frost.reclaim()
churn(300)
frost.reclaim()
local broken = 0
for i = 1, 40 do if not check(unpinned[i], i) then broken = broken + 1 end end
t.ok(broken > 0, ("control: the check sees a broken lifetime (%d of 40 unpinned handles wrong)"):format(broken))

-- Lua's collector is stepped for the frost data handles hold: with the
-- collector stopped, only those steps can collect dropped handles.
local big = {}
for i = 1, 400 do big["key" .. i] = "value" .. i end
collectgarbage()
frost.reclaim()
local base = frost.stats().shared_bytes
local one = frost.freeze(big)
frost.reclaim()
local size = frost.stats().shared_bytes - base
one = nil
collectgarbage()
frost.reclaim()
collectgarbage("stop")
local n = 200
for _ = 1, n do
	local h = frost.freeze(big)
	h = nil
end
frost.reclaim()
local kept = frost.stats().shared_bytes - base
collectgarbage("restart")
t.diag(("one frozen copy: %d bytes; after %d dropped copies with Lua's GC stopped: %d bytes (%.1f copies)")
	:format(size, n, kept, kept / size))
t.ok(size > 0 and kept < size * n / 4, "dropped handles are collected by the binding's GC steps")
collectgarbage()
frost.reclaim()
t.ok(frost.stats().shared_bytes - base < size * 2, "and all of it once Lua collects")
t.done()
