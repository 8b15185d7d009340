-- syn-blackhole.lua: every SYN is lost.  The client retransmits it from a
-- 1 s RTO: Linux 6.5 and later (tcp_syn_linear_timeouts = 4,
-- tcp_syn_retries = 6) keep 1 s for the first five retries, then double
-- (at 1, 2, 3, 4, 5, 7, 11, 19, 35 and 67 s), and connect() fails with
-- ETIMEDOUT at 131 s.  Older kernels (profile linux-5) double from the
-- start: 1, 3, 7, 15, 31, 63 s, ETIMEDOUT at 127 s.
--
-- Run:   twsim run scenarios/syn-blackhole.lua
--        twsim run scenarios/syn-blackhole.lua --set profile=linux-5
--        twsim run scenarios/syn-blackhole.lua --set linear=0  (the client's
--                                          syn_linear_timeouts)
--        twsim run scenarios/syn-blackhole.lua --set profile=windows
--        twsim run scenarios/syn-blackhole.lua --set syn_retries=2

local client = sim.host("client", { addr = "10.0.0.1", profile = sim.param("profile") })
local server = sim.host("server", { addr = "10.0.0.2" })
local link = sim.link(client, server, { delay = "5ms" })
link:drop(function(seg) return seg.flags == "S" end)
local linear = sim.param("linear")
if linear then client:set{ syn_linear_timeouts = tonumber(linear) } end
local retries = sim.param("syn_retries")
if retries then client:set{ syn_retries = tonumber(retries) } end

local syn_times = {}
sim.on("segment", function(ev)
  if ev.event == "send" and ev.host == "client" and ev.flags == "S" then
    syn_times[#syn_times + 1] = ev.time
  end
end)
local result, took
sim.spawn(function()
  local s = client:socket()
  local ok, err = s:connect("10.0.0.2", 80)
  result, took = ok and "connected" or err, sim.now()
end)
sim.run{ ["until"] = "300s" }
local offsets = {}
for i = 2, #syn_times do offsets[#offsets + 1] = string.format("%g", syn_times[i] - syn_times[1]) end
print("SYN retransmissions at +" .. table.concat(offsets, ", +") .. " s")
print(string.format("connect: %s after %.3f s", result, took))
sim.assert(result == "ETIMEDOUT", "gives up with ETIMEDOUT")
if not linear and not retries and not sim.param("profile") then
  sim.assert(#syn_times == 11, "one SYN and ten retransmissions")
  sim.assert(took == 131, "gives up at 131 s")
end
