-- expect: 2
-- says: r:route: expected an address or a host, got number
local r = sim.router("r"); r:route(5)
