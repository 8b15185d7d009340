-- expect: 2
-- says: sim.link: unknown option 'dealy'
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); sim.link(a, b, {dealy = "1ms"})
