/* The twsim.Router type: sim.router(name [, opts]) and its methods name,
 * route, set, stats and count (docs/network.md, docs/nat.md).
 *
 * Options: `nat = { snat = {...}, dnat = {...} }`, `lb = {...}` and
 * `conntrack = true` give the router a NatBox (models/nat.h); its
 * addresses (SNAT outside addresses, DNAT and virtual addresses) become
 * the router's own, so routes to them lead to it. */
#include "lrouter.h"
#include "lnet.h"
#include "nat.h"
#include <string.h>

/* The string at field `key` of the table at `idx`, or NULL if absent; a
 * usage error naming `what` if it is not a string. */
static const char *
opt_string(lua_State *L, int idx, const char *key, const char *what)
{
  int t = lua_getfield(L, idx, key);
  const char *s = NULL;
  if (t == LUA_TSTRING) s = lua_tostring(L, -1);
  else if (t != LUA_TNIL)
    sim_lua_argerror(L, "%s.%s: expected a string, got %s", what, key,
                     luaL_typename(L, -1));
  lua_pop(L, 1);   /* the string stays alive in the table */
  return s;
}

static void
check_table(lua_State *L, int idx, const char *what)
{
  if (!lua_istable(L, idx))
    sim_lua_argerror(L, "%s: expected a table, got %s", what, luaL_typename(L, idx));
}

static void
claim(lua_State *L, NetNode *node, NetAddr addr)
{
  GError *error = NULL;
  if (!net_router_add_addr(node, addr, &error)) sim_lua_gerror(L, NULL, error);
}

static NetAddr
parse_addr(lua_State *L, const char *text, const char *what)
{
  NetAddr a;
  GError *error = NULL;
  if (!net_addr_parse(text, &a, &error)) sim_lua_gerror(L, what, error);
  return a;
}

static void
parse_endpoint(lua_State *L, const char *text, const char *what, NetAddr *a, guint16 *port)
{
  GError *error = NULL;
  if (!nat_parse_endpoint(text, a, port, &error)) sim_lua_gerror(L, what, error);
}

/* nat.snat = { from = "10.0.0.0/24", to = "a.b.c.d" or { ... }, ports = "LO-HI" } */
static void
read_snat(lua_State *L, int idx, NetNode *node, NatBox *box)
{
  static const char *const keys[] = { "from", "to", "ports", NULL };
  check_table(L, idx, "nat.snat");
  sim_lua_check_option_keys(L, idx, "nat.snat", keys);
  const char *from = opt_string(L, idx, "from", "nat.snat");
  if (from == NULL) sim_lua_argerror(L, "nat.snat.from: a network such as \"10.0.0.0/24\" is required");
  NetAddr inside;
  guint prefix;
  GError *error = NULL;
  if (!nat_parse_prefix(from, &inside, &prefix, &error)) sim_lua_gerror(L, "nat.snat.from", error);
  guint16 lo = 0, hi = 0;
  const char *ports = opt_string(L, idx, "ports", "nat.snat");
  if (ports && !nat_parse_ports(ports, &lo, &hi, &error)) sim_lua_gerror(L, "nat.snat.ports", error);
  /* Every address is checked (and claimed) before anything is allocated:
   * a usage error must leave nothing behind. */
  int t = lua_getfield(L, idx, "to");
  if (t == LUA_TSTRING) {       /* one address: a list of one */
    lua_createtable(L, 1, 0);
    lua_insert(L, -2);
    lua_rawseti(L, -2, 1);
  } else if (t != LUA_TTABLE) {
    sim_lua_argerror(L, "nat.snat.to: an outside address or a list of them is required");
  }
  int list = lua_gettop(L);
  lua_Integer n = 0;
  for (; lua_rawgeti(L, list, n + 1) != LUA_TNIL; n++) {
    if (lua_type(L, -1) != LUA_TSTRING)
      sim_lua_argerror(L, "nat.snat.to: addresses are strings");
    claim(L, node, parse_addr(L, lua_tostring(L, -1), "nat.snat.to"));
    lua_pop(L, 1);
  }
  if (n == 0)
    sim_lua_argerror(L, "nat.snat.to: an outside address or a list of them is required");
  NetAddr *to = g_new(NetAddr, n);
  for (lua_Integer i = 0; i < n; i++) {
    lua_rawgeti(L, list, i + 1);
    net_addr_parse(lua_tostring(L, -1), &to[i], NULL);
    lua_pop(L, 1);
  }
  lua_pop(L, 2);
  nat_box_set_snat(box, inside, prefix, to, (guint)n, lo, hi);
  g_free(to);
}

