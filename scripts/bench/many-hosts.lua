-- many-hosts.lua: many client hosts behind one router, each opening a few
-- connections to one server, for benchmarks of how the cost of a
-- connection grows with the number of hosts (it should not: nothing that
-- runs per event may be in proportion to the hosts or the sockets).
--
-- `hosts` clients (default 100000) reach the server through one router
-- (500 us + 500 us); each opens `conns` connections (default 10) one after
-- the other, sends a 100-byte request, reads the 100-byte response and the
-- server's FIN, and closes; the clients start spread evenly over the
-- first second.  The run goes on until every TIME_WAIT has expired.
--
-- Run:   twsim run scripts/bench/many-hosts.lua --set hosts=100
-- scripts/bench/run times it with 100,000 hosts against 100 (group
-- many-hosts); scripts/bench/guard counts its instructions per connection
-- with 2,000 hosts against 100.

local load = require("twsim.load")

local nhosts = tonumber(sim.param("hosts", "100000"))
local nconns = tonumber(sim.param("conns", "10"))

local server = sim.host("server", { addr = "10.0.0.2" })
server:set{ max_tw_buckets = 2000000 }
local router = sim.router("router")
sim.link(router, server, { delay = "500us", rate = "10Gbps" })

-- Each connection: the request read, the response sent, and the server
-- closes first.
load.server{ host = server, port = 80, backlog = 4096, response = 100 }

for i = 0, nhosts - 1 do
  local a = i // 250
  local client = sim.host("c" .. i, { addr = string.format("10.%d.%d.%d", 1 + a // 256, a % 256, i % 250 + 1) })
  sim.link(client, router, { delay = "500us", rate = "1Gbps" })
  sim.at(i / nhosts, function()
    for _ = 1, nconns do
      local s = client:socket()
      if s:connect("10.0.0.2", 80) then
        s:send(100)
        s:recv()                               -- the response
        s:recv()                               -- EOF: the server closed
      end
      s:close()
    end
  end)
end

sim.run{}

print(string.format("many-hosts: hosts %d, connections %d, server tw_entered %d",
                    nhosts, server:stats().accepts, server:stats().tw_entered))
