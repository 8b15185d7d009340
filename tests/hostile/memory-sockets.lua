-- 7: a million sockets, held by the hosts' TCP stacks, not by Lua.
local h = sim.host("a", { addr = "10.0.0.1" })
local t = {}
for i = 1, 1000000 do t[i] = h:socket() end
print("made them all")
