/* The network as the Lua types share it (see lnet.h). */
#include "lnet.h"
#include <string.h>

#define NODES_KEY "twsim.nodes"   /* registry: node index + 1 -> userdata */

void
sim_lua_check_opts_table(lua_State *L, int arg)
{
  if (!lua_isnoneornil(L, arg) && !lua_istable(L, arg))
    sim_lua_typeerror(L, arg, "an options table");
}

const char *
sim_lua_check_name(lua_State *L, int arg)
{
  if (lua_type(L, arg) != LUA_TSTRING || lua_rawlen(L, arg) == 0)
    sim_lua_typeerror(L, arg, "a name (a non-empty string)");
  /* A name goes into every output, JSON included: UTF-8 text only, no
   * control characters (a NUL would cut it short). */
  gsize len;
  const char *name = lua_tolstring(L, arg, &len);
  gboolean ok = g_utf8_validate(name, (gssize)len, NULL);
  for (gsize i = 0; i < len && ok; i++)
    ok = (unsigned char)name[i] >= 0x20 && name[i] != 0x7f;
  if (!ok)
    sim_lua_argerror(L, "a name must be UTF-8 text without control characters "
                     "(argument %d)", arg);
  return name;
}

static void
on_segment_event(gpointer user, const NetEvent *ev);

void
sim_lua_net_update_observer(SimWorld *world)
{
  if (world->run.net == NULL) return;
  gboolean wanted = sim_writers_want_segments(&world->out)
                    || world->observers[SIM_OBSERVE_SEGMENT]->len > 0;
  net_world_set_observer(world->run.net, wanted ? on_segment_event : NULL, world);
}

NetWorld *
sim_lua_net(SimWorld *world)
{
  if (world->run.net == NULL) {
    world->run.net = net_world_new(world->run.engine, world->opts->seed);
    sim_lua_net_update_observer(world);
    world->run.net->trace = world->out.trace;
    if (world->opts->pcap_at == NULL) net_world_set_pcap(world->run.net, world->out.pcap, NULL);
  }
  return world->run.net;
}

void
sim_lua_net_prepare(lua_State *L)
{
  SimWorld *world = sim_world_from_lua(L);
  NetNode *at = NULL;
  if (world->opts->pcap_at) {
    at = world->run.net ? net_world_find_node(world->run.net, world->opts->pcap_at) : NULL;
    if (at == NULL || at->kind != NET_NODE_HOST)
      sim_lua_usage_error(L, "--pcap-at: no host named '%s'", world->opts->pcap_at);
  }
  if (world->run.net == NULL) return;
  net_world_compute_routes(world->run.net);
  world->run.net->trace = world->out.trace;
  net_world_set_pcap(world->run.net, world->out.pcap, at);
}

void
sim_lua_keep_alive(lua_State *L, const char *key, guint index)
{
  if (lua_getfield(L, LUA_REGISTRYINDEX, key) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, key);
  }
  lua_pushvalue(L, -2);
  lua_rawseti(L, -2, (lua_Integer)index + 1);
  lua_pop(L, 1);
}

SimLuaNode *
sim_lua_push_node(lua_State *L, SimWorld *world, NetNode *node, SimLuaType type)
{
  SimLuaNode *h = lua_newuserdatauv(L, sizeof *h, 0);
  h->world = world;
  h->node = node;
  sim_lua_setmetatable(L, type);
  sim_lua_keep_alive(L, NODES_KEY, node->index);
  return h;
}

NetNode *
sim_lua_check_node(lua_State *L, int arg)
{
  SimLuaNode *h = sim_lua_testudata(L, arg, SIM_LUA_HOST);
  if (h == NULL) h = sim_lua_testudata(L, arg, SIM_LUA_ROUTER);
  if (h == NULL) sim_lua_typeerror(L, arg, "a host or router");
  return h->node;
}

