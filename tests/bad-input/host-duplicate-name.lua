-- expect: 2
-- says: sim.host: a node named 'a' already exists
sim.host("a"); sim.host("a")
