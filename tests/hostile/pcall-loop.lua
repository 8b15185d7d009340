-- 5: a loop around pcall, where the limit's error is raised, in the main
-- chunk, a process or a predicate; or a process that never yields.
local where = sim.param("where", "main")
local function forever() while true do pcall(function() end) end end
if where == "main" then forever() end
if where == "process" then sim.spawn(forever) end
if where == "busy" then sim.spawn(function() while true do end end) end
if where == "predicate" then
  local a = sim.host("a", { addr = "10.0.0.1" })
  local b = sim.host("b", { addr = "10.0.0.2" })
  sim.link(a, b):drop(function() forever() end)
  sim.spawn(function() a:socket():connect("10.0.0.2", 80) end)
end
while true do pcall(sim.run) end
