-- expect: 2
-- says: h:set: bad value '-1' for TCP setting 'time_wait' (expected a duration such as "60s")
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); a:set{time_wait = -1}
