-- server-closes-first.lua: when the server closes first, the server holds
-- the TIME_WAIT sockets, one per connection, for 60 s each.
--
-- A client opens `conns` connections in sequence (default 20); the server
-- answers and closes first.  At the end of the load the server holds one
-- TIME_WAIT socket per connection and the client none; 60 s later they
-- have all expired.
--
-- Run:   twsim run scenarios/server-closes-first.lua --set conns=100

local conns = tonumber(sim.param("conns", "20"))
local client = sim.host("client", { addr = "10.0.0.1" })
local server = sim.host("server", { addr = "10.0.0.2" })
sim.link(client, server, { delay = "1ms", rate = "1Gbps" })

sim.spawn(function()
  local ls = server:socket()
  ls:bind(80)
  ls:listen(128)
  while true do
    local c = ls:accept()
    sim.spawn(function()
      c:recv()
      c:send(100)
      c:close()                              -- the server closes first
    end)
  end
end)

sim.spawn(function()
  for i = 1, conns do
    local s = client:socket()
    assert(s:connect("10.0.0.2", 80))
    s:send(100)
    s:recv()
    sim.assert(s:recv() == "", "EOF after the response")
    s:close()
  end
  sim.sleep("1s")
  print(string.format("after the load: server TIME_WAIT %d, client TIME_WAIT %d",
                      server:count("TIME_WAIT"), client:count("TIME_WAIT")))
  sim.assert(server:count("TIME_WAIT") == conns, "one TIME_WAIT per connection, on the server")
  sim.assert(client:count("TIME_WAIT") == 0, "none on the client")
end)

sim.run{ ["until"] = "90s" }
print(string.format("at %.0f s: server TIME_WAIT %d (peak %d)", sim.now(),
                    server:count("TIME_WAIT"), server:stats().tw_peak))
sim.assert(server:count("TIME_WAIT") == 0, "all expired 60 s after they were entered")
