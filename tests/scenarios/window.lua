-- Logs once a second for ten seconds: a trace to cut windows from.
sim.every("1s", function() sim.log("tick") end)
sim.run{ ["until"] = "10s" }
