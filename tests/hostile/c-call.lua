-- 6: one call into C that runs for ever: a pattern that backtracks
-- exponentially.
print(string.find(string.rep("a", 200), string.rep("a*", 20) .. "b"))
