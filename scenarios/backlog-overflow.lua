-- backlog-overflow.lua: a listener with backlog 4 that never accepts.  Once
-- its accept queue is full, Linux drops further SYNs (counted in
-- syn_dropped); those clients retransmit their SYNs (1 s apart at first) and get
-- in only when the server starts accepting at t = 5 s.
--
-- Run:   twsim run scenarios/backlog-overflow.lua --set clients=10

local clients = tonumber(sim.param("clients", "10"))
local client = sim.host("client", { addr = "10.0.0.1" })
local server = sim.host("server", { addr = "10.0.0.2" })
sim.link(client, server, { delay = "1ms" })

sim.spawn(function()
  local ls = server:socket()
  ls:bind(80)
  ls:listen(4)
  sim.sleep("5s")                            -- too busy to accept for 5 s
  while true do ls:accept() end
end)
local connected_at = {}
for i = 1, clients do
  sim.spawn(function()
    local s = client:socket()
    assert(s:connect("10.0.0.2", 80))
    connected_at[#connected_at + 1] = sim.now()
  end)
end
sim.run{ ["until"] = "60s" }
local early = 0
for _, t in ipairs(connected_at) do if t < 1 then early = early + 1 end end
print(string.format("%d of %d connected at once; SYNs dropped by the server: %d; all connected by %.3f s",
                    early, clients, server:stats().syn_dropped, connected_at[#connected_at] or -1))
sim.assert(#connected_at == clients, "all eventually connect")
sim.assert(server:stats().syn_dropped > 0, "the full queue dropped SYNs")
sim.assert(early < clients, "some had to retransmit their SYN")
