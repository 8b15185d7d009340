-- A runtime error in the main chunk: exit 1.
local t = nil
print(t.field)
