-- linger-abort.lua: setopt("linger", 0) then close() aborts: a RST instead
-- of a FIN, no TIME_WAIT anywhere, and the peer's next recv() fails with
-- ECONNRESET.
--
-- Run:   twsim run scenarios/linger-abort.lua --trace -

local client = sim.host("client", { addr = "10.0.0.1" })
local server = sim.host("server", { addr = "10.0.0.2" })
sim.link(client, server, { delay = "5ms" })

local server_saw
sim.spawn(function()
  local ls = server:socket()
  ls:bind(80)
  ls:listen(4)
  local c = ls:accept()
  local data, err = c:recv()                  -- "hello"
  data, err = c:recv()                        -- then the abort
  server_saw = err or ("data: " .. tostring(data))
end)
sim.spawn(function()
  local s = client:socket()
  assert(s:connect("10.0.0.2", 80))
  s:send("hello")
  sim.sleep("100ms")                          -- the server has read "hello"
  s:setopt("linger", 0)
  s:close()                                   -- RST, not FIN
end)
sim.run{ ["until"] = "2s" }
print("server's recv after the abort: " .. tostring(server_saw))
print(string.format("TIME_WAIT: client %d, server %d; client resets sent %d",
                    client:count("TIME_WAIT"), server:count("TIME_WAIT"),
                    client:stats().resets_sent))
sim.assert(server_saw == "ECONNRESET", "the peer sees ECONNRESET")
sim.assert(client:stats().tw_entered == 0 and server:stats().tw_entered == 0, "no TIME_WAIT")
sim.assert(client:stats().resets_sent == 1, "exactly one RST")
