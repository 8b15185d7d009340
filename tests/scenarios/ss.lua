-- ss.lua: one connection the server closes first at about 1 s; the client
-- closes about 3 s later, so the server holds TIME_WAIT from about 4 s; h:sockets() is checked
-- against the host's own counts and the TIME_WAIT timer (tests/test-ss.c).
local c = sim.host("c", { addr = "10.0.0.1" })
local s = sim.host("s", { addr = "10.0.0.2" })
sim.link(c, s, { delay = "5ms" })
sim.spawn(function()
  local ls = s:socket(); ls:bind(80); ls:listen(8)
  local a = ls:accept()
  sim.sleep("1s")                -- "hello" waits unread in the meantime
  a:recv()
  a:close()
end)
sim.spawn(function()
  local k = c:socket()
  k:connect("10.0.0.2", 80)
  k:send("hello")
  k:recv()                       -- "" at the server's FIN
  sim.sleep("3s")
  k:close()
end)
sim.run{ ["until"] = "20s" }
local list = s:sockets()
sim.assert(#list == 2, "the server lists its listener and its TIME_WAIT")
sim.assert(list[1].state == "LISTEN" and list[1].send_q == 8, "the listener, backlog 8")
local tw = list[2]
sim.assert(tw.state == "TIME_WAIT" and tw.lport == 80 and tw.raddr == "10.0.0.1",
           "the TIME_WAIT socket")
sim.assert(tw.timer == "timewait", "its timer is timewait")
-- Entered when the client's FIN came back (about 4 s): 60 s later it ends.
sim.assert(tw.timer_left > 40 and tw.timer_left < 45, "about 44 s left at 20 s")
sim.assert(#c:sockets() == 0, "the client, which closed last, holds nothing")
sim.record("tw_left", tw.timer_left)
