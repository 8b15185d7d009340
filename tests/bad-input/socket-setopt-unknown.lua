-- expect: 2
-- says: s:setopt: unknown option 'bogus' (linger, reuseaddr, nodelay)
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); local s = a:socket(); s:setopt("bogus", 1)
