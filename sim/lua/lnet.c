/* sim.host, sim.router, sim.link and their objects; link:drop predicates
 * and sim.on("segment") observers (see lnet.h and docs/network.md). */
#include "lnet.h"
#include "lsocket.h"
#include "ladder.h"
#include <string.h>

#define NODES_KEY "twsim.nodes"   /* registry: node index + 1 -> userdata */
#define LINKS_KEY "twsim.links"   /* registry: link index + 1 -> userdata */

typedef struct {
  SimWorld *world;
  NetLink  *link;
} SimLuaLink;

/* A link's predicates: registry refs, called in the order given. */
typedef struct {
  SimWorld *world;
  GArray   *refs;
} LinkPreds;

/* ---- helpers ------------------------------------------------------------ */

static void
check_opts_table(lua_State *L, int arg, const char *call)
{
  if (!lua_isnoneornil(L, arg) && !lua_istable(L, arg))
    sim_lua_usage_error(L, "%s: expected an options table as argument %d, got %s",
                        call, arg, luaL_typename(L, arg));
}

static const char *
check_name(lua_State *L, int arg, const char *call)
{
  if (lua_type(L, arg) != LUA_TSTRING || lua_rawlen(L, arg) == 0)
    sim_lua_usage_error(L, "%s: expected a name (a non-empty string) as argument %d, got %s",
                        call, arg, luaL_typename(L, arg));
  return lua_tostring(L, arg);
}

static void
on_segment_event(gpointer user, const NetEvent *ev);

void
sim_lua_net_update_observer(SimWorld *world)
{
  if (world->run.net == NULL) return;
  gboolean wanted = world->out.ladder || world->observers[SIM_OBSERVE_SEGMENT]->len > 0;
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

/* Keeps userdata at the top of the stack alive in registry table `key`. */
static void
keep_alive(lua_State *L, const char *key, guint index)
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

static SimLuaHost *
push_node(lua_State *L, SimWorld *world, NetNode *node, SimLuaType type)
{
  SimLuaHost *h = lua_newuserdatauv(L, sizeof *h, 0);
  h->world = world;
  h->node = node;
  sim_lua_setmetatable(L, type);
  keep_alive(L, NODES_KEY, node->index);
  return h;
}

/* ---- sim.host ----------------------------------------------------------- */

/* A usage error from a model's GError, prefixed with the call's name. */
G_NORETURN static void
gerror_with(lua_State *L, const char *call, GError *error)
{
  lua_pushfstring(L, "%s: %s", call, error->message);
  g_error_free(error);
  sim_lua_usage_error(L, "%s", lua_tostring(L, -1));
}

static const char *const host_keys[] = { "addr", "profile", NULL };

#define HOST_MAX_ADDRS 64

/* Reads the addr option at stack index `arg` into addrs (no allocation: a
 * usage error may longjmp from here); returns how many. */
static guint
read_addrs(lua_State *L, int arg, NetAddr *addrs)
{
  GError *error = NULL;
  if (lua_type(L, arg) == LUA_TSTRING) {
    if (!net_addr_parse(lua_tostring(L, arg), &addrs[0], &error)) goto bad;
    return 1;
  }
  lua_Integer n = lua_istable(L, arg) ? (lua_Integer)lua_rawlen(L, arg) : 0;
  if (n == 0)
    sim_lua_usage_error(L, "sim.host: addr: expected an address like \"10.0.0.1\" "
                        "or a list of them, got %s", luaL_typename(L, arg));
  if (n > HOST_MAX_ADDRS)
    sim_lua_usage_error(L, "sim.host: addr: at most %d addresses", HOST_MAX_ADDRS);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, arg, i);
    if (lua_type(L, -1) != LUA_TSTRING)
      sim_lua_usage_error(L, "sim.host: addr[%d]: expected a string, got %s",
                          (int)i, luaL_typename(L, -1));
    if (!net_addr_parse(lua_tostring(L, -1), &addrs[i - 1], &error)) goto bad;
    lua_pop(L, 1);
  }
  return (guint)n;
bad:
  lua_pushfstring(L, "sim.host: addr: %s", error->message);
  g_error_free(error);
  sim_lua_usage_error(L, "%s", lua_tostring(L, -1));
}

