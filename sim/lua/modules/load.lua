-- twsim.load: load as users make it (docs/load.md).
--
--   local load = require("twsim.load")
--   load.server{ host = server, port = 80 }
--   load.open_loop{ from = client, to = server, port = 80, rate = 2000,
--                   duration = "60s", closer = "client" }
--
-- Clients and servers speak a small framed protocol, so that keep-alive
-- connections carry several requests: a request starts with the line
-- "TWL <request bytes> <response bytes> <close>\n" and is padded to its
-- size; the server answers with that many bytes, then closes the
-- connection if <close> is 1 (the server closes first) or waits for the
-- next request.  A client that closes first sends 0 there and closes after
-- its last response.
--
-- Every random draw comes from sim.random(), the scenario's own stream,
-- so a run is the same for the same seed.  Shipped with twsim and loaded
-- from inside it: require works for it under --sandbox too.
local internal = ...  -- usage_error(msg), seconds(duration, what), is_host(v), serve_plain
local usage_error, seconds = internal.usage_error, internal.seconds

local load = {}

-- ---- argument checks ----------------------------------------------------

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

-- opts must be a table whose keys are all in `known` (a set); `required`
-- lists the keys it must have.
local function check_keys(call, opts, known, required)
  if type(opts) ~= "table" then
    usage_error(string.format("%s: expected a table of options, got %s", call, type(opts)))
  end
  for k in pairs(opts) do
    if type(k) ~= "string" or not known[k] then
      usage_error(string.format("%s: unknown option '%s' (options: %s)", call, tostring(k),
                                table.concat(sorted_keys(known), ", ")))
    end
  end
  for _, k in ipairs(required) do
    if opts[k] == nil then usage_error(string.format("%s: %s is required", call, k)) end
  end
end

local function set_of(list)
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  return s
end

local function check_host(call, key, v)
  if not internal.is_host(v) then
    usage_error(string.format("%s: %s: expected a host (from sim.host), got %s", call, key,
                              type(v)))
  end
  return v
end

-- A destination: a host (its first address) or an address string.
local function check_dest(call, key, v)
  if type(v) == "string" then return v end
  return check_host(call, key, v):addr()
end

local function check_number(call, key, v, min, max, integer)
  if type(v) ~= "number" or v ~= v then
    usage_error(string.format("%s: %s: expected a number, got %s", call, key, type(v)))
  end
  if integer and math.type(v) ~= "integer" and v ~= math.floor(v) then
    usage_error(string.format("%s: %s: expected a whole number, got %s", call, key, v))
  end
  if v < min or (max and v > max) then
    usage_error(string.format("%s: %s: %.10g is outside [%.10g, %s]", call, key, v, min,
                              max and string.format("%.10g", max) or "inf"))
  end
  return v
end

-- A distribution of sizes (bytes) or durations (seconds): a constant, or
-- {exp = mean}, {uniform = {low, high}}, or a function returning one.
-- Returns a function drawing one value.
local function check_dist(call, key, v, is_duration)
  local function value(x, what)
    if is_duration then
      if type(x) ~= "number" and type(x) ~= "string" then
        usage_error(string.format("%s: %s: expected a duration, got %s", call, what, type(x)))
      end
      return seconds(x, call .. ": " .. what)
    end
    return check_number(call, what, x, 0, 1 << 40)
  end
  if type(v) == "function" then
    return function()
      local x = v()
      if type(x) ~= "number" or x ~= x or x < 0 then
        usage_error(string.format("%s: %s: the function returned %s, not a number >= 0",
                                  call, key, tostring(x)))
      end
      return x
    end
  elseif type(v) == "table" then
    check_keys(call .. ": " .. key, v, set_of{ "exp", "uniform" }, {})
    if v.exp ~= nil then
      local mean = value(v.exp, key .. ".exp")
      return function() return -mean * math.log(1 - sim.random()) end
    elseif type(v.uniform) == "table" and #v.uniform == 2 then
      local lo, hi = value(v.uniform[1], key .. ".uniform[1]"), value(v.uniform[2], key .. ".uniform[2]")
      if lo > hi then
        usage_error(string.format("%s: %s.uniform: %s is above %s", call, key, lo, hi))
      end
      return function() return lo + (hi - lo) * sim.random() end
    end
    usage_error(string.format("%s: %s: expected {exp = MEAN} or {uniform = {LOW, HIGH}}",
                              call, key))
  end
  local x = value(v, key)
  return function() return x end
end

local function check_closer(call, v)
  if v ~= "client" and v ~= "server" then
    usage_error(string.format("%s: closer: expected \"client\" or \"server\", got %s", call,
                              tostring(v)))
  end
  return v
