-- expect: 2
-- says: sim.random: interval is empty
sim.random(5, 1)
