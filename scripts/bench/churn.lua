-- churn.lua: the TIME_WAIT churn workload of DESIGN.md, for benchmarks.
-- Clients open `rate` new connections per second (in total) for `seconds`
-- of virtual time; each sends a 100-byte request, reads the 100-byte
-- response and the server's FIN (the server closes first, so the server
-- holds the TIME_WAIT), then closes.  The run goes on until every
-- TIME_WAIT has expired, so each connection is paid for in full.
--
-- With `clients` = 1 (the default) this is the DESIGN workload: two hosts
-- on one 1 Gbps link with 1 ms of delay.  With more clients, they share the
-- rate and reach the server through a router (500 us + 500 us, the same
-- 1 ms end to end), which adds one hop's events to every segment.
--
-- Run:   twsim run scripts/bench/churn.lua
--        twsim run scripts/bench/churn.lua --set seconds=1000 --set clients=10
-- One million TIME_WAIT sockets at the server at 50 s (Linux's
-- max_tw_buckets, 262144, would cap them: raise it):
--        twsim run scripts/bench/churn.lua --set clients=1000 --set rate=20000 \
--          --set seconds=50 --set max_tw=2000000 --until 51s
-- The summary's `end:` line gives the events; scripts/bench/run times it.

local load = require("twsim.load")

local rate = tonumber(sim.param("rate", "1000"))
local seconds = tonumber(sim.param("seconds", "100"))
local nclients = tonumber(sim.param("clients", "1"))
local max_tw = sim.param("max_tw")           -- the server's max_tw_buckets

local server = sim.host("server", { addr = "10.0.0.2" })
if max_tw then server:set{ max_tw_buckets = tonumber(max_tw) } end
local clients = {}
if nclients == 1 then
  clients[1] = sim.host("client", { addr = "10.0.0.1" })
  sim.link(clients[1], server, { delay = "1ms", rate = "1Gbps" })
else
  local router = sim.router("router")
  sim.link(router, server, { delay = "500us", rate = "10Gbps" })
  for i = 1, nclients do
    clients[i] = sim.host("client" .. i, { addr = string.format("10.1.%d.%d", i // 250, i % 250 + 1) })
    sim.link(clients[i], router, { delay = "500us", rate = "1Gbps" })
  end
end

-- Each connection: the request read, the response sent, and the server
-- closes first.
load.server{ host = server, port = 80, backlog = 4096, response = 100 }

-- Each client opens one connection every nclients / rate seconds, the
-- clients' first connections spread evenly over the first period: in all
-- rate x seconds connections.
for i, client in ipairs(clients) do
  local period = nclients / rate
  local offset = period * (i - 1) / nclients
  sim.at(offset, function()
    local t = sim.every(period, function()
      local s = client:socket()
      if s:connect("10.0.0.2", 80) then
        s:send(100)
        s:recv()                               -- the response
        s:recv()                               -- EOF: the server closed
      end
      s:close()
    end)
    sim.at(offset + seconds + period / 2, function() t:cancel() end)
  end)
end

sim.run{}

local ok = 0
for _, c in ipairs(clients) do ok = ok + c:stats().connect_ok end
local ss = server:stats()
print(string.format("churn: connections %d, server tw_entered %d, tw_peak %d, tw_reused %d, tw_now %d",
                    ok, ss.tw_entered, ss.tw_peak, ss.tw_reused, server:count("TIME_WAIT")))
sim.record("connections", ok)
sim.record("tw_peak", ss.tw_peak)
