-- expect: 2
-- says: s:bind: port 70000 is out of range (0-65535)
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); local s = a:socket(); s:bind(70000)
