-- SPDX-License-Identifier: LGPL-2.1-or-later
--[[
tools/lua/bench.lua - one real data set shared by Lua worker states through
frost, against every state holding its own copy of it.

Theory of operation. The data set is Debian's iso-codes JSON (every
/usr/share/iso-codes/json/iso_*.json file, decoded with lua-cjson: about
1.5 MB of JSON, 13 000 records) plus one flat index `by_code` from each
record's code (3166-1 alpha_2, 3166-2 code, 639-3 alpha_3, 4217 alpha_3,
15924 alpha_4) to the record itself, which the per-standard arrays share.
Three variants give --workers worker states (frost.spawn, one OS thread
and one lua_State each) that data:

  frozen    the main state decodes and freezes it once (frost.freeze); the
            workers get the handle as a spawn argument: zero copies;
  copy      (a) every worker reads and decodes the JSON files itself and
            builds its own index, as separate processes or threads do today;
  deepcopy  (b) every worker deep-copies the data into native tables of its
            own state at start (what lanes or effil do, here a Lua walk of
            the shared handle, keeping shared sub-tables shared).

Each repetition runs one child process per variant (the script re-executes
itself with --child VARIANT: the memory figures must not see what an
earlier variant's threads left in malloc's arenas), variants interleaved
in the order of the repetition. A child loads the data in its main state,
then starts the workers one at a time; for each it takes the time
(frost.monotonic() if the module has it, else the process CPU time,
os.clock()) from frost.spawn to the worker's "ready" message on a
channel (the main state is blocked in recv meanwhile, the started workers
in theirs): the start-up of that worker with its data in hand. A ready
worker has run a full collection and reports collectgarbage("count"); after
the last one the child reads its RSS (/proc/self/statm), and the RSS growth
from the first ready worker to the last, divided by the workers after the
first, is the memory of one extra state (with one worker: the growth from
before it).

Lookups: the frozen child then lets its workers go. Each builds, in its own
state, a native deep copy of `by_code` and a native array of every key in a
fixed shuffled order, then times passes over the keys, each lookup being
`idx[key].name`, on the frozen index and on the native one in alternation
(ABBA within --reps rounds), a measurement being --iterations passes or as
many as take --duration seconds of CPU. With frost.thread_cpu() (the
thread's own CPU time) the workers run together; without it they run one
at a time and time themselves with os.clock(), the process's CPU time,
while the others are blocked. Figures are medians over all rounds of all
workers (lookups) or over all repetitions and workers (memory, start-up).

Output: "# " lines (--quiet: only the parameters) and frost-bench's SUMMARY
lines (tools/bench/bench.h), against the issue's targets: a frozen lookup
<= 1.1x a native one in the same state, <= 64 KiB per extra state,
<= 5 ms per worker start-up. --raw prints "RESULT" lines instead, which
`frost-bench lua` turns into its own SUMMARY and CSV rows. --probe SIDE
is the one-state lookup loop that tools/lua/callgrind-lookup.sh counts.
Run: LUA_CPATH="tools/lua/?.so;;" lua5.4 tools/lua/bench.lua [--help]
--]]

local DEFAULTS = {
	workers = 2, reps = 5, duration = 0.1, iterations = 0,
	data = "/usr/share/iso-codes/json", variant = "frozen,copy,deepcopy",
}
local VARIANTS = { "frozen", "copy", "deepcopy" }

local USAGE = [[
usage: lua5.4 tools/lua/bench.lua [options]
  --workers N       worker states per variant (default 2)
  --reps N          repetitions (child processes per variant) and lookup rounds (default 5)
  --duration SEC    CPU seconds per lookup measurement (default 0.1)
  --iterations N    fixed work: N passes over the keys per measurement instead
  --variant LIST    frozen,copy,deepcopy (default all three)
  --data DIR        the iso-codes JSON directory (default /usr/share/iso-codes/json)
  --quiet           only the parameter line and the SUMMARY lines
  --raw             RESULT lines for frost-bench instead of SUMMARY lines
  --probe SIDE      frozen|native: only --iterations passes in this state (callgrind-lookup.sh)
  --help            this text
The frost module is found through LUA_CPATH (build tree: LUA_CPATH="tools/lua/?.so;;").]]

