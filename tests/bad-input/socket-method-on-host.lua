-- expect: 2
-- says: s:bind: expected a socket (from h:socket()) as argument 1, got twsim.Host
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); local s = a:socket(); s.bind(a, 80)
