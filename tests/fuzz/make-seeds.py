#!/usr/bin/env python3
"""Writes the seed corpora of the tcp and lua fuzz targets (tests/fuzz/
corpus/tcp, corpus/lua): byte encodings of what the scenarios do (a server
that listens and accepts, a client that connects, sends, receives and
closes, each side closing first, resets, TIME_WAIT reopen), in the formats
fuzz-tcp.c and fuzz-lua.c decode.  Run from the repository's root."""
import os, struct

def u16(v): return struct.pack(">H", v & 0xffff)
def u32(v): return struct.pack(">I", v & 0xffffffff)

SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10

def user(op, slot, arg=0):
    b = bytes([64 + op, slot])
    return b if op == 0 else b + u16(arg)

def seg(flags, near=True, seq=0, ack=0, length=0, opts=0x09, win=65535, real=False):
    mode = 3 | (4 if near else 0) | (8 if real else 0)
    b = bytes([0, mode, flags])
    b += bytes([seq & 0xff, ack & 0xff]) if near else u32(seq) + u32(ack)
    b += u16(win) + bytes([opts]) + u16(1460) + bytes([7]) + u32(1000) + u32(0) + u16(length)
    if real: b += bytes(range(min(length, 64)))
    return b

def wait(ms=0, s=0):
    return bytes([209]) + u16(s) if s else bytes([208]) + u16(ms)

server = user(0, 0) + user(1, 0, 0) + user(2, 0, 2)
handshake = seg(SYN, near=False, seq=1000, ack=0) + seg(ACK) + user(3, 0, 0)
seeds = {
    "server-closes-first": server + handshake + seg(ACK | PSH, length=7, real=True)
        + user(6, 1, 100) + user(5, 1, 1001) + user(8, 1) + wait(10) + seg(ACK)
        + seg(FIN | ACK) + wait(s=61),
    "client-closes-first": server + handshake + seg(FIN | ACK) + user(6, 1, 100)
        + user(8, 1) + wait(10) + seg(ACK) + wait(s=1),
    "client-connects": user(0, 2) + user(4, 2, 0) + seg(SYN | ACK, near=True)
        + user(5, 2, 3000) + wait(1) + seg(ACK) + user(8, 2) + seg(ACK) + seg(FIN | ACK)
        + wait(s=61),
    "reset": server + handshake + seg(RST) + user(6, 1, 10) + user(8, 1),
    "syn-to-closed-port": seg(SYN, near=False, seq=5, ack=0) + wait(5),
    "linger-abort": server + handshake + user(9, 1, 0 << 2 | 0) + user(8, 1),
    "retransmit": user(0, 2) + user(4, 2, 0) + wait(s=3) + wait(s=30) + user(10, 2),
    "time-wait-reopen": server + handshake + user(8, 1) + seg(ACK) + seg(FIN | ACK)
        + wait(100) + seg(SYN, near=False, seq=900000, ack=0),
    "settings": bytes([200, 0, 201, 2, 203, 4]) + server + handshake + user(7, 1, 2),
}
# Two stacks (mode bit 0): a server on b (sockets 4-7), a client on a.
pair = (user(0, 4) + user(1, 4, 0) + user(2, 4, 2) + user(0, 0) + user(4, 0, 0)
        + wait(10) + user(3, 4, 0))
two = {
    "two-client-closes-first": bytes([1]) + pair + user(5, 0, 4000) + wait(20)
        + user(6, 5, 4999) + user(8, 0) + wait(20) + user(8, 5) + wait(s=61),
    "two-server-closes-first": bytes([1]) + pair + user(5, 0, 101) + wait(20)
        + user(8, 5) + wait(20) + user(6, 0, 100) + user(8, 0) + wait(s=61),
    "two-lossy-chaos": bytes([1 | 6 << 1 | 2 << 4]) + bytes([0, 16, 0x55]) + pair
        + user(5, 0, 19000) + wait(s=2) + bytes([0, 16, 0]) + wait(s=5)
        + user(8, 0) + user(8, 5) + wait(s=61),
    "two-simultaneous-open": bytes([1]) + user(0, 0) + user(1, 0, 2) + user(0, 4)
        + user(1, 4, 2) + user(4, 0, 0 | 2 << 2) + user(4, 4, 0 | 2 << 2) + wait(s=3),
}
os.makedirs("tests/fuzz/corpus/tcp", exist_ok=True)
for name, data in seeds.items():
    open(f"tests/fuzz/corpus/tcp/{name}", "wb").write(bytes([0]) + data)   # raw mode
