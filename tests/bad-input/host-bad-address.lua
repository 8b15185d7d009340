-- expect: 2
-- says: sim.host: addr: bad IPv4 address '10.0.0.256' (write e.g. "10.0.0.1")
sim.host("a", {addr="10.0.0.256"})
