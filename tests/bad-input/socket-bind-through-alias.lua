-- expect: 2
-- says: s:bind: port 70000 is out of range (0-65535)
local a = sim.host("a", {addr="10.0.0.1"}); local bind = a:socket().bind; pcall(bind, a:socket(), 70000)
