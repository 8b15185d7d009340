-- s:recv returns the bytes received, whether or not they are the same as
-- the last ones it returned: the server answers each one-byte request
-- with the next payload of a list in which several repeat, differ from
-- the one before only in their last byte, or are longer than what recv
-- keeps; the client reads each answer whole and compares it with what was
-- sent.  With the debug library (not under --sandbox), the string recv
-- keeps is replaced behind its back by values of other types on the way.
local a = sim.host("a", { addr = "10.0.0.1" })
local b = sim.host("b", { addr = "10.0.0.2" })
sim.link(a, b, { delay = "1ms" })

local x100 = string.rep("x", 100)
local payloads = {
  x100, x100, string.rep("x", 99) .. "y", x100, string.rep("\0", 100),
  100,                                  -- s:send(100): 100 zero bytes
  string.rep("\0", 100), string.rep("x", 41), string.rep("x", 40), string.rep("x", 41),
  string.rep("z", 1024), string.rep("z", 1024), string.rep("z", 1025), string.rep("z", 1025),
  string.rep("x", 100), "",             -- "" stands for the server's close
}
local function expected(p)
  return type(p) == "number" and string.rep("\0", p) or p
end

sim.spawn(function()
  local ls = b:socket()
  ls:bind(80)
  ls:listen(1)
  local c = ls:accept()
  for _, p in ipairs(payloads) do
    c:recv(1)
    if p == "" then break end
    c:send(p)
  end
  c:close()
end)

sim.spawn(function()
  local s = a:socket()
  assert(s:connect("10.0.0.2", 80))
  local same, odd = 0, { {}, 42, true }
  for i, p in ipairs(payloads) do
    if debug and debug.setupvalue and i % 4 == 0 then
      debug.setupvalue(s.recv, 1, odd[i // 4 % 3 + 1])
    end
    s:send("?")
    local want, got = expected(p), {}
    local n = 0
    repeat
      local piece = s:recv(#want > 0 and #want - n or nil)
      got[#got + 1] = piece
      n = n + #piece
    until n >= #want or piece == ""
    if table.concat(got) == want then same = same + 1
    else print(string.format("payload %d: got %d bytes, not as sent", i, n)) end
  end
  print(string.format("recv-same-bytes: %d of %d payloads as sent", same, #payloads))
  s:close()
end)

sim.run{}
