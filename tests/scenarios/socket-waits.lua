-- Socket calls that wait, and pick up where they left off: a 200,000-byte
-- string and then a count of 50,000 bytes, each sent in one s:send that
-- waits several times for room in the send buffer, arrive whole and in
-- order; the server's s:recv(3000) waits for each piece and takes at most
-- 3,000 bytes, however many are buffered.  Meanwhile a second
-- process tries s:recv on the sender's socket: a usage error (one process
-- at a time may wait on a socket), which must leave the waiting send as
-- it was.  The run ends with exit status 2 for that error.
local a = sim.host("a", { addr = "10.0.0.1" })
local b = sim.host("b", { addr = "10.0.0.2" })
sim.link(a, b, { delay = "1ms" })     -- no rate: a window of segments arrives at once

local parts = {}
for i = 1, 20000 do parts[i] = string.format("%09d|", i) end
local msg = table.concat(parts)                -- 200,000 bytes, no two pieces alike

sim.spawn(function()
  local ls = b:socket()
  ls:bind(80)
  ls:listen(4)
  local c = ls:accept()
  local got, largest = {}, 0
  while true do
    local data = c:recv(3000)
    if data == "" then break end
    got[#got + 1] = data
    largest = math.max(largest, #data)
  end
  local all = table.concat(got)
  print(string.format("received %d bytes in %d reads of at most %d: %s", #all, #got, largest,
                      all == msg .. string.rep("\0", 50000) and "as sent" or "NOT as sent"))
  c:close()
end)

local s = a:socket()
sim.spawn(function()
  assert(s:connect("10.0.0.2", 80))
  local t0 = sim.now()
  local n1 = s:send(msg)
  local n2 = s:send(50000)
  print(string.format("sent %d and %d bytes in %.3f s", n1, n2, sim.now() - t0))
  s:close()
end)

sim.spawn(function()
  sim.sleep("3ms")                   -- the sender is waiting for room by then
  local ok, err = pcall(s.recv, s)
  print("second process:", ok, err)
end)

sim.run{}