/* sim.host(name [, {addr = "10.0.0.1" | {...}, profile = "linux"}]) */
static int
l_host(lua_State *L)
{
  SimWorld *world = sim_world_from_lua(L);
  const char *name = check_name(L, 1, "sim.host");
  check_opts_table(L, 2, "sim.host");
  const char *profile = NULL;
  NetAddr addrs[HOST_MAX_ADDRS];
  guint n_addrs = 0;
  if (lua_istable(L, 2)) {
    sim_lua_check_option_keys(L, 2, "sim.host", host_keys);
    if (lua_getfield(L, 2, "profile") != LUA_TNIL && lua_type(L, -1) != LUA_TSTRING)
      sim_lua_usage_error(L, "sim.host: profile: expected a string, got %s",
                          luaL_typename(L, -1));
    profile = lua_tostring(L, -1);
    if (lua_getfield(L, 2, "addr") != LUA_TNIL) n_addrs = read_addrs(L, lua_gettop(L), addrs);
  }
  NetWorld *net = sim_lua_net(world);
  if (n_addrs == 0) addrs[n_addrs++] = net_world_free_addr(net);
  GError *error = NULL;
  NetNode *node = net_world_host_new(net, name, addrs, n_addrs, &error);
  if (node == NULL) gerror_with(L, "sim.host", error);
  node->profile = g_strdup(profile);
  push_node(L, world, node, SIM_LUA_HOST);
  sim_lua_host_attach_tcp(L, node);
  return 1;
}

/* sim.router(name [, {}]) */
static int
l_router(lua_State *L)
{
  static const char *const router_keys[] = { NULL };
  SimWorld *world = sim_world_from_lua(L);
  const char *name = check_name(L, 1, "sim.router");
  check_opts_table(L, 2, "sim.router");
  if (lua_istable(L, 2)) sim_lua_check_option_keys(L, 2, "sim.router", router_keys);
  GError *error = NULL;
  NetNode *node = net_world_router_new(sim_lua_net(world), name, &error);
  if (node == NULL) gerror_with(L, "sim.router", error);
  push_node(L, world, node, SIM_LUA_ROUTER);
  return 1;
}

SimLuaHost *
sim_lua_check_host(lua_State *L, int arg)
{
  SimLuaHost *h = sim_lua_testudata(L, arg, SIM_LUA_HOST);
  if (h == NULL)
    sim_lua_usage_error(L, "h:%s: expected a host (from sim.host) as argument %d, got %s",
                        sim_lua_callee(L), arg, luaL_typename(L, arg));
  return h;
}

/* A host or router argument of sim.link. */
static NetNode *
check_node(lua_State *L, int arg)
{
  SimLuaHost *h = sim_lua_testudata(L, arg, SIM_LUA_HOST);
  if (h == NULL) h = sim_lua_testudata(L, arg, SIM_LUA_ROUTER);
  if (h == NULL)
    sim_lua_usage_error(L, "sim.link: expected a host or router as argument %d, got %s",
                        arg, luaL_typename(L, arg));
  return h->node;
}

/* ---- sim.link options --------------------------------------------------- */

static const char *const link_keys[] = {
  "rate", "delay", "jitter", "loss", "dup", "reorder", "queue", "mtu", NULL,
};

/* A probability at stack index `idx`. */
static double
check_prob(lua_State *L, int idx, const char *what)
{
  if (lua_type(L, idx) != LUA_TNUMBER)
    sim_lua_usage_error(L, "sim.link: %s: expected a probability (a number in [0, 1]), got %s",
                        what, luaL_typename(L, idx));
  double p = lua_tonumber(L, idx);
  if (p != p)      /* NaN: printed one way on every platform */
    sim_lua_usage_error(L, "sim.link: %s: NaN is not a probability (a number in [0, 1])", what);
  if (!(p >= 0.0 && p <= 1.0))
    sim_lua_usage_error(L, "sim.link: %s: %s is outside [0, 1]", what, lua_tostring(L, idx));
  return p;
}

