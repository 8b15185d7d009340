-- Benchmark of the network model alone (not a test): one million 1040-byte
-- segments through a lossy 10 Gbps link, a router and a second link, sent
-- 1,000 per millisecond.  Needs the test build of the command (twsim_test):
--
--   time build/tests/twsim-test run tests/scenarios/net-bench.lua
--
-- Divide the delivered packets (printed) by the wall time.
local a = sim.host("a", { addr = "10.0.0.1" })
local b = sim.host("b", { addr = "10.0.0.2" })
-- Hand-made segments only: no TCP answers them.
twsim_test.raw(a)
twsim_test.raw(b)
local r = sim.router("r")
sim.link(a, r, { delay = "1ms", rate = "10Gbps", loss = 0.01, jitter = "10us" })
local out = sim.link(r, b, { delay = "1ms", rate = "10Gbps" })
local n = tonumber(sim.param("packets", "1000000"))
sim.spawn(function()
  local seg = { to = "10.0.0.2", sport = 5, dport = 6, seq = 0, flags = "A", len = 1000 }
  for _ = 1, n // 1000 do
    for _ = 1, 1000 do
      seg.seq = seg.seq + 1000
      twsim_test.send(a, seg)
    end
    sim.sleep("1ms")
  end
end)
sim.run()
print("delivered", out:stats().ab.delivered)
