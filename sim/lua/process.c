/* Processes as coroutines in virtual time (see process.h). */
#include "process.h"

static void
process_free(SimWorld *world, SimProcess *p)
{
  if (p->wake) sim_engine_cancel(world->engine, p->wake);
  g_queue_unlink(&world->processes, &p->link);
  luaL_unref(world->L, LUA_REGISTRYINDEX, p->ref);
  g_free(p);
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
    lua_pop(p->thread, nres);
    return;
  }
  if (status != LUA_OK) {
    const char *msg = lua_tostring(p->thread, -1);
    if (msg == NULL)
      msg = lua_pushfstring(p->thread, "(error object is a %s value)",
                            luaL_typename(p->thread, -1));
    world->failed = TRUE;
    sim_world_note_error(world, msg);
    sim_engine_stop(world->engine);
  }
  process_free(world, p);
}

static void
on_wake(SimEngine *engine, gpointer data)
{
  SimProcess *p = data;
  p->wake = 0;
  process_resume(p->ctx.world, p);
}

SimProcess *
sim_process_spawn(SimWorld *world, lua_State *L, int fn_index, SimTime at)
{
  SimProcess *p = g_new0(SimProcess, 1);
  p->ctx.world = world;
  p->ctx.process = p;
  p->id = ++world->next_process_id;
  p->thread = lua_newthread(L);
  *(SimThreadCtx **)lua_getextraspace(p->thread) = &p->ctx;
  p->ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, fn_index);
  lua_xmove(L, p->thread, 1);
  p->link.data = p;
  g_queue_push_tail_link(&world->processes, &p->link);
  sim_process_wake_at(p, at);
  return p;
}

SimProcess *
sim_process_check(lua_State *L, const char *call)
{
  SimProcess *p = sim_thread_ctx(L)->process;
  if (sim_thread_ctx(L)->world->in_observer)
    sim_lua_usage_error(L, "%s: a blocking call inside a sim.on callback "
                        "(start a process with sim.spawn instead)", call);
  if (p == NULL || p->thread != L)
    sim_lua_usage_error(L, "%s: a blocking call outside a process "
                        "(run it inside sim.spawn(function() ... end))", call);
  return p;
}

void
sim_process_wake_at(SimProcess *p, SimTime at)
{
  if (p->wake) return;
  p->wake = sim_engine_schedule(p->ctx.world->engine, at, on_wake, p, NULL);
}

void
sim_process_wake(SimProcess *p)
{
  sim_process_wake_at(p, sim_engine_now(p->ctx.world->engine));
}

void
sim_process_free_all(SimWorld *world)
{
  GList *l;
  while ((l = g_queue_peek_head_link(&world->processes)) != NULL)
    process_free(world, l->data);
}
