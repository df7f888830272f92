#!/bin/sh
_=[[ # SPDX-License-Identifier: LGPL-2.1-or-later
exec "${FROST_SRCTREE:-$(dirname "$0")/../..}/t/lua/run-lua" "$0" "$@"
]]
-- l0700-exit: processes that end with live frost state exit with status
-- 0: os.exit() without closing the state (live handles, a worker still
-- blocked), the end of the script (lua_close() collects the handles,
-- then unloads the module while frost's threads run), os.exit(0, true),
-- and a closing state whose worker is still running.
local t = require "tap"
if os.getenv("FROST_SANITIZE") == "thread" then
	-- With libtsan preloaded into the uninstrumented lua5.4, io.popen()'s
	-- child dies of SIGSEGV before it runs anything; these tests are all
	-- child processes. (They run under the release and ASan builds.)
	t.skip_all("ThreadSanitizer: io.popen() crashes in an uninstrumented lua5.4 with libtsan preloaded")
end

local cases = {
	{ "os.exit(0) with live handles, channels, names", [[
		local frost = require "frost"
		local h = frost.freeze{ 1, { 2 } }
		local ch = frost.channel(4)
		ch:send(h)
		frost.publish("exit.h", h)
		print("OK " .. h[2][1])
		os.exit(0)
	]] },
	{ "os.exit(0) while a worker is blocked in recv", [[
		local frost = require "frost"
		local ch = frost.channel(1)
		local w = frost.spawn("local ch = ... ; return ch:recv()", ch)
		frost._hold_online(20)
		print("OK")
		os.exit(0)
	]] },
	{ "the end of the script: lua_close with live handles unloads the module", [[
		local frost = require "frost"
		H = frost.freeze{ a = { b = "c" } }
		C = H.a
		local ch = frost.channel(2)
		ch:send({ 1 })
		T = frost.spawn("return 1")
		print("OK " .. C.b)
	]] },
	{ "os.exit(0, true): close the state, then exit", [[
		local frost = require "frost"
		local h = frost.freeze{ 1 }
		frost.reclaim()
		print("OK " .. h[1])
		os.exit(0, true)
	]] },
	{ "lua_close while an unjoined worker still runs plain Lua", [[
		local frost = require "frost"
		W = frost.spawn("local t0 = os.clock(); while os.clock() - t0 < 0.2 do end; return frost.freeze{ 1 }")
		print("OK")
	]] },
	{ "the module required twice and collected repeatedly", [[
		local frost = require "frost"
		package.loaded.frost = nil
		local again = require "frost"
		for i = 1, 1000 do local h = again.freeze{ i } end
		collectgarbage()
		print("OK " .. tostring(frost.reclaim() >= 0))
	]] },
}
for _, c in ipairs(cases) do
	local status, out = t.run(c[2])
	if not t.ok(status == 0 and out:find("^OK") ~= nil, c[1] .. ": exit status 0") then
		t.diag(("status %s, output:\n%s"):format(tostring(status), out))
	end
end
t.done()
