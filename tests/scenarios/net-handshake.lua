-- A hand-made TCP exchange (handshake, request, response, close) across a
-- router, for pcap and trace tests: what a TCP stack would put on the wire.
local c = sim.host("client", { addr = "10.0.0.1" })
local s = sim.host("server", { addr = "10.0.1.1" })
-- Hand-made segments only: no TCP answers them.
twsim_test.raw(c)
twsim_test.raw(s)
local r = sim.router("r")
sim.link(c, r, { delay = "1ms", rate = "100Mbps" })
sim.link(r, s, { delay = "2ms", rate = "1Gbps" })

local C, S = 40000, 80
local function cs(t, o) o.to = s; o.sport = C; o.dport = S; sim.at(t, function() twsim_test.send(c, o) end) end
local function sc(t, o) o.to = c; o.sport = S; o.dport = C; sim.at(t, function() twsim_test.send(s, o) end) end

cs(0.010, { seq = 1000, flags = "S", win = 64240, mss = 1460, sack = true, tsval = 100, tsecr = 0, wscale = 7 })
sc(0.020, { seq = 5000, ack = 1001, flags = "SA", win = 65160, mss = 1460, sack = true, tsval = 900, tsecr = 100, wscale = 7 })
cs(0.030, { seq = 1001, ack = 5001, flags = "A", win = 502, tsval = 120, tsecr = 900 })
cs(0.030, { seq = 1001, ack = 5001, flags = "PA", win = 502, tsval = 120, tsecr = 900, data = "GET / HTTP/1.0\r\n\r\n" })
sc(0.040, { seq = 5001, ack = 1019, flags = "A", win = 509, tsval = 910, tsecr = 120 })
sc(0.041, { seq = 5001, ack = 1019, flags = "PA", win = 509, tsval = 911, tsecr = 120, len = 100 })
sc(0.041, { seq = 5101, ack = 1019, flags = "FA", win = 509, tsval = 911, tsecr = 120 })
cs(0.050, { seq = 1019, ack = 5102, flags = "A", win = 501, tsval = 130, tsecr = 911 })
cs(0.051, { seq = 1019, ack = 5102, flags = "FA", win = 501, tsval = 131, tsecr = 911 })
sc(0.060, { seq = 5102, ack = 1020, flags = "A", win = 509, tsval = 920, tsecr = 131 })
sim.run()
