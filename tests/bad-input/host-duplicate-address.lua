-- expect: 2
-- says: sim.host: address 10.0.0.1 is already a's
sim.host("a", {addr="10.0.0.1"}); sim.host("b", {addr="10.0.0.1"})