for name, data in two.items():
    open(f"tests/fuzz/corpus/tcp/{name}", "wb").write(data)

# lua: one byte per call, one per argument: indexes into fuzz-lua.c's
# tables, looked up here by their C text so that the seeds follow the file.
import re
src = open("tests/fuzz/fuzz-lua.c").read()
lit = r'"(?:[^"\\]|\\.)*"'
vblock = src[src.index("values[] = {"):src.index("};", src.index("values[] = {"))]
values = re.findall(lit, vblock)
cblock = src[src.index("calls[] = {"):src.index("};", src.index("calls[] = {"))]
calls = [m for m in re.findall(r'\{ (' + lit + r'), \d \}', cblock)]
def enc(*steps):
    out = []
    for call, *args in steps:
        out.append(calls.index('"' + call + '"'))
        out.extend(values.index('"' + a + '"') for a in args)
    return bytes(out)
def q(text):   # a Lua string literal as fuzz-lua.c's C source spells it
    return '\\"' + text + '\\"'
lua_seeds = {
    "server-client": enc(("s1:bind(%s, %s)", "80", "nil"), ("s1:listen(%s)", "2"),
        ("@local c = s1:accept(); if c then c:send(%s); c:close() end", "80"),
        ("@s2:connect(%s, %s)", q("10.0.0.2"), "80"), ("@s2:send(%s)", "65535"),
        ("@s2:recv(%s)", "nil"), ("s2:close()",), ("sim.run(%s)", "{until=" + q("1s") + "}"),
        ("h2:stats()",), ("h1:count(%s)", q("TIME_WAIT"))),
    "link-options": enc(("sim.link(%s, %s, %s)", "h1", "r1", "{loss=0.1}"),
        ("sim.link(%s, %s, %s)", "h2", "r1", "{loss={p=0.1,r=0.5}}"),
        ("sim.link(%s, %s, %s)", "h1", "h2", "{loss=2}"),
        ("L:drop(%s)", "function() return true end"),
        ("@s2:connect(%s, %s)", q("10.0.0.2"), "80"), ("L:stats()",)),
    "host-set": enc(("h1:set(%s)", "{time_wait=" + q("1s") + "}"),
        ("h2:set(%s)", "{port_range=" + q("5-1") + "}"),
        ("sim.host(%s, %s)", q("x"), "{addr=" + q("10.0.0.9") + "}"),
        ("sim.host(%s, %s)", q("x"), "nil"), ("sim.router(%s)", q("r")), ("h1:states()",)),
    "timers": enc(("sim.at(%s, %s)", "1", "function() end"),
        ("sim.every(%s, %s)", q("1ms"), "function() error(" + q("e") + ") end"),
        ("sim.on(%s, %s)", q("state"), "function() end"), ("@sim.sleep(%s)", "0.5"),
        ("sim.run(%s)", "nil")),
    "sockets": enc(("s1 = h2:socket()",), ("s2 = h1:socket()",), ("s1:bind(%s, %s)", "0", "80"),
        ("s1:listen(%s)", "1"), ("s2:setopt(%s, %s)", q("linger"), "0"),
        ("@s2:connect(%s, %s)", q("10.0.0.2"), "80"), ("@s1:accept()",),
        ("s2:shutdown(%s)", q("w")), ("s2:close()",), ("s1:state()",)),
    "bad-values": enc(("sim.host(%s, %s)", "0/0", "{}"), ("sim.sleep(%s)", "-1/0"),
        ("s1:bind(%s, %s)", "2^63", "65536"), ("@s2:send(%s)", "-1"), ("@s2:recv(%s)", "0"),
        ("sim.random(%s, %s)", "math.mininteger", "2^53"), ("%s:socket()", "io"),
        ("tostring(%s)", "setmetatable({}, {__index=function() error(" + q("i") + ") end})")),
}
os.makedirs("tests/fuzz/corpus/lua", exist_ok=True)
for name, data in lua_seeds.items():
    open(f"tests/fuzz/corpus/lua/{name}", "wb").write(data)
