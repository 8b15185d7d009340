-- close-advice.lua: the usual advice about TIME_WAIT, measured side by
-- side.  One run holds three copies of the same load, each on its own
-- hosts and links:
--
--   server-first   the server closes first (it holds the TIME_WAIT);
--   client-first   the client closes first ("let the client close");
--   tuned          the server closes first, with the settings usually
--                  suggested for it: max_tw_buckets lowered to `buckets`
--                  and tw_reuse = 1 ("tune the server").
--
-- Each copy: `clients` client hosts make `rate` requests a second in all
-- (100-byte request, 100-byte response, a new connection each) for
-- `seconds` s, through a router, over links that lose `loss` of the
-- packets each way.  At the end one table compares, per copy: the
-- server's TIME_WAIT peak and the memory Linux would hold for it
-- (`tw_bytes` a record: the tw_sock_TCP slab object, 256 bytes on x86-64,
-- `grep tw_sock_TCP /proc/slabinfo`), the most client ports in use at once
-- (open or in TIME_WAIT, sampled every second), the failed connects, and
-- the resets sent by every host of the copy (none is needed by a clean
-- close, so each one is extra).
--
-- Run:   twsim run scenarios/close-advice.lua
--        twsim run scenarios/close-advice.lua --set clients=4
--        twsim sweep scenarios/close-advice.lua --seeds 1..4

-- A --set parameter that must be a number no smaller than `min`.
local load = require("twsim.load")

local function number_param(name, default, min)
  local v = tonumber(sim.param(name, default))
  sim.assert(v ~= nil and v >= min, string.format("--set %s=%s: a number >= %g is needed",
                                                  name, sim.param(name, default), min))
  return v
end

local rate = number_param("rate", "500", 1)
local nclients = math.floor(number_param("clients", "1", 1))
local seconds = number_param("seconds", "65", 1)
local loss = number_param("loss", "0.01", 0)
local buckets = number_param("buckets", "5000", 0)
local tw_bytes = number_param("tw_bytes", "256", 0)

local variants = {
  { name = "server-first", closer = "server" },
  { name = "client-first", closer = "client" },
  { name = "tuned", closer = "server", tuned = true },
}

-- The server reads the request, answers 100 bytes, and closes: at once,
-- or after the client's FIN when the client closes first.
local function serve(server, closer)
  load.server{ host = server, port = 80, backlog = 4096, response = 100, closer = closer }
end

local function request(client, addr, closer)
  local s = client:socket()
  if s:connect(addr, 80) then
    s:send(100)
    s:recv()
    if closer == "server" then s:recv() end      -- EOF: the server closed
  end
  s:close()
end

-- Ports a client host has in use: every socket that is not a listener.
local function ports_in_use(h)
  local n = 0
  for state, count in pairs(h:states()) do
    if state ~= "LISTEN" and state ~= "CLOSED" then n = n + count end
  end
  return n
end

for v, variant in ipairs(variants) do
  local addr = string.format("10.%d.0.1", v)
  variant.server = sim.host(variant.name .. "-server", { addr = addr })
  local router = sim.router(variant.name .. "-router")
  sim.link(router, variant.server, { delay = "500us", rate = "10Gbps", loss = loss })
  if variant.tuned then variant.server:set{ max_tw_buckets = buckets, tw_reuse = 1 } end
  serve(variant.server, variant.closer)
  variant.clients, variant.ports_peak = {}, 0
  for i = 1, nclients do
    local client = sim.host(string.format("%s-client%d", variant.name, i),
                            { addr = string.format("10.%d.%d.%d", v, 1 + i // 250, i % 250 + 1) })
    sim.link(client, router, { delay = "500us", rate = "1Gbps", loss = loss })
    variant.clients[i] = client
    sim.every(nclients / rate, function() request(client, addr, variant.closer) end)
  end
  sim.every("1s", function()
    local n = 0
    for _, c in ipairs(variant.clients) do n = n + ports_in_use(c) end
    variant.ports_peak = math.max(variant.ports_peak, n)
  end)
end
sim.run{ ["until"] = seconds }

print(string.format("%d requests/s from %d client host(s) for %d s, loss %g; tuned: max_tw_buckets %d, tw_reuse 1",
                    rate, nclients, seconds, loss, buckets))
-- Little's law for the host that closes first: rate x Linux's 60 s.
print(string.format("Little's law: %d/s x 60 s = %d TIME_WAIT sockets (%.1f MiB) for the closer",
                    rate, rate * 60, rate * 60 * tw_bytes / 1048576))
print(string.format("%-13s %14s %12s %17s %15s %11s", "", "server TW peak", "TW memory",
                    "client ports peak", "failed connects", "extra RSTs"))
for _, variant in ipairs(variants) do
  local ss = variant.server:stats()
  local failed, resets = 0, ss.resets_sent
  for _, c in ipairs(variant.clients) do
    local cs = c:stats()
    failed = failed + cs.connect_refused + cs.connect_timeout + cs.connect_addrnotavail
             + cs.connect_reset + cs.connect_unreach
    resets = resets + cs.resets_sent
  end
  local memory = string.format("%.1f MiB", ss.tw_peak * tw_bytes / 1048576)
  print(string.format("%-13s %14d %12s %17d %15d %11d", variant.name, ss.tw_peak, memory,
                      variant.ports_peak, failed, resets))
  sim.record(variant.name .. ".server_tw_peak", ss.tw_peak)
  sim.record(variant.name .. ".client_ports_peak", variant.ports_peak)
  sim.record(variant.name .. ".failed_connects", failed)
  sim.record(variant.name .. ".extra_rsts", resets)
end
