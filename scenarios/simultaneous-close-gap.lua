-- simultaneous-close-gap.lua: how close together must two ends close for
-- their FINs to cross?  a connects to b over a 10 ms link; a closes at
-- t = 1 s and b closes `gap` later (default 0s).  While b closes before
-- a's FIN reaches it (gap < one-way delay), both FINs are in flight at
-- once: both ends go FIN_WAIT_1 -> CLOSING -> TIME_WAIT and both hold
-- TIME_WAIT (RFC 9293 3.6, figure 13).  Once a's FIN has arrived first, b
-- is the passive closer (CLOSE_WAIT -> LAST_ACK) and only a holds it.
--
-- Run:   twsim run scenarios/simultaneous-close-gap.lua
--        twsim run scenarios/simultaneous-close-gap.lua --set gap=5ms
--        twsim run scenarios/simultaneous-close-gap.lua --set gap=30ms

local gap = sim.param("gap", "0s")
local a = sim.host("a", { addr = "10.0.0.1" })
local b = sim.host("b", { addr = "10.0.0.2" })
sim.link(a, b, { delay = "10ms" })

-- Each end's states from its close on, and when it entered TIME_WAIT.
local path, tw_at = { a = "ESTABLISHED", b = "ESTABLISHED" }, {}
sim.on("state", function(ev)
  if ev.time < 1 then return end
  path[ev.host] = path[ev.host] .. " -> " .. ev.to
  if ev.to == "TIME_WAIT" then tw_at[ev.host] = ev.time end
end)

local closed_at = {}
sim.spawn(function()
  local ls = b:socket()
  ls:bind(80)
  ls:listen(4)
  local c = ls:accept()
  sim.sleep(1 - sim.now())
  sim.sleep(gap)                              -- close `gap` after a
  closed_at.b = sim.now()
  c:close()
end)
sim.spawn(function()
  local s = a:socket()
  assert(s:connect("10.0.0.2", 80))
  sim.sleep(1 - sim.now())                    -- close at exactly t = 1 s
  closed_at.a = sim.now()
  s:close()
end)

-- Segments each end sends for the teardown: counted from t = 1 s.
local sent = {}
sim.at(1 - 1e-9, function()
  sent.a, sent.b = a:stats().segments_sent, b:stats().segments_sent
end)
sim.run{ ["until"] = "5s" }

print(string.format("a closes at %.3f s, b at %.3f s", closed_at.a, closed_at.b))
for _, h in ipairs({ "a", "b" }) do
  local host = h == "a" and a or b
  print(string.format("%s: %s", h, path[h]))
  print(string.format("%s: teardown segments sent %d, TIME_WAIT %s", h,
                      host:stats().segments_sent - sent[h],
                      tw_at[h] and string.format("from %.3f s", tw_at[h]) or "never"))
end
print(string.format("TIME_WAIT held at 5 s: a %d, b %d", a:count("TIME_WAIT"), b:count("TIME_WAIT")))
sim.record("tw_holders", a:count("TIME_WAIT") + b:count("TIME_WAIT"))
