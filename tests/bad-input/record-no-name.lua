-- expect: 2
-- says: sim.record: expected a name
sim.record(nil, 1)
