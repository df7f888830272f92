#!/bin/sh
_=[[ # SPDX-License-Identifier: LGPL-2.1-or-later
exec "${FROST_SRCTREE:-$(dirname "$0")/../..}/t/lua/run-lua" "$0" "$@"
]]
-- l0600-quiescent: a state that runs only plain Lua, or blocks outside
-- frost (os.execute("sleep 1")), while holding handles, does not delay
-- another state's frost.reclaim(): between binding calls its sandbox is
-- offline. The negative control, frost._hold_online(ms) (a binding call
-- that stays online without a quiescent state), shows the measurement
-- sees a delaying state.
local t = require "tap"
local frost = require "frost"

local function wait(s)
	local t0 = frost._clock()
	while frost._clock() - t0 < s do end
end

-- The longest of a few frost.reclaim() calls while the worker runs @code.
local function reclaim_delay(code, name)
	local ready = frost.channel(1)
	local w = frost.spawn([[
		local ready, code = ...
		local held = frost.freeze{ 1, { 2 }, "three" }	-- handles held meanwhile
		ready:send(true)
		load(code)()
		return held[2][1]
	]], ready, code)
	assert(ready:recv(10000), "worker started")
	wait(0.1)	-- let it get into its loop or sleep
	local max = 0
	for _ = 1, 5 do
		local t0 = frost._clock()
		frost.reclaim()
		local dt = frost._clock() - t0
		if dt > max then max = dt end
	end
	t.is(w:join(), 2, name .. ": the worker's handles survived")
	return max
end

local idle = 0
for _ = 1, 5 do
	local t0 = frost._clock()
	frost.reclaim()
	idle = math.max(idle, frost._clock() - t0)
end
local busy = reclaim_delay([[ local t0 = os.clock(); local x = 0; while os.clock() - t0 < 1 do x = x + 1 end ]],
	"plain Lua")
local sleeping = reclaim_delay([[ os.execute("sleep 1") ]], "os.execute('sleep 1')")
local online = reclaim_delay([[ frost._hold_online(1000) ]], "frost._hold_online(1000)")
t.diag(("longest frost.reclaim(): %.2f ms alone, %.2f ms beside plain Lua, %.2f ms beside os.execute('sleep 1'), %.1f ms beside a state held online")
	:format(idle * 1e3, busy * 1e3, sleeping * 1e3, online * 1e3))
-- "A few milliseconds" is the target; the bound is generous for a noisy
-- shared machine (and sanitizer builds), far below the 1 s a delaying
-- state would cost.
t.ok(busy < 0.25, ("a state running plain Lua does not delay reclaim (%.2f ms)"):format(busy * 1e3))
t.ok(sleeping < 0.25, ("a state blocked in os.execute does not delay reclaim (%.2f ms)"):format(sleeping * 1e3))
t.ok(online > 0.5, ("control: a state held online does delay it (%.1f ms)"):format(online * 1e3))
t.done()
