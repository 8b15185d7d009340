-- expect: 2
-- says: sim.at: time
sim.run{["until"]="2s"}; sim.at(1, function() end)
