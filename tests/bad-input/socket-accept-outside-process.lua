-- expect: 2
-- says: s:accept: a blocking call outside a process (run it inside sim.spawn(function() ... end))
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); local s = a:socket(); s:bind(80); s:listen(4); s:accept()
