-- expect: 2
-- says: sim.param: expected a parameter name
sim.param(1)
