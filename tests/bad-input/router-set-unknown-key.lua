-- expect: 2
-- says: r:set: unknown router setting 'conntrack_maximum'
local r = sim.router("r"); r:set{ conntrack_max = 10, conntrack_maximum = 5 }
