/* The network's Lua types: twsim.Host (sim.host), twsim.Router
 * (sim.router) and twsim.Link (sim.link), over models/net.h.
 *
 * Data flow: a scenario builds the topology with sim.host/sim.router/
 * sim.link -> NetWorld (world->run.net); sim.run calls sim_lua_net_prepare
 * (routes, trace, pcap); while the run goes, the network calls back into
 * Lua for link:drop predicates and sim.on("segment") observers.
 *
 * Other Lua types that hang off a host (sockets: h:socket(), h:count(),
 * h:states(), h:stats(), h:set{}) add their methods to the host's method
 * table from their own file, after sim_lua_net_open has run:
 *
 *   static const luaL_Reg socket_host_methods[] = {
 *     { "socket", l_host_socket }, { "count", l_host_count }, { NULL, NULL } };
 *   sim_lua_host_add_methods(L, socket_host_methods);
 *
 * and find the host behind an argument with sim_lua_check_host(L, 1)->node
 * (a NetNode*: node->name, node->transport, net_node_addr(node)). */
#pragma once
#include "world.h"
#include "net.h"

#define SIM_LUA_HOST_MT "twsim.Host"
#define SIM_LUA_ROUTER_MT "twsim.Router"
#define SIM_LUA_LINK_MT "twsim.Link"

/* The userdata of hosts and routers: a handle, the NetWorld owns the node. */
typedef struct {
  SimWorld *world;
  NetNode  *node;
} SimLuaHost;

typedef SimLuaHost SimLuaRouter;

/* The host at argument `arg`, or a usage error naming the argument. */
SimLuaHost *
sim_lua_check_host(lua_State *L, int arg);

/* Adds methods to the method table (the metatable's __index) of hosts. */
void
sim_lua_host_add_methods(lua_State *L, const luaL_Reg *methods);

/* Registers the three metatables and adds sim.host, sim.router and
 * sim.link to the table on top of the stack (the sim table). */
void
sim_lua_net_open(lua_State *L);

/* Installs the network's observer only while something listens (a
 * sim.on("segment") observer or the ladder): otherwise a packet event costs
 * no call into this layer.  Called when either is added. */
void
sim_lua_net_update_observer(SimWorld *world);

/* The run's network, created on first use. */
NetWorld *
sim_lua_net(SimWorld *world);

/* Called when sim.run starts: computes routes, attaches the trace and the
 * pcap writer (raises a usage error if --pcap-at names no host). */
void
sim_lua_net_prepare(lua_State *L);
