-- expect: 2
-- says: sim.router: lb.backends: bad address and port
sim.router("lb", { lb = { vip = "203.0.113.10:80", backends = { "10.0.1.1" } } })
