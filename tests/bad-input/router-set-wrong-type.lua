-- expect: 2
-- says: r:set: timeout_time_wait: expected a number, string or boolean, got table
local r = sim.router("r"); r:set{ timeout_time_wait = {} }
