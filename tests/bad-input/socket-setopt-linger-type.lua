-- expect: 2
-- says: s:setopt: linger: bad duration 'long' (write e.g. "250us", "1ms", "60s", "2min")
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); local s = a:socket(); s:setopt("linger", "long")
