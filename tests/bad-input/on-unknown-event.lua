-- expect: 2
-- says: sim.on: unknown event 'stat'
sim.on("stat", function() end)
