-- plain-as-lua.lua: load.server's plain server, run in C, against the Lua
-- loop it stands for (sim/lua/modules/load.lua), written out here.  With
-- --set server=c the servers are load.server's; with server=lua they are
-- the loop.  tests/test-load.c runs both with a trace and asks for the
-- same bytes: every call at the same instant in the same order.
--
-- The connections take every path of the loop: answered and closed by the
-- server (port 80), a response too big for the send buffer, so the send
-- waits (port 81), a client that closes first (port 82, the server reads
-- its FIN), a client that aborts with a RST before or after its request,
-- one that sends nothing and closes, all over a lossy link.
local load = require("twsim.load")
local form = sim.param("server", "c")
local c = sim.host("client", { addr = "10.0.0.1" })
local s = sim.host("server", { addr = "10.0.0.2" })
sim.link(c, s, { delay = "2ms", rate = "100Mbps", loss = 0.03 })

local servers = {
  { port = 80, response = 300, closer = "server" },
  { port = 81, response = 3000000, closer = "server" },
  { port = 82, response = 500, closer = "client" },
}
for _, o in ipairs(servers) do
  if form == "c" then
    load.server{ host = s, port = o.port, response = o.response, closer = o.closer,
                 backlog = 64 }
  else
    local response, client_closes = o.response, o.closer == "client"
    sim.spawn(function()
      local ls = s:socket()
      ls:bind(o.port)
      ls:listen(64)
      while true do
        local cs = ls:accept()
        if not cs then return end
        sim.spawn(function()
          local req = cs:recv()
          if response > 0 then cs:send(response) end
          if client_closes and req ~= "" then cs:recv() end
          cs:close()
        end)
      end
    end)
  end
end

-- kind: "ask" (request, read to EOF or the answer, close), "abort" (RST
-- after the request), "rst-first" (RST with no request), "silent" (close
-- with no request).
local function client(port, kind, answer)
  local sk = c:socket()
  if not sk:connect("10.0.0.2", port) then sk:close(); return end
  if kind == "silent" then sk:close(); return end
  if kind == "rst-first" then sk:setopt("linger", 0); sk:close(); return end
  sk:send(100)
  if kind == "abort" then
    sim.sleep(0.001)
    sk:setopt("linger", 0)
    sk:close()
    return
  end
  local got = 0
  while got < answer do
    local data = sk:recv()
    if not data or data == "" then break end
    got = got + #data
  end
  if port ~= 82 then sk:recv() end
  sk:close()
end

local kinds = { "ask", "ask", "abort", "rst-first", "silent", "ask" }
for i = 0, 59 do                 -- every kind of client meets every server
  local o = servers[(i // #kinds) % #servers + 1]
  local kind = kinds[i % #kinds + 1]
  sim.at(0.003 + i * 0.003, function() client(o.port, kind, o.response) end)
end
sim.run{ ["until"] = "20s" }
print(string.format("server: TIME_WAIT %d, ESTABLISHED %d, CLOSE_WAIT %d; client: TIME_WAIT %d",
                    s:count("TIME_WAIT"), s:count("ESTABLISHED"), s:count("CLOSE_WAIT"),
                    c:count("TIME_WAIT")))
