/* Small blocks for the Lua state's allocator.
 *
 * A scenario that opens a connection a millisecond makes and frees a few
 * small Lua objects for each (a socket's userdata, the strings s:recv
 * returns, a process's frames), and through libc's realloc and free each
 * one cost about 250 instructions, more than the object's own work.  So
 * blocks of up to SIM_LUA_POOL_MAX bytes come from free lists, one per
 * SIM_LUA_POOL_GRAIN bytes of size, carved from 64 KiB chunks: a block
 * costs a few instructions and the one freed last is reused first, still
 * in the cache.  Larger blocks (a big table's array, a long string) go to
 * libc.  Lua always tells the allocator a block's size (its `osize`), so
 * blocks need no header.
 *
 * Memory a scenario frees stays in its list for the next object of that
 * size, until the state is closed and the chunks are freed.  Under
 * AddressSanitizer every block goes to libc, so that it still sees each
 * object of Lua's. */
#pragma once
#include <glib.h>
#include <stdlib.h>

#define SIM_LUA_POOL_GRAIN 16
#define SIM_LUA_POOL_MAX 512
#define SIM_LUA_POOL_CLASSES (SIM_LUA_POOL_MAX / SIM_LUA_POOL_GRAIN)

#if defined(__SANITIZE_ADDRESS__)
#define SIM_LUA_POOL_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_LUA_POOL_OFF 1
#endif
#endif
#ifndef SIM_LUA_POOL_OFF
#define SIM_LUA_POOL_OFF 0
#endif

typedef struct SimLuaPoolBlock SimLuaPoolBlock;
struct SimLuaPoolBlock {
  SimLuaPoolBlock *next;
};

typedef struct {
  SimLuaPoolBlock *free[SIM_LUA_POOL_CLASSES];
  char            *bump;           /* the current chunk's unused end */
  char            *bump_end;
  GPtrArray       *chunks;         /* every chunk, freed by sim_lua_pool_clear */
} SimLuaPool;

void  sim_lua_pool_init(SimLuaPool *pool);
/* Frees every chunk: only once the Lua state is closed. */
void  sim_lua_pool_clear(SimLuaPool *pool);
/* A new block of class k from a chunk; NULL when memory is out. */
void *sim_lua_pool_carve(SimLuaPool *pool, guint k);
/* Lua's allocator contract (lua_Alloc) without the counting: ptr NULL
 * (osize is then a type tag, not a size) or a block of osize bytes;
 * nsize > 0.  NULL when memory is out, ptr untouched. */
void *sim_lua_pool_resize(SimLuaPool *pool, void *ptr, gsize osize, gsize nsize);

static inline guint
sim_lua_pool_class(gsize size)
{
  return (guint)((size - 1) / SIM_LUA_POOL_GRAIN);
}

static inline void *
sim_lua_pool_alloc(SimLuaPool *pool, gsize size)
{
  if (SIM_LUA_POOL_OFF || size > SIM_LUA_POOL_MAX) return malloc(size);
  guint k = sim_lua_pool_class(size);
  SimLuaPoolBlock *b = pool->free[k];
  if (b == NULL) return sim_lua_pool_carve(pool, k);
  pool->free[k] = b->next;
  return b;
}

/* ptr (not NULL) is a block of size bytes. */
static inline void
sim_lua_pool_release(SimLuaPool *pool, void *ptr, gsize size)
{
  if (SIM_LUA_POOL_OFF || size > SIM_LUA_POOL_MAX) {
    free(ptr);
    return;
  }
  SimLuaPoolBlock *b = ptr;
  guint k = sim_lua_pool_class(size);
  b->next = pool->free[k];
  pool->free[k] = b;
}
