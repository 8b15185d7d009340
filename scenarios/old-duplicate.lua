-- old-duplicate.lua: the second reason for TIME_WAIT.  A data segment of an
-- old connection, held back in the network, arrives after the client has
-- opened a new connection with the same 4-tuple, lands inside the new
-- connection's receive window and is accepted as data: the server's
-- application reads bytes the new client never sent.
--
-- How the segment is held back: the client (port 5000) sends 30 MB to the
-- server over a chain of routers, client - r1 - r2 - r3 - r4 - server.  At
-- `hold` (0.2 s) a shortcut r1 - r3 appears whose r1 -> r3 direction takes
-- 3 s; 12 us later (one 1500-byte packet at 1 Gbps) a shorter shortcut
-- r1 - r4 appears.  Routes follow the shortest path, so exactly one data
-- segment takes the slow shortcut; TCP resends it, the transfer ends, the
-- client closes first and holds TIME_WAIT for `tw` (here 1 s instead of
-- 60 s), then connects again from port 5000.
--
-- The new connection's initial sequence number is M + F(4-tuple) (RFC 6528:
-- M counts 64 ns ticks), so it lies above the old one by the time between
-- the two SYNs / 64 ns.  The old connection sent faster than that clock
-- (30 MB in a quarter of a second; the clock moves 15.6 MB a second), so its late segment's
-- sequence number is one the new connection will reach.  The scenario opens
-- the new connection at the instant that puts the new connection's first
-- byte at the held segment's first byte: the worst case, which in a real
-- network happens by chance.
--
-- The server's receive buffer is Linux's default, 128 KiB (`rcvbuf`); with
-- window scaling (both SYNs carry the option) the window it offers once
-- connected is the whole buffer, not the 65535 of its SYN-ACK.
--
-- Timestamps are off on both hosts: with them (--set ts=true) PAWS
-- (RFC 7323 5) rejects the old segment.  With the full TIME_WAIT
-- (--set tw=60s) the client cannot reuse the 4-tuple: EADDRNOTAVAIL.
--
-- Run:   twsim run scenarios/old-duplicate.lua
--        twsim run scenarios/old-duplicate.lua --set ts=true
--        twsim run scenarios/old-duplicate.lua --set tw=60s
--        twsim run scenarios/old-duplicate.lua --trace - | grep "^3\.2"

local tw = sim.param("tw", "1s")
local ts = sim.param("ts", "false") == "true"
local hold = tonumber(sim.param("hold", "0.2"))
local bytes = tonumber(sim.param("bytes", "30000000"))
local rcvbuf = tonumber(sim.param("rcvbuf", "131072"))

local client = sim.host("client", { addr = "10.0.0.1" })
local server = sim.host("server", { addr = "10.0.0.2" })
client:set{ time_wait = tw, timestamps = ts }
server:set{ timestamps = ts, rcvbuf = rcvbuf }
local r1, r2, r3, r4 = sim.router("r1"), sim.router("r2"), sim.router("r3"), sim.router("r4")
sim.link(client, r1, { rate = "1Gbps", delay = "10us" })
sim.link(r1, r2, { rate = "10Gbps", delay = "10us" })
sim.link(r2, r3, { rate = "10Gbps", delay = "10us" })
sim.link(r3, r4, { rate = "10Gbps", delay = "10us" })
sim.link(r4, server, { rate = "10Gbps", delay = "10us" })

local slow
sim.at(hold, function()
  slow = sim.link(r1, r3, { rate = "10Gbps", delay = { ab = "3s", ba = "10us" } })
  sim.sleep("12us")
  sim.link(r1, r4, { rate = "10Gbps", delay = "10us" })
end)

