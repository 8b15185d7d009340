/* The twsim.Link type: sim.link(a, b, opts) and its methods drop, stats
 * and name (DESIGN.md "Links"; docs/network.md). */
#include "llink.h"
#include "lnet.h"
#include <string.h>

#define LINKS_KEY "twsim.links"   /* registry: link index + 1 -> userdata */

typedef struct {
  SimWorld *world;
  NetLink  *link;
} SimLuaLink;

/* A link's predicates: registry refs, called in the order given.  A
 * predicate may change the list it is called from (link:drop(nil), or one
 * more link:drop(f)): while a walk is on (`walking` > 0) a removed list is
 * only emptied, and the walk that ends last frees it. */
typedef struct {
  SimWorld *world;
  GArray   *refs;
  guint     walking;    /* walks in progress (a predicate may send, nesting them) */
  gboolean  removed;    /* the link no longer holds this list */
} LinkPreds;

/* ---- sim.link options --------------------------------------------------- */

static const char *const link_keys[] = {
  "rate", "delay", "jitter", "loss", "dup", "reorder", "queue", "mtu", NULL,
};

/* A probability at stack index `idx`. */
static double
check_prob(lua_State *L, int idx, const char *what)
{
  if (lua_type(L, idx) != LUA_TNUMBER)
    sim_lua_argerror(L, "%s: expected a probability (a number in [0, 1]), got %s",
                     what, luaL_typename(L, idx));
  double p = lua_tonumber(L, idx);
  if (p != p)      /* NaN: printed one way on every platform */
    sim_lua_argerror(L, "%s: NaN is not a probability (a number in [0, 1])", what);
  if (!(p >= 0.0 && p <= 1.0))
    sim_lua_argerror(L, "%s: %s is outside [0, 1]", what, lua_tostring(L, idx));
  return p;
}

