-- expect: 2
-- says: sim.host: profile: unknown TCP profile 'solaris' (linux, linux-5, bsd, windows, rfc9293)
sim.host("a", {profile="solaris"})
