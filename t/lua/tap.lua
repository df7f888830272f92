-- SPDX-License-Identifier: LGPL-2.1-or-later
--
-- tap.lua: a small TAP producer for the Lua binding's tests (t/lua/*.t).
-- Theory of operation: `local t = require "tap"`; t.ok(cond, name),
-- t.is(got, want, name), t.like(str, pattern, name), t.errors(fn, pattern,
-- name) (fn must raise an error whose message matches), t.diag(...),
-- t.skip_all(reason), t.done() prints the plan (a lazy plan) and exits 1
-- if any check failed. Failures print both values as TAP diagnostics.
local M = {}
local n, failed = 0, 0

io.stdout:setvbuf("line")
print("TAP version 13")

function M.diag(...)
	local parts = {}
	for i = 1, select("#", ...) do parts[#parts + 1] = tostring(select(i, ...)) end
	io.stdout:write("# ", (table.concat(parts, " "):gsub("\n", "\n# ")), "\n")
end

function M.ok(cond, name)
	n = n + 1
	if cond then
		print(("ok %d - %s"):format(n, name))
	else
		failed = failed + 1
		print(("not ok %d - %s"):format(n, name))
		local lvl, info = 2, debug.getinfo(2, "Sl")
		while info and info.short_src:find("tap%.lua$") do
			lvl = lvl + 1
			info = debug.getinfo(lvl, "Sl")
		end
		if info then M.diag(("  at %s:%d"):format(info.short_src, info.currentline)) end
	end
	return cond
end

function M.is(got, want, name)
	local r = M.ok(got == want, name)
	if not r then M.diag("  got:  " .. tostring(got), "\n  want: " .. tostring(want)) end
	return r
end

function M.like(got, pat, name)
	local r = M.ok(type(got) == "string" and got:find(pat) ~= nil, name)
	if not r then M.diag("  got:  " .. tostring(got), "\n  want: /" .. pat .. "/") end
	return r
end

function M.errors(fn, pat, name)
	local ok, err = pcall(fn)
	if ok then
		M.ok(false, name)
		M.diag("  no error raised")
		return false
	end
	return M.like(tostring(err), pat, name)
end

function M.skip_all(reason)
	print("1..0 # SKIP " .. reason)
	os.exit(0)
end

function M.done()
	print("1.." .. n)
	os.exit(failed == 0 and 0 or 1)
end

-- Run a Lua snippet in a separate lua5.4 process; its exit status and output.
function M.run(code)
	local f = os.tmpname()
	local h = assert(io.open(f, "w"))
	h:write(code)
	h:close()
	local p = assert(io.popen(("%s %s 2>&1; echo \"status=$?\""):format(os.getenv("FROST_LUA") or "lua5.4", f)))
	local out = p:read("a")
	p:close()
	os.remove(f)
	local status = tonumber(out:match("status=(%d+)%s*$"))
	return status, out:gsub("status=%d+%s*$", "")
end

return M
