-- expect: 2
-- says: link:drop: expected a link (from sim.link) as argument 1, got number
local a, b = sim.host("a"), sim.host("b"); local l = sim.link(a, b); l.drop(5, nil)
