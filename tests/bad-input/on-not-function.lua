-- expect: 2
-- says: sim.on: expected a function
sim.on("state", "print")
