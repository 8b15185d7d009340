/* Deterministic pairs(), math.random seeding, the sandbox (see
 * determinism.h). */
#include "determinism.h"
#include <string.h>

/* A key collected for sorting: its rank by type, then its value. */
typedef struct {
  int         rank;       /* 0 number, 1 string, 2 boolean, 3 anything else */
  gboolean    is_int;
  lua_Integer i;
  lua_Number  n;
  const char *s;          /* kept alive by the keys table */
  size_t      len;
  int         index;      /* position in the keys table */
} SortKey;

static int
compare_keys(const void *pa, const void *pb)
{
  const SortKey *a = pa, *b = pb;
  if (a->rank != b->rank) return a->rank - b->rank;
  switch (a->rank) {
  case 0:
    if (a->is_int && b->is_int) return (a->i > b->i) - (a->i < b->i);
    if (a->n != b->n) return (a->n > b->n) - (a->n < b->n);
    return b->is_int - a->is_int;       /* 1 before 1.0: never equal keys */
  case 1: {
    int c = memcmp(a->s, b->s, MIN(a->len, b->len));
    if (c) return c;
    return (a->len > b->len) - (a->len < b->len);
  }
  case 2:
    return (int)a->i - (int)b->i;
  default:
    /* Tables, functions and userdata have no order of their own: keep the
     * traversal order (documented as outside the promise). */
    return a->index - b->index;
  }
}

/* The iterator pairs() returns: upvalue 1 is the sorted keys, upvalue 2 the
 * next position, upvalue 3 the table.  It ignores its arguments (a scenario
 * may call it with anything: a string, nothing).  Keys whose value became
 * nil are skipped, as next() would not return them either. */
static int
sorted_next(lua_State *L)
{
  lua_Integer pos = lua_tointeger(L, lua_upvalueindex(2));
  for (;;) {
    if (lua_rawgeti(L, lua_upvalueindex(1), pos) == LUA_TNIL) return 1;
    pos++;
    lua_pushvalue(L, -1);
    if (lua_rawget(L, lua_upvalueindex(3)) != LUA_TNIL) {
      lua_pushinteger(L, pos);
      lua_replace(L, lua_upvalueindex(2));
      return 2;
    }
    lua_pop(L, 2);
  }
}

static int
deterministic_pairs(lua_State *L)
{
  luaL_checkany(L, 1);
  if (luaL_getmetafield(L, 1, "__pairs") != LUA_TNIL) {
    lua_pushvalue(L, 1);
    lua_call(L, 1, 3);
    return 3;
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_newtable(L);                                   /* keys, at index 2 */
  int n = 0;
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    lua_rawseti(L, 2, ++n);
  }
  /* The sort's scratch belongs to Lua (a userdata, at index 3): every call
   * below can raise (out of memory), and the collector then frees it. */
  if ((size_t)n > G_MAXSIZE / sizeof(SortKey) - 1) luaL_error(L, "pairs: too many keys");
  SortKey *keys = lua_newuserdatauv(L, sizeof(SortKey) * (size_t)(n ? n : 1), 0);
  for (int k = 0; k < n; k++) {
    SortKey *sk = &keys[k];
    memset(sk, 0, sizeof *sk);
    sk->index = k + 1;
    lua_rawgeti(L, 2, k + 1);
    switch (lua_type(L, -1)) {
    case LUA_TNUMBER:
      sk->rank = 0;
      sk->is_int = lua_isinteger(L, -1);
      sk->i = lua_tointeger(L, -1);
      sk->n = lua_tonumber(L, -1);
      break;
    case LUA_TSTRING:
      sk->rank = 1;
      sk->s = lua_tolstring(L, -1, &sk->len);
      break;
    case LUA_TBOOLEAN:
      sk->rank = 2;
      sk->i = lua_toboolean(L, -1);
      break;
    default:
      sk->rank = 3;
    }
    lua_pop(L, 1);
  }
  qsort(keys, (size_t)n, sizeof(SortKey), compare_keys);
  lua_createtable(L, n, 0);                          /* sorted, at index 4 */
  for (int k = 0; k < n; k++) {
    lua_rawgeti(L, 2, keys[k].index);
    lua_rawseti(L, 4, k + 1);
  }
  lua_pushinteger(L, 1);
  lua_pushvalue(L, 1);
  lua_pushcclosure(L, sorted_next, 3);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

/* math.randomseed() with no argument would seed from the clock and an
 * address: seed from the run instead.  With arguments, Lua's own (already
 * deterministic) seeding. */
static int
deterministic_randomseed(lua_State *L)
{
  if (lua_isnone(L, 1))
    lua_pushvalue(L, lua_upvalueindex(2));    /* the run's seed */
  lua_pushvalue(L, lua_upvalueindex(1));      /* Lua's randomseed */
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 0);
  return 0;
}

void
sim_determinism_install(lua_State *L, guint64 seed)
{
  lua_pushcfunction(L, deterministic_pairs);
  lua_setglobal(L, "pairs");

  /* math.random draws from its own stream of the run: Lua's xoshiro256**
   * seeded with a value derived from the run seed and the name "math". */
  SimRng rng;
  sim_rng_init_stream(&rng, seed, "lua.math.random");
  lua_Integer math_seed = (lua_Integer)sim_rng_next(&rng);
  lua_getglobal(L, "math");
  lua_getfield(L, -1, "randomseed");
  lua_pushvalue(L, -1);
  lua_pushinteger(L, math_seed);
  lua_call(L, 1, 0);
  lua_pushinteger(L, math_seed);
  lua_pushcclosure(L, deterministic_randomseed, 2);
  lua_setfield(L, -2, "randomseed");
  lua_pop(L, 1);
}

/* load() in the sandbox: text chunks only, and only in the given (or the
 * sandboxed global) environment. */
static int
sandboxed_load(lua_State *L)
{
  gboolean has_env = lua_gettop(L) >= 4;
  lua_settop(L, 4);                         /* chunk, name, mode, env */
  lua_pushvalue(L, lua_upvalueindex(1));    /* the real load */
  lua_pushvalue(L, 1);
  lua_pushvalue(L, 2);
  lua_pushstring(L, "t");                   /* mode: text only, always */
  if (has_env) lua_pushvalue(L, 4);
  lua_call(L, has_env ? 4 : 3, 2);
  return 2;
}

void
sim_sandbox_install(lua_State *L)
{
  static const char *const removed[] = {
    "io", "os", "require", "package", "debug", "dofile", "loadfile",
    "collectgarbage", NULL,
  };
  for (int i = 0; removed[i]; i++) {
    lua_pushnil(L);
    lua_setglobal(L, removed[i]);
  }
  /* package.loaded still holds the libraries; drop the references. */
  lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  for (int i = 0; removed[i]; i++) {
    lua_pushnil(L);
    lua_setfield(L, -2, removed[i]);
  }
  lua_pop(L, 1);
  lua_getglobal(L, "string");
  lua_pushnil(L);
  lua_setfield(L, -2, "dump");
  lua_pop(L, 1);
  lua_getglobal(L, "load");
  lua_pushcclosure(L, sandboxed_load, 1);
  lua_setglobal(L, "load");
}