void
sim_lua_register_type(lua_State *L, SimLuaType type, const char *mt,
                      const luaL_Reg *methods, lua_CFunction tostring)
{
  sim_lua_newmetatable(L, type, mt);
  lua_pushcfunction(L, tostring);
  lua_setfield(L, -2, "__tostring");
  /* How the docs and the error messages write a call of each type. */
  static const char *const self[SIM_LUA_N_TYPES] = {
    [SIM_LUA_HOST] = "h:", [SIM_LUA_ROUTER] = "r:", [SIM_LUA_LINK] = "link:",
  };
  g_assert(self[type] != NULL);
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  sim_lua_guard_methods(L, -1, self[type]);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}

/* ---- segments as Lua tables --------------------------------------------- */

/* The name of the host holding addr, or the address itself. */
static void
push_addr_owner(lua_State *L, NetWorld *net, NetAddr addr)
{
  NetNode *owner = net_world_find_addr(net, addr);
  char buf[NET_ADDR_BUF];
  lua_pushstring(L, owner ? owner->name : net_addr_format(addr, buf));
}

void
sim_lua_push_seg(lua_State *L, NetWorld *net, const Packet *pkt, int extra)
{
  const TcpSegment *seg = &pkt->tcp;
  char flags[9];
  lua_createtable(L, 0, 9 + extra);
  push_addr_owner(L, net, pkt->src);
  lua_setfield(L, -2, "from");
  push_addr_owner(L, net, pkt->dst);
  lua_setfield(L, -2, "to");
  sim_lua_set_int(L, "sport", seg->sport);
  sim_lua_set_int(L, "dport", seg->dport);
  sim_lua_set_int(L, "seq", seg->seq);
  sim_lua_set_int(L, "ack", seg->ack);
  sim_lua_set_int(L, "len", seg->payload.len);
  sim_lua_set_int(L, "win", seg->win);
  lua_pushstring(L, tcp_flags_format(seg->flags, flags));
  lua_setfield(L, -2, "flags");
}

typedef struct {
  SimWorld       *world;
  const NetEvent *ev;
} SegmentEventArg;

/* Pushes a segment event as a table (protected: sim_lua_protected_push). */
static int
push_segment_event(lua_State *L)
{
  static const char *const names[] = { "send", "recv", "drop" };
  SegmentEventArg *arg = lua_touserdata(L, 1);
  const NetEvent *ev = arg->ev;
  sim_lua_push_seg(L, arg->world->run.net, ev->pkt, 5);
  lua_pushstring(L, ev->node->name);
  lua_setfield(L, -2, "host");
  lua_pushnumber(L, sim_time_to_seconds(ev->time));
  lua_setfield(L, -2, "time");
  lua_pushstring(L, names[ev->kind]);
  lua_setfield(L, -2, "event");
  if (ev->kind == NET_EVENT_DROP) {
    lua_pushstring(L, net_drop_reason_name(ev->reason));
    lua_setfield(L, -2, "reason");
  }
  if (ev->link) {
    lua_pushstring(L, ev->link->name);
    lua_setfield(L, -2, "link");
  }
  return 1;
}

static void
on_segment_event(gpointer user, const NetEvent *ev)
{
  SimWorld *world = user;
  sim_writers_segment(&world->out, ev);
  GArray *obs = world->observers[SIM_OBSERVE_SEGMENT];
  if (obs->len == 0 || world->message || world->closing) return;
  lua_State *L = sim_world_lua(world);
  if (!sim_world_checkstack(world, L, 8, "a sim.on callback")) return;
  SimCallbackScope was = sim_world_enter_callback(world, "a sim.on callback", FALSE);
  SegmentEventArg arg = { world, ev };
  if (sim_lua_protected_push(world, L, push_segment_event, &arg)) {
    sim_lua_call_observers(world, SIM_OBSERVE_SEGMENT, lua_gettop(L));
    lua_pop(L, 1);
  }
  sim_world_leave_callback(world, was);
}

/* ---- methods of hosts and routers --------------------------------------- */

/* h:name() */
int
sim_lua_node_name(lua_State *L)
{
  lua_pushstring(L, sim_lua_check_node(L, 1)->name);
  return 1;
}

