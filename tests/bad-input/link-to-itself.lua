-- expect: 2
-- says: sim.link: a link from 'a' to itself
local a = sim.host("a"); sim.link(a, a)
