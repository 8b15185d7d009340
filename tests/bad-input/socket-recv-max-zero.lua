-- expect: 2
-- says: s:recv: max must be a positive integer
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); local s = a:socket(); sim.spawn(function() s:recv(0) end)
