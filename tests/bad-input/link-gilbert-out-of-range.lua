-- expect: 2
-- says: sim.link: loss.r: 2 is outside [0, 1]
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); sim.link(a, b, {loss = {p = 0.1, r = 2}})
