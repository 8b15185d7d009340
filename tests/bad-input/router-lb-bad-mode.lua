-- expect: 2
-- says: sim.router: lb.mode: expected "rr" or "hash", got "random"
sim.router("lb", { lb = { vip = "203.0.113.10:80", backends = { "10.0.1.1:80" }, mode = "random" } })
