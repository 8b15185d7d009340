/* The network as the Lua types share it: the world's NetWorld, made with
 * the first host, router or link; the userdata of hosts and routers and
 * the methods both have (name, route, tostring); segments as Lua tables;
 * and the one observer of the network that feeds the output writers and
 * sim.on("segment") observers.
 *
 * Shared plumbing: the type files (lhost.c, lrouter.c, llink.c, lsim.c)
 * use it; it uses none of them. */
#pragma once
#include "world.h"
#include "net.h"

#define SIM_LUA_HOST_MT "twsim.Host"
#define SIM_LUA_ROUTER_MT "twsim.Router"
#define SIM_LUA_LINK_MT "twsim.Link"

/* The userdata of a host or a router: the node it names. */
typedef struct {
  SimWorld *world;
  NetNode  *node;
} SimLuaNode;

/* The world's network, made on first use with the run's trace and pcap. */
NetWorld *
sim_lua_net(SimWorld *world);

/* Installs the network's observer while someone listens (a writer that
 * draws segments, or a sim.on("segment") observer), and removes it
 * otherwise, so that a packet event costs no call when nobody does. */
void
sim_lua_net_update_observer(SimWorld *world);

/* Before the run: routes computed, trace and pcap attached (--pcap-at's
 * host checked).  A usage error if --pcap-at names no host. */
void
sim_lua_net_prepare(lua_State *L);

/* Pushes a new userdata of `type` (host or router) for node, kept alive
 * as long as the world. */
SimLuaNode *
sim_lua_push_node(lua_State *L, SimWorld *world, NetNode *node, SimLuaType type);

/* Keeps the userdata at the top of the stack alive in registry table
 * `key`, at index + 1. */
void
sim_lua_keep_alive(lua_State *L, const char *key, guint index);

/* The host or router at `arg`, or a usage error. */
NetNode *
sim_lua_check_node(lua_State *L, int arg);

/* A destination argument: an address string, or a host (its primary
 * address), as h:route and s:connect take it.  A usage error otherwise. */
NetAddr
sim_lua_check_dest(lua_State *L, int arg);

/* Argument checks shared by sim.host, sim.router and sim.link. */
const char *
sim_lua_check_name(lua_State *L, int arg);
void
sim_lua_check_opts_table(lua_State *L, int arg);

/* Pushes a table with the segment fields DESIGN.md lists for link:drop:
 * from, to, sport, dport, seq, ack, len, win, flags; `extra` more fields
 * are expected. */
void
sim_lua_push_seg(lua_State *L, NetWorld *net, const Packet *pkt, int extra);

/* Creates the metatable of `type`, named `mt`, with `tostring` and an
 * __index table holding `methods`. */
void
sim_lua_register_type(lua_State *L, SimLuaType type, const char *mt,
                      const luaL_Reg *methods, lua_CFunction tostring);

/* Methods hosts and routers share: node:name(), node:route(dst), and
 * their __tostring. */
int sim_lua_node_name(lua_State *L);
int sim_lua_node_route(lua_State *L);
int sim_lua_node_tostring(lua_State *L);

/* A setter of one setting: key and value as text; FALSE with a SIM_ERROR
 * if refused. */
typedef gboolean (*SimLuaSetFn)(gpointer user, const char *key, const char *value,
                                GError **error);

/* A setter of the whole table at once: n keys and values as text, applied
 * as one change; FALSE with a SIM_ERROR (and nothing changed) if refused. */
typedef gboolean (*SimLuaSetAllFn)(gpointer user, const char *const *keys,
                                   const char *const *values, guint n, GError **error);

/* Applies the settings table at `arg` (string keys; number, string or
 * boolean values, passed as text), skipping key `skip` (may be NULL): all
 * at once through `set_all` if given, else one by one through `set`, in
 * sorted key order so an error is the same on every run.  A usage error
 * "NAME: ..." for a bad table or a refused setting. */
void
sim_lua_apply_settings(lua_State *L, int arg, const char *skip,
                       SimLuaSetFn set, SimLuaSetAllFn set_all, gpointer user);