-- The part every state runs: main, children and workers (passed to
-- frost.spawn as source text, so it is text here and loaded below).
local COMMON = [==[
local cjson_ok, cjson = pcall(require, "cjson")

-- The standards read, each with the field that is its record's code.
local STANDARDS = {
	{ "3166-1", "alpha_2" }, { "3166-2", "code" }, { "639-3", "alpha_3" },
	{ "4217", "alpha_3" }, { "15924", "alpha_4" },
}

local M = {}

-- The data set as native tables: { ["3166-1"] = { rec... }, ...,
-- by_code = { [code] = rec } }, the records shared by both.
function M.load(dir)
	if not cjson_ok then
		error("lua-cjson is not installed (apt-get install lua-cjson): " .. tostring(cjson), 0)
	end
	local db, by_code, n = {}, {}, 0
	for _, s in ipairs(STANDARDS) do
		local std, field = s[1], s[2]
		local path = dir .. "/iso_" .. std .. ".json"
		local f, err = io.open(path, "rb")
		if not f then error("cannot read the data set: " .. err, 0) end
		local text = f:read("a")
		f:close()
		local recs = cjson.decode(text)[std]
		if type(recs) ~= "table" or #recs == 0 then
			error(path .. ": no \"" .. std .. "\" array", 0)
		end
		for _, r in ipairs(recs) do
			local code = r[field]
			if type(code) ~= "string" or type(r.name) ~= "string" then
				error(path .. ": a record without " .. field .. " or name", 0)
			end
			if by_code[code] then error(path .. ": code " .. code .. " twice", 0) end
			by_code[code] = r
			n = n + 1
		end
		db[std] = recs
	end
	db.by_code = by_code
	return db, n
end

local function is_handle(v)
	local ft = frost and frost.type(v)
	return ft == "tuple" or ft == "map"
end

-- A native deep copy of @v (a native table or a frost handle); a table
-- reached twice is copied once (frost handles by the address tostring shows).
function M.deepcopy(v, seen)
	local handle = is_handle(v)
	if not handle and type(v) ~= "table" then return v end
	seen = seen or {}
	local id = handle and tostring(v) or v
	local c = seen[id]
	if c then return c end
	c = {}
	seen[id] = c
	for k, x in pairs(v) do
		c[M.deepcopy(k, seen)] = M.deepcopy(x, seen)
	end
	return c
end

-- Every key of @idx (native or frozen) in a fixed pseudo-random order.
function M.keys(idx)
	local keys = {}
	for k in pairs(idx) do keys[#keys + 1] = k end
	table.sort(keys)
	local x = 12345
	for i = #keys, 2, -1 do
		x = (x * 1103515245 + 12345) % 2147483648
		local j = x % i + 1
		keys[i], keys[j] = keys[j], keys[i]
	end
	return keys
end

-- One pass over @keys: returns the number of lookups that found a name
-- (measure() checks that all did; Lua optimises nothing away anyway).
function M.pass(idx, keys)
	local n = 0
	for i = 1, #keys do
		local name = idx[keys[i]].name
		if name then n = n + 1 end
	end
	return n
end

-- CPU seconds per lookup on @idx: @iterations passes, or passes until
-- @duration seconds of @clock have gone by.
function M.measure(clock, idx, keys, duration, iterations)
	local n, t0 = 0, clock()
	if iterations > 0 then
		for _ = 1, iterations do n = n + M.pass(idx, keys) end
	else
		repeat n = n + M.pass(idx, keys) until clock() - t0 >= duration
	end
	local dt = clock() - t0
	if n ~= #keys * (iterations > 0 and iterations or n // #keys) then
		error("a lookup found no name", 0)
	end
	return dt / n
end

function M.median(v)
	local s = {}
	for i = 1, #v do s[i] = v[i] end
	table.sort(s)
	local n = #s
	if n == 0 then return 0 end
	if n % 2 == 1 then return s[(n + 1) // 2] end
	return (s[n // 2] + s[n // 2 + 1]) / 2
end

-- Resident set size of the process in KiB (Linux).
function M.rss_kib()
	local f = io.open("/proc/self/statm", "r")
	if not f then return 0 end
	local _, resident = f:read("n", "n")
	f:close()
	return (resident or 0) * 4
end

return M
]==]

-- A worker state: gets its data as its variant says, reports ready, then
-- waits for "go" (lookups, frozen only) or "stop".
local WORKER = [==[
local common, variant, dir, db, ready, go, opts = ...
-- The frozen worker loads the helpers only after its memory is counted:
-- what an extra state costs is the state, the module and the handle.
local M = variant ~= "frozen" and load(common, "=common")()
local data
if variant == "frozen" then
	data = db
elseif variant == "copy" then
	data = M.load(dir)
else
	data = M.deepcopy(db)
end
collectgarbage("collect")
assert(ready:send(collectgarbage("count")))
local cmd = go:recv()
if cmd ~= "go" then return "stopped" end
M = M or load(common, "=common")()

local clock = frost.thread_cpu or os.clock
local frozen = data.by_code
local native = M.deepcopy(frozen)
local keys = M.keys(native)
local tf, tn = {}, {}
for r = 1, opts.reps do
	local first_frozen = r % 2 == 1
	for side = 1, 2 do
		if (side == 1) == first_frozen then
			tf[#tf + 1] = M.measure(clock, frozen, keys, opts.duration, opts.iterations)
		else
			tn[#tn + 1] = M.measure(clock, native, keys, opts.duration, opts.iterations)
		end
	end
end
return frost.freeze(tf), frost.freeze(tn), #keys
]==]

local M = load(COMMON, "=common")()

local function parse_args(argv)
	local o = {}
	for k, v in pairs(DEFAULTS) do o[k] = v end
	local i = 1
	local function value(name)
		i = i + 1
		if argv[i] == nil then error("--" .. name .. " needs a value", 0) end
		return argv[i]
	end
	local function number(name, min, int)
		local v = tonumber(value(name))
		if not v or v < min or (int and math.type(v) ~= "integer") then
			error("--" .. name .. ": '" .. tostring(argv[i]) .. "' is not a"
			      .. (int and "n integer" or " number") .. " >= " .. min, 0)
		end
		return v
	end
	while argv[i] do
		local a = argv[i]
		local name, eq = a:match("^%-%-([%w-]+)=(.*)$")
		if name then
			table.insert(argv, i + 1, eq)
			a = "--" .. name
		end
		if a == "--workers" then o.workers = number("workers", 1, true)
		elseif a == "--reps" then o.reps = number("reps", 1, true)
		elseif a == "--duration" then o.duration = number("duration", 0.001)
		elseif a == "--iterations" then o.iterations = number("iterations", 0, true)
		elseif a == "--variant" then o.variant = value("variant")
		elseif a == "--data" then o.data = value("data")
		elseif a == "--child" then o.child = value("child")
		elseif a == "--probe" then o.probe = value("probe")
		elseif a == "--quiet" then o.quiet = true
		elseif a == "--raw" then o.raw = true
		elseif a == "--help" or a == "-h" then o.help = true
		else error("unknown option '" .. a .. "'", 0) end
		i = i + 1
	end
	o.on = {}
	for v in o.variant:gmatch("[^,]+") do
		local known = false
		for _, w in ipairs(VARIANTS) do known = known or w == v end
		if not known then error("--variant: unknown variant '" .. v .. "'", 0) end
		o.on[v] = true
	end
	return o
end

-- The child of one repetition of one variant: prints "startup_ms", "kib",
-- "rss_kib" and (frozen) "frozen_ns"/"native_ns" lines of numbers.
local function child(o)
	if not o.on[o.child] then error("--child: unknown variant '" .. o.child .. "'", 0) end
	frost = frost or require "frost"
	local db = M.load(o.data)
	db = frost.freeze(db)
	collectgarbage("collect")
	local go, ready, threads = {}, frost.channel(o.workers), {}
	local rss0 = M.rss_kib()
	local rss1, starts, kibs = rss0, {}, {}
	local opts = frost.freeze({ reps = o.reps, duration = o.duration, iterations = o.iterations })
	-- Start-up in wall time when the module has frost.monotonic(), else
	-- in process CPU time (the main state is blocked meanwhile).
	local start_clock = frost.monotonic or os.clock
	for i = 1, o.workers do
		go[i] = frost.channel(1)
		local t0 = start_clock()
		threads[i] = frost.spawn(WORKER, COMMON, o.child, o.data,
					 o.child ~= "copy" and db or nil, ready, go[i], opts)
		local kib, err = ready:recv()
		if not kib then error("worker " .. i .. " did not get ready: " .. tostring(err), 0) end
		starts[i] = (start_clock() - t0) * 1e3
		kibs[i] = kib
		if i == 1 then rss1 = M.rss_kib() end
	end
	local rssn = M.rss_kib()
	-- Growth can be below a page, or negative when the collector gave
	-- pages back meanwhile: an extra state costs at least nothing.
	local per = math.max(0, o.workers > 1 and (rssn - rss1) / (o.workers - 1) or rssn - rss0)
	print("startup_ms " .. table.concat(starts, " "))
	print("kib " .. table.concat(kibs, " "))
	print("rss_kib " .. per)

	local frozen_ns, native_ns = {}, {}
	local together = o.child == "frozen" and frost.thread_cpu ~= nil
	local results = {}
	for i = 1, o.workers do
		assert(go[i]:send(o.child == "frozen" and "go" or "stop"))
		if not together then results[i] = { threads[i]:join() } end
	end
	for i = 1, o.workers do
		if together then results[i] = { threads[i]:join() } end
		local tf, tn = results[i][1], results[i][2]
		if o.child == "frozen" then
			for r = 1, #tf do
				frozen_ns[#frozen_ns + 1] = tf[r] * 1e9
				native_ns[#native_ns + 1] = tn[r] * 1e9
			end
			print("# worker " .. i .. ": " .. results[i][3] .. " keys")
		end
	end
	if o.child == "frozen" then
		print("frozen_ns " .. table.concat(frozen_ns, " "))
		print("native_ns " .. table.concat(native_ns, " "))
		print("clock " .. (together and "thread" or "process"))
		local st = frost.stats()
		print("# frost: shared_objects " .. st.shared_objects .. " shared_bytes " .. st.shared_bytes)
	end
end

-- --probe frozen|native: in this one state, --iterations passes over the
-- keys on one side, inside a coroutine, nothing timed or printed but the
-- count: what tools/lua/callgrind-lookup.sh runs under callgrind,
-- collecting inside lua_resume() only, with 0 and N passes per side.
local function probe(o)
	if o.probe ~= "frozen" and o.probe ~= "native" then
		error("--probe: 'frozen' or 'native', not '" .. o.probe .. "'", 0)
	end
	frost = frost or require "frost"
	local frozen = frost.freeze(M.load(o.data)).by_code
	local native = M.deepcopy(frozen)
	local keys = M.keys(native)
	local idx = o.probe == "frozen" and frozen or native
	local n = 0
	-- In a coroutine: lua_resume() is what callgrind collects inside.
	coroutine.wrap(function()
		for _ = 1, o.iterations do n = n + M.pass(idx, keys) end
	end)()
	print("probe " .. o.probe .. " keys " .. #keys .. " lookups " .. n)
end

local function shell_quote(s)
	return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- The interpreter and script this run was started with, for the children.
local function self_command()
	local lo = 0
	while arg[lo - 1] do lo = lo - 1 end
	local parts = {}
	for i = lo, 0 do parts[#parts + 1] = shell_quote(arg[i]) end
	return table.concat(parts, " ")
end

local function run_child(o, variant)
	local cmd = self_command() .. " --child " .. variant ..
		" --workers " .. o.workers .. " --reps " .. o.reps ..
		" --duration " .. o.duration .. " --iterations " .. o.iterations ..
		" --data " .. shell_quote(o.data)
	local p = assert(io.popen(cmd, "r"))
	local res = {}
	for line in p:lines() do
		local key, rest = line:match("^(%S+) (.*)$")
		if key == "#" then
			res.info = res.info or {}
			res.info[#res.info + 1] = line
		elseif key == "clock" then
			res.clock = rest
		elseif key then
			local v = {}
			for x in rest:gmatch("%S+") do v[#v + 1] = tonumber(x) end
			res[key] = v
		end
	end
	local ok, how, code = p:close()
	if not ok then
		error("child " .. variant .. " failed (" .. tostring(how) .. " " .. tostring(code) .. ")", 0)
	end
	return res
end

-- What this run cannot do without, as a reason, or nil.
local function missing(o)
	local ok, err = pcall(require, "frost")
	if not ok then
		return "no frost module (" .. tostring(err):match("^[^\n]*") .. ")"
	end
	if not pcall(require, "cjson") then return "no lua-cjson (apt-get install lua-cjson)" end
	local f = io.open(o.data .. "/iso_3166-1.json", "rb")
	if not f then return "no iso-codes data set in " .. o.data .. " (apt-get install iso-codes)" end
	f:close()
	return nil
end

local function main(o)
	if not o.raw then
		print(string.format("# params bench=lua workers=%d reps=%d duration=%.3f " ..
			"iterations=%d variant=%s data=%s", o.workers, o.reps, o.duration,
			o.iterations, o.variant, o.data))
	end
	local function info(...) if not o.quiet then print(...) end end
	local why = missing(o)
	if why and o.raw then
		print("SKIP " .. why)
		return
	elseif why then
		error(why, 0)
	end

	-- The data set once in this state, for the record and to fail early.
	local t0 = os.clock()
	local db, n = M.load(o.data)
	local t_load = os.clock() - t0
	collectgarbage("collect")
	info(string.format("# data: %d records from %s, decoded in %.1f ms, %.0f KiB of Lua heap",
			   n, o.data, t_load * 1e3, collectgarbage("count")))
	db = nil -- luacheck: ignore
	collectgarbage("collect")

	local acc = {}
	for _, v in ipairs(VARIANTS) do
		acc[v] = { startup_ms = {}, kib = {}, rss_kib = {}, frozen_ns = {}, native_ns = {} }
	end
	for r = 1, o.reps do
		-- Rotate the variants' order from one repetition to the next.
		for j = 0, #VARIANTS - 1 do
			local v = VARIANTS[(r + j - 1) % #VARIANTS + 1]
			if o.on[v] then
				local res = run_child(o, v)
				for key, list in pairs(acc[v]) do
					for _, x in ipairs(res[key] or {}) do list[#list + 1] = x end
				end
				if r == 1 then
					for _, l in ipairs(res.info or {}) do info(l .. " (" .. v .. ")") end
				end
				acc[v].clock = res.clock or acc[v].clock
			end
		end
	end

	local med = {}
	for v, a in pairs(acc) do
		med[v] = {}
		for key, list in pairs(a) do
			if type(list) == "table" and #list > 0 then med[v][key] = M.median(list) end
		end
	end
	for _, v in ipairs(VARIANTS) do
		local m = med[v]
		if o.on[v] then
			info(string.format("# %-9s start-up %8.3f ms   Lua heap %8.1f KiB/state   RSS %8.1f KiB/extra state",
					   v, m.startup_ms or 0, m.kib or 0, m.rss_kib or 0))
		end
	end
	if med.frozen.frozen_ns then
		info(string.format("# lookups (idx[key].name), %s CPU time: frozen %.1f ns, native %.1f ns",
				   acc.frozen.clock or "?", med.frozen.frozen_ns, med.frozen.native_ns))
	end

	local function summary(name, frost_v, base, unit, target)
		if not frost_v or not base then return end
		if o.raw then
			print(string.format("RESULT name=%s frost=%.6f baseline=%.6f unit=%s target=%.2f",
					    name, frost_v, base, unit, target or 0))
			return
		end
		local ratio = base > 0 and frost_v / base or 0
		local line = string.format("SUMMARY name=%s workers=%d frost=%.3f baseline=%.3f ratio=%.3f unit=%s",
					   name, o.workers, frost_v, base, ratio, unit)
		if target then
			line = line .. string.format(" target=%.2f verdict=%s", target,
						     ratio <= target and "PASS" or "MISS")
		end
		print(line)
	end
	local f, a, b = med.frozen, med.copy, med.deepcopy
	summary("lua_lookup", f.frozen_ns, f.native_ns, "ns/lookup", 1.10)
	summary("lua_state_rss_copy", f.rss_kib, a.rss_kib, "KiB/state")
	summary("lua_state_rss_deepcopy", f.rss_kib, b.rss_kib, "KiB/state")
	summary("lua_state_heap_copy", f.kib, a.kib, "KiB/state")
	summary("lua_state_heap_deepcopy", f.kib, b.kib, "KiB/state")
	summary("lua_state_target", f.rss_kib, f.rss_kib and 64, "KiB/state", 1.00)
	summary("lua_startup_copy", f.startup_ms, a.startup_ms, "ms")
	summary("lua_startup_deepcopy", f.startup_ms, b.startup_ms, "ms")
	summary("lua_startup_target", f.startup_ms, f.startup_ms and 5, "ms", 1.00)
end

local ok, o = pcall(parse_args, { ... })
if not ok then
	io.stderr:write("bench.lua: ", o, "\n", USAGE, "\n")
	os.exit(2)
end
if o.help then
	print(USAGE)
	os.exit(0)
end
local ok2, err = pcall(o.probe and probe or o.child and child or main, o)
if not ok2 then
	io.stderr:write("bench.lua: ", tostring(err), "\n")
	os.exit(1)
end
