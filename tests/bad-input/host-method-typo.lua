-- expect: 2
-- says: h:sokcet: no such method (did you mean 'socket'?)
local a = sim.host("a", {addr="10.0.0.1"}); a:sokcet()
