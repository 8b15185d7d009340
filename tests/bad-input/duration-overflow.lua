-- expect: 2
-- says: is too large
sim.spawn(function() sim.sleep("99999999999999999999s") end)
