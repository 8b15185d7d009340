-- expect: 2
-- says: sim.sleep: a blocking call outside a process
sim.sleep(1)
