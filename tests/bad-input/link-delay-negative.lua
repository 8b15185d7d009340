-- expect: 2
-- says: sim.link: delay: negative duration '-1ms'
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); sim.link(a, b, {delay = "-1ms"})
