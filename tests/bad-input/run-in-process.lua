-- expect: 2
-- says: sim.run: call it from the scenario
sim.spawn(function() sim.run() end); sim.run()
