-- lossy-bulk.lua: one bulk transfer over a lossy link, for benchmarks.
-- A client sends `mb` megabytes (default 100, 10^6 bytes each) to a
-- server over one 1 Gbps link with 5 ms of delay each way and `loss`
-- (default 1 %) of the segments lost in each direction; the server reads
-- until EOF.  The cost measured is the TCP's loss recovery: wall seconds
-- per simulated gigabyte.
--
-- Run:   twsim run scripts/bench/lossy-bulk.lua
--        twsim run scripts/bench/lossy-bulk.lua --set mb=10 --set loss=0.001

local mb = tonumber(sim.param("mb", "100"))
local loss = tonumber(sim.param("loss", "0.01"))
local size = math.floor(mb * 1000000)

local client = sim.host("client", { addr = "10.0.0.1" })
local server = sim.host("server", { addr = "10.0.0.2" })
local wire = sim.link(client, server, { rate = "1Gbps", delay = "5ms", loss = loss })

local received, started, done_at = 0, nil, nil
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
  done_at = sim.now()
  c:close()
end)
sim.spawn(function()
  local s = client:socket()
  assert(s:connect("10.0.0.2", 80))
  started = sim.now()
  s:send(size)
  s:close()
end)

sim.run{}

local st = wire:stats()
print(string.format("lossy-bulk: %d of %d bytes in %.3f s of virtual time (%.1f Mbit/s); " ..
                    "segments sent %d, lost %d, retransmitted %d",
                    received, size, (done_at or 0) - (started or 0),
                    received * 8 / 1e6 / math.max((done_at or 0) - (started or 0), 1e-9),
                    st.ab.sent, st.ab.lost, client:stats().retransmits))
sim.assert(received == size, "every byte arrives")
sim.record("transfer_seconds", done_at - started)
