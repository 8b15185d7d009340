-- expect: 2
-- says: sim.spawn: expected a function, got number
sim.spawn(42)
