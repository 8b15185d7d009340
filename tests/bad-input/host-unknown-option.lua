-- expect: 2
-- says: sim.host: unknown option 'adr' (did you mean 'addr'?)
sim.host("a", {adr="10.0.0.1"})
