-- A bad argument to a twsim call, caught by pcall: still exit 2.
sim.spawn(function()
  sim.sleep(0.5)
  pcall(sim.sleep, "5 parsecs")
end)
sim.run()
