-- SPDX-License-Identifier: LGPL-2.1-or-later
--[[
tools/lua/examples/countries.lua - worker Lua states serving country
lookups from one frozen data set.

Theory of operation. The main state reads Debian's iso-codes country list
(ISO 3166-1, /usr/share/iso-codes/json/iso_3166-1.json) with lua-cjson,
builds a table from every alpha_2 and alpha_3 code to its country, and
freezes it once: one copy, in frost's shared heap. It starts --workers
worker states (frost.spawn: each its own OS thread, lua_State and frost
sandbox) and hands each the frozen table as a spawn argument, with a
request channel they all read and a reply channel they all write. The main
state sends every code given on the command line and closes the request
channel; each worker answers the requests it takes until it sees the
channel closed, and returns how many it served. No worker copies the
table: a lookup in it returns Lua strings, straight from the shared data.

Run, from the top of a built tree (the module is tools/lua/frost.so):
    LUA_CPATH='tools/lua/?.so;;' lua5.4 tools/lua/examples/countries.lua FR JPN de xx
Prints one line per code ("FR  France (FRA, 250) [worker 1]", "xx  unknown
[worker 2]"), in the order the replies come, then one line per worker.
--]]

local frost = require "frost"
local cjson = require "cjson"

local WORKERS = 2
local DATA = "/usr/share/iso-codes/json/iso_3166-1.json"

-- A worker: the frozen countries, its number, the two channels.
local SERVE = [[
local countries, id, requests, replies = ...
local served = 0
while true do
	local code = requests:recv()
	if code == nil then break end	-- closed: every request was taken
	local c = countries[code:upper()]
	if c then
		replies:send(string.format("%-4s%s (%s, %s) [worker %d]", code, c.name,
					   c.alpha_3, c.numeric, id))
	else
		replies:send(string.format("%-4sunknown [worker %d]", code, id))
	end
	served = served + 1
end
return served
]]

local function load_countries(path)
	local f = assert(io.open(path, "rb"))
	local list = cjson.decode(f:read("a"))["3166-1"]
	f:close()
	local by_code = {}
	for _, c in ipairs(list) do
		local entry = { name = c.common_name or c.name, alpha_2 = c.alpha_2,
				alpha_3 = c.alpha_3, numeric = c.numeric }
		by_code[c.alpha_2] = entry	-- one entry under both codes:
		by_code[c.alpha_3] = entry	-- frozen once, shared by both keys
	end
	return by_code
end

local codes = { ... }
if #codes == 0 then codes = { "FR", "JPN", "de", "xx" } end

local countries = frost.freeze(load_countries(DATA))
local requests, replies = frost.channel(#codes), frost.channel(#codes)
local workers = {}
for id = 1, WORKERS do
	workers[id] = frost.spawn(SERVE, countries, id, requests, replies)
end
for _, code in ipairs(codes) do
	assert(requests:send(code))
end
requests:close()
for _ = 1, #codes do
	print((assert(replies:recv())))
end
for id, w in ipairs(workers) do
	print(string.format("worker %d served %d of %d lookups", id, w:join(), #codes))
end
