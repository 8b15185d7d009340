-- One string of 600 MiB: more than the sandbox's default memory cap
-- (512 MiB), refused before it is allocated.
local s = string.rep("x", 600 * 1024 * 1024)
print(#s)
