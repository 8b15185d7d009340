-- server-closes-first-load.lua: the same load as port-exhaustion.lua, but
-- the server closes first.  The client never runs out of ports (its
-- sockets close from CLOSE_WAIT/LAST_ACK, leaving no TIME_WAIT); the server
-- holds the TIME_WAIT sockets instead: rate x 60 s of them once the load
-- has run for 60 s (Little's law), and its listening port is never
-- exhausted because each TIME_WAIT holds a different 4-tuple.
--
-- Run:   twsim run scenarios/server-closes-first-load.lua --set rate=1000

local rate = tonumber(sim.param("rate", "1000"))
local client = sim.host("client", { addr = "10.0.0.1" })
local server = sim.host("server", { addr = "10.0.0.2" })
sim.link(client, server, { delay = "1ms", rate = "1Gbps" })

sim.spawn(function()
  local ls = server:socket()
  ls:bind(80)
  ls:listen(4096)
  while true do
    local c = ls:accept()
    sim.spawn(function()
      c:recv()
      c:send(100)
      c:close()                              -- the server closes first
    end)
  end
end)

sim.every(1 / rate, function()
  local s = client:socket()
  if s:connect("10.0.0.2", 80) then
    s:send(100)
    s:recv()
    s:recv()                                 -- EOF: the server closed
  end
  s:close()
end)
sim.run{ ["until"] = "120s" }
local cs, ss = client:stats(), server:stats()
print(string.format("client: connects ok %d, EADDRNOTAVAIL %d, TIME_WAIT %d",
                    cs.connect_ok, cs.connect_addrnotavail, client:count("TIME_WAIT")))
print(string.format("server: TIME_WAIT now %d, peak %d (rate x 60 s = %d)",
                    server:count("TIME_WAIT"), ss.tw_peak, rate * 60))
sim.assert(cs.connect_addrnotavail == 0, "no port exhaustion when the server closes first")
sim.record("server_tw_peak", ss.tw_peak)
