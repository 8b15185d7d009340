-- 14: a valid pair whose first key alone breaks the rule between them.
local h = sim.host("a", { addr = "10.0.0.1" })
h:set{ rto_min = "130s", rto_max = "200s" }
print("set")
if sim.param("bad", "no") == "yes" then h:set{ rto_min = "3s", rto_max = "2s" } end