-- The old connection's ISN and when its SYN left; the held segment's
-- sequence number: the server's next expected byte when, after `hold`, a
-- later segment arrives before it (a hole in the stream).
local isn_old, syn_old_ns, expected, held_seq
local isn_new, syn_new_time
sim.on("segment", function(ev)
  if ev.event == "send" and ev.host == "client" and ev.flags == "S" then
    if not isn_old then isn_old, syn_old_ns = ev.seq, math.floor(ev.time * 1e9 + 0.5)
    else isn_new, syn_new_time = ev.seq, ev.time end
  end
  if ev.event == "recv" and ev.host == "server" and ev.len > 0 and not held_seq then
    if expected == nil or ev.seq == expected then
      expected = ev.seq + ev.len
    elseif ev.time > hold and (ev.seq - expected) % 2^32 < 2^31 then
      held_seq = expected
    end
  end
  if ev.event == "recv" and ev.host == "server" and held_seq and ev.seq == held_seq
     and ev.time >= hold + 3 then
    print(string.format("%9.6f s  the held segment (seq %d, %d bytes) reaches the server", ev.time,
                        ev.seq, ev.len))
  end
end)

sim.on("state", function(ev)
  if ev.host == "client" and (ev.to == "TIME_WAIT" or ev.from == "TIME_WAIT") then
    print(string.format("%9.6f s  client %s -> %s", ev.time, ev.from, ev.to))
  end
end)

local server_read = {}
sim.spawn(function()
  local ls = server:socket()
  ls:bind(80)
  ls:listen(8)
  local old = ls:accept()
  local got = 0
  repeat
    local d = old:recv()
    got = got + (d and #d or 0)
  until d == nil or d == ""
  old:close()
  print(string.format("%9.6f s  old connection: the server read %d bytes, then EOF", sim.now(), got))
  local new = ls:accept()
  while true do
    local d = new:recv()
    if d == nil or d == "" then break end
    local zeros = select(2, d:gsub("%z", ""))
    print(string.format("%9.6f s  server read %d bytes in the new connection: %s", sim.now(), #d,
                        zeros == #d and "zero bytes from the old connection" or string.format("%q", d)))
    server_read[#server_read + 1] = d
  end
end)

local result
sim.spawn(function()
  local s = client:socket()
  s:setopt("reuseaddr", true)
  s:bind(5000)
  assert(s:connect("10.0.0.2", 80))
  s:send(bytes)                               -- the old data: zero bytes
  s:close()                                   -- the client closes first
  while not held_seq do sim.sleep("1ms") end
  sim.assert(slow:stats().ab.sent == 1, "exactly one segment took the slow shortcut")
  print(string.format("held back: the segment at seq %d, byte %d of the old connection",
                      held_seq, (held_seq - isn_old - 1) % 2^32))
  -- ISN = F(4-tuple) + t / 64 ns: pick t so that the new ISN + 1 is held_seq.
  local ticks = (syn_old_ns >> 6) + (held_seq - 1 - isn_old) % 2^32
  local t_new = ticks * 64
  print(string.format("the new SYN will leave at %.6f s", t_new / 1e9))
  sim.assert(t_new > sim.now() * 1e9 and t_new < (hold + 3) * 1e9, "the new connection fits before the old segment")
  sim.sleep(string.format("%dns", t_new - math.floor(sim.now() * 1e9 + 0.5)))
  local n = client:socket()
  n:setopt("reuseaddr", true)
  n:bind(5000)
  local ok, err = n:connect("10.0.0.2", 80)
  if not ok then result = err; return end
  result = "connected"
  n:send("GET /new")
  sim.sleep("5s")
end)

sim.run{ ["until"] = "6s" }
if isn_new then
  local rate = ((isn_new - isn_old) % 2^32) / (syn_new_time - syn_old_ns / 1e9)
  print(string.format("ISNs: old %d at %.6f s, new %d at %.6f s: the ISN clock moves %.0f a second",
                      isn_old, syn_old_ns / 1e9, isn_new, syn_new_time, rate))
  print(string.format("the server's window, %d bytes (its empty receive buffer), is %.3f ms of that clock",
                      rcvbuf, rcvbuf / rate * 1000))
end
local all = table.concat(server_read)
local old_bytes = select(2, all:gsub("%z", ""))
print(string.format("time_wait %s, timestamps %s: new connect from port 5000: %s",
                    tw, ts and "on" or "off", tostring(result)))
print(string.format("the server's application read %d bytes in the new connection, %d of them from the old one",
                    #all, old_bytes))
