-- expect: 2
-- says: sim.host: expected a name (a non-empty string) as argument 1, got table
sim.host({})
