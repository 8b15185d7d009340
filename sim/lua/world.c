/* The world of one run (see world.h). */
#include "world.h"
#include "run-check.h"
#include "net.h"
#include "simerror.h"
#include <lualib.h>
#include <string.h>

volatile sig_atomic_t sim_world_signal_received;

/* Lua's allocator, counting what the state holds so --max-memory (and the
 * sandbox's default cap) can refuse more: Lua then raises "not enough
 * memory", which the run reports as a limit. */
static void *
counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
  SimWorld *world = ud;
  gsize old = ptr ? osize : 0;
  if (nsize == 0) {
    free(ptr);
    world->lua_bytes -= old;
    return NULL;
  }
  gsize cap = world->opts->max_memory;
  if (cap && nsize > old && world->lua_bytes + (nsize - old) > cap) {
    world->limit = TRUE;
    sim_world_note_error(world, "memory limit reached (--max-memory)");
    return NULL;
  }
  void *p = realloc(ptr, nsize);
  if (p) world->lua_bytes = world->lua_bytes - old + nsize;
  return p;
}

/* Every few thousand VM instructions: stops a Lua loop that never yields
 * when the wall-clock limit passes or a signal arrives. */
static void
limit_hook(lua_State *L, lua_Debug *ar)
{
  SimWorld *world = sim_world_from_lua(L);
  if (!sim_world_poll_limits(world))
    sim_lua_limit_error(L, world->signal_number ? "interrupted by a signal"
                                                : "wall-clock limit reached (--timeout)");
}

gboolean
sim_world_poll_limits(SimWorld *world)
{
  if (sim_world_signal_received) {
    world->signal_number = sim_world_signal_received;
    world->limit = TRUE;
    return FALSE;
  }
  if (world->deadline_us && g_get_monotonic_time() >= world->deadline_us) {
    world->limit = TRUE;
    return FALSE;
  }
  return TRUE;
}

static gboolean
engine_poll(gpointer user)
{
  return sim_world_poll_limits(user);
}

SimWorld *
sim_world_new(const SimRunOptions *opts, GError **error)
{
  SimWorld *world = g_new0(SimWorld, 1);
  world->opts = opts;
  world->run.engine = sim_engine_new();
  world->run.scenario = opts->scenario;
  world->run.seed = opts->seed;
  world->run.check_every = opts->check;
  world->main_ctx.world = world;
  world->records = sim_records_new();
  for (int k = 0; k < SIM_OBSERVE_N; k++)
    world->observers[k] = g_array_new(FALSE, FALSE, sizeof(int));
  world->bindings = g_ptr_array_new_with_free_func(g_free);
  sim_rng_init_stream(&world->scenario_rng, opts->seed, "scenario");
  if (opts->timeout > 0)
    world->deadline_us = g_get_monotonic_time() + (gint64)(opts->timeout * 1e6);
  guint64 max_events = opts->max_events;
  if (opts->stop_at_event && (max_events == 0 || opts->stop_at_event < max_events))
    max_events = opts->stop_at_event;
  sim_engine_set_max_events(world->run.engine, max_events);
  sim_engine_set_poll(world->run.engine, engine_poll, world);
  world->check_state = sim_run_install_checks(&world->run);

  lua_State *L = lua_newstate(counting_alloc, world);
  if (L == NULL) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_RANGE, "cannot create the Lua state");
    sim_world_free(world);
    return NULL;
  }
  world->L = L;
  world->running_L = L;
  *(SimThreadCtx **)lua_getextraspace(L) = &world->main_ctx;
  luaL_openlibs(L);
  if (world->deadline_us || opts->sandbox)
    lua_sethook(L, limit_hook, LUA_MASKCOUNT, 10000);
  return world;
}

void
sim_world_free(SimWorld *world)
{
  if (world == NULL) return;
  world->closing = TRUE;
  /* The network before the engine (transports cancel their timers) and
   * before L (predicates hold Lua references). */
  net_world_free(world->run.net);
  world->run.net = NULL;
  g_ptr_array_free(world->bindings, TRUE);
  /* Pending events may hold Lua references: free them while L lives. */
  sim_engine_free(world->run.engine);
  world->run.engine = NULL;
  if (world->L) lua_close(world->L);
  for (int k = 0; k < SIM_OBSERVE_N; k++) g_array_free(world->observers[k], TRUE);
  sim_records_free(world->records);
  g_free(world->check_state);
  g_free(world->message);
  g_free(world);
}

void
sim_lua_newmetatable(lua_State *L, SimLuaType type, const char *tname)
{
  SimWorld *world = sim_world_from_lua(L);
  g_assert(world->metatables[type] == NULL);
  luaL_newmetatable(L, tname);
  world->metatables[type] = lua_topointer(L, -1);
  lua_pushvalue(L, -1);
  world->metatable_refs[type] = luaL_ref(L, LUA_REGISTRYINDEX);
}

void
sim_world_note_error(SimWorld *world, const char *msg)
{
  if (world->message) return;
  /* One line: the first line of what Lua said. */
  const char *nl = strchr(msg, '\n');
  world->message = nl ? g_strndup(msg, (gsize)(nl - msg)) : g_strdup(msg);
  world->message_event = sim_engine_events(world->run.engine);
  world->message_time = sim_engine_now(world->run.engine);
}

/* Pushes "file:line: " of the innermost Lua function on L's call stack:
 * the scenario line that made the bad call, even through pcall or another
 * C function. */
