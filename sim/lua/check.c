/* Argument checks and usage errors (see check.h). */
#include "world.h"
#include "closest.h"
#include <stdio.h>
#include <string.h>

/* Registry: C function -> how a scenario writes its call ("s:bind"), or
 * the bare method name ("name") for a function of several types. */
#define FNAMES_KEY "twsim.fnames"

/* How the docs and the messages write a call of each type's methods. */
static const char *const type_self[SIM_LUA_N_TYPES] = {
  [SIM_LUA_SOCKET] = "s:", [SIM_LUA_TIMER] = "t:", [SIM_LUA_HOST] = "h:",
  [SIM_LUA_ROUTER] = "r:", [SIM_LUA_LINK] = "link:",
};

void
sim_lua_name_functions(lua_State *L, int idx, const char *self)
{
  idx = lua_absindex(L, idx);
  if (lua_getfield(L, LUA_REGISTRYINDEX, FNAMES_KEY) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, FNAMES_KEY);
  }
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_type(L, -2) != LUA_TSTRING || !lua_iscfunction(L, -1)) {
      lua_pop(L, 1);
      continue;
    }
    const char *method = lua_tostring(L, -2);
    lua_pushvalue(L, -1);
    lua_rawget(L, -4);                          /* its name so far */
    const char *was = lua_tostring(L, -1);
    if (was == NULL) {
      lua_pushfstring(L, "%s%s", self, method);
    } else if (!g_str_has_prefix(was, self)) {
      /* Held under another prefix too: named by its argument's type. */
      lua_pushstring(L, strcmp(was, method) < 0 && !strpbrk(was, ".:") ? was : method);
    } else {
      /* Two names in one table (lua_next's order varies): the smaller. */
      const char *now = lua_pushfstring(L, "%s%s", self, method);
      if (strcmp(was, now) < 0) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
      }
    }
    lua_replace(L, -2);
    lua_rawset(L, -4);                          /* fnames[function] = name */
  }
  lua_pop(L, 1);
}

/* The prefix of the type of the running function's first argument, or
 * "". */
static const char *
self_of_first_argument(lua_State *L)
{
  for (int t = 0; t < SIM_LUA_N_TYPES; t++)
    if (sim_lua_testudata(L, 1, (SimLuaType)t)) return type_self[t];
  return "";
}

const char *
sim_lua_fname(lua_State *L)
{
  lua_Debug ar;
  if (!lua_getstack(L, 0, &ar) || !lua_checkstack(L, 4)) return "?";
  lua_getinfo(L, "nf", &ar);
  const char *name = NULL;
  if (lua_getfield(L, LUA_REGISTRYINDEX, FNAMES_KEY) == LUA_TTABLE) {
    lua_pushvalue(L, -2);
    if (lua_rawget(L, -2) == LUA_TSTRING) {
      name = lua_tostring(L, -1);
      if (strpbrk(name, ".:") == NULL) name = lua_pushfstring(L, "%s%s",
                                                              self_of_first_argument(L), name);
    }
  }
  /* A function with no name of twsim's (the shipped modules' internal
   * ones) is named as Lua names it, pushed too: the caller concatenates
   * what is on the stack. */
  if (name == NULL) name = lua_pushstring(L, ar.name ? ar.name : "?");
  /* The string stays on the stack (below what the caller pushes next)
   * while the error is made: the caller raises right after. */
  return name;
}

const char *
sim_lua_pushvformat(lua_State *L, const char *fmt, va_list ap)
{
  va_list aq;
  va_copy(aq, ap);
  int n = vsnprintf(NULL, 0, fmt, aq);
  va_end(aq);
  if (n < 0) n = 0;
  luaL_Buffer b;
  char *p = luaL_buffinitsize(L, &b, (size_t)n + 1);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  luaL_pushresultsize(&b, (size_t)n);
  return lua_tostring(L, -1);
}

/* Raises the message on top of the stack, prefixed with the scenario
 * line, as a usage error. */
static G_NORETURN void
raise_usage(lua_State *L)
{
  SimWorld *world = sim_world_from_lua(L);
  sim_lua_push_where(L);
  lua_insert(L, -2);
  lua_concat(L, 2);
  world->invalid = TRUE;
  sim_world_note_error(world, lua_tostring(L, -1));
  lua_error(L);
  g_assert_not_reached();
}

