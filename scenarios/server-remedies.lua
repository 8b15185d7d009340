-- server-remedies.lua: what the usual server-side remedies for TIME_WAIT
-- do to a server that closes first.  10 client hosts make `rate` requests
-- a second in all for `seconds` s (a 100-byte request, a `response`-byte
-- response, a new connection each), over links that lose `loss` of the
-- packets each way.  `remedy` applies one remedy to the server:
--
--   none          Linux's defaults;
--   buckets       max_tw_buckets = `buckets` (net.ipv4.tcp_max_tw_buckets):
--                 past it a closing connection skips TIME_WAIT;
--   tw_reuse      tw_reuse = 1 (net.ipv4.tcp_tw_reuse);
--   linger0       the server sets SO_LINGER 0 before close(): a RST
--                 instead of a FIN, no TIME_WAIT;
--   port_range    the server's port range widened to 1024-65535
--                 (net.ipv4.ip_local_port_range).
--
-- It prints the server's TIME_WAIT figures, the resets each side sent,
-- and what the clients' applications saw: complete responses, short ones
-- (fewer bytes than were sent), and reads that failed.
--
-- Run:   twsim run scenarios/server-remedies.lua --set remedy=buckets
--        twsim run scenarios/server-remedies.lua --set remedy=linger0 --set response=100000

-- A --set parameter that must be a number no smaller than `min`.
local function number_param(name, default, min)
  local v = tonumber(sim.param(name, default))
  sim.assert(v ~= nil and v >= min, string.format("--set %s=%s: a number >= %g is needed",
                                                  name, sim.param(name, default), min))
  return v
end

local remedy = sim.param("remedy", "none")
local rate = number_param("rate", "200", 1)
local seconds = number_param("seconds", "20", 1)
local response = number_param("response", "100", 0)
local loss = number_param("loss", "0.01", 0)
local buckets = number_param("buckets", "1000", 0)
local remedies = { none = true, buckets = true, tw_reuse = true, linger0 = true, port_range = true }
sim.assert(remedies[remedy], "remedy: none, buckets, tw_reuse, linger0 or port_range")

local server = sim.host("server", { addr = "10.0.1.1" })
local router = sim.router("router")
sim.link(router, server, { delay = "500us", rate = "10Gbps", loss = loss })
if remedy == "buckets" then server:set{ max_tw_buckets = buckets } end
if remedy == "tw_reuse" then server:set{ tw_reuse = 1 } end
if remedy == "port_range" then server:set{ port_range = "1024-65535" } end

sim.spawn(function()
  local ls = server:socket()
  ls:bind(80)
  ls:listen(4096)
  while true do
    local c = ls:accept()
    sim.spawn(function()
      c:recv()
      c:send(response)
      if remedy == "linger0" then c:setopt("linger", 0) end
      c:close()                                -- the server closes first
    end)
  end
end)

-- What the clients' applications saw.
local complete, short, read_errors = 0, 0, {}
local function request(client)
  local s = client:socket()
  if s:connect("10.0.1.1", 80) then
    s:send(100)
    local got = 0
    while true do                              -- read to the end of file
      local data, err = s:recv()
      if data == nil then
        read_errors[err] = (read_errors[err] or 0) + 1
        break
      end
      if data == "" then break end
      got = got + #data
    end
    if got == response then complete = complete + 1 else short = short + 1 end
  end
  s:close()
end

local clients = {}
for i = 1, 10 do
  clients[i] = sim.host("client" .. i, { addr = string.format("10.0.0.%d", i) })
  sim.link(clients[i], router, { delay = "500us", rate = "1Gbps", loss = loss })
  sim.every(10 / rate, function() request(clients[i]) end)
end
sim.run{ ["until"] = seconds }

local ss = server:stats()
local client_resets, failed = 0, 0
for _, c in ipairs(clients) do
  local cs = c:stats()
  client_resets = client_resets + cs.resets_sent
  failed = failed + cs.connect_refused + cs.connect_timeout + cs.connect_addrnotavail
           + cs.connect_reset + cs.connect_unreach
end
local errors = {}
for err, n in pairs(read_errors) do errors[#errors + 1] = string.format("%s %d", err, n) end
table.sort(errors)
print(string.format("remedy %s: %d requests/s for %d s, %d-byte responses, loss %g",
                    remedy, rate, seconds, response, loss))
print(string.format("server TIME_WAIT now %d, peak %d; entered %d, skipped (killed) %d, reopened %d",
                    server:count("TIME_WAIT"), ss.tw_peak, ss.tw_entered, ss.tw_killed, ss.tw_reused))
print(string.format("resets sent: server %d, clients %d", ss.resets_sent, client_resets))
print(string.format("clients: responses complete %d, short %d; failed reads: %s; failed connects %d",
                    complete, short, #errors > 0 and table.concat(errors, ", ") or "none", failed))
sim.record("server_tw_peak", ss.tw_peak)
sim.record("resets", ss.resets_sent + client_resets)
sim.record("short_responses", short)
