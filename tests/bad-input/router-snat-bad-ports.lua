-- expect: 2
-- says: sim.router: nat.snat.ports: bad port range '2000-1000'
sim.router("gw", { nat = { snat = { from = "10.0.0.0/24", to = "203.0.113.1", ports = "2000-1000" } } })
