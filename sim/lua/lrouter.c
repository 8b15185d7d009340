/* The twsim.Router type: sim.router(name [, opts]) and its methods name
 * and route (docs/network.md). */
#include "lrouter.h"
#include "lnet.h"

/* sim.router(name [, {}]) */
static int
l_router(lua_State *L)
{
  static const char *const router_keys[] = { NULL };
  SimWorld *world = sim_world_from_lua(L);
  const char *name = sim_lua_check_name(L, 1, "sim.router");
  sim_lua_check_opts_table(L, 2, "sim.router");
  if (lua_istable(L, 2)) sim_lua_check_option_keys(L, 2, "sim.router", router_keys);
  GError *error = NULL;
  NetNode *node = net_world_router_new(sim_lua_net(world), name, &error);
  if (node == NULL) sim_lua_call_gerror(L, "sim.router", error);
  sim_lua_push_node(L, world, node, SIM_LUA_ROUTER);
  return 1;
}

static const luaL_Reg router_methods[] = {
  { "name", sim_lua_node_name },
  { "route", sim_lua_node_route },
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
