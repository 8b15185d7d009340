-- A blocking call from a plain coroutine inside a process is refused too.
sim.spawn(function()
  local co = coroutine.wrap(function() sim.sleep(1) end)
  co()
end)
sim.run()
