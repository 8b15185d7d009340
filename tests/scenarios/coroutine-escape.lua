-- Blocking calls reached through coroutines must be refused (exit 2), and
-- a loop inside a coroutine must still be stopped by --timeout (exit 3).
-- --set how=... picks the attempt.
local how = sim.param("how", "wrap-c")
local h = sim.host("h")
local s = h:socket()
s:bind(80); s:listen(4)
sim.spawn(function()
  if how == "wrap-c" then
    coroutine.wrap(sim.sleep)(1)                 -- a C function as the body
  elseif how == "resume" then
    local ok = coroutine.resume(coroutine.create(function() s:accept() end))
    sim.log("resume returned", ok)
  elseif how == "nested" then
    coroutine.wrap(function()
      coroutine.wrap(function() sim.sleep("1ms") end)()
    end)()
  elseif how == "yield-across" then
    -- A process's coroutine.yield from a nested coroutine only reaches that
    -- coroutine, never the scheduler.
    local co = coroutine.wrap(function() coroutine.yield(); sim.sleep(1) end)
    co(); co()
  elseif how == "loop" then
    coroutine.wrap(function() while true do end end)()
  end
end)
sim.run()
