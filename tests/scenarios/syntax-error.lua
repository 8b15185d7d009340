-- A scenario with a syntax error on line 3: twsim must exit 2 naming it.
local x = 1
local y = = 2