static gboolean
find_scenario_where(lua_State *from, lua_State *L)
{
  lua_Debug ar;
  for (int level = 1; lua_getstack(from, level, &ar); level++) {
    lua_getinfo(from, "Sl", &ar);
    if (ar.currentline > 0) {
      lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
      return TRUE;
    }
  }
  return FALSE;
}

/* A C function run as a coroutine's body (coroutine.wrap(sim.sleep)) has
 * no Lua caller on its own thread: the line is then the one that resumed
 * it, in the thread running when it was resumed. */
static void
push_scenario_where(lua_State *L)
{
  SimWorld *world = sim_world_from_lua(L);
  if (find_scenario_where(L, L)) return;
  if (world->running_L && world->running_L != L && find_scenario_where(world->running_L, L))
    return;
  if (world->L != L && find_scenario_where(world->L, L)) return;
  lua_pushliteral(L, "");
}

int
sim_lua_usage_error(lua_State *L, const char *fmt, ...)
{
  SimWorld *world = sim_world_from_lua(L);
  va_list ap;
  va_start(ap, fmt);
  char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  push_scenario_where(L);
  lua_pushstring(L, text);
  g_free(text);
  lua_concat(L, 2);
  world->invalid = TRUE;
  sim_world_note_error(world, lua_tostring(L, -1));
  lua_error(L);
  g_assert_not_reached();
}

int
sim_lua_usage_gerror(lua_State *L, GError *error)
{
  /* The message moves onto the Lua stack before the error is freed, so
   * nothing leaks when lua_error longjmps. */
  lua_pushstring(L, error->message);
  g_error_free(error);
  sim_lua_usage_error(L, "%s", lua_tostring(L, -1));
}

int
sim_lua_call_gerror(lua_State *L, const char *call, GError *error)
{
  lua_pushfstring(L, "%s: %s", call, error->message);
  g_error_free(error);
  sim_lua_usage_error(L, "%s", lua_tostring(L, -1));
}

int
sim_lua_limit_error(lua_State *L, const char *why)
{
  SimWorld *world = sim_world_from_lua(L);
  world->limit = TRUE;
  sim_world_note_error(world, why);
  luaL_error(L, "%s", why);
  g_assert_not_reached();
}

SimExit
sim_world_exit_status(const SimWorld *world)
{
  if (world->invalid) return SIM_EXIT_INVALID;
  if (world->limit) return SIM_EXIT_LIMIT;
  if (world->failed || world->message) return SIM_EXIT_FAILED;
  return SIM_EXIT_OK;
}

gboolean
sim_lua_call_ref(SimWorld *world, lua_State *L, int ref, int arg_index)
{
  gboolean was_in_observer = world->in_observer;
  world->in_observer = TRUE;
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  lua_pushvalue(L, arg_index);
  int status = lua_pcall(L, 1, 1, 0);
  world->in_observer = was_in_observer;
  if (status != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    world->failed = TRUE;
    sim_world_note_error(world, msg ? msg : "(error object is not a string)");
    sim_engine_stop(world->run.engine);
    lua_pop(L, 1);
    return FALSE;
  }
  gboolean truth = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return truth;
}

void
sim_lua_call_observers(SimWorld *world, SimObserveKind kind, int ev_index)
{
  lua_State *L = sim_world_lua(world);
  GArray *observers = world->observers[kind];
  for (guint i = 0; i < observers->len && !world->message; i++)
    sim_lua_call_ref(world, L, g_array_index(observers, int, i), ev_index);
}

void
sim_lua_check_option_keys(lua_State *L, int arg, const char *call, const char *const *allowed)
{
  /* lua_next's order changes from process to process: report the smallest
   * unknown key, so the message is the same on every run. */
  char *worst = NULL;
  lua_pushnil(L);
  while (lua_next(L, arg)) {
    lua_pop(L, 1);
    gboolean known = FALSE;
    if (lua_type(L, -1) == LUA_TSTRING)
      for (int i = 0; allowed[i] && !known; i++)
        known = strcmp(lua_tostring(L, -1), allowed[i]) == 0;
    if (known) continue;
    const char *name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "(not a string)";
    if (worst == NULL || strcmp(name, worst) < 0) {
      g_free(worst);
      worst = g_strdup(name);
    }
  }
  if (worst == NULL) return;
  lua_pushstring(L, worst);
  g_free(worst);
  sim_lua_usage_error(L, "%s: unknown option '%s'", call, lua_tostring(L, -1));
}

const char *
sim_lua_callee(lua_State *L)
{
  lua_Debug ar;
  if (lua_getstack(L, 0, &ar) && lua_getinfo(L, "n", &ar) && ar.name) return ar.name;
  return "?";
}

SimTime
sim_lua_check_duration(lua_State *L, int arg, const char *what)
{
  GError *error = NULL;
  SimTime t = 0;
  switch (lua_type(L, arg)) {
  case LUA_TNUMBER:
    if (!sim_time_from_seconds(lua_tonumber(L, arg), &t, &error))
      goto bad;
    return t;
  case LUA_TSTRING:
    if (!sim_time_parse(lua_tostring(L, arg), &t, &error))
      goto bad;
    return t;
  default:
    sim_lua_usage_error(L, "%s: expected a duration (seconds, or a string "
                        "like \"250ms\"), got %s", what, luaL_typename(L, arg));
  }
bad:
  lua_pushfstring(L, "%s: %s", what, error->message);
  g_error_free(error);
  sim_lua_usage_error(L, "%s", lua_tostring(L, -1));
}
