-- expect: 2
-- says: sim.router: nat.snat.to: bad IPv4 address '203.0.113.300'
sim.router("gw", { nat = { snat = { from = "10.0.0.0/24", to = { "203.0.113.1", "203.0.113.300" } } } })
