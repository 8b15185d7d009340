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
  sim_wakeup_cancel(&p->wake, world->run.engine);
  g_queue_unlink(&world->processes, &p->link);
  /* The thread may outlive p (the scenario kept coroutine.running()): its
   * extra space must not point into freed memory, so it names no process
   * from now on, as a plain coroutine's does. */
  if (world->L) *(SimThreadCtx **)lua_getextraspace(p->thread) = &world->main_ctx;
  sim_lua_unref(world, p->ref);
  g_free(p);
}

/* p returned `nres` values, its thread's whole stack: keep the thread for
 * the next spawn, or free it. */
static void
process_retire(SimWorld *world, SimProcess *p, int nres)
{
  if (world->idle_processes.length >= PROCESS_IDLE_MAX || world->closing) {
    process_free(world, p);
    return;
  }
  sim_wakeup_cancel(&p->wake, world->run.engine);
  if (nres) lua_settop(p->thread, 0);           /* a process mostly returns none */
  g_queue_push_head_link(&world->idle_processes, &p->idle_link);
}

/* Runs p until it blocks, ends or fails.  Failure records the error and
 * stops the engine, so sim.run reports it. */
static void
process_resume(SimWorld *world, SimProcess *p)
{
  int nres = 0;
  lua_State *was_running = sim_world_switch_thread(world, p->thread);
  int status = lua_resume(p->thread, world->L, 0, &nres);
  sim_world_switch_thread(world, was_running);
  if (status == LUA_YIELD) {
    if (nres) lua_pop(p->thread, nres);          /* a socket's wait yields none */
    return;
  }
  if (status == LUA_OK) {
    process_retire(world, p, nres);
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
  /* A retry that would only wait again (a bare ACK to a process waiting
   * for data) is not made: about 430 instructions of resume, continuation
   * and yield saved, and nothing else changes, since the waiter stays
   * set. */
  if (sim_wakeup_fired(&p->wake)) process_resume(p->ctx.world, p);
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
  sim_wakeup_at(&p->wake, p->ctx.world->run.engine, at, on_wake, p);
}

void
sim_process_wake(SimProcess *p)
{
  sim_wakeup_now(&p->wake, p->ctx.world->run.engine, on_wake, p);
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

/* ---- the scenario's coroutines ------------------------------------------ */

/* coroutine.resume, the functions coroutine.wrap makes and coroutine.close
 * are twsim's, doing what Lua's do (lcorolib.c), for two reasons:
 *
 * - a process's thread belongs to the simulation: only the engine resumes
 *   it (a resume from elsewhere would run it out of its time, and end it
 *   behind the back of whatever it waits on), and closing it would free it
 *   while a socket or timer still holds it;
 * - the limits' hook is armed on the thread that runs (see world.h), so
 *   every switch to a coroutine and back goes through
 *   sim_world_switch_thread. */

/* The coroutine at `arg` (luaL_checkudata's message when it is not one),
 * refused if it is a process's; `what` is "resume" or "close". */
static lua_State *
check_coroutine(lua_State *L, int arg, const char *what)
{
  lua_State *co = lua_tothread(L, arg);
  if (co == NULL) luaL_typeerror(L, arg, "coroutine");
  SimProcess *p = sim_thread_ctx(co)->process;
  if (p && p->thread == co)
    sim_lua_usage_error(L, "coroutine.%s: the thread of a sim.spawn process is resumed "
                        "and ended by the simulation only", what);
  return co;
}

/* Resumes co with the `narg` values on top of L, as Lua's auxresume: the
 * number of values it yielded or returned, moved to L; or -1 with the
 * error on top of L. */
static int
resume_coroutine(lua_State *L, lua_State *co, int narg)
{
  if (!lua_checkstack(co, narg)) {
    lua_pushliteral(L, "too many arguments to resume");
    return -1;
  }
  lua_xmove(L, co, narg);
  SimWorld *world = sim_world_from_lua(L);
  int nres = 0;
  lua_State *was = sim_world_switch_thread(world, co);
  int status = lua_resume(co, L, narg, &nres);
  sim_world_switch_thread(world, was);
  if (status != LUA_OK && status != LUA_YIELD) {
    lua_xmove(co, L, 1);
    return -1;
  }
  if (!lua_checkstack(L, nres + 1)) {
    lua_pop(co, nres);
    lua_pushliteral(L, "too many results to resume");
    return -1;
  }
  lua_xmove(co, L, nres);
  return nres;
}

/* Closes co's pending to-be-closed variables (their __close handlers run
 * in co) and kills it: Lua's lua_closethread.  The status, with the error
 * on top of co if it is one. */
static int
close_coroutine(lua_State *L, lua_State *co)
{
  SimWorld *world = sim_world_from_lua(L);
  lua_State *was = sim_world_switch_thread(world, co);
#if LUA_VERSION_RELEASE_NUM >= 50406
  int status = lua_closethread(co, L);
#else
  int status = lua_resetthread(co);
#endif
  sim_world_switch_thread(world, was);
  return status;
}

/* coroutine.resume(co, ...) */
static int
co_resume(lua_State *L)
{
  lua_State *co = check_coroutine(L, 1, "resume");
  int r = resume_coroutine(L, co, lua_gettop(L) - 1);
  if (r < 0) {
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
  }
  lua_pushboolean(L, 1);
  lua_insert(L, -(r + 1));
  return r + 1;
}

/* The function coroutine.wrap returns; upvalue 1 is its coroutine. */
static int
co_wrapped(lua_State *L)
{
  lua_State *co = lua_tothread(L, lua_upvalueindex(1));
  int r = resume_coroutine(L, co, lua_gettop(L));
  if (r >= 0) return r;
  int status = lua_status(co);
  if (status != LUA_OK && status != LUA_YIELD) {   /* the error was the coroutine's */
    status = close_coroutine(L, co);
    lua_xmove(co, L, 1);
  }
  if (status != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
    luaL_where(L, 1);
    lua_insert(L, -2);
    lua_concat(L, 2);
  }
  return lua_error(L);
}

/* coroutine.wrap(f) */
static int
co_wrap(lua_State *L)
{
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_State *co = lua_newthread(L);
  lua_pushvalue(L, 1);
  lua_xmove(L, co, 1);
  lua_pushcclosure(L, co_wrapped, 1);
  return 1;
}

/* Whether Lua's coroutine.close accepts co (a suspended or dead
 * coroutine; not the running one, nor one that resumed another). */
static gboolean
closable(lua_State *L, lua_State *co)
{
  lua_Debug ar;
  if (co == L) return FALSE;
  return lua_status(co) != LUA_OK || lua_getstack(co, 0, &ar) == 0;
}

/* coroutine.close(co) */
static int
co_close(lua_State *L)
{
  lua_State *co = check_coroutine(L, 1, "close");
  if (!closable(L, co))
    return luaL_error(L, "cannot close a %s coroutine", co == L ? "running" : "normal");
  int status = close_coroutine(L, co);
  if (status == LUA_OK) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushboolean(L, 0);
  lua_xmove(co, L, 1);
  return 2;
}

static const luaL_Reg coroutine_functions[] = {
  { "resume", co_resume },
  { "wrap", co_wrap },
  { "close", co_close },
  { NULL, NULL },
};

void
sim_lua_process_open(lua_State *L)
{
  luaL_setfuncs(L, process_functions, 0);
  lua_getglobal(L, "coroutine");
  luaL_setfuncs(L, coroutine_functions, 0);
  lua_pop(L, 1);
}
