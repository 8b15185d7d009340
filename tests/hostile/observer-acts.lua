-- A sim.on("state") observer that acts: it sends on and closes a socket,
-- and opens another, from inside the callback.  The stack tells observers
-- once the segment or timer that made the change is done, in order, so
-- each call finds the stack whole: the socket is in the state the event
-- announces, and a change the observer makes is told after the one it is
-- reacting to.
local c = sim.host("c", { addr = "10.0.0.1" })
local s = sim.host("s", { addr = "10.0.0.2" })
sim.link(c, s, { delay = "1ms" })

local client_sock        -- the client's socket once connected (no process waits on it)
local seen = {}
sim.on("state", function(ev)
  if ev.host ~= "c" or ev.rport ~= 80 then return end
  seen[#seen + 1] = ev.from .. ">" .. ev.to
  if ev.to == "CLOSE_WAIT" then
    -- The server's FIN is processed and acknowledged: the socket says so.
    print("observer sees", client_sock:state())
    print("observer sent", client_sock:send("bye"))
    client_sock:close()
  elseif ev.to == "CLOSED" then
    local l = c:socket()
    print("observer opens", l:bind(81), l:listen(1))
    if sim.param("block") then c:socket():connect("10.0.0.2", 80) end
  end
end)

sim.spawn(function()
  local l = s:socket(); l:bind(80); l:listen(4)
  local conn = l:accept()
  conn:send("ping")
  sim.sleep("100ms")                  -- the client has read it and waits on nothing
  conn:shutdown("w")                  -- the server's FIN: the client goes to CLOSE_WAIT
  local got = {}
  while true do
    local d = conn:recv()
    if d == "" or d == nil then break end
    got[#got + 1] = d
  end
  print("server got", table.concat(got))
  conn:close()
end)

sim.spawn(function()
  local sock = c:socket()
  print("connect", sock:connect("10.0.0.2", 80))
  print("client got", sock:recv(4))
  client_sock = sock
end)

sim.at(5, function()
  print("connect to the observer's listener", s:socket():connect("10.0.0.1", 81))
end)

sim.run()
print("client states", table.concat(seen, " "))
print("TIME_WAIT entered", s:stats().tw_entered, c:stats().tw_entered)
