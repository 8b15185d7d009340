-- A Lua loop that never yields: only --timeout can stop it (exit 3).
local n = 0
while true do n = n + 1 end
