/* Small blocks for the Lua state's allocator (see lua-pool.h). */
#include "lua-pool.h"
#include <string.h>

#define CHUNK_BYTES (64 * 1024)

void
sim_lua_pool_init(SimLuaPool *pool)
{
  memset(pool, 0, sizeof *pool);
  pool->chunks = g_ptr_array_new_with_free_func(free);
}

void
sim_lua_pool_clear(SimLuaPool *pool)
{
  if (pool->chunks) g_ptr_array_free(pool->chunks, TRUE);
  memset(pool, 0, sizeof *pool);
}

void *
sim_lua_pool_carve(SimLuaPool *pool, guint k)
{
  gsize size = (gsize)(k + 1) * SIM_LUA_POOL_GRAIN;
  if ((gsize)(pool->bump_end - pool->bump) < size) {
    /* malloc, not g_malloc: Lua answers NULL with a collection and an
     * error of its own; the rest of the old chunk (less than a block of
     * this class) is left unused. */
    char *chunk = malloc(CHUNK_BYTES);
    if (chunk == NULL) return NULL;
    g_ptr_array_add(pool->chunks, chunk);
    pool->bump = chunk;
    pool->bump_end = chunk + CHUNK_BYTES;
  }
  void *b = pool->bump;
  pool->bump += size;
  return b;
}

void *
sim_lua_pool_resize(SimLuaPool *pool, void *ptr, gsize osize, gsize nsize)
{
  if (ptr == NULL) return sim_lua_pool_alloc(pool, nsize);
  gboolean small_old = !SIM_LUA_POOL_OFF && osize <= SIM_LUA_POOL_MAX;
  gboolean small_new = !SIM_LUA_POOL_OFF && nsize <= SIM_LUA_POOL_MAX;
  if (!small_old && !small_new) return realloc(ptr, nsize);
  if (small_old && small_new && sim_lua_pool_class(osize) == sim_lua_pool_class(nsize))
    return ptr;
  void *p = sim_lua_pool_alloc(pool, nsize);
  if (p == NULL) {
    /* Lua counts on a block that shrinks staying where it is: this one
     * stays, and is freed later as a block of nsize bytes, which it holds
     * (a pool block then goes to a smaller list; a libc block to a list
     * too, and is never given back: only when memory has run out). */
    return nsize < osize ? ptr : NULL;
  }
  memcpy(p, ptr, MIN(osize, nsize));
  sim_lua_pool_release(pool, ptr, osize);
  return p;
}
