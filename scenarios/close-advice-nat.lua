-- close-advice-nat.lua: who should close first, when the clients reach
-- the server directly and when a fleet of them sits behind a SNAT
-- gateway?  One cell of a what-if grid: run it as
--
--   twsim sweep scenarios/close-advice-nat.lua --grid closer=server,client,server-tuned \
--       --grid via=direct,snat,snat-linux-5 --seeds 1..3
--
-- and the sweep prints one table, a row per cell and figure (docs/nat.md
-- gives today's, and what it says).
--
--   closer=server        the server closes first: it holds each
--                        connection's TIME_WAIT, 60 s on Linux;
--   closer=client        the clients close first ("let the client close");
--   closer=server-tuned  the server closes first with the settings usually
--                        suggested for it: max_tw_buckets lowered to
--                        `buckets` and tw_reuse = 1.
--   via=direct           the clients reach the server through a plain router;
--   via=snat             through a Linux NAT gateway that maps them all to
--                        one outside address, on the ports `nat_ports`.
--                        Its conntrack holds each closed flow, and its
--                        port, in its own TIME_WAIT for 120 s, whoever
--                        closed first; Linux 6.5 and later evict such a
--                        flow when a new SYN needs its port and its
--                        sequence number is past the old flow's
--                        (evict_closing);
--   via=snat-linux-5     the same gateway on a kernel before 6.5: no
--                        eviction, a port is held the whole 120 s.
--
-- `clients` hosts (ports `client_ports`, Linux's 32768-60999 by default)
-- open new connections as Poisson arrivals (twsim.load), `rate` a second
-- in all, for `seconds` s: a 100-byte request, a 100-byte response, one
-- request a connection.  By Little's law the host that closes first holds
-- rate x 60 s TIME_WAIT sockets (30,000 at 500/s; each of four clients
-- 7,500, well within its ports); the gateway's P ports towards the server
-- (4,000 here: a rule with --to-source 203.0.113.1:61000-64999; Linux's
-- 1024-65535 when a rule gives none, 64,512 ports, reach the same limit
-- from 540 connections/s) are held 120 s per connection without eviction:
-- they run out after P / rate = 8 s, and then carry at most P / 120 s =
-- 33 new connections a second, whoever closes.
--
-- Figures recorded (sim.record), the sweep's table:
--   server_tw_peak      the server's TIME_WAIT sockets, peak
--   client_ports_peak   the most client ports in use at once, all clients
--                       (sockets open or in TIME_WAIT, sampled every second)
--   nat_entries_peak    the gateway's conntrack entries, peak (0: direct)
--   nat_ports_peak      its ports in use towards the server, peak
--   failed_connects     connects that failed (refused, timed out, no port,
--                       reset), all clients
--   waiting_connects    connects still waiting for an answer at the end
--                       (a SYN retransmitted for 127 s before it times out)
--   rsts                resets sent by every host (a clean close needs none)
--   completed_per_s     connections completed per second of the run
--
-- Run one cell:  twsim run scenarios/close-advice-nat.lua --set closer=client --set via=snat-linux-5
-- At 2,000/s:    --set rate=2000 --set nat_ports=1024-65535 (about 4 times as long)

local load = require("twsim.load")

-- A --set parameter that must be a number no smaller than `min`.
local function number_param(name, default, min)
  local v = tonumber(sim.param(name, default))
  sim.assert(v ~= nil and v >= min, string.format("--set %s=%s: a number >= %g is needed",
                                                  name, sim.param(name, default), min))
  return v
end

-- A --set parameter that must be one of `choices`.
local function choice_param(name, default, choices)
  local v = sim.param(name, default)
  for _, c in ipairs(choices) do
    if v == c then return v end
  end
  sim.assert(false, string.format("--set %s=%s: one of %s is needed", name, v,
                                  table.concat(choices, ", ")))
end

local closer = choice_param("closer", "server", { "server", "client", "server-tuned" })
local via = choice_param("via", "direct", { "direct", "snat", "snat-linux-5" })
local rate = number_param("rate", "500", 1)
local nclients = math.floor(number_param("clients", "4", 1))
local seconds = number_param("seconds", "65", 1)
local buckets = math.floor(number_param("buckets", "5000", 0))
local client_ports = sim.param("client_ports", "32768-60999")
local nat_ports = sim.param("nat_ports", "61000-64999")

local server = sim.host("server", { addr = "198.51.100.1" })
local gw
if via ~= "direct" then
  gw = sim.router("gw", { nat = { snat = { from = "10.0.0.0/16", to = "203.0.113.1",
                                           ports = nat_ports } } })
  gw:set{ evict_closing = via == "snat" }
else
  gw = sim.router("gw")
end
sim.link(gw, server, { delay = "500us", rate = "10Gbps" })
if closer == "server-tuned" then server:set{ max_tw_buckets = buckets, tw_reuse = 1 } end
load.server{ host = server, port = 80, backlog = 4096 }

local clients, generators = {}, {}
for i = 1, nclients do
  clients[i] = sim.host("client" .. i, { addr = string.format("10.0.%d.%d", i // 250, i % 250 + 1) })
  clients[i]:set{ port_range = client_ports }
  sim.link(clients[i], gw, { delay = "500us", rate = "1Gbps" })
  generators[i] = load.open_loop{ from = clients[i], to = "198.51.100.1", port = 80,
                                  rate = rate / nclients, duration = seconds,
                                  closer = closer == "client" and "client" or "server" }
end

-- Client ports in use: every socket of a client that is not a listener.
local ports_peak = 0
sim.every("1s", function()
  local n = 0
  for _, c in ipairs(clients) do
    for state, count in pairs(c:states()) do
      if state ~= "LISTEN" and state ~= "CLOSED" then n = n + count end
    end
  end
  ports_peak = math.max(ports_peak, n)
end)

sim.run{ ["until"] = seconds }

local failed, waiting, completed, rsts = 0, 0, 0, server:stats().resets_sent
for i, c in ipairs(clients) do
  local g = generators[i].stats()
  failed = failed + g.failed
  waiting = waiting + g.started - g.connected - g.failed
  completed = completed + g.completed
  rsts = rsts + c:stats().resets_sent
end
local nat = via ~= "direct" and gw:stats()
            or { entries_peak = 0, ports_peak = 0, drops_no_port = 0, evicted = 0 }
local figures = {
  { "server_tw_peak", server:stats().tw_peak },
  { "client_ports_peak", ports_peak },
  { "nat_entries_peak", nat.entries_peak },
  { "nat_ports_peak", nat.ports_peak },
  { "failed_connects", failed },
  { "waiting_connects", waiting },
  { "rsts", rsts },
  { "completed_per_s", completed / seconds },
}
print(string.format("closer=%s via=%s: %g connections/s from %d clients for %g s",
                    closer, via, rate, nclients, seconds))
for _, f in ipairs(figures) do
  print(string.format("  %-18s %g", f[1], f[2]))
  sim.record(f[1], f[2])
end
print(string.format("  (gateway: SYNs dropped for want of a port %d, closing entries evicted %d)",
                    nat.drops_no_port, nat.evicted))
