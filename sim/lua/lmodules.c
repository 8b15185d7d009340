/* The shipped Lua modules (see lmodules.h). */
#include "lmodules.h"
#include "lnet.h"
#include "lsocket.h"
#include "plain-server.h"
#include <string.h>

#define MODULES_KEY "twsim.modules"   /* registry: name -> the module's value */

/* The modules' sources, built in from sim/lua/modules/ by
 * scripts/embed-text (see meson.build). */
extern const char sim_lua_module_load[];

typedef struct {
  const char *name;        /* "twsim.load" */
  const char *chunkname;   /* "twsim/load.lua", in error messages */
  const char *source;
} SimLuaModuleSource;

static const SimLuaModuleSource sim_lua_module_sources[] = {
  { "twsim.load", "twsim/load.lua", sim_lua_module_load },
  { NULL, NULL, NULL },
};

/* internal.usage_error(msg): a usage error (exit 2) blamed on the
 * scenario's line: world.c skips the frames of shipped modules. */
static int
mod_usage_error(lua_State *L)
{
  return sim_lua_usage_error(L, "%s", luaL_checkstring(L, 1));
}

/* internal.seconds(duration, what) -> seconds, for a number of seconds or
 * a string with a unit; a usage error naming `what` otherwise. */
static int
mod_seconds(lua_State *L)
{
  const char *what = luaL_optstring(L, 2, "duration");
  SimTime t;
  GError *error = NULL;
  if (!sim_lua_to_duration(L, 1, &t, &error)) sim_lua_usage_gerror(L, what, error);
  lua_pushnumber(L, sim_time_to_seconds(t));
  return 1;
}

/* internal.is_host(v) -> whether v is a host (from sim.host). */
static int
mod_is_host(lua_State *L)
{
  lua_pushboolean(L, sim_lua_testudata(L, 1, SIM_LUA_HOST) != NULL);
  return 1;
}

/* internal.serve_plain(listening socket, response, client_closes):
 * load.server's plain server from now on, run in C (plain-server.h); the
 * socket object is left closed. */
static int
mod_serve_plain(lua_State *L)
{
  const char *host;
  lua_Integer response = luaL_checkinteger(L, 2);
  gboolean client_closes = lua_toboolean(L, 3);
  TcpSocket *listener = sim_lua_socket_take(L, &host);
  sim_plain_serve(sim_world_from_lua(L), listener, host, (gsize)MAX(response, 0),
                  client_closes);
  return 0;
}

static const luaL_Reg internal_functions[] = {
  { "usage_error", mod_usage_error },
  { "seconds", mod_seconds },
  { "is_host", mod_is_host },
  { "serve_plain", mod_serve_plain },
  { NULL, NULL },
};

static const SimLuaModuleSource *
find_module(const char *name)
{
  for (const SimLuaModuleSource *m = sim_lua_module_sources; m->name; m++)
    if (strcmp(m->name, name) == 0) return m;
  return NULL;
}

/* Runs module `m` with the internal functions as its `...`; leaves its
 * value on the stack. */
static void
run_module(lua_State *L, const SimLuaModuleSource *m)
{
  char *chunkname = g_strconcat("=", m->chunkname, NULL);
  lua_pushstring(L, chunkname);         /* Lua-owned before anything can raise */
  g_free(chunkname);
  if (luaL_loadbufferx(L, m->source, strlen(m->source), lua_tostring(L, -1), "t") != LUA_OK)
    lua_error(L);                       /* a build of twsim with a broken module */
  lua_remove(L, -2);
  luaL_newlib(L, internal_functions);
  lua_call(L, 1, 1);
}

/* The loader package.preload[name] holds (require passes the name). */
static int
preload_loader(lua_State *L)
{
  run_module(L, lua_touserdata(L, lua_upvalueindex(1)));
  return 1;
}

/* require(name) under the sandbox: the shipped modules only, each run
 * once and its value kept, as require keeps package.loaded.  Any other
 * name is refused with an ordinary error, as calling the removed require
 * was: a scenario may catch it with pcall and go on. */
static int
sandbox_require(lua_State *L)
{
  const char *name = luaL_checkstring(L, 1);
  const SimLuaModuleSource *m = find_module(name);
  if (m == NULL)
    return luaL_error(L, "require: no module '%s' under --sandbox (only twsim's own, such "
                      "as \"twsim.load\")", name);
  lua_getfield(L, LUA_REGISTRYINDEX, MODULES_KEY);
  if (lua_getfield(L, -1, name) != LUA_TNIL) return 1;
  lua_pop(L, 1);
  run_module(L, m);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_pushboolean(L, 1);
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, name);
  return 1;
}

void
sim_lua_modules_open(lua_State *L, gboolean sandbox)
{
  if (sandbox) {
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, MODULES_KEY);
    lua_pushcfunction(L, sandbox_require);
    lua_setglobal(L, "require");
    return;
  }
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  for (const SimLuaModuleSource *m = sim_lua_module_sources; m->name; m++) {
    lua_pushlightuserdata(L, (void *)m);
    lua_pushcclosure(L, preload_loader, 1);
    lua_setfield(L, -2, m->name);
  }
  lua_pop(L, 1);
}
