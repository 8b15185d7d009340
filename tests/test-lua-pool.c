/* The Lua state's small-block allocator (sim/lua/lua-pool.h): blocks of a
 * size class are reused last-freed first, a resize within a class keeps
 * the block, one across classes (or to and from libc's sizes) keeps the
 * contents, and a whole Lua state runs on it. */
#include "lua-pool.h"
#include <lauxlib.h>
#include <lualib.h>
#include <string.h>

static void
test_reuse(void)
{
  SimLuaPool pool;
  sim_lua_pool_init(&pool);
  char *a = sim_lua_pool_alloc(&pool, 40);
  char *b = sim_lua_pool_alloc(&pool, 48);       /* the same class as 40 */
  g_assert_nonnull(a);
  g_assert_nonnull(b);
  g_assert_true(a != b);
  memset(a, 1, 40);
  memset(b, 2, 48);
  sim_lua_pool_release(&pool, a, 40);
  sim_lua_pool_release(&pool, b, 48);
  /* Last freed, first reused; another class does not take them. */
  char *c = sim_lua_pool_alloc(&pool, 33);
  g_assert_true(c == b || SIM_LUA_POOL_OFF);
  char *d = sim_lua_pool_alloc(&pool, 16);
  g_assert_true(d != a || SIM_LUA_POOL_OFF);
  char *e = sim_lua_pool_alloc(&pool, 48);
  g_assert_true(e == a || SIM_LUA_POOL_OFF);
  sim_lua_pool_release(&pool, c, 33);
  sim_lua_pool_release(&pool, d, 16);
  sim_lua_pool_release(&pool, e, 48);
  sim_lua_pool_clear(&pool);
}

static void
test_resize(void)
{
  SimLuaPool pool;
  sim_lua_pool_init(&pool);
  char *p = sim_lua_pool_resize(&pool, NULL, 5 /* a type tag */, 20);
  for (int i = 0; i < 20; i++) p[i] = (char)i;
  /* Within the class (17-32 bytes): the same block. */
  char *same = sim_lua_pool_resize(&pool, p, 20, 32);
  g_assert_true(same == p || SIM_LUA_POOL_OFF);
  p = same;
  /* Up through the classes and past the largest: the contents move. */
  gsize sizes[] = { 100, SIM_LUA_POOL_MAX, SIM_LUA_POOL_MAX + 1, 5000, 300, 24 };
  gsize was = 32;
  for (gsize k = 0; k < G_N_ELEMENTS(sizes); k++) {
    p = sim_lua_pool_resize(&pool, p, was, sizes[k]);
    g_assert_nonnull(p);
    for (int i = 0; i < 20; i++) g_assert_cmpint(p[i], ==, i);
    for (gsize i = 20; i < sizes[k]; i++) p[i] = 'x';
    was = sizes[k];
  }
  sim_lua_pool_release(&pool, p, was);
  sim_lua_pool_clear(&pool);
}

/* More blocks than one chunk holds, of every class, all distinct and
 * whole after the others were written. */
static void
test_many(void)
{
  SimLuaPool pool;
  sim_lua_pool_init(&pool);
  enum { N = 20000 };
  char **blocks = g_new(char *, N);
  for (int i = 0; i < N; i++) {
    gsize size = 1 + (gsize)(i * 7) % (SIM_LUA_POOL_MAX + 64);
    blocks[i] = sim_lua_pool_alloc(&pool, size);
    memset(blocks[i], i & 0xff, size);
  }
  for (int i = 0; i < N; i++) {
    gsize size = 1 + (gsize)(i * 7) % (SIM_LUA_POOL_MAX + 64);
    for (gsize j = 0; j < size; j++) g_assert_cmpint((guchar)blocks[i][j], ==, i & 0xff);
    sim_lua_pool_release(&pool, blocks[i], size);
  }
  g_free(blocks);
  sim_lua_pool_clear(&pool);
}

static void *
pool_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
  if (nsize == 0) {
    if (ptr) sim_lua_pool_release(ud, ptr, osize);
    return NULL;
  }
  return sim_lua_pool_resize(ud, ptr, osize, nsize);
}

/* A Lua state on the pool: strings, tables that grow and shrink, closures
 * and coroutines, through several collections. */
static void
test_lua_state(void)
{
  SimLuaPool pool;
  sim_lua_pool_init(&pool);
  lua_State *L = lua_newstate(pool_lua_alloc, &pool);
  g_assert_nonnull(L);
  luaL_openlibs(L);
  const char *code =
    "local t, n = {}, 0\n"
    "for i = 1, 20000 do\n"
    "  t[i % 500 + 1] = string.rep('x', i % 700) .. i\n"
    "  local co = coroutine.wrap(function(a) coroutine.yield(a + 1) end)\n"
    "  n = n + co(i)\n"
    "  if i % 3000 == 0 then collectgarbage() end\n"
    "end\n"
    "local s = 0\n"
    "for i = 1, 500 do s = s + #t[i] end\n"
    "return n, s\n";
  g_assert_cmpint(luaL_dostring(L, code), ==, LUA_OK);
  g_assert_cmpint(lua_tointeger(L, -2), ==, 20000 * 20001 / 2 + 20000);
  /* Each t[k] is the string of the last i with i % 500 + 1 == k. */
  int last[500];
  for (int i = 1; i <= 20000; i++) last[i % 500] = i;
  lua_Integer want = 0;
  for (int k = 0; k < 500; k++)
    want += last[k] % 700 + (lua_Integer)g_snprintf(NULL, 0, "%d", last[k]);
  g_assert_cmpint(lua_tointeger(L, -1), ==, want);
  lua_close(L);
  sim_lua_pool_clear(&pool);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/lua-pool/reuse", test_reuse);
  g_test_add_func("/lua-pool/resize", test_resize);
  g_test_add_func("/lua-pool/many", test_many);
  g_test_add_func("/lua-pool/lua-state", test_lua_state);
  return g_test_run();
}
