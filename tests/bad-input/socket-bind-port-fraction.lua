-- expect: 2
-- says: s:bind: port must be an integer (0-65535), got 80.5
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); local s = a:socket(); s:bind(80.5)
