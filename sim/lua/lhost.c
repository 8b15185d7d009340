/* The twsim.Host type: sim.host(name, opts) and the methods of a host,
 * name, addr, profile, route, socket, count, states, stats and set
 * (DESIGN.md "Lua API"; docs/lua-api.md).
 *
 * sim.host gives each host a TCP stack (models/tcp-stack.h) wired to the
 * network by models/tcp-host.c: stack output -> net_host_output -> links
 * -> the receiving host's node -> tcp_stack_input; and to the world here:
 * the stack's state changes -> the output writers and the
 * sim.on("state") observers. */
#include "lhost.h"
#include "lnet.h"
#include "lsocket.h"
#include "tcp-host.h"
#include "tcp-ss.h"
#include "profile.h"
#include "closest.h"
#include <string.h>

/* ---- the host's TCP stack ------------------------------------------------ */

/* Calls every sim.on("state") observer with the event as a table.  The
 * stack tells them once the segment or timer is done (state_settled), so
 * they may make socket calls that do not block (close, send, h:socket);
 * a blocking one is a usage error (world->in_observer); an error in one
 * fails the run. */
typedef struct {
  SimWorld             *world;
  const TcpStateEvent  *ev;
} StateEventArg;

/* Pushes a state change as a table (protected: sim_lua_protected_push). */
static int
push_state_event(lua_State *L)
{
  StateEventArg *arg = lua_touserdata(L, 1);
  const TcpStateEvent *ev = arg->ev;
  SimWorld *world = arg->world;
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
  return 1;
}

static void
state_changed(SimWorld *world, const TcpStateEvent *ev)
{
  GArray *observers = world->observers[SIM_OBSERVE_STATE];
  if (observers->len == 0 || world->message || world->closing) return;
  lua_State *L = sim_world_lua(world);
  if (!sim_world_checkstack(world, L, 8, "a sim.on callback")) return;
  SimCallbackScope was = sim_world_enter_callback(world, "a sim.on callback", TRUE);
  StateEventArg arg = { world, ev };
  if (sim_lua_protected_push(world, L, push_state_event, &arg)) {
    sim_lua_call_observers(world, SIM_OBSERVE_STATE, lua_gettop(L));
    lua_pop(L, 1);
  }
  sim_world_leave_callback(world, was);
}

static void
stack_state_changed(gpointer user, const TcpStateEvent *ev)
{
  SimWorld *world = user;
  if (!sim_writers_want_state(&world->out)) return;
  sim_writers_state(&world->out, sim_engine_now(world->run.engine), ev);
}

/* The same change once the segment or timer that caused it is done: to
 * the sim.on("state") observers, which may act on it. */
static void
stack_state_settled(gpointer user, const TcpStateEvent *ev)
{
  state_changed(user, ev);
}

/* Gives a new host its TCP stack, wired to the network and the world. */
static void
attach_tcp(lua_State *L, NetNode *node)
{
  SimWorld *world = sim_world_from_lua(L);
  TcpStackEnv env = {
    .engine = world->run.engine,
    .run_seed = world->opts->seed,
    .trace = world->out.trace,
    /* The writers that follow states are chosen before the scenario makes
     * its first host and stay for the run: without them, no call per
     * state change. */
    .state_changed = sim_writers_want_state(&world->out) ? stack_state_changed : NULL,
    .state_settled = stack_state_settled,
    /* Without observers the stack holds nothing. */
    .settled_wanted = &world->observers[SIM_OBSERVE_STATE]->len,
    .state_user = world,
    .pool = world->conn_pool,
  };
  TcpStack *stack = tcp_host_attach(node, &env);
  if (node->profile) {
    gboolean known = tcp_stack_set_profile(stack, node->profile, NULL);
    g_assert(known);
  }
}

static SimLuaNode *
check_host(lua_State *L, int arg)
{
  SimLuaNode *h = sim_lua_testudata(L, arg, SIM_LUA_HOST);
  if (h == NULL) sim_lua_typeerror(L, arg, "a host (from sim.host)");
  return h;
}

/* The TCP stack of the host at `arg` (and the host's name). */
static TcpStack *
host_tcp(lua_State *L, int arg, const char **name)
{
  SimLuaNode *h = check_host(L, arg);
  if (name) *name = h->node->name;
  return h->node->transport;
}

/* ---- sim.host ------------------------------------------------------------ */

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
    sim_lua_argerror(L, "addr: expected an address like \"10.0.0.1\" "
                     "or a list of them, got %s", luaL_typename(L, arg));
  if (n > HOST_MAX_ADDRS)
    sim_lua_argerror(L, "addr: at most %d addresses", HOST_MAX_ADDRS);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, arg, i);
    if (lua_type(L, -1) != LUA_TSTRING)
      sim_lua_argerror(L, "addr[%d]: expected a string, got %s", (int)i, luaL_typename(L, -1));
    if (!net_addr_parse(lua_tostring(L, -1), &addrs[i - 1], &error)) goto bad;
    lua_pop(L, 1);
  }
  return (guint)n;