int
sim_lua_usage_error(lua_State *L, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  sim_lua_pushvformat(L, fmt, ap);
  va_end(ap);
  raise_usage(L);
}

int
sim_lua_argerror(lua_State *L, const char *fmt, ...)
{
  sim_lua_fname(L);
  lua_pushliteral(L, ": ");
  va_list ap;
  va_start(ap, fmt);
  sim_lua_pushvformat(L, fmt, ap);
  va_end(ap);
  lua_concat(L, 3);
  raise_usage(L);
}

int
sim_lua_typeerror(lua_State *L, int arg, const char *expected)
{
  sim_lua_argerror(L, "expected %s as argument %d, got %s", expected, arg,
                   luaL_typename(L, arg));
}

int
sim_lua_gerror(lua_State *L, const char *what, GError *error)
{
  /* The message moves onto the Lua stack before the error is freed, so
   * nothing leaks when the error longjmps. */
  lua_pushstring(L, error->message);
  g_error_free(error);
  if (what)
    sim_lua_argerror(L, "%s: %s", what, lua_tostring(L, -1));
  sim_lua_argerror(L, "%s", lua_tostring(L, -1));
}

int
sim_lua_usage_gerror(lua_State *L, const char *subject, GError *error)
{
  lua_pushstring(L, error->message);
  g_error_free(error);
  sim_lua_usage_error(L, "%s: %s", subject, lua_tostring(L, -1));
}

int
sim_lua_checkoption(lua_State *L, int arg, const char *def, const char *const names[],
                    const char *what)
{
  const char *name = def && lua_isnoneornil(L, arg) ? def : NULL;
  if (name == NULL && lua_type(L, arg) != LUA_TSTRING) {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 0; names[i]; i++) {
      if (i) luaL_addstring(&b, names[i + 1] ? ", " : " or ");
      luaL_addchar(&b, '"');
      luaL_addstring(&b, names[i]);
      luaL_addchar(&b, '"');
    }
    luaL_pushresult(&b);
    sim_lua_argerror(L, "expected %s (%s), got %s", what, lua_tostring(L, -1),
                     luaL_typename(L, arg));
  }
  if (name == NULL) name = lua_tostring(L, arg);
  for (int i = 0; names[i]; i++)
    if (strcmp(names[i], name) == 0) return i;
  /* A name of one or two letters is one edit from any other: the list
   * says more than a guess. */
  const char *close = strlen(name) > 2 ? sim_closest_name(name, names, -1) : NULL;
  if (close) sim_lua_argerror(L, "unknown %s '%s' (did you mean '%s'?)", what, name, close);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 0; names[i]; i++) {
    if (i) luaL_addstring(&b, ", ");
    luaL_addstring(&b, names[i]);
  }
  luaL_pushresult(&b);
  sim_lua_argerror(L, "unknown %s '%s' (%s)", what, name, lua_tostring(L, -1));
}

void
sim_lua_check_option_keys(lua_State *L, int arg, const char *what, const char *const *allowed)
{
  /* lua_next's order changes from process to process: report the smallest
   * unknown key, so the message is the same on every run.  It stays on
   * the stack (at `worst`), owned by Lua. */
  arg = lua_absindex(L, arg);
  lua_pushnil(L);
  int worst = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, arg)) {
    lua_pop(L, 1);
    gboolean known = FALSE;
    if (lua_type(L, -1) == LUA_TSTRING)
      for (int i = 0; allowed[i] && !known; i++)
        known = strcmp(lua_tostring(L, -1), allowed[i]) == 0;
    if (known) continue;
    const char *name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "(not a string)";
    if (lua_isnil(L, worst) || strcmp(name, lua_tostring(L, worst)) < 0) {
      lua_pushstring(L, name);
      lua_replace(L, worst);
    }
  }
  if (lua_isnil(L, worst)) {
    lua_pop(L, 1);
    return;
  }
  const char *name = lua_tostring(L, worst);
  const char *close = sim_closest_name(name, allowed, -1);
  const char *sep = what ? ": " : "";
  if (close)
    sim_lua_argerror(L, "%s%sunknown option '%s' (did you mean '%s'?)", what ? what : "", sep,
                     name, close);
  sim_lua_argerror(L, "%s%sunknown option '%s'", what ? what : "", sep, name);
}
