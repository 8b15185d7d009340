-- tw-reopen.lua: one client with ten ephemeral ports connects 40 times to
-- a server that closes first, so the server holds TIME_WAIT for ports the
-- client soon uses again: each new SYN for such a 4-tuple reopens the
-- server's record (tw_reused), and the summary says so in words; also the
-- distribution of the connect times, recorded with sim.record
-- (tests/test-summary.c).
local client = sim.host("client", { addr = "10.0.0.1" })
local server = sim.host("server", { addr = "10.0.0.2" })
client:set{ port_range = "40000-40009" }
sim.link(client, server, { delay = "1ms", jitter = "1ms" })
sim.spawn(function()
  local ls = server:socket()
  ls:bind(80); ls:listen(64)
  while true do
    local c = ls:accept()
    sim.spawn(function() c:recv(); c:close() end)
  end
end)
sim.spawn(function()
  for i = 1, 40 do
    local s = client:socket()
    local t0 = sim.now()
    if s:connect(server, 80) then
      sim.record("connect_ms", (sim.now() - t0) * 1000)
      s:send(10); s:recv(); s:close()
    end
    sim.sleep("10ms")
  end
end)
sim.run{ ["until"] = "10s" }
