-- expect: 2
-- says: (until is a Lua keyword: write sim.run{ ["until"] = "60s" })
sim.run{until = "1s"}
