-- expect: 2
-- says: h:socket: expected a host (from sim.host) as argument 1, got number
local a = sim.host("a"); a.socket(5)
