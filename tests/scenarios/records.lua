-- records.lua: sim.record during the run and after it; both values must
-- reach the metrics file as rows of their series (tests/test-outputs.c).
local c = sim.host("c")
local s = sim.host("s")
sim.link(c, s, { delay = "1ms" })
sim.spawn(function()
  local ls = s:socket()
  ls:bind(80)
  ls:listen()
  ls:accept()
end)
sim.spawn(function()
  c:socket():connect(s:addr(), 80)
  sim.record("during", 42)
end)
sim.run{ ["until"] = "3s" }
sim.record("after", 0.5)
