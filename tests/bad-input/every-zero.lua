-- expect: 2
-- says: sim.every: interval must be positive
sim.every(0, function() end)
