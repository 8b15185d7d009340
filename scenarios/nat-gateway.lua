-- nat-gateway.lua: clients behind a SNAT gateway, closing first, open
-- connections to one server faster than the gateway can give them ports.
-- The gateway (a Linux router with netfilter) maps every flow to its
-- outside address 203.0.113.1 and a port of its range, P ports; its
-- conntrack entry keeps that port after the close, in conntrack's own
-- TIME_WAIT, for 120 s (nf_conntrack_tcp_timeout_time_wait).  By Little's
-- law the gateway then carries at most P / 120 new connections per second
-- to that server: with P = 1,000, 8.33 a second, whatever the clients try.
-- The clients' own TIME_WAIT (60 s, on their inside addresses) is not the
-- limit here; the gateway's table is, and no end host can see it: the
-- server holds nothing, the clients see SYNs that go unanswered (the
-- gateway drops a SYN it has no port for) and connects that take seconds.
--
-- Linux 6.5 and later evict a closing entry when every port tried is taken
-- and the new SYN's sequence number is past the old flow's (evict_closing,
-- on by default); kernels before 6.5 do not, and that is what this file
-- shows unless run with --set evict=true.
--
-- When the server closes first instead (closer=server), it holds each
-- connection's TIME_WAIT itself, 60 s, on the tuple of the gateway's
-- outside address and port.  With conntrack's TIME_WAIT shortened below
-- that (ct_tw=30s, a common tuning), the gateway hands a port out again
-- while the server still holds it: the new SYN meets the server's
-- TIME_WAIT, which takes it if its sequence number is above the old
-- connection's, and otherwise answers with an ACK of the old connection
-- (a challenge ACK, not a SYN-ACK); the client resets that, the RST ends
-- the server's TIME_WAIT (RFC 1337's assassination, Linux's default), and
-- the client's next SYN gets through, a second or more later.
--
-- Run:   twsim run scenarios/nat-gateway.lua
--        twsim run scenarios/nat-gateway.lua --set evict=true
--        twsim run scenarios/nat-gateway.lua --set closer=server --set ct_tw=30s --set ports=100 --set rate=5
--        twsim run scenarios/nat-gateway.lua --set max=500     (nf_conntrack_max)
--        twsim run scenarios/nat-gateway.lua --pcap-at server --pcap out.pcap

local load = require("twsim.load")

local ports = tonumber(sim.param("ports", "1000"))     -- P: the gateway's SNAT ports
local rate = tonumber(sim.param("rate", "20"))         -- connections/s, all clients
local seconds = tonumber(sim.param("seconds", "600"))
local nclients = 4
local closer = sim.param("closer", "client")

local server = sim.host("server", { addr = "198.51.100.1" })
local gw = sim.router("gw", {
  nat = { snat = { from = "10.0.0.0/24", to = "203.0.113.1",
                   ports = "61000-" .. (61000 + ports - 1) } },
})
gw:set{ evict_closing = sim.param("evict", "false") == "true",
         timeout_time_wait = sim.param("ct_tw", "120s") }
if sim.param("max") then gw:set{ conntrack_max = tonumber(sim.param("max")) } end
sim.link(gw, server, { delay = "5ms", rate = "1Gbps" })
local clients = {}
for i = 1, nclients do
  clients[i] = sim.host("client" .. i, { addr = "10.0.0." .. i })
  sim.link(clients[i], gw, { delay = "1ms", rate = "1Gbps" })
end

-- The server reads the request, answers 100 bytes, and closes: at once,
-- or after the client's FIN when the client closes first.
load.server{ host = server, port = 80, backlog = 4096, response = 100, closer = closer }

-- Each client opens a connection every nclients / rate seconds; the rate
-- is measured over completions from 240 s (two TIME_WAIT lengths: the
-- table is full and turning over) to the end.
local warm, done_in_window, failed = math.min(240, seconds / 2), 0, 0
for i, client in ipairs(clients) do
  sim.at((i - 1) / rate, function()
    local t = sim.every(nclients / rate, function()
      local s = client:socket()
      local ok = s:connect("198.51.100.1", 80)
      if ok then
        s:send(100)
        s:recv()                          -- the response
        if closer == "server" then s:recv() end   -- EOF: the server closed first
        s:close()
        if sim.now() >= warm then done_in_window = done_in_window + 1 end
      else
        failed = failed + 1
        s:close()
      end
    end)
    sim.at(seconds, function() t:cancel() end)
  end)
end

sim.run{ ["until"] = seconds }
local st = gw:stats()
local sustained = done_in_window / (seconds - warm)
print(string.format("gateway: %d ports, attempted %g connections/s", ports, rate))
print(string.format("sustained rate from %g s to %g s: %.2f connections/s (P / 120 s = %.2f)",
                    warm, seconds, sustained, ports / 120))
print(string.format("gateway conntrack: %d entries (TIME_WAIT %d), peak %d; ports in use %d, peak %d",
                    st.entries, gw:count("TIME_WAIT"), st.entries_peak, st.ports_max, st.ports_peak))
print(string.format("gateway drops: no port %d, table full %d; closing entries evicted %d",
                    st.drops_no_port, st.drops_full, st.evicted))
print(string.format("clients: connects failed %d; server TIME_WAIT %d", failed, server:count("TIME_WAIT")))
local ss = server:stats()
print(string.format("server: TIME_WAIT entered %d, taken over by a new SYN %d; resets received %d",
                    ss.tw_entered, ss.tw_reused, ss.resets_received))
sim.record("sustained_rate", sustained)
