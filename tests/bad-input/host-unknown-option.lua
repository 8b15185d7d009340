-- expect: 2
-- says: sim.host: unknown option 'adr'
sim.host("a", {adr="10.0.0.1"})