bad:
  sim_lua_gerror(L, "addr", error);
}

/* A usage error for an unknown profile name, with the list of them. */
static G_NORETURN void
check_profile_name(lua_State *L, const char *profile)
{
  GError *error = NULL;
  gboolean known = tcp_stack_set_profile(NULL, profile, &error);
  g_assert(!known);
  sim_lua_gerror(L, "profile", error);
}

/* sim.host(name [, {addr = "10.0.0.1" | {...}, profile = "linux"}]) */
static int
l_host(lua_State *L)
{
  SimWorld *world = sim_world_from_lua(L);
  const char *name = sim_lua_check_name(L, 1);
  sim_lua_check_opts_table(L, 2);
  const char *profile = NULL;
  NetAddr addrs[HOST_MAX_ADDRS];
  guint n_addrs = 0;
  if (lua_istable(L, 2)) {
    sim_lua_check_option_keys(L, 2, NULL, host_keys);
    if (lua_getfield(L, 2, "profile") != LUA_TNIL && lua_type(L, -1) != LUA_TSTRING)
      sim_lua_argerror(L, "profile: expected a string, got %s", luaL_typename(L, -1));
    profile = lua_tostring(L, -1);
    if (profile && tcp_profile_lookup(profile) == NULL) check_profile_name(L, profile);
    if (lua_getfield(L, 2, "addr") != LUA_TNIL) n_addrs = read_addrs(L, lua_gettop(L), addrs);
  }
  NetWorld *net = sim_lua_net(world);
  if (n_addrs == 0) addrs[n_addrs++] = net_world_free_addr(net);
  GError *error = NULL;
  NetNode *node = net_world_host_new(net, name, addrs, n_addrs, &error);
  if (node == NULL) sim_lua_gerror(L, NULL, error);
  /* Whole before Lua sees it: the stack is attached (nothing there can
   * fail) before the userdata, whose allocation may raise, is made. */
  node->profile = g_strdup(profile);
  attach_tcp(L, node);
  sim_lua_push_node(L, world, node, SIM_LUA_HOST);
  return 1;
}

/* ---- methods ------------------------------------------------------------- */

/* h:addr() -> the primary address; h:addr(i) -> interface i's (1-based). */
static int
host_addr(lua_State *L)
{
  NetNode *node = check_host(L, 1)->node;
  char buf[NET_ADDR_BUF];
  NetAddr a = net_node_addr(node);
  if (!lua_isnoneornil(L, 2)) {
    lua_Integer i = lua_isinteger(L, 2) ? lua_tointeger(L, 2) : 0;
    if (i < 1 || i > (lua_Integer)node->ifaces->len)
      sim_lua_argerror(L, "'%s' has no interface %s", node->name, luaL_tolstring(L, 2, NULL));
    a = g_array_index(node->ifaces, NetIface, i - 1).addr;
  }
  lua_pushstring(L, net_addr_format(a, buf));
  return 1;
}

/* h:profile() -> the profile name given to sim.host, or nil. */
static int
host_profile(lua_State *L)
{
  lua_pushstring(L, check_host(L, 1)->node->profile);
  return 1;
}

static int
h_socket(lua_State *L)
{
  const char *name;
  TcpStack *stack = host_tcp(L, 1, &name);
  SimWorld *world = sim_world_from_lua(L);
  if (world->in_observer && !world->sockets_ok)
    sim_lua_argerror(L, "not allowed inside %s", world->callback);
  sim_lua_socket_push(L, world, tcp_socket_new(stack), name);
  return 1;
}

static TcpState
check_state(lua_State *L, int arg)
{
  TcpState state;
  if (lua_type(L, arg) == LUA_TSTRING && tcp_state_parse(lua_tostring(L, arg), &state))
    return state;
  if (lua_type(L, arg) != LUA_TSTRING)
    sim_lua_argerror(L, "expected a TCP state name such as \"TIME_WAIT\", got %s",
                     luaL_typename(L, arg));
  const char *names[TCP_STATE_N];
  for (int s = 0; s < TCP_STATE_N; s++) names[s] = tcp_state_name((TcpState)s);
  const char *close = sim_closest_name(lua_tostring(L, arg), names, TCP_STATE_N);
  if (close)
    sim_lua_argerror(L, "expected a TCP state name such as \"TIME_WAIT\", got %s "
                     "(did you mean '%s'?)", lua_tostring(L, arg), close);
  sim_lua_argerror(L, "expected a TCP state name such as \"TIME_WAIT\", got %s",
                   lua_tostring(L, arg));
}

/* h:count(state) -> sockets in that state now */
static int
h_count(lua_State *L)
{
  TcpStack *stack = host_tcp(L, 1, NULL);
  lua_pushinteger(L, (lua_Integer)tcp_stack_count(stack, check_state(L, 2)));
  return 1;
}

