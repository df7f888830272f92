#!/bin/sh
_=[[ # SPDX-License-Identifier: LGPL-2.1-or-later
exec "${FROST_SRCTREE:-$(dirname "$0")/../..}/t/lua/run-lua" "$0" "$@"
]]
-- l0400-spawn: frost.spawn() and t:join(), channels between states:
-- arguments and results, errors, timeouts, close, channels sent on
-- channels, several workers reading one frozen data set.
local t = require "tap"
local frost = require "frost"

-- Arguments (frozen on the way) and results.
local data = frost.freeze{ 1, 2, 3 }
local w = frost.spawn([[
	local n, s, tbl, h, nothing, last = ...
	return n + 1, s .. "!", frost.type(tbl), tbl.k[2], h[3], nothing, last, select("#", ...)
]], 41, "hi", { k = { "a", "b" } }, data, nil, "end")
local r = table.pack(w:join())
t.is(r[1], 42, "an integer argument and result")
t.is(r[2], "hi!", "a string")
t.is(r[3], "map", "a table argument arrives frozen")
t.is(r[4], "b", "... with its contents")
t.is(r[5], 3, "a handle argument")
t.is(r[6], nil, "a nil argument keeps its place")
t.is(r[7], "end", "... and the ones after it")
t.is(r[8], 6, "select('#', ...) sees every argument")
t.is(r.n, 8, "join returns every result")
t.is(select("#", frost.spawn("return"):join()), 0, "no results")
t.is(select("#", frost.spawn("return nil, nil"):join()), 2, "nil results are kept")
local tr = frost.spawn("return { x = { 1, 2 } }"):join()
t.ok(frost.type(tr) == "map" and tr.x[2] == 2, "a table result arrives frozen")
t.is(frost.spawn("return string.format('%d', 7), os.time() > 0, math.pi > 3, table.concat({1,2})"):join(),
	"7", "standard libraries are open")
t.ok(frost.spawn("return frost == require 'frost' and frost.type(frost.freeze{1})"):join() == "tuple",
	"the global frost is require 'frost'")
t.is(frost.spawn("return frost.spawn('return 5'):join() + 1"):join(), 6, "a spawned state can spawn")

-- Errors.
t.errors(function() frost.spawn("error('boom')"):join() end, "boom", "join raises the worker's error")
t.errors(function() frost.spawn("error({})"):join() end, "error object is a table", "a non-string error")
t.errors(function() frost.spawn("this is not Lua"):join() end, "syntax error", "a syntax error")
t.errors(function() frost.spawn("return print"):join() end, "cannot freeze a function", "an unfreezable result")
t.errors(function() frost.spawn("return 1", print) end, "^cannot freeze a function %(at value%[1%]%)",
	"an unfreezable argument")
t.errors(function() frost.spawn("\27Lua"):join() end, "binary chunk", "binary chunks are refused")
t.is(frost.spawn("return 1"):join(), 1, "spawn works after the errors")

-- Channels within one state.
local ch = frost.channel(2)
t.is(ch:send("a"), true, "send")
t.is(ch:send({ 1, 2 }), true, "send a table")
local ok, why = ch:send("c", 0)
t.ok(ok == false and why == "timeout", "send on a full channel with timeout 0: false, 'timeout'")
local t0 = frost._clock()
ok, why = ch:send("c", 50)
t.ok(ok == false and why == "timeout" and frost._clock() - t0 >= 0.04, "send with timeout 50 ms waits, then 'timeout'")
t.is(ch:recv(), "a", "recv in order")
local v = ch:recv()
t.ok(frost.type(v) == "tuple" and v[2] == 2, "a received table is a handle")
local none, why2 = ch:recv(0)
t.ok(none == nil and why2 == "timeout", "recv on an empty channel with timeout 0: nil, 'timeout'")
t0 = frost._clock()
none, why2 = ch:recv(30)
t.ok(none == nil and why2 == "timeout" and frost._clock() - t0 >= 0.02, "recv with a timeout waits, then 'timeout'")
ch:send(1)
ch:send(2)
ch:close()
t.is(ch:recv(), 1, "values queued before the close are delivered")
t.is(ch:recv(0), 2, "... all of them")
none, why2 = ch:recv()
t.ok(none == nil and why2 == "closed", "then nil, 'closed'")
ok, why = ch:send(3)
t.ok(ok == false and why == "closed", "send after close: false, 'closed'")
ch:close()
t.ok(true, "close twice is harmless")

-- Channels between states.
local req, rep = frost.channel(4), frost.channel(4)
w = frost.spawn([[
	local req, rep = ...
	local n = 0
	while true do
		local v, why = req:recv()
		if v == nil then return n, why end
		n = n + 1
		rep:send({ v[1] * 2, frost.type(v) })
	end
]], req, rep)
local good = true
for i = 1, 50 do
	req:send({ i })
	local a = rep:recv(10000)
	good = good and a and a[1] == i * 2 and a[2] == "tuple"
end
t.ok(good, "50 request/replies through two channels")
req:close()
local n, why3 = w:join()
t.ok(n == 50 and why3 == "closed", "close wakes the blocked worker with 'closed'")

-- close wakes a blocked receiver in another state.
local c1 = frost.channel(1)
local sig = frost.channel(1)
w = frost.spawn([[
	local c1, sig = ...
	sig:send("ready")
	return c1:recv()
]], c1, sig)
t.is(sig:recv(10000), "ready", "the worker runs")
frost._hold_online(50) -- let it block in recv
c1:close()
local a1, a2 = w:join()
t.ok(a1 == nil and a2 == "closed", "a receiver blocked in another state gets 'closed'")

-- A channel sent on a channel.
local outer, inner = frost.channel(1), frost.channel(1)
outer:send(inner)
local got = outer:recv()
t.is(frost.type(got), "channel", "a channel received from a channel")
got:send("through")
t.is(inner:recv(), "through", "... is the same channel")
t.ok(got == inner, "... equal to it")

-- Several workers read one frozen data set.
local big = {}
for i = 1, 1000 do big["k" .. i] = { i, tostring(i) } end
big = frost.freeze(big)
local ws = {}
for i = 1, 3 do
	ws[i] = frost.spawn([[
		local big, from = ...
		local sum = 0
		for j = from, 1000 do sum = sum + big["k" .. j][1] end
		return sum
	]], big, i)
end
local sums = 0
for i = 1, 3 do sums = sums + ws[i]:join() end
t.is(sums, 500500 * 3 - (0 + 1 + 3), "three states sum one shared map")
local st = frost.stats()
t.ok(st.sandboxes >= 1 and st.cycles >= 0 and st.shared_objects > 0 and st.shared_bytes > 0
	and st.freed_objects >= 0, "stats has shared_objects, shared_bytes, cycles, freed_objects")
-- A thread object collected unjoined is joined by its __gc.
frost.spawn("return 1")
collectgarbage()
collectgarbage()
t.ok(true, "an unjoined thread object is collected without a hang")
t.done()
