/* Processes as coroutines in virtual time (see process.h).
 *
 * A process that returns leaves its Lua thread finished and empty, which
 * lua_resume can start again with a new function: such processes wait in
 * world->idle_processes (at most PROCESS_IDLE_MAX) for the next spawn, so a
 * scenario that starts a process per connection does not make, anchor and
 * later collect a thread per connection.  A thread that ended with an
 * error is dead and is freed.  Reuse is invisible to the simulation: it
 * changes which memory a process uses, never when or what it runs.
 *
 * An idle process stays in world->processes too (that list holds every
 * process, for sim_process_free_all), so retiring one and reusing it is a
 * push and a pop of idle_processes. */
#include "process.h"

#define PROCESS_IDLE_MAX 256      /* about 1 KiB of Lua memory each */

static void
process_free(SimWorld *world, SimProcess *p)
{
  if (p->wake) sim_engine_cancel(world->run.engine, p->wake);
  g_queue_unlink(&world->processes, &p->link);
  /* The thread may outlive p (the scenario kept coroutine.running()): its
   * extra space must not point into freed memory, so it names no process
   * from now on, as a plain coroutine's does. */
  if (world->L) *(SimThreadCtx **)lua_getextraspace(p->thread) = &world->main_ctx;
  sim_lua_unref(world, p->ref);
  g_free(p);
}

/* p returned: keep its thread for the next spawn, or free it. */
static void
process_retire(SimWorld *world, SimProcess *p)
{
  if (world->idle_processes.length >= PROCESS_IDLE_MAX || world->closing) {
    process_free(world, p);
    return;
  }
  if (p->wake) sim_engine_cancel(world->run.engine, p->wake);
  p->wake = 0;
  lua_settop(p->thread, 0);
  g_queue_push_head_link(&world->idle_processes, &p->idle_link);
}

/* Runs p until it blocks, ends or fails.  Failure records the error and
 * stops the engine, so sim.run reports it. */
static void
process_resume(SimWorld *world, SimProcess *p)
{
  int nres = 0;
  lua_State *was_running = world->running_L;
  world->running_L = p->thread;
  int status = lua_resume(p->thread, world->L, 0, &nres);
  world->running_L = was_running;
  if (status == LUA_YIELD) {
    if (nres) lua_pop(p->thread, nres);          /* a socket's wait yields none */
    return;
  }
  if (status == LUA_OK) {
    process_retire(world, p);
    return;
  }
  /* The failed thread's stack is still whole: the message names the line
   * that raised it, whatever the error object is. */
  const char *msg = sim_lua_error_text(p->thread, -1, p->thread, 0);
  world->failed = TRUE;
  sim_world_note_error(world, msg);
  sim_engine_stop(world->run.engine);
  process_free(world, p);
}

static void
on_wake(SimEngine *engine, gpointer data)
{
  SimProcess *p = data;
  p->wake = 0;
  process_resume(p->ctx.world, p);
}

/* Starts p, whose thread holds its function alone, at `at`. */
static void
process_start(SimWorld *world, SimProcess *p, SimTime at)
{
  p->id = ++world->next_process_id;
  sim_process_wake_at(p, at);
}

SimProcess *
sim_process_spawn_ref(SimWorld *world, int fn_ref, SimTime at)
{
  GList *idle = g_queue_pop_head_link(&world->idle_processes);
  if (idle == NULL) return NULL;
  SimProcess *p = idle->data;
  /* The finished thread's stack is empty and has room for one value:
   * this allocates nothing, so it cannot raise. */
  lua_rawgeti(p->thread, LUA_REGISTRYINDEX, fn_ref);
  process_start(world, p, at);
  return p;
}

SimProcess *
sim_process_spawn(SimWorld *world, lua_State *L, int fn_index, SimTime at)
{
  SimProcess *p;
  GList *idle = g_queue_pop_head_link(&world->idle_processes);
  if (idle) {
    p = idle->data;
  } else {
    /* The Lua thread first: making it or its reference may raise, and
     * then nothing of twsim's is held yet (an unreferenced thread is the
     * collector's). */
    lua_State *thread = lua_newthread(L);
    int ref = luaL_ref(L, LUA_REGISTRYINDEX);
    p = g_new0(SimProcess, 1);
    p->ctx.world = world;
    p->ctx.process = p;
    p->thread = thread;
    *(SimThreadCtx **)lua_getextraspace(p->thread) = &p->ctx;
    p->ref = ref;
    p->link.data = p;
    p->idle_link.data = p;
    g_queue_push_tail_link(&world->processes, &p->link);
  }
  lua_pushvalue(L, fn_index);
  lua_xmove(L, p->thread, 1);
  process_start(world, p, at);
  return p;
}