/* h:states() -> { CLOSED = n, LISTEN = n, ..., TIME_WAIT = n } */
static int
h_states(lua_State *L)
{
  TcpStack *stack = host_tcp(L, 1, NULL);
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
  TcpStack *stack = host_tcp(L, 1, NULL);
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

/* The whole table as one change (tcp_stack_set_all): rules between keys
 * (rto_min <= rto_max) hold whatever order the keys come in. */
static gboolean
host_set_all(gpointer stack, const char *const *keys, const char *const *values, guint n,
             GError **error)
{
  return tcp_stack_set_all(stack, keys, values, n, error);
}

/* h:set{key = value, ...}: TCP settings (DESIGN.md "TCP settings and
 * profiles").  Values: numbers, strings ("60s", "32768-60999"), booleans.
 * The profile key, if present, is applied first. */
static int
h_set(lua_State *L)
{
  TcpStack *stack = host_tcp(L, 1, NULL);
  GError *error = NULL;
  if (!lua_istable(L, 2))
    sim_lua_argerror(L, "expected a table of settings, got %s", luaL_typename(L, 2));
  if (lua_getfield(L, 2, "profile") != LUA_TNIL) {
    if (lua_type(L, -1) != LUA_TSTRING)
      sim_lua_argerror(L, "profile must be a string");
    if (!tcp_stack_set_profile(stack, lua_tostring(L, -1), &error))
      sim_lua_gerror(L, NULL, error);
  }
  lua_pop(L, 1);
  sim_lua_apply_settings(L, 2, "profile", NULL, host_set_all, stack);
  return 0;
}

/* h:sockets() -> a list of every socket of the host, as `ss -tan` lists
 * them: { state = "TIME_WAIT", laddr, lport, raddr, rport, recv_q,
 * send_q, timer = "timewait" | "on" | "persist" | nil, timer_left
 * (seconds), retransmits }, sorted by local then remote address and port. */
static int
h_sockets(lua_State *L)
{
  TcpStack *stack = host_tcp(L, 1, NULL);
  SimTime now = sim_engine_now(sim_world_from_lua(L)->run.engine);
  /* The listing moves into Lua-owned memory before any other Lua call.
   * The scratch is the world's, so a raise leaks nothing; the userdata's
   * allocation may run a finalizer (which may call h:sockets, or close a
   * socket), so the listing is taken again after it, until it fits. */
  GArray *scratch = sim_world_from_lua(L)->listing;
  TcpSockInfo *socks;
  guint n;
  for (;;) {
    g_array_set_size(scratch, 0);
    tcp_stack_sockets(stack, now, scratch);
    n = scratch->len;
    socks = lua_newuserdatauv(L, MAX(n, 1) * sizeof *socks, 0);
    g_array_set_size(scratch, 0);
    tcp_stack_sockets(stack, now, scratch);
    if (scratch->len == n) break;
    lua_pop(L, 1);
  }
  if (n) memcpy(socks, scratch->data, n * sizeof *socks);
  lua_createtable(L, (int)n, 0);
  for (guint i = 0; i < n; i++) {
    const TcpSockInfo *s = &socks[i];
    char addr[NET_ADDR_BUF];
    lua_createtable(L, 0, 10);
    lua_pushstring(L, tcp_state_name(s->state));
    lua_setfield(L, -2, "state");
    lua_pushstring(L, net_addr_format(s->tuple.laddr, addr));
    lua_setfield(L, -2, "laddr");
    sim_lua_set_int(L, "lport", s->tuple.lport);
    lua_pushstring(L, net_addr_format(s->tuple.raddr, addr));
    lua_setfield(L, -2, "raddr");
    sim_lua_set_int(L, "rport", s->tuple.rport);
    sim_lua_set_int(L, "recv_q", s->recv_q);
    sim_lua_set_int(L, "send_q", s->send_q);
    if (s->timer != TCP_SS_TIMER_OFF) {
      lua_pushstring(L, tcp_ss_timer_name(s->timer));
      lua_setfield(L, -2, "timer");
      lua_pushnumber(L, sim_time_to_seconds(s->timer_left));
      lua_setfield(L, -2, "timer_left");
    }
    sim_lua_set_int(L, "retransmits", s->retransmits);
    lua_pushboolean(L, s->orphan);
    lua_setfield(L, -2, "orphan");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static const luaL_Reg host_methods[] = {
  { "name", sim_lua_node_name },
  { "addr", host_addr },
  { "profile", host_profile },
  { "route", sim_lua_node_route },
  { "socket", h_socket },
  { "count", h_count },
  { "states", h_states },
  { "stats", h_stats },
  { "set", h_set },
  { "sockets", h_sockets },
  { NULL, NULL },
};

void
sim_lua_host_open(lua_State *L)
{
  sim_lua_register_type(L, SIM_LUA_HOST, SIM_LUA_HOST_MT, host_methods, sim_lua_node_tostring);
  lua_pushcfunction(L, l_host);
  lua_setfield(L, -2, "host");
}
