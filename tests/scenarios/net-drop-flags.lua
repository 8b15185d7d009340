-- link:drop by flags, in both directions, over a real handshake: the first
-- SYN-ACK (flags "SA") from the server is dropped; the client's SYN is
-- retransmitted after its 1 s RTO and the handshake completes.  The
-- predicate's return value is used for its truthiness (a string counts).
local c = sim.host("client", { addr = "10.0.0.1" })
local s = sim.host("server", { addr = "10.0.0.2" })
local l = sim.link(c, s, { delay = "1ms", rate = "100Mbps" })
local seen, dropped = {}, false
l:drop(function(seg)
  seen[#seen + 1] = seg.from .. ">" .. seg.to .. ":" .. seg.flags
  if seg.flags == "SA" and not dropped then
    dropped = true
    return "yes"
  end
end)
sim.on("segment", function(ev)
  if ev.event == "drop" then
    print(string.format("drop %s %s %s %s %d>%d", ev.host, ev.reason, ev.link, ev.flags, ev.sport, ev.dport))
  end
end)
sim.spawn(function()
  local ls = s:socket()
  ls:bind(80)
  ls:listen(4)
  ls:accept()
end)
local connected_at
sim.spawn(function()
  local k = c:socket()
  k:bind(40000)
  assert(k:connect("10.0.0.2", 80))
  connected_at = sim.now()
end)
sim.run{ ["until"] = "5s" }
print(table.concat(seen, " ", 1, 3))
print(string.format("connected after %.1f s", connected_at))
local st = l:stats()
print("pred drops", st.ab.pred_drops, st.ba.pred_drops)
