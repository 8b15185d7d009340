-- expect: 2
-- says: sim.link: rate: bad rate 'fast' (write e.g. "9600bps", "64kbps", "100Mbps", "10Gbps")
local a, b = sim.host("a", {addr="10.0.0.1"}), sim.host("b", {addr="10.0.0.2"}); sim.link(a, b, {rate = "fast"})
