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
os.makedirs("tests/fuzz/corpus/tcp", exist_ok=True)
for name, data in seeds.items():
    open(f"tests/fuzz/corpus/tcp/{name}", "wb").write(data)

# lua: call index then argument indexes (fuzz-lua.c's tables).
lua_seeds = {
    "server-client": [26, 8, 27, 29, 25, 8, 28, 30, 20, 31, 8, 34, 21, 33],
    "link-options": [2, 59, 60, 44, 2, 59, 60, 46, 2, 59, 60, 47, 2, 59, 60, 48, 23],
    "host-set": [16, 51, 16, 50, 17, 52, 0, 20, 29, 0, 25, 43, 19, 18, 30],
    "timers": [4, 4, 55, 5, 6, 56, 6, 31, 55, 15, 21, 40, 52],
    "sockets": [45, 46, 24, 8, 0, 26, 5, 35, 36, 4, 32, 35, 33, 34, 37, 38],
    "bad-values": [0, 14, 14, 3, 0, 14, 13, 18, 29, 24, 9, 12, 35, 37, 0],
}
os.makedirs("tests/fuzz/corpus/lua", exist_ok=True)
for name, data in lua_seeds.items():
    open(f"tests/fuzz/corpus/lua/{name}", "wb").write(bytes(data))
