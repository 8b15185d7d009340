/* The limits' hook in process, as the fuzz targets and `twsim run` build
 * a world (sim_lua_world_new): no hook on any Lua thread while no limit is
 * due (a count hook makes the VM trap at every instruction); the
 * deadline's timer stops a loop that never yields, on the main thread or
 * in a coroutine; a stray interruption with nothing due changes nothing
 * and leaves the hook off again. */
#include "api.h"
#include <string.h>

typedef struct {
  SimRunOptions opts;
  SimWorld     *world;
} Fixture;

static void
fixture_init(Fixture *f, double timeout)
{
  memset(f, 0, sizeof *f);
  f->opts.scenario = "hook-test.lua";
  f->opts.seed = 1;
  f->opts.until = SIM_TIME_MAX;
  f->opts.timeout = timeout;
  f->opts.quiet = TRUE;
  f->opts.text_to_stderr = TRUE;
  f->opts.set_pairs = g_ptr_array_new_with_free_func(g_free);
  f->opts.params = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  f->world = sim_lua_world_new(&f->opts, NULL);
  g_assert_nonnull(f->world);
}

static void
fixture_clear(Fixture *f)
{
  sim_lua_world_free(f->world);
  g_ptr_array_free(f->opts.set_pairs, TRUE);
  g_hash_table_destroy(f->opts.params);
}

/* Runs `source` on the world's main thread: its status, the error (or
 * "") in *msg. */
static int
run_chunk(Fixture *f, const char *source, char **msg)
{
  lua_State *L = f->world->L;
  g_assert_cmpint(luaL_loadstring(L, source), ==, LUA_OK);
  int status = lua_pcall(L, 0, 1, 0);
  *msg = g_strdup(lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "");
  lua_settop(L, 0);
  return status;
}

static void
test_no_hook_until_due(void)
{
  Fixture f;
  fixture_init(&f, 60);
  g_autofree char *msg = NULL;
  /* Neither the main thread nor a coroutine (which copies its creator's
   * hook) has one. */
  g_assert_cmpint(run_chunk(&f, "local co = coroutine.create(function() end) "
                                "return tostring(coroutine.resume(co))", &msg), ==, LUA_OK);
  g_assert_null(lua_gethook(f.world->L));
  lua_State *co = lua_newthread(f.world->L);
  g_assert_null(lua_gethook(co));
  g_assert_cmpint(lua_gethookmask(co), ==, 0);
  lua_pop(f.world->L, 1);
  fixture_clear(&f);
}

static void
test_deadline(gconstpointer source)
{
  Fixture f;
  fixture_init(&f, 0.2);
  gint64 start = g_get_monotonic_time();
  g_autofree char *msg = NULL;
  g_assert_cmpint(run_chunk(&f, source, &msg), !=, LUA_OK);
  g_assert_nonnull(strstr(msg, "wall-clock limit reached"));
  g_assert_true(f.world->limit);
  g_assert_cmpint(g_get_monotonic_time() - start, <, 20 * G_USEC_PER_SEC);
  fixture_clear(&f);
}

static void
test_stray_interrupt(void)
{
  Fixture f;
  fixture_init(&f, 0);
  sim_world_interrupt();   /* as a signal handler would, with nothing due */
  g_assert_nonnull(lua_gethook(f.world->L));
  g_autofree char *msg = NULL;
  g_assert_cmpint(run_chunk(&f, "local n = 0 for i = 1, 1000 do n = n + i end return n", &msg),
                  ==, LUA_OK);
  g_assert_false(f.world->limit);
  g_assert_null(lua_gethook(f.world->L));    /* off again */
  fixture_clear(&f);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/lua-hook/none-until-due", test_no_hook_until_due);
  g_test_add_data_func("/lua-hook/deadline/main", "while true do end", test_deadline);
  g_test_add_data_func("/lua-hook/deadline/wrap",
                       "coroutine.wrap(function() while true do end end)()", test_deadline);
  g_test_add_data_func("/lua-hook/deadline/pcall",
                       "while true do pcall(function() while true do end end) end",
                       test_deadline);
  g_test_add_func("/lua-hook/stray-interrupt", test_stray_interrupt);
  return g_test_run();
}
