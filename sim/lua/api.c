/* The Lua layer put together (see api.h). */
#include "api.h"
#include "determinism.h"
#include "process.h"
#include "lsim.h"
#include "lhost.h"
#include "lrouter.h"
#include "llink.h"
#include "lsocket.h"
#include "ltimer.h"
#include "lmodules.h"

SimWorld *
sim_lua_world_new(const SimRunOptions *opts, GError **error)
{
  SimWorld *world = sim_world_new(opts, error);
  if (world == NULL) return NULL;
  lua_State *L = world->L;
  sim_determinism_install(L, opts->seed);
  if (opts->sandbox) sim_sandbox_install(L);
  sim_lua_sim_open(L);
  sim_lua_process_open(L);
  sim_lua_timer_open(L);
  sim_lua_host_open(L);
  sim_lua_router_open(L);
  sim_lua_link_open(L);
  sim_lua_socket_open(L);
  sim_lua_guard_methods(L, -1, "sim.");
  lua_setglobal(L, "sim");
  sim_lua_modules_open(L, opts->sandbox);
  return world;
}

void
sim_lua_world_free(SimWorld *world)
{
  if (world == NULL) return;
  /* The Lua state first, while the network and the engine are whole (its
   * finalizers may call twsim); then the processes, whose threads it
   * held; then the rest. */
  sim_world_close_lua(world);
  sim_process_free_all(world);
  sim_world_free(world);
}
