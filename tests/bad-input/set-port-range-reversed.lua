-- expect: 2
-- says: h:set: bad value '60999-32768' for TCP setting 'port_range' (expected "LOW-HIGH" with 1 <= LOW <= HIGH <= 65535)
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); a:set{port_range = "60999-32768"}
