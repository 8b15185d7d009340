-- expect: 2
-- says: sim.record: expected a number as value
sim.record("x", "12")
