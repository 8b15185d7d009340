-- The shipped module's internal functions, reached through the debug
-- library (not under --sandbox): they check their calls as the methods
-- do.  internal.serve_plain takes a listening socket and serves it in C;
-- from a segment observer it is refused as any socket call there is, with
-- the scenario's line.  --set where=process: from a process, where it
-- serves.
local load = require("twsim.load")
local internal
for i = 1, 50 do
  local name, value = debug.getupvalue(load.server, i)
  if name == nil then break end
  if name == "internal" then internal = value end
end
assert(internal and internal.serve_plain, "load.server holds the internal functions")

local c = sim.host("c", { addr = "10.0.0.1" })
local s = sim.host("s", { addr = "10.0.0.2" })
sim.link(c, s, { delay = "1ms" })
local ls = s:socket()
ls:bind(80)
ls:listen(4)
if sim.param("where", "observer") == "observer" then
  sim.on("segment", function() internal.serve_plain(ls, 5, false) end)
else
  sim.spawn(function() internal.serve_plain(ls, 5, false) end)
end
local got
sim.spawn(function()
  local k = c:socket()
  k:connect("10.0.0.2", 80)
  k:send(10)
  got = k:recv()
  k:close()
end)
sim.run{ ["until"] = "1s" }
print("answered", got and #got, "taken socket", ls:state())
