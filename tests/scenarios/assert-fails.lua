-- sim.assert(false) inside a process, at t = 1 s: exit 1.
sim.spawn(function()
  sim.sleep(1)
  sim.assert(1 + 1 == 3, "arithmetic is broken")
end)
sim.run()
