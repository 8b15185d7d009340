-- expect: 2
-- says: sim.run: unknown option 'untill' (did you mean 'until'?)
sim.run{ untill = "1s" }
