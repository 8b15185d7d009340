-- expect: 2
-- says: sim.link: expected a host or router as argument 2, got string
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); sim.link(a, "b")
