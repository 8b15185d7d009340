-- expect: 2
-- says: s:bind: bad IPv4 address '10.0.0.300' (write e.g. "10.0.0.1")
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); local s = a:socket(); s:bind("10.0.0.300", 80)
