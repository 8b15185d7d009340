/* What the Lua fuzz targets share: a world built as `twsim run` builds it
 * (sim_lua_world_new, with the model invariants checked after every event,
 * --check), bounded in events, memory and wall-clock time, running one
 * generated scenario and freed.  Included by one target each (static). */
#pragma once
#include "api.h"
#include <stdio.h>
#include <string.h>

/* Runs `source` (chunk name `name`) under the error handler `twsim run`
 * uses; `setup`, if not NULL, is called on the new world's Lua state
 * first (a target's own globals).  TWSIM_FUZZ_PRINT prints the source. */
static void
fuzz_run_scenario(const char *source, const char *name, gboolean sandbox,
                  void (*setup)(lua_State *L))
{
  if (g_getenv("TWSIM_FUZZ_PRINT")) fputs(source, stderr);   /* to read an input */
  SimRunOptions opts = { 0 };
  opts.scenario = (char *)name + 1;     /* without the '=' of a chunk name */
  opts.seed = 1;
  opts.until = SIM_TIME_MAX;
  opts.max_events = 20000;
  opts.max_memory = (gsize)64 << 20;
  opts.timeout = 2.0;
  opts.sandbox = sandbox;
  opts.check = TRUE;
  opts.quiet = TRUE;
  opts.text_to_stderr = TRUE;
  opts.set_pairs = g_ptr_array_new_with_free_func(g_free);
  opts.params = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  SimWorld *world = sim_lua_world_new(&opts, NULL);
  if (world) {
    lua_State *L = world->L;
    if (setup) setup(L);
    lua_pushcfunction(L, sim_lua_error_handler);
    if (luaL_loadbufferx(L, source, strlen(source), name, "t") == LUA_OK)
      lua_pcall(L, 0, 0, 1);
    lua_settop(L, 0);
    sim_world_settle_memory(world);
    (void)sim_world_exit_status(world);
    sim_lua_world_free(world);
  }
  g_ptr_array_free(opts.set_pairs, TRUE);
  g_hash_table_destroy(opts.params);
}
