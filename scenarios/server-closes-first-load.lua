-- server-closes-first-load.lua: the same load as port-exhaustion.lua, but
-- the server closes first.  The clients never run out of ports (their
-- sockets close from CLOSE_WAIT/LAST_ACK, leaving no TIME_WAIT); the server
-- holds the TIME_WAIT sockets instead.  Its count grows as rate x time for
-- the first 60 s, then holds at rate x 60 s (Little's law): 60,000 at
-- 1,000 connections/s.
--
-- The load comes from `clients` hosts (default 100, 10 connections/s
-- each).  Fewer, busier clients hold fewer: a Linux client that holds no
-- TIME_WAIT itself moves its per-destination port offset on by about 9
-- ports per connect (max(i, random(8) x 2) + 2, net/ipv4/inet_hashtables.c),
-- so it comes back to recently used ports after some 3,100 connects, and a
-- SYN that finds the server's TIME_WAIT for its 4-tuple reopens it (counted
-- in tw_reused) instead of adding one.  Try --set clients=10 or clients=1.
--
-- Run:   twsim run scenarios/server-closes-first-load.lua --metrics tw.csv
--        scripts/plot tw.csv tw.svg --hosts server

local load = require("twsim.load")

local rate = tonumber(sim.param("rate", "1000"))
local nclients = tonumber(sim.param("clients", "100"))
local server = sim.host("server", { addr = "10.0.1.1" })
local router = sim.router("router")
sim.link(router, server, { delay = "500us", rate = "10Gbps" })

-- Each connection: the request read, the response sent, and the server
-- closes first.
load.server{ host = server, port = 80, backlog = 4096, response = 100 }

local clients = {}
for i = 1, nclients do
  local client = sim.host("client" .. i, { addr = string.format("10.0.%d.%d", i // 250, i % 250 + 1) })
  sim.link(client, router, { delay = "500us", rate = "1Gbps" })
  clients[i] = client
  sim.every(nclients / rate, function()
    local s = client:socket()
    if s:connect("10.0.1.1", 80) then
      s:send(100)
      s:recv()
      s:recv()                               -- EOF: the server closed
    end
    s:close()
  end)
end

local at30
sim.at("30s", function() at30 = server:count("TIME_WAIT") end)
sim.run{ ["until"] = "120s" }
local ss = server:stats()
local refused = 0
for _, c in ipairs(clients) do refused = refused + c:stats().connect_addrnotavail end
print(string.format("server TIME_WAIT at 30 s: %d (rate x 30 s = %d)", at30, rate * 30))
print(string.format("server TIME_WAIT at 120 s: %d, peak %d (rate x 60 s = %d), reopened %d",
                    server:count("TIME_WAIT"), ss.tw_peak, rate * 60, ss.tw_reused))
print(string.format("clients: EADDRNOTAVAIL %d", refused))
sim.assert(refused == 0, "no port exhaustion when the server closes first")
sim.record("server_tw_peak", ss.tw_peak)
