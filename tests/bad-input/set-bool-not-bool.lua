-- expect: 2
-- says: h:set: bad value 'maybe' for TCP setting 'timestamps' (expected true or false)
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); a:set{timestamps = "maybe"}
