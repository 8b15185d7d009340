/* The Lua layer put together (see api.h). */
#include "api.h"
#include "determinism.h"
#include "process.h"
#include "plain-server.h"
#include "lsim.h"
#include "lhost.h"
#include "lrouter.h"
#include "llink.h"
#include "lsocket.h"
#include "ltimer.h"
#include "lmodules.h"
#include "simerror.h"
#include <lualib.h>

/* Opens every library, protected: an allocation refused on the way is a
 * Lua error, not a panic.  Argument 1: the options, a light userdata. */
static int
open_libraries(lua_State *L)
{
  const SimRunOptions *opts = lua_touserdata(L, 1);
  luaL_openlibs(L);
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
  return 0;
}

SimWorld *
sim_lua_world_new(const SimRunOptions *opts, GError **error)
{
  SimWorld *world = sim_world_new(opts, error);
  if (world == NULL) return NULL;
  lua_State *L = world->L;
  lua_pushcfunction(L, open_libraries);
  lua_pushlightuserdata(L, (void *)opts);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    /* Only memory can fail here (the libraries' own code is fixed). */
    g_set_error(error, SIM_ERROR, SIM_ERROR_MEMORY, "cannot set up the Lua state: out of memory");
    sim_lua_world_free(world);
    return NULL;
  }
  return world;
}

void
sim_lua_world_free(SimWorld *world)
{
  if (world == NULL) return;
  /* The Lua state first, while the network and the engine are whole (its
   * finalizers may call twsim); then the processes, whose threads it
   * held, and the servers run in C; then the rest. */
  sim_world_close_lua(world);
  sim_process_free_all(world);
  sim_plain_servers_free_all(world);
  sim_world_free(world);
}
