-- link:drop drops exactly the third of a's segments entering the link;
-- observers see five sends, four receptions and one drop with reason
-- "pred".  (b's TCP answers each stray ACK with a RST; those are left out.)
local a = sim.host("a", { addr = "10.0.0.1" })
local b = sim.host("b", { addr = "10.0.0.2" })
-- Hand-made segments only: no TCP answers them.
twsim_test.raw(a)
twsim_test.raw(b)
local l = sim.link(a, b, { delay = "1ms" })

local n = 0
l:drop(function(seg)
  if seg.from ~= "a" then return false end
  n = n + 1
  return n == 3
end)

local recv, drops, sends = {}, {}, 0
sim.on("segment", function(ev)
  if ev.from ~= "a" then return end
  if ev.event == "send" then sends = sends + 1
  elseif ev.event == "recv" then recv[#recv + 1] = ev.seq
  else drops[#drops + 1] = ev.seq .. ":" .. ev.reason .. ":" .. ev.host end
end)

for i = 1, 5 do
  sim.at(i / 1000, function()
    twsim_test.send(a, { to = b, sport = 1000, dport = 80, seq = i, flags = "A" })
  end)
end
sim.run()
print("recv " .. table.concat(recv, " "))
print("drops " .. table.concat(drops, " "))
local s = l:stats()
print("stats", s.ab.sent, s.ab.delivered, s.ab.pred_drops, s.ba.sent)
sim.assert(sends == 5 and n == 5, "sends " .. sends .. " calls " .. n)
