-- bulk-transfer.lua: one long TCP transfer over a lossy path, and its
-- goodput next to the square-root law of Mathis, Semke, Mahdavi and Ott
-- (1997): throughput ~ MSS / (RTT * sqrt(2p/3)) for a sender in congestion
-- avoidance that halves its window on every loss (NewReno's window, with
-- Linux's SACK recovery: RACK, PRR, tail loss probes).
--
-- Shows: slow start, fast retransmit and recovery, congestion avoidance,
-- delayed ACKs, the receive window (window scaling) and the send buffer
-- working together; h:stats() counters for fast retransmits and timeouts;
-- sim.record figures that `twsim sweep` averages over seeds.
--
-- The loss is on the data direction only (ACKs are not lost), the link is
-- fast (1 Gbps) so that loss, not the link or its queue, limits the
-- sender, and the receiver reads at once so that its window does not.
--
-- Run:   twsim run scenarios/bulk-transfer.lua
--        twsim run scenarios/bulk-transfer.lua --set loss=0.001 --set time=300s
--        twsim sweep scenarios/bulk-transfer.lua --seeds 1..10 --set loss=0.005
--        scripts/mathis-sweep build/twsim      (the table in docs/tcp-model.md)

local loss = tonumber(sim.param("loss", "0.01"))
local delay = sim.param("delay", "20ms")          -- one way: RTT = 2 * delay
local duration = sim.param("time", "120s")
local warmup = 10                                 -- seconds left out of the figure

local client = sim.host("client", { addr = "10.0.0.1" })
local server = sim.host("server", { addr = "10.0.0.2" })
-- A receive buffer large enough never to limit the window at these loss
-- rates (the default 128 KiB would cap 0.1% loss at a 40 ms RTT).
server:set { rcvbuf = 4194304 }

sim.link(client, server, {
  rate = "1Gbps",
  delay = delay,
  loss = { ab = loss, ba = 0 },
  queue = 10000,
})

local received, at_warmup = 0, nil
sim.spawn(function()
  local ls = server:socket()
  ls:bind(80)
  ls:listen(4)
  local c = ls:accept()
  while true do
    local data = c:recv()
    if data == nil or data == "" then break end
    received = received + #data
  end
end)
sim.at(warmup, function() at_warmup = received end)

sim.spawn(function()
  local s = client:socket()
  assert(s:connect("10.0.0.2", 80))
  while true do s:send(1048576) end               -- virtual bytes, as fast as allowed
end)

sim.run { ["until"] = duration }

local now = sim.now()
local goodput = (received - at_warmup) * 8 / (now - warmup)      -- bits/s
local rtt = 2 * tonumber((delay:gsub("ms$", ""))) / 1000
local mss = 1448                                                 -- 1460 less timestamps
local law = mss * 8 / (rtt * math.sqrt(2 * loss / 3))
local st = client:stats()
print(string.format("loss %.4g, RTT %.0f ms: %.1f MB in %.0f s", loss, rtt * 1000,
                    received / 1e6, now))
print(string.format("goodput %.2f Mbit/s after %d s of warm-up; Mathis law %.2f Mbit/s; ratio %.3f",
                    goodput / 1e6, warmup, law / 1e6, goodput / law))
print(string.format("sender: %d retransmissions, %d fast retransmits, %d timeouts",
                    st.retransmits, st.fast_retransmits, st.timeouts))
sim.record("goodput_mbps", goodput / 1e6)
sim.record("mathis_mbps", law / 1e6)
sim.record("ratio", goodput / law)
