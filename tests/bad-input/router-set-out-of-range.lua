-- expect: 2
-- says: r:set: bad value '-5' for router setting 'conntrack_max' (expected 0 (no limit) .. 2147483647)
local r = sim.router("r"); r:set{ conntrack_max = -5 }
