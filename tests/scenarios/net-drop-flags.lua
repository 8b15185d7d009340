-- link:drop by flags, in both directions: the SYN-ACK (flags "SA") from
-- the server is dropped; the SYN and the bare ACK pass.  The predicate's
-- return value is used for its truthiness (a string counts as true).
local c = sim.host("client", { addr = "10.0.0.1" })
local s = sim.host("server", { addr = "10.0.0.2" })
local l = sim.link(c, s, { delay = "1ms", rate = "100Mbps" })
local seen = {}
l:drop(function(seg)
  seen[#seen + 1] = seg.from .. ">" .. seg.to .. ":" .. seg.flags
  return seg.flags == "SA" and "yes"
end)
sim.on("segment", function(ev)
  if ev.event == "drop" then
    print(string.format("drop %s %s %s %s %d>%d", ev.host, ev.reason, ev.link, ev.flags, ev.sport, ev.dport))
  end
end)
sim.at(0.001, function() twsim_test.send(c, { to = "10.0.0.2", sport = 40000, dport = 80, seq = 100, flags = "S", win = 64240 }) end)
sim.at(0.002, function() twsim_test.send(s, { to = c, sport = 80, dport = 40000, seq = 500, ack = 101, flags = "SA" }) end)
sim.at(0.003, function() twsim_test.send(c, { to = s, sport = 40000, dport = 80, seq = 101, ack = 501, flags = "A" }) end)
sim.run()
print(table.concat(seen, " "))
local st = l:stats()
print("ab", st.ab.sent, st.ab.delivered, st.ab.pred_drops)
print("ba", st.ba.sent, st.ba.delivered, st.ba.pred_drops)
print("server got", twsim_test.counters(s).received, "client got", twsim_test.counters(c).received)
