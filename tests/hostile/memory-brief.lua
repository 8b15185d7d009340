-- 7: holds 4 MiB and makes 1 MiB of garbage at a time: under a 10 MiB cap
-- the heap reaches it before the collector runs, and each refusal is
-- answered by an emergency collection that frees enough.
local keep = string.rep("k", 4 << 20)
local n = 0
for i = 1, 200 do local s = string.rep("x", 1 << 20) .. i; n = n + #s end
print(n + #keep)
