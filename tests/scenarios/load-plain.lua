-- load-plain.lua: load.server without the protocol (response, closer),
-- checked with sim.assert; tests/test-load.c runs it with each --set
-- closer.  20 clients send 100 raw bytes each and read the 300-byte
-- answer; 20 more connect and close without a request (response 0 is
-- served to them: nothing sent, the server closes after their FIN).
local load = require("twsim.load")
local closer = sim.param("closer", "server")
local c = sim.host("client", { addr = "10.0.0.1" })
local s = sim.host("server", { addr = "10.0.0.2" })
sim.link(c, s, { delay = "1ms", rate = "1Gbps" })
load.server{ host = s, port = 80, response = 300, closer = closer }
load.server{ host = s, port = 81, response = 0, closer = "client" }

local answered, got_eof, silent = 0, 0, 0
for i = 1, 20 do
  sim.at(i * 0.01, function()
    local sk = c:socket()
    sim.assert(sk:connect("10.0.0.2", 80), "connected")
    sk:send(100)
    local n = 0
    while n < 300 do
      local data = sk:recv()
      sim.assert(data and data ~= "", "the whole answer before any EOF")
      n = n + #data
    end
    sim.assert(n == 300, "300 bytes answered, no more")
    answered = answered + 1
    if closer == "server" then
      if sk:recv() == "" then got_eof = got_eof + 1 end
    end
    sk:close()
  end)
  sim.at(1 + i * 0.01, function()
    local sk = c:socket()
    sim.assert(sk:connect("10.0.0.2", 81), "connected")
    sk:close()
    silent = silent + 1
  end)
end
sim.run{ ["until"] = "2s" }
sim.assert(answered == 20, "every request answered")
if closer == "server" then
  sim.assert(got_eof == 20, "the server closed first, after its answer")
end
-- Whoever closes first holds TIME_WAIT: the server for the 20 answered
-- connections when it closes first; the client for every connection to
-- port 81, and for those to port 80 when it closes first.
local tw_server, tw_client = s:count("TIME_WAIT"), c:count("TIME_WAIT")
if closer == "server" then
  sim.assert(tw_server == 20 and tw_client == 20, "TIME_WAIT: 20 at the server, 20 at the client")
else
  sim.assert(tw_server == 0 and tw_client == 40, "TIME_WAIT: all 40 at the client")
end
print(string.format("plain: answered %d, silent %d, tw_server %d, tw_client %d", answered,
                    silent, tw_server, tw_client))
