-- 10: text a scenario prints while the capture goes to stdout.
local a = sim.host("a", { addr = "10.0.0.1" })
local b = sim.host("b", { addr = "10.0.0.2" })
sim.link(a, b, { delay = "1ms" })
print("printed")
sim.log("logged")
sim.spawn(function() local s = b:socket(); s:bind(80); s:listen(5); s:accept():close() end)
sim.spawn(function() local s = a:socket(); s:connect("10.0.0.2", 80); s:close() end)
sim.run()
