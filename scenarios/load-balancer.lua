-- load-balancer.lua: where TIME_WAIT lands behind a layer-4 load balancer.
-- Clients connect to one virtual address, 203.0.113.10:80; the balancer
-- (a router, as Linux IPVS or kube-proxy is one) sends each new flow to
-- one of three backends by round robin ("rr") or by a hash of its 4-tuple
-- ("hash"), and remembers the choice in its conntrack entry.  Whoever
-- closes first holds the TIME_WAIT: with the backends closing (the
-- default), each backend holds its share, keyed by the client's address
-- and port; with the clients closing, the clients hold it.  Either way the
-- balancer holds every flow too, in conntrack's TIME_WAIT for 120 s.
--
-- With snat=true the balancer also rewrites the source to the virtual
-- address (full NAT, as kube-proxy's masquerading does), so the backends
-- see every connection coming from 203.0.113.10: their TIME_WAIT sockets
-- are then keyed by ports of the balancer, and the balancer's port choice
-- towards each backend is what limits the rate.
--
-- Run:   twsim run scenarios/load-balancer.lua
--        twsim run scenarios/load-balancer.lua --set closer=client
--        twsim run scenarios/load-balancer.lua --set mode=hash --set snat=true

local load = require("twsim.load")

local mode = sim.param("mode", "rr")
local snat = sim.param("snat", "false") == "true"
local closer = sim.param("closer", "server")
local rate, seconds = 50, 20                       -- connections/s from all clients

local lb = sim.router("lb", {
  lb = { vip = "203.0.113.10:80", mode = mode, snat = snat,
         backends = { "10.0.1.1:8080", "10.0.1.2:8080", "10.0.1.3:8080" } },
})
local backends, clients = {}, {}
for i = 1, 3 do
  backends[i] = sim.host("backend" .. i, { addr = "10.0.1." .. i })
  sim.link(lb, backends[i], { delay = "500us", rate = "10Gbps" })
end
for i = 1, 5 do
  clients[i] = sim.host("client" .. i, { addr = "198.51.100." .. i })
  sim.link(clients[i], lb, { delay = "5ms", rate = "1Gbps" })
end

-- Each backend reads the request, answers 100 bytes, and closes: at once,
-- or after the client's FIN when the client closes first.
for _, b in ipairs(backends) do
  load.server{ host = b, port = 8080, backlog = 4096, response = 100, closer = closer }
end

for i, client in ipairs(clients) do
  sim.at((i - 1) / rate, function()
    local t = sim.every(#clients / rate, function()
      local s = client:socket()
      if s:connect("203.0.113.10", 80) then
        s:send(100)
        s:recv()                                   -- the response
        if closer == "server" then s:recv() end    -- EOF: the backend closed
      end
      s:close()
    end)
    sim.at(seconds, function() t:cancel() end)
  end)
end

sim.run{ ["until"] = seconds + 1 }
local tw = {}
for i, b in ipairs(backends) do tw[i] = b:count("TIME_WAIT") end
local ctw = 0
for _, c in ipairs(clients) do ctw = ctw + c:count("TIME_WAIT") end
print(string.format("balancer %s%s, %s closes: backend TIME_WAIT %d %d %d, clients TIME_WAIT %d",
                    mode, snat and " with SNAT" or "", closer, tw[1], tw[2], tw[3], ctw))
print(string.format("balancer conntrack: TIME_WAIT %d, entries %d",
                    lb:count("TIME_WAIT"), lb:stats().entries))
