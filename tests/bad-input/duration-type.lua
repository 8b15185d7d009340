-- expect: 2
-- says: sim.sleep: duration: expected a duration
sim.spawn(function() sim.sleep({}) end)
