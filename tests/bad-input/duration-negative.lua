-- expect: 2
-- says: sim.sleep: duration: negative duration
sim.spawn(function() sim.sleep("-1s") end)