/* Field `key` of the table at `t` as a probability, or `dflt` if absent. */
static double
prob_field(lua_State *L, int t, const char *key, double dflt, const char *what)
{
  double p = dflt;
  if (lua_getfield(L, t, key) != LUA_TNIL) {
    char *w = g_strdup_printf("%s.%s", what, key);
    lua_pushstring(L, w);
    g_free(w);
    p = check_prob(L, -2, lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return p;
}

static void
parse_loss(lua_State *L, int idx, NetLinkParams *p, const char *what)
{
  static const char *const ge_keys[] = { "p", "r", "k", "h", NULL };
  if (!lua_istable(L, idx)) {
    p->loss = check_prob(L, idx, what);
    return;
  }
  char *call = g_strdup_printf("sim.link: %s", what);
  lua_pushstring(L, call);
  g_free(call);
  sim_lua_check_option_keys(L, idx, lua_tostring(L, -1), ge_keys);
  lua_pop(L, 1);
  lua_getfield(L, idx, "p");
  lua_getfield(L, idx, "r");
  if (lua_isnil(L, -1) || lua_isnil(L, -2))
    sim_lua_usage_error(L, "sim.link: %s: a Gilbert-Elliott table needs p and r", what);
  lua_pop(L, 2);
  p->ge = TRUE;
  p->ge_p = prob_field(L, idx, "p", 0, what);
  p->ge_r = prob_field(L, idx, "r", 0, what);
  p->ge_k = prob_field(L, idx, "k", 1, what);
  p->ge_h = prob_field(L, idx, "h", 0, what);
}

static void
parse_reorder(lua_State *L, int idx, NetLinkParams *p, const char *what)
{
  static const char *const reorder_keys[] = { "p", "delay", NULL };
  if (!lua_istable(L, idx)) {
    p->reorder = check_prob(L, idx, what);
    return;
  }
  char *call = g_strdup_printf("sim.link: %s", what);
  lua_pushstring(L, call);
  g_free(call);
  sim_lua_check_option_keys(L, idx, lua_tostring(L, -1), reorder_keys);
  lua_pop(L, 1);
  p->reorder = prob_field(L, idx, "p", 0, what);
  if (lua_getfield(L, idx, "delay") != LUA_TNIL) {
    lua_pushfstring(L, "sim.link: %s.delay", what);
    p->reorder_delay = sim_lua_check_duration(L, -2, lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

/* A whole number (1000 or 1e3) in [min, 2^31). */
static guint
check_count(lua_State *L, int idx, const char *what, lua_Integer min)
{
  int ok = 0;
  lua_Integer v = lua_type(L, idx) == LUA_TNUMBER ? lua_tointegerx(L, idx, &ok) : 0;
  if (!ok || v < min || v > G_MAXINT32)
    sim_lua_usage_error(L, "sim.link: %s: expected an integer >= %d, got %s", what,
                        (int)min, luaL_tolstring(L, idx, NULL));
  return (guint)v;
}

static guint64
check_rate(lua_State *L, int idx, const char *what)
{
  GError *error = NULL;
  guint64 bps = 0;
  if (lua_type(L, idx) == LUA_TNUMBER) {
    double v = lua_tonumber(L, idx);
    if (!(v >= 0 && v < 1e18))
      sim_lua_usage_error(L, "sim.link: %s: bad rate %s", what, lua_tostring(L, idx));
    return (guint64)v;
  }
  if (lua_type(L, idx) != LUA_TSTRING)
    sim_lua_usage_error(L, "sim.link: %s: expected a rate like \"100Mbps\", got %s",
                        what, luaL_typename(L, idx));
  if (!sim_rate_parse(lua_tostring(L, idx), &bps, &error)) {
    lua_pushfstring(L, "sim.link: %s: %s", what, error->message);
    g_error_free(error);
    sim_lua_usage_error(L, "%s", lua_tostring(L, -1));
  }
  return bps;
}

/* Sets option `key` of one direction from the value at `idx`. */
static void
parse_one(lua_State *L, int idx, const char *key, const char *what, NetLinkParams *p)
{
  char *w = g_strdup_printf("sim.link: %s", what);
  lua_pushstring(L, w);
  g_free(w);
  int wi = lua_gettop(L);
  if (strcmp(key, "rate") == 0) p->rate = check_rate(L, idx, what);
  else if (strcmp(key, "delay") == 0) p->delay = sim_lua_check_duration(L, idx, lua_tostring(L, wi));
  else if (strcmp(key, "jitter") == 0) p->jitter = sim_lua_check_duration(L, idx, lua_tostring(L, wi));
  else if (strcmp(key, "loss") == 0) parse_loss(L, idx, p, what);
  else if (strcmp(key, "dup") == 0) p->dup = check_prob(L, idx, what);
  else if (strcmp(key, "reorder") == 0) parse_reorder(L, idx, p, what);
  else if (strcmp(key, "queue") == 0) p->queue = check_count(L, idx, what, 0);
  else if (strcmp(key, "mtu") == 0) {
    p->mtu = check_count(L, idx, what, 0);
    if (p->mtu != 0 && p->mtu < 68)
      sim_lua_usage_error(L, "sim.link: %s: %u is below IPv4's minimum of 68 (0: no limit)",
                          what, p->mtu);
  }
  lua_pop(L, 1);
}

/* Whether the table at idx is a per-direction form {ab = .., ba = ..}. */
static gboolean
is_per_direction(lua_State *L, int idx)
{
  if (!lua_istable(L, idx)) return FALSE;
  gboolean found = lua_getfield(L, idx, "ab") != LUA_TNIL;
  found |= lua_getfield(L, idx, "ba") != LUA_TNIL;
  lua_pop(L, 2);
  return found;
}

/* Parses every option of the table at `arg` into the two directions. */
static void
parse_link_opts(lua_State *L, int arg, NetLinkParams dir[2])
{
  static const char *const dir_keys[] = { "ab", "ba", NULL };
  sim_lua_check_option_keys(L, arg, "sim.link", link_keys);
  for (int i = 0; link_keys[i]; i++) {
    const char *key = link_keys[i];
    if (lua_getfield(L, arg, key) == LUA_TNIL) {
      lua_pop(L, 1);
      continue;
    }
    int v = lua_gettop(L);
    if (is_per_direction(L, v)) {
      lua_pushfstring(L, "sim.link: %s", key);
      sim_lua_check_option_keys(L, v, lua_tostring(L, -1), dir_keys);
      lua_pop(L, 1);
      for (int d = 0; d < 2; d++) {
        if (lua_getfield(L, v, dir_keys[d]) != LUA_TNIL) {
          char *what = g_strdup_printf("%s.%s", key, dir_keys[d]);
          lua_pushstring(L, what);
          g_free(what);
          parse_one(L, v + 1, key, lua_tostring(L, -1), &dir[d]);
          lua_pop(L, 1);
        }
        lua_pop(L, 1);
      }
    } else {
      parse_one(L, v, key, key, &dir[0]);
      parse_one(L, v, key, key, &dir[1]);
    }
    lua_pop(L, 1);
  }
}

/* sim.link(a, b [, opts]) -> link */
static int
l_link(lua_State *L)
{
  SimWorld *world = sim_world_from_lua(L);
  NetNode *a = check_node(L, 1);
  NetNode *b = check_node(L, 2);
  if (a == b)
    sim_lua_usage_error(L, "sim.link: a link from '%s' to itself", a->name);
  check_opts_table(L, 3, "sim.link");
  NetLinkParams dir[2];
  net_link_params_init(&dir[0]);
  net_link_params_init(&dir[1]);
  if (lua_istable(L, 3)) parse_link_opts(L, 3, dir);
  NetLink *link = net_world_link_new(sim_lua_net(world), a, b, &dir[0], &dir[1]);
  SimLuaLink *l = lua_newuserdatauv(L, sizeof *l, 0);
  l->world = world;
  l->link = link;
  sim_lua_setmetatable(L, SIM_LUA_LINK);
  keep_alive(L, LINKS_KEY, link->index);
  return 1;
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

static void
set_int(lua_State *L, const char *key, lua_Integer v)
{
  lua_pushinteger(L, v);
  lua_setfield(L, -2, key);
}

/* Pushes a table with the segment fields DESIGN.md lists for link:drop:
 * from, to, sport, dport, seq, ack, len, win, flags. */
static void
push_seg(lua_State *L, NetWorld *net, const Packet *pkt, int extra)
{
  const TcpSegment *seg = &pkt->tcp;
  char flags[9];
  lua_createtable(L, 0, 9 + extra);
  push_addr_owner(L, net, pkt->src);
  lua_setfield(L, -2, "from");
  push_addr_owner(L, net, pkt->dst);
  lua_setfield(L, -2, "to");
  set_int(L, "sport", seg->sport);
  set_int(L, "dport", seg->dport);
  set_int(L, "seq", seg->seq);
  set_int(L, "ack", seg->ack);
  set_int(L, "len", seg->payload.len);
  set_int(L, "win", seg->win);
  lua_pushstring(L, tcp_flags_format(seg->flags, flags));
  lua_setfield(L, -2, "flags");
}

static void
on_segment_event(gpointer user, const NetEvent *ev)
{
  static const char *const names[] = { "send", "recv", "drop" };
  SimWorld *world = user;
  if (world->out.ladder) sim_ladder_segment(world->out.ladder, ev);
  GArray *obs = world->observers[SIM_OBSERVE_SEGMENT];
  if (obs->len == 0 || world->message) return;
  lua_State *L = sim_world_lua(world);
  if (!lua_checkstack(L, 8)) return;
  push_seg(L, world->run.net, ev->pkt, 5);
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
  sim_lua_call_observers(world, SIM_OBSERVE_SEGMENT, lua_gettop(L));
  lua_pop(L, 1);
}

static gboolean
link_filter(gpointer user, NetLink *link, guint dir, const Packet *pkt)
{
  LinkPreds *preds = user;
  SimWorld *world = preds->world;
  lua_State *L = sim_world_lua(world);
  if (world->message || !lua_checkstack(L, 8)) return FALSE;
  push_seg(L, link->net, pkt, 0);
  gboolean drop = FALSE;
  for (guint i = 0; i < preds->refs->len && !drop && !world->message; i++)
    drop = sim_lua_call_ref(world, L, g_array_index(preds->refs, int, i), lua_gettop(L));
  lua_pop(L, 1);
  return drop;
}

static void
link_preds_free(gpointer data)
{
  LinkPreds *preds = data;
  for (guint i = 0; i < preds->refs->len; i++)
    luaL_unref(preds->world->L, LUA_REGISTRYINDEX, g_array_index(preds->refs, int, i));
  g_array_free(preds->refs, TRUE);
  g_free(preds);
}

/* ---- link methods ------------------------------------------------------- */

static SimLuaLink *
check_link(lua_State *L, int arg)
{
  SimLuaLink *l = sim_lua_testudata(L, arg, SIM_LUA_LINK);
  if (l == NULL)
    sim_lua_usage_error(L, "link:%s: expected a link (from sim.link) as argument %d, got %s",
                        sim_lua_callee(L), arg, luaL_typename(L, arg));
  return l;
}

/* link:drop(pred): pred(seg) for every segment entering the link, in either
 * direction; a true result drops it.  Several predicates may be added: a
 * segment is dropped if any says so.  link:drop(nil) removes them all. */
static int
link_drop(lua_State *L)
{
  SimLuaLink *l = check_link(L, 1);
  if (lua_isnoneornil(L, 2)) {
    net_link_set_filter(l->link, NULL, NULL, NULL);
    return 0;
  }
  if (!lua_isfunction(L, 2))
    sim_lua_usage_error(L, "link:drop: expected a function (or nil), got %s",
                        luaL_typename(L, 2));
  LinkPreds *preds = l->link->filter_user;
  if (l->link->filter != link_filter) {
    preds = g_new0(LinkPreds, 1);
    preds->world = l->world;
    preds->refs = g_array_new(FALSE, FALSE, sizeof(int));
    net_link_set_filter(l->link, link_filter, preds, link_preds_free);
  }
  lua_pushvalue(L, 2);
  int ref = luaL_ref(L, LUA_REGISTRYINDEX);
  g_array_append_val(preds->refs, ref);
  return 0;
}

static void
push_counters(lua_State *L, const NetLinkCounters *c)
{
  lua_createtable(L, 0, 8);
  set_int(L, "sent", (lua_Integer)c->sent);
  set_int(L, "delivered", (lua_Integer)c->delivered);
  set_int(L, "lost", (lua_Integer)c->lost);
  set_int(L, "duplicated", (lua_Integer)c->duplicated);
  set_int(L, "reordered", (lua_Integer)c->reordered);
  set_int(L, "queue_drops", (lua_Integer)c->queue_drops);
  set_int(L, "mtu_drops", (lua_Integer)c->mtu_drops);
  set_int(L, "pred_drops", (lua_Integer)c->pred_drops);
}

/* link:stats() -> {ab = {sent=.., ...}, ba = {...}} */
static int
link_stats(lua_State *L)
{
  SimLuaLink *l = check_link(L, 1);
  lua_createtable(L, 0, 2);
  push_counters(L, net_link_counters(l->link, 0));
  lua_setfield(L, -2, "ab");
  push_counters(L, net_link_counters(l->link, 1));
  lua_setfield(L, -2, "ba");
  return 1;
}

/* link:name() -> "a-b" */
static int
link_name_m(lua_State *L)
{
  lua_pushstring(L, check_link(L, 1)->link->name);
  return 1;
}

static int
link_tostring(lua_State *L)
{
  lua_pushfstring(L, "link %s", check_link(L, 1)->link->name);
  return 1;
}

/* ---- host and router methods -------------------------------------------- */

static NetNode *
check_any_node(lua_State *L, int arg)
{
  SimLuaHost *h = sim_lua_testudata(L, arg, SIM_LUA_HOST);
  if (h == NULL) h = sim_lua_testudata(L, arg, SIM_LUA_ROUTER);
  if (h == NULL)
    sim_lua_usage_error(L, "expected a host or router as argument %d, got %s",
                        arg, luaL_typename(L, arg));
  return h->node;
}

/* h:name() */
static int
node_name(lua_State *L)
{
  lua_pushstring(L, check_any_node(L, 1)->name);
  return 1;
}

/* h:addr() -> the primary address; h:addr(i) -> interface i's (1-based). */
static int
host_addr(lua_State *L)
{
  NetNode *node = sim_lua_check_host(L, 1)->node;
  char buf[NET_ADDR_BUF];
  NetAddr a = net_node_addr(node);
  if (!lua_isnoneornil(L, 2)) {
    lua_Integer i = lua_isinteger(L, 2) ? lua_tointeger(L, 2) : 0;
    if (i < 1 || i > (lua_Integer)node->ifaces->len)
      sim_lua_usage_error(L, "h:addr: '%s' has no interface %s", node->name,
                          luaL_tolstring(L, 2, NULL));
    a = g_array_index(node->ifaces, NetIface, i - 1).addr;
  }
  lua_pushstring(L, net_addr_format(a, buf));
  return 1;
}

/* node:route(dst) -> the next hop's name towards dst (an address or a
 * host) and, on a host, the source address packets leave with; nil when dst
 * cannot be reached. */
static int
node_route(lua_State *L)
{
  NetNode *node = check_any_node(L, 1);
  NetAddr dst;
  SimLuaHost *to = sim_lua_testudata(L, 2, SIM_LUA_HOST);
  GError *error = NULL;
  if (to) {
    dst = net_node_addr(to->node);
  } else if (lua_type(L, 2) != LUA_TSTRING) {
    sim_lua_usage_error(L, "h:route: expected an address or a host, got %s", luaL_typename(L, 2));
  } else if (!net_addr_parse(lua_tostring(L, 2), &dst, &error)) {
    lua_pushfstring(L, "h:route: %s", error->message);
    g_error_free(error);
    sim_lua_usage_error(L, "%s", lua_tostring(L, -1));
  }
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

/* h:profile() -> the profile name given to sim.host, or nil. */
static int
host_profile(lua_State *L)
{
  lua_pushstring(L, sim_lua_check_host(L, 1)->node->profile);
  return 1;
}

static int
node_tostring(lua_State *L)
{
  NetNode *node = check_any_node(L, 1);
  lua_pushfstring(L, "%s %s", node->kind == NET_NODE_HOST ? "host" : "router", node->name);
  return 1;
}

static const luaL_Reg host_methods[] = {
  { "name", node_name },
  { "addr", host_addr },
  { "profile", host_profile },
  { "route", node_route },
  { NULL, NULL },
};

static const luaL_Reg router_methods[] = {
  { "name", node_name },
  { "route", node_route },
  { NULL, NULL },
};

static const luaL_Reg link_methods[] = {
  { "drop", link_drop },
  { "stats", link_stats },
  { "name", link_name_m },
  { NULL, NULL },
};

static const luaL_Reg net_functions[] = {
  { "host", l_host },
  { "router", l_router },
  { "link", l_link },
  { NULL, NULL },
};

/* The metatable of `type`, named `mt`, whose __index is a table of
 * `methods`. */
static void
register_type(lua_State *L, SimLuaType type, const char *mt, const luaL_Reg *methods,
              lua_CFunction tostring)
{
  sim_lua_newmetatable(L, type, mt);
  lua_pushcfunction(L, tostring);
  lua_setfield(L, -2, "__tostring");
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}

void
sim_lua_host_add_methods(lua_State *L, const luaL_Reg *methods)
{
  lua_rawgeti(L, LUA_REGISTRYINDEX, sim_world_from_lua(L)->metatable_refs[SIM_LUA_HOST]);
  g_assert(lua_istable(L, -1));
  lua_getfield(L, -1, "__index");
  luaL_setfuncs(L, methods, 0);
  lua_pop(L, 2);
}

void
sim_lua_net_open(lua_State *L)
{
  register_type(L, SIM_LUA_HOST, SIM_LUA_HOST_MT, host_methods, node_tostring);
  register_type(L, SIM_LUA_ROUTER, SIM_LUA_ROUTER_MT, router_methods, node_tostring);
  register_type(L, SIM_LUA_LINK, SIM_LUA_LINK_MT, link_methods, link_tostring);
  luaL_setfuncs(L, net_functions, 0);
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
