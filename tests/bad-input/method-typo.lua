-- expect: 2
-- says: s:conect: no such method (did you mean 'connect'?)
local a = sim.host("a", {addr="10.0.0.1"}); local s = a:socket(); sim.spawn(function() s:conect("10.0.0.2", 80) end); sim.run()
