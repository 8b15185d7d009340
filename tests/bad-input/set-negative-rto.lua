-- expect: 2
-- says: h:set: bad value '-200ms' for TCP setting 'rto_min' (expected a duration >= 1ms)
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); a:set{rto_min = "-200ms"}
