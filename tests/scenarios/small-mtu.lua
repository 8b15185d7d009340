-- A link with a 1000-byte MTU: both ends advertise an MSS of 960 (the MTU
-- less 40 bytes of IPv4 and TCP headers), data segments carry 948 bytes
-- (less the 12-byte timestamp option), and nothing is dropped for its size.
local a = sim.host("a", { addr = "10.0.0.1" })
local b = sim.host("b", { addr = "10.0.0.2" })
local l = sim.link(a, b, { delay = "1ms", mtu = 1000 })
local mss, biggest = {}, 0
sim.on("segment", function(ev)
  if ev.event == "send" and ev.flags:find("S") then mss[#mss + 1] = ev.host end
  if ev.event == "send" and ev.len > biggest then biggest = ev.len end
end)
local got = 0
sim.spawn(function()
  local ls = b:socket()
  ls:bind(80)
  ls:listen(4)
  local c = ls:accept()
  repeat
    local data = c:recv()
    got = got + #(data or "")
  until data == nil or data == ""
end)
sim.spawn(function()
  local s = a:socket()
  assert(s:connect("10.0.0.2", 80))
  s:send(100000)
  s:close()
end)
sim.run{ ["until"] = "10s" }
local st = l:stats()
print(string.format("received %d bytes; largest segment %d bytes; mtu drops %d",
                    got, biggest, st.ab.mtu_drops + st.ba.mtu_drops))
