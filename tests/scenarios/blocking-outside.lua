-- A blocking call outside any process: exit 2.
sim.sleep("1s")
