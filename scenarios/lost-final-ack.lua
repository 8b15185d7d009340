-- lost-final-ack.lua: why TIME_WAIT exists.  The client closes first; its
-- last ACK (for the server's FIN) is lost.  The server, in LAST_ACK,
-- retransmits its FIN (first as a tail loss probe, then on its RTO); the client, still in TIME_WAIT, ACKs it
-- again and restarts its 60 s.  Without TIME_WAIT the client would have
-- answered with a RST and the server would have seen an error.
--
-- Run:   twsim run scenarios/lost-final-ack.lua --trace -
--        twsim run scenarios/lost-final-ack.lua --set lose=3   (lose 3 ACKs)
--        twsim run scenarios/lost-final-ack.lua --set tw=100ms (TIME_WAIT cut
--                          short: over before the FIN comes again, so the
--                          client answers it with a RST)

local lose = tonumber(sim.param("lose", "1"))
local tw = sim.param("tw")
local client = sim.host("client", { addr = "10.0.0.1" })
local server = sim.host("server", { addr = "10.0.0.2" })
if tw then client:set{ time_wait = tw } end
local link = sim.link(client, server, { delay = "5ms" })

-- Drop the client's bare ACKs that follow the server's FIN, `lose` times.
local server_fin_seen, dropped = false, 0
link:drop(function(seg)
  if seg.from == "server" and seg.flags:find("F") then server_fin_seen = true end
  if server_fin_seen and seg.from == "client" and seg.flags == "A" and dropped < lose then
    dropped = dropped + 1
    print(string.format("%8.3f s  dropping the client's ACK #%d", sim.now(), dropped))
    return true
  end
  return false
end)

local fin_times = {}
sim.on("segment", function(ev)
  if ev.event == "send" and ev.host == "server" and ev.flags:find("F") then
    fin_times[#fin_times + 1] = ev.time
  end
end)
local server_closed_at, tw_entered_at, tw_left_at, server_close_error
sim.on("state", function(ev)
  if ev.host == "server" and ev.to == "CLOSED" then server_closed_at = ev.time end
  if ev.host == "client" and ev.to == "TIME_WAIT" then tw_entered_at = ev.time end
  if ev.host == "client" and ev.from == "TIME_WAIT" then tw_left_at = ev.time end
end)

sim.spawn(function()
  local ls = server:socket()
  ls:bind(80)
  ls:listen(4)
  local c = ls:accept()
  c:recv()
  c:close()
end)
sim.spawn(function()
  local s = client:socket()
  assert(s:connect("10.0.0.2", 80))
  s:close()                                   -- the client closes first
end)
sim.run{ ["until"] = "200s" }
for i, t in ipairs(fin_times) do
  print(string.format("server FIN #%d at %.3f s%s", i, t,
                      i > 1 and string.format(" (%.3f s after the one before)", t - fin_times[i - 1]) or ""))
end
print(string.format("server reached CLOSED at %.3f s; client TIME_WAIT entered at %.3f s",
                    server_closed_at or -1, tw_entered_at or -1))
print(string.format("client TIME_WAIT ended at %.3f s", tw_left_at or -1))
print(string.format("client resets sent %d; server resets received %d",
                    client:stats().resets_sent, server:stats().resets_received))
sim.assert(server_closed_at ~= nil, "the server's connection ended")
if not tw then
  sim.assert(#fin_times == lose + 1, "one FIN retransmission per lost ACK")
  sim.assert(server:stats().resets_received == 0, "no RST: TIME_WAIT answered the FIN")
end
