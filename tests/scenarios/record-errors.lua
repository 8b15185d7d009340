-- sim.record with a bad name or value, chosen with --set case=...: exit 2.
local case = sim.param("case", "none")
if case == "empty" then sim.record("", 1)
elseif case == "tab" then sim.record("a\tb", 1)
elseif case == "nan" then sim.record("x", 0 / 0)
elseif case == "inf" then sim.record("x", math.huge)
end
sim.record("fine", 1)
