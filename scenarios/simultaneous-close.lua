-- simultaneous-close.lua: both ends close at the same instant; their FINs
-- cross, both go FIN_WAIT_1 -> CLOSING -> TIME_WAIT (RFC 9293 3.6,
-- figure 13), and BOTH hold TIME_WAIT.
--
-- Run:   twsim run scenarios/simultaneous-close.lua --trace -

local a = sim.host("a", { addr = "10.0.0.1" })
local b = sim.host("b", { addr = "10.0.0.2" })
sim.link(a, b, { delay = "10ms" })

local path = {}
sim.on("state", function(ev)
  path[ev.host] = (path[ev.host] or "") .. " -> " .. ev.to
end)

sim.spawn(function()
  local ls = b:socket()
  ls:bind(80)
  ls:listen(4)
  local c = ls:accept()
  sim.sleep(1 - sim.now())                   -- close at exactly t = 1 s
  c:close()
end)
sim.spawn(function()
  local s = a:socket()
  assert(s:connect("10.0.0.2", 80))
  sim.sleep(1 - sim.now())                   -- close at exactly t = 1 s
  s:close()
end)
sim.run{ ["until"] = "2s" }
print("a:" .. path.a)
print("b:" .. path.b)
print(string.format("TIME_WAIT: a %d, b %d", a:count("TIME_WAIT"), b:count("TIME_WAIT")))
sim.assert(path.a:find("FIN_WAIT_1 -> CLOSING -> TIME_WAIT", 1, true), "a went through CLOSING")
sim.assert(path.b:find("FIN_WAIT_1 -> CLOSING -> TIME_WAIT", 1, true), "b went through CLOSING")
sim.assert(a:count("TIME_WAIT") == 1 and b:count("TIME_WAIT") == 1, "both hold TIME_WAIT")
