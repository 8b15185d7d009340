-- expect: 2
-- says: s:connect: a blocking call outside a process (run it inside sim.spawn(function() ... end))
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); sim.link(a, b); local s = a:socket(); s:connect("10.0.0.2", 80)
