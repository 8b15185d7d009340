-- expect: 2
-- says: s:shutdown: unknown direction 'x' (r, w, rw)
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); local s = a:socket(); s:shutdown("x")
