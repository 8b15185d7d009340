/* The `sim` table's own functions (see lsim.h and DESIGN.md, "Lua API"). */
#include "lsim.h"
#include "lnet.h"
#include <math.h>
#include <string.h>

/* sim.now() -> seconds of virtual time. */
static int
l_now(lua_State *L)
{
  lua_pushnumber(L, sim_time_to_seconds(sim_engine_now(sim_world_from_lua(L)->run.engine)));
  return 1;
}

/* The error object that unwinds the scenario at --stop-at-event. */
static const char stop_marker = 0;

gboolean
sim_lua_error_is_stop(lua_State *L, int idx)
{
  return lua_touserdata(L, idx) == (void *)&stop_marker;
}

/* Whether the engine stopped because event --stop-at-event has fired (and
 * not because of a signal, the wall clock or --max-events). */
static gboolean
at_stop_event(SimWorld *world)
{
  guint64 n = world->opts->stop_at_event;
  return n && sim_engine_events(world->run.engine) == n && !world->signal_number &&
         (!world->deadline_us || sim_world_poll_limits(world));
}

void
sim_lua_run(lua_State *L, SimTime until)
{
  SimWorld *world = sim_world_from_lua(L);
  /* A run that was stopped, or failed, does not go on: the scenario may
   * catch the error with pcall, but not run more events after it. */
  if (world->limit) sim_lua_limit_error(L, world->limit_why);
  if (world->stopped) {
    lua_pushlightuserdata(L, (void *)&stop_marker);
    lua_error(L);
  }
  if (world->message) {
    lua_pushstring(L, world->message);
    lua_error(L);
  }
  if (world->closing)
    sim_lua_argerror(L, "the run is over (called from a finalizer)");
  if (world->opts->until != SIM_TIME_MAX) until = world->opts->until;
  world->ran = TRUE;
  sim_lua_net_prepare(L);
  world->running = TRUE;
  SimRunEnd end = sim_engine_run(world->run.engine, until);
  world->running = FALSE;
  if (end == SIM_RUN_LIMIT && !world->message && at_stop_event(world)) {
    /* --stop-at-event: the run ends here, as if it had reached its end. */
    world->stopped = TRUE;
    lua_pushlightuserdata(L, (void *)&stop_marker);
    lua_error(L);
  }
  if (end == SIM_RUN_LIMIT && !world->limit)
    sim_world_set_limit(world, "event limit reached (--max-events)");
  if (world->message) {
    lua_pushstring(L, world->message);
    lua_error(L);
  }
}

static const char *const run_keys[] = { "until", NULL };

/* sim.run{until=d}: runs the simulation until time d (absolute), or until
 * no event is pending.  Only from the scenario's main chunk. */
static int
l_run(lua_State *L)
{
  SimWorld *world = sim_world_from_lua(L);
  SimTime until = SIM_TIME_MAX;
  if (sim_thread_ctx(L)->process || L != world->L)
    sim_lua_argerror(L, "call it from the scenario's main chunk, "
                     "not from a process or coroutine");
  if (world->running)
    sim_lua_argerror(L, "the simulation is already running");
  if (!lua_isnoneornil(L, 1)) {
    if (!lua_istable(L, 1))
      sim_lua_argerror(L, "expected a table like {until = \"60s\"}, got %s",
                       luaL_typename(L, 1));
    sim_lua_check_option_keys(L, 1, NULL, run_keys);
    if (lua_getfield(L, 1, "until") != LUA_TNIL)
      until = sim_lua_check_duration(L, lua_gettop(L), "until");
    lua_pop(L, 1);
  }
  sim_lua_run(L, until);
  return 0;
}

/* sim.param(name [, default]) -> the --set string, or default. */
static int
l_param(lua_State *L)
{
  SimWorld *world = sim_world_from_lua(L);
  if (lua_type(L, 1) != LUA_TSTRING)
    sim_lua_argerror(L, "expected a parameter name, got %s",
                     luaL_typename(L, 1));
  const char *name = lua_tostring(L, 1);
  /* What was read, so that a --set nobody read gets a warning (run.c). */
  if (!g_hash_table_contains(world->params_read, name))
    g_hash_table_add(world->params_read, g_strdup(name));
  const char *value = g_hash_table_lookup(world->opts->params, name);
  if (value) lua_pushstring(L, value);
  else lua_pushvalue(L, 2);
  return 1;
}

/* sim.random([m [, n]]): like math.random, from the scenario's own stream. */
static int
l_random(lua_State *L)
{
  SimRng *rng = &sim_world_from_lua(L)->scenario_rng;
  lua_Integer lo, hi;
  switch (lua_gettop(L)) {
  case 0:
    lua_pushnumber(L, sim_rng_uniform(rng));
    return 1;
  case 1:
    lo = 1;
    if (!lua_isinteger(L, 1))
      sim_lua_argerror(L, "expected an integer bound");
    hi = lua_tointeger(L, 1);
    break;
  case 2:
    if (!lua_isinteger(L, 1) || !lua_isinteger(L, 2))
      sim_lua_argerror(L, "expected integer bounds");
    lo = lua_tointeger(L, 1);
    hi = lua_tointeger(L, 2);
    break;
  default:
    sim_lua_argerror(L, "takes at most 2 arguments");
  }
  if (lo > hi)
    sim_lua_argerror(L, "interval is empty (%lld > %lld)",
                     (long long)lo, (long long)hi);
  uint64_t span = (uint64_t)hi - (uint64_t)lo;
  uint64_t draw = span == UINT64_MAX ? sim_rng_next(rng) : sim_rng_below(rng, span + 1);
  lua_pushinteger(L, (lua_Integer)((uint64_t)lo + draw));
  return 1;
}

