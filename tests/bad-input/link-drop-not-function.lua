-- expect: 2
-- says: link:drop: expected a function (or nil), got number
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); local l = sim.link(a, b); l:drop(42)
