-- expect: 2
-- says: sim.assert: expected a condition as argument 1, got no value
sim.assert()
