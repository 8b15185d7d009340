-- expect: 2
-- says: s:bind: attempt to use a closed socket
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); local s = a:socket(); s:close(); s:bind(80)
