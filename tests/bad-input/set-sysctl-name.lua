-- expect: 2
-- says: h:set: unknown TCP setting 'tcp_tw_reuse' (did you mean 'tw_reuse'?)
local a = sim.host("a", {addr="10.0.0.1"}); a:set{tcp_tw_reuse = 1}
