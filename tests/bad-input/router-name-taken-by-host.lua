-- expect: 2
-- says: sim.router: a node named 'r' already exists
sim.host("r"); sim.router("r")
