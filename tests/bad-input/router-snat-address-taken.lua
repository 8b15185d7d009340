-- expect: 2
-- says: sim.router: address 10.0.0.1 is already a's
sim.host("a", {addr="10.0.0.1"}); sim.router("gw", { nat = { snat = { from = "10.1.0.0/16", to = "10.0.0.1" } } })
