-- routed.lua: several clients behind routers, reaching two servers.
--
-- Shows: sim.router; routes computed when sim.run starts (shortest path by
-- hop count; equal-cost ties go to the link created first); TTL (64, one
-- less per router); hosts with an address per interface; links given per
-- direction (an asymmetric access link: fast down, slow up).  Until hosts
-- run TCP the run carries no traffic: it prints the topology.
--
--   client1..N -- edge ==(core1 | core2)== dc -- web, db
--
-- Run:   twsim run scenarios/routed.lua
--        twsim run scenarios/routed.lua --set clients=50
--        twsim run scenarios/routed.lua --pcap out.pcap --pcap-at web

local n = tonumber(sim.param("clients", "4"))

local edge = sim.router("edge")
local core1 = sim.router("core1")
local core2 = sim.router("core2")
local dc = sim.router("dc")

-- Two equal-cost paths edge -> dc: through core1 (created first, so every
-- route takes it) and core2 (a standby).
sim.link(edge, core1, { rate = "10Gbps", delay = "2ms" })
sim.link(edge, core2, { rate = "10Gbps", delay = "3ms" })
sim.link(core1, dc, { rate = "10Gbps", delay = "2ms" })
sim.link(core2, dc, { rate = "10Gbps", delay = "3ms" })

local web = sim.host("web", { addr = "192.168.1.10" })
-- A host with two interfaces: the first link uses the first address.
local db = sim.host("db", { addr = { "192.168.1.20", "192.168.2.20" } })
sim.link(dc, web, { rate = "1Gbps", delay = "100us" })
sim.link(dc, db, { rate = "1Gbps", delay = "100us" })
sim.link(web, db, { rate = "10Gbps", delay = "50us" })   -- a private back-end link

local clients = {}
for i = 1, n do
  local c = sim.host("client" .. i, { addr = string.format("10.0.%d.%d", i // 250, i % 250 + 1) })
  -- Access links: 50 Mbps down (ba: edge -> client), 10 Mbps up, 1% loss up.
  sim.link(c, edge, {
    rate = { ab = "10Mbps", ba = "50Mbps" },
    delay = "5ms",
    loss = { ab = 0.01, ba = 0 },
  })
  clients[#clients + 1] = c
end

sim.run()

print(string.format("%d clients, 4 routers, servers %s (%s) and %s (%s, %s)", n,
                    web:name(), web:addr(), db:name(), db:addr(1), db:addr(2)))
print(string.format("first client %s at %s, last %s at %s", clients[1]:name(), clients[1]:addr(),
                    clients[n]:name(), clients[n]:addr()))
print("a client's packets to web cross edge, core1 and dc: they arrive with TTL 61")
