/* The TCP methods of hosts: h:socket(), h:count(state), h:states(),
 * h:stats(), h:set{...}; and the bridge from the stacks' state changes to
 * sim.on("state") observers. */
#include "lsocket.h"
#include "process.h"
#include "lnet.h"
#include <string.h>

static int
h_socket(lua_State *L)
{
  const char *name;
  TcpStack *stack = sim_lua_host_tcp(L, 1, &name);
  SimWorld *world = sim_world_from_lua(L);
  if (world->in_observer)
    sim_lua_usage_error(L, "h:socket: not allowed inside a sim.on callback");
  sim_lua_socket_push(L, world, tcp_socket_new(stack), name);
  return 1;
}

static TcpState
check_state(lua_State *L, int arg, const char *method)
{
  TcpState state;
  if (lua_type(L, arg) != LUA_TSTRING || !tcp_state_parse(lua_tostring(L, arg), &state))
    sim_lua_usage_error(L, "%s: expected a TCP state name such as \"TIME_WAIT\", got %s",
                        method, lua_type(L, arg) == LUA_TSTRING
                        ? lua_tostring(L, arg) : luaL_typename(L, arg));
  return state;
}

/* h:count(state) -> sockets in that state now */
static int
h_count(lua_State *L)
{
  TcpStack *stack = sim_lua_host_tcp(L, 1, NULL);
  lua_pushinteger(L, (lua_Integer)tcp_stack_count(stack, check_state(L, 2, "h:count")));
  return 1;
}

/* h:states() -> { CLOSED = n, LISTEN = n, ..., TIME_WAIT = n } */
static int
h_states(lua_State *L)
{
  TcpStack *stack = sim_lua_host_tcp(L, 1, NULL);
  lua_createtable(L, 0, TCP_STATE_N);
  for (int s = 0; s < TCP_STATE_N; s++) {
    lua_pushinteger(L, (lua_Integer)tcp_stack_count(stack, (TcpState)s));
    lua_setfield(L, -2, tcp_state_name((TcpState)s));
  }
  return 1;
}

/* h:stats() -> the cumulative counters (DESIGN.md "Host statistics") */
static int
h_stats(lua_State *L)
{
  TcpStack *stack = sim_lua_host_tcp(L, 1, NULL);
  const TcpStats *st = tcp_stack_stats(stack);
  guint n;
  const TcpStatsField *fields = tcp_stats_fields(&n);
  lua_createtable(L, 0, (int)n + 1);
  for (guint i = 0; i < n; i++) {
    lua_pushinteger(L, (lua_Integer)tcp_stats_get(st, &fields[i]));
    lua_setfield(L, -2, fields[i].name);
  }
  lua_pushnumber(L, sim_time_to_seconds(st->tw_peak_time));
  lua_setfield(L, -2, "tw_peak_time");
  return 1;
}

static gint
compare_key_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* h:set{key = value, ...}: TCP settings (DESIGN.md "TCP settings and
 * profiles").  Values: numbers, strings ("60s", "32768-60999"), booleans.
 * The profile key, if present, is applied first. */
static int
h_set(lua_State *L)
{
  TcpStack *stack = sim_lua_host_tcp(L, 1, NULL);
  GError *error = NULL;
  if (!lua_istable(L, 2))
    sim_lua_usage_error(L, "h:set: expected a table of settings, got %s", luaL_typename(L, 2));
  if (lua_getfield(L, 2, "profile") != LUA_TNIL) {
    if (lua_type(L, -1) != LUA_TSTRING)
      sim_lua_usage_error(L, "h:set: profile must be a string");
    if (!tcp_stack_set_profile(stack, lua_tostring(L, -1), &error))
      sim_lua_usage_gerror(L, error);
  }
  lua_pop(L, 1);
  /* Apply keys in a fixed (sorted) order so errors are reproducible. */
  GPtrArray *keys = g_ptr_array_new();
  lua_pushnil(L);
  while (lua_next(L, 2)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) {
      g_ptr_array_free(keys, TRUE);
      sim_lua_usage_error(L, "h:set: setting names are strings, got %s", luaL_typename(L, -1));
    }
    if (strcmp(lua_tostring(L, -1), "profile") != 0)
      g_ptr_array_add(keys, (gpointer)lua_tostring(L, -1));   /* kept alive by the table */
  }
  g_ptr_array_sort(keys, compare_key_names);
  for (guint i = 0; i < keys->len; i++) {
    const char *key = g_ptr_array_index(keys, i);
    lua_getfield(L, 2, key);
    const char *value;
    if (lua_type(L, -1) == LUA_TBOOLEAN) value = lua_toboolean(L, -1) ? "true" : "false";
    else if (lua_type(L, -1) == LUA_TNUMBER || lua_type(L, -1) == LUA_TSTRING) value = lua_tostring(L, -1);
    else {
      g_ptr_array_free(keys, TRUE);
      return sim_lua_usage_error(L, "h:set: %s: expected a number, string or boolean, got %s",
                                 key, luaL_typename(L, -1));
    }
    if (!tcp_stack_set(stack, key, value, &error)) {
      g_ptr_array_free(keys, TRUE);
      lua_pushfstring(L, "h:set: %s", error->message);
      g_error_free(error);
      sim_lua_usage_error(L, "%s", lua_tostring(L, -1));
    }
    lua_pop(L, 1);
  }
  g_ptr_array_free(keys, TRUE);
  return 0;
}

static const luaL_Reg host_tcp_methods[] = {
  { "socket", h_socket }, { "count", h_count }, { "states", h_states },
  { "stats", h_stats }, { "set", h_set }, { NULL, NULL },
};

void
sim_lua_socket_add_host_methods(lua_State *L)
{
  sim_lua_host_add_methods(L, host_tcp_methods);
}

/* Calls every sim.on("state") observer with the event as a table.  Runs
 * inside a model's callback, so the observers may not call into sockets
 * (world->in_observer makes such calls usage errors); an error in one
 * fails the run. */
void
sim_lua_state_changed(gpointer data, const TcpStateEvent *ev)
{
  SimWorld *world = data;
  GArray *observers = world->observers[SIM_OBSERVE_STATE];
  if (observers->len == 0 || world->message) return;
  lua_State *L = sim_world_lua(world);
  char laddr[NET_ADDR_BUF], raddr[NET_ADDR_BUF];
  lua_createtable(L, 0, 8);
  lua_pushstring(L, ev->host); lua_setfield(L, -2, "host");
  lua_pushnumber(L, sim_time_to_seconds(sim_engine_now(world->run.engine)));
  lua_setfield(L, -2, "time");
  lua_pushstring(L, tcp_state_name(ev->from)); lua_setfield(L, -2, "from");
  lua_pushstring(L, tcp_state_name(ev->to)); lua_setfield(L, -2, "to");
  lua_pushstring(L, net_addr_format(ev->tuple.laddr, laddr)); lua_setfield(L, -2, "laddr");
  lua_pushinteger(L, ev->tuple.lport); lua_setfield(L, -2, "lport");
  lua_pushstring(L, net_addr_format(ev->tuple.raddr, raddr)); lua_setfield(L, -2, "raddr");
  lua_pushinteger(L, ev->tuple.rport); lua_setfield(L, -2, "rport");
  sim_lua_call_observers(world, SIM_OBSERVE_STATE, lua_gettop(L));
  lua_pop(L, 1);
}
