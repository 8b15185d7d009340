-- lossy-link.lua: a TCP transfer over one lossy wire.
--
-- Shows: a link with a rate, a delay, jitter and loss given per direction
-- ({ab = .., ba = ..}); a Gilbert-Elliott loss table (losses in bursts);
-- link:drop, a predicate that drops chosen segments (here: the first
-- SYN-ACK, so the client's SYN is retransmitted after 1 s); link:stats()
-- counters; sim.on("segment") seeing sends, receptions and drops; and TCP
-- delivering every byte anyway, with retransmissions.
--
-- Run:   twsim run scenarios/lossy-link.lua
--        twsim run scenarios/lossy-link.lua --set burst=true --seed 7
--        twsim run scenarios/lossy-link.lua --pcap out.pcap --trace -

local bursty = sim.param("burst", "false") == "true"

local client = sim.host("client", { addr = "10.0.0.1" })
local server = sim.host("server", { addr = "10.0.0.2", profile = "linux" })

-- Losses: independent (Bernoulli) 2% from client to server and 0.5% back,
-- or bursty: Gilbert-Elliott with p = 1% chance to enter the bad state,
-- r = 30% to leave it (mean burst 1/r = 3.3 packets), h = 0 (everything in
-- the bad state is lost) and k = 1 (nothing in the good state is).
local loss = { ab = 0.02, ba = 0.005 }
if bursty then loss = { p = 0.01, r = 0.3, k = 1, h = 0 } end

local wire = sim.link(client, server, {
  rate = "100Mbps",            -- 1500 bytes take 120 us to serialize
  delay = { ab = "20ms", ba = "25ms" },
  jitter = "2ms",              -- no reordering: jitter never reorders
  loss = loss,
  queue = 100,                 -- packets waiting for the transmitter
})

-- A lab fault: the first SYN-ACK is dropped.
local synacks = 0
wire:drop(function(seg)
  if seg.flags == "SA" then synacks = synacks + 1 end
  return seg.flags == "SA" and synacks == 1
end)

local seen = { send = 0, recv = 0, drop = 0 }
sim.on("segment", function(ev) seen[ev.event] = seen[ev.event] + 1 end)

local size = tonumber(sim.param("bytes", "200000"))
local received, done_at = 0, nil
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
local connected_at
sim.spawn(function()
  local s = client:socket()
  assert(s:connect("10.0.0.2", 80))
  connected_at = sim.now()
  s:send(size)
  s:close()
end)

sim.run { ["until"] = "120s" }

print(string.format("%s: %s <-> %s (%s)", wire:name(), client:addr(), server:addr(),
                    bursty and "Gilbert-Elliott loss" or "Bernoulli loss"))
local st = wire:stats()
for _, dir in ipairs { "ab", "ba" } do
  local s = st[dir]
  print(string.format("  %s: sent %d delivered %d lost %d queue drops %d dropped by predicate %d",
                      dir, s.sent, s.delivered, s.lost, s.queue_drops, s.pred_drops))
end
print(string.format("segments seen: %d sent, %d received, %d dropped", seen.send, seen.recv, seen.drop))
print(string.format("connected at %.3f s (the first SYN-ACK was dropped); %d of %d bytes by %.3f s; %d retransmissions",
                    connected_at or -1, received, size, done_at or -1, client:stats().retransmits))
sim.assert(received == size, "every byte arrives despite the losses")
