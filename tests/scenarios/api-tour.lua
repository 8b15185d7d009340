-- A short tour of the scenario API, for the out-of-memory test: every
-- kind of object and callback once (hosts, a router, links with options,
-- sockets on both sides, observers, a drop predicate, timers, records,
-- the deterministic pairs, settings, listings), in a run of a few
-- connections.  The test refuses its Nth allocation for N = 1, 2, 3 ...
-- and checks that each run ends cleanly.
local c = sim.host("client", { addr = "10.0.0.1" })
local s = sim.host("server", { addr = "10.0.1.1", profile = "linux" })
local r = sim.router("r")
sim.link(c, r, { delay = "1ms", rate = "100Mbps", loss = { ab = 0, ba = 0 } })
local l = sim.link(r, s, { delay = "2ms", queue = 100, reorder = { p = 0, delay = "1ms" } })
s:set{ time_wait = "2s", tw_reuse = 1 }

local changes, segments = 0, 0
sim.on("state", function(ev) changes = changes + 1 end)
sim.on("segment", function(ev) segments = segments + 1 end)
l:drop(function(seg) return seg.len == 7 end)     -- a 7-byte request is lost

local seen = {}
for k, v in pairs({ b = 2, a = 1, [3] = "c", [1.5] = true }) do seen[#seen + 1] = tostring(k) end

sim.spawn(function()
  local ls = s:socket()
  ls:bind(80); ls:listen(8)
  while true do
    local conn = ls:accept()
    sim.spawn(function()
      local req = conn:recv()
      conn:send(#req * 2)
      conn:close()
    end)
  end
end)

sim.spawn(function()
  for i = 1, 3 do
    local sock = c:socket()
    sock:setopt("nodelay", true)
    local ok, err = sock:connect("10.0.1.1", 80)
    if ok then
      sock:send("request " .. i)
      local answer = sock:recv()
      sim.record("answer", #answer)
      sock:close()
    else
      sim.record("failed", 1)
    end
    sim.sleep("10ms")
  end
end)

local ticks = 0
local t = sim.every("5ms", function() ticks = ticks + 1 end)
sim.at("40ms", function() t:cancel() end)

sim.run{ ["until"] = "3s" }
sim.record("changes", changes)
sim.record("segments", segments)
sim.record("ticks", ticks)
sim.record("third", 1 / 3)
sim.log("keys", table.concat(seen, ","), #s:sockets(), s:stats().connect_ok, r:stats().forwarded,
        c:count("TIME_WAIT"), sim.param("x", "none"))
