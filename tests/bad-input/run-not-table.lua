-- expect: 2
-- says: sim.run: expected a table
sim.run("1s")
