-- 3: a predicate that removes every predicate of its link (and adds one)
-- while the link walks them.
local a = sim.host("a", { addr = "10.0.0.1" })
local b = sim.host("b", { addr = "10.0.0.2" })
local L = sim.link(a, b, { delay = "1ms" })
L:drop(function(seg)
  L:drop(nil)
  L:drop(function() return false end)
  local junk = {}
  for i = 1, 10000 do junk[i] = { i } end   -- the old list's memory is reused
  return false
end)
L:drop(function(seg) return false end)
sim.spawn(function() local s = b:socket(); s:bind(80); s:listen(5); s:accept():close() end)
sim.spawn(function() local s = a:socket(); print("connect", s:connect("10.0.0.2", 80)); s:close() end)
sim.run()