/* nat.dnat = { { from = "a.b.c.d:PORT", to = "e.f.g.h:PORT" }, ... } */
static void
read_dnat(lua_State *L, int idx, NetNode *node, NatBox *box)
{
  static const char *const keys[] = { "from", "to", NULL };
  check_table(L, idx, "nat.dnat");
  for (lua_Integer i = 1; lua_rawgeti(L, idx, i) != LUA_TNIL; i++) {
    int r = lua_gettop(L);
    check_table(L, r, "nat.dnat[i]");
    sim_lua_check_option_keys(L, r, "nat.dnat[i]", keys);
    const char *from = opt_string(L, r, "from", "nat.dnat[i]");
    const char *to = opt_string(L, r, "to", "nat.dnat[i]");
    if (from == NULL || to == NULL)
      sim_lua_argerror(L, "nat.dnat[%d]: from and to are required", (int)i);
    NatDnat rule;
    parse_endpoint(L, from, "nat.dnat.from", &rule.addr, &rule.port);
    parse_endpoint(L, to, "nat.dnat.to", &rule.to_addr, &rule.to_port);
    claim(L, node, rule.addr);
    nat_box_add_dnat(box, &rule);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

/* lb = { vip = "a.b.c.d:PORT", backends = { "e.f.g.h:PORT", ... },
 *        mode = "rr" | "hash", snat = false } */
static void
read_lb(lua_State *L, int idx, NetNode *node, NatBox *box)
{
  static const char *const keys[] = { "vip", "backends", "mode", "snat", NULL };
  check_table(L, idx, "lb");
  sim_lua_check_option_keys(L, idx, "lb", keys);
  const char *vip = opt_string(L, idx, "vip", "lb");
  const char *mode_name = opt_string(L, idx, "mode", "lb");
  if (vip == NULL) sim_lua_argerror(L, "lb.vip: a virtual address such as \"203.0.113.10:80\" is required");
  NetAddr addr;
  guint16 port;
  parse_endpoint(L, vip, "lb.vip", &addr, &port);
  LbMode mode = LB_ROUND_ROBIN;
  if (mode_name && !lb_mode_parse(mode_name, &mode))
    sim_lua_argerror(L, "lb.mode: expected \"rr\" or \"hash\", got \"%s\"", mode_name);
  int t = lua_getfield(L, idx, "snat");
  if (t != LUA_TNIL && t != LUA_TBOOLEAN)
    sim_lua_argerror(L, "lb.snat: expected a boolean, got %s", luaL_typename(L, -1));
  gboolean snat = lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (lua_getfield(L, idx, "backends") != LUA_TTABLE || lua_rawlen(L, -1) == 0)
    sim_lua_argerror(L, "lb.backends: a list of \"a.b.c.d:PORT\" is required");
  int b = lua_gettop(L);
  /* Check every backend before anything is made: a usage error must leave
   * nothing behind. */
  LbBackend be;
  for (lua_Integer i = 1; lua_rawgeti(L, b, i) != LUA_TNIL; i++) {
    if (lua_type(L, -1) != LUA_TSTRING)
      sim_lua_argerror(L, "lb.backends: entries are strings \"a.b.c.d:PORT\"");
    parse_endpoint(L, lua_tostring(L, -1), "lb.backends", &be.addr, &be.port);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  claim(L, node, addr);
  LbService *svc = lb_service_new(addr, port, mode, snat);
  for (lua_Integer i = 1; lua_rawgeti(L, b, i) != LUA_TNIL; i++) {
    nat_parse_endpoint(lua_tostring(L, -1), &be.addr, &be.port, NULL);
    lb_service_add(svc, be.addr, be.port);
    lua_pop(L, 1);
  }
  lua_pop(L, 2);
  nat_box_add_lb(box, svc);
}

static void
read_nat(lua_State *L, int idx, NetNode *node)
{
  static const char *const keys[] = { "snat", "dnat", NULL };
  check_table(L, idx, "nat");
  sim_lua_check_option_keys(L, idx, "nat", keys);
  NatBox *box = net_router_nat(node);
  if (lua_getfield(L, idx, "snat") != LUA_TNIL) read_snat(L, lua_gettop(L), node, box);
  lua_pop(L, 1);
  if (lua_getfield(L, idx, "dnat") != LUA_TNIL) read_dnat(L, lua_gettop(L), node, box);
  lua_pop(L, 1);
}

/* sim.router(name [, { nat = {...}, lb = {...}, conntrack = true }]) */
static int
l_router(lua_State *L)
{
  static const char *const router_keys[] = { "nat", "lb", "conntrack", NULL };
  SimWorld *world = sim_world_from_lua(L);
  const char *name = sim_lua_check_name(L, 1);
  sim_lua_check_opts_table(L, 2);
  if (lua_istable(L, 2)) sim_lua_check_option_keys(L, 2, NULL, router_keys);
  GError *error = NULL;
  NetNode *node = net_world_router_new(sim_lua_net(world), name, &error);
  if (node == NULL) sim_lua_gerror(L, NULL, error);
  sim_lua_push_node(L, world, node, SIM_LUA_ROUTER);
  if (lua_istable(L, 2)) {
    int t = lua_getfield(L, 2, "conntrack");
    if (t != LUA_TNIL && t != LUA_TBOOLEAN)
      sim_lua_argerror(L, "conntrack: expected a boolean, got %s", luaL_typename(L, -1));
    if (lua_toboolean(L, -1)) net_router_nat(node);
    lua_pop(L, 1);
    if (lua_getfield(L, 2, "nat") != LUA_TNIL) read_nat(L, lua_gettop(L), node);
    lua_pop(L, 1);
    if (lua_getfield(L, 2, "lb") != LUA_TNIL) read_lb(L, lua_gettop(L), node, net_router_nat(node));
    lua_pop(L, 1);
  }
  return 1;
}

static NetNode *
check_router(lua_State *L)
{
  NetNode *node = sim_lua_check_node(L, 1);
  if (node->kind != NET_NODE_ROUTER) sim_lua_argerror(L, "not a router");
  return node;
}

static gboolean
router_set(gpointer box, const char *key, const char *value, GError **error)
{
  return nat_box_set(box, key, value, error);
}

/* r:set{ conntrack_max = N, timeout_time_wait = "120s", ... }: turns
 * connection tracking on if it was off. */
static int
r_set(lua_State *L)
{
  NetNode *node = check_router(L);
  sim_lua_apply_settings(L, 2, NULL, router_set, NULL, net_router_nat(node));
  return 0;
}

/* r:stats() -> { forwarded, ttl_drops, noroute_drops, and with conntrack
 * the NAT counters (entries, ..., ports_peak) } */
static int
r_stats(lua_State *L)
{
  NetNode *node = check_router(L);
  lua_createtable(L, 0, 3 + NAT_STATS_N);
  lua_pushinteger(L, (lua_Integer)node->c.forwarded);
  lua_setfield(L, -2, "forwarded");
  lua_pushinteger(L, (lua_Integer)node->c.ttl_drops);
  lua_setfield(L, -2, "ttl_drops");
  lua_pushinteger(L, (lua_Integer)node->c.noroute_drops);
  lua_setfield(L, -2, "noroute_drops");
  if (node->nat) {
    NatStat st[NAT_STATS_N];
    guint n = nat_box_stats(node->nat, st);
    for (guint i = 0; i < n; i++) {
      lua_pushinteger(L, (lua_Integer)st[i].value);
      lua_setfield(L, -2, st[i].name);
    }
  }
  return 1;
}

/* r:count(state) -> conntrack entries in that state ("TIME_WAIT") */
static int
r_count(lua_State *L)
{
  NetNode *node = check_router(L);
  const char *name = luaL_typename(L, 2);
  if (lua_type(L, 2) == LUA_TSTRING) {
    name = lua_tostring(L, 2);
    for (guint s = CT_SYN_SENT; s < CT_STATE_N; s++) {
      if (strcmp(name, ct_state_name(s)) != 0) continue;
      lua_pushinteger(L, node->nat ? (lua_Integer)node->nat->ct.by_state[s] : 0);
      return 1;
    }
  }
  return sim_lua_argerror(L, "expected a conntrack state such as \"TIME_WAIT\", got %s", name);
}

static const luaL_Reg router_methods[] = {
  { "name", sim_lua_node_name },
  { "route", sim_lua_node_route },
  { "set", r_set },
  { "stats", r_stats },
  { "count", r_count },
  { NULL, NULL },
};

void
sim_lua_router_open(lua_State *L)
{
  sim_lua_register_type(L, SIM_LUA_ROUTER, SIM_LUA_ROUTER_MT, router_methods,
                        sim_lua_node_tostring);
  lua_pushcfunction(L, l_router);
  lua_setfield(L, -2, "router");
}
