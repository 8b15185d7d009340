-- expect: 2
-- says: sim.spwan: no such function (did you mean 'spawn'?)
sim.spwan(function() end)
