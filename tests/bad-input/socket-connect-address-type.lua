-- expect: 2
-- says: s:connect: expected an address or a host, got table
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); sim.link(a, b); local s = a:socket(); sim.spawn(function() s:connect({}, 80) end)
