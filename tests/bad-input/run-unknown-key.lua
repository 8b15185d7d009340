-- expect: 2
-- says: sim.run: unknown option 'untill'
sim.run{ untill = "1s" }
