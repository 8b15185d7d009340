-- expect: 2
-- says: h:set: unknown TCP setting 'bogus'
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); a:set{bogus = 1}
