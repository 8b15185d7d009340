-- grid.lua: a figure that depends on two parameters and the seed, for
-- `twsim sweep --grid` (tests/test-sweep.c): x = 10 a + (1 if b is "y") +
-- seed / 100.  The cell a=2 b=y fails on seed 2.
local a = tonumber(sim.param("a", "0"))
local b = sim.param("b", "x")
sim.record("x", 10 * a + (b == "y" and 1 or 0) + sim.seed() / 100)
sim.assert(not (a == 2 and b == "y" and sim.seed() == 2), "the failing cell")
