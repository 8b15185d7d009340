/* libFuzzer target: the scenario API (sim, hosts, links, sockets) called
 * with arguments of every type and odd values.  The input is decoded into
 * a Lua scenario: a sequence of calls, each picked from a table of API
 * calls, with arguments picked from a pool of values (nil, booleans,
 * numbers at the edges, NaN, strings that are almost durations, addresses
 * and option names, tables, functions, hosts, links, sockets).  Calls that
 * block run inside processes.  Every call is made through pcall, so the
 * scenario goes on after a usage error; the run is bounded in events,
 * virtual time and memory.  The world is built as `twsim run` builds it
 * (sim_world_new), with the invariant checks on (--check).  Any crash,
 * assertion, broken invariant, sanitizer report or leak is a finding; a
 * clean error or a success is not.
 *
 * Input: one byte picks a call, then one byte per argument picks a value.
 * With TWSIM_FUZZ_PRINT set, the scenario is printed to stderr. */
#include "fuzz-world.h"
#include "lsim.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Values an argument may take (Lua expressions); hosts, links and sockets
 * come from the prologue below. */
static const char *const values[] = {
  "nil", "true", "false", "0", "1", "-1", "0.5", "2", "80", "65535", "65536",
  "-0.0", "1/0", "-1/0", "0/0", "2^53", "2^63", "-2^63", "math.mininteger",
  "\"\"", "\"x\"", "\"1ms\"", "\"-1s\"", "\"1e400s\"", "\"60s\"", "\"10.0.0.2\"",
  "\"10.0.0.256\"", "\"1.2.3\"", "\"linux\"", "\"bogus\"", "\"TIME_WAIT\"",
  "\"state\"", "\"segment\"", "\"r\"", "\"w\"", "\"rw\"", "\"linger\"",
  "\"reuseaddr\"", "\"1Gbps\"", "\"100-10\"", "\"32768-60999\"", "{}",
  "{1,2}", "{ab=1}", "{delay=\"1ms\"}", "{loss=0.1}", "{loss=2}",
  "{loss={p=0.1,r=0.5}}", "{loss={p=2}}", "{addr=\"10.0.0.9\"}",
  "{time_wait=\"1s\"}", "{port_range=\"5-1\"}", "{until=\"1s\"}",
  "{[\"until\"]=-1}", "{bogus=1}", "function() end",
  "function() return true end", "function() error(\"e\") end",
  "function() sim.sleep(\"1ms\") end", "h1", "h2", "r1", "L", "s1", "s2",
  "string.rep(\"a\", 3000)", "setmetatable({}, {__index=function() error(\"i\") end})",
  "coroutine.create(function() end)", "io", "sim",
};

/* Calls, with the number of arguments each takes from the pool.  "@"
 * marks a call that must run inside a process. */
static const struct { const char *fmt; int nargs; } calls[] = {
  { "sim.host(%s, %s)", 2 }, { "sim.router(%s)", 1 }, { "sim.link(%s, %s, %s)", 3 },
  { "sim.spawn(%s)", 1 }, { "sim.at(%s, %s)", 2 }, { "sim.every(%s, %s)", 2 },
  { "sim.on(%s, %s)", 2 }, { "sim.param(%s, %s)", 2 }, { "sim.random(%s, %s)", 2 },
  { "sim.record(%s, %s)", 2 }, { "sim.log(%s, %s)", 2 }, { "sim.assert(true, %s)", 1 },
  { "sim.now()", 0 }, { "sim.seed()", 0 }, { "sim.sleep(%s)", 1 },
  { "@sim.sleep(%s)", 1 }, { "h1:set(%s)", 1 }, { "h2:set(%s)", 1 },
  { "h1:count(%s)", 1 }, { "h1:states()", 0 }, { "h2:stats()", 0 },
  { "h1:socket()", 0 }, { "L:drop(%s)", 1 }, { "L:stats()", 0 },
  { "s1:bind(%s, %s)", 2 }, { "s2:bind(%s)", 1 }, { "s1:listen(%s)", 1 },
  { "@s1:accept()", 0 }, { "@s2:connect(%s, %s)", 2 }, { "@s2:send(%s)", 1 },
  { "@s2:recv(%s)", 1 }, { "@s1:recv(%s)", 1 }, { "s2:shutdown(%s)", 1 },
  { "s1:close()", 0 }, { "s2:close()", 0 }, { "s2:setopt(%s, %s)", 2 },
  { "s1:state()", 0 }, { "s2:addr()", 0 }, { "s2:peer()", 0 },
  { "tostring(%s)", 1 }, { "sim.run(%s)", 1 }, { "%s:socket()", 1 },
  { "%s:connect(%s, %s)", 3 }, { "%s:send(%s)", 2 },
  { "@local c = s1:accept(); if c then c:send(%s); c:close() end", 1 },
  { "s1 = h2:socket()", 0 }, { "s2 = h1:socket()", 0 },
};

static const char prologue[] =
  "local h1 = sim.host(\"a\", { addr = \"10.0.0.1\" })\n"
  "local h2 = sim.host(\"b\", { addr = \"10.0.0.2\" })\n"
  "local r1 = sim.router(\"r\")\n"
  "local L = sim.link(h1, h2, { delay = \"1ms\" })\n"
  "local s1, s2 = h2:socket(), h1:socket()\n"
  "local function try(f) pcall(f) end\n";

static char *
scenario_from(const uint8_t *data, size_t size)
{
  GString *lua = g_string_new(prologue);
  size_t i = 0;
  for (int n = 0; i < size && n < 64; n++) {
    guint c = data[i++] % G_N_ELEMENTS(calls);
    const char *args[3] = { "nil", "nil", "nil" };
    for (int a = 0; a < calls[c].nargs; a++)
      if (i < size) args[a] = values[data[i++] % G_N_ELEMENTS(values)];
    const char *fmt = calls[c].fmt;
    gboolean in_process = fmt[0] == '@';
    g_autofree char *call = g_strdup_printf(fmt + in_process, args[0], args[1], args[2]);
    if (in_process)
      g_string_append_printf(lua, "sim.spawn(function() try(function() %s end) end)\n", call);
    else
      g_string_append_printf(lua, "try(function() %s end)\n", call);
  }
  g_string_append(lua, "try(function() sim.run{ [\"until\"] = \"30s\" } end)\n");
  return g_string_free(lua, FALSE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autofree char *source = scenario_from(data, size);
  fuzz_run_scenario(source, "=fuzz.lua", FALSE, NULL);
  return 0;
}
