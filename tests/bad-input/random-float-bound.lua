-- expect: 2
-- says: sim.random: expected an integer bound
sim.random(2.5)