/* Field `key` of the table at `t` as a probability, or `dflt` if absent. */
static double
prob_field(lua_State *L, int t, const char *key, double dflt, const char *what)
{
  double p = dflt;
  if (lua_getfield(L, t, key) != LUA_TNIL) {
    const char *w = lua_pushfstring(L, "%s.%s", what, key);
    p = check_prob(L, -2, w);
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
    if (p->loss == 1.0) sim_lua_warning(L, "sim.link: %s = 1: every packet is lost", what);
    return;
  }
  sim_lua_check_option_keys(L, idx, what, ge_keys);
  lua_getfield(L, idx, "p");
  lua_getfield(L, idx, "r");
  if (lua_isnil(L, -1) || lua_isnil(L, -2))
    sim_lua_argerror(L, "%s: a Gilbert-Elliott table needs p and r", what);
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
  sim_lua_check_option_keys(L, idx, what, reorder_keys);
  p->reorder = prob_field(L, idx, "p", 0, what);
  if (lua_getfield(L, idx, "delay") != LUA_TNIL) {
    const char *w = lua_pushfstring(L, "%s.delay", what);
    p->reorder_delay = sim_lua_check_duration(L, -2, w);
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
    sim_lua_argerror(L, "%s: expected an integer >= %d, got %s", what,
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
      sim_lua_argerror(L, "%s: bad rate %s", what, lua_tostring(L, idx));
    return (guint64)v;
  }
  if (lua_type(L, idx) != LUA_TSTRING)
    sim_lua_argerror(L, "%s: expected a rate like \"100Mbps\", got %s",
                     what, luaL_typename(L, idx));
  if (!sim_rate_parse(lua_tostring(L, idx), &bps, &error)) sim_lua_gerror(L, what, error);
  return bps;
}

/* Sets option `key` of one direction from the value at `idx`. */
static void
parse_one(lua_State *L, int idx, const char *key, const char *what, NetLinkParams *p)
{
  if (strcmp(key, "rate") == 0) p->rate = check_rate(L, idx, what);
  else if (strcmp(key, "delay") == 0) p->delay = sim_lua_check_duration(L, idx, what);
  else if (strcmp(key, "jitter") == 0) p->jitter = sim_lua_check_duration(L, idx, what);
  else if (strcmp(key, "loss") == 0) parse_loss(L, idx, p, what);
  else if (strcmp(key, "dup") == 0) p->dup = check_prob(L, idx, what);
  else if (strcmp(key, "reorder") == 0) parse_reorder(L, idx, p, what);
  else if (strcmp(key, "queue") == 0) p->queue = check_count(L, idx, what, 0);
  else if (strcmp(key, "mtu") == 0) {
    p->mtu = check_count(L, idx, what, 0);
    if (p->mtu != 0 && p->mtu < 68)
      sim_lua_argerror(L, "%s: %u is below IPv4's minimum of 68 (0: no limit)",
                       what, p->mtu);
  }
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
  sim_lua_check_option_keys(L, arg, NULL, link_keys);
  for (int i = 0; link_keys[i]; i++) {
    const char *key = link_keys[i];
    if (lua_getfield(L, arg, key) == LUA_TNIL) {
      lua_pop(L, 1);
      continue;
    }
    int v = lua_gettop(L);
    if (is_per_direction(L, v)) {
      sim_lua_check_option_keys(L, v, key, dir_keys);
      for (int d = 0; d < 2; d++) {
        if (lua_getfield(L, v, dir_keys[d]) != LUA_TNIL) {
          const char *what = lua_pushfstring(L, "%s.%s", key, dir_keys[d]);
          parse_one(L, v + 1, key, what, &dir[d]);
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
  NetNode *a = sim_lua_check_node(L, 1);
  NetNode *b = sim_lua_check_node(L, 2);
  if (a == b)
    sim_lua_argerror(L, "a link from '%s' to itself", a->name);
  sim_lua_check_opts_table(L, 3);
  NetLinkParams dir[2];
  net_link_params_init(&dir[0]);
  net_link_params_init(&dir[1]);
  if (lua_istable(L, 3)) parse_link_opts(L, 3, dir);
  NetLink *link = net_world_link_new(sim_lua_net(world), a, b, &dir[0], &dir[1]);
  SimLuaLink *l = lua_newuserdatauv(L, sizeof *l, 0);
  l->world = world;
  l->link = link;
  sim_lua_setmetatable(L, SIM_LUA_LINK);
  sim_lua_keep_alive(L, LINKS_KEY, link->index);
  return 1;
}

/* ---- link:drop predicates ----------------------------------------------- */

static void
link_preds_release(LinkPreds *preds)
{
  if (preds->walking > 0 || !preds->removed) return;
  g_array_free(preds->refs, TRUE);
  g_free(preds);
}

typedef struct {
  NetLink      *link;
  const Packet *pkt;
} SegArg;

/* Pushes the segment as a table (protected: sim_lua_protected_push). */
static int
push_seg_arg(lua_State *L)
{
  SegArg *arg = lua_touserdata(L, 1);
  sim_lua_push_seg(L, arg->link->net, arg->pkt, 0);
  return 1;
}

static gboolean
link_filter(gpointer user, NetLink *link, guint dir, const Packet *pkt)
{
  LinkPreds *preds = user;
  SimWorld *world = preds->world;
  lua_State *L = sim_world_lua(world);
  if (world->message || world->closing) return FALSE;
  if (!sim_world_checkstack(world, L, 8, "a link:drop predicate")) return FALSE;
  preds->walking++;
  gboolean drop = FALSE;
  SimCallbackScope was = sim_world_enter_callback(world, "a link:drop predicate", FALSE);
  SegArg arg = { link, pkt };
  if (sim_lua_protected_push(world, L, push_seg_arg, &arg)) {
    for (guint i = 0; i < preds->refs->len && !drop && !world->message; i++)
      drop = sim_lua_call_ref(world, L, g_array_index(preds->refs, int, i), lua_gettop(L),
                              "a link:drop predicate");
    lua_pop(L, 1);
  }
  sim_world_leave_callback(world, was);
  preds->walking--;
  link_preds_release(preds);
  return drop;
}

/* The link let go of its list (link:drop(nil), or the network is freed). */
static void
link_preds_free(gpointer data)
{
  LinkPreds *preds = data;
  for (guint i = 0; i < preds->refs->len; i++)
    sim_lua_unref(preds->world, g_array_index(preds->refs, int, i));
  g_array_set_size(preds->refs, 0);
  preds->removed = TRUE;
  link_preds_release(preds);
}

/* ---- link methods ------------------------------------------------------- */

static SimLuaLink *
check_link(lua_State *L, int arg)
{
  SimLuaLink *l = sim_lua_testudata(L, arg, SIM_LUA_LINK);
  if (l == NULL)
    sim_lua_typeerror(L, arg, "a link (from sim.link)");
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
    sim_lua_argerror(L, "expected a function (or nil), got %s",
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
  sim_lua_set_int(L, "sent", (lua_Integer)c->sent);
  sim_lua_set_int(L, "delivered", (lua_Integer)c->delivered);
  sim_lua_set_int(L, "lost", (lua_Integer)c->lost);
  sim_lua_set_int(L, "duplicated", (lua_Integer)c->duplicated);
  sim_lua_set_int(L, "reordered", (lua_Integer)c->reordered);
  sim_lua_set_int(L, "queue_drops", (lua_Integer)c->queue_drops);
  sim_lua_set_int(L, "mtu_drops", (lua_Integer)c->mtu_drops);
  sim_lua_set_int(L, "pred_drops", (lua_Integer)c->pred_drops);
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

static const luaL_Reg link_methods[] = {
  { "drop", link_drop },
  { "stats", link_stats },
  { "name", link_name_m },
  { NULL, NULL },
};

void
sim_lua_link_open(lua_State *L)
{
  sim_lua_register_type(L, SIM_LUA_LINK, SIM_LUA_LINK_MT, link_methods, link_tostring);
  lua_pushcfunction(L, l_link);
  lua_setfield(L, -2, "link");
}
