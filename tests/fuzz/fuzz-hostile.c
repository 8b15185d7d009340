/* libFuzzer target: whole hostile scenarios.  Where fuzz-lua calls the API
 * with odd arguments, this one writes programs that turn Lua against the
 * simulator: coroutines resumed, closed and wrapped around blocking calls,
 * pcall and error objects with metatables, finalizers (__gc, __close) that
 * call twsim at any moment, including when the state closes, observers and
 * link:drop predicates that block, spawn, run or remove themselves, and
 * process threads captured and resumed from elsewhere.  Every statement
 * runs under pcall, and then forgive() (this target's own) clears the
 * run's first error, so the program and the simulation go on after an
 * error that would end a real run (a limit is never forgiven); the run is
 * bounded in events, virtual and wall-clock time and memory.  A crash, a
 * sanitizer report, an assertion or a leak is a finding; a clean error or
 * a stopped run is not.
 *
 * Input: byte 0 picks the sandbox (odd) or not; then one byte picks a
 * statement and one byte per slot picks a function for it.  With
 * TWSIM_FUZZ_PRINT set, the scenario is printed to stderr. */
#include "fuzz-world.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Functions a statement's slots take (Lua expressions). */
static const char *const functions[] = {
  "function() end",
  "function() sim.sleep(0.001) end",
  ("function() local s = B:socket(); s:bind(80); s:listen(4); local c = s:accept(); "
   "if c then c:recv(); c:close() end end"),
  "function() local s = A:socket(); s:connect('10.0.0.2', 80); s:send('x'); s:recv(); s:close() end",
  "function() coroutine.yield() end",
  "function() error('e') end",
  "function() error(setmetatable({}, { __tostring = function() error('t') end })) end",
  "function() L:drop(nil) end",
  "function() L:drop(function() return true end) end",
  "function() pcall(sim.run) end",
  "function() return coroutine.wrap(function() sim.sleep(1) end)() end",
  "function() P = coroutine.running() end",
  "function() pcall(coroutine.resume, P); pcall(coroutine.close, P) end",
  "function() for i = 1, 50 do pcall(error, i) end end",
  "function() sim.host('x' .. sim.random(100000), { addr = '10.1.' .. sim.random(250) .. '.' .. sim.random(250) }) end",
  "function() A:set{ rto_min = '1s', rto_max = '2s' } end",
  "function() sim.log('\\255\\0'); print('\\254') end",
  "function() setmetatable({}, { __gc = function() sim.now(); pcall(sim.run); A:socket() end }) end",
  "function() sim.spawn(function() sim.sleep(0.002); A:socket():connect('10.0.0.2', 81) end) end",
  "function() table.sort({ 3, 1, 2 }, function(x, y) sim.sleep(0.001); return x < y end) end",
  "function() local f = pairs({ a = 1 }); f('x'); f() end",
  "function() return sim.at(0.003, function() sim.sleep(0.001) end) end",
  "function() T = T or {}; T[#T + 1] = A:socket() end",
  "function() if T and T[1] then pcall(T[1].close, T[1]) end end",
  "function() local t = setmetatable({}, { __index = function() sim.sleep(0.001) end }); return t.x end",
  "function() string.gsub('abc', '%w', function() sim.sleep(0.001) end) end",
};

/* Statements, with the number of function slots each fills ("%s"). */
static const struct { const char *fmt; int nslots; } statements[] = {
  { "local co = coroutine.create(%s); coroutine.resume(co); coroutine.resume(co); coroutine.close(co)", 1 },
  { "setmetatable({}, { __gc = %s })", 1 },
  { "local x <close> = setmetatable({}, { __close = %s }); (%s)()", 2 },
  { "sim.on('state', %s)", 1 },
  { "sim.on('segment', %s)", 1 },
  { "L:drop(%s)", 1 },
  { "L:drop(nil)", 0 },
  { "sim.spawn(%s)", 1 },
  { "sim.spawn(function() pcall(%s); (%s)() end)", 2 },
  { "sim.at(0.001, %s)", 1 },
  { "sim.every(0.004, %s)", 1 },
  { "error(setmetatable({}, { __tostring = %s }))", 1 },
  { "coroutine.wrap(%s)()", 1 },
  { "pcall(coroutine.resume, P); pcall(coroutine.close, P)", 0 },
  { "sim.run{ ['until'] = sim.now() + 0.002 }", 0 },
  { "(%s)()", 1 },
  { "local t = setmetatable({}, { __index = %s, __tostring = %s }); tostring(t); local _ = t.k", 2 },
};

static const char prologue[] =
  "A = sim.host('a', { addr = '10.0.0.1' })\n"
  "B = sim.host('b', { addr = '10.0.0.2' })\n"
  "L = sim.link(A, B, { delay = '1ms' })\n"
  "sim.spawn(function() local s = B:socket(); s:bind(80); s:listen(8)\n"
  "  while true do local c = s:accept(); if not c then break end\n"
  "    sim.spawn(function() c:recv(); c:send(10); c:close() end) end end)\n";

/* forgive(): clears the run's first error (not a limit), so the scenario
 * and the engine go on past it. */
static int
forgive(lua_State *L)
{
  SimWorld *world = sim_world_from_lua(L);
  if (world->limit) return 0;
  world->invalid = world->failed = FALSE;
  g_clear_pointer(&world->message, g_free);
  return 0;
}

static char *
scenario_from(const uint8_t *data, size_t size)
{
  GString *lua = g_string_new(prologue);
  size_t i = 1;
  for (int n = 0; i < size && n < 48; n++) {
    guint st = data[i++] % G_N_ELEMENTS(statements);
    const char *slots[2] = { "function() end", "function() end" };
    for (int k = 0; k < statements[st].nslots; k++)
      if (i < size) slots[k] = functions[data[i++] % G_N_ELEMENTS(functions)];
    g_autofree char *stmt = g_strdup_printf(statements[st].fmt, slots[0], slots[1]);
    g_string_append_printf(lua, "pcall(function() %s end); forgive()\n", stmt);
  }
  g_string_append(lua, "pcall(sim.run, { ['until'] = '5s' }); forgive()\n"
                       "pcall(sim.run, { ['until'] = '10s' })\n");
  return g_string_free(lua, FALSE);
}

static void
add_forgive(lua_State *L)
{
  lua_register(L, "forgive", forgive);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autofree char *source = scenario_from(data, size);
  fuzz_run_scenario(source, "=hostile.lua", size > 0 && (data[0] & 1), add_forgive);
  return 0;
}
