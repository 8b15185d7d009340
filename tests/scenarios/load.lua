-- load.lua: the twsim.load generators against one server, each checked
-- here with sim.assert (tests/test-load.c runs it with each --set mode).
--   mode=open    Poisson arrivals at 50/s for 100 s, 3 requests each
--   mode=closed  10 users, 1 connection at a time each, think 1 s
--   mode=pool    Poisson requests at 200/s over a pool of 4 connections
-- closer=client|server says who closes first (open and closed loops).
local load = require("twsim.load")
local mode = sim.param("mode", "open")
local closer = sim.param("closer", "client")
local c = sim.host("client", { addr = "10.0.0.1" })
local s = sim.host("server", { addr = "10.0.0.2" })
sim.link(c, s, { delay = "1ms", rate = "1Gbps" })
load.server{ host = s, port = 80 }

local g
if mode == "open" then
  g = load.open_loop{ from = c, to = s, port = 80, rate = 50, duration = "100s",
                      requests = 3, think = "5ms", request = 200,
                      response = { uniform = { 500, 1500 } }, closer = closer, name = "web" }
elseif mode == "closed" then
  g = load.closed_loop{ from = c, to = "10.0.0.2", port = 80, users = 10,
                        user_think = "1s", duration = "100s", closer = closer }
else
  g = load.pool{ from = c, to = s, port = 80, rate = 200, duration = "100s", size = 4,
                 idle_timeout = "2s", response = { exp = 1000 } }
end
sim.run{ ["until"] = "101s" }
local st = g.stats()
sim.record("started", st.started)
sim.record("completed", st.completed)
sim.record("requests", st.requests)
sim.assert(st.failed == 0, "no request failed")
if mode == "open" then
  -- 5,000 arrivals expected; a Poisson count's sd is about 71.
  sim.assert(st.started > 4700 and st.started < 5300, "about 50 connections a second")
  sim.assert(st.requests == 3 * st.completed, "three requests on each connection")
elseif mode == "closed" then
  -- Each user: a connection of a few ms, then 1 s of thinking: about 100 each.
  sim.assert(st.started >= 900 and st.started <= 1000, "ten users, one a second each")
else
  sim.assert(st.open_peak == 4, "at most the pool's 4 connections at once, and all 4 used")
  sim.assert(st.started > 4, "idle connections closed after 2 s, and new ones opened")
  sim.assert(st.completed > 19000 and st.completed < 21000, "about 200 requests a second")
end
local tw_server, tw_client = s:count("TIME_WAIT"), c:count("TIME_WAIT")
sim.record("tw_server", tw_server)
sim.record("tw_client", tw_client)
if mode ~= "pool" then
  -- Whoever closes first holds TIME_WAIT: the last 60 s of connections.
  local holder, other = tw_client, tw_server
  if closer == "server" then holder, other = tw_server, tw_client end
  sim.assert(holder > 0 and other == 0, "the side that closes first holds TIME_WAIT")
end
