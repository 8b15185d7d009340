-- expect: 2
-- says: t:cancel: expected a timer (from sim.at or sim.every) as argument 1, got number
local t = sim.at(1, function() end); t.cancel(5)
