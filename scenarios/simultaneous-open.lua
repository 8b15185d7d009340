-- simultaneous-open.lua: two hosts connect to each other at the same
-- instant; the SYNs cross on the wire and both sides go
-- SYN_SENT -> SYN_RECEIVED -> ESTABLISHED (RFC 9293 3.5, figure 8): one
-- connection, no listener.
--
-- Run:   twsim run scenarios/simultaneous-open.lua --trace -

local a = sim.host("a", { addr = "10.0.0.1" })
local b = sim.host("b", { addr = "10.0.0.2" })
sim.link(a, b, { delay = "10ms" })

local path = {}
sim.on("state", function(ev)
  path[ev.host] = (path[ev.host] or "CLOSED") .. " -> " .. ev.to
end)

local function peer(host, lport, raddr, rport)
  sim.spawn(function()
    local s = host:socket()
    s:setopt("reuseaddr", true)
    s:bind(lport)
    local ok, err = s:connect(raddr, rport)
    sim.assert(ok, "simultaneous open connects: " .. tostring(err))
    print(host == a and "a" or "b", "connected, state", s:state())
  end)
end
peer(a, 5000, "10.0.0.2", 6000)
peer(b, 6000, "10.0.0.1", 5000)
sim.run{ ["until"] = "5s" }
print("a: " .. path.a)
print("b: " .. path.b)
sim.assert(path.a:find("SYN_SENT -> SYN_RECEIVED -> ESTABLISHED", 1, true), "a passed SYN_RECEIVED")
sim.assert(path.b:find("SYN_SENT -> SYN_RECEIVED -> ESTABLISHED", 1, true), "b passed SYN_RECEIVED")
