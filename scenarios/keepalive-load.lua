-- What will this close pattern do at 2,000 requests a second?
--
-- One client host sends 2,000 requests a second (Poisson arrivals,
-- twsim.load) to one server for 60 s, through a 1 Gbps, 1 ms link.  Each
-- connection carries `requests` requests (1: a connection per request;
-- more: keep-alive), and `closer` closes it first.  At the end it records
-- the TIME_WAIT sockets each side holds and the connects that failed.
--
-- What it shows: TIME_WAIT lands on the side that closes first, at most
-- (connections a second) x 60 s of it, so keep-alive divides it by the
-- requests a connection carries.  One client host closing first at 2,000
-- connections a second runs out of its 28,232 ephemeral ports to one
-- server (EADDRNOTAVAIL) after about 14 s, and from then on only as many
-- connections succeed as TIME_WAIT releases ports.  When the server
-- closes first it holds fewer than rate x 60 s: one client host soon comes
-- back to ports whose TIME_WAIT the server still holds, and a new SYN
-- reopens them (lab 2).
--
-- Run:   twsim run scenarios/keepalive-load.lua --set closer=client
--        twsim sweep scenarios/keepalive-load.lua --grid closer=server,client \
--              --grid requests=1,10 --seeds 1..3
local load = require("twsim.load")

local rate = tonumber(sim.param("rate", "2000"))        -- requests a second
local requests = tonumber(sim.param("requests", "1"))   -- per connection
local closer = sim.param("closer", "server")

local client = sim.host("client", { addr = "10.0.0.1" })
local server = sim.host("server", { addr = "10.0.0.2" })
sim.link(client, server, { delay = "1ms", rate = "1Gbps" })

load.server{ host = server, port = 80, backlog = 4096 }
local web = load.open_loop{
  from = client, to = server, port = 80,
  rate = rate / requests,                -- connections a second
  requests = requests, think = "1ms",    -- keep-alive: one request after another
  request = 200, response = { exp = 2000 },
  closer = closer, duration = "60s",
}

sim.run{ ["until"] = "60s" }
local st = web.stats()
sim.record("connections", st.started)
sim.record("requests", st.requests)
sim.record("failed", st.failed)
sim.record("server_tw", server:count("TIME_WAIT"))
sim.record("client_tw", client:count("TIME_WAIT"))
print(string.format("closer=%s requests/connection=%d: %d connections, %d requests, " ..
                    "%d failed (%s); TIME_WAIT: server %d, client %d",
                    closer, requests, st.started, st.requests, st.failed,
                    st.errors.EADDRNOTAVAIL and (st.errors.EADDRNOTAVAIL .. " EADDRNOTAVAIL") or "none",
                    server:count("TIME_WAIT"), client:count("TIME_WAIT")))