/* sim.seed() -> the run's seed. */
static int
l_seed(lua_State *L)
{
  lua_pushinteger(L, (lua_Integer)sim_world_from_lua(L)->opts->seed);
  return 1;
}

/* sim.assert(cond [, msg]): fails the run (exit 1) when cond is false or
 * nil; otherwise returns cond. */
static int
l_assert(lua_State *L)
{
  if (lua_isnone(L, 1)) sim_lua_argerror(L, "expected a condition as argument 1, got no value");
  if (lua_toboolean(L, 1)) {
    lua_settop(L, 1);
    return 1;
  }
  const char *msg = lua_isnoneornil(L, 2) ? "assertion failed"
                                          : luaL_tolstring(L, 2, NULL);
  return luaL_error(L, "%s", msg);
}

/* Joins the arguments from `first` with single spaces. */
static const char *
join_args(lua_State *L, int first)
{
  luaL_Buffer b;
  int n = lua_gettop(L);
  luaL_buffinit(L, &b);
  for (int i = first; i <= n; i++) {
    if (i > first) luaL_addchar(&b, ' ');
    luaL_tolstring(L, i, NULL);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  return lua_tostring(L, -1);
}

/* sim.log(...): prints "<time> <message>" on stdout and traces a "log"
 * record. */
static int
l_log(lua_State *L)
{
  SimWorld *world = sim_world_from_lua(L);
  SimTime now = sim_engine_now(world->run.engine);
  gsize len;
  join_args(L, 1);
  const char *msg = lua_tolstring(L, -1, &len);
  char buf[SIM_TIME_BUF];
  fprintf(world->text, "%s ", sim_time_format(now, buf));
  fwrite(msg, 1, len, world->text);
  fputc('\n', world->text);
  if (sim_trace_wants(world->out.trace, now)) {
    sim_trace_begin(world->out.trace, now, "log", NULL);
    sim_trace_strn(world->out.trace, "msg", msg, len);
    sim_trace_end(world->out.trace);
  }
  return 0;
}

/* sim.record(name, value): a scenario's own figure, traced as a "record"
 * record, written as a row of --records-csv, and kept in the world's
 * records (every value, for the summary's distribution; the last, which
 * `twsim run --records` writes for sweeps). */
static int
l_record(lua_State *L)
{
  SimWorld *world = sim_world_from_lua(L);
  if (lua_type(L, 1) != LUA_TSTRING)
    sim_lua_argerror(L, "expected a name, got %s", luaL_typename(L, 1));
  if (lua_type(L, 2) != LUA_TNUMBER)
    sim_lua_argerror(L, "expected a number as value, got %s",
                     luaL_typename(L, 2));
  gsize len;
  const char *name = lua_tolstring(L, 1, &len);
  if (!sim_records_name_ok(name, len))
    sim_lua_argerror(L, "a name must be non-empty UTF-8, without control characters");
  if (!isfinite(lua_tonumber(L, 2)))
    sim_lua_argerror(L, "the value must be a finite number");
  sim_records_set(world->records, name, lua_tonumber(L, 2));
  SimTime now = sim_engine_now(world->run.engine);
  sim_writers_record(&world->out, now, name, lua_tonumber(L, 2));
  if (sim_trace_wants(world->out.trace, now)) {
    sim_trace_begin(world->out.trace, now, "record", NULL);
    sim_trace_str(world->out.trace, "name", lua_tostring(L, 1));
    sim_trace_num(world->out.trace, "value", lua_tonumber(L, 2));
    sim_trace_end(world->out.trace);
  }
  return 0;
}

/* print(...): Lua's print, to the world's text stream (stderr when stdout
 * carries a capture). */
static int
l_print(lua_State *L)
{
  FILE *text = sim_world_from_lua(L)->text;
  int n = lua_gettop(L);
  for (int i = 1; i <= n; i++) {
    gsize len;
    const char *s = luaL_tolstring(L, i, &len);
    if (i > 1) fputc('\t', text);
    fwrite(s, 1, len, text);
    lua_pop(L, 1);
  }
  fputc('\n', text);
  fflush(text);       /* as Lua's print does */
  return 0;
}

static const char *const observe_names[SIM_OBSERVE_N + 1] = { "state", "segment", NULL };

/* sim.on(name, fn): calls fn(ev) on every event of that kind. */
static int
l_on(lua_State *L)
{
  SimWorld *world = sim_world_from_lua(L);
  int k = sim_lua_checkoption(L, 1, NULL, observe_names, "event");
  if (!lua_isfunction(L, 2)) sim_lua_typeerror(L, 2, "a function");
  lua_pushvalue(L, 2);
  int ref = luaL_ref(L, LUA_REGISTRYINDEX);
  g_array_append_val(world->observers[k], ref);
  if (k == SIM_OBSERVE_SEGMENT) sim_lua_net_update_observer(world);
  return 0;
}

static const luaL_Reg sim_functions[] = {
  { "now", l_now },
  { "run", l_run },
  { "param", l_param },
  { "random", l_random },
  { "seed", l_seed },
  { "assert", l_assert },
  { "log", l_log },
  { "record", l_record },
  { "on", l_on },
  { NULL, NULL },
};

void
sim_lua_sim_open(lua_State *L)
{
  lua_pushcfunction(L, l_print);
  lua_setglobal(L, "print");
  luaL_newlib(L, sim_functions);
}
