-- expect: 2
-- says: r:count: expected a conntrack state such as "TIME_WAIT", got TIMEWAIT
local r = sim.router("r", { conntrack = true }); r:count("TIMEWAIT")
