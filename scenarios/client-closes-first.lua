-- client-closes-first.lua: the side that closes first holds TIME_WAIT.
--
-- One request/response over a 5 ms link; the client closes first, so the
-- client goes FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT and holds the 4-tuple
-- for 60 s (Linux), while the server passes through CLOSE_WAIT and LAST_ACK.
--
-- Run:   twsim run scenarios/client-closes-first.lua --ladder   (each step drawn)
--        twsim run scenarios/client-closes-first.lua --set states=print
--                                          (each state change as a line)
--        twsim run scenarios/client-closes-first.lua --trace -      (every event)
--        twsim run scenarios/client-closes-first.lua --set profile=windows
--                                          (both hosts: TIME_WAIT 120 s)
--
-- The state changes are printed only when asked: the ladder draws them
-- already, and a change shown twice reads as two.

local profile = sim.param("profile", "linux")
local print_states = sim.param("states", "quiet") == "print"
local client = sim.host("client", { addr = "10.0.0.1", profile = profile })
local server = sim.host("server", { addr = "10.0.0.2", profile = profile })
sim.link(client, server, { delay = "5ms", rate = "100Mbps" })

local tw_start, tw_end
sim.on("state", function(ev)
  if print_states then
    print(string.format("%8.3f s  %-6s %-12s -> %s", ev.time, ev.host, ev.from, ev.to))
  end
  if ev.host == "client" and ev.to == "TIME_WAIT" then tw_start = ev.time end
  if ev.host == "client" and ev.from == "TIME_WAIT" then tw_end = ev.time end
end)

sim.spawn(function()
  local ls = server:socket()
  ls:bind(80)
  ls:listen(16)
  local c = ls:accept()
  local req = c:recv()
  c:send("response to " .. req)
  sim.assert(c:recv() == "", "the client's FIN reads as end of file")
  c:close()
end)

sim.spawn(function()
  local s = client:socket()
  assert(s:connect("10.0.0.2", 80))
  s:send("GET /")
  print("client got: " .. s:recv())
  s:close()                                  -- the client closes first
  sim.sleep("1s")
  print(string.format("after 1 s: client TIME_WAIT %d, server TIME_WAIT %d",
                      client:count("TIME_WAIT"), server:count("TIME_WAIT")))
end)

sim.run{ ["until"] = "300s" }
local st = client:stats()
print(string.format("client: TIME_WAIT entered %d, peak %d; now %d in TIME_WAIT",
                    st.tw_entered, st.tw_peak, client:count("TIME_WAIT")))
if tw_end then print(string.format("the client held TIME_WAIT for %.3f s", tw_end - tw_start)) end
sim.assert(st.tw_entered == 1 and server:stats().tw_entered == 0,
           "only the side that closed first entered TIME_WAIT")
