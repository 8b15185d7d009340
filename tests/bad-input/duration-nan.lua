-- expect: 2
-- says: duration is not a finite number
sim.spawn(function() sim.sleep(0/0) end)
