-- Ticks forever: --max-events stops it (exit 3).
sim.every("1ms", function() end)
sim.run()
