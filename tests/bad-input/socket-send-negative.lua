-- expect: 2
-- says: s:send: a byte count must be a non-negative integer
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); local s = a:socket(); sim.spawn(function() s:send(-1) end)
