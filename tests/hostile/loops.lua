-- 17: Lua code that never yields, on each kind of thread the limits' hook
-- must reach: a process, a coroutine run by coroutine.wrap (inside a
-- process) or coroutine.resume, a __close handler run by coroutine.close,
-- a finalizer (run without hooks: the watchdog's case); a loop around
-- pcall, in a process, resuming a coroutine that yields; a loop around
-- pcall inside a coroutine made before the limit, resumed by a finalizer
-- after it.
local where = sim.param("where", "process")
local function forever() while true do end end
if where == "process" then
  sim.spawn(forever)
elseif where == "wrap" then
  sim.spawn(function() coroutine.wrap(forever)() end)
elseif where == "resume" then
  print("resume", coroutine.resume(coroutine.create(forever)))
elseif where == "close" then
  local co = coroutine.create(function()
    local guard <close> = setmetatable({}, { __close = forever })
    coroutine.yield()
  end)
  coroutine.resume(co)
  print("close", coroutine.close(co))
elseif where == "gc" then
  setmetatable({}, { __gc = forever })
  collectgarbage()
elseif where == "pcall-resume" then
  sim.spawn(function()
    local co = coroutine.wrap(function() while true do pcall(coroutine.yield) end end)
    while true do pcall(co) end
  end)
elseif where == "gc-resume" then
  local co = coroutine.create(function() while true do pcall(function() end) end end)
  -- Held until the state closes, after the limit: then its finalizer runs.
  local held = setmetatable({}, { __gc = function() coroutine.resume(co) end })
  forever()
end
sim.run()
