-- warn-mistakes.lua: mistakes that do not stop a run, each worth one
-- warning on stderr (tests/test-warnings.c).  A connection to a host given
-- as an object, over a link that loses nothing; links in a loop with
-- loss = 1, warned about once.
local clients = tonumber(sim.param("clients", "2"))
local client = sim.host("client", { addr = "10.0.0.1" })
local server = sim.host("server", { addr = "10.0.0.2" })
sim.link(client, server, { delay = "1ms" })
for i = 1, 3 do
  sim.link(client, sim.host("dark" .. i), { loss = 1 })
end
sim.spawn(function()
  local ls = server:socket()
  ls:bind(80); ls:listen(16)
  while true do ls:accept():close() end
end)
sim.spawn(function()
  for i = 1, clients do
    local s = client:socket()
    assert(s:connect(server, 80))   -- a host object, as h:route takes
    s:close()
  end
end)
if sim.param("run", "yes") == "yes" then sim.run{ ["until"] = "10s" } end
print("TIME_WAIT", client:count("TIME_WAIT"))