end

-- ---- the protocol -------------------------------------------------------

local function bytes(x) return math.max(0, math.floor(x + 0.5)) end

-- Sends one request asking for `resp` bytes back, in one write (two would
-- meet Nagle's algorithm and the peer's delayed ACK, as they do in real
-- stacks); returns its size on the wire, or nil, err.
local function send_request(s, req, resp, close)
  local flag = close and 1 or 0
  local head = string.format("TWL %d %d %d\n", req, resp, flag)
  if req < #head then                  -- the request is at least its header
    req = #head
    head = string.format("TWL %d %d %d\n", req, resp, flag)
    req = #head
  end
  local ok, err = s:send(head .. string.rep(".", req - #head))
  if not ok then return nil, err end
  return req
end

-- Reads `n` bytes; true, or nil and an error ("EOF" when the peer closed).
local function read_bytes(s, n)
  while n > 0 do
    local data, err = s:recv()
    if data == nil then return nil, err end
    if data == "" then return nil, "EOF" end
    n = n - #data
  end
  return true
end

-- The server side of one connection: a buffer of what arrived and not yet
-- parsed.  Returns the next request's (size, response size, close), or
-- nil at EOF or on an error.
local function next_request(c, pending)
  while true do
    local nl = pending.data:find("\n", 1, true)
    if nl then
      local req, resp, close = pending.data:match("^TWL (%d+) (%d+) ([01])\n")
      if not req then return nil end                 -- not our protocol: drop it
      req, resp = tonumber(req), tonumber(resp)
      local have = #pending.data
      if have >= req then
        pending.data = pending.data:sub(req + 1)
        return req, resp, close == "1"
      end
      local ok = read_bytes(c, req - have)
      if not ok then return nil end
      pending.data = ""
      return req, resp, close == "1"
    end
    local data = c:recv()
    if data == nil or data == "" then return nil end
    pending.data = pending.data .. data
  end
end

local server_keys = set_of{ "host", "port", "backlog", "max_requests", "response", "closer" }

-- Accepts on ls for ever, one process per connection, which serves the
-- protocol: requests until the client's last, or max_requests.
local function framed_accept_loop(ls, max_requests)
  while true do
    local c = ls:accept()
    if not c then return end
    sim.spawn(function()
      local pending, served = { data = "" }, 0
      while true do
        local _, resp, close = next_request(c, pending)
        if not resp then break end
        served = served + 1
        if resp > 0 and not c:send(resp) then break end
        if close or (max_requests and served >= max_requests) then break end
      end
      c:close()
    end)
  end
end

-- load.server{host, port [, backlog] [, max_requests]}: serves the protocol
-- on host:port, one process per connection.  max_requests closes a
-- connection after that many (the server then closes first), as nginx's
-- keepalive_requests does.  Returns the listening socket.
--
-- load.server{host, port [, backlog], response [, closer]}: a plain server
-- for clients that do not speak the protocol (served in C, see below); closer is
-- "server" (the default) or "client".  It binds and listens from its own
-- process when the run starts, as a server written out in a scenario
-- does, and returns nothing.
function load.server(opts)
  local call = "load.server"
  check_keys(call, opts, server_keys, { "host", "port" })
  local host = check_host(call, "host", opts.host)
  local port = check_number(call, "port", opts.port, 1, 65535, true)
  local backlog = check_number(call, "backlog", opts.backlog or 128, 1, 1 << 20, true)
  local max_requests = opts.max_requests and
    check_number(call, "max_requests", opts.max_requests, 1, nil, true)
  if opts.response ~= nil or opts.closer ~= nil then
    if max_requests then
      usage_error(call .. ": max_requests is for the protocol, not with response")
    end
    if opts.response == nil then usage_error(call .. ": closer needs response") end
    local response = check_number(call, "response", opts.response, 0, 1 << 40, true)
    local client_closes = check_closer(call, opts.closer or "server") == "client"
    sim.spawn(function()
      local ls = host:socket()
      local ok, err = ls:bind(port)
      if not ok then usage_error(string.format("%s: cannot bind port %d: %s", call, port, err)) end
      ls:listen(backlog)
      -- From here twsim serves ls in C, as this loop would:
      --   while true do
      --     local c = ls:accept()
      --     if not c then return end
      --     sim.spawn(function()
      --       local req = c:recv()
      --       if response > 0 then c:send(response) end
      --       if client_closes and req ~= "" then c:recv() end
      --       c:close()
      --     end)
      --   end
      -- with the same calls at the same instants, and no Lua run for a
      -- connection (sim/lua/plain-server.h).
      internal.serve_plain(ls, response, client_closes)
    end)
    return
  end
  local ls = host:socket()
  local ok, err = ls:bind(port)
  if not ok then usage_error(string.format("%s: cannot bind port %d: %s", call, port, err)) end
  ls:listen(backlog)
  sim.spawn(function() framed_accept_loop(ls, max_requests) end)
  return ls
end

-- ---- clients ------------------------------------------------------------

-- Counters a generator keeps (g.stats(): started, connected, failed,
-- requests, completed, errors by name, and a pool's open_peak); with a name, every connect time
-- and response time is also recorded with sim.record, as NAME.connect_time
-- and NAME.response_time.
local function new_stats(name)
  return { name = name, started = 0, connected = 0, failed = 0, requests = 0,
           completed = 0, errors = {} }
end

local function count_error(st, err)
  st.failed = st.failed + 1
  st.errors[err] = (st.errors[err] or 0) + 1
end

local function record(st, what, value)
  if st.name then sim.record(st.name .. "." .. what, value) end
end

-- One connection: connect, `n` requests with think time between them,
-- then close as `closer` says.  Returns nothing; counts in st.
local function one_connection(p, st)
  st.started = st.started + 1
  local s = p.from:socket()
  local t0 = sim.now()
  local ok, err = s:connect(p.to, p.port)
  if not ok then
    count_error(st, err)
    s:close()
    return
  end
  st.connected = st.connected + 1
  record(st, "connect_time", sim.now() - t0)
  local n = p.requests()
  n = math.max(1, math.floor(n + 0.5))
  for i = 1, n do
    local last = i == n
    local t1 = sim.now()
    local resp = bytes(p.response())
    local sent, serr = send_request(s, bytes(p.request()), resp, last and p.closer == "server")
    if not sent then count_error(st, serr); break end
    local got, rerr = read_bytes(s, resp)
    if not got then count_error(st, rerr); break end
    st.requests = st.requests + 1
    record(st, "response_time", sim.now() - t1)
    if last then st.completed = st.completed + 1
    else
      local think = p.think()
      if think > 0 then sim.sleep(think) end
    end
  end
  if p.closer == "server" then s:recv() end          -- wait for the server's FIN
  s:close()
end

local client_keys = { "from", "to", "port", "duration", "count", "requests", "think",
                      "request", "response", "closer", "name", "start" }

-- The options every client generator shares, checked.
local function client_params(call, opts, extra)
  local known = set_of(client_keys)
  for _, k in ipairs(extra) do known[k] = true end
  check_keys(call, opts, known, { "from", "to", "port" })
  local p = {
    from = check_host(call, "from", opts.from),
    to = check_dest(call, "to", opts.to),
    port = check_number(call, "port", opts.port, 1, 65535, true),
    requests = check_dist(call, "requests", opts.requests or 1),
    think = check_dist(call, "think", opts.think or 0, true),
    request = check_dist(call, "request", opts.request or 100),
    response = check_dist(call, "response", opts.response or 100),
    closer = check_closer(call, opts.closer or "client"),
    start = seconds(opts.start or 0, call .. ": start"),
    name = opts.name,
  }
  if p.name ~= nil and (type(p.name) ~= "string" or p.name == "") then
    usage_error(string.format("%s: name: expected a non-empty string", call))
  end
  if opts.duration == nil and opts.count == nil then
    usage_error(string.format("%s: give duration or count", call))
  end
  p.until_time = opts.duration and p.start + seconds(opts.duration, call .. ": duration")
  p.count = opts.count and check_number(call, "count", opts.count, 0, nil, true)
  return p
end

local function stats_method(st)
  return function()
    local copy = {}
    for k, v in pairs(st) do copy[k] = v end
    copy.errors = {}
    for k, v in pairs(st.errors) do copy.errors[k] = v end
    return copy
  end
end

local function wait_start(p)
  if p.start > sim.now() then sim.sleep(p.start - sim.now()) end
end

-- Starts fn as a new process at each arrival of a Poisson process of
-- `rate` a second (exponential gaps from sim.random()), from p.start until
-- p.until_time or p.count arrivals.
local function poisson_arrivals(p, rate, fn)
  sim.spawn(function()
    wait_start(p)
    local n = 0
    while true do
      local gap = -math.log(1 - sim.random()) / rate
      if p.until_time and sim.now() + gap > p.until_time then break end
      sim.sleep(gap)
      n = n + 1
      if p.count and n > p.count then break end
      sim.spawn(fn)
    end
  end)
end

-- load.open_loop{from, to, port, rate, duration | count, ...}: new
-- connections arrive as a Poisson process of `rate` per second, whatever
-- happened to the earlier ones (an open system: a slow server does not
-- slow the arrivals).  Returns a generator: g.stats() -> counters.
function load.open_loop(opts)
  local call = "load.open_loop"
  local p = client_params(call, opts, { "rate" })
  if opts.rate == nil then usage_error(call .. ": rate is required") end
  local rate = check_number(call, "rate", opts.rate, 1e-9, 1e9)
  local st = new_stats(p.name)
  poisson_arrivals(p, rate, function() one_connection(p, st) end)
  return { stats = stats_method(st) }
end

-- load.closed_loop{from, to, port, users, think, duration | count, ...}:
-- `users` processes, each connecting, making its requests, closing,
-- thinking, and again (a closed system: a slow server slows them).
-- count is connections per user.
function load.closed_loop(opts)
  local call = "load.closed_loop"
  local p = client_params(call, opts, { "users", "user_think" })
  local users = check_number(call, "users", opts.users or 1, 1, 1 << 24, true)
  local user_think = check_dist(call, "user_think", opts.user_think or 0, true)
  local st = new_stats(p.name)
  for _ = 1, users do
    sim.spawn(function()
      wait_start(p)
      local n = 0
      while (not p.count or n < p.count) and (not p.until_time or sim.now() < p.until_time) do
        n = n + 1
        one_connection(p, st)
        local t = user_think()
        if t > 0 then sim.sleep(t) end
      end
    end)
  end
  return { stats = stats_method(st) }
end

-- load.pool{from, to, port, size, rate, duration | count, idle_timeout}:
-- requests arrive as a Poisson process and each takes a connection from a
-- pool of at most `size` kept-alive connections; when all are busy it
-- waits in a queue, and the next connection to finish a request serves
-- it.  A connection idle for idle_timeout is closed by the client, as
-- connection pools do: the pool's client closes first, always.
function load.pool(opts)
  local call = "load.pool"
  local p = client_params(call, opts, { "size", "rate", "idle_timeout" })
  if p.closer ~= "client" then usage_error(call .. ": closer: a pool's client closes") end
  if opts.rate == nil then usage_error(call .. ": rate is required") end
  local rate = check_number(call, "rate", opts.rate, 1e-9, 1e9)
  local size = check_number(call, "size", opts.size or 8, 1, 1 << 20, true)
  local idle = opts.idle_timeout and seconds(opts.idle_timeout, call .. ": idle_timeout")
  local st = new_stats(p.name)
  local idle_conns, open, queue = {}, 0, {}

  -- A connection that finished its request goes idle, closed after
  -- idle_timeout unless a request takes it first.
  local function park(conn)
    conn.idle_since = sim.now()
    idle_conns[#idle_conns + 1] = conn
    if not idle then return end
    local since = conn.idle_since
    sim.at(sim.now() + idle, function()
      for i, c in ipairs(idle_conns) do
        if c == conn and c.idle_since == since then
          table.remove(idle_conns, i)
          open = open - 1
          c.s:close()
          return
        end
      end
    end)
  end

  local function connect()
    st.started = st.started + 1
    local s = p.from:socket()
    local t0 = sim.now()
    local ok, err = s:connect(p.to, p.port)
    if not ok then
      count_error(st, err)
      s:close()
      return nil
    end
    st.connected = st.connected + 1
    record(st, "connect_time", sim.now() - t0)
    return { s = s }
  end

  -- Serves the request that arrived at `arrived` on conn, then the queued
  -- ones, each on the same connection; parks it when the queue is empty.
  local function serve(conn, arrived)
    while arrived do
      local resp = bytes(p.response())
      local sent, serr = send_request(conn.s, bytes(p.request()), resp, false)
      local got, rerr
      if sent then got, rerr = read_bytes(conn.s, resp) end
      if not got then
        count_error(st, sent and rerr or serr)
        open = open - 1
        conn.s:close()
        return
      end
      st.requests = st.requests + 1
      st.completed = st.completed + 1
      record(st, "response_time", sim.now() - arrived)
      arrived = table.remove(queue, 1)
    end
    park(conn)
  end

  local function on_request()
    local arrived = sim.now()
    local conn = table.remove(idle_conns)
    if conn then return serve(conn, arrived) end
    if open >= size then
      queue[#queue + 1] = arrived                 -- the next free connection takes it
      return
    end
    open = open + 1
    st.open_peak = math.max(st.open_peak or 0, open)
    conn = connect()
    if not conn then
      open = open - 1
      return
    end
    serve(conn, arrived)
  end

  poisson_arrivals(p, rate, on_request)
  return { stats = stats_method(st) }
end

return load
