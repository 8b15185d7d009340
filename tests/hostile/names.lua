-- 13: bytes that are not UTF-8 and NUL in what reaches the JSON outputs.
local what = sim.param("what", "log")
if what == "log" then
  sim.log("bad \255\254 byte and a NUL \0 inside")
  sim.host("h\226\130\172", { addr = "10.0.0.1" })   -- valid UTF-8: fine
elseif what == "host" then
  sim.host("bad\255", { addr = "10.0.0.1" })
elseif what == "nul" then
  sim.host("a\0b", { addr = "10.0.0.1" })
elseif what == "record" then
  sim.record("r\255", 1)
end
sim.run()
