-- Three clients behind a SNAT gateway each hold one connection to a
-- server from 0 s, then close it at 2 s (the clients close first).  The
-- gateway's conntrack keeps each closed flow, and its port, in its own
-- TIME_WAIT for 120 s.  Tests read the metrics file's router rows and the
-- ladder of this run.
--
-- --set ports=LO-HI: the gateway's SNAT ports; --set again=T: each client
-- opens a second connection, from a new port, at T s; --set ct_tw=D:
-- conntrack's TIME_WAIT (with one port and a short TIME_WAIT, the gateway
-- gives the second connection the outside port of the first).

local server = sim.host("server", { addr = "198.51.100.1" })
local gw = sim.router("gw", {
  nat = { snat = { from = "10.0.0.0/24", to = "203.0.113.1", ports = sim.param("ports", "61000-61099") } },
})
gw:set{ timeout_time_wait = sim.param("ct_tw", "120s") }
sim.link(gw, server, { delay = "5ms" })

sim.spawn(function()
  local ls = server:socket()
  ls:bind(80)
  ls:listen(16)
  while true do
    local c = ls:accept()
    sim.spawn(function()
      c:recv()                    -- the request
      c:send(100)                 -- the response
      c:recv()                    -- EOF: the client closed
      c:close()
    end)
  end
end)

local nclients = tonumber(sim.param("clients", "3"))
for i = 1, nclients do
  local client = sim.host("client" .. i, { addr = "10.0.0." .. i })
  sim.link(client, gw, { delay = "1ms" })
  local function request(close_at)
    local s = client:socket()
    assert(s:connect("198.51.100.1", 80))
    s:send(100)
    s:recv()
    sim.sleep(close_at - sim.now())
    s:close()
  end
  sim.spawn(function() request(2) end)
  local again = sim.param("again")
  if again then sim.at(tonumber(again), function() request(tonumber(again) + 1) end) end
end

sim.run{ ["until"] = sim.param("until", "130s") }
