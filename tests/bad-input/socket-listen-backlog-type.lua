-- expect: 2
-- says: s:listen: backlog must be a non-negative integer
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); local s = a:socket(); s:bind(80); s:listen("many")
