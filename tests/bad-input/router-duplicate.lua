-- expect: 2
-- says: sim.router: a node named 'r' already exists
sim.router("r"); sim.router("r")
