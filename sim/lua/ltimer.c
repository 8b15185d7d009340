/* The twsim.Timer type: what sim.at(t, fn) and sim.every(d, fn) return.
 * Each firing runs fn as a new process, so it may block.  A cancelled timer
 * stays a valid object: cancel() again returns false. */
#include "ltimer.h"
#include "process.h"

#define TIMER_MT "twsim.Timer"

typedef struct {
  SimWorld  *world;
  SimEventId event;      /* next firing, 0 once cancelled or done */
  SimTime    interval;   /* 0 for a one-shot sim.at */
  int        fn_ref;     /* the function, while the timer is live */
  int        self_ref;   /* keeps the userdata alive while it is pending */
} SimTimer;

static SimTimer *
check_timer(lua_State *L, int arg)
{
  SimTimer *t = sim_lua_testudata(L, arg, SIM_LUA_TIMER);
  if (t == NULL)
    sim_lua_argerror(L, "expected a timer (from sim.at or sim.every) as argument "
                     "%d, got %s (call methods with a colon: t:cancel())",
                     arg, luaL_typename(L, arg));
  return t;
}

static void
timer_release(SimTimer *t)
{
  sim_lua_unref(t->world, t->fn_ref);
  sim_lua_unref(t->world, t->self_ref);
  t->fn_ref = t->self_ref = LUA_NOREF;
  t->event = 0;
}

/* Starts the timer's function as a process (protected: it makes a Lua
 * thread, which may fail). */
static int
spawn_timer_fn(lua_State *L)
{
  SimTimer *t = lua_touserdata(L, 1);
  lua_rawgeti(L, LUA_REGISTRYINDEX, t->fn_ref);
  sim_process_spawn(t->world, L, lua_gettop(L), sim_engine_now(t->world->run.engine));
  return 1;
}

static void
on_timer(SimEngine *engine, gpointer data)
{
  SimTimer *t = data;
  lua_State *L = t->world->L;
  t->event = 0;
  /* A finished process is reused without a protected call (about 600
   * instructions a firing); making a new one may raise. */
  if (sim_process_spawn_ref(t->world, t->fn_ref, sim_engine_now(engine)) == NULL &&
      sim_lua_protected_push(t->world, L, spawn_timer_fn, t))
    lua_pop(L, 1);
  if (t->interval > 0 && sim_engine_now(engine) <= SIM_TIME_MAX - t->interval)
    t->event = sim_engine_schedule_in(engine, t->interval, on_timer, t, NULL);
  else
    timer_release(t);
}

static int
push_timer(lua_State *L, SimTime first, SimTime interval, int fn_index)
{
  SimWorld *world = sim_world_from_lua(L);
  SimTimer *t = lua_newuserdatauv(L, sizeof(SimTimer), 0);
  t->world = world;
  t->interval = interval;
  sim_lua_setmetatable(L, SIM_LUA_TIMER);
  lua_pushvalue(L, fn_index);
  t->fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, -1);
  t->self_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  t->event = sim_engine_schedule(world->run.engine, first, on_timer, t, NULL);
  return 1;
}

/* sim.at(t, fn): runs fn as a process at absolute time t (>= now). */
static int
l_at(lua_State *L)
{
  SimWorld *world = sim_world_from_lua(L);
  SimTime at = sim_lua_check_duration(L, 1, "time");
  if (!lua_isfunction(L, 2))
    sim_lua_typeerror(L, 2, "a function");
  if (at < sim_engine_now(world->run.engine))
    sim_lua_argerror(L, "time %f s is in the past (now %f s)",
                     sim_time_to_seconds(at),
                     sim_time_to_seconds(sim_engine_now(world->run.engine)));
  return push_timer(L, at, 0, 2);
}

/* sim.every(d, fn): runs fn as a process every d (> 0), first at now + d. */
static int
l_every(lua_State *L)
{
  SimWorld *world = sim_world_from_lua(L);
  SimTime d = sim_lua_check_duration(L, 1, "interval");
  if (!lua_isfunction(L, 2))
    sim_lua_typeerror(L, 2, "a function");
  if (d <= 0)
    sim_lua_argerror(L, "interval must be positive");
  SimTime now = sim_engine_now(world->run.engine);
  if (d > SIM_TIME_MAX - now)
    sim_lua_argerror(L, "interval is too large");
  return push_timer(L, now + d, d, 2);
}

/* timer:cancel() -> true if it was pending, false if already done. */
static int
timer_cancel(lua_State *L)
{
  SimTimer *t = check_timer(L, 1);
  if (t->event == 0) {
    lua_pushboolean(L, 0);
    return 1;
  }
  sim_engine_cancel(t->world->run.engine, t->event);
  timer_release(t);
  lua_pushboolean(L, 1);
  return 1;
}

/* timer:pending() -> whether it will fire again. */
static int
timer_pending(lua_State *L)
{
  lua_pushboolean(L, check_timer(L, 1)->event != 0);
  return 1;
}

static int
timer_tostring(lua_State *L)
{
  SimTimer *t = check_timer(L, 1);
  lua_pushstring(L, t->event ? "timer (pending)" : "timer (done)");
  return 1;
}

static const luaL_Reg timer_methods[] = {
  { "cancel", timer_cancel },
  { "pending", timer_pending },
  { NULL, NULL },
};

static const luaL_Reg timer_metamethods[] = {
  { "__tostring", timer_tostring },
  { "__index", NULL },
  { NULL, NULL },
};

static const luaL_Reg timer_functions[] = {
  { "at", l_at },
  { "every", l_every },
  { NULL, NULL },
};

void
sim_lua_timer_open(lua_State *L)
{
  sim_lua_newmetatable(L, SIM_LUA_TIMER, TIMER_MT);
  luaL_setfuncs(L, timer_metamethods, 0);
  luaL_newlibtable(L, timer_methods);
  luaL_setfuncs(L, timer_methods, 0);
  sim_lua_guard_methods(L, -1, "t:");
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_setfuncs(L, timer_functions, 0);
}
