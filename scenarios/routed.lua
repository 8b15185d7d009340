-- routed.lua: several clients behind routers, reaching two servers.
--
-- Shows: sim.router; routes computed when sim.run starts (shortest path by
-- hop count; equal-cost ties go to the link created first); TTL (64, one
-- less per router); hosts with an address per interface; links given per
-- direction (an asymmetric access link: fast down, slow up); node:route(dst)
-- to ask a node for its next hop.  Every client fetches 20 kB from web
-- three times; the round trip (about 2 x 9.1 ms of delay) shows in the
-- connect times, and a request to an address no route leads to fails at
-- once with ENETUNREACH.
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

-- web serves 20 kB to every request and closes first.
sim.spawn(function()
  local ls = web:socket()
  ls:bind(80)
  ls:listen(128)
  while true do
    local c = ls:accept()
    sim.spawn(function()
      c:recv()
      c:send(20000)
      c:close()
    end)
  end
end)

local fetched, connect_time, unreachable = 0, {}, nil
for i, c in ipairs(clients) do
  sim.spawn(function()
    for _ = 1, 3 do
      local s = c:socket()
      local t0 = sim.now()
      if s:connect("192.168.1.10", 80) then
        connect_time[i] = connect_time[i] or (sim.now() - t0)
        s:send("GET / HTTP/1.0\r\n\r\n")
        repeat
          local data = s:recv()
          fetched = fetched + (data and #data or 0)
        until data == nil or data == ""
      end
      s:close()
    end
  end)
end
sim.spawn(function()
  local ok, err = clients[1]:socket():connect("10.99.0.1", 80)
  unreachable = err
end)

sim.run{ ["until"] = "30s" }

-- Follows next hops from a host to a destination: the path packets take.
local nodes = { edge = edge, core1 = core1, core2 = core2, dc = dc, web = web, db = db }
for _, c in ipairs(clients) do nodes[c:name()] = c end
local function path(from, to)
  local hops, at = { from:name() }, from
  while at ~= to do
    local hop = at:route(to:addr())
    if hop == nil then return "unreachable" end
    hops[#hops + 1] = hop
    at = nodes[hop]
  end
  return table.concat(hops, " -> ") .. string.format(" (%d routers: TTL %d on arrival)", #hops - 2, 64 - (#hops - 2))
end

print(string.format("%d clients, 4 routers; servers web %s, db %s and %s", n,
                    web:addr(), db:addr(1), db:addr(2)))
print("client1 -> web: " .. path(clients[1], web))
print(string.format("client%d -> db:  %s", n, path(clients[n], db)))
print("web -> client1: " .. path(web, clients[1]))
local hop, src = db:route(web)
print(string.format("db -> web leaves by %s from %s (the direct back-end link)", hop, src))
local _, src2 = db:route(clients[1])
print(string.format("db -> client1 leaves from %s", src2))
print("client1 -> 10.99.0.1: " .. tostring(clients[1]:route("10.99.0.1")))
print(string.format("fetched %d bytes in %d requests; client1 connected in %.1f ms; "
                    .. "web holds %d TIME_WAIT; connect to 10.99.0.1: %s",
                    fetched, 3 * n, connect_time[1] * 1000, web:count("TIME_WAIT"),
                    tostring(unreachable)))
sim.assert(fetched == 3 * n * 20000, "every response arrives")
sim.assert(unreachable == "ENETUNREACH", "no route: ENETUNREACH")
