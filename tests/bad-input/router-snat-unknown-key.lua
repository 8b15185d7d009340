-- expect: 2
-- says: sim.router: nat.snat: unknown option 'form'
sim.router("gw", { nat = { snat = { form = "10.0.0.0/24", to = "203.0.113.1" } } })
