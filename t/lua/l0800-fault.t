#!/bin/sh
_=[[ # SPDX-License-Identifier: LGPL-2.1-or-later
exec "${FROST_SRCTREE:-$(dirname "$0")/../..}/t/lua/run-lua" "$0" "$@"
]]
-- l0800-fault: every binding call under allocation failures
-- (frost._fail_every(n), frost_debug_fail_every(): needs a library built
-- with CONFIG_FROST_FAULT_INJECTION, .ci/run's fault step): each failure
-- is a Lua error with a message, never a crash, nothing half-made stays
-- visible, and the state works again once the failures stop.
local t = require "tap"
local frost = require "frost"

local armed, why = frost._fail_every(0)
if not armed then t.skip_all("built without CONFIG_FROST_FAULT_INJECTION (" .. tostring(why) .. ")") end

local base = frost.freeze{ keep = { 1, 2, 3 }, name = "base" }
local function work(i)
	local h = frost.freeze{ a = { 1, 2, "x" .. i }, b = "y", [3] = { k = 1.5 }, big = 2^40 // 1 + i }
	frost.publish("l0800.x", h)
	local l = frost.lookup("l0800.x")
	local ch = frost.channel(2)
	assert(ch:send(l))
	local r = ch:recv(0)
	local w = frost.spawn("local a = ... return a.b, a.a[3]", r)
	local b, x = w:join()
	assert(b == "y" and x == "x" .. i, "worker results")
	return frost.replace("l0800.x", l, { i }) and h.a[3]
end

local failed, succeeded, bad_msg = 0, 0, 0
for n = 1, 120 do
	frost._fail_every(n)
	local ok, err = pcall(work, n)
	frost._fail_every(0)
	if ok then
		succeeded = succeeded + 1
	else
		failed = failed + 1
		if type(err) ~= "string" or not (err:find("memory") or err:find("cannot freeze")) then
			bad_msg = bad_msg + 1
			t.diag("n=" .. n .. ": " .. tostring(err))
		end
	end
	collectgarbage()
end
t.ok(failed > 0, ("allocation failures surfaced as Lua errors (%d of 120 runs)"):format(failed))
t.is(bad_msg, 0, "every error names the lack of memory (or the failed freeze)")
t.ok(succeeded > 0, ("runs with sparse failures succeed (%d)"):format(succeeded))
t.ok(base.keep[3] == 3 and base.name == "base", "handles made before the failures are intact")
local ok = pcall(work, 0)
t.ok(ok, "everything works once the failures stop")
frost.reclaim()
t.ok(frost.reclaim() >= 0, "reclaim after the failures")
t.done()