SimProcess *
sim_process_check_slow(lua_State *L)
{
  SimProcess *p = sim_thread_ctx(L)->process;
  SimWorld *world = sim_thread_ctx(L)->world;
  if (world->in_observer)
    sim_lua_argerror(L, "a blocking call inside %s "
                     "(start a process with sim.spawn instead)", world->callback);
  if (p == NULL || p->thread != L)
    sim_lua_argerror(L, "a blocking call outside a process "
                     "(run it inside sim.spawn(function() ... end))");
  /* Checked before anything is scheduled: Lua's own "attempt to yield
   * across a C-call boundary" names no line, and a wake-up already
   * scheduled would resume the process later for nothing. */
  if (!lua_isyieldable(L))
    sim_lua_argerror(L, "a blocking call where the process cannot be suspended "
                     "(inside a function called from C, such as a table.sort "
                     "comparator, a string.gsub replacement or a metamethod)");
  return p;
}

void
sim_process_wake_at(SimProcess *p, SimTime at)
{
  if (p->wake) return;
  p->wake = sim_engine_schedule(p->ctx.world->run.engine, at, on_wake, p, NULL);
}

void
sim_process_wake(SimProcess *p)
{
  sim_process_wake_at(p, sim_engine_now(p->ctx.world->run.engine));
}

void
sim_process_free_all(SimWorld *world)
{
  /* Idle ones are in world->processes too (with no wake-up pending). */
  g_queue_init(&world->idle_processes);
  GList *l;
  while ((l = g_queue_peek_head_link(&world->processes)) != NULL)
    process_free(world, l->data);
}

/* ---- sim.spawn and sim.sleep -------------------------------------------- */

/* sim.spawn(fn): starts fn as a process at the current instant. */
static int
l_spawn(lua_State *L)
{
  SimWorld *world = sim_world_from_lua(L);
  if (!lua_isfunction(L, 1))
    sim_lua_argerror(L, "expected a function, got %s", luaL_typename(L, 1));
  sim_process_spawn(world, L, 1, sim_engine_now(world->run.engine));
  return 0;
}

static int
sleep_done(lua_State *L, int status, lua_KContext ctx)
{
  return 0;
}

/* sim.sleep(d): suspends the calling process for d of virtual time. */
static int
l_sleep(lua_State *L)
{
  SimProcess *p = sim_process_check(L);
  SimTime d = sim_lua_check_duration(L, 1, "duration");
  SimEngine *engine = p->ctx.world->run.engine;
  if (d > SIM_TIME_MAX - sim_engine_now(engine))
    sim_lua_argerror(L, "duration is too large");
  sim_process_wake_at(p, sim_engine_now(engine) + d);
  return lua_yieldk(L, 0, 0, sleep_done);
}

static const luaL_Reg process_functions[] = {
  { "spawn", l_spawn },
  { "sleep", l_sleep },
  { NULL, NULL },
};

/* ---- a process's thread belongs to the simulation ------------------------ */

/* coroutine.resume and coroutine.close, refusing a process's thread: only
 * the engine resumes a process (a resume from elsewhere would run it out of
 * its time, and end it behind the back of whatever it waits on), and
 * closing it would free it while a socket or timer still holds it.
 * Upvalue 1 is Lua's own function, upvalue 2 its name. */
static int
guarded_coroutine_call(lua_State *L)
{
  lua_State *co = lua_tothread(L, 1);
  if (co) {
    SimProcess *p = sim_thread_ctx(co)->process;
    if (p && p->thread == co)
      sim_lua_usage_error(L, "coroutine.%s: the thread of a sim.spawn process is resumed "
                          "and ended by the simulation only",
                          lua_tostring(L, lua_upvalueindex(2)));
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

static void
guard_coroutine_function(lua_State *L, const char *name)
{
  lua_getfield(L, -1, name);
  lua_pushstring(L, name);
  lua_pushcclosure(L, guarded_coroutine_call, 2);
  lua_setfield(L, -2, name);
}

void
sim_lua_process_open(lua_State *L)
{
  luaL_setfuncs(L, process_functions, 0);
  lua_getglobal(L, "coroutine");
  guard_coroutine_function(L, "resume");
  guard_coroutine_function(L, "close");
  lua_pop(L, 1);
}
