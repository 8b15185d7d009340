-- tw-reuse.lua: how fast can a client reconnect when its own TIME_WAIT
-- sockets hold every port?  The client has only `ports` ephemeral ports
-- (default 50) and tries a new connection every 10 ms to one server port
-- for 10 s; it closes first, so each connection leaves its port in
-- TIME_WAIT for 60 s.
--
--   reuse=2 (default)    Linux's default, for loopback addresses only (127/8),
--                        so here as 0:
--                        the first `ports` connects succeed, then none;
--   reuse=1              a connect may take over a TIME_WAIT port whose last
--                        timestamp is at least 1 s old (Linux
--                        tcp_twsk_unique()): `ports` new connections per s;
--   reuse=1 ts=false     without timestamps nothing proves the new
--                        connection's segments from the old one's: none.
--
-- It also shows the other way back into a 4-tuple held in TIME_WAIT: with
-- closer=server the server holds TIME_WAIT, the client holds nothing and
-- comes back to the same ports; its SYN reopens the server's TIME_WAIT
-- (tw_reused), because the SYN's sequence number (or timestamp) is newer.
--
-- Run:   twsim run scenarios/tw-reuse.lua --set reuse=1
--        twsim run scenarios/tw-reuse.lua --set reuse=1 --set ts=false
--        twsim run scenarios/tw-reuse.lua --set closer=server

local reuse = tonumber(sim.param("reuse", "2"))
local ts = sim.param("ts", "true") == "true"
local ports = tonumber(sim.param("ports", "50"))
local closer = sim.param("closer", "client")

local client = sim.host("client", { addr = "10.0.0.1" })
local server = sim.host("server", { addr = "10.0.0.2" })
sim.link(client, server, { delay = "1ms", rate = "1Gbps" })
client:set{ port_range = "40000-" .. (40000 + ports - 1), tw_reuse = reuse, timestamps = ts }
server:set{ timestamps = ts }

sim.spawn(function()
  local ls = server:socket()
  ls:bind(80)
  ls:listen(128)
  while true do
    local c = ls:accept()
    sim.spawn(function()
      if closer == "server" then c:close() else c:recv(); c:close() end
    end)
  end
end)

local ok_per_second, failures = {}, 0
for s = 0, 9 do ok_per_second[s] = 0 end
sim.every("10ms", function()
  local s = client:socket()
  local second = math.floor(sim.now())
  local ok = s:connect("10.0.0.2", 80)
  if ok then
    if second <= 9 then ok_per_second[second] = ok_per_second[second] + 1 end
    if closer == "server" then s:recv() end   -- EOF: the server closed first
  else
    failures = failures + 1
  end
  s:close()
end)
sim.run{ ["until"] = "10s" }

local per = {}
for s = 0, 9 do per[#per + 1] = tostring(ok_per_second[s]) end
local cs, ss = client:stats(), server:stats()
print(string.format("%s closes first; %d ports; tw_reuse=%d, timestamps %s",
                    closer, ports, reuse, ts and "on" or "off"))
print("connections per second: " .. table.concat(per, " "))
print(string.format("client: connects ok %d, EADDRNOTAVAIL %d, TIME_WAIT now %d, taken over %d",
                    cs.connect_ok, cs.connect_addrnotavail, client:count("TIME_WAIT"), cs.tw_reused))
print(string.format("server: TIME_WAIT now %d, reopened by a SYN %d",
                    server:count("TIME_WAIT"), ss.tw_reused))
sim.record("connect_ok", cs.connect_ok)
