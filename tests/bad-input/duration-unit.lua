-- expect: 2
-- says: unknown unit 'h' in duration '2h'
sim.spawn(function() sim.sleep("2h") end)