/* node:route(dst) -> the next hop's name towards dst (an address or a
 * host) and, on a host, the source address packets leave with; nil when dst
 * cannot be reached. */
NetAddr
sim_lua_check_dest(lua_State *L, int arg)
{
  NetAddr dst = 0;
  SimLuaNode *to = sim_lua_testudata(L, arg, SIM_LUA_HOST);
  GError *error = NULL;
  if (to) {
    dst = net_node_addr(to->node);
  } else if (lua_type(L, arg) != LUA_TSTRING) {
    sim_lua_argerror(L, "expected an address or a host, got %s", luaL_typename(L, arg));
  } else if (!net_addr_parse(lua_tostring(L, arg), &dst, &error)) {
    sim_lua_gerror(L, NULL, error);
  }
  return dst;
}

int
sim_lua_node_route(lua_State *L)
{
  NetNode *node = sim_lua_check_node(L, 1);
  NetAddr dst = sim_lua_check_dest(L, 2);
  int k = net_node_next_hop(node, dst);
  if (k < 0) {
    lua_pushnil(L);
    return 1;
  }
  const NetIface *iface = &g_array_index(node->ifaces, NetIface, k);
  char buf[NET_ADDR_BUF];
  lua_pushstring(L, iface->link->d[iface->dir].to->name);
  if (node->kind != NET_NODE_HOST) return 1;
  lua_pushstring(L, net_addr_format(iface->addr, buf));
  return 2;
}

int
sim_lua_node_tostring(lua_State *L)
{
  NetNode *node = sim_lua_check_node(L, 1);
  lua_pushfstring(L, "%s %s", node->kind == NET_NODE_HOST ? "host" : "router", node->name);
  return 1;
}

static int
compare_key_names(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void
sim_lua_apply_settings(lua_State *L, int arg, const char *skip,
                       SimLuaSetFn set, SimLuaSetAllFn set_all, gpointer user)
{
  arg = lua_absindex(L, arg);
  if (!lua_istable(L, arg))
    sim_lua_argerror(L, "expected a table of settings, got %s", luaL_typename(L, arg));
  gsize n = 0;
  lua_pushnil(L);
  while (lua_next(L, arg)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING)
      sim_lua_argerror(L, "setting names are strings, got %s", luaL_typename(L, -1));
    n += skip == NULL || strcmp(lua_tostring(L, -1), skip) != 0;
  }
  /* Every value as text, left on the stack (so alive) until applied. */
  if (n > 100000 || !lua_checkstack(L, (int)n + 4))
    sim_lua_argerror(L, "too many settings");
  /* The keys and values in a userdata: any call below may raise, and Lua
   * then frees the scratch.  The keys are the table's own strings. */
  const char **keys = lua_newuserdatauv(L, 2 * (n + 1) * sizeof *keys, 0);
  const char **values = keys + n + 1;
  gsize k = 0;
  lua_pushnil(L);
  while (lua_next(L, arg)) {
    lua_pop(L, 1);
    if (skip == NULL || strcmp(lua_tostring(L, -1), skip) != 0) keys[k++] = lua_tostring(L, -1);
  }
  /* Applied in a fixed (sorted) order so errors are reproducible. */
  qsort(keys, n, sizeof *keys, compare_key_names);
  for (gsize i = 0; i < n; i++) {
    int t = lua_getfield(L, arg, keys[i]);
    if (t == LUA_TBOOLEAN) values[i] = lua_toboolean(L, -1) ? "true" : "false";
    else if (t == LUA_TNUMBER || t == LUA_TSTRING) values[i] = lua_tostring(L, -1);
    else sim_lua_argerror(L, "%s: expected a number, string or boolean, got %s", keys[i],
                          luaL_typename(L, -1));
  }
  GError *error = NULL;
  gboolean ok = TRUE;
  if (set_all) {
    ok = set_all(user, keys, values, (guint)n, &error);
  } else {
    for (gsize i = 0; i < n && ok; i++) ok = set(user, keys[i], values[i], &error);
  }
  if (!ok) sim_lua_gerror(L, NULL, error);
  lua_pop(L, (int)n + 1);
}
