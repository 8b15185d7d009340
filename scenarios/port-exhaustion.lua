-- port-exhaustion.lua: a client that closes first, opening connections to
-- one server port faster than its TIME_WAIT sockets expire, runs out of
-- ephemeral ports.  Each connection leaves the client's port in TIME_WAIT
-- for 60 s, so with Linux's 28,232 ports (32768-60999) the sustained rate
-- is 28,232 / 60 s = 470.5 connections/s, whatever rate is attempted.
--
-- The rate measured here comes out of the simulation: connects that
-- succeed between t = 60 s and t = 120 s, once the first TIME_WAIT sockets
-- have started to expire.
--
-- Run:   twsim run scenarios/port-exhaustion.lua
--        twsim run scenarios/port-exhaustion.lua --set rate=2000 --set ports=1000

local load = require("twsim.load")

local rate = tonumber(sim.param("rate", "1000"))
local ports = sim.param("ports")            -- e.g. 1000: a smaller range
local client = sim.host("client", { addr = "10.0.0.1" })
local server = sim.host("server", { addr = "10.0.0.2" })
sim.link(client, server, { delay = "1ms", rate = "1Gbps" })
if ports then client:set{ port_range = "40000-" .. (40000 + tonumber(ports) - 1) } end

-- The clients send nothing: the server reads their FIN (the client
-- closes first) and closes.
load.server{ host = server, port = 80, backlog = 4096, response = 0, closer = "client" }

local ok_in_window, failed, first_failure = 0, 0, nil
sim.every(1 / rate, function()
  local s = client:socket()
  local ok, err = s:connect("10.0.0.2", 80)
  if ok then
    if sim.now() >= 60 and sim.now() < 120 then ok_in_window = ok_in_window + 1 end
    s:close()
  else
    failed = failed + 1
    first_failure = first_failure or string.format("%s at %.3f s", err, sim.now())
    s:close()
  end
end)
sim.run{ ["until"] = "120s" }
local st = client:stats()
print(string.format("attempted %d/s; first failure: %s", rate, first_failure or "none"))
print(string.format("connects ok %d, EADDRNOTAVAIL %d", st.connect_ok, st.connect_addrnotavail))
print(string.format("sustained rate from 60 s to 120 s: %.1f connections/s", ok_in_window / 60))
print(string.format("client TIME_WAIT now %d (peak %d)", client:count("TIME_WAIT"), st.tw_peak))
sim.record("sustained_rate", ok_in_window / 60)
