-- Five connections, the server closing first, stopped at 5 s: the server
-- holds five TIME_WAIT sockets when the summaries are written.
local client = sim.host("client", { addr = "10.0.0.1" })
local server = sim.host("server", { addr = "10.0.0.2" })
sim.link(client, server, { delay = "1ms" })
sim.spawn(function()
  local ls = server:socket()
  ls:bind(80)
  ls:listen(16)
  while true do
    local c = ls:accept()
    c:recv()
    c:close()
  end
end)
sim.spawn(function()
  for i = 1, 5 do
    local s = client:socket()
    assert(s:connect("10.0.0.2", 80))
    s:send(10)
    s:recv()
    s:close()
  end
end)
sim.run{ ["until"] = "5s" }
