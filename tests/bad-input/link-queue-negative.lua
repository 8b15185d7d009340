-- expect: 2
-- says: sim.link: queue: expected an integer >= 0, got -1
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); sim.link(a, b, {queue = -1})
