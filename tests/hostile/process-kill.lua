-- 4: a process blocked on a socket, closed or resumed from elsewhere.
local a = sim.host("a", { addr = "10.0.0.1" })
local b = sim.host("b", { addr = "10.0.0.2" })
sim.link(a, b, { delay = "1ms" })
local th
sim.spawn(function()
  th = coroutine.running()
  local s = b:socket(); s:bind(80); s:listen(5); s:accept()
end)
local how = sim.param("how", "close")
if how == "close" then
  sim.spawn(function() sim.sleep(0.001); coroutine.close(th) end)
else
  sim.on("state", function(ev) coroutine.resume(th) end)
end
sim.spawn(function() sim.sleep(0.002); a:socket():connect("10.0.0.2", 80) end)
sim.run()
