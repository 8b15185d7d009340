-- expect: 2
-- says: h:count: expected a TCP state name such as "TIME_WAIT", got TIMEWAIT (did you mean 'TIME_WAIT'?)
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); a:count("TIMEWAIT")
