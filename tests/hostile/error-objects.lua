-- 15: errors that used to name no line.
local how = sim.param("how", "table")
if how == "table" then
  error(setmetatable({}, { __tostring = function() return "a table error" end }))
elseif how == "sort" then
  sim.spawn(function() table.sort({ 3, 1, 2 }, function(x, y) sim.sleep(1); return x < y end) end)
  sim.run()
elseif how == "predicate" then
  local a = sim.host("a", { addr = "10.0.0.1" })
  local b = sim.host("b", { addr = "10.0.0.2" })
  sim.link(a, b):drop(function() a:socket() end)
  sim.spawn(function() a:socket():connect("10.0.0.2", 80) end)
  sim.run()
elseif how == "process-table" then
  sim.spawn(function() error({}) end)
  sim.run()
end
