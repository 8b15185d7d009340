-- syn-closed-port.lua: a SYN to a port where nobody listens is answered
-- with a RST (RFC 9293 3.10.7.1), and connect() fails at once with
-- ECONNREFUSED: one round trip, no retries.
--
-- Run:   twsim run scenarios/syn-closed-port.lua --trace -

local client = sim.host("client", { addr = "10.0.0.1" })
local server = sim.host("server", { addr = "10.0.0.2" })
sim.link(client, server, { delay = "5ms" })

local result, took
sim.spawn(function()
  local s = client:socket()
  local t0 = sim.now()
  local ok, err = s:connect("10.0.0.2", 8080)
  result, took = ok and "connected" or err, sim.now() - t0
end)
sim.run{ ["until"] = "10s" }
print(string.format("connect: %s after %.3f s; server sent %d RST",
                    result, took, server:stats().resets_sent))
sim.assert(result == "ECONNREFUSED", "refused")
sim.assert(math.abs(took - 0.010) < 1e-6, "after one round trip (2 x 5 ms)")
sim.assert(client:stats().connect_refused == 1, "counted as refused")
