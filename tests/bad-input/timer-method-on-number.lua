-- expect: 2
-- says: expected a timer (from sim.at or sim.every) as argument 1, got number (call methods with a colon: t:cancel())
local t = sim.at(1, function() end); t.cancel(5)
